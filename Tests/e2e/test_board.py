"""The live board (/board) in a real Chromium, as people use it: on a phone (390×844), a laptop (1280×720) and a big
screen in a hall (1920×1080), in Chinese and English, by keyboard, with no ratings and with many, open and closed.

Each test that needs particular numbers starts its own server (LastWordServer from conftest.py) so the order of the
tests does not matter; the ratings come over the HTTP API, one cookie per citizen, as a script of several people.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import re
import subprocess
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, SCREEN, LastWordServer

expect.set_options(timeout=10_000)

CAMPAIGN = "demo-2026"
LAPTOP = dict(viewport={"width": 1280, "height": 720})
SIZES = {"390x844": PHONE, "1280x720": LAPTOP, "1920x1080": SCREEN}
MIN_TEXT_PX = 14  # no text on the board is smaller, at any size
MIN_TEXT_BIG_SCREEN_PX = 18  # on 1920×1080, read from across a room
LONG_DEPARTMENT = ("Municipal Bureau of Housing, Urban-Rural Development, Planning and Natural Resources "
                   "(Joint Office of the Leading Group for Livelihood Projects)")


# MARK: helpers

class Citizen:
    """One person with one cookie, rating over the HTTP API (docs/PROTOCOL.md)."""

    ids = itertools.count()

    def __init__(self, server: LastWordServer):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.open(server.url + "/api/session", timeout=5).read()

    def rate(self, slug: str, level: int) -> dict:
        body = json.dumps({"id": f"t-{next(self.ids)}", "level": level}).encode()
        request = urllib.request.Request(f"{self.server.url}/api/projects/{slug}/rating", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Origin": self.server.url})
        with self.opener.open(request, timeout=5) as response:
            return json.load(response)


def rate_many(server: LastWordServer, ratings: dict[str, list[int]]) -> None:
    """ratings: slug -> levels, the n-th level given by the n-th citizen."""
    people = max(len(levels) for levels in ratings.values())
    citizens = [Citizen(server) for _ in range(people)]
    for slug, levels in ratings.items():
        for citizen, level in zip(citizens, levels):
            citizen.rate(slug, level)


@pytest.fixture
def make_server(tmp_path_factory):
    """Starts servers of its own (open by default) and stops them at the end of the test."""
    servers: list[LastWordServer] = []

    def make(**window) -> LastWordServer:
        instance = LastWordServer(tmp_path_factory.mktemp("board"), **window)
        instance.start()
        servers.append(instance)
        return instance

    yield make
    for instance in servers:
        instance.stop_cleanly()


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """An open campaign with many ratings: 60 people, each rating most projects."""
    instance = LastWordServer(tmp_path_factory.mktemp("busy"))
    instance.start()
    slugs = [p["slug"] for p in instance.api(f"/api/campaigns/{CAMPAIGN}")["projects"]]
    pattern = [5, 4, 4, 3, 5, 2, 4, 1, 5, 3, 4, 5]
    rate_many(instance, {slug: [pattern[(i * 7 + n) % len(pattern)] for n in range(60 - 3 * i)] for i, slug in enumerate(slugs)})
    yield instance
    instance.stop_cleanly()


def open_board(new_context, console, server, *, size="1920x1080", lang="zh", query="") -> Page:
    page = console.watch(new_context(locale="zh-CN" if lang == "zh" else "en-US", **SIZES[size]).new_page())
    page.goto(f"{server.url}/board?lang={lang}{query}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator(".tile")).to_have_count(10)
    return page


def tile_order(page: Page) -> list[str]:
    return page.locator(".tile").evaluate_all("tiles => tiles.map(t => t.dataset.slug)")


# Every element that shows text of its own (a non-empty text node), visible, with its computed font size.
TEXT_SIZES_JS = """() => [...document.querySelectorAll('body *')]
  .filter(e => [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .filter(e => e.checkVisibility({visibilityProperty: true}) && !e.closest('.visually-hidden'))
  .map(e => ({text: e.textContent.trim().slice(0, 40), cls: String(e.className?.baseVal ?? e.className), px: parseFloat(getComputedStyle(e).fontSize)}))"""

# Names that do not fit must wrap, not be cut: no element of a title or department is wider inside than outside,
# none is clamped or ends in an ellipsis.
CLIPPED_JS = """() => [...document.querySelectorAll('.tile-title, .tile-dept, #campaign-title')]
  .filter(e => { const s = getComputedStyle(e);
    return e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight + 1 || s.textOverflow === 'ellipsis'
      || (s.webkitLineClamp && s.webkitLineClamp !== 'none'); })
  .map(e => e.textContent)"""


def assert_readable(page: Page, min_px: float) -> None:
    texts = page.evaluate(TEXT_SIZES_JS)
    assert len(texts) > 50, texts  # the board is really there
    small = [t for t in texts if t["px"] < min_px]
    assert not small, f"text under {min_px} px: {small[:10]}"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the board overflows sideways"
    assert page.evaluate(CLIPPED_JS) == [], "names cut off"


# MARK: layout at every size

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_board_is_readable_at_every_size(busy_server, new_context, console, results_dir, size, lang):
    page = open_board(new_context, console, busy_server, size=size, lang=lang)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    expect(page.locator(".tile-average").first).not_to_have_text("—")
    assert_readable(page, MIN_TEXT_BIG_SCREEN_PX if size == "1920x1080" else MIN_TEXT_PX)
    if size == "1920x1080":
        # The big screen is filled, like a poster: no scrolling, and the projects take the room that is left.
        assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), "the big screen scrolls"
        grid = page.locator("#board-grid").bounding_box()
        assert grid["width"] > 1400 and grid["height"] > 600, grid
    if size == "390x844":
        # A phone: one column of tiles, each as wide as the screen allows.
        boxes = [page.locator(".tile").nth(i).bounding_box() for i in range(2)]
        assert boxes[0]["x"] == boxes[1]["x"] and boxes[1]["y"] > boxes[0]["y"], boxes
        assert boxes[0]["width"] > 330
    page.screenshot(path=str(results_dir / f"board-open-{lang}-{size}.png"), full_page=size == "390x844")


@pytest.mark.parametrize("size", list(SIZES))
def test_long_english_department_names_wrap(server, new_context, console, results_dir, size):
    """A department name much longer than the demo's (and one unbreakable word) wraps at every size."""
    page = console.watch(new_context(locale="en-US", **SIZES[size]).new_page())

    def longer(route):
        response = route.fetch()
        detail = response.json()
        detail["projects"][3]["department"]["en"] = LONG_DEPARTMENT
        detail["projects"][4]["department"]["en"] = "Pneumonoultramicroscopicsilicovolcanoconiosis-Prevention-Bureau"
        route.fulfill(response=response, json=detail)

    page.route(f"**/api/campaigns/{CAMPAIGN}", longer)
    page.goto(f"{server.url}/board?lang=en")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    department = page.locator(".tile").nth(3).locator(".tile-dept")
    expect(department).to_have_text(LONG_DEPARTMENT)
    assert department.evaluate("e => e.getClientRects().length && e.offsetHeight > 2 * parseFloat(getComputedStyle(e).lineHeight)"), \
        "the long name is not wrapped on several lines"
    assert_readable(page, MIN_TEXT_PX)
    page.screenshot(path=str(results_dir / f"board-long-department-en-{size}.png"), full_page=size == "390x844")


# MARK: list numbers, ranks, colours

RED_JS = """() => [...document.querySelectorAll('.tile, .tile *')].filter(e => e.checkVisibility()).flatMap(e => {
  const s = getComputedStyle(e);
  const red = c => { const m = c.match(/\\d+(\\.\\d+)?/g); if (!m) return false; const [r, g, b, a = 1] = m.map(Number);
    return a > 0.5 && r > 140 && g < 70 && b < 70; };
  return red(s.backgroundColor) || (red(s.color) && /^\\d+$/.test(e.textContent.trim())) ? [e.className + ': ' + e.textContent.trim()] : [];
})"""


def test_no_red_list_numbers_and_ranks_only_when_sorted(busy_server, new_context, console):
    page = open_board(new_context, console, busy_server)
    # In the campaign's order a tile carries no number at all: nothing that reads as a ranking, nothing red.
    assert page.evaluate(RED_JS) == []
    expect(page.locator(".tile-rank:visible")).to_have_count(0)
    for i in range(10):
        texts = page.locator(".tile").nth(i).locator("*:visible").evaluate_all(
            "nodes => nodes.filter(n => n.children.length === 0).map(n => n.textContent.trim())")
        assert str(i + 1) not in texts[:2], f"tile {i + 1} starts with its list number: {texts[:3]}"
    # Sorted by a figure, the rank is shown and says what it ranks.
    page.locator("label[for=sort-average]").click()
    expect(page.locator(".tile-rank:visible")).to_have_count(10)
    expect(page.locator(".tile").first.locator(".tile-rank")).to_have_text("平均分第 1 名")
    assert page.evaluate(RED_JS) == []


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]


def simulate(matrix, rgb):
    return tuple(min(1.0, max(0.0, sum(matrix[i][j] * rgb[j] for j in range(3)))) for i in range(3))


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_level_colours_are_told_apart_without_colour_vision(busy_server, new_context, console, results_dir):
    page = open_board(new_context, console, busy_server, lang="en")
    legend = page.locator("#legend .legend-item")
    expect(legend).to_have_text(["Very satisfied", "Satisfied", "Basically satisfied", "Dissatisfied", "Very dissatisfied"])
    swatches = page.evaluate("""() => Object.fromEntries([1, 2, 3, 4, 5].map(level => [level,
      getComputedStyle(document.querySelector(`#legend .lvl-${level} .legend-swatch`)).backgroundColor]))""")
    # The bars use the same colours as the legend.
    segments = page.evaluate("""() => Object.fromEntries([1, 2, 3, 4, 5].map(level => [level,
      getComputedStyle(document.querySelector(`.stack-seg.lvl-${level}`)).backgroundColor]))""")
    assert segments == swatches
    colours = {int(level): tuple(linear(float(c)) for c in re.findall(r"[\d.]+", value)[:3]) for level, value in swatches.items()}
    for name, see in [("normal vision", lambda c: c), ("deuteranopia", lambda c: simulate(DEUTERANOPIA, c)),
                      ("protanopia", lambda c: simulate(PROTANOPIA, c))]:
        lum = [relative_luminance(see(colours[level])) for level in range(1, 6)]
        # Brighter means more satisfied, and each step is clearly brighter than the one below (contrast ≥ 1.35).
        steps = [contrast(lum[i], lum[i + 1]) for i in range(4)]
        assert all(lum[i] < lum[i + 1] for i in range(4)) and min(steps) >= 1.35, f"{name}: luminance {lum}, steps {steps}"
    page.locator("#legend").screenshot(path=str(results_dir / "board-legend.png"))


# MARK: QR code, closed and upcoming campaigns

def scan(png: bytes, path: Path) -> str:
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"no QR code found in {path}: {result.stderr}"
    return result.stdout.strip()


def test_open_board_shows_the_campaigns_qr_code(server, new_context, console, results_dir):
    page = open_board(new_context, console, server)
    qr = page.get_by_role("img", name=re.compile("扫码评价"))
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", f"/qr/campaigns/{CAMPAIGN}.svg")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#board-qr figcaption")).to_contain_text("扫码评价")
    expect(page.locator("#board-banner")).to_be_hidden()
    expect(page.locator("#board-cta")).to_be_visible()
    url = server.api("/api/campaigns")["campaigns"][0]["url"]
    expect(page.locator("#board-qr-url")).to_have_attribute("href", url)
    # What a phone held up to the screen opens: the campaign's page.
    assert scan(qr.screenshot(), results_dir / "board-qr.png") == url
    assert qr.bounding_box()["width"] >= 200  # big enough to scan from a few steps away
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("#board-qr figcaption")).to_contain_text("Scan to rate")


