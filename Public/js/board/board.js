// /board: the big screen in a hall (and, linked from `/` as "实时大屏", a phone or a laptop). Every project live, the
// campaign's totals and watchers, its state and window; the campaign's QR code while it is open; the final results
// once it has closed; a sort (kept in the address: ?sort=average) and the scores over time.
//
// Which campaign: ?campaign=<id>, else the server's `current` (chooseCampaignID, api.js).
// Screen readers: the numbers are not live regions; one polite summary (#board-summary) at most every 10 s.

import { chooseCampaignID, getCampaign, getSession, listCampaigns } from "../shared/api.js";
import { locale, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, mergeProjects } from "../shared/live.js";
import {
  createStackedBar, createThrottledAnnouncer, el, errorMessage, fmtAverage, fmtDateTime, fmtInt, fmtWindow,
  renderState, setCounter,
} from "../shared/ui.js";
import { createLineChart, HistoryFeed } from "./board-history.js";

const $ = (id) => document.getElementById(id);

export const SORTS = ["campaign", "average", "participants", "likes"];
/** Live updates re-sort the tiles at most this often, so a busy board does not shuffle under people's eyes. */
const RESORT_MS = 1500;
const SUMMARY_EVERY_MS = 10000;

const state = {
  campaign: null,
  summary: null, // the campaign's entry in GET /api/campaigns (url, totals)
  projects: [],
  board: null,
  tiles: new Map(),
  sort: sortFromURL(),
  history: null,
};
let live = null;
let historyFeed = null;
let announce = () => {};
let resortTimer = null;
let lastSortAt = -Infinity;
let charts = null;

setupLanguage();
start();

function sortFromURL() {
  const value = new URLSearchParams(location.search).get("sort");
  return SORTS.includes(value) ? value : "campaign";
}

async function load() {
  const status = $("campaign-title");
  const fail = (text) => {
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = text;
    return null;
  };
  try {
    const id = await chooseCampaignID();
    if (!id) return fail(t("home.none"));
    const [detail, list] = await Promise.all([getCampaign(id), listCampaigns().catch(() => null)]);
    return { detail, summary: list?.campaigns?.find((c) => c.id === id) ?? null };
  } catch (error) {
    if (error?.code === "campaign.not_found") return fail(t("campaign.notFound"));
    return fail(t("loadFailed", { reason: errorMessage(error) }));
  }
}

async function start() {
  const loaded = await load();
  if (!loaded) return;
  const { detail, summary } = loaded;
  $("campaign-title").removeAttribute("data-i18n");
  state.campaign = detail.campaign;
  state.summary = summary;
  state.projects = detail.projects;
  // Final (or current) results without waiting for the WebSocket: the campaign's tallies (GET /api/campaigns/:id)
  // and totals (GET /api/campaigns). The live snapshot replaces them.
  const totals = summary?.totals ?? {};
  state.board = {
    state: detail.campaign.state,
    participants: totals.participants ?? 0,
    ratings: totals.ratings ?? 0,
    likes: totals.likes ?? 0,
    watchers: 0,
    projects: detail.tallies ?? {},
  };
  document.body.dataset.projects = String(state.projects.length);
  buildTiles();
  setupSort();
  charts = {
    participants: createLineChart($("history-participants"), { min: 0 }),
    average: createLineChart($("history-average"), { min: 1, max: 5 }),
  };
  setupCharts();
  announce = createThrottledAnnouncer($("board-summary"), SUMMARY_EVERY_MS);
  render();
  applySort();
  onLangChange(() => {
    render();
    applySort();
  });
  tick();
  setInterval(tick, 1000);

  historyFeed = new HistoryFeed(state.campaign.id, (history) => {
    state.history = history;
    renderHistory();
  });
  historyFeed.start();

  live = new Live({
    onState: renderLiveState,
    // Watching needs no cookie, but the server refuses a WebSocket whose cookie no longer verifies; asking for a
    // session clears (and replaces) such a cookie.
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
  });
  live.subscribe(`campaign:${state.campaign.id}`, ({ type, data }) => {
    const changed = type === "delta" ? Object.keys(data.projects ?? {}) : [];
    const projects = mergeProjects(state.board?.projects, data.projects, type);
    const before = state.board.projects;
    const stateBefore = state.board.state;
    state.board = { ...state.board, ...data, projects };
    if (state.board.state !== stateBefore) renderCampaignState();
    renderLive(type === "delta");
    for (const slug of changed) {
      const old = before[slug];
      const now = projects[slug];
      // Light up a tile when its ratings or likes moved (not for a watcher coming or going).
      if (!old || old.participants !== now.participants || old.likes !== now.likes || String(old.counts) !== String(now.counts)) {
        state.tiles.get(slug)?.flash();
      }
    }
    if (type === "snapshot") {
      applySort();
    } else if (changed.length) {
      scheduleSort();
    }
    historyFeed.liveTotal(state.board.participants ?? 0);
    scheduleHistory();
  });
  live.start();
}

