"""End to end over HTTPS, in a real Chromium that trusts a test CA: the campaign page and the big screen load over
https://, the live board's WebSocket is wss:// and moves when a phone rates, responses carry HSTS and the citizen
cookie is Secure.

How Chromium trusts the CA: the way a person who installs a private CA does, in the NSS database Chromium reads on
Linux ($HOME/.pki/nssdb, made with `certutil` from Debian's libnss3-tools) — not by ignoring certificate errors, so
the certificate chain, the host name and the dates are checked as for any site. The CA and the server certificate are
made by the test with the `openssl` command line (Tests/interop/testca.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, SCREEN, LastWordServer, REPO

sys.path.insert(0, str(REPO / "Tests/interop"))
from testca import CertificateAuthority  # noqa: E402

expect.set_options(timeout=10_000)

CAMPAIGN = "demo-2026"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority("LastWord e2e CA", tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, ca: CertificateAuthority):
    certificate, key = ca.issue()
    instance = LastWordServer(tmp_path_factory.mktemp("lastword-tls"), tls=(certificate, key, ca.certificate))
    instance.start()
    yield instance
    code = instance.stop()
    assert code == 0, f"the server exited with {code} after SIGTERM\n{instance.server_log()}"


@pytest.fixture(scope="module")
def trusting_browser(tmp_path_factory: pytest.TempPathFactory, ca: CertificateAuthority, playwright):
    """Chromium with a home whose NSS database trusts the test CA for TLS servers (trust flags C,,)."""
    home = tmp_path_factory.mktemp("home")
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{database}", "-N", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-d", f"sql:{database}", "-A", "-t", "C,,", "-n", "lastword-test-ca", "-i", str(ca.certificate)],
                   check=True, capture_output=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, env={"HOME": str(home)})
    yield browser
    browser.close()


def test_the_board_and_a_phone_over_https_and_wss(tls_server, trusting_browser, console, results_dir):
    assert tls_server.url.startswith("https://127.0.0.1:")
    slug = "new-schools"
    before = tls_server.api(f"/api/projects/{slug}")["tally"]

    screen = trusting_browser.new_context(locale="zh-CN", **SCREEN)
    board = console.watch(screen.new_page())
    response = board.goto(f"{tls_server.url}/board?campaign={CAMPAIGN}")
    assert response is not None and response.ok
    assert response.header_value("strict-transport-security") == "max-age=31536000"
    security = response.security_details()
    assert security is not None and security["protocol"] in ("TLS 1.3", "TLS 1.2"), security
    assert security["issuer"] == "LastWord e2e CA"
    expect(board.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(board.locator('body[data-live-synced="true"]')).to_be_attached()
    assert board.evaluate("location.protocol") == "https:"
    assert board.evaluate("window.isSecureContext")
    tile = board.locator(f'.tile[data-slug="{slug}"]')
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"]))

    phone_context = trusting_browser.new_context(locale="zh-CN", **PHONE)
    phone = console.watch(phone_context.new_page())
    home = phone.goto(tls_server.url + "/")
    assert home is not None and home.ok
    assert home.header_value("strict-transport-security") == "max-age=31536000"
    phone.goto(f"{tls_server.url}/p/{slug}")
    expect(phone.locator('body[data-ws-open="true"]')).to_be_attached()
    phone.locator("label[for=level-5]").click()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#rate-status")).to_have_text(re.compile("感谢您的评价"))

    # The big screen moves over wss:// without reloading.
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"] + 1))
    assert board.evaluate("performance.getEntriesByType('navigation').length") == 1

    cookies = phone_context.cookies(tls_server.url)
    citizen = [cookie for cookie in cookies if cookie["httpOnly"]]
    assert citizen, cookies
    assert all(cookie["secure"] for cookie in citizen), "every cookie set over HTTPS is Secure"

    board.screenshot(path=str(results_dir / "board-https.png"))
    phone.screenshot(path=str(results_dir / "project-phone-https.png"), full_page=True)
    phone_context.close()
    screen.close()
