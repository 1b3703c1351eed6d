// Shared rendering helpers. Every text that comes from the server or a person goes in with textContent only.

import { chooseCampaignID, getCampaign } from "./api.js";
import { locale, pick, t } from "./i18n.js";

/** Creates an element with a class and text (textContent, never HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function fmtInt(n) {
  return new Intl.NumberFormat(locale()).format(n ?? 0);
}

export function fmtAverage(average) {
  if (average === null || average === undefined) return "—";
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(average);
}

export function fmtPercent(part, whole) {
  const share = whole > 0 ? part / whole : 0;
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(share);
}

export function fmtWait(seconds) {
  const s = Math.max(1, Math.ceil(seconds ?? 1));
  return s > 90 ? t("wait.minutes", { n: Math.ceil(s / 60) }) : t("wait.seconds", { n: s });
}

/** A time in the campaign's time zone, e.g. "2026年1月1日 00:00". */
export function fmtDateTime(ms, timeZone) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone, year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(ms));
}

/** The time zone's name in the current language ("中国标准时间", "China Standard Time"), else its IANA id. */
export function fmtZoneName(timeZone, at = Date.now()) {
  try {
    const parts = new Intl.DateTimeFormat(locale(), { timeZone, timeZoneName: "long" }).formatToParts(new Date(at));
    return parts.find((part) => part.type === "timeZoneName")?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

/**
 * The evaluation window in the campaign's time zone: "评价时间：2026年1月1日 00:00 至 2030年12月31日 23:59 · 中国标准时间"
 * (short: without the words around the dates).
 */
export function fmtWindow(campaign, { short = false } = {}) {
  const from = fmtDateTime(campaign.opensAt, campaign.timeZone);
  const to = fmtDateTime(campaign.closesAt, campaign.timeZone);
  const zone = fmtZoneName(campaign.timeZone, campaign.opensAt);
  return `${t(short ? "window.short" : "window", { from, to })} · ${zone}`;
}

/** Renders the open / upcoming / closed badge into an element with class "state-badge". */
export function renderState(badge, state) {
  badge.textContent = t(`state.${state}`);
  badge.dataset.state = state;
}

/** A localized message for an error code (from the HTTP API or the WebSocket). */
export function errorMessage(error, { campaign } = {}) {
  const code = error?.code ?? "unknown";
  const key = `err.${code}`;
  const params = {
    code,
    max: 500,
    wait: fmtWait(error?.retryAfter),
    opens: campaign ? fmtDateTime(campaign.opensAt, campaign.timeZone) : "",
  };
  const text = t(key, params);
  return text === key ? t("err.unknown", params) : text;
}

/**
 * Sets a number's text; when a live update changes it (animate), highlights it briefly (the CSS respects
 * prefers-reduced-motion). The first snapshot fills the page quietly.
 */
export function setCounter(node, text, animate = false) {
  const value = String(text);
  if (node.textContent === value) return;
  node.textContent = value;
  if (!animate) return;
  node.classList.remove("bump");
  void node.offsetWidth; // restart the animation
  node.classList.add("bump");
  clearTimeout(node._bumpTimer);
  node._bumpTimer = setTimeout(() => node.classList.remove("bump"), 1600);
}

/**
 * A five-level distribution as rows (label, bar, count), most satisfied first. The bar is decoration
 * (aria-hidden); each row's text says the label, the count and the share.
 * Returns an update(counts) function so live deltas only touch numbers and widths.
 */
export function createDistribution(container, levelLabels) {
  container.replaceChildren();
  container.classList.add("dist");
  const list = el("ul", "dist-list");
  container.append(list);
  const rows = [];
  for (let level = 5; level >= 1; level -= 1) {
    const item = el("li", `dist-row lvl-${level}`);
    item.dataset.level = String(level);
    const label = el("span", "dist-label");
    const track = el("span", "dist-track");
    track.setAttribute("aria-hidden", "true");
    const fill = el("span", "dist-fill");
    track.append(fill);
    const count = el("span", "dist-count");
    const share = el("span", "dist-share");
    item.append(label, track, count, share);
    list.append(item);
    rows.push({ level, label, fill, count, share });
  }
  let last = [0, 0, 0, 0, 0];
  const update = (counts = last, animate = false) => {
    last = counts;
    const total = counts.reduce((a, b) => a + b, 0);
    const max = Math.max(1, ...counts);
    for (const row of rows) {
      const n = counts[row.level - 1] ?? 0;
      row.label.textContent = pick(levelLabels[row.level - 1]);
      setCounter(row.count, fmtInt(n), animate);
      row.share.textContent = fmtPercent(n, total);
      // CSSOM, not a style attribute: allowed by the Content-Security-Policy.
      row.fill.style.width = `${(n / max) * 100}%`;
    }
    container.dataset.counts = counts.join(",");
  };
  update();
  return update;
}

/** A one-line stacked bar of the five levels (the board), with a text equivalent for screen readers and tests. */
export function createStackedBar(container, levelLabels) {
  container.replaceChildren();
  container.classList.add("stack");
  const bar = el("div", "stack-bar");
  bar.setAttribute("aria-hidden", "true");
  const segments = [];
  for (let level = 1; level <= 5; level += 1) {
    const segment = el("span", `stack-seg lvl-${level}`);
    segments.push(segment);
  }
  bar.append(...segments.slice().reverse()); // most satisfied on the left
  const text = el("p", "stack-text visually-hidden");
  container.append(bar, text);
  let last = [0, 0, 0, 0, 0];
  const update = (counts = last) => {
    last = counts;
    const total = counts.reduce((a, b) => a + b, 0);
    segments.forEach((segment, index) => {
      const n = counts[index] ?? 0;
      segment.style.flexGrow = String(n);
      segment.classList.toggle("is-empty", n === 0);
      segment.textContent = total > 0 && n / total >= 0.08 ? fmtInt(n) : "";
    });
    bar.classList.toggle("is-empty", total === 0);
    const items = [];
    for (let level = 5; level >= 1; level -= 1) {
      items.push(t("dist.item", { label: pick(levelLabels[level - 1]), count: fmtInt(counts[level - 1] ?? 0) }));
    }
    text.textContent = items.join(" · ");
    container.dataset.counts = counts.join(",");
  };
  update();
  return update;
}

/**
 * Loads the campaign the page is for (`?campaign=`, else the server's current one), or shows in `status` why there
 * is none and returns null. status.dataset.error is then the reason's code ("campaign.none", "campaign.not_found",
 * or the API error's), so a page can add a way out (a link to the default campaign).
 */
export async function loadChosenCampaign(status, { backTo = null } = {}) {
  const fail = (text, code) => {
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = text;
    status.dataset.error = code;
    return null;
  };
  try {
    const id = await chooseCampaignID();
    if (!id) return fail(t("home.none"), "campaign.none");
    return await getCampaign(id);
  } catch (error) {
    if (error?.code === "campaign.not_found") {
      fail(t("campaign.notFound"), error.code);
      // A wrong ?campaign=: a way back to the campaign everyone else sees.
      if (backTo) appendLink(status, t("campaign.goCurrent"), backTo);
      return null;
    }
    return fail(t("loadFailed", { reason: errorMessage(error) }), error?.code ?? "unknown");
  }
}

/** A project page whose project could not be loaded says why; a wrong slug gets a way back to `/`. */
export function showProjectLoadError(status, error) {
  status.removeAttribute("data-i18n"); // keep the message when the language changes
  status.classList.add("is-error");
  if (error?.code === "project.not_found") {
    status.textContent = t("project.notFound");
    appendLink(status, t("notFound.home"), "/");
  } else {
    status.textContent = t("loadFailed", { reason: errorMessage(error) });
  }
}

function appendLink(node, text, href) {
  const link = el("a", null, text);
  link.href = href;
  node.append(" ", link);
}

/**
 * A polite live region that a busy tally cannot flood. The numbers on screen update with every delta, but a screen
 * reader hears at most one summary per `intervalMs` (the latest one, once the interval has passed), so a project
 * rated a hundred times a minute is announced every ~10 s instead of a hundred times. The citizen's own actions are
 * announced by their own status lines (role="status"), not through this region. A summary equal to the last one
 * announced is not repeated.
 * Returns say(text); the first call only records the text (the page just loaded: nothing has changed yet).
 */
export function createThrottledAnnouncer(node, intervalMs = 10000) {
  let last = null; // what was announced (or shown at load)
  let pending = null;
  let lastAt = -Infinity;
  let timer = null;
  const flush = () => {
    timer = null;
    if (pending === null || pending === last) {
      pending = null;
      return;
    }
    node.textContent = pending;
    last = pending;
    pending = null;
    lastAt = performance.now();
  };
  return (text) => {
    if (last === null) {
      last = text;
      lastAt = performance.now();
      return;
    }
    pending = text;
    if (timer !== null) return;
    const wait = Math.max(0, lastAt + intervalMs - performance.now());
    timer = setTimeout(flush, wait);
  };
}
