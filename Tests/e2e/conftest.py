"""Fixtures for the end-to-end browser tests.

Nothing is built here (CI builds first): the fixture starts the built server binary (LASTWORD_BIN, else
.build/release/lastword, else .build/debug/lastword) on 127.0.0.1 with an ephemeral port, a temporary database and
a copy of the demo campaign whose evaluation window is open around now; it reads the URL the server prints, waits
for /healthz, and stops the server by its PID at the end (SIGTERM, exit code 0).

The browser is Debian's Chromium driven by Playwright (see /work/shared/BROWSER.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("LASTWORD_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20
# An existing server to test instead of starting one (e.g. scripts/cluster's proxy, http://127.0.0.1:8080): the tests
# that only use the shared `server` run against it; those that need a server of their own (their configuration, a
# restart, its database file, TLS, a closed campaign) are skipped.
EXTERNAL_URL = os.environ.get("LASTWORD_E2E_URL", "").rstrip("/")
NEEDS_OWN_SERVER = "needs a server of its own; LASTWORD_E2E_URL points at an existing one"
# With LASTWORD_E2E_URL, the existing server's configuration file and database URL (e.g. scripts/cluster's
# node1/lastword.yaml and the PostgreSQL URL in cluster.env): the tests that make staff users with the server's command
# line (`lastword user add --config … --database …`) then run against it too.
EXTERNAL_CONFIG = os.environ.get("LASTWORD_E2E_CONFIG", "")
EXTERNAL_DATABASE = os.environ.get("LASTWORD_E2E_DATABASE", "")
# LASTWORD_E2E_CLUSTER=N: every server a test starts is N nodes on a PostgreSQL database of their own behind HAProxy
# (see LastWordServer), so every test runs through a cluster. LASTWORD_E2E_POSTGRES: the PostgreSQL server to create
# those databases on (else one is started for the run).
CLUSTER_NODES = int(os.environ.get("LASTWORD_E2E_CLUSTER", "0") or 0)


def server_binary() -> str:
    configured = os.environ.get("LASTWORD_BIN")
    if configured:
        return configured
    for candidate in (REPO / ".build/release/lastword", REPO / ".build/debug/lastword"):
        if candidate.exists():
            return str(candidate)
    pytest.fail("no server binary: build it first (swift build -c release --product lastword) or set LASTWORD_BIN")


def campaign_yaml(now: datetime, opens_in: timedelta, closes_in: timedelta) -> str:
    """The demo campaign with its window moved relative to now (by default [now - 1 day, now + 1 day], open), so the
    test does not depend on today's date."""
    text = (REPO / "config/campaigns/demo.yaml").read_text(encoding="utf-8")
    china = timezone(timedelta(hours=8))
    opens = (now + opens_in).astimezone(china).isoformat(timespec="seconds")
    closes = (now + closes_in).astimezone(china).isoformat(timespec="seconds")
    text, opened = re.subn(r"^opens:.*$", f'opens: "{opens}"', text, count=1, flags=re.M)
    text, closed = re.subn(r"^closes:.*$", f'closes: "{closes}"', text, count=1, flags=re.M)
    assert opened == 1 and closed == 1, "demo.yaml has no top-level opens/closes lines"
    return text


class ServerProcess:
    """One `lastword serve` process: started with a configuration file (and more arguments), ready once it printed its
    URL and /healthz answers; stopped with SIGTERM."""

    def __init__(self, binary: str, config: Path, log: Path, arguments: tuple[str, ...] = (),
                 ssl_context: ssl.SSLContext | None = None):
        self.binary = binary
        self.config = config
        self.log_path = log
        self.arguments = arguments
        self.ssl_context = ssl_context
        self.process: subprocess.Popen | None = None
        self.stdout_lines: list[str] = []
        self.url = ""

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LASTWORD_")}  # the file, not the environment
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", str(self.config), *self.arguments],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1,
        )
        found: dict[str, str] = {}
        ready = threading.Event()

        def read_stdout(process: subprocess.Popen) -> None:
            # Keeps draining stdout so the server never blocks on a full pipe.
            for line in process.stdout:
                self.stdout_lines.append(line)
                match = re.search(r"serving (https?://\S+?)/?\s*$", line)
                if match and not ready.is_set():
                    found["url"] = match.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=read_stdout, args=(self.process,), daemon=True).start()
        if not ready.wait(START_TIMEOUT_S) or "url" not in found:
            self.process.kill()
            raise RuntimeError(f"the server did not print its URL; stdout={self.stdout_lines!r}\n{self.server_log()}")
        self.url = found["url"]
        wait_until_healthy(self.url, self.ssl_context, self.server_log)

    def stop(self) -> int:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            code = self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the server did not exit within %d s of SIGTERM" % STOP_TIMEOUT_S)
        self.log.close()
        self.process = None
        return code

    def server_log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


