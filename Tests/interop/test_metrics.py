"""/metrics of the built binary, on its own listener: `promtool check metrics` (Debian's prometheus package) passes on a
real scrape, the counters move by what the test did, every metric is in docs/METRICS.md, the public port never serves
it, a wrong `metrics.listen` stops start-up naming the setting; and the config/prometheus/ examples pass
`promtool check config`, `check rules` and `test rules`. The promtool checks skip only where promtool is not installed
(CI installs it: .ci/run)."""
import asyncio
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest
import websockets

from conftest import ROOT, binary, start_server, stop_server

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (apt-get install prometheus)")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(server) -> str:
    with urllib.request.urlopen(server.metrics_url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return response.read().decode()


def samples(text: str) -> dict[str, float]:
    """`name{a="x",b="y"}` (labels as the server wrote them, sorted) -> value."""
    result = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        if labels:
            pairs = sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
            name += "{" + ",".join(f'{key}="{val}"' for key, val in pairs) + "}"
        result[name] = float(value)
    return result


def series(name: str, **labels: str) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{key}="{labels[key]}"' for key in sorted(labels)) + "}"


def request(method: str, url: str, body: dict | None = None, cookie: str | None = None) -> tuple[int, dict, list[str]]:
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=10) as response:
            payload, status, cookies = response.read(), response.status, response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        payload, status, cookies = error.read(), error.code, []
    return status, (json.loads(payload) if payload else {}), cookies


def citizen(server) -> str:
    _, _, cookies = request("GET", server.base_url + "/api/session")
    return next(c.split(";", 1)[0] for c in cookies if c.startswith("lw_citizen="))


def exercise(server) -> dict:
    """Known things: 3 ratings accepted, 2 refused for their level, a 404, 4 pings over one WebSocket."""
    cookie = citizen(server)
    for index, slug in enumerate(["new-schools", "bus-lines", "elder-care"]):
        status, _, _ = request("POST", f"{server.base_url}/api/projects/{slug}/rating", {"id": f"r{index}", "level": 4}, cookie)
        assert status == 200
    for level in (0, 6):
        status, body, _ = request("POST", f"{server.base_url}/api/projects/new-schools/rating", {"id": f"bad{level}", "level": level}, cookie)
        assert (status, body["error"]) == (400, "rating.invalid_level")
    status, _, _ = request("GET", server.base_url + "/api/no-such-thing")
    assert status == 404

    async def pings() -> tuple[int, int]:
        sent = received = 0
        async with websockets.connect(server.ws_url + "/ws", compression=None) as ws:
            for index in range(4):
                text = json.dumps({"type": "ping", "id": f"p{index}"})
                await ws.send(text)
                sent += len(text.encode())
                reply = await ws.recv()
                assert json.loads(reply)["type"] == "pong"
                received += len(reply.encode())
        return sent, received

    sent, received = asyncio.run(pings())
    return {"sent": sent, "received": received}


@pytest.fixture
def metrics_server():
    running = start_server()
    assert running.metrics_url, "the server printed no metrics line:\n" + running.log
    yield running
    stop_server(running)


@needs_promtool
def test_promtool_accepts_a_real_scrape(metrics_server):
    exercise(metrics_server)
    text = scrape(metrics_server)
    assert "lastword_actions_refused_total" in text
    result = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr


def test_counters_move_by_exactly_what_the_test_did(metrics_server):
    # The first scrape makes the counters that start at zero.
    scrape(metrics_server)
    before = samples(scrape(metrics_server))
    done = exercise(metrics_server)
    after = samples(scrape(metrics_server))

    def moved(name: str, **labels: str) -> float:
        key = series(name, **labels)
        return after.get(key, 0) - before.get(key, 0)

    assert moved("lastword_actions_accepted_total", action="rating") == 3
    assert moved("lastword_actions_refused_total", action="rating", code="rating.invalid_level") == 2
    route = {"method": "POST", "route": "/api/projects/:slug/rating"}
    assert moved("lastword_http_responses_total", **route, status="200") == 3
    assert moved("lastword_http_responses_total", **route, status="400") == 2
    # exercise() gets a cookie of its own first: GET /api/session.
    assert moved("lastword_http_responses_total", method="GET", route="/api/session", status="200") == 1
    assert moved("lastword_http_responses_total", method="any", route="unmatched", status="404") == 1
    assert not any("no-such-thing" in key for key in after), "labels carry route patterns, never paths"
    assert moved("lastword_connections_accepted_total", kind="http") == 8  # 7 requests and the WebSocket's handshake
    assert moved("lastword_connections_accepted_total", kind="websocket") == 1
    assert moved("lastword_websocket_messages_total", direction="in") == 4
    assert moved("lastword_websocket_messages_total", direction="out") == 4
    assert moved("lastword_websocket_payload_bytes_total", direction="in") == done["sent"]
    assert moved("lastword_websocket_payload_bytes_total", direction="out") == done["received"]
    assert moved("lastword_writer_batch_commands_sum") == 3
    assert after[series("lastword_build_info", version=after_version(after))] == 1
    assert after["process_open_fds"] > 0 and after["process_resident_memory_bytes"] > 1 << 20


