"""End to end, in a real Chromium: issue 10's whole journey, four people in four browsers at once.

A citizen writes to the mayor on a phone and agrees to publication, leaving a phone number in the letter; the office
answers on the console and writes the public version; a moderator approves it after editing the phone number out; a
fourth browser, on the public message board, sees it appear without reloading and never the phone number; the
citizen rates the answer 2 on the letter's page, a follow-up opens on the console without reloading, and the figures
page moves without reloading. A screenshot of each page on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer
from direct_line_kit import add_user, sign_in, sign_in_moderation

expect.set_options(timeout=15_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720}, timezone_id="Asia/Shanghai")
LIMITS = ("directLine: {threadsPerCitizenPerHour: 100, threadsPerIpPerHour: 1000, messagesPerCitizenPerMinute: 100, "
          "messagesPerIpPerMinute: 1000, codeLookupsPerIpPerMinute: 1000, figuresIntervalMs: 200}")
PHONE_NUMBER = "13987654321"
SUBJECT = "东门路灯坏了一个月"
LETTER = f"小区东门的路灯坏了一个月，晚上很黑，老人出门不方便。我的电话 {PHONE_NUMBER}。"
ANSWER = "您好，路灯已列入本周维修计划，周五前修好。"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("journey"), extra_config=[LIMITS])
    server.start()
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    add_user(server, "mod.chen", "moderator", (), "陈审核")
    yield server
    server.stop_cleanly()


def mark(page: Page) -> None:
    page.evaluate("window.e2eNotReloaded = true")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.e2eNotReloaded === true")


def figure(page: Page, name: str):
    return page.locator(f'.figs-tile[data-figure="{name}"] .figs-tile-value')


def test_a_letter_becomes_a_public_reply_and_its_rating_moves_the_figures(city, new_context, console, results_dir):
    # The public: the message board and the figures page stay open, live.
    public = console.watch(new_context(locale="zh-CN", **DESKTOP).new_page())
    public.goto(city.url + "/messages")
    expect(public.locator('body[data-live-synced="true"]')).to_be_attached()
    mark(public)
    figures = console.watch(new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080}).new_page())
    figures.goto(city.url + "/figures")
    expect(figures.locator('body[data-live-synced="true"]')).to_be_attached()
    received_before = int(figure(figures, "received").inner_text())
    rated_before = int(figures.locator("#sat-summary").get_attribute("data-rated") or "0")
    mark(figures)

    # 1. The citizen writes on a phone and agrees to publication.
    citizen = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    citizen.goto(city.url + "/write")
    citizen.locator("label[for=kind-complaint]").click()
    citizen.get_by_label("标题", exact=True).fill(SUBJECT)
    citizen.get_by_label("内容", exact=True).fill(LETTER)
    citizen.locator("label[for=publish]").click()
    expect(citizen.locator("#publish")).to_be_checked()
    citizen.get_by_role("button", name="提交来信").click()
    # The code shows once the server has committed the letter (a busy machine takes a while).
    expect(citizen.locator("#query-code")).to_have_text(re.compile(r"^\S{10}$"))
    code = citizen.locator("#query-code").inner_text()
    citizen.screenshot(path=str(results_dir / "journey-1-written-390x844.png"), full_page=True)
    citizen.get_by_role("link", name="查看这封信").click()
    expect(citizen.locator('body[data-live-synced="true"]')).to_be_attached()
    mark(citizen)
    # The figures count it, without reloading.
    expect(figure(figures, "received")).to_have_text(str(received_before + 1))

    # 2. The office answers on the console and writes the public version.
    office = console.watch(new_context(locale="zh-CN", **DESKTOP).new_page())
    sign_in(office, city, "li.wei")
    office.locator(f'.inbox-row[data-code="{code}"]').click()
    expect(office.locator('#case[data-synced="true"]')).to_be_attached()
    mark(office)
    composer = office.get_by_label("答复内容", exact=True)
    composer.fill(ANSWER)
    composer.press("Enter")
    expect(citizen.locator("#entries .entry-staff .entry-body")).to_have_text(ANSWER)
    expect(office.locator("#public-form")).to_be_visible()
    expect(office.locator("#public-question")).to_have_value(LETTER)
    expect(office.locator("#public-answer")).to_have_value(ANSWER)
    office.locator("#public-submit").click()
    expect(office.locator("#public-badge")).to_have_text("待审核")
    office.screenshot(path=str(results_dir / "journey-2-console-1280x720.png"), full_page=True)

    # 3. The moderator edits the phone number out and approves.
    moderator = console.watch(new_context(locale="zh-CN", **DESKTOP).new_page())
    sign_in_moderation(moderator, city, "mod.chen")
    row = moderator.locator("#queue-list .queue-row").filter(has_text="小区东门的路灯坏了一个月")
    expect(row).to_be_visible()
    row.click()
    expect(moderator.locator("#item-question")).to_have_value(LETTER)
    edited = LETTER.replace(f"我的电话 {PHONE_NUMBER}。", "")
    moderator.locator("#item-question").fill(edited)
    expect(moderator.locator("#edit-preview del")).to_contain_text(PHONE_NUMBER)
    moderator.screenshot(path=str(results_dir / "journey-3-moderator-1280x720.png"), full_page=True)
    moderator.locator("#approve").click()
    expect(moderator.locator("#item-status")).to_have_text("已公开")

    # 4. The public board shows it without reloading, as edited; the office's console hears the approval.
    item = public.locator(".pub-message").filter(has_text="路灯已列入本周维修计划")
    expect(item).to_be_visible()
    expect(item.locator(".pub-msg-question .pub-msg-text")).to_have_text(edited.strip())
    expect(public.locator("body")).not_to_contain_text(PHONE_NUMBER)
    assert not_reloaded(public), "the board was reloaded"
    public.screenshot(path=str(results_dir / "journey-4-board-1280x720.png"), full_page=True)
    expect(office.locator("#public-badge")).to_have_text("已公开")

    # 5. The citizen rates the answer 2 on the letter's page; a follow-up opens on the console, live.
    office.locator("#show-followups").click()
    followup = office.locator(".followup").filter(has_text=SUBJECT)
    expect(followup).to_have_count(0)
    card = citizen.locator("#rate-answer")
    expect(card).to_be_visible()
    card.locator("label[for=answer-level-2]").click()
    card.locator("#answer-rate-submit").click()
    expect(card.locator("#answer-rating")).to_have_text("您的评价：不满意（2 分）")
    citizen.screenshot(path=str(results_dir / "journey-5-rated-390x844.png"), full_page=True)
    expect(followup).to_be_visible()
    expect(followup.locator(".followup-level")).to_have_text("不满意（2 分）")
    office.screenshot(path=str(results_dir / "journey-5-followup-1280x720.png"), full_page=True)

    # 6. The figures page has moved without reloading: answered, and a rating of 2.
    expect(figure(figures, "answered")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(figures.locator("#sat-summary")).to_have_attribute("data-rated", str(rated_before + 1))
    assert not_reloaded(figures), "the figures page was reloaded"
    figures.screenshot(path=str(results_dir / "journey-6-figures-1920x1080.png"), full_page=True)
    for page in (citizen, office):
        assert not_reloaded(page), f"{page.url} was reloaded"