def test_board_closes_live_and_shows_final_results(make_server, new_context, console, results_dir):
    """The window closes while the board is on screen: it says so, keeps the final numbers, and invites nothing."""
    server = make_server(opens_in=timedelta(days=-1), closes_in=timedelta(seconds=12))
    rate_many(server, {"new-schools": [5, 4, 4], "bus-lines": [2, 3]})
    page = open_board(new_context, console, server)
    expect(page.locator("#board-qr")).to_be_visible()
    expect(page.locator("#board-banner")).to_be_hidden()
    expect(page.locator("#board-banner")).to_have_text("评价已结束 · 最终结果", timeout=30_000)
    expect(page.locator("#board-banner")).to_be_visible()
    expect(page.locator("#campaign-state")).to_have_text("评价已结束")
    expect(page.locator("#board-qr")).to_be_hidden()
    expect(page.locator("#board-cta")).to_be_hidden()
    tile = page.locator('.tile[data-slug="new-schools"]')
    expect(tile.locator(".tile-participants")).to_have_text("3")
    expect(tile.locator(".tile-average")).to_have_text("4.33")
    expect(page.locator("#total-participants")).to_have_text("3")
    assert "扫码" not in page.locator("body").inner_text()
    page.screenshot(path=str(results_dir / "board-closed-live-zh-1920x1080.png"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_closed_board_invites_nothing(closed_server, new_context, console, results_dir, size, lang):
    qr_requests: list[str] = []
    context = new_context(locale="zh-CN" if lang == "zh" else "en-US", **SIZES[size])
    context.on("request", lambda request: qr_requests.append(request.url) if "/qr/" in request.url else None)
    page = console.watch(context.new_page())
    page.goto(f"{closed_server.url}/board?lang={lang}")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    banner = page.locator("#board-banner")
    expect(banner).to_have_text("评价已结束 · 最终结果" if lang == "zh" else "Evaluation closed · final results")
    expect(banner).to_be_visible()
    expect(page.locator("#board-qr")).to_be_hidden()
    expect(page.locator("img[src*='/qr/']")).to_have_count(0)
    text = page.locator("body").inner_text()
    for invitation in ("扫码", "扫描", "Scan", "scan"):
        assert invitation not in text, f"a closed board says {invitation!r}"
    assert qr_requests == []
    # The final results are there (none were given: every tile says so, nothing is ranked or broken).
    expect(page.locator(".tile-participants")).to_have_text(["0"] * 10)
    expect(page.locator(".tile-average")).to_have_text(["—"] * 10)
    assert_readable(page, MIN_TEXT_BIG_SCREEN_PX if size == "1920x1080" else MIN_TEXT_PX)
    page.screenshot(path=str(results_dir / f"board-closed-{lang}-{size}.png"), full_page=size == "390x844")


def test_upcoming_board_says_when_it_opens(make_server, new_context, console, results_dir):
    server = make_server(opens_in=timedelta(days=2), closes_in=timedelta(days=30))
    campaign = server.api("/api/campaigns")["campaigns"][0]
    page = open_board(new_context, console, server)
    opens = page.evaluate("""(ms) => new Intl.DateTimeFormat('zh-CN', {timeZone: 'Asia/Shanghai', year: 'numeric',
      month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(new Date(ms))""", campaign["opensAt"])
    expect(page.locator("#board-banner")).to_have_text(f"评价尚未开始 · {opens} 开始")
    expect(page.locator("#board-qr")).to_be_hidden()
    expect(page.locator("#board-cta")).to_be_hidden()
    page.screenshot(path=str(results_dir / "board-upcoming-zh-1920x1080.png"))


# MARK: which campaign

def test_board_shows_the_servers_current_campaign(server, new_context, console):
    """/board without ?campaign= shows the campaign the server calls current, not the first it lists."""
    page = console.watch(new_context(locale="zh-CN", **SCREEN).new_page())
    listing = server.api("/api/campaigns")
    old = {**listing["campaigns"][0], "id": "old-2019", "state": "closed", "title": {"zh": "2019年度（已结束）", "en": "2019 (closed)"}}
    page.route("**/api/campaigns", lambda route: route.fulfill(json={"campaigns": [old, *listing["campaigns"]], "current": CAMPAIGN}))
    page.goto(f"{server.url}/board")
    expect(page.locator("#campaign-title")).to_have_text("2026年度民生实事 · 你说了算")
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()


# MARK: sort

def test_sort_by_average_reorders_as_ratings_arrive(make_server, new_context, console, results_dir):
    server = make_server()
    page = open_board(new_context, console, server)
    campaign_order = tile_order(page)

    # No ratings yet: sorting by average changes nothing and ranks nothing.
    page.locator("label[for=sort-average]").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=average"))
    expect(page.locator("#sort-average")).to_be_checked()
    expect(page.locator(".tile-rank:visible")).to_have_count(0)
    assert tile_order(page) == campaign_order

    # Ratings arrive over the live connection: the board reorders itself without reloading.
    rate_many(server, {"elder-care": [5, 5], "village-water": [3, 4], "bus-lines": [1]})
    expect(page.locator(".tile").first).to_have_attribute("data-slug", "elder-care")
    expect(page.locator(".tile").nth(1)).to_have_attribute("data-slug", "village-water")
    expect(page.locator(".tile").nth(2)).to_have_attribute("data-slug", "bus-lines")
    expect(page.locator(".tile").nth(0).locator(".tile-rank")).to_have_text("平均分第 1 名")
    expect(page.locator(".tile").nth(2).locator(".tile-rank")).to_have_text("平均分第 3 名")
    expect(page.locator(".tile-rank:visible")).to_have_count(3)  # the unrated are not ranked

    rate_many(server, {"bus-lines": [5, 5, 5, 5, 5], "elder-care": [1, 1, 1, 1, 1]})
    expect(page.locator(".tile").first).to_have_attribute("data-slug", "bus-lines")  # 26/6 = 4.33
    expect(page.locator(".tile").nth(1)).to_have_attribute("data-slug", "village-water")  # 3.50
    expect(page.locator(".tile").nth(2)).to_have_attribute("data-slug", "elder-care")  # 15/7 = 2.14
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.screenshot(path=str(results_dir / "board-sorted-average-zh-1920x1080.png"))

    # By participants: elder-care (7) before bus-lines (6) before village-water (2).
    page.locator("label[for=sort-participants]").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=participants"))
    assert tile_order(page)[:3] == ["elder-care", "bus-lines", "village-water"]
    expect(page.locator(".tile").first.locator(".tile-rank")).to_have_text("参与人数第 1 名")

    # The choice is in the address: a reload (or a shared link) keeps it.
    page.reload()
    expect(page.locator('body[data-live-synced="true"]')).to_be_attached()
    expect(page.locator("#sort-participants")).to_be_checked()
    assert tile_order(page)[:3] == ["elder-care", "bus-lines", "village-water"]

    # And back to the campaign's order: no ranks, the address without ?sort.
    page.locator("label[for=sort-campaign]").click()
    expect(page).not_to_have_url(re.compile(r"sort="))
    assert tile_order(page) == campaign_order
    expect(page.locator(".tile-rank:visible")).to_have_count(0)


# MARK: keyboard

FOCUS_JS = """() => { const e = document.activeElement; const shown = e.matches('input[type=radio]') ? e.nextElementSibling : e;
  const s = getComputedStyle(shown); const box = shown.getBoundingClientRect();
  return {id: e.id, cls: e.className, tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight}; }"""


@pytest.mark.parametrize("size", ["390x844", "1920x1080"])
def test_sort_and_language_by_keyboard_alone(busy_server, new_context, console, results_dir, size):
    page = open_board(new_context, console, busy_server, size=size)
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        seen.append(focus)
        if focus["cls"] == "lang-toggle" or focus["tag"] == "INPUT":
            assert focus["outline"] != "none" and focus["width"] >= 2 and focus["visible"], focus
        if focus["tag"] == "INPUT":
            break
    kinds = [f["cls"] if f["tag"] == "BUTTON" else f["id"] for f in seen]
    assert "lang-toggle" in kinds and "sort-campaign" in kinds, kinds
    page.screenshot(path=str(results_dir / f"board-keyboard-focus-{size}.png"))
    # Arrows move through the sort options (a radio group), each choice applied at once.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#sort-average")).to_be_focused()
    expect(page.locator("#sort-average")).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]sort=average"))
    expect(page.locator(".tile").first.locator(".tile-rank")).to_have_text("平均分第 1 名")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]sort=participants"))
    # Back to the language switch: Shift+Tab, then Enter.
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.className") == "lang-toggle":
            break
    expect(page.locator(".lang-toggle")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".tile").first.locator(".tile-rank")).to_have_text("No. 1 by participants")


