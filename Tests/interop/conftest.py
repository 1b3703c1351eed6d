"""Fixtures for interop tests: the built `lastword` binary on 127.0.0.1 with an ephemeral port."""
import os
import pathlib
import re
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def binary() -> pathlib.Path:
    path = os.environ.get("LASTWORD_BIN")
    if path:
        return pathlib.Path(path)
    for candidate in (ROOT / ".build/release/lastword", ROOT / ".build/debug/lastword"):
        if candidate.exists():
            return candidate
    raise RuntimeError("build lastword first (swift build -c release) or set LASTWORD_BIN")


class RunningServer:
    def __init__(self, process: subprocess.Popen, base_url: str, log_path: pathlib.Path, metrics_url: str | None = None):
        self.process = process
        self.base_url = base_url
        self.ws_url = base_url.replace("http", "ws", 1)  # http -> ws, https -> wss
        self.log_path = log_path
        # The server's directory: its config.yaml, its database lastword.sqlite, its log.
        self.workdir = log_path.parent
        self.config = self.workdir / "config.yaml"
        self.database = self.workdir / "lastword.sqlite"
        self.metrics_url = metrics_url  # http://127.0.0.1:PORT/metrics, printed right after the serving line

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(extra_yaml: str = "", env: dict | None = None, workdir: pathlib.Path | None = None,
                 ssl_context: ssl.SSLContext | None = None, server_yaml: str = "") -> RunningServer:
    """Starts the binary in a new directory; with `workdir`, again on the configuration and database of an earlier
    server (its log goes on). `server_yaml`: more lines under `server:` (indented two spaces); `ssl_context`: the
    client context that trusts the server's certificate when they turn TLS on."""
    if workdir is None:
        workdir = pathlib.Path(tempfile.mkdtemp(prefix="lastword-interop-"))
        (workdir / "config.yaml").write_text(
            "server:\n  host: 127.0.0.1\n  port: 0\n" + server_yaml +
            f"static:\n  directory: {ROOT / 'Public'}\n"
            "database:\n  path: " + str(workdir / "lastword.sqlite") + "\n"
            # A free port, not the default 9464: several servers (and other checkouts' tests) may run at once.
            + ("" if "metrics:" in extra_yaml else "metrics:\n  listen: 127.0.0.1:0\n")
            + extra_yaml
        )
    config = workdir / "config.yaml"
    log_path = workdir / "server.log"
    log = open(log_path, "a")
    process = subprocess.Popen(
        [str(binary()), "serve", "--config", str(config)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, **(env or {})},
    )
    # The server prints its URL once it listens; wait for that line (bounded by the readline of a live process).
    deadline = time.monotonic() + 60
    base_url = None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = re.search(r"serving (https?://\S+?)/?$", line.strip())
        if match:
            base_url = match.group(1)
            break
    if base_url is None:
        process.kill()
        raise RuntimeError("server did not start:\n" + log_path.read_text())
    metrics_url = None
    if 'listen: ""' not in extra_yaml:
        match = re.search(r"metrics on (http://\S+)$", process.stdout.readline().strip())
        metrics_url = match.group(1) if match else None
    with urllib.request.urlopen(base_url + "/healthz", timeout=10, context=ssl_context) as response:
        assert response.status == 200
    return RunningServer(process, base_url, log_path, metrics_url)


def stop_server(server: RunningServer, sig=signal.SIGTERM, timeout=30) -> int:
    if server.process.poll() is None:
        server.process.send_signal(sig)
        try:
            return server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
            raise
    return server.process.returncode


@pytest.fixture
def server():
    running = start_server()
    yield running
    stop_server(running)
