"""End to end, in a real Chromium: the citizen's letter page (/t/<code>) when things go wrong.

- The address used up its wrong query codes while the page was away: when it comes back, its subscription is refused
  with `limit.rate`. The page does not claim to be live, does not blame the message waiting to go out ("请求格式有误"
  was shown), tries again after the `retryAfter` the server named, and then sends the message once.
- The letter moves to another department while the page is open: "办理单位" follows without a reload.
- A message over the limit is refused before it is sent, naming the limit; the English counter says "1 character".

Its own server: the wrong-code budget is small (20 a minute, one back every 3 s) so that the wait is short.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import PHONE, LastWordServer
from direct_line_kit import Client, action_id, add_user, citizen_letter, staff_client, thread_id

expect.set_options(timeout=10_000)

LIMITS = ("directLine: {threadsPerCitizenPerHour: 100, threadsPerIpPerHour: 1000, messagesPerCitizenPerMinute: 100, "
          "messagesPerIpPerMinute: 1000, codeLookupsPerIpPerMinute: 20}")


@pytest.fixture(scope="module")
def lookups_server(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("thread-page"), extra_config=[LIMITS])
    server.start()
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    yield server
    server.stop_cleanly()


def test_a_refused_subscription_is_retried_and_never_blamed_on_a_message(lookups_server, new_context, console, results_dir):
    console.allow("429")  # Chromium logs refused requests, if the page makes one
    server = lookups_server
    letter = citizen_letter(server, "限流后重新订阅", "请回复。")
    page = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    sockets = []
    gate = {"open": True}

    def websocket(route):
        if gate["open"]:
            route.connect_to_server()
            sockets.append(route)
        else:
            route.close()

    page.route_web_socket(re.compile(r"/ws$"), websocket)
    page.goto(f"{server.url}/t/{letter['code']}")
    live = page.locator("#live-text")
    expect(live).to_have_text("实时更新")

    # The page loses its socket; meanwhile someone on the same address guesses codes until refused.
    gate["open"] = False
    sockets[-1].close()
    expect(live).not_to_have_text("实时更新")
    # Rate limits are per node: through a cluster's proxy (round robin), the budget has run out everywhere once as many
    # guesses in a row as there are nodes were refused.
    guesser = Client(server)
    refused_in_a_row = 0
    for _ in range(40 * len(server.nodes)):
        status, _answer = guesser.call("GET", "/api/threads/ABCDEFGHJK")
        refused_in_a_row = refused_in_a_row + 1 if status == 429 else 0
        if refused_in_a_row == len(server.nodes):
            break
    assert refused_in_a_row == len(server.nodes), "the wrong-code budget never ran out"

    message = "限流期间写的留言"
    page.locator("#message").fill(message)
    page.locator("#message").press("Enter")
    pending = page.locator("#entries li[data-pending]")
    expect(pending).to_have_count(1)

    gate["open"] = True
    # Subscribed again, refused for the rate: paused, not live, and the message is not refused for it.
    expect(live).to_have_text(re.compile(r"^实时更新暂停，\d+ 秒后重试…$"))
    expect(page.locator("#composer-status")).to_have_text("")
    expect(pending).to_have_count(1)
    expect(pending.locator(".entry-pending")).to_have_text("实时连接恢复后将自动发送…")
    page.screenshot(path=str(results_dir / "thread-paused-390x844.png"), full_page=True)

    # After retryAfter: subscribed, caught up, and the message goes out once.
    expect(live).to_have_text("实时更新", timeout=20_000)
    expect(page.locator("#entries .entry-citizen .entry-body", has_text=message)).to_have_count(1)
    expect(pending).to_have_count(0)
    expect(page.locator("#composer-status")).to_have_text("")
    staff = staff_client(server, "li.wei")
    entries = staff.ok("GET", f"/api/staff/threads/{thread_id(staff, letter['code'])}")["entries"]
    assert [e["body"] for e in entries if e["kind"] == "citizen"].count(message) == 1


def test_the_department_follows_a_route_and_long_messages_are_refused(lookups_server, new_context, console):
    server = lookups_server
    letter = citizen_letter(server, "办理单位更新", "请转交相关部门。")
    page = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    page.goto(f"{server.url}/t/{letter['code']}")
    expect(page.locator("#live-text")).to_have_text("实时更新")
    expect(page.locator("#thread-meta")).to_contain_text("办理单位：市长办公室")
    staff = staff_client(server, "li.wei")
    staff.ok("POST", f"/api/staff/threads/{thread_id(staff, letter['code'])}/route", {"id": action_id(), "department": "education"})
    expect(page.locator("#thread-meta")).to_contain_text("办理单位：市教育局")

    box = page.locator("#message")
    box.fill("长" * 2001)
    expect(page.locator("#message-counter")).to_have_text("已超出 1 字")
    box.press("Enter")
    expect(page.locator("#composer-status")).to_have_text("留言最多 2,000 字，请删减后再发送。")
    expect(page.locator("#entries li[data-pending]")).to_have_count(0)
    page.get_by_role("button", name="English").click()
    expect(page.locator("#message-counter")).to_have_text("1 character too many")
    expect(page.locator("#composer-status")).to_have_text("A message can have at most 2,000 characters; please shorten it.")
    box.fill("长" * 2003)
    expect(page.locator("#message-counter")).to_have_text("3 characters too many")
