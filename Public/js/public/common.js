// What the public pages of the direct line (/messages, /figures, /report) share: departments and projects by id,
// number and date formats, the five-level palette (the board's, ordered by luminance) and the live indicator.
// Every text from the server goes in with textContent only.

import { getCampaign, getDepartments, listCampaigns, request } from "../shared/api.js";
import { lang, locale, pick, t } from "../shared/i18n.js";
import { el } from "../shared/ui.js";
import "./i18n-public.js";

/** The office's zone when no campaign says otherwise (calendar.timeZone in config/lastword.yaml). */
export const OFFICE_ZONE = "Asia/Shanghai";

export const getMessages = (query) => request("GET", `/api/messages?${query}`);
export const getModerationLog = (query) => request("GET", `/api/moderation/log?${query}`);
export const getFigures = (query) => request("GET", query ? `/api/figures?${query}` : "/api/figures");
export const getReport = (campaign) => request("GET", `/api/report?campaign=${encodeURIComponent(campaign)}`);

/** A query string from an object, leaving out empty values. */
export function queryString(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  return search.toString();
}

let departments = null;
/** Departments by id: Map id → {id, name: {zh, en}, triage}. Asked once per page. */
export function loadDepartments() {
  if (!departments) {
    departments = getDepartments()
      .then((answer) => new Map((answer?.departments ?? []).map((d) => [d.id, d])))
      .catch((error) => {
        departments = null;
        throw error;
      });
  }
  return departments;
}

/** A department's name in the current language (its id if it is not known). */
export function departmentName(map, id) {
  const department = map?.get(id);
  return department ? pick(department.name) : (id ?? "");
}

/**
 * Every campaign with its projects: {campaigns: [Campaign], current, projects: Map slug → {project, campaign}}.
 * The current campaign comes first, then the others newest first (the list's order).
 */
export async function loadCampaignsAndProjects() {
  const { campaigns = [], current = null } = await listCampaigns();
  const ordered = [...campaigns].sort((a, b) => (b.id === current) - (a.id === current));
  const details = await Promise.all(ordered.map((c) => getCampaign(c.id).catch(() => null)));
  const projects = new Map();
  ordered.forEach((campaign, index) => {
    for (const project of details[index]?.projects ?? []) {
      if (!projects.has(project.slug)) projects.set(project.slug, { project, campaign });
    }
  });
  return { campaigns: ordered, current, details, projects };
}

/** The five level names, level 1 first: the campaign's own ({zh, en}) when given, else null (the national scale). */
export function levelLabels(campaign) {
  return campaign?.levelLabels?.length === 5 ? campaign.levelLabels : null;
}

/** A level's name in the current language: the campaign's label, else the national scale's. */
export function levelName(labels, level) {
  return labels ? pick(labels[level - 1]) : t(`pub.level.${level}`);
}

// MARK: numbers

export function fmtNumber(n) {
  return new Intl.NumberFormat(locale()).format(n ?? 0);
}

/** A share (0…1) as a percentage with at most one decimal; "—" for null (nothing to count). */
export function fmtRate(share) {
  if (share === null || share === undefined) return t("pub.none");
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(share);
}

/** A number of working days with at most one decimal ("1.5 个工作日"); "—" for null. */
export function fmtDays(days) {
  if (days === null || days === undefined) return t("pub.none");
  const n = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(days);
  return t(days === 1 ? "pub.days.one" : "pub.days", { n });
}

/** A working-day count without its unit ("1.5"), for big numbers whose unit is printed beside them. */
export function fmtDaysNumber(days) {
  if (days === null || days === undefined) return t("pub.none");
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(days);
}

/** An average on the five levels with two decimals; "—" for null. */
export function fmtScore(average) {
  if (average === null || average === undefined) return t("pub.none");
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(average);
}

// MARK: dates

/** A calendar date ("2026年3月5日", "5 March 2026") in `timeZone`. */
export function fmtDate(ms, timeZone = OFFICE_ZONE) {
  return new Intl.DateTimeFormat(locale(), { timeZone, year: "numeric", month: "long", day: "numeric" }).format(new Date(ms));
}

/** A date and time ("2026年3月5日 14:05"). */
export function fmtDateTime(ms, timeZone = OFFICE_ZONE) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone, year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(ms));
}

