"""End to end, in a real Chromium: public versions and their moderation (docs/PROTOCOL.md "Public versions and
moderation"), between the office's console (/staff) and the moderators' queue (/moderate).

One server for the module, with an office user of the mayor's office, two moderators and an admin (made with `lastword
user add`). Letters are written and answered over HTTP (direct_line_kit) unless the test is about doing it on a page.

- staff answer a letter whose writer agreed to publication: the public-version panel appears live, prefilled from
  the letter and the reply, and points out the phone number; submitted, it arrives in the queue of a moderator who had
  the page open (depth and the age of the oldest item); she opens it — a second moderator sees it held, and opening it
  himself is told who has it —, edits the phone number out and approves; the console shows the approved texts and the
  moderator's edit live, the public board has it without the phone number, the second moderator's queue empties;
- a rejection with a category and a note reaches the console live, the form holds the returned texts, and the revised
  version goes back to the queue as version 2, whose history shows the rejection and its note; approved, it is later
  withdrawn from the published list with a category and a note, which the console hears live (version 3 may follow);
- a letter without consent, and one not answered yet, say why there is no public version;
- an admin sees the queue read-only, staff are told it is not theirs, and signing in from /moderate comes back there;
- screenshots of /moderate and the console's panel at 390×844, 1280×720 and 1920×1080, in Chinese and English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer
from direct_line_kit import (
    LIMITS, PASSWORD, add_user, answer_letter, citizen_writes, sign_in, sign_in_moderation, staff_client,
    thread_id)

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720}, timezone_id="Asia/Shanghai")
WIDE = dict(viewport={"width": 1920, "height": 1080}, timezone_id="Asia/Shanghai")
PHONE_NUMBER = "13912345678"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("moderation"), extra_config=[LIMITS])
    server.start()
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    add_user(server, "mod.chen", "moderator", (), "陈审核")
    add_user(server, "mod.zhou", "moderator", (), "周审核")
    add_user(server, "boss", "admin", (), "管理员")
    yield server
    server.stop_cleanly()


def desktop(new_context, console, **options) -> Page:
    return console.watch(new_context(locale="zh-CN", **{**DESKTOP, **options}).new_page())


def open_case(page: Page, code: str) -> None:
    page.locator(f'.inbox-row[data-code="{code}"]').click()
    expect(page.locator('#case[data-synced="true"]')).to_be_attached()


def queue_row(page: Page, thread: int):
    return page.locator(f'#queue-list .queue-row[data-thread="{thread}"]')


def test_a_public_version_is_edited_and_approved_live(office, new_context, console, results_dir):
    console.allow("status of 409")  # the second moderator's open is refused while the first holds the item
    question = f"小区东门的路灯坏了一个月，晚上很黑。我的电话 {PHONE_NUMBER}，住 3 栋。"
    reply = "您好，路灯已报修，本周内修好。"
    _, letter = citizen_writes(office, "东门路灯坏了", question, publish=True, contact=PHONE_NUMBER)
    staff = staff_client(office, "li.wei")
    identifier = thread_id(staff, letter["code"])

    # Two moderators keep the queue open, each in a browser of their own.
    chen = desktop(new_context, console)
    sign_in_moderation(chen, office, "mod.chen")
    zhou = desktop(new_context, console)
    sign_in_moderation(zhou, office, "mod.zhou")
    for page in (chen, zhou):
        expect(page.locator("#live-text")).to_have_text("实时更新")
        expect(queue_row(page, identifier)).to_have_count(0)
        page.evaluate("window.e2eNotReloaded = true")
    depth_before = int(chen.locator("#queue-depth").inner_text())

    # The office answers on the console: the panel offers the public version, prefilled, and points at the phone number.
    office_page = desktop(new_context, console)
    sign_in(office_page, office, "li.wei")
    open_case(office_page, letter["code"])
    panel = office_page.locator("#public-panel")
    expect(panel.locator("#public-state")).to_have_text("答复市民后，才能写这封信的公开版本。")
    expect(office_page.locator("#public-form")).to_be_hidden()
    composer = office_page.get_by_label("答复内容", exact=True)
    composer.fill(reply)
    composer.press("Enter")
    expect(office_page.locator("#case-entries .entry-staff .entry-body")).to_have_text(reply)
    expect(office_page.locator("#public-form")).to_be_visible()
    expect(office_page.locator("#public-question")).to_have_value(question)
    expect(office_page.locator("#public-answer")).to_have_value(reply)
    expect(office_page.locator("#public-warning")).to_contain_text("电话号码")
    expect(office_page.locator("#public-question-personal")).to_contain_text(PHONE_NUMBER)
    office_page.locator("#public-submit").click()
    expect(office_page.locator("#public-badge")).to_have_text("待审核")
    expect(office_page.locator("#public-state")).to_contain_text("第 1 版由 李伟")
    office_page.screenshot(path=str(results_dir / "moderation-console-submitted-1280x720.png"), full_page=True)

    # Both moderators' queues show it arrive, with the depth and the age of the oldest item.
    for page in (chen, zhou):
        row = queue_row(page, identifier)
        expect(row).to_be_visible()
        expect(row).to_contain_text("第 1 版 · 李伟")
        expect(row).to_contain_text("小区东门的路灯坏了一个月")
        expect(page.locator("#queue-depth")).to_have_text(str(depth_before + 1))
        expect(page.locator("#queue-oldest")).to_have_text(re.compile(r"^\d+ (秒|分钟)$"))
    expect(chen.locator("#queue-announce")).to_contain_text("新的待审核内容")

    # Chen opens it: she holds it; Zhou's queue says so, live, and opening it himself tells him who has it.
    queue_row(chen, identifier).click()
    expect(chen.locator("#item-hold")).to_contain_text("您正在处理这一条")
    expect(chen.locator("#item-question")).to_have_value(question)
    expect(chen.locator("#item-answer")).to_have_value(reply)
    expect(queue_row(zhou, identifier).locator(".hold-badge")).to_have_text("陈审核 正在处理")
    queue_row(zhou, identifier).click()
    expect(zhou.locator("#item-hold")).to_have_text("陈审核 正在处理这一条。")
    expect(zhou.locator("#item-message")).to_have_text("陈审核 正在处理这一条。")
    expect(zhou.locator("#approve")).to_be_disabled()
    expect(zhou.locator("#item-question")).to_have_attribute("readonly", "")
    expect(zhou.locator("#hold-retry")).to_be_visible()
    zhou.screenshot(path=str(results_dir / "moderation-held-by-another-1280x720.png"), full_page=True)

    # Chen takes the phone number out; the page shows what her edit removes, then she approves the edited texts.
    edited = question.replace(f"我的电话 {PHONE_NUMBER}，住 3 栋。", "")
    chen.locator("#item-question").fill(edited)
    expect(chen.locator("#edit-preview")).to_be_visible()
    expect(chen.locator("#edit-preview del")).to_contain_text(PHONE_NUMBER)
    expect(chen.locator("#item-question-personal")).to_be_hidden()
    expect(chen.locator("#approve")).to_have_text("修改后批准公开")
    chen.screenshot(path=str(results_dir / "moderation-editing-1280x720.png"), full_page=True)
    chen.locator("#approve").click()
    expect(chen.locator("#item-message")).to_have_text("已修改后批准，留言板上公开的是修改后的文字。")
    expect(chen.locator("#item-message")).to_be_focused()
    expect(chen.locator("#item-status")).to_have_text("已公开")
    expect(chen.locator("#item-history .history-entry").first).to_contain_text("陈审核 修改后审核通过第 1 版")
    expect(chen.locator("#item-history .history-entry").first.locator("del")).to_contain_text(PHONE_NUMBER)
    expect(chen.locator("#item-history .history-entry").last).to_contain_text("李伟 提交了第 1 版")
    expect(queue_row(chen, identifier)).to_have_count(0)

    # The console hears the decision live: published, with the texts as approved and the moderator's edit.
    expect(office_page.locator("#public-badge")).to_have_text("已公开")
    expect(office_page.locator("#public-state")).to_contain_text("陈审核")
    published = office_page.locator("#public-decision")
    expect(published).to_contain_text("留言板上公开的文字（审核员修改后）")
    expect(published.locator("dl.published")).not_to_contain_text(PHONE_NUMBER)
    expect(published.locator(".public-diff del")).to_contain_text(PHONE_NUMBER)
    expect(office_page.locator("#public-form")).to_be_hidden()
    expect(office_page.locator("#public-why")).to_contain_text("已经公开")
    office_page.screenshot(path=str(results_dir / "moderation-console-approved-1280x720.png"), full_page=True)

    # Zhou's page follows: the item is decided, the queue is one shorter; neither page was reloaded.
    expect(zhou.locator("#item-message")).to_have_text("这一条已由 陈审核 修改后审核通过。")
    expect(zhou.locator("#item-status")).to_have_text("已公开")
    expect(queue_row(zhou, identifier)).to_have_count(0)
    expect(zhou.locator("#queue-depth")).to_have_text(str(depth_before))
    for page in (chen, zhou):
        assert page.evaluate("window.e2eNotReloaded === true"), "a moderator's page was reloaded"

    # The public board carries the edited question, never the phone number.
    board = office.api("/api/messages")["items"]
    item = next(i for i in board if i["answer"] == reply)
    assert item["question"] == edited.strip()
    assert PHONE_NUMBER not in item["question"] and PHONE_NUMBER not in item["answer"]


def test_a_rejection_reaches_the_author_and_the_revision_goes_back(office, new_context, console, results_dir):
    question = "学校门口早上堵车严重，希望增派交警。"
    reply = "已与交警大队联系，上学时段增派警力。"
    _, letter = citizen_writes(office, "学校门口堵车", question, publish=True)
    staff = staff_client(office, "li.wei")
    identifier = answer_letter(staff, letter["code"], reply)

    chen = desktop(new_context, console)
    sign_in_moderation(chen, office, "mod.chen")
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    open_case(page, letter["code"])
    expect(page.locator("#public-question")).to_have_value(question)
    page.locator("#public-submit").click()
    expect(page.locator("#public-badge")).to_have_text("待审核")

    # The moderator uses the keyboard: the row, then the return panel with a category and a note.
    row = queue_row(chen, identifier)
    expect(row).to_be_visible()
    row.focus()
    row.press("Enter")
    expect(chen.locator("#item-hold")).to_contain_text("您正在处理这一条")
    chen.locator("#reject-box summary").click()
    expect(chen.locator("#reject-category")).to_be_focused()
    chen.locator("#reject-do").click()
    expect(chen.locator("#item-message")).to_have_text("请选择原因类别。")
    chen.locator("#reject-category").select_option("incomplete")
    expect(chen.locator("#reject-category option:checked")).to_have_text("内容不完整")
    chen.locator("#reject-do").click()
    expect(chen.locator("#item-message")).to_have_text("请写明给撰写人的说明。")
    expect(chen.locator("#reject-note")).to_be_focused()
    note = "请写明是哪所学校、哪个路口，以及增派警力的具体时段。"
    chen.locator("#reject-note").fill(note)
    chen.locator("#reject-do").click()
    expect(chen.locator("#item-message")).to_have_text("已退回，撰写人会看到原因和您的说明。")
    expect(row).to_have_count(0)

    # The console hears it live: returned, with the category and the note; the form holds the returned texts.
    expect(page.locator("#public-badge")).to_have_text("被退回")
    decision = page.locator("#public-decision")
    expect(decision).to_contain_text("原因：内容不完整")
    expect(decision.locator(".public-note-text")).to_have_text(note)
    expect(page.locator("#public-form")).to_be_visible()
    expect(page.locator("#public-question")).to_have_value(question)
    expect(page.locator("#public-submit")).to_have_text("提交第 2 版审核")
    page.screenshot(path=str(results_dir / "moderation-console-returned-1280x720.png"), full_page=True)

    # Revised and submitted again: version 2 goes back to the queue, with the rejection in its history.
    revised = "实验小学门口（和平路口）早上 7:30—8:00 堵车严重，希望增派交警。"
    page.locator("#public-question").fill(revised)
    expect(page.locator("#public-refill")).to_be_visible()
    page.locator("#public-submit").click()
    expect(page.locator("#public-badge")).to_have_text("待审核")
    expect(page.locator("#public-status")).to_have_text("第 2 版已提交，等待审核员审核。")
    expect(page.locator("#public-revisions-title")).to_have_text("历次提交（2）")
    again = queue_row(chen, identifier)
    expect(again).to_contain_text("第 2 版 · 李伟")
    again.click()
    expect(chen.locator("#item-question")).to_have_value(revised)
    history = chen.locator("#item-history")
    expect(history).to_contain_text("李伟 提交了第 2 版")
    expect(history).to_contain_text("陈审核 退回了第 1 版")
    expect(history.locator('.history-entry[data-action="public.rejected"] .public-note-text')).to_have_text(note)
    expect(history.locator('.history-entry[data-action="public.rejected"]')).to_contain_text("原因：内容不完整")
    chen.screenshot(path=str(results_dir / "moderation-history-1280x720.png"), full_page=True)

    # Escape closes the open panel and gives the focus back to its summary.
    chen.locator("#reject-box summary").click()
    chen.keyboard.press("Escape")
    expect(chen.locator("#reject-box")).not_to_have_attribute("open", "")
    expect(chen.locator("#reject-box summary")).to_be_focused()

    # Approved as written; the console says so.
    chen.locator("#approve").click()
    expect(chen.locator("#item-message")).to_have_text("已批准，已在留言板公开。")
    expect(page.locator("#public-badge")).to_have_text("已公开")
    expect(page.locator("#public-decision")).to_contain_text("留言板上公开的文字")
    expect(page.locator("#public-decision")).not_to_contain_text("审核员修改后")
    expect(page.locator("#public-form")).to_be_hidden()

    # Later withdrawn from the published list, with a category and a note; the console hears it and may submit again.
    chen.locator("#tab-published").click()
    version_id = staff.ok("GET", f"/api/staff/threads/{identifier}/public")["versions"][0]["id"]
    published = chen.locator(f'#published-list .queue-row[data-id="{version_id}"]')
    expect(published).to_contain_text("实验小学门口")
    published.click()
    expect(chen.locator("#item-status")).to_have_text("已公开")
    expect(chen.locator("#approve")).to_be_hidden()
    chen.locator("#withdraw-box summary").click()
    chen.locator("#withdraw-category").select_option("inaccurate")
    chen.locator("#withdraw-note").fill("警力安排已调整，请更新答复后再公开。")
    chen.locator("#withdraw-do").click()
    expect(chen.locator("#item-message")).to_have_text("已从留言板撤下。")
    expect(published).to_have_count(0)
    expect(page.locator("#public-badge")).to_have_text("已撤下")
    expect(page.locator("#public-decision")).to_contain_text("原因：内容不准确")
    expect(page.locator("#public-decision .public-note-text")).to_have_text("警力安排已调整，请更新答复后再公开。")
    expect(page.locator("#public-form")).to_be_visible()
    expect(page.locator("#public-submit")).to_have_text("提交第 3 版审核")
    assert all(i["id"] != version_id for i in office.api("/api/messages")["items"])


def test_no_consent_and_not_answered_say_why(office, new_context, console):
    _, private = citizen_writes(office, "不公开的来信", "只想让部门知道。", publish=False)
    _, waiting = citizen_writes(office, "还没答复的来信", "请尽快处理。", publish=True)
    staff = staff_client(office, "li.wei")
    answer_letter(staff, private["code"], "收到，正在处理。")
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    open_case(page, private["code"])
    expect(page.locator("#public-state")).to_have_text("来信人未同意公开，这封信不能写公开版本。")
    expect(page.locator("#public-form")).to_be_hidden()
    open_case(page, waiting["code"])
    expect(page.locator("#public-state")).to_have_text("答复市民后，才能写这封信的公开版本。")
    expect(page.locator("#public-form")).to_be_hidden()
    # The server agrees (a script that tries anyway).
    status, answer = staff.call("POST", f"/api/staff/threads/{thread_id(staff, private['code'])}/public",
                                {"id": "p-no-consent", "question": "q", "answer": "a"})
    assert (status, answer["error"]) == (409, "public.no_consent")


def test_roles_and_signing_in_to_the_queue(office, new_context, console, results_dir):
    console.allow("status of 401")  # /moderate asks who is signed in before anyone is
    _, letter = citizen_writes(office, "公园厕所太少", "周末人多，排队很久。", publish=True)
    staff = staff_client(office, "li.wei")
    identifier = answer_letter(staff, letter["code"], "已列入今年改造计划。")
    staff.ok("POST", f"/api/staff/threads/{identifier}/public", {"id": "p-roles-1", "question": "公园厕所太少，周末排队很久。",
                                                               "answer": "已列入今年改造计划。"})

    # An admin may look, not decide.
    admin = desktop(new_context, console)
    sign_in_moderation(admin, office, "boss")
    expect(admin.locator("#admin-readonly")).to_be_visible()
    queue_row(admin, identifier).click()
    expect(admin.locator("#item-question")).to_have_value("公园厕所太少，周末排队很久。")
    expect(admin.locator("#item-question")).to_have_attribute("readonly", "")
    expect(admin.locator("#approve")).to_be_hidden()
    expect(admin.locator("#reject-box")).to_be_hidden()
    expect(admin.locator("#item-history")).to_contain_text("李伟 提交了第 1 版")
    # Opening it took no hold: a moderator can take it at once.
    chen = desktop(new_context, console)
    sign_in_moderation(chen, office, "mod.chen")
    queue_row(chen, identifier).click()
    expect(chen.locator("#item-hold")).to_contain_text("您正在处理这一条")
    expect(queue_row(admin, identifier).locator(".hold-badge")).to_have_text("陈审核 正在处理")
    expect(admin.locator("#item-hold")).to_contain_text("陈审核 正在处理")

    # Leaving the page lets the hold go (a keepalive close): the admin's queue shows it free again.
    chen.goto(office.url + "/staff")
    expect(queue_row(admin, identifier).locator(".hold-badge")).to_have_count(0)

    # Staff are told the queue is not theirs.
    clerk = desktop(new_context, console)
    sign_in(clerk, office, "li.wei")
    clerk.goto(office.url + "/moderate")
    expect(clerk.locator("#page-status")).to_contain_text("审核队列只对审核员和管理员开放")
    expect(clerk.locator("#page-status a")).to_have_attribute("href", "/staff")

    # The console links a moderator to the queue.
    reader = desktop(new_context, console)
    sign_in(reader, office, "mod.zhou")
    expect(reader.locator("#to-moderate")).to_be_visible()
    reader.locator("#to-moderate").click()
    reader.wait_for_url(office.url + "/moderate")
    expect(reader.locator("#queue-title")).to_have_text("审核队列")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots(office, new_context, console, results_dir, lang):
    _, letter = citizen_writes(office, f"截图用的来信（{lang}）", f"楼下餐馆油烟很大。电话 {PHONE_NUMBER}。", publish=True)
    staff = staff_client(office, "li.wei")
    identifier = answer_letter(staff, letter["code"], "已通知市场监管部门检查。")
    staff.ok("POST", f"/api/staff/threads/{identifier}/public",
             {"id": f"p-shot-{lang}", "question": f"楼下餐馆油烟很大。电话 {PHONE_NUMBER}。", "answer": "已通知市场监管部门检查。"})
    english = lang == "en"
    for name, size in (("390x844", PHONE), ("1280x720", DESKTOP), ("1920x1080", WIDE)):
        options = dict(size)
        options.setdefault("timezone_id", "Asia/Shanghai")
        page = console.watch(new_context(locale="zh-CN", **options).new_page())
        sign_in_moderation(page, office, "mod.chen")
        if english:
            page.locator(".lang-toggle").click()
            expect(page.locator("#queue-title")).to_have_text("Moderation queue")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
        page.screenshot(path=str(results_dir / f"moderate-queue-{lang}-{name}.png"), full_page=True)
        queue_row(page, identifier).click()
        expect(page.locator("#item-hold")).to_contain_text("You are handling" if english else "您正在处理")
        page.locator("#item-question").fill("楼下餐馆油烟很大。")
        expect(page.locator("#edit-preview del")).to_contain_text(PHONE_NUMBER)
        page.screenshot(path=str(results_dir / f"moderate-item-{lang}-{name}.png"), full_page=True)
        # No horizontal scrolling at any size.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        if page.locator("#item-back").is_visible():
            page.locator("#item-back").click()
        page.context.close()

        office_page = console.watch(new_context(locale="zh-CN", **options).new_page())
        sign_in(office_page, office, "li.wei")
        if english:
            office_page.locator(".lang-toggle").click()
        open_case(office_page, letter["code"])
        expect(office_page.locator("#public-badge")).to_have_text("Awaiting review" if english else "待审核")
        office_page.locator("#public-panel").scroll_into_view_if_needed()
        office_page.screenshot(path=str(results_dir / f"console-public-{lang}-{name}.png"), full_page=True)
        assert office_page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        office_page.context.close()
