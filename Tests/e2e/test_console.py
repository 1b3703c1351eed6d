"""End to end, in a real Chromium: the office's console (/staff) beyond the first answer (test_direct_line.py).

One server for the module, with office users of three departments, a moderator and an admin (made with `lastword
user add`), and direct-line limits generous enough for the letters the tests write. What a colleague or a citizen
does behind the page's back goes through the HTTP API (direct_line_kit.Client).

- the inbox reads its list again when it subscribes again, so a letter and a change made while its socket was down
  (here: a server restart, with the page's reconnection held back until both are done) appear without a reload;
- a session that ends while a reply is being written: the page says so, keeps the text, and signing in again comes
  back to the same letter with the text in the box;
- a letter held by screening is flagged in the inbox and the held-only filter shows only such letters;
- keyboard: after claim, close and reopen the focus is on the status line that says what happened; reopening goes
  back to answering the citizen (closing had switched to internal notes); action panels close with Escape, one open
  at a time;
- a letter routed to another department while open: its row leaves that department's inbox and the case says where
  it went, with nothing left to press;
- the assign list offers only those who may handle the letter's department, with their departments; claiming a
  letter someone else handles says who;
- a moderator reads a letter without the citizen being told it was read;
- an admin adds and deletes a department's canned replies; a clerk with none is told who adds them;
- on a phone, opening a letter adds a history entry (Back returns to the inbox), Escape closes it, the signed-in
  user's name is on screen and the brand link has a name.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer
from direct_line_kit import (
    LIMITS, PASSWORD, action_id, add_user, change_password, citizen_letter, sign_in, staff_client,
    thread_id)

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720})


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("console"), extra_config=[LIMITS])
    server.start()
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    add_user(server, "wang.fang", "staff", ("education",), "王芳")
    add_user(server, "zhao.lei", "staff", ("transport",), "赵磊")
    add_user(server, "mod.chen", "moderator", (), "陈审核")
    add_user(server, "boss", "admin", (), "管理员")
    yield server
    server.stop_cleanly()


def desktop(new_context, console, locale="zh-CN") -> Page:
    return console.watch(new_context(locale=locale, **DESKTOP).new_page())


def row(page: Page, code: str):
    return page.locator(f'.inbox-row[data-code="{code}"]')


def open_case(page: Page, code: str) -> None:
    row(page, code).click()
    expect(page.locator('#case[data-synced="true"]')).to_be_attached()


def test_inbox_reads_again_after_a_server_restart(office, new_context, console, results_dir):
    console.allow("WebSocket connection to")  # attempts while the server is down
    console.allow("net::ERR_CONNECTION_REFUSED")
    page = desktop(new_context, console)
    # The page's WebSocket goes through a route the test can shut: while it is shut, every attempt is closed at once.
    gate = {"open": True}

    def websocket(route):
        if gate["open"]:
            route.connect_to_server()
        else:
            route.close()

    page.route_web_socket(re.compile(r"/ws$"), websocket)
    sign_in(page, office, "li.wei")
    live = page.locator("#live-text")
    expect(live).to_have_text("实时更新")
    earlier = citizen_letter(office, "重启前的来信", "路灯坏了一个月了。")
    expect(row(page, earlier["code"])).to_be_visible()  # live, before the restart
    page.evaluate("window.e2eNotReloaded = true")

    gate["open"] = False
    office.restart()
    expect(live).not_to_have_text("实时更新")
    # While the console cannot subscribe: a new letter, and a colleague claims the earlier one.
    later = citizen_letter(office, "断线期间来的信", "小区垃圾没人清运。")
    colleague = staff_client(office, "li.wei")
    colleague.ok("POST", f"/api/staff/threads/{thread_id(colleague, earlier['code'])}/claim", {"id": action_id()})
    expect(row(page, later["code"])).to_have_count(0)

    gate["open"] = True
    expect(row(page, later["code"])).to_be_visible(timeout=30_000)
    expect(row(page, later["code"])).to_have_attribute("data-unread", "true")
    expect(row(page, earlier["code"]).locator(".row-assignee")).to_have_text("李伟")
    expect(live).to_have_text("实时更新")
    unread = int(page.locator("body").get_attribute("data-unread"))
    assert unread >= 1
    expect(page).to_have_title(f"({unread}) 控制台")
    assert page.evaluate("window.e2eNotReloaded === true"), "the console was reloaded"
    page.screenshot(path=str(results_dir / "console-after-restart-1280x720.png"))


def test_signed_out_keeps_the_draft_and_comes_back(office, new_context, console, results_dir):
    console.allow("401")  # Chromium logs the refused request
    add_user(office, "sun.li", "staff", ("mayors-office",), "孙丽")
    letter = citizen_letter(office, "会话过期测试", "请回复我。")
    page = desktop(new_context, console)
    sign_in(page, office, "sun.li")
    open_case(page, letter["code"])
    case_url = page.url
    assert re.search(r"/staff\?thread=\d+$", case_url)
    draft = "您好，这是一段写了很久的答复……"
    box = page.locator("#case-message")
    box.fill(draft)

    change_password(office, "sun.li", "e2e-New-Passw0rd-2026")  # every session of the user ends
    box.press("Enter")
    banner = page.locator("#signed-out")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("登录已失效，请重新登录。")
    expect(banner).to_contain_text("正在写的答复已保留")
    expect(box).to_have_value(draft)
    expect(page.locator("#live-text")).to_have_text("已退出登录，实时更新已停止")
    expect(page.locator("#case-entries .entry-staff")).to_have_count(0)
    page.screenshot(path=str(results_dir / "console-signed-out-1280x720.png"))

    page.get_by_role("link", name="重新登录").click()
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    page.locator("#staff-name").fill("sun.li")
    page.locator("#staff-password").fill("e2e-New-Passw0rd-2026")
    page.locator("#login-submit").click()
    page.wait_for_url(case_url)
    expect(page.locator('#case[data-synced="true"]')).to_be_attached()
    expect(page.locator("#case-subject")).to_have_text("会话过期测试")
    expect(page.locator("#case-message")).to_have_value(draft)
    expect(page.locator("#signed-out")).to_be_hidden()
    expect(page.locator("#live-text")).to_have_text("实时更新")
    page.go_back()  # the inbox lies under the case, as when it was opened from there
    expect(page).to_have_url(office.url + "/staff")
    expect(page.locator("#case-placeholder")).to_be_visible()

    # Signed in already: the login page goes straight to the console.
    page.goto(office.url + "/staff/login")
    page.wait_for_url(office.url + "/staff")


def test_held_letters_are_flagged_and_filtered(office, new_context, console, results_dir):
    held = citizen_letter(office, "学校门口情况紧急", "有人说要在学校门口放爆炸物，请尽快核实。", "help")
    plain = citizen_letter(office, "图书馆开放时间", "周末能否延长开放时间？")
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    expect(row(page, held["code"]).locator(".held-badge")).to_have_text("待审核")
    expect(row(page, plain["code"]).locator(".held-badge")).to_have_count(0)
    # The newest message's excerpt tells letters with the same subject apart.
    expect(row(page, plain["code"]).locator(".row-preview")).to_have_text("周末能否延长开放时间？")
    row(page, held["code"]).screenshot(path=str(results_dir / "console-held-row.png"))

    page.get_by_label("只看待审核的").check()
    expect(row(page, plain["code"])).to_have_count(0)
    expect(row(page, held["code"])).to_be_visible()
    expect(page.locator(".inbox-row:not([data-held])")).to_have_count(0)
    open_case(page, held["code"])
    expect(page.locator("#case-held")).to_have_text("待审核")
    expect(page.locator(".fact-held")).to_contain_text("爆炸")


def test_keyboard_actions_keep_the_focus_and_reopen_answers_again(office, new_context, console):
    letter = citizen_letter(office, "键盘办理测试", "请答复。")
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    open_case(page, letter["code"])
    status = page.locator("#action-status")

    page.locator("#act-claim").focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("已认领，这封信由您办理。")
    expect(status).to_be_focused()
    expect(page.locator("#case-state")).to_have_text("办理中")

    page.locator("#act-close").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#case-state")).to_have_text("已办结")
    expect(status).to_be_focused()
    expect(page.locator("#mode-note")).to_be_checked()  # a closed letter takes notes only

    page.locator("#act-reopen").focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("已重新办理，可以继续答复市民。")
    expect(status).to_be_focused()
    expect(page.locator("#mode-reply")).to_be_checked()
    expect(page.locator("#case-send")).to_have_text("发送答复")

    # The action panels: one open at a time, Escape closes it and gives the focus back to its summary.
    assign, route = page.locator("#assign-box"), page.locator("#route-box")
    assign.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(assign).to_have_attribute("open", "")
    route.locator("summary").click()
    expect(route).to_have_attribute("open", "")
    expect(assign).not_to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(route).not_to_have_attribute("open", "")
    expect(route.locator("summary")).to_be_focused()
    expect(page.locator("#case")).to_be_visible()  # on a wide screen Escape does not close the case

    # The reply goes to the citizen, not into a note.
    page.locator("#case-message").fill("重新核实后答复如下。")
    page.locator("#case-message").press("Enter")
    expect(page.locator("#case-entries .entry-staff .entry-body")).to_have_text("重新核实后答复如下。")
    expect(page.locator("#case-entries .entry-note")).to_have_count(0)


def test_a_letter_routed_away_leaves_the_inbox_and_the_case_says_so(office, new_context, console, results_dir):
    letter = citizen_letter(office, "学区划分咨询", "今年的学区划分什么时候公布？")
    triage = staff_client(office, "li.wei")
    tid = thread_id(triage, letter["code"])
    triage.ok("POST", f"/api/staff/threads/{tid}/route", {"id": action_id(), "department": "education"})
    page = desktop(new_context, console)
    sign_in(page, office, "wang.fang")
    # Only the departments a single-department clerk sees are offered as a filter: none to choose from here.
    expect(page.locator("#filter-department-box")).to_be_hidden()
    open_case(page, letter["code"])
    page.locator("#case-message").fill("我来答复")

    triage.ok("POST", f"/api/staff/threads/{tid}/route", {"id": action_id(), "department": "transport", "note": "交通局办理"})
    expect(row(page, letter["code"])).to_have_count(0)
    lost = page.locator("#case-lost")
    expect(lost).to_have_text("已转交市交通运输局，您不再处理此信。")
    expect(page.locator("#case-send")).to_be_disabled()
    expect(page.locator("#case-actions")).to_be_hidden()
    expect(page.locator("#case-message")).to_have_value("我来答复")
    page.screenshot(path=str(results_dir / "console-routed-away-1280x720.png"))


def test_assign_list_and_a_claimed_letter(office, new_context, console):
    console.allow("409")  # Chromium logs the refused claim…
    console.allow("400")  # …and the refused assignment
    letter = citizen_letter(office, "分配名单测试", "请教育局答复。")
    triage = staff_client(office, "li.wei")
    tid = thread_id(triage, letter["code"])
    triage.ok("POST", f"/api/staff/threads/{tid}/route", {"id": action_id(), "department": "education"})
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    open_case(page, letter["code"])
    page.locator("#assign-box summary").click()
    options = page.locator("#assign-user option")
    expect(options).to_contain_text([re.compile("李伟.*市长办公室"), re.compile("王芳.*市教育局")], ignore_case=False)
    expect(page.locator("#assign-user option", has_text="赵磊")).to_have_count(0)  # transport: not eligible
    expect(page.locator("#assign-user option", has_text="陈审核")).to_have_count(0)  # a moderator answers nothing

    # The list went stale (here: the request names someone else): the refusal says whom it may go to.
    def someone_else(route):
        body = json.loads(route.request.post_data)
        body["user"] = "zhao.lei"
        route.continue_(post_data=json.dumps(body))

    page.route(re.compile(r"/api/staff/threads/\d+/assign$"), someone_else)
    page.locator("#act-assign").click()
    expect(page.locator("#action-status")).to_have_text("只能分配给这封信所在部门或市长办公室的工作人员。")
    page.unroute(re.compile(r"/api/staff/threads/\d+/assign$"))

    # A colleague takes it just before this claim reaches the server: the refusal says who has it.
    wang = staff_client(office, "wang.fang")

    def colleague_first(route):
        wang.ok("POST", f"/api/staff/threads/{tid}/claim", {"id": action_id()})
        route.continue_()

    page.route(re.compile(r"/api/staff/threads/\d+/claim$"), colleague_first)
    page.locator("#assign-box summary").click()  # closes it
    page.locator("#act-claim").click()
    expect(page.locator("#action-status")).to_have_text(re.compile("已由 王芳 认领"))
    expect(page.locator("#action-status")).to_be_focused()


def test_a_moderator_reads_without_telling_the_citizen(office, new_context, console):
    letter = citizen_letter(office, "审核员阅读测试", "这封信只给审核员看一眼。")
    page = desktop(new_context, console)
    sign_in(page, office, "mod.chen")
    open_case(page, letter["code"])
    expect(page.locator("#case-readonly")).to_be_visible()
    page.locator("body").click()  # a gesture in the page; still nothing is sent
    page.wait_for_timeout(500)  # give a read mark the time to go out, if the page were to send one
    triage = staff_client(office, "li.wei")
    thread = triage.ok("GET", f"/api/staff/threads/{thread_id(triage, letter['code'])}")["thread"]
    assert thread["read"]["staff"] == 0, thread["read"]


def test_admin_manages_canned_replies(office, new_context, console, results_dir):
    admin = desktop(new_context, console)
    sign_in(admin, office, "boss")
    admin.get_by_role("button", name="管理常用回复").click()
    expect(admin).to_have_url(re.compile(r"/staff\?panel=canned$"))
    expect(admin.locator("#canned-admin-title")).to_be_focused()
    admin.get_by_label("部门", exact=True).last.select_option("education")
    expect(admin.locator("#canned-list-empty")).to_have_text("市教育局还没有常用回复。")
    admin.locator("#canned-save").click()
    expect(admin.locator("#canned-admin-status")).to_have_text("请填写标题。")
    admin.locator("#canned-title").fill("学区" * 31)
    expect(admin.locator("#canned-title-counter")).to_have_text("已超出 2 字")
    admin.locator("#canned-title").fill("学区划分答复")
    admin.locator("#canned-body").fill("您好，今年的学区划分方案将于六月在教育局网站公布。")
    admin.locator("#canned-save").click()
    item = admin.locator(".canned-item", has_text="学区划分答复")
    expect(item).to_be_visible()
    expect(admin.locator("#canned-admin-status")).to_have_text("已为市教育局添加“学区划分答复”。")
    admin.screenshot(path=str(results_dir / "console-canned-admin-1280x720.png"))

    # A clerk of that department finds it; one of another department is told who adds them.
    letter = citizen_letter(office, "常用回复测试", "学区什么时候公布？")
    triage = staff_client(office, "li.wei")
    tid = thread_id(triage, letter["code"])
    triage.ok("POST", f"/api/staff/threads/{tid}/route", {"id": action_id(), "department": "education"})
    clerk = desktop(new_context, console)
    sign_in(clerk, office, "wang.fang")
    open_case(clerk, letter["code"])
    clerk.get_by_label("常用回复", exact=True).select_option(label="学区划分答复")
    clerk.get_by_role("button", name="插入").click()
    expect(clerk.locator("#case-message")).to_have_value("您好，今年的学区划分方案将于六月在教育局网站公布。")

    other = citizen_letter(office, "没有常用回复的部门", "公交站的问题。")
    triage.ok("POST", f"/api/staff/threads/{thread_id(triage, other['code'])}/route", {"id": action_id(), "department": "transport"})
    zhao = desktop(new_context, console)
    sign_in(zhao, office, "zhao.lei")
    open_case(zhao, other["code"])
    expect(zhao.locator("#canned-none")).to_have_text(re.compile("市交通运输局还没有。常用回复由系统管理员按部门添加"))
    expect(zhao.locator("#canned-select")).to_be_hidden()

    # The admin deletes it, with a second click to confirm.
    item.get_by_role("button", name="删除“学区划分答复”").click()
    item.get_by_role("button", name="确认删除“学区划分答复”").click()
    expect(admin.locator(".canned-item", has_text="学区划分答复")).to_have_count(0)
    expect(admin.locator("#canned-admin-status")).to_have_text("已删除“学区划分答复”。")
    replies = staff_client(office, "wang.fang").ok("GET", "/api/staff/canned?department=education")["replies"]
    assert not any(r["title"] == "学区划分答复" for r in replies)


def test_phone_back_and_escape_return_to_the_inbox(office, new_context, console, results_dir):
    letter = citizen_letter(office, "手机返回测试", "在手机上打开。")
    page = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    sign_in(page, office, "li.wei")
    inbox_url = page.url
    expect(page.locator("#staff-me-line")).to_have_text("已登录：李伟（工作人员）")
    expect(page.get_by_role("link", name="市长信箱 · 工作台")).to_be_visible()
    row(page, letter["code"]).click()
    expect(page.locator("#case-subject")).to_have_text("手机返回测试")
    expect(page.locator("#inbox-pane")).to_be_hidden()
    page.screenshot(path=str(results_dir / "console-case-390x844.png"))

    page.go_back()
    expect(page).to_have_url(inbox_url)
    expect(page.locator("#inbox-pane")).to_be_visible()
    expect(page.locator("#case-pane")).to_be_hidden()
    expect(row(page, letter["code"])).to_be_focused()

    row(page, letter["code"]).click()
    expect(page.locator("#case-pane")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#inbox-pane")).to_be_visible()
    expect(page).to_have_url(inbox_url)
    expect(row(page, letter["code"])).to_be_focused()


def test_the_inbox_loads_more(office, new_context, console):
    """Fifty letters a page; "加载更多" follows the answer's `next` cursor until there is no more. (Last in this
    module: the letters it writes push older ones off the first page.)"""
    for i in range(55):
        citizen_letter(office, f"翻页测试 {i:02d}", f"第 {i} 封来信。")
    total = len(staff_client(office, "li.wei").ok("GET", "/api/staff/threads?limit=200")["threads"])
    assert 55 < total < 200
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    rows = page.locator(".inbox-row")
    expect(rows).to_have_count(50)
    expect(page.locator("#inbox-count")).to_have_text("已显示 50 封")
    more = page.get_by_role("button", name="加载更多")
    for _ in range(4):
        if not more.is_visible():
            break
        shown = rows.count()
        more.click()
        expect(rows).not_to_have_count(shown)
    expect(more).to_be_hidden()
    expect(rows).to_have_count(total)
    expect(page.locator("#inbox-count")).to_have_text(f"{total} 封")
    # No letter twice.
    codes = page.locator(".inbox-row").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert len(codes) == len(set(codes)) == total
