"""End to end, in a real Chromium: the citizen pages (/, /p/<slug>, /poster, /posters, /policy, /archive, the 404
page) as a person uses them.

One server for this file, with three campaigns beside each other (as a city has them over the years):
- `old-2025`, an old campaign that closed months ago, with final results (rated while it was open, then closed by
  moving its window and restarting the server: editing a campaign file keeps its ratings);
- the demo campaign `demo-2026`, open now;
- `next-2027`, upcoming.
The old one is listed in the server's files first: it must not take over `/`.
"""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer, campaign_yaml

expect.set_options(timeout=10_000)

CURRENT = "demo-2026"
OLD = "old-2025"
NEXT = "next-2027"
VIEWPORTS = {"390x844": PHONE, "1280x720": dict(viewport={"width": 1280, "height": 720}),
             "1920x1080": dict(viewport={"width": 1920, "height": 1080})}


def other_campaign(now: datetime, campaign_id: str, year: str, suffix: str, opens_in: timedelta, closes_in: timedelta) -> str:
    """The demo campaign under another id, year and slugs (slugs are unique across campaigns)."""
    text = campaign_yaml(now, opens_in, closes_in)
    text = text.replace("id: demo-2026", f"id: {campaign_id}", 1)
    text = re.sub(r"^(title:\n  zh: )2026", rf"\g<1>{year}", text, count=1, flags=re.M)
    text = re.sub(r"^(  en: )2026", rf"\g<1>{year}", text, count=1, flags=re.M)
    text, n = re.subn(r"^(  - slug: )(\S+)$", rf"\1\2-{suffix}", text, flags=re.M)
    assert n == 10
    return text


class CampaignsServer(LastWordServer):
    """The conftest server with several campaign files (old first, as an administrator might list them)."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.campaign_files = [directory / "old.yaml", directory / "campaign.yaml", directory / "next.yaml"]


def http(server, method: str, path: str, body: dict | None = None, cookie: str | None = None) -> tuple[dict, str | None]:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(server.url + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=5) as response:
        set_cookie = response.headers.get("Set-Cookie")
        return json.load(response), set_cookie.split(";", 1)[0] if set_cookie else None


# Final results of the old campaign: three citizens rated its schools project 5, 4 and 2; one liked it.
OLD_RATINGS = [5, 4, 2]
OLD_SLUG = "new-schools-2025"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("citizen")
    now = datetime.now(timezone.utc)
    instance = CampaignsServer(directory)
    # First the old campaign is open, and rated…
    (directory / "old.yaml").write_text(other_campaign(now, OLD, "2025", "2025", timedelta(days=-400), timedelta(days=1)), encoding="utf-8")
    (directory / "next.yaml").write_text(other_campaign(now, NEXT, "2027", "2027", timedelta(days=30), timedelta(days=60)), encoding="utf-8")
    instance.start()
    for index, level in enumerate(OLD_RATINGS):
        _, cookie = http(instance, "GET", "/api/session")
        http(instance, "POST", f"/api/projects/{OLD_SLUG}/rating", {"id": f"seed-{index}", "level": level}, cookie)
        if index == 0:
            http(instance, "POST", f"/api/projects/{OLD_SLUG}/like", {"id": "seed-like", "liked": True}, cookie)
    # …then its window is long past.
    instance.stop()
    (directory / "old.yaml").write_text(other_campaign(now, OLD, "2025", "2025", timedelta(days=-400), timedelta(days=-300)), encoding="utf-8")
    instance.start()
    yield instance
    instance.stop_cleanly()


def open_page(new_context, console, site, path: str, *, context=None, **options) -> Page:
    context = context or new_context(locale="zh-CN", **(options or PHONE))
    page = console.watch(context.new_page())
    page.goto(site.url + path)
    return page


def tab_until(page: Page, condition: str, limit: int = 60) -> None:
    """Presses Tab until the JavaScript expression `condition` holds for the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    pytest.fail(f"Tab never reached: {condition}")


