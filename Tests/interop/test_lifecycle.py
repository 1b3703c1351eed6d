"""The operator's side of the real binary: the JSON log format, and SIGHUP reloading the campaign files (a broken file
changes nothing and is logged)."""
import json
import pathlib
import signal
import tempfile
import time
import urllib.error
import urllib.request

from conftest import start_server, stop_server
from test_campaign_import import MINIMAL, run, workdir


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def wait_for(condition, what: str, seconds: float = 15):
    """Polls an observable outcome (an API answer, a log line) until it holds, or fails naming it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_json_log_is_one_object_per_line_with_the_event_s_fields():
    server = start_server("log:\n  level: info\n  format: json\n")
    assert stop_server(server) == 0
    lines = server.log.splitlines()
    assert lines, "the server logged nothing"
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    for event in events:
        assert set(event) >= {"time", "level", "logger", "source", "message"}, event
        assert event["time"].endswith("Z") and len(event["time"]) == len("2026-12-07T00:22:31.482Z"), event["time"]
    listening = [e for e in events if e["message"] == "listening" and "listener" not in e]
    assert len(listening) == 1 and listening[0]["level"] == "info"
    # The metrics listener's line says which it is.
    assert [e["listener"] for e in events if e["message"] == "listening" and "listener" in e] == ["metrics"]
    assert listening[0]["addresses"].startswith("127.0.0.1:"), "metadata sits beside the fixed keys"
    assert any(e["message"] == "shutting down" and e["signal"] == "SIGTERM" for e in events)


def test_a_sigterm_or_sighup_that_comes_while_the_server_starts_does_not_skip_the_graceful_shutdown():
    """The first log line (the configuration) comes before the server listens: a signal sent then is kept, and the
    server finishes starting, then shuts down gracefully (a SIGHUP there is ignored; a SIGTERM ends it with 0)."""
    import os
    import subprocess
    from conftest import ROOT, binary
    directory = workdir()
    (directory / "config.yaml").write_text(
        "server:\n  host: 127.0.0.1\n  port: 0\nmetrics:\n  listen: \"\"\n"
        f"database:\n  path: {directory / 'lastword.sqlite'}\nlog:\n  level: info\n")
    process = subprocess.Popen([str(binary()), "serve", "--config", str(directory / "config.yaml")], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        first = process.stderr.readline()
        assert "configuration" in first, first
        process.send_signal(signal.SIGHUP)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "serving http://127.0.0.1:" in stdout
    assert "shutting down" in stderr and "SIGTERM" in stderr


def test_an_unknown_log_format_is_refused_by_name():
    directory = workdir()
    (directory / "config.yaml").write_text("log:\n  format: xml\n")
    result = run("serve", "--config", "config.yaml", workdir=directory)
    assert result.returncode != 0
    assert result.stderr.splitlines()[-1] == "Error: log.format must be text or json (got xml)"


def test_a_resume_history_without_an_age_limit_is_refused_by_name():
    directory = workdir()
    (directory / "config.yaml").write_text("live:\n  historyMaxSeconds: 0\n")
    result = run("serve", "--config", "config.yaml", workdir=directory)
    assert result.returncode != 0
    assert result.stderr.splitlines()[-1] == "Error: live.historyMaxSeconds must be between 1 and 86,400 (a day)"


def test_sighup_reloads_the_campaign_files_and_a_broken_one_changes_nothing():
    directory = pathlib.Path(tempfile.mkdtemp(prefix="lastword-reload-"))
    campaign = directory / "2027.yaml"
    campaign.write_text(MINIMAL)
    server = start_server(f"campaigns:\n  files:\n    - {campaign}\n")
    try:
        title = lambda: get(server.base_url + "/api/campaigns/other-2026")["campaign"]["title"]["en"]
        assert title() == "Test"

        campaign.write_text(MINIMAL.replace("en: Test}", "en: Test renamed}"))
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: title() == "Test renamed", "the renamed title after SIGHUP")
        assert "campaign file reloaded" in server.log

        # A broken file: refused with its line, and the campaign stays as it was.
        campaign.write_text(MINIMAL.replace("    summary:", "    summery:").replace("en: Test}", "en: Broken}"))
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "campaign files not reloaded" in server.log, "the refusal in the log")
        assert 'unknown key \\"summery\\"' in server.log or 'unknown key "summery"' in server.log
        assert title() == "Test renamed"
        assert server.process.poll() is None, "SIGHUP does not end the server"
    finally:
        assert stop_server(server) == 0


def test_the_access_log_names_each_request_s_route_and_never_its_path():
    # At level warning: turning the access log on is asking for its lines, whatever the level.
    server = start_server("log:\n  level: warning\n  format: json\n  access: true\n")
    try:
        get(server.base_url + "/api/campaigns")
        try:
            urllib.request.urlopen(server.base_url + "/api/threads/K7QX2MZP9D", timeout=10)
        except urllib.error.HTTPError as error:
            refused = error.code
        else:
            raise AssertionError("a letter that does not exist was found")
    finally:
        assert stop_server(server) == 0
    events = [json.loads(line) for line in server.log.splitlines()]
    access = [e for e in events if e["message"] == "access"]
    assert [(e["method"], e["route"], e["status"]) for e in access[-2:]] == [
        ("GET", "/api/campaigns", "200"), ("GET", "/api/threads/:code", str(refused))], access
    for event in access:
        assert set(event) >= {"conn", "method", "route", "status", "durationMs", "bytes"}, event
        assert event["level"] == "info" and event["logger"] == "lastword.access"
        assert float(event["durationMs"]) >= 0 and int(event["bytes"]) > 0
    assert "K7QX2MZP9D" not in server.log, "a query code reached the log"


def test_without_log_access_no_request_is_logged():
    server = start_server("log:\n  level: info\n  format: json\n")
    try:
        get(server.base_url + "/api/campaigns")
    finally:
        assert stop_server(server) == 0
    assert not [line for line in server.log.splitlines() if json.loads(line)["message"] == "access"]
