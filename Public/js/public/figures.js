// /figures: the openness figures (docs/PROTOCOL.md "Openness figures"): how the office keeps its promise, from the
// same records staff work on. By default the current campaign's period, live through the `figures` topic (a snapshot,
// then the whole figures again whenever they change); another period (?campaign=ID, or ?from=YYYY-MM-DD&to=…) is read
// from GET /api/figures, and read again when the live figures move (a letter changed). Overall, per department, the
// satisfaction with answers in the board's five-level palette, a CSV of the same period and the campaign's report.
// "How we count" says what OpennessFigures (Sources/Domain/Openness) counts, in plain words.

import { getSession, listCampaigns } from "../shared/api.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import "../shared/i18n-direct.js";
import { Live } from "../shared/live.js";
import { createThrottledAnnouncer, el, errorMessage, setCounter } from "../shared/ui.js";
import { renderFiguresTable } from "./figures-table.js";
import {
  createLevelBar, createLevelRows, fmtClock, fmtDate, fmtDays, fmtDaysNumber, fmtNumber, fmtRate, fmtScore, getFigures,
  isoDate, joinList, levelLabels, OFFICE_ZONE, queryString, renderLiveState,
} from "./common.js";

const $ = (id) => document.getElementById(id);
/** Another period than the live one is read again at most this often while the figures move. */
const REREAD_MS = 1000;

const state = {
  period: periodFromAddress(), // {kind: "current"} | {kind: "campaign", id} | {kind: "dates", from, to}
  campaigns: [],
  current: null,
  data: null,
  error: null,
  token: 0,
  limits: { firstResponseWorkingDays: 1, answerWorkingDays: 5 },
};
let live = null;
let updateBar = null;
let updateRows = null;
let labels = null;
let announce = () => {};
let rereadTimer = null;
let lastReadAt = -Infinity;

setupLanguage();
wire();
renderDefinitions();
start();

function periodFromAddress() {
  const params = new URLSearchParams(location.search);
  const from = params.get("from");
  const to = params.get("to");
  if (from || to) return { kind: "dates", from: from ?? "", to: to ?? "" };
  const campaign = params.get("campaign");
  if (campaign) return { kind: "campaign", id: campaign };
  return { kind: "current" };
}

function periodQuery(period = state.period) {
  if (period.kind === "dates") return queryString({ from: period.from, to: period.to });
  if (period.kind === "campaign") return queryString({ campaign: period.id });
  return "";
}

/** Whether the live topic carries this page's figures: the current campaign's period. */
function showsLive() {
  if (state.period.kind === "current") return true;
  return state.period.kind === "campaign" && state.period.id === state.current;
}

async function start() {
  announce = createThrottledAnnouncer($("figures-announce"), 10000);
  live = new Live({
    onState: (liveState) => renderLiveState($("live-indicator"), $("live-text"), liveState),
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
  });
  live.subscribe("figures", onLive);
  live.start();

  const catalog = listCampaigns().catch(() => ({ campaigns: [], current: null }));
  read();
  const { campaigns = [], current = null } = await catalog;
  state.campaigns = campaigns;
  state.current = current;
  const currentCampaign = campaigns.find((c) => c.id === current) ?? campaigns[0] ?? null;
  labels = levelLabels(currentCampaign);
  buildSatisfaction();
  fillPeriodPicker();
  render();
}

// MARK: period

function wire() {
  onLangChange(() => {
    fillPeriodPicker();
    renderDefinitions();
    render();
  });
  $("period-select").addEventListener("change", () => {
    const value = $("period-select").value;
    setError("");
    if (value === "custom") {
      $("custom-dates").hidden = false;
      fillDefaultDates();
      return;
    }
    $("custom-dates").hidden = true;
    const id = value.slice("campaign:".length);
    // Replaced, not pushed: arrowing through the list on a keyboard changes it once per option.
    choose(id === state.current ? { kind: "current" } : { kind: "campaign", id }, false);
  });
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const from = $("period-from").value;
    const to = $("period-to").value;
    if (!from || !to || to < from) {
      setError(t("figs.datesInvalid"));
      (!from ? $("period-from") : $("period-to")).focus();
      return;
    }
    setError("");
    choose({ kind: "dates", from, to }, true);
  });
  addEventListener("popstate", () => {
    state.period = periodFromAddress();
    fillPeriodPicker();
    read();
  });
}