/** A time of day with seconds ("14:05:09"), for "updated at". */
export function fmtClock(ms, timeZone = OFFICE_ZONE) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(new Date(ms));
}

/** YYYY-MM-DD of an instant in `timeZone` (what a date input and the API's from/to take). */
export function isoDate(ms, timeZone = OFFICE_ZONE) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The time zone's name in the current language ("中国标准时间"). */
export function zoneName(timeZone = OFFICE_ZONE, at = Date.now()) {
  try {
    const parts = new Intl.DateTimeFormat(locale(), { timeZone, timeZoneName: "long" }).formatToParts(new Date(at));
    return parts.find((part) => part.type === "timeZoneName")?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

/** A list of names joined the way the language joins them. */
export function joinList(names) {
  return names.join(t("figs.listSep"));
}

// MARK: the five levels

/**
 * A one-line stacked bar of the five levels, most satisfied on the left, in the board's palette (orange–grey–blue,
 * luminance rising with satisfaction), with a text equivalent. Returns update(counts).
 */
export function createLevelBar(container, labels) {
  container.replaceChildren();
  container.classList.add("pub-stack");
  const bar = el("div", "pub-stack-bar");
  bar.setAttribute("aria-hidden", "true");
  const segments = [];
  for (let level = 1; level <= 5; level += 1) segments.push(el("span", `pub-stack-seg lvl-${level}`));
  bar.append(...segments.slice().reverse());
  const text = el("p", "visually-hidden");
  container.append(bar, text);
  return (counts = [0, 0, 0, 0, 0]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    segments.forEach((segment, index) => {
      const n = counts[index] ?? 0;
      segment.style.flexGrow = String(n); // CSSOM: allowed by the Content-Security-Policy
      segment.classList.toggle("is-empty", n === 0);
    });
    bar.classList.toggle("is-empty", total === 0);
    const items = [];
    for (let level = 5; level >= 1; level -= 1) {
      const n = counts[level - 1] ?? 0;
      items.push(t("pub.distItem", { label: levelName(labels, level), count: fmtNumber(n), share: fmtShare(n, total) }));
    }
    text.textContent = items.join(" · ");
    container.dataset.counts = counts.join(",");
  };
}

/**
 * The five levels as rows (swatch and name, bar, count, share), most satisfied first. Returns update(counts).
 */
export function createLevelRows(container, labels) {
  container.replaceChildren();
  const list = el("ul", "pub-dist");
  container.append(list);
  const rows = [];
  for (let level = 5; level >= 1; level -= 1) {
    const item = el("li", `pub-dist-row lvl-${level}`);
    item.dataset.level = String(level);
    const name = el("span", "pub-dist-label");
    const swatch = el("span", "pub-swatch");
    swatch.setAttribute("aria-hidden", "true");
    const label = el("span", "pub-dist-name");
    name.append(swatch, label);
    const track = el("span", "pub-dist-track");
    track.setAttribute("aria-hidden", "true");
    const fill = el("span", "pub-dist-fill");
    track.append(fill);
    const count = el("span", "pub-dist-count");
    const share = el("span", "pub-dist-share");
    item.append(name, track, count, share);
    list.append(item);
    rows.push({ level, label, fill, count, share });
  }
  return (counts = [0, 0, 0, 0, 0]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    const max = Math.max(1, ...counts);
    for (const row of rows) {
      const n = counts[row.level - 1] ?? 0;
      row.label.textContent = levelName(labels, row.level);
      row.count.textContent = fmtNumber(n);
      row.share.textContent = fmtShare(n, total);
      row.fill.style.width = `${(n / max) * 100}%`;
    }
    container.dataset.counts = counts.join(",");
  };
}

function fmtShare(n, total) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(total > 0 ? n / total : 0);
}

// MARK: live

/** The live indicator (the same as the other pages'): a dot and a word. */
export function renderLiveState(indicator, text, state) {
  indicator.dataset.state = state === "open" ? "open" : state === "reconnecting" ? "reconnecting" : "connecting";
  const key = state === "open" ? "live.open" : state === "reconnecting" ? "live.reconnecting" : "live.connecting";
  // The key goes on the element too, so switching the language translates the state shown, not the page's first one.
  text.dataset.i18n = key;
  text.textContent = t(key);
}

/** Whether the page is shown in Chinese (some layouts differ by language). */
export function isChinese() {
  return lang() === "zh";
}
