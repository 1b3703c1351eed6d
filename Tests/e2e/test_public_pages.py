"""End to end, in a real Chromium: the public pages of issue 10 (docs/PROTOCOL.md "Public replies, moderation and the
openness figures").

- /messages: an approved public version appears without reload (as the moderator edited it), a withdrawn one goes;
  filters by department and project (kept in the address, live items filtered too); "load more"; the empty state;
  the public moderation log (?view=log) names action, category and reason but never a note or an unpublished text.
- /figures: the numbers are those of GET /api/figures, and they move without reload when a letter is answered and its
  answer rated; another period (dates) reads its own figures, again when letters change; the CSV has the same period.
- /report: prints on A4 (Chromium's PDF) on two to four pages with every project, the period and the printing date.
- Links from / and /board; every page at 390×844, 1280×720 and 1920×1080 in Chinese and English without horizontal
  overflow or text under 12 px; no console error and no Content-Security-Policy violation anywhere.

Each test runs against a server of its own (generous letter limits), so the numbers it sees are its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SCREEN, LastWordServer
from direct_line_kit import Client, action_id
from public_kit import (
    LIMITS, add_people, answer, approve, decide, horizontal_overflow, published_letter, rate_answer, route,
    smallest_text, submit_public, write_letter,
)

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720})
CHINA = timezone(timedelta(hours=8))
PROJECTS_ZH = ["新建改扩建中小学校", "新开和优化公交线路", "社区居家养老服务中心", "老旧小区改造", "基层医疗机构提升",
               "农村饮水安全巩固提升", "新增公共停车泊位", "普惠托育服务", "农贸市场标准化改造", "职业技能培训"]


class Public:
    def __init__(self, server: LastWordServer):
        self.server = server
        self.office, self.moderator = add_people(server)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def public(tmp_path):
    server = LastWordServer(tmp_path, extra_config=[LIMITS])
    server.start()
    yield Public(server)
    server.stop_cleanly()


def open_page(new_context, console, url: str, device: dict | None = None, locale: str = "zh-CN") -> Page:
    page = console.watch(new_context(locale=locale, **(device or DESKTOP)).new_page())
    page.goto(url)
    return page


def mark(page: Page) -> None:
    page.evaluate("window.e2eNotReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.e2eNotReloaded === true"), f"{page.url} was reloaded"


def wait_live(page: Page) -> None:
    expect(page.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")


# MARK: the message board


def test_an_approved_reply_appears_live_as_edited_and_a_withdrawn_one_goes(public, new_context, console, results_dir):
    board = open_page(new_context, console, public.url + "/messages", PHONE)
    expect(board.locator("#board-status")).to_have_text(re.compile("还没有公开的答复"))
    wait_live(board)
    mark(board)

    # A citizen writes with a phone number and agrees to publication; the office answers and writes a public version
    # that still carries the number; the moderator edits it out and approves.
    letter = write_letter(public.server, public.office, "路灯坏了", "我家门口的路灯坏了，联系电话 13912345678", kind="complaint",
                          project="public-parking", contact="13912345678")
    route(public.office, letter, "urban-management")
    answer(public.office, letter, "您好，已安排维修，三天内修复。")
    version = submit_public(public.office, letter, "我家门口的路灯坏了，联系电话 13912345678", "您好，已安排维修，三天内修复。")
    approve(public.moderator, version, question="我家门口的路灯坏了。")

    item = board.locator(f'.pub-message[data-id="{version}"]')
    expect(item).to_be_visible()
    expect(item.locator(".pub-msg-question .pub-msg-text")).to_have_text("我家门口的路灯坏了。")
    expect(item.locator(".pub-msg-answer .pub-msg-text")).to_have_text("您好，已安排维修，三天内修复。")
    expect(item.locator(".pub-msg-dept")).to_have_text("市城市管理局")
    expect(item.locator(".pub-msg-project")).to_have_text("项目：新增公共停车泊位")
    expect(item.locator(".pub-kind")).to_have_text("投诉")
    expect(item.locator(".pub-msg-answered")).to_contain_text("答复于")
    expect(item.locator(".pub-new")).to_have_text("新")
    expect(board.locator("#board-status")).to_be_hidden()
    expect(board.locator("#board-announce")).to_have_text(re.compile("新公开 1 条答复"))
    assert "13912345678" not in board.content()
    board.screenshot(path=str(results_dir / "public-messages-live-phone.png"), full_page=True)

    # A second one lands above it (newest first).
    _, second = published_letter(public.server, public.office, public.moderator, "新学校什么时候招生？", "计划9月开学。",
                                  project="new-schools", department="education")
    expect(board.locator(".pub-message")).to_have_count(2)
    expect(board.locator(".pub-message").first).to_have_attribute("data-id", str(second))

    # The moderator takes the first down: it goes without reload.
    decide(public.moderator, version, "withdraw", "consent-withdrawn", "SECRET-NOTE-来信人来电要求撤下")
    expect(item).to_have_count(0)
    expect(board.locator(".pub-message")).to_have_count(1)
    assert_not_reloaded(board)

    # The same page, read afresh, agrees with what the live page shows.
    fresh = open_page(new_context, console, public.url + "/messages", PHONE)
    expect(fresh.locator(".pub-message")).to_have_count(1)
    expect(fresh.locator(f'.pub-message[data-id="{second}"]')).to_be_visible()


def test_the_board_and_the_figures_catch_up_after_a_restart(public, new_context, console):
    """While the pages cannot subscribe (the server restarted, their socket held shut), a reply is withdrawn, another
    published and a letter answered; once they subscribe again they show it all, without reload."""
    console.allow("WebSocket connection to")  # attempts while the socket is held shut
    console.allow("net::ERR_CONNECTION_REFUSED")
    server, office, moderator = public.server, public.office, public.moderator
    _, old = published_letter(server, office, moderator, "路口积水", "已疏通下水道。", department="water")
    gate = {"open": True}

    def websocket(route):
        if gate["open"]:
            route.connect_to_server()
        else:
            route.close()

    pages = []
    for path in ("/messages", "/figures"):
        page = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
        page.route_web_socket(re.compile(r"/ws$"), websocket)
        page.goto(server.url + path)
        wait_live(page)
        mark(page)
        pages.append(page)
    board, figures = pages
    expect(board.locator(f'.pub-message[data-id="{old}"]')).to_be_visible()
    answered = figures.locator('.figs-tile[data-figure="answered"] .figs-tile-value')
    expect(answered).to_have_text("1")

    gate["open"] = False
    server.restart()
    for page in pages:
        expect(page.locator("#live-indicator")).not_to_have_attribute("data-state", "open")
    decide(moderator, old, "withdraw", "other", "撤下")
    _, new = published_letter(server, office, moderator, "公园厕所太少", "年内新建两座。", department="urban-management")
    expect(board.locator(f'.pub-message[data-id="{old}"]')).to_be_visible()  # not told yet
    expect(answered).to_have_text("1")

    gate["open"] = True
    expect(board.locator(f'.pub-message[data-id="{new}"]')).to_be_visible(timeout=30_000)
    expect(board.locator(f'.pub-message[data-id="{old}"]')).to_have_count(0)
    expect(answered).to_have_text("2", timeout=30_000)
    for page in pages:
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
        assert_not_reloaded(page)


def test_the_moderation_log_says_what_was_decided_and_why_but_never_the_note(public, new_context, console, results_dir):
    letter = write_letter(public.server, public.office, "噪音", "楼下商铺噪音扰民，我叫张三，住3栋", kind="complaint")
    answer(public.office, letter, "已通知执法部门核查。")
    rejected = submit_public(public.office, letter, "楼下商铺噪音扰民，我叫张三，住3栋", "已通知执法部门核查。")
    decide(public.moderator, rejected, "reject", "personal-data", "SECRET-NOTE-请删去姓名和楼栋")
    edited = submit_public(public.office, letter, "楼下商铺噪音扰民，我叫张三", "已通知执法部门核查。")
    approve(public.moderator, edited, question="楼下商铺噪音扰民。")
    decide(public.moderator, edited, "withdraw", "inaccurate", "SECRET-NOTE-答复需补充处理结果")

    page = open_page(new_context, console, public.url + "/messages", DESKTOP)
    expect(page.locator('body[data-messages-loaded="true"]')).to_be_attached()
    # Keyboard: the log is a link away, and Back returns to the board.
    page.locator("#view-log").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/messages\?view=log$"))
    expect(page.locator("#log-view")).to_be_visible()
    expect(page.locator("#view-log")).to_have_attribute("aria-current", "page")
    expect(page.locator("#log-view .pub-explain")).to_contain_text("每条公开答复都经审核员审核后才会公开")

    rows = page.locator("#log-body tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".pub-log-action")).to_have_text("撤下")
    expect(rows.nth(0).locator(".pub-log-reason")).to_have_text("答复不准确或未回应问题")
    expect(rows.nth(1).locator(".pub-log-action")).to_have_text("修改后通过")
    expect(rows.nth(2).locator(".pub-log-action")).to_have_text("退回修改")
    expect(rows.nth(2).locator(".pub-log-reason")).to_have_text("含有个人信息")
    expect(rows.nth(2).locator(".pub-log-department")).to_have_text("市长办公室")
    expect(rows.nth(2).locator(".pub-log-kind")).to_have_text("投诉")
    html = page.content()
    for secret in ("SECRET-NOTE", "张三", "3栋", "噪音", letter.code, "陈明审", "李公开", "pub.moderator", "pub.office"):
        assert secret not in html, f"the public log shows {secret!r}"
    page.screenshot(path=str(results_dir / "public-log-desktop.png"), full_page=True)

    # In English, the reasons are the categories' English wording.
    page.locator(".lang-toggle").click()
    expect(rows.nth(0).locator(".pub-log-action")).to_have_text("Taken down")
    expect(rows.nth(2).locator(".pub-log-reason")).to_have_text("Contains personal information")
    expect(page.locator("#live-text")).to_have_text("Live")  # the live state shown, in English
    page.locator(".lang-toggle").click()

    page.go_back()
    expect(page.locator("#board-view")).to_be_visible()
    expect(page.locator("#log-view")).to_be_hidden()
    expect(page.locator("#board-status")).to_have_text(re.compile("还没有公开的答复"))


def test_filters_by_department_and_project_also_for_live_items(public, new_context, console):
    server, office, moderator = public.server, public.office, public.moderator
    _, bus = published_letter(server, office, moderator, "公交站加遮雨棚", "本月完成。", project="bus-lines", department="transport")
    _, road = published_letter(server, office, moderator, "路口红绿灯太短", "已延长。", department="transport")
    _, school = published_letter(server, office, moderator, "学校门口拥堵", "增派交警。", project="new-schools", department="education")

    page = open_page(new_context, console, public.url + "/messages?department=transport", PHONE)
    expect(page.locator("#filter-department")).to_have_value("transport")
    expect(page.locator(".pub-message")).to_have_count(2)
    expect(page.locator(f'.pub-message[data-id="{school}"]')).to_have_count(0)
    expect(page.locator("#filters-clear")).to_be_visible()
    wait_live(page)
    mark(page)

    page.locator("#filter-project").select_option("bus-lines")
    expect(page).to_have_url(re.compile(r"department=transport&project=bus-lines"))
    expect(page.locator(".pub-message")).to_have_count(1)
    expect(page.locator(f'.pub-message[data-id="{bus}"]')).to_be_visible()

    # Live: an item of another department stays out, one that matches comes in.
    published_letter(server, office, moderator, "学校食堂", "已整改。", project="new-schools", department="education")
    _, more_bus = published_letter(server, office, moderator, "公交班次太少", "加密班次。", project="bus-lines", department="transport")
    expect(page.locator(f'.pub-message[data-id="{more_bus}"]')).to_be_visible()
    expect(page.locator(".pub-message")).to_have_count(2)

    page.locator("#filter-department").select_option("education")
    expect(page.locator("#board-status")).to_have_text("没有符合筛选条件的公开答复。")
    page.locator("#filters-clear").click()
    expect(page).to_have_url(re.compile(r"/messages$"))
    expect(page.locator(".pub-message")).to_have_count(5)
    expect(page.locator("#filter-department")).to_be_focused()
    assert_not_reloaded(page)
    _ = road


def test_load_more_pages_through_the_board(public, new_context, console):
    server, office, moderator = public.server, public.office, public.moderator
    versions = [published_letter(server, office, moderator, f"第{n}封来信：路面坑洼", f"第{n}条答复：已修补。")[1] for n in range(23)]

    page = open_page(new_context, console, public.url + "/messages", DESKTOP)
    expect(page.locator(".pub-message")).to_have_count(20)
    expect(page.locator(".pub-message").first).to_have_attribute("data-id", str(versions[-1]))
    expect(page.locator("#list-end")).to_be_hidden()
    page.locator("#load-more").click()
    expect(page.locator(".pub-message")).to_have_count(23)
    expect(page.locator("#load-more")).to_be_hidden()
    expect(page.locator("#list-end")).to_be_visible()
    expect(page.locator(".pub-message").last).to_have_attribute("data-id", str(versions[0]))
    # The keyboard lands where the new items start.
    expect(page.locator(".pub-message").nth(20).locator("article")).to_be_focused()


# MARK: the figures


def percent(share: float | None) -> str:
    """What Intl.NumberFormat("zh-CN", {style: "percent", maximumFractionDigits: 1}) writes."""
    if share is None:
        return "—"
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def assert_figures_shown(page: Page, figures: dict) -> None:
    overall = figures["overall"]
    tile = lambda key: page.locator(f'.figs-tile[data-figure="{key}"] .figs-tile-value')  # noqa: E731
    expect(tile("received")).to_have_text(str(overall["received"]))
    expect(tile("answered")).to_have_text(str(overall["answered"]))
    expect(tile("invalid")).to_have_text(str(overall["invalid"]))
    expect(tile("overdue")).to_have_text(str(overall["overdue"]))
    expect(tile("replyRate")).to_have_text(percent(overall["replyRate"]))
    expect(tile("within")).to_have_text(percent(overall["shareWithinLimit"]))
    expect(tile("medianFirst")).to_have_text(days(overall["medianFirstResponseWorkingDays"]))
    expect(tile("medianAnswer")).to_have_text(days(overall["medianAnswerWorkingDays"]))
    expect(page.locator("#sat-rows")).to_have_attribute("data-counts", ",".join(map(str, overall["satisfaction"])))
    for department in figures["departments"]:
        row = page.locator(f'#departments-body tr[data-department="{department["id"]}"]')
        if department["figures"]["received"] == 0:
            expect(row).to_have_count(0)
        else:
            expect(row.locator("td[data-column=received]")).to_have_text(str(department["figures"]["received"]))
            expect(row.locator("td[data-column=answered]")).to_have_text(str(department["figures"]["answered"]))


def test_the_figures_are_the_api_s_and_move_live(public, new_context, console, results_dir):
    server, office = public.server, public.office
    # Some history: answered and rated, unanswered, invalid.
    rated, _ = published_letter(server, office, public.moderator, "公交站遮雨棚", "本月完成。", department="transport")
    rate_answer(rated, 4)
    write_letter(server, office, "还没有答复的信", "请尽快处理。")
    spam = write_letter(server, office, "广告", "广告内容")
    office.ok("POST", f"/api/staff/threads/{spam.id}/status", {"id": action_id(), "status": "invalid", "reason": "广告"})

    page = open_page(new_context, console, public.url + "/figures", PHONE)
    expect(page.locator('body[data-figures-loaded="true"]')).to_be_attached()
    wait_live(page)
    figures = server.api("/api/figures")
    assert figures["overall"]["received"] == 3 and figures["overall"]["invalid"] == 1
    assert_figures_shown(page, figures)
    expect(page.locator("#limits-text")).to_have_text("承诺时限：1 个工作日内首次响应、5 个工作日内答复。")
    expect(page.locator("#calendar-note")).to_be_hidden()  # the 2026 calendar file covers the period so far
    expect(page.locator("#csv-link")).to_have_attribute("href", "/api/figures.csv")
    expect(page.locator("#report-link")).to_have_attribute("href", "/report?campaign=demo-2026")
    expect(page.locator("#definitions li")).to_have_count(10)
    mark(page)

    # A letter is answered: the figures move without reload.
    letter = write_letter(server, office, "路灯不亮", "请修理。")
    expect(page.locator('.figs-tile[data-figure="received"] .figs-tile-value')).to_have_text("4")
    answer(office, letter, "已修好。")
    expect(page.locator('.figs-tile[data-figure="answered"] .figs-tile-value')).to_have_text("2")
    # Its writer rates the answer 2 ("dissatisfied"): the distribution moves.
    rate_answer(letter, 2)
    expect(page.locator("#sat-rows")).to_have_attribute("data-counts", "0,1,0,1,0")
    expect(page.locator("#sat-summary")).to_contain_text("2 位来信人评价了答复")
    assert_not_reloaded(page)
    assert_figures_shown(page, server.api("/api/figures"))
    page.screenshot(path=str(results_dir / "public-figures-live-phone.png"), full_page=True)


def test_the_figures_say_when_no_holiday_calendar_covers_their_days(tmp_path, new_context, console, results_dir):
    # A server without calendar files: this year's working days are Monday to Friday, and the page says so.
    server = LastWordServer(tmp_path, extra_config=[LIMITS, "calendar: {files: []}"])
    server.start()
    try:
        year = datetime.now(CHINA).year
        assert server.api("/api/figures")["calendar"]["uncoveredYears"] == [year]
        page = open_page(new_context, console, server.url + "/figures", DESKTOP)
        wait_live(page)
        expect(page.locator("#calendar-note")).to_have_text(
            f"{year} 年的节假日安排尚未载入：这些日子的工作日暂按周一至周五计算，未计入法定节假日和调休。")
        page.locator(".lang-toggle").click()
        expect(page.locator("#calendar-note")).to_contain_text(f"The public holiday calendar for {year} is not loaded yet")
        expect(page.locator("#live-text")).to_have_text("Live")  # the state shown, translated (not "Connecting…" again)
        page.screenshot(path=str(results_dir / "public-figures-no-calendar-1280x720.png"))
    finally:
        server.stop_cleanly()


def test_another_period_reads_its_own_figures_and_its_csv(public, new_context, console):
    server, office = public.server, public.office
    published_letter(server, office, public.moderator, "公园路灯", "已修复。", department="urban-management")
    today = datetime.now(CHINA).date().isoformat()
    yesterday = (datetime.now(CHINA).date() - timedelta(days=1)).isoformat()

    page = open_page(new_context, console, public.url + "/figures", DESKTOP)
    expect(page.locator('body[data-figures-loaded="true"]')).to_be_attached()
    wait_live(page)
    page.locator("#period-select").select_option("custom")
    expect(page.locator("#custom-dates")).to_be_visible()
    # The dates come next in tab order (this month so far, to start with).
    page.locator("#period-select").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#period-from")).to_be_focused()
    expect(page.locator("#period-to")).to_have_value(today)
    # A wrong range is refused with a message.
    page.locator("#period-from").fill(today)
    page.locator("#period-to").fill(yesterday)
    page.locator("#period-apply").click()
    expect(page.locator("#period-error")).to_have_text("请填写开始和结束日期，结束日期不能早于开始日期。")
    page.locator("#period-from").fill(yesterday)
    page.locator("#period-to").fill(today)
    page.locator("#period-apply").click()
    expect(page).to_have_url(re.compile(rf"/figures\?from={yesterday}&to={today}$"))
    expect(page.locator("body")).to_have_attribute("data-live", "false")
    query = f"from={yesterday}&to={today}"
    assert_figures_shown(page, server.api(f"/api/figures?{query}"))
    expect(page.locator("#csv-link")).to_have_attribute("href", f"/api/figures.csv?{query}")
    mark(page)

    # The period's figures are read again when letters change.
    letter = write_letter(server, office, "井盖松动", "请处理。")
    answer(office, letter, "已加固。")
    expect(page.locator('.figs-tile[data-figure="answered"] .figs-tile-value')).to_have_text("2")
    assert_figures_shown(page, server.api(f"/api/figures?{query}"))
    assert_not_reloaded(page)

    # The CSV behind the link counts the same letters.
    with urllib.request.urlopen(server.url + page.locator("#csv-link").get_attribute("href"), timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        lines = response.read().decode("utf-8").splitlines()
    header = lines[0].split(",")
    overall = dict(zip(header, lines[1].split(",")))
    assert overall["department"] == "*" and overall["received"] == "2" and overall["answered"] == "2"

    # Back to the campaign: live again.
    page.go_back()
    expect(page.locator("body")).to_have_attribute("data-live", "true")
    expect(page.locator("#period-select")).to_have_value("campaign:demo-2026")


# MARK: the report


def test_the_report_prints_on_a_few_a4_pages_with_every_project(public, new_context, console, results_dir):
    server, office = public.server, public.office
    for level, slug in [(5, "new-schools"), (4, "bus-lines"), (2, "elder-care"), (5, "childcare"), (1, "village-water")]:
        citizen = Client(server)
        citizen.ok("GET", "/api/session")
        citizen.ok("POST", f"/api/projects/{slug}/rating", {"id": action_id(), "level": level})
    published_letter(server, office, public.moderator, "学校门口拥堵", "增派交警。", department="education")

    page = open_page(new_context, console, public.url + "/report?campaign=demo-2026", DESKTOP)
    expect(page.locator('body[data-report-loaded="true"]')).to_be_attached()
    report = server.api("/api/report?campaign=demo-2026")
    expect(page.locator("#projects-body tr")).to_have_count(len(report["projects"]))
    for project in report["projects"]:
        row = page.locator(f'#projects-body tr[data-project="{project["slug"]}"]')
        expect(row.locator(".report-project-title")).to_have_text(project["title"]["zh"])
        expect(row.locator("td").first).to_have_text(str(project["participants"]))
        expect(row.locator(".report-count")).to_have_text([str(n) for n in reversed(project["counts"])])
    expect(page.locator('#summary [data-stat="participants"] dd')).to_have_text(str(report["campaign"]["participants"]))
    expect(page.locator('#summary [data-stat="suggestions-received"] dd')).to_have_text(str(report["suggestions"]["received"]))
    expect(page.locator("#report-period")).to_contain_text("评价时间")
    expect(page.locator("#report-printed")).to_contain_text(f"打印时间：{datetime.now(CHINA).year}年")
    expect(page.locator('#figures-body tr[data-department="education"] td[data-column=answered]')).to_have_text("1")
    page.screenshot(path=str(results_dir / "public-report-desktop.png"), full_page=True)

    pdf = results_dir / "public-report.pdf"
    page.pdf(path=str(pdf), format="A4")
    pages = pdf_pages(pdf)
    assert 2 <= pages <= 4, f"the report prints on {pages} A4 pages"
    text = pdf_text(pdf)
    if text is not None:
        flat = re.sub(r"\s+", "", text)
        for title in PROJECTS_ZH:
            assert title in flat, f"{title} is not in the printed report"
        assert "打印时间" in flat and "评价时间" in flat
        assert "实时更新" not in flat and "打印报告" not in flat, "the toolbar or the live indicator was printed"
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(results_dir / "public-report-page")], check=True)


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def pdf_text(pdf: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_a_report_of_an_unknown_campaign_says_so(public, new_context, console):
    console.allow("404")  # the API's answer for the unknown campaign
    page = open_page(new_context, console, public.url + "/report?campaign=no-such-campaign", PHONE)
    expect(page.locator("#page-status")).to_contain_text("未找到这个评价活动")
    expect(page.locator("#page-status a")).to_have_attribute("href", "/report")
    expect(page.locator("#print-button")).to_be_disabled()


# MARK: links, layouts and languages


def test_links_lead_to_the_public_pages(public, new_context, console):
    home = open_page(new_context, console, public.url + "/", PHONE)
    expect(home.locator("#messages-link")).to_have_attribute("href", "/messages")
    expect(home.locator("#figures-link")).to_have_attribute("href", "/figures")
    home.locator("#figures-link").click()
    expect(home).to_have_url(public.url + "/figures")
    expect(home.locator('body[data-figures-loaded="true"]')).to_be_attached()
    home.locator(".footer-nav").get_by_role("link", name="公开留言板").click()
    expect(home).to_have_url(public.url + "/messages")

    board = open_page(new_context, console, public.url + "/board", SCREEN)
    links = board.locator(".board-public-links a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "/messages")
    expect(links.nth(1)).to_have_attribute("href", "/figures")
    assert horizontal_overflow(board) == 0
    board.locator(".lang-toggle").click()
    expect(links.nth(0)).to_have_text("Public replies")
    expect(links.nth(1)).to_have_text("Openness figures")


PAGES = {
    "messages": ("/messages", 'body[data-messages-loaded="true"]'),
    "log": ("/messages?view=log", 'body[data-log-loaded="true"]'),
    "figures": ("/figures", 'body[data-figures-loaded="true"]'),
    "report": ("/report", 'body[data-report-loaded="true"]'),
}
SIZES = {"phone": PHONE, "laptop": DESKTOP, "screen": SCREEN}


def test_every_public_page_fits_every_screen_in_both_languages(public, new_context, console, results_dir):
    server, office, moderator = public.server, public.office, public.moderator
    published_letter(server, office, moderator, "小区门口公交站没有遮雨棚，下雨天等车的老人和孩子都会淋雨，希望加装。",
                     "您好，已转交公交集团，本月内完成加装遮雨棚。", kind="suggestion", project="bus-lines", department="transport")
    letter, version = published_letter(server, office, moderator, "社区卫生服务中心周末不开门。", "自下月起周六上午开诊。",
                                       kind="complaint", project="community-clinics", department="health")
    rate_answer(letter, 2)
    decide(moderator, version, "withdraw", "incomplete", "需补充")
    write_letter(server, office, "还没有答复的信", "请尽快处理。")

    for size, device in SIZES.items():
        for lang in ("zh", "en"):
            page = console.watch(new_context(locale="zh-CN", **device).new_page())
            for name, (path, ready) in PAGES.items():
                page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
                expect(page.locator(ready)).to_be_attached()
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
                assert horizontal_overflow(page) == 0, f"{name} at {size} in {lang} is wider than the screen"
                assert smallest_text(page) >= 12, f"{name} at {size} in {lang} has text under 12 px"
                page.screenshot(path=str(results_dir / f"public-{name}-{size}-{lang}.png"), full_page=True)
            page.context.close()
