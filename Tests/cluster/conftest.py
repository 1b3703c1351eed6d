"""Fixtures for the cluster tests: scripts/cluster brings up PostgreSQL, LastWord nodes (LASTWORD_BIN, else
.build/release/lastword) and HAProxy on free loopback ports in a temporary directory, detached; `scripts/cluster stop`
takes them down at the end.

Tests marked `postgres` need nodes that share one PostgreSQL (`lastword serve --database postgres://…`); a binary
that refuses PostgreSQL URLs fails them. The others run the nodes on SQLite files of their
own (`scripts/cluster --sqlite`): nothing is shared between those nodes, so they check the plumbing only (the proxy,
health checks, a dead node taken out, WebSocket clients reconnecting through the proxy, start and stop).
"""
from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import random
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/cluster"
POSTGRES_SCRIPT = ROOT / "scripts/postgres"
CAMPAIGN = "demo-2026"

# Many simulated citizens on one machine: the per-citizen limits would refuse the tests' steady writing.
TEST_SETTINGS = [
    "integrity.perCitizenPerSecond=100000", "integrity.perCitizenBurst=100000",
    "directLine.threadsPerCitizenPerHour=100000", "directLine.messagesPerCitizenPerMinute=100000",
    "timeouts.shutdownMs=5000", "log.level=notice",
    # Every simulated citizen comes from 127.0.0.1, directly or through the proxy: the per-address limits too.
    "integrity.perIpPerSecond=100000", "integrity.perIpBurst=100000", "integrity.newCitizensPerIpPerHour=1000000",
    "directLine.threadsPerIpPerHour=100000", "directLine.messagesPerIpPerMinute=100000",
    "directLine.codeLookupsPerIpPerMinute=100000",
]

NO_POSTGRES = ("needs LastWord nodes sharing one PostgreSQL (`lastword serve --database postgres://…`); "
               "this binary refuses PostgreSQL URLs")


def binary() -> pathlib.Path:
    path = os.environ.get("LASTWORD_BIN")
    if path:
        return pathlib.Path(path)
    for candidate in (ROOT / ".build/release/lastword", ROOT / ".build/debug/lastword"):
        if candidate.exists():
            return candidate
    raise RuntimeError("build lastword first (swift build -c release --product lastword) or set LASTWORD_BIN")