def wait_until_healthy(url: str, ssl_context: ssl.SSLContext | None, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2, context=ssl_context) as response:
                if json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} never answered /healthz\n" + log())
        time.sleep(0.05)  # polling the health endpoint while the process starts, not synchronising the test


def pump_until(page: Page, condition, what: str, timeout_s: float = 10) -> None:
    """Waits until `condition()` (about something the test's own handlers record, such as a routed WebSocket's
    messages) holds, letting Playwright deliver events meanwhile: its sync API runs those handlers only while the test
    calls into it."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        page.wait_for_timeout(20)


class LastWordServer:
    """The server a test talks to, at `url`; `restart()` starts it again on the same port with the same database.

    By default one process on a SQLite file of its own. With LASTWORD_E2E_CLUSTER=N, N nodes with the same settings on
    a PostgreSQL database of their own, behind HAProxy (config/cluster/haproxy.cfg, as scripts/cluster runs them):
    `url` is the proxy's, so a test's requests and WebSockets land on any node."""

    def __init__(self, directory: Path, opens_in: timedelta = timedelta(days=-1), closes_in: timedelta = timedelta(days=1),
                 extra_config: list[str] | None = None, tls: tuple[Path, Path, Path] | None = None):
        """`tls`: (certificate chain file, key file, CA file) to serve HTTPS, trusting the CA for the fixture's own calls."""
        self.directory = directory
        self.tls = tls
        self.ssl_context = ssl.create_default_context(cafile=str(tls[2])) if tls else None
        self.extra_config = list(extra_config or [])  # more top-level YAML lines (e.g. the direct line's limits)
        self.binary = server_binary()
        self.port = 0
        self.url = ""
        self.nodes: list[ServerProcess] = []
        self.node_ports = [0] * max(CLUSTER_NODES, 1)
        self.proxy: HAProxy | None = None
        self.database_url = ""
        self.campaign_files = [directory / "campaign.yaml"]  # the configuration's campaign files, in order
        (directory / "campaign.yaml").write_text(campaign_yaml(datetime.now(timezone.utc), opens_in, closes_in), encoding="utf-8")

    @property
    def config(self) -> Path:
        """The configuration file the server runs with (the command line's `--config`; in a cluster, node 1's)."""
        return self.directory / "lastword.yaml"

    @property
    def database(self) -> str:
        """What the command line's `--database` takes for this server's database: its SQLite file, or in a cluster the
        PostgreSQL URL every node shares."""
        return self.database_url or str(self.directory / "lastword.sqlite")

    @property
    def process(self) -> subprocess.Popen | None:
        """The (first) server process while it runs, else None."""
        return self.nodes[0].process if self.nodes else None

    def _write_config(self, node: int) -> Path:
        config = self.config if node == 0 else self.directory / f"lastword-node{node + 1}.yaml"
        server = "host: 127.0.0.1, port: %d" % self.node_ports[node]
        if self.tls:
            server += ", tls: {certificateChainFile: %s, privateKeyFile: %s}" % (json.dumps(str(self.tls[0])), json.dumps(str(self.tls[1])))
        if CLUSTER_NODES:
            server += ', trustedProxies: ["127.0.0.1"]'  # the proxy's X-Forwarded-For names the browser
        config.write_text(
            "\n".join([
                "server: {%s}" % server,
                "database: {path: %s}" % json.dumps(str(self.directory / "lastword.sqlite")),
                "campaigns: {files: [%s]}" % ", ".join(json.dumps(str(path)) for path in self.campaign_files),
                "static: {directory: %s}" % json.dumps(str(REPO / "Public")),
                # One machine plays every citizen: generous limits so a slow CI run never hits them.
                "integrity: {perIpPerSecond: 1000, perIpBurst: 10000, perCitizenPerSecond: 50, perCitizenBurst: 200, newCitizensPerIpPerHour: 10000}",
                "timeouts: {shutdownMs: 5000}",
                # A free port for /metrics: not the default 9464, which another server on this machine may hold.
                'metrics: {listen: "127.0.0.1:0"}',
                "log: {level: info}",
                *self.extra_config,
                "",
            ]),
            encoding="utf-8",
        )
        return config

    def start(self) -> None:
        if EXTERNAL_URL:
            pytest.skip(NEEDS_OWN_SERVER)
        if not CLUSTER_NODES:
            node = ServerProcess(self.binary, self._write_config(0), self.directory / "server.log", ssl_context=self.ssl_context)
            self.nodes = [node]
            node.start()
            self.url, self.port = node.url, node.port
            self.node_ports[0] = node.port
            return
        if self.tls:
            pytest.skip("TLS is each node's own listener; the cluster's proxy (HAProxy in HTTP mode) speaks plain HTTP")
        if not self.database_url:
            self.database_url = cluster_postgres().new_database()
        arguments = ("--database", self.database_url)
        self.nodes = [ServerProcess(self.binary, self._write_config(n), self.directory / f"server-node{n + 1}.log", arguments)
                      for n in range(CLUSTER_NODES)]
        try:
            self._start_cluster()
        except BaseException:
            self.stop()  # what did start, so that a failed start leaves no process behind
            raise
        self.url, self.port = self.proxy.url, self.proxy.port

    def _start_cluster(self) -> None:
        # Node 1 first and alone: it migrates the schema and imports the campaign and the demo letters; the others
        # then start together on a database that has them.
        self.nodes[0].start()
        errors: list[BaseException] = []

        def start_node(node: ServerProcess) -> None:
            try:
                node.start()
            except BaseException as error:  # reported below, on the test's thread
                errors.append(error)

        starters = [threading.Thread(target=start_node, args=(node,)) for node in self.nodes[1:]]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()
        if errors:
            raise errors[0]
        for n, node in enumerate(self.nodes):
            self.node_ports[n] = node.port  # a restart comes back on the same ports, behind the same proxy
            self._write_config(n)
        if self.proxy is None:
            self.proxy = HAProxy(self.directory, self.node_ports)
        self.proxy.start()

    def stop(self) -> int:
        """SIGTERM to the proxy (in a cluster) and every node; the first non-zero exit code, else 0."""
        if self.proxy is not None:
            self.proxy.stop()
        codes = [node.stop() for node in self.nodes if node.process is not None]
        return next((code for code in codes if code != 0), 0)

    def stop_cleanly(self) -> None:
        """Stops the server with SIGTERM and fails, with its log, unless it exited with 0."""
        code = self.stop()
        assert code == 0, f"the server exited with {code} after SIGTERM\n{self.server_log()}"

    def restart(self) -> None:
        self.stop_cleanly()
        self.start()

    def server_log(self) -> str:
        if len(self.nodes) == 1:
            return self.nodes[0].server_log()
        return "\n".join(f"--- node {n + 1}:\n{node.server_log()}" for n, node in enumerate(self.nodes))

    def api(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5, context=self.ssl_context) as response:
            return json.load(response)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HAProxy:
    """HAProxy on a loopback port in front of a cluster's nodes, configured from config/cluster/haproxy.cfg as
    scripts/cluster does; it keeps its port across a restart."""

    def __init__(self, directory: Path, node_ports: list[int]):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "".join(f"    server node{n + 1} 127.0.0.1:{port}\n" for n, port in enumerate(node_ports))
        lines = []
        for line in (REPO / "config/cluster/haproxy.cfg").read_text(encoding="utf-8").splitlines():
            if line == "@SERVERS@":
                lines.append(servers.rstrip("\n"))
            elif line == "@STATS@":
                continue
            else:
                lines.append(line.replace("@PORT@", str(self.port)).replace("@DIR@", str(directory)))
        self.config = directory / "haproxy.cfg"
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            pytest.fail("LASTWORD_E2E_CLUSTER needs HAProxy (apt-get install haproxy)")
        self.log = open(self.directory / "haproxy.log", "ab")
        self.process = subprocess.Popen([haproxy, "-db", "-f", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT)
        wait_until_healthy(self.url, None, lambda: (self.directory / "haproxy.log").read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.process = None


class ClusterPostgres:
    """The PostgreSQL server of a cluster run: LASTWORD_E2E_POSTGRES's (a URL whose user may create databases), else one
    scripts/postgres starts under test-results/ for the session. Every LastWordServer gets a database of its own."""

    def __init__(self):
        self.started: Path | None = None
        self.psql = shutil.which("psql")
        if self.psql is None:
            pytest.fail("LASTWORD_E2E_CLUSTER needs psql (apt-get install postgresql-client)")
        base = os.environ.get("LASTWORD_E2E_POSTGRES", "")
        if not base:
            self.started = RESULTS / "e2e-postgres"
            self.started.mkdir(parents=True, exist_ok=True)
            result = subprocess.run([str(REPO / "scripts/postgres"), "start", str(self.started), str(free_port())],
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"scripts/postgres start failed:\n{result.stderr}"
            base = result.stdout.strip().splitlines()[-1]
        self.base = base.rsplit("/", 1)[0]
        self.count = 0

    def new_database(self) -> str:
        self.count += 1
        name = f"lastword_e2e_{os.getpid()}_{self.count}"
        for statement in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            result = subprocess.run([self.psql, self.base + "/postgres", "-v", "ON_ERROR_STOP=1", "-qc", statement],
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, f"psql: {statement} failed:\n{result.stderr}"
        return f"{self.base}/{name}"

    def execute(self, url: str, script: str, **variables: str) -> str:
        """Runs a SQL script with psql's variables (:name, :'name' bound by psql, never spliced here); its output."""
        command = [self.psql, url, "-v", "ON_ERROR_STOP=1", "-qtA"]
        for name, value in variables.items():
            command += ["-v", f"{name}={value}"]
        result = subprocess.run(command, input=script, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"psql failed:\n{result.stderr}"
        return result.stdout

    def stop(self) -> None:
        if self.started is not None:
            subprocess.run([str(REPO / "scripts/postgres"), "stop", str(self.started)], timeout=120)


_cluster_postgres: ClusterPostgres | None = None


def cluster_postgres() -> ClusterPostgres:
    global _cluster_postgres
    if _cluster_postgres is None:
        _cluster_postgres = ClusterPostgres()
    return _cluster_postgres


def pytest_sessionfinish(session, exitstatus) -> None:
    if _cluster_postgres is not None:
        _cluster_postgres.stop()


class ExternalServer:
    """The server at LASTWORD_E2E_URL: its URL and API, and with LASTWORD_E2E_CONFIG and LASTWORD_E2E_DATABASE its
    configuration file and database for the command line; anything else a test asks of it (restart, directory, …)
    skips."""

    ssl_context = None

    def __init__(self, url: str):
        self.url = url
        if EXTERNAL_CONFIG and EXTERNAL_DATABASE:
            self.binary = server_binary()
            self.config = Path(EXTERNAL_CONFIG)
            self.database = EXTERNAL_DATABASE

    def api(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return json.load(response)

    def __getattr__(self, name: str):
        pytest.skip(f"{NEEDS_OWN_SERVER} (server.{name})")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    if EXTERNAL_URL:
        yield ExternalServer(EXTERNAL_URL)
        return
    instance = LastWordServer(tmp_path_factory.mktemp("lastword"))
    instance.start()
    yield instance
    if instance.process is not None:
        instance.stop_cleanly()


@pytest.fixture
def closed_server(tmp_path: Path):
    """A second server whose campaign closed yesterday."""
    instance = LastWordServer(tmp_path, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    instance.start()
    yield instance
    instance.stop_cleanly()


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright of the run: its sync API cannot be started again while it runs, so every browser a test
    launches (another home, another trust store) comes from this."""
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
SCREEN = dict(viewport={"width": 1920, "height": 1080})


class ConsoleWatch:
    """Collects console errors and warnings, uncaught exceptions and CSP violations of every page it watches."""

    def __init__(self):
        self.problems: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Tolerates messages containing fragment (e.g. a failed WebSocket while the test has the server down)."""
        self.allowed.append(fragment)

    def watch(self, page: Page) -> Page:
        def on_console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                self.problems.append(f"{page.url} console.{message.type}: {message.text}")

        page.on("console", on_console)
        # Also report violations that do not reach the console (Playwright's init scripts are exempt from the CSP).
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.on("pageerror", lambda error: self.problems.append(f"{page.url} uncaught: {error}"))
        return page

    def assert_clean(self) -> None:
        problems = [p for p in self.problems if not any(fragment in p for fragment in self.allowed)]
        csp = [p for p in problems if "Content Security Policy" in p or "Content-Security-Policy" in p]
        assert not csp, "CSP violations:\n" + "\n".join(csp)
        assert not problems, "console errors:\n" + "\n".join(problems)


@pytest.fixture
def console():
    watch = ConsoleWatch()
    yield watch
    watch.assert_clean()


@pytest.fixture
def new_context(browser: Browser):
    """Opens browser contexts (one per person) and closes them at the end of the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