# MARK: history

def test_history_chart_draws_the_campaign_over_time(make_server, new_context, console, results_dir):
    server = make_server()
    rate_many(server, {"new-schools": [4, 5], "bus-lines": [3]})
    history = server.api(f"/api/campaigns/{CAMPAIGN}/history")
    assert history["points"], history
    page = open_board(new_context, console, server)
    participants = page.locator("#history-participants")
    expect(participants).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
    expect(participants.locator("circle")).to_have_count(int(participants.get_attribute("data-points")))
    expect(participants.locator(".history-value")).to_have_text("2")
    expect(page.locator("#history-average .history-value")).to_have_text("4.00")

    # New ratings: the chart gains a point for now, with a line to it, and its numbers follow.
    rate_many(server, {"new-schools": [1, 1, 1]})
    expect(participants.locator(".history-value")).to_have_text("5")
    expect(participants.locator("path.line-chart-line")).to_have_count(1)
    assert int(participants.get_attribute("data-points")) >= 2
    expect(page.locator("#history-average .history-value")).to_have_text("2.50")
    expect(participants.locator(".history-text")).to_contain_text("参与人数")
    # Per project too: the average under the tile once it has two points.
    spark = page.locator('.tile[data-slug="new-schools"] .tile-spark')
    expect(spark.locator("path.line-chart-line")).to_have_count(1)
    # Drawn at its own size: a point is a circle, not an ellipse stretched by a viewBox.
    box = participants.locator("svg").bounding_box()
    assert participants.locator("svg").get_attribute("viewBox") == f"0 0 {round(box['width'])} {round(box['height'])}"
    page.locator("#board-history").screenshot(path=str(results_dir / "board-history.png"))


