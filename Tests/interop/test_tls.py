"""TLS on the real binary, with a test CA made by the `openssl` command line: the Python `websockets` client over wss://
with and without permessage-deflate, pages over https:// with HSTS and Secure cookies, the versions and ALPN the server
agrees to, the plain listener that redirects to HTTPS, SIGHUP with a new certificate (seen by the next connection while
an open one goes on), handshakes that never complete cut at the request timeout, and start-up refusing files that
cannot serve."""
from __future__ import annotations

import asyncio
import http.client
import json
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings

import pytest
import websockets

from conftest import binary, start_server, stop_server, ROOT
from test_lifecycle import wait_for
from test_websockets_client import exchange
from testca import CertificateAuthority



def tls_yaml(certificate: pathlib.Path, key: pathlib.Path, **more) -> str:
    lines = [f"  tls:\n    certificateChainFile: {certificate}\n    privateKeyFile: {key}\n"]
    lines += [f"    {name}: {value}\n" for name, value in more.items()]
    return "".join(lines)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority()


@pytest.fixture(scope="module")
def tls_server(ca):
    certificate, key = ca.issue()
    server = start_server("webSocket:\n  testEndpoints: true\n", server_yaml=tls_yaml(certificate, key), ssl_context=ca.client_context())
    yield server
    assert stop_server(server) == 0