def serves_postgres() -> bool:
    """Whether `lastword serve` takes --database (the PostgreSQL build); a binary that has the option and still refuses
    the URL is caught when the cluster starts (scripts/cluster exits 3)."""
    help_text = subprocess.run([str(binary()), "serve", "--help"], capture_output=True, text=True).stdout
    return "--database" in help_text


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs LastWord nodes sharing one PostgreSQL (skipped while the "
                                       "binary refuses PostgreSQL URLs)")


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_block(count: int) -> int:
    """The first of `count` consecutive free loopback ports (the proxy, the nodes, the statistics page, PostgreSQL)."""
    for _ in range(200):
        base = random.randrange(20000, 60000 - count)
        if all(port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no block of free ports")


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 10):
    """(status, JSON answer or None, response headers); never raises for an HTTP status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None), response.headers
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {"raw": text}
        return error.code, answer, error.headers


class Cluster:
    def __init__(self, directory: pathlib.Path, nodes: int = 3, sqlite: bool = False, demo: bool = True,
                 settings: list[str] | None = None):
        self.directory = directory
        self.nodes = nodes
        self.sqlite = sqlite
        self.binary = binary()
        base = free_block(nodes + 3)
        self.port = base
        self.node_ports = [base + 1 + i for i in range(nodes)]
        self.stats_port = base + nodes + 1
        self.pg_port = base + nodes + 2
        args = ["--detach", "--dir", str(directory), "--nodes", str(nodes), "--port", str(self.port),
                "--node-port", str(self.node_ports[0]), "--stats-port", str(self.stats_port), "--pg-port", str(self.pg_port),
                "--bin", str(self.binary)]
        if demo:
            args.append("--demo")
        if sqlite:
            args.append("--sqlite")
        for setting in TEST_SETTINGS + (settings or []):
            args += ["--set", setting]
        self.start_args = args
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = self.url.replace("http", "ws", 1) + "/ws"
        self.database_url = ""

    # -- the whole cluster ------------------------------------------------------------------------------------------

    def start(self) -> None:
        result = self.script("start", *self.start_args, check=False, timeout=300)
        if result.returncode == 3:
            raise RuntimeError(NO_POSTGRES + ":\n" + result.stderr[-1500:])
        if result.returncode != 0:
            raise RuntimeError(f"scripts/cluster start failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        if not self.sqlite:
            self.database_url = subprocess.run([str(POSTGRES_SCRIPT), "url", str(self.directory / "postgres")],
                                               capture_output=True, text=True, check=True).stdout.strip()

    def stop(self) -> None:
        self.script("stop", "--dir", str(self.directory), check=False, timeout=120)

    def script(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        if check and result.returncode != 0:
            raise AssertionError(f"scripts/cluster {' '.join(args)} → {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def status(self) -> subprocess.CompletedProcess:
        return self.script("status", "--dir", str(self.directory), check=False)

    # -- nodes --------------------------------------------------------------------------------------------------------

    def node_url(self, node: int) -> str:
        return f"http://127.0.0.1:{self.node_ports[node - 1]}"

    def node_ws(self, node: int) -> str:
        return self.node_url(node).replace("http", "ws", 1) + "/ws"

    def node_dir(self, node: int) -> pathlib.Path:
        return self.directory / f"node{node}"

    def node_pid(self, node: int) -> int | None:
        path = self.node_dir(node) / "pid"
        return int(path.read_text()) if path.exists() else None

    def node_alive(self, node: int) -> bool:
        pid = self.node_pid(node)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False

    def node_log(self, node: int) -> str:
        return (self.node_dir(node) / "server.log").read_text(errors="replace")[-4000:]

    def kill(self, node: int) -> None:
        self.script("kill", str(node), "--dir", str(self.directory))

    def start_node(self, node: int) -> None:
        self.script("start-node", str(node), "--dir", str(self.directory), timeout=180)

    def stop_node(self, node: int) -> None:
        self.script("stop-node", str(node), "--dir", str(self.directory))

    # -- HAProxy ------------------------------------------------------------------------------------------------------

    def proxy_servers(self) -> dict[tuple[str, str], dict]:
        """HAProxy's view of each server, {(backend, node): row of its CSV statistics}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/;csv", timeout=5) as response:
            text = response.read().decode().lstrip("# ")
        return {(row["pxname"], row["svname"]): row for row in csv.DictReader(io.StringIO(text))
                if row["svname"].startswith("node")}

    def wait_proxy_state(self, node: int, state: str, timeout: float) -> float:
        """Seconds until HAProxy shows node `node` as `state` (UP or DOWN) in both backends."""
        began = time.monotonic()
        while True:
            servers = self.proxy_servers()
            if all(servers[(backend, f"node{node}")]["status"].startswith(state) for backend in ("nodes", "websockets")):
                return time.monotonic() - began
            if time.monotonic() - began > timeout:
                raise AssertionError(f"node {node} not {state} in HAProxy after {timeout} s: "
                                     f"{ {k: v['status'] for k, v in servers.items()} }")
            time.sleep(0.05)

    # -- PostgreSQL and the command line ------------------------------------------------------------------------------

    def psql(self, query: str) -> list[list[str]]:
        result = subprocess.run(["psql", self.database_url, "-X", "-q", "-t", "-A", "-F", "\t", "-c", query],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"psql failed: {result.stderr}"
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def restart_postgres(self) -> None:
        subprocess.run([str(POSTGRES_SCRIPT), "restart", str(self.directory / "postgres")], check=True, timeout=120,
                       capture_output=True, text=True)

    def lastword(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """A `lastword` subcommand on the cluster's database (node 1's configuration)."""
        database = self.database_url or str(self.node_dir(1) / "lastword.sqlite")
        return subprocess.run([str(self.binary), *args, "--config", str(self.node_dir(1) / "lastword.yaml"),
                               "--database", database], input=input, capture_output=True, text=True, timeout=120, cwd=ROOT)


def make_cluster(tmp: pathlib.Path, **options) -> Cluster:
    tmp.chmod(0o755)  # as root, PostgreSQL runs as the postgres user, which must reach tmp/postgres (mkdtemp makes 0700)
    cluster = Cluster(tmp, **options)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="module")
def pg_cluster():
    """Three nodes on one PostgreSQL, the demo campaign, for tests that leave the cluster as they found it."""
    cluster = make_cluster(pathlib.Path(tempfile.mkdtemp(prefix="lastword-cluster-")))
    yield cluster
    cluster.stop()


@pytest.fixture
def fresh_pg_cluster():
    """A cluster of its own, for a test that kills nodes or restarts the database."""
    cluster = make_cluster(pathlib.Path(tempfile.mkdtemp(prefix="lastword-cluster-")))
    yield cluster
    cluster.stop()


@pytest.fixture
def sqlite_cluster():
    """Three nodes on SQLite files of their own behind HAProxy: the plumbing without shared state."""
    cluster = make_cluster(pathlib.Path(tempfile.mkdtemp(prefix="lastword-cluster-")), sqlite=True)
    yield cluster
    cluster.stop()


@pytest.fixture
def single_sqlite_cluster():
    """One node behind HAProxy (SQLite): a citizen's whole exchange through the proxy, cookie included."""
    cluster = make_cluster(pathlib.Path(tempfile.mkdtemp(prefix="lastword-cluster-")), nodes=1, sqlite=True)
    yield cluster
    cluster.stop()
