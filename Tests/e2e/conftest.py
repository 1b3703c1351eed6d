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
import signal
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


class LastWordServer:
    """One server process; `restart()` starts it again on the same port with the same database."""

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
        self.process: subprocess.Popen | None = None
        self.stdout_lines: list[str] = []
        (directory / "campaign.yaml").write_text(campaign_yaml(datetime.now(timezone.utc), opens_in, closes_in), encoding="utf-8")

    @property
    def config(self) -> Path:
        """The configuration file the server runs with (the command line's `--config`)."""
        return self.directory / "lastword.yaml"

    @property
    def database(self) -> str:
        """What the command line's `--database` takes for this server's database."""
        return str(self.directory / "lastword.sqlite")

    def _write_config(self) -> Path:
        config = self.directory / "lastword.yaml"
        config.write_text(
            "\n".join([
                "server: {host: 127.0.0.1, port: %d%s}" % (self.port, "" if not self.tls else
                    ", tls: {certificateChainFile: %s, privateKeyFile: %s}" % (json.dumps(str(self.tls[0])), json.dumps(str(self.tls[1])))),
                "database: {path: %s}" % json.dumps(str(self.directory / "lastword.sqlite")),
                "campaigns: {files: [%s]}" % json.dumps(str(self.directory / "campaign.yaml")),
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
        config = self._write_config()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LASTWORD_")}  # the file, not the environment
        self.log = open(self.directory / "server.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", str(config)],
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
        self.port = int(self.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2, context=self.ssl_context) as response:
                    if json.load(response).get("status") == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server never answered /healthz\n" + self.server_log())
            time.sleep(0.05)  # polling the health endpoint while the process starts, not synchronising the test

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

    def stop_cleanly(self) -> None:
        """Stops the server with SIGTERM and fails, with its log, unless it exited with 0."""
        code = self.stop()
        assert code == 0, f"the server exited with {code} after SIGTERM\n{self.server_log()}"

    def restart(self) -> None:
        self.stop_cleanly()
        self.start()

    def server_log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def api(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5, context=self.ssl_context) as response:
            return json.load(response)


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
