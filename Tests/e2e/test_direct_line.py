"""End to end, in a real Chromium: the mayor's direct line (docs/PROTOCOL.md "The mayor's direct line").

A citizen writes a letter on a phone (390×844); a member of the mayor's office, signed in on a desktop (1280×720),
sees it arrive in the inbox without reloading, opens it, claims it and starts typing — the citizen's page says the
office is typing — and answers; the citizen's page shows the answer without reloading, and the office sees that the
citizen read it.

The staff account is made with the server's own command line (`lastword user add … --password-stdin --database …`)
against the database of the running server started by conftest.py (SQLite in WAL mode lets a second process write),
or of the cluster behind LASTWORD_E2E_URL (its PostgreSQL: LASTWORD_E2E_CONFIG and LASTWORD_E2E_DATABASE).
"""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, REPO

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720})
STAFF_NAME = "e2e.staff"
STAFF_PASSWORD = "e2e-staff-Passw0rd-2026"
QUERY_CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$")

SUBJECT = "小区门口公交站没有遮雨棚"
LETTER = "下雨天等车的老人和孩子都会淋雨，希望在站台加装遮雨棚。"
CONTACT = "13800000000"
ANSWER = "您好，已转交公交集团，本月内完成加装。"


@pytest.fixture(scope="session")
def staff_user(server) -> tuple[str, str]:
    """An office user of the triage department (mayors-office), added to the running server's database. The command
    reads the server's own configuration file (the same departments) and runs where the server runs (its relative
    paths)."""
    result = subprocess.run(
        [server.binary, "user", "add", STAFF_NAME, "--role", "staff", "--department", "mayors-office",
         "--password-stdin", "--config", str(server.config), "--database", server.database],
        input=STAFF_PASSWORD, capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert result.returncode == 0, f"lastword user add failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return STAFF_NAME, STAFF_PASSWORD


def mark_page(page: Page) -> None:
    """Leaves a mark in the page's JavaScript: still there later means the page was never reloaded."""
    page.evaluate("window.e2eNotReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.e2eNotReloaded === true"), f"{page.url} was reloaded"


def sign_in(page: Page, server, name: str, password: str) -> None:
    page.goto(server.url + "/staff/login")
    page.get_by_label("用户名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(server.url + "/staff")


def test_a_letter_is_answered_while_both_pages_stay_open(server, staff_user, new_context, console, results_dir):
    name, password = staff_user

    # The office: signs in on a desktop and keeps the console open, its inbox live.
    office = console.watch(new_context(locale="zh-CN", **DESKTOP).new_page())
    sign_in(office, server, name, password)
    expect(office.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(office.locator('body[data-inbox-loaded="true"]')).to_be_attached()
    mark_page(office)

    # The citizen: writes from a phone, from the project page's link (the project is preselected).
    citizen = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    citizen.goto(server.url + "/p/bus-lines")
    citizen.get_by_role("link", name="就这个项目写信给市长").click()
    citizen.wait_for_url(server.url + "/write?project=bus-lines")
    expect(citizen.get_by_label("相关项目（选填）", exact=True)).to_have_value("bus-lines")
    citizen.locator("label[for=kind-complaint]").click()
    expect(citizen.get_by_role("radio", name=re.compile("^投诉"))).to_be_checked()
    citizen.get_by_label("标题", exact=True).fill(SUBJECT)
    expect(citizen.locator("#subject-counter")).to_have_text(f"{len(SUBJECT)} / 60")
    citizen.get_by_label("内容", exact=True).fill(LETTER)
    citizen.get_by_label("联系方式（选填）", exact=True).fill(CONTACT)
    citizen.get_by_role("button", name="提交来信").click()

    # The query code, prominently, with a way to copy it and the link to the letter.
    code_node = citizen.locator("#query-code")
    expect(code_node).to_have_text(QUERY_CODE)
    code = code_node.inner_text()
    expect(citizen.get_by_role("button", name="复制查询码")).to_be_visible()
    expect(citizen.locator(f'#letters .letter[data-code="{code}"]')).to_contain_text(SUBJECT)  # "my letters"
    citizen.screenshot(path=str(results_dir / "direct-line-written-390x844.png"), full_page=True)

    # The office sees it arrive, unread, without reloading; the tab's title counts it.
    row = office.locator(f'.inbox-row[data-code="{code}"]')
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text("投诉")
    expect(row).to_have_attribute("data-unread", "true")
    expect(row.locator(".status-badge")).to_have_text("待受理")
    expect(office).to_have_title(re.compile(r"^\(\d+\) 控制台$"))
    assert_not_reloaded(office)

    # The citizen opens the letter's page and waits for the office there.
    citizen.get_by_role("link", name="查看这封信").click()
    citizen.wait_for_url(f"{server.url}/t/{code}")
    expect(citizen.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(citizen.locator("#thread-subject")).to_have_text(SUBJECT)
    expect(citizen.locator("#thread-status")).to_have_text("待受理")
    expect(citizen.locator("#entries .entry-citizen .entry-body")).to_have_text(LETTER)
    mark_page(citizen)

    # The office opens it (the contact is there, for staff only) and claims it; the citizen's page follows.
    row.click()
    expect(office.locator("#case-subject")).to_have_text(SUBJECT)
    expect(office.locator('#case[data-synced="true"]')).to_be_attached()
    expect(office.locator("#case-contact")).to_contain_text(CONTACT)
    expect(office.locator("#case-entries .entry-citizen .entry-body")).to_have_text(LETTER)
    office.get_by_role("button", name="认领", exact=True).click()
    expect(office.locator("#case-state")).to_have_text("办理中")
    expect(row.locator(".row-assignee")).not_to_have_text("未分配")
    expect(citizen.locator("#thread-status")).to_have_text("办理中")
    expect(citizen.locator("#entries")).not_to_contain_text(CONTACT)

    # Typing: the citizen sees that the office is writing.
    reply = office.get_by_label("答复内容", exact=True)
    reply.press_sequentially(ANSWER[:6], delay=60)
    expect(citizen.locator("#typing")).to_have_text("市长办公室正在输入…")
    citizen.screenshot(path=str(results_dir / "direct-line-typing-390x844.png"), full_page=True)

    # The answer (Enter sends): it appears on the citizen's page without reloading, and the typing notice goes.
    reply.press_sequentially(ANSWER[6:])
    reply.press("Enter")
    expect(office.locator("#case-entries .entry-staff .entry-body")).to_have_text(ANSWER)
    expect(reply).to_have_value("")
    answer = citizen.locator("#entries .entry-staff")
    expect(answer.locator(".entry-body")).to_have_text(ANSWER)
    expect(citizen.locator("#typing")).to_be_hidden()
    expect(citizen.locator("#thread-status")).to_have_text("已答复")
    assert_not_reloaded(citizen)

    # The citizen's page is in view, so it tells the office it was read.
    expect(office.locator("#case-entries .entry-staff .read-mark")).to_have_text("市民已读")
    expect(office.locator("#case-state")).to_have_text("已答复")
    assert_not_reloaded(office)

    citizen.screenshot(path=str(results_dir / "direct-line-answered-390x844.png"), full_page=True)
    office.screenshot(path=str(results_dir / "direct-line-console-1280x720.png"), full_page=True)