// MARK: tiles

function buildTiles() {
  const grid = $("board-grid");
  grid.replaceChildren();
  for (const project of state.projects) {
    const tile = el("li", "tile");
    tile.dataset.slug = project.slug;
    // Shown only when the board is sorted by a figure, and then it says what the rank is of ("平均分第 1 名").
    const rank = el("p", "tile-rank");
    rank.hidden = true;
    const names = el("div", "tile-names");
    const title = el("h3", "tile-title");
    const department = el("p", "tile-dept");
    names.append(title, department);

    const average = figure("tile-average");
    const participants = figure("tile-participants");
    const likes = figure("tile-likes");
    const figures = el("div", "tile-figures");
    figures.append(average.node, participants.node, likes.node);

    const stack = el("div", "tile-stack");
    const updateStack = createStackedBar(stack, state.campaign.levelLabels);

    const spark = el("div", "tile-spark");
    const updateSpark = createLineChart(spark, { min: 1, max: 5, dots: false });

    tile.append(rank, names, figures, stack, spark);
    grid.append(tile);

    const render = () => {
      title.textContent = pick(project.title);
      department.textContent = pick(project.department);
      participants.label.textContent = t("board.participantsShort");
      average.label.textContent = t("board.avgShort");
      likes.label.textContent = t("board.likesShort");
    };
    const update = (tally, animate) => {
      setCounter(participants.value, fmtInt(tally?.participants ?? 0), animate);
      setCounter(average.value, fmtAverage(tally?.average ?? null), animate);
      setCounter(likes.value, fmtInt(tally?.likes ?? 0), animate);
      updateStack(tally?.counts ?? [0, 0, 0, 0, 0]);
    };
    const setRank = (text) => {
      rank.hidden = text === null;
      rank.textContent = text ?? "";
      tile.classList.toggle("is-ranked", text !== null);
    };
    const flash = () => {
      tile.classList.remove("flash");
      void tile.offsetWidth;
      tile.classList.add("flash");
      clearTimeout(tile._flashTimer);
      tile._flashTimer = setTimeout(() => tile.classList.remove("flash"), 2000);
    };
    state.tiles.set(project.slug, { node: tile, render, update, setRank, flash, spark: updateSpark });
  }
}

function figure(className) {
  const node = el("div", `tile-figure ${className}-box`);
  const value = el("span", `tile-value ${className}`, "0");
  const label = el("span", "tile-label");
  node.append(value, label);
  return { node, value, label };
}

// MARK: sort

function setupSort() {
  for (const input of document.querySelectorAll('#board-sort input[name="sort"]')) {
    input.checked = input.value === state.sort;
    input.addEventListener("change", () => {
      if (!input.checked) return;
      state.sort = input.value;
      const url = new URL(location.href);
      if (state.sort === "campaign") url.searchParams.delete("sort");
      else url.searchParams.set("sort", state.sort);
      history.replaceState(history.state, "", url);
      applySort();
    });
  }
  addEventListener("popstate", () => {
    state.sort = sortFromURL();
    for (const input of document.querySelectorAll('#board-sort input[name="sort"]')) input.checked = input.value === state.sort;
    applySort();
  });
}

/** The figure a sort ranks by (null: not ranked, e.g. no rating yet). */
function sortValue(tally, key) {
  if (key === "average") return tally?.average ?? null;
  const value = tally?.[key] ?? 0;
  return value > 0 ? value : null;
}

/**
 * The projects in the chosen order with their rank: highest first, ties by participants then campaign order, the
 * unranked ones last in campaign order. Equal figures share a rank (1, 2, 2, 4).
 */