def after_version(values: dict[str, float]) -> str:
    return next(re.search(r'version="([^"]+)"', key).group(1) for key in values if key.startswith("lastword_build_info"))


def documented_metrics() -> set[str]:
    """The metric names docs/METRICS.md lists, one table row each: | `name` | …"""
    text = (ROOT / "docs/METRICS.md").read_text()
    return set(re.findall(r"^\| `([a-z_:]+)` \|", text, flags=re.MULTILINE))


def test_every_metric_served_is_documented_and_every_documented_one_served(metrics_server):
    exercise(metrics_server)
    served = set(re.findall(r"^# HELP (\S+) ", scrape(metrics_server), flags=re.MULTILINE))
    documented = documented_metrics()
    assert served - documented == set(), "served but not in docs/METRICS.md"
    assert documented - served == set(), "in docs/METRICS.md but not served"


def test_the_public_port_does_not_serve_metrics_and_the_metrics_port_nothing_else(metrics_server):
    status, body, _ = request("GET", metrics_server.base_url + "/metrics")
    assert status == 404 and body["error"] == "http.not_found"
    metrics_base = metrics_server.metrics_url.removesuffix("/metrics")
    for path in ["/", "/healthz", "/api/campaigns", "/ws", "/p/new-schools"]:
        status, body, _ = request("GET", metrics_base + path)
        assert (status, body.get("error")) == (404, "http.not_found"), path


def serve_with(metrics_listen: str) -> subprocess.CompletedProcess:
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="lastword-metrics-"))
    (workdir / "config.yaml").write_text(
        "server:\n  host: 127.0.0.1\n  port: 0\n"
        f"static:\n  directory: {ROOT / 'Public'}\n"
        f"database:\n  path: {workdir / 'lastword.sqlite'}\n"
        f"metrics:\n  listen: {json.dumps(metrics_listen)}\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LASTWORD_")}
    return subprocess.run([str(binary()), "serve", "--config", str(workdir / "config.yaml")], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("listen, problem", [
    ("9464", "it needs a port: 127.0.0.1:9464"),
    ("::1:9464", "an IPv6 address is written in brackets: [::1]:9464"),
    ("127.0.0.1:70000", "the port must be a number from 0 to 65535"),
    ("metrics.example.org:9464", "the host must be a numeric IPv4 or IPv6 address or localhost"),
])
def test_a_wrong_metrics_listen_stops_start_up_naming_the_setting(listen, problem):
    result = serve_with(listen)
    assert result.returncode != 0
    assert "serving" not in result.stdout
    assert result.stderr.splitlines()[-1] == f'Error: metrics.listen must be host:port, or empty to serve no metrics (got "{listen}": {problem})'


def test_a_metrics_port_in_use_stops_start_up_naming_the_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_with(f"127.0.0.1:{port}")
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"Error: cannot listen on metrics.listen 127.0.0.1:{port}: "), last


def test_an_empty_metrics_listen_serves_no_metrics():
    server = start_server('metrics:\n  listen: ""\n')
    try:
        assert server.metrics_url is None
        assert "metrics=listen=(off)" in server.log
        status, _, _ = request("GET", server.base_url + "/metrics")
        assert status == 404
    finally:
        stop_server(server)


@needs_promtool
@pytest.mark.parametrize("command", [
    ["check", "config", "config/prometheus/prometheus.yml"],
    ["check", "rules", "config/prometheus/alerts.yml"],
    ["test", "rules", "config/prometheus/alerts_test.yml"],
])
def test_the_prometheus_examples_pass_promtool(command):
    result = subprocess.run([PROMTOOL, *command], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