def get(url: str, context: ssl.SSLContext, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return response.status, response.headers, response.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# MARK: wss://

@pytest.mark.parametrize("compression", [None, "deflate"])
def test_wss_echo_of_every_size_with_and_without_compression(tls_server, ca, compression):
    negotiated = asyncio.run(exchange(tls_server.ws_url + "/ws/echo", compression, ssl=ca.client_context()))
    assert tls_server.ws_url.startswith("wss://")
    if compression is None:
        assert negotiated is None
    else:
        assert negotiated is not None and negotiated.startswith("permessage-deflate")


def test_wss_hub_broadcasts_to_every_member(tls_server, ca):
    async def run():
        url = tls_server.ws_url + "/ws/hub"
        async with websockets.connect(url, ssl=ca.client_context()) as a, \
                websockets.connect(url, ssl=ca.client_context(), compression=None) as b:
            await a.send("hello over TLS")
            assert await asyncio.wait_for(a.recv(), 10) == "hello over TLS"
            assert await asyncio.wait_for(b.recv(), 10) == "hello over TLS"
    asyncio.run(run())


def test_the_live_socket_answers_over_wss(tls_server, ca):
    async def run():
        async with websockets.connect(tls_server.ws_url + "/ws", ssl=ca.client_context()) as ws:
            await ws.send(json.dumps({"type": "subscribe", "topic": "campaign:demo-2026"}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert reply["type"] == "snapshot" and reply["topic"] == "campaign:demo-2026", reply
    asyncio.run(run())


# MARK: https://

def test_pages_carry_hsts_and_cookies_are_secure(tls_server, ca):
    assert tls_server.base_url.startswith("https://127.0.0.1:")
    status, headers, body = get(tls_server.base_url + "/", ca.client_context())
    assert status == 200 and b"<html" in body.lower()
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    status, headers, _ = get(tls_server.base_url + "/api/session", ca.client_context())
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie, cookie


def test_qr_codes_point_at_https_when_served_over_tls(tls_server, ca):
    status, _, body = get(tls_server.base_url + "/api/projects/new-schools", ca.client_context())
    assert status == 200
    assert json.loads(body)["url"] == tls_server.base_url + "/p/new-schools"


def test_tls_1_2_works_and_older_versions_are_refused(tls_server, ca):
    host, port = tls_server.base_url.removeprefix("https://").split(":")
    twelve = ca.client_context()
    twelve.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((host, int(port)), timeout=10) as raw, twelve.wrap_socket(raw, server_hostname=host) as tls:
        assert tls.version() == "TLSv1.2"
        assert tls.cipher()[0].startswith("ECDHE-") and ("GCM" in tls.cipher()[0] or "CHACHA20" in tls.cipher()[0])
    # A client that offers TLS 1.0 and 1.1 only (its OpenSSL allows them at security level 0) gets the server's
    # protocol_version alert.
    eleven = ca.client_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        eleven.minimum_version = ssl.TLSVersion.TLSv1
        eleven.maximum_version = ssl.TLSVersion.TLSv1_1
    eleven.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):
            eleven.wrap_socket(raw, server_hostname=host).close()


def test_alpn_agrees_on_http_1_1_and_refuses_h2_alone(tls_server, ca):
    host, port = tls_server.base_url.removeprefix("https://").split(":")
    both = ca.client_context()
    both.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((host, int(port)), timeout=10) as raw, both.wrap_socket(raw, server_hostname=host) as tls:
        assert tls.selected_alpn_protocol() == "http/1.1"
    h2 = ca.client_context()
    h2.set_alpn_protocols(["h2"])
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with pytest.raises(ssl.SSLError, match="NO_APPLICATION_PROTOCOL|no application protocol"):
            h2.wrap_socket(raw, server_hostname=host).close()


def test_a_certificate_from_another_ca_is_not_trusted(tls_server):
    stranger = CertificateAuthority("Someone Else")
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        get(tls_server.base_url + "/healthz", stranger.client_context())


# MARK: the plain listener that redirects

def test_the_plain_listener_redirects_every_request_to_https(ca):
    certificate, key = ca.issue("redirect")
    plain = free_port()
    server = start_server(server_yaml=tls_yaml(certificate, key, redirectPlainPort=plain), ssl_context=ca.client_context())
    try:
        tls_port = int(server.base_url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", plain, timeout=10)
        connection.request("GET", "/board?campaign=demo-2026")
        response = connection.getresponse()
        response.read()
        assert response.status == 308
        location = response.getheader("Location")
        assert location == f"https://127.0.0.1:{tls_port}/board?campaign=demo-2026"
        assert response.getheader("Strict-Transport-Security") is None
        connection.request("POST", "/api/ratings", body=b"{}", headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 308, "308 keeps the method: a POST stays a POST"
        connection.close()
        # Following the redirect lands on the page, over TLS.
        status, headers, _ = get(location, ca.client_context())
        assert status == 200 and headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "redirectToHttps" in server.log
    finally:
        assert stop_server(server) == 0


# MARK: SIGHUP

def test_sighup_serves_a_new_certificate_to_the_next_connection_while_an_open_one_goes_on(ca):
    directory = pathlib.Path(tempfile.mkdtemp(prefix="lastword-reload-tls-"))
    certificate, key = ca.issue("reload")
    chain_file, key_file = directory / "chain.pem", directory / "key.pem"
    shutil.copy(certificate, chain_file)
    shutil.copy(key, key_file)
    server = start_server("webSocket:\n  testEndpoints: true\n", server_yaml=tls_yaml(chain_file, key_file),
                          ssl_context=ca.client_context())
    second = CertificateAuthority("Second CA")

    async def run():
        async with websockets.connect(server.ws_url + "/ws/echo", ssl=ca.client_context()) as old:
            await old.send("before the reload")
            assert await old.recv() == "before the reload"

            new_certificate, new_key = second.issue("renewed")
            shutil.copy(new_certificate, chain_file)
            shutil.copy(new_key, key_file)
            server.process.send_signal(signal.SIGHUP)
            wait_for(lambda: "tls certificate reloaded" in server.log, "the reload in the log")

            async with websockets.connect(server.ws_url + "/ws/echo", ssl=second.client_context()) as fresh:
                await fresh.send("after the reload")
                assert await fresh.recv() == "after the reload"
            with pytest.raises(ssl.SSLCertVerificationError):
                await websockets.connect(server.ws_url + "/ws/echo", ssl=ca.client_context())

            await old.send("still here")
            assert await old.recv() == "still here", "the connection made before the reload goes on"

            # A broken key: logged, and the renewed certificate stays in use.
            key_file.write_text("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")
            server.process.send_signal(signal.SIGHUP)
            wait_for(lambda: "tls certificate not reloaded" in server.log, "the refusal in the log")
            assert "server.tls.privateKeyFile" in server.log
            async with websockets.connect(server.ws_url + "/ws/echo", ssl=second.client_context()) as after:
                await after.send("ok")
                assert await after.recv() == "ok"
            assert server.process.poll() is None
    try:
        asyncio.run(run())
    finally:
        assert stop_server(server) == 0


# MARK: handshakes that never complete

def client_hello() -> bytes:
    """A real ClientHello from Python's TLS, taken off a memory BIO."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    connection = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        connection.do_handshake()
    return outgoing.read()


@pytest.mark.parametrize("sends", ["nothing", "half a ClientHello"])
def test_a_handshake_that_never_completes_is_closed_at_the_request_timeout(ca, sends):
    certificate, key = ca.issue("timeout")
    server = start_server("timeouts:\n  requestMs: 600\n  idleMs: 30000\n", server_yaml=tls_yaml(certificate, key),
                          ssl_context=ca.client_context())
    try:
        port = int(server.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            started = time.monotonic()
            if sends != "nothing":
                hello = client_hello()
                raw.sendall(hello[: len(hello) // 2])
            try:
                data = raw.recv(1024)  # blocks until the server closes (or the 20 s safety timeout fails the test)
            except ConnectionResetError:
                data = b""
            elapsed = time.monotonic() - started
        assert data == b"", "no ServerHello to an incomplete ClientHello"
        assert 0.55 <= elapsed < 5, f"closed after {elapsed:.2f} s; the request timeout is 0.6 s, the idle one 30 s"
        wait_for(lambda: "tls.handshake_timeout" in server.log, "the handshake timeout in the log")
    finally:
        assert stop_server(server) == 0


def test_plain_http_on_the_tls_port_is_closed_and_logged(tls_server):
    port = int(tls_server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            assert raw.recv(1024) == b""
        except ConnectionResetError:
            pass
    wait_for(lambda: "tls.not_tls" in tls_server.log, "the refusal's code in the log")


# MARK: start-up

def run_serve(config: str) -> subprocess.CompletedProcess:
    directory = pathlib.Path(tempfile.mkdtemp(prefix="lastword-tls-startup-"))
    (directory / "config.yaml").write_text(config + f"database:\n  path: {directory / 'db.sqlite'}\n"
                                           f"static:\n  directory: {ROOT / 'Public'}\n")
    return subprocess.run([str(binary()), "serve", "--config", str(directory / "config.yaml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_start_up_names_a_missing_key_file_and_creates_nothing(ca):
    certificate, _ = ca.issue("missing-key")
    result = run_serve(f"server:\n  port: 0\n  tls:\n    certificateChainFile: {certificate}\n    privateKeyFile: /nonexistent/key.pem\n")
    assert result.returncode != 0
    assert "server.tls.privateKeyFile: cannot read /nonexistent/key.pem: No such file or directory" in result.stderr
    assert "serving" not in result.stdout


def test_start_up_refuses_a_key_that_is_not_the_certificate_s(ca):
    certificate, _ = ca.issue("one")
    _, other_key = ca.issue("two")
    result = run_serve(f"server:\n  port: 0\n  tls:\n    certificateChainFile: {certificate}\n    privateKeyFile: {other_key}\n")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert f"server.tls.privateKeyFile: {other_key} is not the key of the certificate in server.tls.certificateChainFile" in last
    assert "error:" not in last.lower().replace("error: ", "", 1), "no OpenSSL error stack"