export function orderProjects(projects, tallies, key) {
  const rows = projects.map((project, index) => {
    const tally = tallies?.[project.slug];
    return { slug: project.slug, index, value: key === "campaign" ? null : sortValue(tally, key), participants: tally?.participants ?? 0 };
  });
  if (key === "campaign") return rows.map((row) => ({ slug: row.slug, rank: null }));
  rows.sort((a, b) => {
    if (a.value === null || b.value === null) return (a.value === null) - (b.value === null) || a.index - b.index;
    return b.value - a.value || b.participants - a.participants || a.index - b.index;
  });
  const shown = (v) => (key === "average" ? Math.round(v * 100) : v); // averages tie as shown (two decimals)
  let rank = 0;
  let previous = null;
  return rows.map((row, position) => {
    if (row.value === null) return { slug: row.slug, rank: null };
    if (previous === null || shown(row.value) !== shown(previous)) rank = position + 1;
    previous = row.value;
    return { slug: row.slug, rank };
  });
}

function applySort() {
  clearTimeout(resortTimer);
  resortTimer = null;
  lastSortAt = performance.now();
  if (!state.board) return;
  const order = orderProjects(state.projects, state.board.projects, state.sort);
  const grid = $("board-grid");
  const current = Array.from(grid.children, (node) => node.dataset.slug);
  if (current.join(" ") !== order.map((row) => row.slug).join(" ")) {
    for (const row of order) grid.append(state.tiles.get(row.slug).node);
  }
  for (const row of order) {
    state.tiles.get(row.slug).setRank(row.rank === null ? null : t(`board.rank.${state.sort}`, { n: fmtInt(row.rank) }));
  }
  grid.dataset.sort = state.sort;
  document.body.dataset.sort = state.sort;
}

function scheduleSort() {
  if (state.sort === "campaign" || resortTimer !== null) return;
  const wait = Math.max(0, lastSortAt + RESORT_MS - performance.now());
  resortTimer = setTimeout(applySort, wait);
}

// MARK: render

function render() {
  const { campaign } = state;
  document.title = `${t("board.title")} · ${pick(campaign.title)}`;
  $("campaign-title").textContent = pick(campaign.title);
  $("campaign-window").textContent = fmtWindow(campaign, { short: true });
  const legend = $("legend");
  legend.replaceChildren();
  for (let level = 5; level >= 1; level -= 1) {
    const item = el("li", `legend-item lvl-${level}`);
    item.dataset.level = String(level);
    const swatch = el("span", "legend-swatch");
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, el("span", "legend-label", pick(campaign.levelLabels[level - 1])));
    legend.append(item);
  }
  for (const tile of state.tiles.values()) tile.render();
  renderCampaignState();
  renderLive();
  renderLiveState(live?.state ?? "connecting");
  renderHistory();
  tick();
}

