"""End to end, in a real Chromium: a citizen rates a project on a phone and the big screen moves without reloading.

The server is shared by the tests of this file (conftest.py); each test uses its own project, or compares with
the numbers it read first, so the order does not matter — except the server-restart test, which runs last.
"""

from __future__ import annotations

import json
import re
import subprocess

from playwright.sync_api import Page, expect

from conftest import PHONE, SCREEN, pump_until

expect.set_options(timeout=10_000)

CAMPAIGN = "demo-2026"


def open_phone(new_context, console, server, path: str, locale: str = "zh-CN") -> Page:
    page = console.watch(new_context(locale=locale, **PHONE).new_page())
    page.goto(server.url + path)
    return page


def open_board(new_context, console, server) -> Page:
    page = console.watch(new_context(locale="zh-CN", **SCREEN).new_page())
    page.goto(f"{server.url}/board?campaign={CAMPAIGN}")
    expect(page.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    return page


def number(page: Page, selector: str) -> int:
    return int(page.locator(selector).inner_text().replace(",", "").strip())


def tally(server, slug: str) -> dict:
    return server.api(f"/api/projects/{slug}")["tally"]


def scan(png, path) -> str:
    """What a QR scanner (Debian's zbarimg) reads in the image `png`, saved at `path`."""
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"no QR code found in {path}: {result.stderr}"
    return result.stdout.strip()


def test_rating_on_a_phone_moves_the_board(server, new_context, console, results_dir):
    slug = "bus-lines"
    before = tally(server, slug)

    # Person B: the big screen in the hall.
    board = open_board(new_context, console, server)
    tile = board.locator(f'.tile[data-slug="{slug}"]')
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"]))
    total_before = number(board, "#total-participants")
    expect(board.locator(".tile")).to_have_count(10)

    # Person A: scans the QR code with a phone.
    phone = open_phone(new_context, console, server, f"/p/{slug}")
    expect(phone.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(phone.locator("#project-title")).to_have_text("新开和优化公交线路")
    expect(phone.locator("#my-rating")).to_have_text("您还没有评价这个项目。")
    expect(phone.locator("#campaign-state")).to_have_text("评价进行中")

    phone.locator("label[for=level-4]").click()
    expect(phone.get_by_role("radio", name=re.compile("^满意"))).to_be_checked()
    phone.get_by_label("意见建议（选填）").fill("希望放学时段加开班次")
    expect(phone.locator("#suggestion-counter")).to_have_text("10 / 500")
    phone.get_by_role("button", name="提交评价").click()

    # A sees the rating confirmed, as the server stored it.
    expect(phone.locator("#rate-status")).to_have_text("感谢您的评价！已记录：满意。")
    expect(phone.locator("#my-rating")).to_have_text("您的评价：满意（4 分）")
    expect(phone.locator("#my-suggestion")).to_have_text("您的建议：希望放学时段加开班次")
    expect(phone.get_by_role("button", name="更新我的评价")).to_be_enabled()
    expect(phone.locator("#tally-participants")).to_have_text(str(before["participants"] + 1))

    # B, without reloading, sees the project's participants and distribution move, and the campaign total.
    counts = list(before["counts"])
    counts[3] += 1
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"] + 1))
    expect(tile.locator(".tile-stack")).to_have_attribute("data-counts", ",".join(map(str, counts)))
    expect(tile.locator(".stack-text")).to_contain_text(f"满意 {counts[3]}")
    expect(board.locator("#total-participants")).to_have_text(str(total_before + 1))
    assert board.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded

    phone.screenshot(path=str(results_dir / "project-phone.png"), full_page=True)
    board.screenshot(path=str(results_dir / "board.png"))

    # The server agrees: one participant more, at level 4.
    after = tally(server, slug)
    assert after["participants"] == before["participants"] + 1
    assert after["counts"] == counts

    # The English switch: kept across a reload, sets <html lang>, and the citizen's own rating follows.
    phone.get_by_role("button", name="Switch to English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#project-title")).to_have_text("New and improved bus lines")
    expect(phone.locator("#my-rating")).to_have_text("Your rating: Satisfied (4/5)")
    expect(phone.locator(".lang-toggle")).to_have_text("中文")
    phone.reload()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#my-rating")).to_have_text("Your rating: Satisfied (4/5)")
    expect(phone.locator("#level-4")).to_be_checked()
    expect(phone.get_by_label("Suggestion (optional)")).to_have_value("希望放学时段加开班次")
    phone.screenshot(path=str(results_dir / "project-phone-en.png"), full_page=True)

    # The board in English too (a hall with visitors): the layout still fits 1920×1080 without scrolling.
    board.get_by_role("button", name="Switch to English").click()
    expect(board.locator("#campaign-title")).to_have_text("2026 Livelihood Projects — You Have the Last Word")
    expect(tile.locator(".tile-title")).to_have_text("New and improved bus lines")
    assert board.evaluate("document.documentElement.scrollHeight <= innerHeight"), "the board scrolls"
    board.screenshot(path=str(results_dir / "board-en.png"))


def test_like_toggle_and_keyboard_rating(server, new_context, console):
    slug = "elder-care"
    before = tally(server, slug)
    phone = open_phone(new_context, console, server, f"/p/{slug}")
    expect(phone.locator('body[data-live-synced="true"]')).to_be_attached()
    like = phone.locator("#like-button")
    expect(like).to_have_attribute("aria-pressed", "false")

    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_text("已点赞")
    expect(phone.locator("#tally-likes")).to_have_text(str(before["likes"] + 1))
    assert tally(server, slug)["likes"] == before["likes"] + 1

    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(phone.locator("#tally-likes")).to_have_text(str(before["likes"]))

    # Errors are explained: no level chosen; a suggestion over 500 characters.
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#rate-status")).to_have_text("请先选择满意程度。")
    phone.get_by_label("意见建议（选填）").fill("好" * 501)
    expect(phone.locator("#suggestion-counter")).to_have_text("已超出 1 字")
    expect(phone.get_by_role("button", name="提交评价")).to_be_disabled()
    phone.get_by_label("意见建议（选填）").fill("")

    # The radio group works with the keyboard alone: focus, arrows, Enter on the button.
    phone.locator("#level-5").focus()
    phone.keyboard.press("ArrowDown")
    phone.keyboard.press("ArrowDown")
    expect(phone.locator("#level-3")).to_be_checked()
    phone.get_by_role("button", name="提交评价").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#my-rating")).to_have_text("您的评价：基本满意（3 分）")

    # The session reports the like and rating back after a reload.
    phone.reload()
    expect(phone.locator("#my-rating")).to_have_text("您的评价：基本满意（3 分）")
    expect(phone.locator("#like-button")).to_have_attribute("aria-pressed", "false")


def test_rating_resent_after_a_dropped_socket_counts_once(server, new_context, console):
    """The ack is lost with the socket: the page reconnects, sends the SAME id again, and the server says duplicate."""
    slug = "community-clinics"
    before = tally(server, slug)
    context = new_context(locale="zh-CN", **PHONE)
    page = console.watch(context.new_page())
    sent: list[dict] = []
    acks: list[dict] = []
    connections: list[int] = []

    def route(ws):
        upstream = ws.connect_to_server()
        number = len(connections)
        connections.append(number)

        def to_server(message):
            data = json.loads(message)
            if data.get("type") == "rate":
                sent.append(data)
            upstream.send(message)

        def to_page(message):
            data = json.loads(message)
            if data.get("type") == "ack":
                acks.append(data)
                if number == 0:
                    ws.close(code=4002, reason="test: the ack is lost with the connection")
                    return
            ws.send(message)

        ws.on_message(to_server)
        upstream.on_message(to_page)

    page.route_web_socket(re.compile(r"/ws$"), route)
    page.goto(f"{server.url}/p/{slug}")
    expect(page.locator('body[data-ws-open="true"]')).to_be_attached()
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()

    page.locator("label[for=level-2]").click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-rating")).to_have_text("您的评价：不满意（2 分）")
    expect(page.locator("#tally-participants")).to_have_text(str(before["participants"] + 1))

    assert len(connections) >= 2, "the page did not reconnect"
    # The page may show the rating (its state read again on reconnecting, the board's delta) before the answer to the
    # resent rating reaches it: through a cluster they come from different nodes.
    pump_until(page, lambda: len(acks) >= 2, "the answer to the resent rating")
    assert len(sent) == 2 and sent[0]["id"] == sent[1]["id"], sent
    assert [ack["status"] for ack in acks] == ["applied", "duplicate"], acks
    after = tally(server, slug)
    assert after["participants"] == before["participants"] + 1
    assert after["counts"][1] == before["counts"][1] + 1


def test_campaign_page_lists_every_project_live(server, new_context, console, results_dir):
    page = console.watch(new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page())
    page.goto(server.url + "/")
    expect(page.locator("#campaign-title")).to_have_text("2026年度民生实事 · 你说了算")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator(".project-card")).to_have_count(10)
    expect(page.locator("#campaign-state")).to_have_text("评价进行中")
    expect(page.locator("#campaign-window")).to_contain_text("中国标准时间")
    card = page.locator('.project-card[data-slug="new-schools"]')
    expect(card.get_by_role("link", name="新建改扩建中小学校", exact=True)).to_have_attribute("href", "/p/new-schools")
    expect(card.locator(".dist-row")).to_have_count(5)
    page.screenshot(path=str(results_dir / "campaign.png"), full_page=True)


