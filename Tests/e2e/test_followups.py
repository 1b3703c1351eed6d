"""End to end, in a real Chromium: deadlines, the citizen's rating of an answer and follow-ups (docs/PROTOCOL.md
"Working days and deadlines", "Satisfaction and follow-ups").

One server for the module with the promise of a first response within 1 working day and the widest due-soon window
the server takes (240 hours), so that a fresh letter is due soon unless a long holiday follows (the test then checks it
as "ok", which rows do not highlight); a letter due long ago is made by moving its arrival back in the database (as a
letter written ten days ago would be) — the server computes the deadlines as always.

- the inbox highlights letters due soon and overdue in colour and words, as the API's `due.standing` says; the case
  header says it too; claiming a letter moves what it owes from the first response to the answer, live; sorting by
  deadline puts the overdue letter first; in English as well;
- a citizen on a phone rates the answer to her letter: Enter on a level does not send it, the button does; a 2 tells
  her the department will contact her; the office's follow-up panel shows the new follow-up live, with its deadline;
  the case shows the rating; staff record the outcome, which moves to the recorded tab; the citizen can change her
  rating until the letter is closed, which her page hears live;
- a project rated 1 with a suggestion is a follow-up of the project's department, recorded the same way;
- screenshots of the inbox, the follow-ups and the letter page at 390×844, 1280×720 and 1920×1080, in both languages.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer
from direct_line_kit import (Client, action_id, add_user, answer_letter, backdate_letter, citizen_writes, sign_in,
                             staff_client, thread_id)

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720}, timezone_id="Asia/Shanghai")
WIDE = dict(viewport={"width": 1920, "height": 1080}, timezone_id="Asia/Shanghai")
MOBILE = {**PHONE, "timezone_id": "Asia/Shanghai"}
DIRECT_LINE = ("directLine: {threadsPerCitizenPerHour: 100, threadsPerIpPerHour: 1000, messagesPerCitizenPerMinute: 100, "
               "messagesPerIpPerMinute: 1000, codeLookupsPerIpPerMinute: 1000, firstResponseWorkingDays: 1, "
               "answerWorkingDays: 5, followUpWorkingDays: 3, dueSoonHours: 240}")
DEADLINE_DAY = r"(今天|明天|昨天|(\d+年)?\d+月\d+日)"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("followups"), extra_config=[DIRECT_LINE])
    server.start()
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    add_user(server, "mod.chen", "moderator", (), "陈审核")
    yield server
    server.stop_cleanly()


def desktop(new_context, console, size=DESKTOP) -> Page:
    return console.watch(new_context(locale="zh-CN", **size).new_page())


def row(page: Page, code: str):
    return page.locator(f'.inbox-row[data-code="{code}"]')


def staff_thread(staff: Client, code: str) -> dict:
    return staff.ok("GET", f"/api/staff/threads/{thread_id(staff, code)}")["thread"]


def test_due_soon_and_overdue_letters_are_highlighted(office, new_context, console, results_dir):
    _, fresh = citizen_writes(office, "刚到的来信", "小区健身器材坏了。")
    _, late = citizen_writes(office, "十天前的来信", "路口红绿灯时间太短。")
    backdate_letter(office, late["code"], 10)
    staff = staff_client(office, "li.wei")

    # What the server says each letter owes (the test reads it; the page must say the same).
    fresh_due = staff_thread(staff, fresh["code"])["due"]
    late_due = staff_thread(staff, late["code"])["due"]
    assert fresh_due["what"] == "response" and fresh_due["standing"] in ("soon", "ok"), fresh_due
    assert late_due["what"] == "response" and late_due["standing"] == "overdue", late_due

    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    late_row = row(page, late["code"])
    expect(late_row).to_have_attribute("data-due", "overdue")
    expect(late_row.locator(".due-badge")).to_have_attribute("data-standing", "overdue")
    expect(late_row.locator(".due-badge")).to_have_text(re.compile(r"^首次响应逾期 \d+ 天$"))
    fresh_row = row(page, fresh["code"])
    expect(fresh_row).to_have_attribute("data-due", fresh_due["standing"])
    if fresh_due["standing"] == "soon":
        expect(fresh_row.locator(".due-badge")).to_have_text(re.compile(rf"^{DEADLINE_DAY} 24:00 前首次响应$"))
    else:
        expect(fresh_row.locator(".due-badge")).to_have_count(0)  # rows highlight only what is near
    # Every highlighted row agrees with the API.
    listed = {t["code"]: t for t in staff.ok("GET", "/api/staff/threads?limit=200")["threads"]}
    for badge_row in page.locator(".inbox-row[data-due]").all():
        code = badge_row.get_attribute("data-code")
        assert badge_row.get_attribute("data-due") == listed[code]["due"]["standing"], code

    # Sorted by deadline: the overdue letter first (the server's sort=due).
    page.locator("#filter-sort").select_option("due")
    expect(page.locator("#sort-hint")).to_be_visible()
    expect(page.locator(".inbox-row").first).to_have_attribute("data-code", late["code"])
    by_due = staff.ok("GET", "/api/staff/threads?sort=due")["threads"]
    assert by_due[0]["code"] == late["code"]
    page.screenshot(path=str(results_dir / "followups-inbox-by-due-1280x720.png"))

    # The case header says it too; claiming the fresh letter moves it on to owing the answer, live.
    late_row.click()
    expect(page.locator('#case[data-synced="true"]')).to_be_attached()
    expect(page.locator("#case-due")).to_have_attribute("data-standing", "overdue")
    expect(page.locator("#case-due")).to_have_text(re.compile(r"^首次响应逾期 \d+ 天$"))
    expect(page.locator("#case-facts .fact-due")).to_contain_text("首次响应逾期")
    fresh_row.click()
    expect(page.locator('#case[data-synced="true"]')).to_be_attached()
    page.get_by_role("button", name="认领", exact=True).click()
    expect(page.locator("#case-due")).to_have_text(re.compile(rf"^{DEADLINE_DAY} 24:00 前答复$"))
    answer_due = staff_thread(staff, fresh["code"])["due"]
    assert answer_due["what"] == "answer", answer_due
    expect(page.locator("#case-due")).to_have_attribute("data-standing", answer_due["standing"])
    if answer_due["standing"] == "soon":
        expect(row(page, fresh["code"]).locator(".due-badge")).to_have_text(re.compile(r"前答复$"))

    # Answered, it owes nothing: it leaves the list sorted by deadline.
    answer_letter(staff, fresh["code"], "已安排维修。")
    expect(row(page, fresh["code"])).to_have_count(0)
    expect(page.locator("#case-due")).to_be_hidden()

    # In English.
    page.locator(".lang-toggle").click()
    expect(late_row.locator(".due-badge")).to_have_text(re.compile(r"^First response overdue by \d+ days$"))
    page.screenshot(path=str(results_dir / "followups-inbox-by-due-en-1280x720.png"))


def test_a_low_rating_opens_a_follow_up_that_staff_record(office, new_context, console, results_dir):
    citizen, letter = citizen_writes(office, "垃圾清运不及时", "小区垃圾三天没人清运。", contact="13700001111")
    staff = staff_client(office, "li.wei")
    identifier = answer_letter(staff, letter["code"], "已督促环卫公司每日清运。")

    # The office keeps the follow-up panel open.
    office_page = desktop(new_context, console)
    sign_in(office_page, office, "li.wei")
    office_page.locator("#show-followups").click()
    expect(office_page.locator("#followups-title")).to_be_focused()
    expect(office_page.locator("#followups-tab-open")).to_have_attribute("aria-pressed", "true")
    item = office_page.locator(f'.followup[data-thread="{identifier}"]')
    expect(item).to_have_count(0)
    office_page.evaluate("window.e2eNotReloaded = true")

    # The citizen rates the answer on her phone.
    page = console.watch(new_context(locale="zh-CN", **MOBILE).new_page())
    page.goto(f"{office.url}/t/{letter['code']}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    card = page.locator("#rate-answer")
    expect(card).to_be_visible()
    expect(card.locator("#answer-rating")).to_have_text("您还没有评价这次答复。")
    expect(card.locator("label[for=answer-level-5] .level-name")).to_have_text("非常满意")
    expect(card.locator("label[for=answer-level-2] .level-name")).to_have_text("不满意")
    # Enter on a level selects it and sends nothing.
    card.locator("#answer-level-2").focus()
    page.keyboard.press("Enter")
    expect(card.locator("#answer-level-2")).to_be_checked()
    expect(card.locator("#answer-rate-status")).to_have_text("")
    assert citizen.ok("GET", f"/api/threads/{letter['code']}")["thread"]["satisfaction"] is None
    card.locator("#answer-rate-submit").click()
    expect(card.locator("#answer-rating")).to_have_text("您的评价：不满意（2 分）")
    expect(card.locator("#answer-rate-status")).to_have_text("已收到您的评价：不满意。")
    expect(card.locator("#answer-followup")).to_contain_text("会在 3 个工作日内与您联系")
    expect(card.locator("#answer-rate-submit")).to_have_text("修改评价")
    page.screenshot(path=str(results_dir / "followups-rated-390x844.png"), full_page=True)

    # The office's panel shows it live, with its deadline, and a link to the case.
    expect(item).to_be_visible()
    expect(item).to_contain_text("垃圾清运不及时")
    expect(item.locator(".followup-level")).to_have_text("不满意（2 分）")
    expect(item.locator(".due-badge")).to_have_text(re.compile(rf"^{DEADLINE_DAY} 24:00 前回访$"))
    expect(office_page.locator("#followups-count")).to_have_text("1")
    office_page.screenshot(path=str(results_dir / "followups-panel-1280x720.png"))

    # The case shows the rating and that a follow-up is due; its link leads back to the panel.
    item.get_by_role("link", name="垃圾清运不及时").click()
    expect(office_page.locator('#case[data-synced="true"]')).to_be_attached()
    satisfaction = office_page.locator("#case-satisfaction")
    expect(satisfaction).to_contain_text("不满意（2 分）")
    expect(satisfaction).to_contain_text("待回访")
    expect(office_page.locator("#case-entries .entry-event").last).to_contain_text("市民评价了答复")
    satisfaction.get_by_role("link", name="待回访").click()
    expect(office_page.locator("#followups-title")).to_be_focused()

    # Recording: both answers are required; then it moves to the recorded tab.
    item.get_by_role("button", name="记录回访结果").click()
    expect(item.locator(".form-status")).to_have_text("请选择是否联系上市民。")
    item.locator("label", has_text="已联系上市民").click()
    outcome = item.get_by_label("回访结果（联系情况、市民的意见、后续处理）")
    outcome.fill("已电话联系，市民确认现在每天清运，表示满意。")
    item.get_by_role("button", name="记录回访结果").click()
    expect(office_page.locator("#followups-status")).to_have_text("已记录“垃圾清运不及时”的回访结果。")
    expect(item).to_have_count(0)
    expect(office_page.locator("#followups-count")).to_have_text("0")
    office_page.locator("#followups-tab-recorded").click()
    recorded = office_page.locator(f'.followup[data-thread="{identifier}"]')
    expect(recorded).to_contain_text("已联系上市民")
    expect(recorded).to_contain_text("已电话联系，市民确认现在每天清运，表示满意。")
    expect(recorded).to_contain_text("李伟")
    done = staff.ok("GET", "/api/staff/followups?state=recorded")["followUps"]
    assert any(f["thread"] == identifier and f["contacted"] is True for f in done)
    assert office_page.evaluate("window.e2eNotReloaded === true"), "the console was reloaded"

    # The citizen changes her mind; once the letter is closed her page says the rating is final.
    card.locator("label[for=answer-level-4]").click()
    card.locator("#answer-rate-submit").click()
    expect(card.locator("#answer-rating")).to_have_text("您的评价：满意（4 分）")
    expect(card.locator("#answer-followup")).to_be_hidden()
    staff.ok("POST", f"/api/staff/threads/{identifier}/status", {"id": action_id(), "status": "closed"})
    expect(card.locator("#answer-rate-form")).to_be_hidden()
    expect(card.locator("#answer-rate-closed")).to_have_text("这封信已办结，评价不能再修改。")
    expect(card.locator("#answer-rating")).to_have_text("您的评价：满意（4 分）")


def test_a_project_rated_1_is_followed_up(office, new_context, console):
    citizen = Client(office)
    citizen.ok("GET", "/api/session")
    suggestion = f"公交车太挤，早高峰要加车。{uuid.uuid4().hex[:6]}"
    citizen.ok("POST", "/api/projects/bus-lines/rating", {"id": f"r-{uuid.uuid4().hex[:12]}", "level": 1, "suggestion": suggestion})
    page = desktop(new_context, console)
    sign_in(page, office, "li.wei")
    page.locator("#show-followups").click()
    item = page.locator(".followup[data-kind=rating]", has_text=suggestion)
    expect(item).to_be_visible()
    expect(item.locator(".followup-level")).to_have_text("非常不满意（1 分）")
    expect(item.locator(".followup-suggestion")).to_contain_text(suggestion)
    expect(item.locator(".followup-title")).not_to_have_text("")
    item.locator("label", has_text="未能联系上市民").click()
    item.get_by_label("回访结果（联系情况、市民的意见、后续处理）").fill("评价未留联系方式，意见已转公交集团。")
    item.get_by_role("button", name="记录回访结果").click()
    expect(page.locator("#followups-status")).to_contain_text("的回访结果")
    expect(item).to_have_count(0)
    page.locator("#followups-tab-recorded").click()
    expect(page.locator(".followup[data-kind=rating]", has_text=suggestion)).to_contain_text("未能联系上市民")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots(office, new_context, console, results_dir, lang):
    citizen, letter = citizen_writes(office, f"截图：噪音扰民（{lang}）", "夜里施工噪音很大。", contact="13600002222")
    staff = staff_client(office, "li.wei")
    identifier = answer_letter(staff, letter["code"], "已要求施工单位夜间停工。")
    citizen.ok("POST", f"/api/threads/{letter['code']}/satisfaction", {"level": 1})
    _, late = citizen_writes(office, f"截图：逾期的来信（{lang}）", "人行道被占。")
    backdate_letter(office, late["code"], 8)
    english = lang == "en"
    for name, size in (("390x844", MOBILE), ("1280x720", DESKTOP), ("1920x1080", WIDE)):
        page = console.watch(new_context(locale="zh-CN", **size).new_page())
        sign_in(page, office, "li.wei")
        if english:
            page.locator(".lang-toggle").click()
        expect(row(page, late["code"])).to_have_attribute("data-due", "overdue")
        page.screenshot(path=str(results_dir / f"console-inbox-due-{lang}-{name}.png"))
        page.locator("#show-followups").click()
        expect(page.locator(f'.followup[data-thread="{identifier}"]')).to_be_visible()
        page.screenshot(path=str(results_dir / f"console-followups-{lang}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        page.context.close()

        letter_page = console.watch(new_context(locale="zh-CN", **size).new_page())
        letter_page.goto(f"{office.url}/t/{letter['code']}" + ("?lang=en" if english else ""))
        expect(letter_page.locator("#rate-answer")).to_be_visible()
        expect(letter_page.locator("#answer-followup")).to_be_visible()
        letter_page.locator("#rate-answer").scroll_into_view_if_needed()
        letter_page.screenshot(path=str(results_dir / f"thread-rating-{lang}-{name}.png"), full_page=True)
        assert letter_page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        letter_page.context.close()
    assert staff.ok("GET", f"/api/staff/threads/{identifier}")["thread"]["satisfaction"] == 1