# MARK: screen readers

def test_one_polite_summary_instead_of_announcing_every_change(make_server, new_context, console):
    server = make_server()
    page = open_board(new_context, console, server)
    regions = page.evaluate("""() => [...document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log], [role=timer], [role=marquee]')]
      .map(e => ({id: e.id, live: e.getAttribute('aria-live') ?? e.getAttribute('role')}))""")
    assert regions == [{"id": "board-summary", "live": "polite"}], regions
    summary = page.locator("#board-summary")
    expect(summary).to_have_text("参与人数 0，评价总数 0，点赞 0")
    page.evaluate("""() => { window.announced = [];
      new MutationObserver(() => window.announced.push([performance.now(), document.getElementById('board-summary').textContent]))
        .observe(document.getElementById('board-summary'), {childList: true, characterData: true, subtree: true}); }""")
    # Three changes in a row, each shown on screen at once…
    for n in range(1, 4):
        Citizen(server).rate("childcare", 4)
        expect(page.locator("#total-participants")).to_have_text(str(n))
    # …are announced once, as one summary of where the numbers ended, within the throttle interval.
    expect(summary).to_have_text("参与人数 3，评价总数 3，点赞 0", timeout=15_000)
    announced = page.evaluate("window.announced")
    times = [t for t, _ in announced]
    assert len(announced) <= 2, announced
    assert all(b - a >= 9_500 for a, b in zip(times, times[1:])), announced