function setError(text) {
  const status = $("period-error");
  status.textContent = text;
  if (text) status.dataset.kind = "error";
  else delete status.dataset.kind;
  for (const input of [$("period-from"), $("period-to")]) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function choose(period, push) {
  state.period = period;
  const url = new URL(location.href);
  url.search = periodQuery(period);
  if (push) history.pushState(null, "", url);
  else history.replaceState(history.state, "", url);
  state.data = null;
  render();
  read();
}

function fillPeriodPicker() {
  const select = $("period-select");
  const options = state.campaigns.map((campaign) => {
    const suffix = campaign.id === state.current ? t("figs.periodCurrentSuffix") : "";
    const option = el("option", null, t("figs.periodCampaign", { title: pick(campaign.title) }) + suffix);
    option.value = `campaign:${campaign.id}`;
    return option;
  });
  const custom = el("option", null, t("figs.periodCustom"));
  custom.value = "custom";
  options.push(custom);
  // A campaign named in the address that is not in the list still shows what is chosen.
  if (state.period.kind === "campaign" && !state.campaigns.some((c) => c.id === state.period.id)) {
    const option = el("option", null, state.period.id);
    option.value = `campaign:${state.period.id}`;
    options.unshift(option);
  }
  select.replaceChildren(...options);
  if (state.period.kind === "dates") {
    select.value = "custom";
    $("custom-dates").hidden = false;
    $("period-from").value = state.period.from;
    $("period-to").value = state.period.to;
  } else {
    const id = state.period.kind === "campaign" ? state.period.id : state.current;
    if (id) select.value = `campaign:${id}`;
    $("custom-dates").hidden = true;
  }
}

/** The custom dates start as this month so far (in the office's zone); the fields follow the list in tab order. */
function fillDefaultDates() {
  const today = isoDate(Date.now(), zone());
  if (!$("period-to").value) $("period-to").value = today;
  if (!$("period-from").value) $("period-from").value = `${today.slice(0, 8)}01`;
}

function zone() {
  return state.campaigns.find((c) => c.id === state.current)?.timeZone ?? OFFICE_ZONE;
}

// MARK: data

async function read() {
  const token = ++state.token;
  lastReadAt = performance.now();
  try {
    const data = await getFigures(periodQuery());
    if (token !== state.token) return;
    accept(data, false);
  } catch (error) {
    if (token !== state.token) return;
    state.error = error;
    render();
  }
}

/** Takes figures (from HTTP or the topic) unless newer ones are shown already. */
function accept(data, animate) {
  if (!data || typeof data !== "object") return;
  if (state.data && data.computedAt < state.data.computedAt && samePeriod(data.period, state.data.period)) return;
  state.data = data;
  state.error = null;
  if (data.limits) state.limits = data.limits;
  render(animate);
  renderDefinitions();
}

function samePeriod(a, b) {
  return a?.from === b?.from && a?.to === b?.to && a?.campaign === b?.campaign;
}

function onLive({ type, data }) {
  if (showsLive()) {
    accept(data, type === "delta");
    return;
  }
  // Another period: the figures moved (or the page reconnected), so read ours again — at most once a second.
  if (rereadTimer !== null) return;
  const wait = Math.max(0, lastReadAt + REREAD_MS - performance.now());
  rereadTimer = setTimeout(() => {
    rereadTimer = null;
    read();
  }, wait);
}

// MARK: render

const TILES = [
  "received", "answered", "replyRate", "within", "medianFirst", "medianAnswer", "overdue", "invalid",
];

function tileContent(key, f, limits) {
  switch (key) {
    case "received":
      return { label: t("figs.received"), value: fmtNumber(f.received), raw: f.received, sub: t("figs.received.sub", { valid: fmtNumber(f.valid) }) };
    case "answered":
      return { label: t("figs.answered"), value: fmtNumber(f.answered), raw: f.answered, sub: t("figs.answered.sub") };
    case "replyRate":
      return {
        label: t("figs.replyRate"), value: fmtRate(f.replyRate), raw: f.replyRate,
        sub: t("figs.replyRate.sub", { answered: fmtNumber(f.answered), valid: fmtNumber(f.valid) }),
      };
    case "within":
      return {
        label: t("figs.within"), value: fmtRate(f.shareWithinLimit), raw: f.shareWithinLimit,
        sub: t("figs.within.sub", { n: fmtNumber(f.answeredWithinLimit), due: fmtNumber(f.due) }),
      };
    case "medianFirst":
      return {
        label: t("figs.medianFirst"), value: fmtDaysNumber(f.medianFirstResponseWorkingDays), raw: f.medianFirstResponseWorkingDays,
        unit: f.medianFirstResponseWorkingDays === null ? "" : unitOf(f.medianFirstResponseWorkingDays),
        sub: t("figs.medianFirst.sub", { limit: fmtDays(limits.firstResponseWorkingDays) }),
      };
    case "medianAnswer":
      return {
        label: t("figs.medianAnswer"), value: fmtDaysNumber(f.medianAnswerWorkingDays), raw: f.medianAnswerWorkingDays,
        unit: f.medianAnswerWorkingDays === null ? "" : unitOf(f.medianAnswerWorkingDays),
        sub: t("figs.medianAnswer.sub", { limit: fmtDays(limits.answerWorkingDays) }),
      };
    case "overdue":
      return { label: t("figs.overdue"), value: fmtNumber(f.overdue), raw: f.overdue, sub: t("figs.overdue.sub") };
    case "invalid":
      return { label: t("figs.invalid"), value: fmtNumber(f.invalid), raw: f.invalid, sub: t("figs.invalid.sub") };
    default:
      return null;
  }
}

/** "个工作日" / "working days" after a big number. */
function unitOf(days) {
  return t(days === 1 ? "pub.days.one" : "pub.days", { n: "" }).trim();
}

let tiles = null;
function buildTiles() {
  const grid = $("figures-grid");
  tiles = new Map();
  grid.replaceChildren();
  for (const key of TILES) {
    const tile = el("div", `figs-tile figs-tile-${key}`);
    tile.dataset.figure = key;
    const label = el("p", "figs-tile-label");
    const line = el("p", "figs-tile-line");
    const value = el("span", "figs-tile-value");
    const unit = el("span", "figs-tile-unit");
    line.append(value, unit);
    const sub = el("p", "figs-tile-sub");
    tile.append(label, line, sub);
    grid.append(tile);
    tiles.set(key, { tile, label, value, unit, sub });
  }
}

function buildSatisfaction() {
  updateBar = createLevelBar($("sat-bar"), labels);
  updateRows = createLevelRows($("sat-rows"), labels);
}

function render(animate = false) {
  const status = $("page-status");
  const content = $("content");
  const data = state.data;
  document.title = `${t("nav.pubFigures")} · ${t("brand.short")}`;
  if (!data) {
    status.hidden = false;
    status.removeAttribute("data-i18n");
    status.classList.toggle("is-error", Boolean(state.error));
    status.textContent = state.error ? t("loadFailed", { reason: errorMessage(state.error) }) : t("loading");
    content.hidden = true;
    return;
  }
  status.hidden = true;
  content.hidden = false;
  if (!tiles) buildTiles();
  if (!updateBar) buildSatisfaction();
  const f = data.overall;
  const limits = data.limits ?? state.limits;

  $("period-text").textContent = periodText(data.period);
  $("limits-text").textContent = t("figs.limits", {
    first: fmtDays(limits.firstResponseWorkingDays), answer: fmtDays(limits.answerWorkingDays),
  });
  // Years of the period so far that no published holiday calendar covers: their working days are Monday to Friday.
  const uncovered = Array.isArray(data.calendar?.uncoveredYears) ? data.calendar.uncoveredYears : [];
  $("calendar-note").textContent = uncovered.length ? t("figs.calendarMissing", { years: joinList(uncovered.map(String)) }) : "";
  $("calendar-note").hidden = !uncovered.length;
  for (const key of TILES) {
    const tile = tiles.get(key);
    const content = tileContent(key, f, limits);
    tile.label.textContent = content.label;
    setCounter(tile.value, content.value, animate);
    tile.unit.textContent = content.unit ?? "";
    tile.sub.textContent = content.sub;
    tile.tile.dataset.value = content.raw === null || content.raw === undefined ? "" : String(content.raw);
    if (key === "overdue") tile.tile.classList.toggle("is-warning", f.overdue > 0);
  }

  // Satisfaction with the answers.
  updateBar(f.satisfaction);
  updateRows(f.satisfaction);
  $("sat-summary").textContent = f.rated > 0
    ? `${t(f.rated === 1 ? "figs.satisfaction.sub.one" : "figs.satisfaction.sub", { n: fmtNumber(f.rated) })} · ${t("figs.satisfaction.avg", { avg: fmtScore(f.averageSatisfaction) })}`
    : t("figs.satisfaction.none");
  $("sat-summary").dataset.rated = String(f.rated);

  renderDepartments(data);
  $("updated").textContent = t("figs.updated", { time: `${fmtDate(data.computedAt, zone())} ${fmtClock(data.computedAt, zone())}` });

  // Downloads: the same period as shown.
  const query = periodQuery();
  $("csv-link").href = query ? `/api/figures.csv?${query}` : "/api/figures.csv";
  const reportCampaign = data.period?.campaign ?? state.current;
  $("report-link").hidden = !reportCampaign;
  if (reportCampaign) $("report-link").href = `/report?${queryString({ campaign: reportCampaign })}`;

  announce(`${t("figs.received")} ${fmtNumber(f.received)}, ${t("figs.answered")} ${fmtNumber(f.answered)}, ${t("figs.replyRate")} ${fmtRate(f.replyRate)}`);
  document.body.dataset.figuresLoaded = "true";
  document.body.dataset.computedAt = String(data.computedAt);
  document.body.dataset.live = showsLive() ? "true" : "false";
}

function periodText(period) {
  const z = zone();
  const campaign = period?.campaign ? state.campaigns.find((c) => c.id === period.campaign) : null;
  const from = period?.from != null ? fmtDate(period.from, z) : null;
  // `to` is the end of the period (exclusive): the last day counted is the one before it.
  const to = period?.to != null ? fmtDate(period.to - 1, z) : null;
  let text;
  if (from && to) text = t("figs.periodText", { from, to });
  else if (from) text = t("figs.periodFrom", { from });
  else if (to) text = t("figs.periodTo", { to });
  else text = t("figs.periodAll");
  return campaign ? `${pick(campaign.title)} · ${text}` : text;
}

function renderDepartments(data) {
  const { withLetters, without } = renderFiguresTable({
    head: $("departments-head"), body: $("departments-body"), foot: $("departments-foot"), data,
  });
  $("departments-table").hidden = withLetters.length === 0;
  const note = $("no-letters");
  if (!withLetters.length) note.textContent = t("figs.noDepartments");
  else note.textContent = without.length ? t("figs.noLetters", { list: joinList(without) }) : "";
  note.hidden = !note.textContent;
}

function renderDefinitions() {
  const limits = state.limits;
  const list = $("definitions");
  const keys = ["received", "invalid", "answered", "firstResponse", "answerTime", "within", "overdue", "satisfaction", "workingDays", "none"];
  list.replaceChildren(...keys.map((key) => {
    const item = el("li", "figs-def", t(`figs.def.${key}`, { answer: fmtDays(limits.answerWorkingDays), first: fmtDays(limits.firstResponseWorkingDays) }));
    item.dataset.definition = key;
    return item;
  }));
}