def test_poster_prints_the_qr_code_on_one_page(server, new_context, console, results_dir):
    page = console.watch(new_context(locale="zh-CN", viewport={"width": 1000, "height": 1300}).new_page())
    page.goto(server.url + "/poster/new-schools")
    qr = page.get_by_role("img", name=re.compile("新建改扩建中小学校"))
    expect(qr).to_have_attribute("src", "/qr/new-schools.svg")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#project-url")).to_have_text(server.url + "/p/new-schools")
    expect(page.locator(".poster-cta")).to_have_text("扫码评价 · Scan to rate")
    page.screenshot(path=str(results_dir / "poster.png"), full_page=True)
    # A phone's scanner, shown the code as the browser draws it, opens the project's page.
    assert scan(qr.screenshot(), results_dir / "poster-qr.png") == server.url + "/p/new-schools"

    page.emulate_media(media="print")
    expect(page.locator(".poster-toolbar")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (results_dir / "poster.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) == 1, f"the poster prints on {len(pages)} pages"


def test_every_projects_poster_scans_to_its_own_page(server, new_context, console, tmp_path):
    page = console.watch(new_context(locale="en", viewport={"width": 1000, "height": 1300}).new_page())
    slugs = [project["slug"] for project in server.api(f"/api/campaigns/{CAMPAIGN}")["projects"]]
    assert len(slugs) == 10
    for slug in slugs:
        page.goto(f"{server.url}/poster/{slug}")
        qr = page.locator(f'img[src="/qr/{slug}.svg"]')
        expect(qr).to_have_js_property("complete", True)
        assert scan(qr.screenshot(), tmp_path / f"{slug}.png") == f"{server.url}/p/{slug}"


def test_policy_shows_the_servers_limits(server, new_context, console, results_dir):
    policy = server.api("/api/policy")
    page = open_phone(new_context, console, server, "/policy")
    limits = page.locator("#limits")
    expect(limits).to_have_attribute("data-loaded", "true")
    expect(limits).to_contain_text(f"每位访客：平均每秒最多 {policy['perCitizenPerSecond']:g} 次")
    expect(limits).to_contain_text(f"{policy['newCitizensPerIPPerHour']:,} 个新的匿名访客标识")
    page.get_by_role("button", name="Switch to English").click()
    expect(limits).to_contain_text(f"Per visitor: at most {policy['perCitizenPerSecond']:g} ratings or likes per second")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rating rules and privacy")
    page.screenshot(path=str(results_dir / "policy-phone-en.png"), full_page=True)


def test_board_asks_again_for_a_dropped_delta(server, new_context, console):
    """A delta lost on the way (as when the server keeps only the newest for a congested client): the next one shows
    a gap in `seq`, the board subscribes again with `since` and ends up with the right numbers."""
    slug = "public-parking"
    armed = {"on": False}
    dropped: list[dict] = []
    resubscribes: list[dict] = []

    def route(ws):
        upstream = ws.connect_to_server()

        def to_server(message):
            data = json.loads(message)
            if data.get("type") == "subscribe" and "since" in data:
                resubscribes.append(data)
            upstream.send(message)

        def to_page(message):
            data = json.loads(message)
            if armed["on"] and not dropped and data.get("type") == "delta":
                dropped.append(data)
                return
            ws.send(message)

        ws.on_message(to_server)
        upstream.on_message(to_page)

    board_page = console.watch(new_context(locale="zh-CN", **SCREEN).new_page())
    board_page.route_web_socket(re.compile(r"/ws$"), route)
    board_page.goto(f"{server.url}/board?campaign={CAMPAIGN}")
    expect(board_page.locator('body[data-live-synced="true"]')).to_be_attached()
    phone = open_phone(new_context, console, server, f"/p/{slug}")
    expect(phone.locator('body[data-live-synced="true"]')).to_be_attached()
    before = tally(server, slug)

    armed["on"] = True
    phone.locator("label[for=level-3]").click()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#my-rating")).to_have_text("您的评价：基本满意（3 分）")
    phone.locator("label[for=level-5]").click()
    phone.get_by_role("button", name="更新我的评价").click()
    expect(phone.locator("#my-rating")).to_have_text("您的评价：非常满意（5 分）")

    counts = list(before["counts"])
    counts[4] += 1
    tile = board_page.locator(f'.tile[data-slug="{slug}"]')
    expect(tile.locator(".tile-stack")).to_have_attribute("data-counts", ",".join(map(str, counts)))
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"] + 1))
    assert dropped, "no delta was dropped"
    assert any(r["since"] == dropped[0]["seq"] - 1 and r["topic"] == dropped[0]["topic"] for r in resubscribes), resubscribes


def test_refused_ratings_are_explained(server, new_context, console):
    """Refusals the test server cannot be pushed into cheaply are played by a WebSocket route: first a rate limit
    (answered with the request's id and retryAfter), then a refusal at commit time (the window closed meanwhile),
    which the server currently answers with "id": null (LiveSession.completed): the page must still match it to
    the pending rating and explain it."""
    slug = "childcare"
    answers = [
        lambda id: {"type": "error", "id": id, "error": "limit.rate", "message": "Too many actions; wait a moment.", "retryAfter": 2},
        lambda id: {"type": "error", "id": None, "error": "campaign.closed", "message": "Evaluation has closed."},
    ]

    def route(ws):
        upstream = ws.connect_to_server()

        def to_server(message):
            data = json.loads(message)
            if data.get("type") == "rate":
                ws.send(json.dumps(answers.pop(0)(data["id"])))
                return
            upstream.send(message)

        ws.on_message(to_server)

    page = console.watch(new_context(locale="zh-CN", **PHONE).new_page())
    page.route_web_socket(re.compile(r"/ws$"), route)
    page.goto(f"{server.url}/p/{slug}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    page.locator("label[for=level-1]").click()
    page.get_by_label("意见建议（选填）").fill("停车场夜间照明不足")
    submit = page.get_by_role("button", name="提交评价")
    submit.click()
    expect(page.locator("#rate-status")).to_have_text("操作过于频繁，请 2 秒后再试。")
    expect(submit).to_be_disabled()
    expect(submit).to_be_enabled()  # once retryAfter has passed
    submit.click()
    expect(page.locator("#rate-status")).to_have_text("评价已结束，感谢您的关注。")
    expect(page.locator("#campaign-state")).to_have_text("评价已结束")
    expect(page.locator("#submit-rating")).to_be_hidden()  # a closed campaign invites nothing
    expect(page.locator("#my-rating")).to_have_text("您还没有评价这个项目。")


def test_a_cookie_that_no_longer_verifies_is_replaced(server, new_context, console):
    """A citizen cookie from another server (or edited): the server refuses it (401 citizen.invalid) and clears it;
    the pages get a new identity and carry on, the phone can rate, the board goes live."""
    console.allow("401")  # Chromium logs the refused /api/session…
    console.allow("WebSocket connection to")  # …and the refused WebSocket handshake
    forged = {"name": "lw_citizen", "value": "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "url": server.url}

    context = new_context(locale="zh-CN", **SCREEN)
    context.add_cookies([forged])
    board = console.watch(context.new_page())
    board.goto(f"{server.url}/board?campaign={CAMPAIGN}")
    expect(board.locator('body[data-live-synced="true"]')).to_be_attached()

    context = new_context(locale="zh-CN", **PHONE)
    context.add_cookies([forged])
    phone = console.watch(context.new_page())
    phone.goto(f"{server.url}/p/farmers-markets")
    expect(phone.locator('body[data-ws-open="true"]')).to_be_attached()
    phone.locator("label[for=level-4]").click()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#my-rating")).to_have_text("您的评价：满意（4 分）")
    cookie = next(c for c in context.cookies() if c["name"] == "lw_citizen")
    assert cookie["value"] != forged["value"] and cookie["httpOnly"]


def test_closed_campaign_is_shown_closed(closed_server, new_context, console, results_dir):
    phone = open_phone(new_context, console, closed_server, "/p/new-schools")
    expect(phone.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(phone.locator("#campaign-state")).to_have_text("评价已结束")
    expect(phone.locator("#rate-status")).to_have_text("当前不在评价时间内，暂不能评价。")
    # A closed campaign invites nothing: the form's controls are gone, not only disabled.
    expect(phone.locator("#submit-rating")).to_be_hidden()
    expect(phone.get_by_role("radio", name=re.compile("^满意"))).to_have_count(0)
    expect(phone.locator("#like-button")).to_be_hidden()
    board = open_board(new_context, console, closed_server)
    expect(board.locator("#campaign-state")).to_have_text("评价已结束")


def test_pages_reconnect_after_a_server_restart(server, new_context, console):
    """The server goes away and comes back on the same port: both pages reconnect and resubscribe, no reload."""
    console.allow("WebSocket connection to")  # failed attempts while the server is down
    console.allow("net::ERR_CONNECTION_REFUSED")
    slug = "village-water"
    board = open_board(new_context, console, server)
    phone = open_phone(new_context, console, server, f"/p/{slug}")
    expect(phone.locator('body[data-live-synced="true"]')).to_be_attached()
    before = tally(server, slug)
    total_before = number(board, "#total-participants")

    server.restart()

    expect(board.locator('body[data-ws-open="true"]')).to_be_attached(timeout=30_000)
    expect(phone.locator('body[data-ws-open="true"]')).to_be_attached(timeout=30_000)
    phone.locator("label[for=level-5]").click()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("#my-rating")).to_have_text("您的评价：非常满意（5 分）")
    tile = board.locator(f'.tile[data-slug="{slug}"]')
    expect(tile.locator(".tile-participants")).to_have_text(str(before["participants"] + 1))
    expect(board.locator("#total-participants")).to_have_text(str(total_before + 1))
    assert board.evaluate("performance.getEntriesByType('navigation').length") == 1