/** Open: the QR code and the invitation. Closed: "final results", nothing to scan. Upcoming: when it opens. */
function renderCampaignState() {
  const { campaign } = state;
  const now = state.board.state;
  document.body.dataset.campaignState = now;
  renderState($("campaign-state"), now);
  const banner = $("board-banner");
  banner.dataset.state = now;
  if (now === "closed") {
    banner.textContent = t("board.closed");
    banner.hidden = false;
  } else if (now === "upcoming") {
    banner.textContent = t("board.upcoming", { opens: fmtDateTime(campaign.opensAt, campaign.timeZone) });
    banner.hidden = false;
  } else {
    banner.hidden = true;
    banner.textContent = "";
  }
  const open = now === "open";
  $("board-cta").hidden = !open;
  const qr = $("board-qr");
  qr.hidden = !open;
  const img = $("board-qr-img");
  if (open) {
    const url = state.summary?.url ?? `${location.origin}/?campaign=${encodeURIComponent(campaign.id)}`;
    const src = `/qr/campaigns/${encodeURIComponent(campaign.id)}.svg`;
    if (img.getAttribute("src") !== src) img.src = src; // only requested while open
    img.alt = t("board.qrAlt", { url });
    const link = $("board-qr-url");
    link.href = url;
    link.textContent = url.replace(/^https?:\/\//, "");
  }
}

function renderLive(animate = false) {
  const board = state.board;
  setCounter($("total-participants"), fmtInt(board.participants), animate);
  setCounter($("total-ratings"), fmtInt(board.ratings), animate);
  setCounter($("total-likes"), fmtInt(board.likes), animate);
  let watchers = board.watchers ?? 0;
  for (const tally of Object.values(board.projects)) watchers += tally.watchers ?? 0;
  setCounter($("total-watchers"), fmtInt(watchers), animate);
  for (const [slug, tile] of state.tiles) tile.update(board.projects[slug], animate);
  const summary = t("board.summary", { participants: fmtInt(board.participants), ratings: fmtInt(board.ratings), likes: fmtInt(board.likes) });
  const region = $("board-summary");
  if (!region.textContent) region.textContent = summary; // what is there at load (not announced as a change)
  announce(summary);
}

function renderLiveState(liveState) {
  $("live-indicator").dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
}

// MARK: history

function setupCharts() {
  for (const [series, node] of [["participants", $("history-participants")], ["average", $("history-average")]]) {
    const head = el("p", "history-head");
    head.append(el("span", "history-label"), el("span", "history-value"));
    const foot = el("p", "history-foot");
    foot.setAttribute("aria-hidden", "true");
    foot.append(el("span", "history-from"), el("span", "history-to"));
    const text = el("p", "history-text visually-hidden");
    node.prepend(head);
    node.append(foot, text);
    node.dataset.series = series;
  }
}

/** The campaign's average over every rating of the live tallies (what the history's `average` is). */
function liveAverage(projects) {
  let sum = 0;
  let n = 0;
  for (const tally of Object.values(projects ?? {})) {
    (tally.counts ?? []).forEach((count, index) => {
      sum += (index + 1) * count;
      n += count;
    });
  }
  return n > 0 ? Math.round((sum / n) * 1000) / 1000 : null; // rounded as the server rounds it
}

/** Live updates redraw the charts at most once per second. */
let historyTimer = null;
function scheduleHistory() {
  if (historyTimer !== null) return;
  historyTimer = setTimeout(() => {
    historyTimer = null;
    renderHistory();
  }, 1000);
}

function renderHistory() {
  if (!charts || !state.board) return;
  const campaign = state.campaign;
  const samples = (state.history?.points ?? []).map((p) => ({ at: p.at, participants: p.participants ?? 0, average: p.average ?? null }));
  // While open, the chart ends at "now" with the live totals (the server's next sample will take its place).
  if (state.board.state === "open" && live?.state === "open") {
    const nowPoint = { at: Date.now(), participants: state.board.participants ?? 0, average: liveAverage(state.board.projects) };
    const last = samples[samples.length - 1];
    if (!last || last.participants !== nowPoint.participants || last.average !== nowPoint.average) {
      if (!last || nowPoint.at > last.at) samples.push(nowPoint);
    }
  }
  const time = (ms) => {
    const sameDay = samples.length && new Date(samples[0].at).toDateString() === new Date(samples[samples.length - 1].at).toDateString();
    return new Intl.DateTimeFormat(locale(), {
      timeZone: campaign.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      ...(sameDay ? {} : { month: "numeric", day: "numeric" }),
    }).format(new Date(ms));
  };
  $("history-title").textContent = t("board.history");
  for (const series of ["participants", "average"]) {
    const node = $(`history-${series}`);
    const points = samples.map((p) => ({ at: p.at, value: p[series] }));
    charts[series](points);
    const format = series === "average" ? fmtAverage : fmtInt;
    const drawn = points.filter((p) => p.value !== null);
    const label = t(`board.history.${series}`);
    node.querySelector(".history-label").textContent = label;
    node.querySelector(".history-value").textContent = drawn.length ? format(drawn[drawn.length - 1].value) : "—";
    node.querySelector(".history-from").textContent = drawn.length ? time(drawn[0].at) : "";
    node.querySelector(".history-to").textContent = drawn.length > 1 ? time(drawn[drawn.length - 1].at) : "";
    node.querySelector(".history-text").textContent = drawn.length
      ? t("board.history.text", { label, from: time(drawn[0].at), first: format(drawn[0].value), to: time(drawn[drawn.length - 1].at), last: format(drawn[drawn.length - 1].value) })
      : t("board.history.empty");
  }
  // Per project: the average over time, a line under each tile.
  const perProject = state.history?.projects ?? {};
  for (const [slug, tile] of state.tiles) {
    const points = (perProject[slug] ?? []).map((p) => ({ at: p.at, value: p.average ?? null }));
    const tally = state.board.projects[slug];
    const lastPoint = points[points.length - 1];
    if (state.board.state === "open" && tally?.average != null && (!lastPoint || lastPoint.value !== tally.average)) {
      points.push({ at: Math.max(Date.now(), (lastPoint?.at ?? 0) + 1), value: tally.average });
    }
    tile.spark(points);
  }
}

function tick() {
  if (!state.campaign) return;
  $("clock").textContent = new Intl.DateTimeFormat(locale(), {
    timeZone: state.campaign.timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(new Date());
}