def tally(site, slug: str) -> dict:
    return site.api(f"/api/projects/{slug}")["tally"]


# MARK: A — which campaign


def test_an_old_closed_campaign_does_not_take_over_the_home_page(site, new_context, console, results_dir):
    listing = site.api("/api/campaigns")
    assert listing["current"] == CURRENT
    page = open_page(new_context, console, site, "/", **VIEWPORTS["1280x720"])
    expect(page.locator("#campaign-title")).to_have_text("2026年度民生实事 · 你说了算")
    expect(page.locator("#campaign-state")).to_have_text("评价进行中")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator(".project-card")).to_have_count(10)
    expect(page.locator("#state-notice")).to_be_hidden()

    # The switcher: every campaign, this one marked; it leads to the old one, which says it is closed.
    switcher = page.get_by_role("navigation", name="选择评价活动")
    expect(switcher.get_by_role("link")).to_have_count(3)
    expect(switcher.locator('[aria-current="page"]')).to_have_attribute("data-campaign", CURRENT)
    # Keyboard only: Tab until the old campaign's link has the focus, then Enter.
    tab_until(page, f"document.activeElement?.dataset?.campaign === '{OLD}'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?campaign=old-2025$"))
    expect(page.locator("#campaign-title")).to_have_text("2025年度民生实事 · 你说了算")
    expect(page.locator("#state-notice")).to_contain_text("评价已结束")
    expect(switcher.locator('[aria-current="page"]')).to_have_attribute("data-campaign", OLD)
    # Final results without inviting a rating.
    card = page.locator(f'.project-card[data-slug="{OLD_SLUG}"]')
    expect(card.locator(".mini-stat-value").first).to_have_text(str(len(OLD_RATINGS)))
    expect(card.get_by_role("link", name=re.compile("^查看结果"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^查看并评价"))).to_have_count(0)
    expect(page.locator("#hero-intro")).to_be_hidden()

    # The upcoming one says when it opens.
    page.goto(f"{site.url}/?campaign={NEXT}")
    expect(page.locator("#state-notice")).to_contain_text("评价尚未开始")
    expect(page.locator("#state-notice")).to_contain_text("评价将于")
    expect(page.get_by_role("link", name=re.compile("^查看项目"))).to_have_count(10)


def test_archive_lists_closed_campaigns_with_final_results(site, new_context, console):
    page = open_page(new_context, console, site, "/")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    page.get_by_role("link", name="往期评价结果").first.click()
    expect(page).to_have_url(re.compile(r"/archive$"))
    expect(page.locator('body[data-loaded="true"]')).to_be_attached()
    expect(page.get_by_role("heading", level=1)).to_have_text("往期评价结果")
    sections = page.locator(".archive-campaign")
    expect(sections).to_have_count(1)  # only the closed one: not the open, not the upcoming
    old = page.locator(f'.archive-campaign[data-campaign="{OLD}"]')
    expect(old.get_by_role("heading", level=2)).to_have_text("2025年度民生实事 · 你说了算")
    row = old.locator(f'tr[data-slug="{OLD_SLUG}"]')
    expect(row.locator(".cell-participants")).to_have_text(str(len(OLD_RATINGS)))
    expect(row.locator(".cell-average")).to_have_text(f"{sum(OLD_RATINGS) / len(OLD_RATINGS):.2f}")
    expect(row.locator(".cell-likes")).to_have_text("1")
    expect(old.locator(".stat-value").first).to_have_text(str(len(OLD_RATINGS)))  # participants of the campaign
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Past campaigns")
    expect(old.get_by_role("heading", level=2)).to_have_text("2025 Livelihood Projects — You Have the Last Word")
    old.get_by_role("link", name=re.compile("^Open the campaign page")).click()
    expect(page).to_have_url(re.compile(r"/\?campaign=old-2025$"))
    expect(page.locator("#state-notice")).to_contain_text("Evaluation has closed")


def test_a_wrong_campaign_id_says_so_and_leads_back(site, new_context, console):
    console.allow("404")  # the browser logs the refused /api/campaigns/nope
    page = open_page(new_context, console, site, "/?campaign=nope%3Cb%3E")
    status = page.locator("#page-status")
    expect(status).to_contain_text("未找到这个评价活动")
    status.get_by_role("link", name="查看当前的评价活动").click()
    expect(page.locator("#campaign-title")).to_have_text("2026年度民生实事 · 你说了算")


# MARK: B — 404


def test_an_unknown_page_is_a_localized_404_with_a_way_back(site, new_context, console, results_dir):
    console.allow("404")  # Chromium logs the document's status
    context = new_context(locale="zh-CN", **PHONE)
    page = console.watch(context.new_page())
    response = page.goto(site.url + "/p/nope")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page).to_have_title(re.compile("^页面不存在"))
    expect(page.locator("#not-found-path")).to_have_text("您打开的地址：/p/nope")
    expect(page.get_by_role("link", name="往期评价结果")).to_have_attribute("href", "/archive")

    # A deeper unknown address, in English (the choice is kept).
    page.get_by_role("button", name="Switch to English").click()
    response = page.goto(site.url + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.locator("#campaign-title")).to_have_text("2026 Livelihood Projects — You Have the Last Word")

    # The API keeps its JSON errors.
    api = page.request.get(site.url + "/api/nope")
    assert api.status == 404 and api.headers["content-type"].startswith("application/json")


# MARK: C — a closed campaign invites nothing


def test_a_closed_campaigns_project_and_poster_invite_nothing(site, new_context, console):
    page = open_page(new_context, console, site, f"/p/{OLD_SLUG}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator("#campaign-state")).to_have_text("评价已结束")
    notice = page.locator("#state-notice")
    expect(notice.get_by_role("heading")).to_have_text("评价已结束")
    expect(notice).to_contain_text("不再接受评价")
    expect(page.locator("#hero-cta")).to_be_hidden()
    expect(page.get_by_role("heading", name="最终结果")).to_be_visible()
    expect(page.locator("#tally-participants")).to_have_text(str(len(OLD_RATINGS)))
    # Nothing to press: no levels, no suggestion box, no submit, like or withdraw button.
    expect(page.locator("#submit-rating")).to_be_hidden()
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.locator("#suggestion")).to_be_hidden()
    expect(page.locator("#like-button")).to_be_hidden()
    expect(page.locator("#withdraw")).to_be_hidden()
    expect(page.locator("#rate-status")).to_have_text("当前不在评价时间内，暂不能评价。")
    # The results come before what is left of the form.
    assert page.evaluate("""() => {
        const results = document.getElementById('live-title').closest('section');
        return !!(results.compareDocumentPosition(document.getElementById('rate-card')) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    page.get_by_role("button", name="Switch to English").click()
    expect(notice.get_by_role("heading")).to_have_text("Evaluation has closed")

    poster = open_page(new_context, console, site, f"/poster/{OLD_SLUG}", viewport={"width": 1000, "height": 1300})
    expect(poster.locator(".poster-cta")).to_have_text("评价已结束 · Evaluation has closed")
    expect(poster.locator(".poster-sheet")).not_to_contain_text("扫码评价")
    expect(poster.locator(".poster-sheet")).not_to_contain_text("Scan to rate")
    expect(poster.locator(".poster-results")).to_have_text(
        f"最终结果：{len(OLD_RATINGS)} 人参与，平均满意度 {sum(OLD_RATINGS) / len(OLD_RATINGS):.2f} 分（满分 5 分）")
    expect(poster.locator(".poster-steps")).to_be_hidden()

    # Upcoming: the project page says when rating opens; nothing can be sent yet.
    upcoming = open_page(new_context, console, site, "/p/new-schools-2027")
    expect(upcoming.locator("#state-notice")).to_contain_text("评价尚未开始")
    expect(upcoming.locator("#state-notice")).to_contain_text("评价将于")
    expect(upcoming.get_by_role("button", name="提交评价")).to_be_disabled()


# MARK: D — the citizen's own rating in every tab


def test_own_rating_follows_in_every_tab(site, new_context, console):
    slug = "bus-lines"
    context = new_context(locale="zh-CN", **PHONE)
    tab_a = open_page(new_context, console, site, f"/p/{slug}", context=context)
    tab_b = open_page(new_context, console, site, f"/p/{slug}", context=context)
    for tab in (tab_a, tab_b):
        expect(tab.locator('body[data-ws-open="true"]')).to_be_attached()
    before = tally(site, slug)

    tab_a.locator("label[for=level-4]").click()
    tab_a.get_by_role("button", name=re.compile("提交评价|更新我的评价")).click()
    expect(tab_a.locator("#my-rating")).to_have_text("您的评价：满意（4 分）")
    expect(tab_b.locator("#my-rating")).to_have_text("您的评价：满意（4 分）")  # B learns it too

    tab_b.locator("label[for=level-1]").click()
    tab_b.get_by_label("意见建议（选填）").fill("站台太远")
    tab_b.get_by_role("button", name="更新我的评价").click()
    expect(tab_b.locator("#my-rating")).to_have_text("您的评价：非常不满意（1 分）")
    # Tab A shows what the server has now, and its untouched form follows.
    expect(tab_a.locator("#my-rating")).to_have_text("您的评价：非常不满意（1 分）")
    expect(tab_a.locator("#my-suggestion")).to_have_text("您的建议：站台太远")
    expect(tab_a.locator("#level-1")).to_be_checked()
    expect(tab_a.get_by_label("意见建议（选填）")).to_have_value("站台太远")
    expect(tab_a.locator("#tally-participants")).to_have_text(str(before["participants"] + 1))

    # A like in B presses A's button.
    tab_b.locator("#like-button").click()
    expect(tab_b.locator("#like-button")).to_have_attribute("aria-pressed", "true")
    expect(tab_a.locator("#like-button")).to_have_attribute("aria-pressed", "true")

    # Someone typing in A is not overwritten by a change made in B; the line above the form still tells the truth.
    tab_a.get_by_label("意见建议（选填）").fill("我还在写")
    tab_b.locator("label[for=level-2]").click()
    tab_b.get_by_role("button", name="更新我的评价").click()
    expect(tab_a.locator("#my-rating")).to_have_text("您的评价：不满意（2 分）")
    expect(tab_a.get_by_label("意见建议（选填）")).to_have_value("我还在写")
    after = tally(site, slug)
    assert after["participants"] == before["participants"] + 1


# MARK: E — keyboard: choosing is not submitting


def test_enter_on_a_level_does_not_submit(site, new_context, console):
    slug = "elder-care"
    sent: list[dict] = []

    def route(ws):
        upstream = ws.connect_to_server()

        def to_server(message):
            data = json.loads(message)
            if data.get("type") == "rate":
                sent.append(data)
            upstream.send(message)

        ws.on_message(to_server)

    page = console.watch(new_context(locale="zh-CN", **VIEWPORTS["1280x720"]).new_page())
    page.route_web_socket(re.compile(r"/ws$"), route)
    page.goto(f"{site.url}/p/{slug}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    before = tally(site, slug)

    # Tab, only the keyboard, until a level radio has the focus.
    tab_until(page, "document.activeElement?.name === 'level'")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.id")
    expect(page.locator(f"#{focused}")).to_be_checked()
    page.keyboard.press("Enter")  # must not submit
    expect(page.locator(f"#{focused}")).to_be_checked()
    expect(page.locator("#rate-status")).to_be_empty()
    expect(page.locator("#submit-rating")).to_have_text("提交评价")
    expect(page.locator("#my-rating")).to_have_text("您还没有评价这个项目。")
    # Arrow keys still move along the levels (and wrap).
    page.keyboard.press("ArrowUp")
    level = int(page.evaluate("document.activeElement.value"))
    expect(page.locator(f"#level-{level}")).to_be_checked()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "suggestion"
    page.keyboard.type("键盘也能用")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit-rating"
    page.keyboard.press("Enter")
    label = page.locator(f"label[for=level-{level}] .level-name").inner_text()
    expect(page.locator("#my-rating")).to_have_text(f"您的评价：{label}（{level} 分）")
    expect(page.locator("#my-suggestion")).to_have_text("您的建议：键盘也能用")
    assert len(sent) == 1 and sent[0]["level"] == level and sent[0]["suggestion"] == "键盘也能用", sent
    assert tally(site, slug)["participants"] == before["participants"] + 1


def test_overlong_suggestion_cannot_be_sent(site, new_context, console):
    page = open_page(new_context, console, site, "/p/village-water")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    page.locator("label[for=level-3]").click()
    # 501 code points, most of them outside the BMP (two UTF-16 units each): counted as the server counts them.
    page.get_by_label("意见建议（选填）").fill("好" + "😀" * 500)
    expect(page.locator("#suggestion-counter")).to_have_text("已超出 1 字")
    expect(page.locator("#suggestion")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="提交评价")).to_be_disabled()
    page.get_by_label("意见建议（选填）").press("Backspace")
    expect(page.locator("#suggestion-counter")).to_have_text("500 / 500")
    expect(page.get_by_role("button", name="提交评价")).to_be_enabled()


# MARK: F — the policy says what the server does


def test_policy_states_the_cookie_lifetime_and_the_buttons_labels(site, new_context, console):
    policy = site.api("/api/policy")
    assert policy["cookieMaxAgeDays"] == 400
    page = open_page(new_context, console, site, "/policy")
    expect(page.locator("#limits")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#policy-stored1")).to_contain_text("有效期 400 天")
    expect(page.locator("main")).not_to_contain_text("一年")
    expect(page.locator("#policy-how1")).to_contain_text("非常满意、满意、基本满意、不满意、非常不满意")
    expect(page.locator("#policy-cookie")).to_contain_text("防止同一个浏览器重复计数")
    expect(page.locator("#policy-cookie")).to_contain_text("清除 Cookie")
    expect(page.locator("#policy-cookie")).to_contain_text("多台设备")

    page.get_by_role("button", name="Switch to English").click()
    labels = [label["en"] for label in site.api("/api/campaigns")["campaigns"][0]["levelLabels"]][::-1]
    expect(page.locator("#policy-how1")).to_contain_text(", ".join(labels))
    expect(page.locator("#policy-how1")).to_contain_text("Basically satisfied")
    expect(page.locator("main")).not_to_contain_text("fairly")
    expect(page.locator("main")).not_to_contain_text("one year")
    expect(page.locator("main")).not_to_contain_text("one person counts once")
    expect(page.locator("#policy-stored1")).to_contain_text("kept 400 days")
    expect(page.locator("#policy-follow")).to_contain_text("Ratings of “Dissatisfied” and “Very dissatisfied”")
    expect(page.locator("#policy-cookie")).to_contain_text("stops double counting from one browser")
    expect(page.locator("#policy-cookie")).to_contain_text("clears their cookies")
    expect(page.locator("#policy-cookie")).to_contain_text("several browsers or devices")

    # The buttons say the same words.
    project = open_page(new_context, console, site, "/p/new-schools?lang=en")
    expect(project.locator("label[for=level-3] .level-name")).to_have_text("Basically satisfied")


# MARK: G — posters


def test_poster_warns_about_a_loopback_address_and_prints_all(site, new_context, console, results_dir):
    page = open_page(new_context, console, site, "/poster/new-schools", viewport={"width": 1000, "height": 1300})
    url = f"{site.url}/p/new-schools"
    assert url.startswith("http://127.0.0.1:")
    warning = page.locator("#qr-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"这个二维码指向 {url}")
    expect(warning).to_contain_text("site.publicBaseUrl")
    expect(page.locator(".poster-cta")).to_have_text("扫码评价 · Scan to rate")
    page.get_by_role("button", name="Switch to English").click()
    expect(warning).to_contain_text(f"this QR code points at {url}")
    expect(warning).to_contain_text("phones outside this machine cannot open it")
    page.emulate_media(media="print")
    expect(warning).to_be_hidden()  # on screen only
    page.emulate_media(media="screen")

    # The poster page links to every poster of its campaign.
    page.get_by_role("link", name="Print all posters").click()
    expect(page).to_have_url(re.compile(r"/posters\?campaign=demo-2026$"))
    expect(page.locator('body[data-posters="10"]')).to_be_attached()
    sheets = page.locator(".poster-sheet")
    expect(sheets).to_have_count(10)
    expect(page.locator("#qr-warning")).to_contain_text("this QR code points at")
    slugs = [project["slug"] for project in site.api(f"/api/campaigns/{CURRENT}")["projects"]]
    for index, slug in enumerate(slugs):
        expect(sheets.nth(index).locator("img.poster-qr")).to_have_attribute("src", f"/qr/{slug}.svg")
        expect(sheets.nth(index).locator(".url")).to_have_text(f"{site.url}/p/{slug}")
    for qr in page.locator("img.poster-qr").all():
        expect(qr).to_have_js_property("complete", True)
    page.emulate_media(media="print")
    expect(page.locator("#qr-warning")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (results_dir / "posters.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) == 10, f"ten posters print on {len(pages)} pages"


def test_private_and_public_addresses_are_told_apart(site, new_context, console):
    page = open_page(new_context, console, site, "/policy")
    cases = {
        "http://127.0.0.1:8080/p/x": "loopback", "http://127.1.2.3/p/x": "loopback", "http://localhost/p/x": "loopback",
        "http://app.localhost/p/x": "loopback", "http://[::1]:8080/p/x": "loopback", "http://0.0.0.0/p/x": "loopback",
        "http://[::ffff:127.0.0.1]/p/x": "loopback",
        "http://10.1.2.3/p/x": "private", "http://172.16.0.1/p/x": "private", "http://172.31.255.255/p/x": "private",
        "http://192.168.1.10/p/x": "private", "http://169.254.1.1/p/x": "private", "http://[fc00::1]/p/x": "private",
        "http://[fd12:3456::1]/p/x": "private", "http://[fe80::1]/p/x": "private", "http://printer.local/p/x": "private",
        "https://lastword.example.gov.cn/p/x": None, "http://172.32.0.1/p/x": None, "http://172.15.0.1/p/x": None,
        "http://8.8.8.8/p/x": None, "http://[2001:db8::1]/p/x": None, "http://192.169.0.1/p/x": None,
        "not a url": None,
    }
    kinds = page.evaluate("""async (urls) => {
        const { addressKind } = await import('/js/citizen/poster-sheet.js');
        return Object.fromEntries(urls.map((url) => [url, addressKind(url)]));
    }""", list(cases))
    assert kinds == cases


# MARK: I — withdraw


def test_withdraw_moves_the_tally_back(site, new_context, console, results_dir):
    slug = "childcare"
    page = open_page(new_context, console, site, f"/p/{slug}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    before = tally(site, slug)
    expect(page.locator("#withdraw")).to_be_hidden()  # nothing to withdraw yet

    page.locator("label[for=level-5]").click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-rating")).to_have_text("您的评价：非常满意（5 分）")
    expect(page.locator("#tally-participants")).to_have_text(str(before["participants"] + 1))

    # A confirmation step; Cancel (or Escape) changes nothing.
    withdraw = page.get_by_role("button", name="撤回评价")
    withdraw.click()
    confirm = page.get_by_role("button", name="确认撤回")
    expect(confirm).to_be_focused()
    expect(page.locator("#withdraw-confirm")).to_contain_text("确定撤回您对这个项目的评价吗？")
    page.keyboard.press("Escape")
    expect(withdraw).to_be_focused()
    withdraw.click()
    page.get_by_role("button", name="取消").click()
    expect(withdraw).to_be_focused()
    expect(page.locator("#my-rating")).to_have_text("您的评价：非常满意（5 分）")
    assert tally(site, slug)["participants"] == before["participants"] + 1

    withdraw.click()
    page.locator("#rate-card").screenshot(path=str(results_dir / "citizen-withdraw-confirm-390x844-zh.png"))
    page.get_by_role("button", name="确认撤回").click()
    expect(page.locator("#rate-status")).to_have_text("已撤回您的评价。")
    expect(page.locator("#my-rating")).to_have_text("您还没有评价这个项目。")
    expect(page.locator("#level-5")).not_to_be_checked()
    expect(page.locator("#withdraw")).to_be_hidden()
    expect(page.get_by_role("button", name="提交评价")).to_be_enabled()
    expect(page.locator("#tally-participants")).to_have_text(str(before["participants"]))
    expect(page.locator("#tally-distribution")).to_have_attribute("data-counts", ",".join(map(str, before["counts"])))
    after = tally(site, slug)
    assert after["participants"] == before["participants"] and after["counts"] == before["counts"]

    page.reload()
    expect(page.locator("#my-rating")).to_have_text("您还没有评价这个项目。")
    # Rating again works after a withdrawal.
    page.locator("label[for=level-3]").click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-rating")).to_have_text("您的评价：基本满意（3 分）")


# MARK: H — what a screen reader hears


def test_live_numbers_are_announced_at_most_every_ten_seconds(site, new_context, console):
    slug = "public-parking"
    context = new_context(locale="zh-CN", **PHONE)
    page = console.watch(context.new_page())
    page.clock.install()
    page.goto(f"{site.url}/p/{slug}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator("#tally-participants")).not_to_have_attribute("aria-live", re.compile("."))
    region = page.locator("#tally-announce")
    expect(region).to_have_attribute("aria-live", "polite")
    before = tally(site, slug)

    for level in (5, 4):  # two other citizens rate
        _, cookie = http(site, "GET", "/api/session")
        http(site, "POST", f"/api/projects/{slug}/rating", {"id": f"h-{level}-{before['participants']}", "level": level}, cookie)
    expect(page.locator("#tally-participants")).to_have_text(str(before["participants"] + 2))  # the screen moves at once
    expect(region).to_be_empty()  # the screen reader has not been told yet
    page.clock.run_for(10_500)
    average = tally(site, slug)["average"]
    expect(region).to_have_text(f"{before['participants'] + 2} 人参与，平均 {average:.2f} 分")


# MARK: J — every page at three sizes, in both languages


def test_screenshots_of_every_citizen_page(site, new_context, console, results_dir):
    console.allow("404")  # the 404 page's own status
    pages = {
        "home": "/", "home-closed": f"/?campaign={OLD}", "project": "/p/farmers-markets", "project-closed": f"/p/{OLD_SLUG}",
        "policy": "/policy", "archive": "/archive", "404": "/p/nope", "poster": "/poster/new-schools",
        "poster-closed": f"/poster/{OLD_SLUG}", "posters": f"/posters?campaign={CURRENT}",
    }
    for size, options in VIEWPORTS.items():
        context = new_context(locale="zh-CN", **options)
        page = console.watch(context.new_page())
        for lang in ("zh", "en"):
            for name, path in pages.items():
                page.goto(site.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
                if name.startswith(("home", "project")):
                    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
                elif name == "archive":
                    expect(page.locator('body[data-loaded="true"]')).to_be_attached()
                elif name == "policy":
                    expect(page.locator("#limits")).to_have_attribute("data-loaded", "true")
                elif name.startswith("poster"):
                    for qr in page.locator("img.poster-qr").all():
                        expect(qr).to_have_js_property("complete", True)
                # Nothing is wider than the screen.
                assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), f"{name} {size} {lang} scrolls sideways"
                page.screenshot(path=str(results_dir / f"citizen-{name}-{size}-{lang}.png"), full_page=name != "posters")
