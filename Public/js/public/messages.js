// /messages: the public message board (docs/PROTOCOL.md "Public versions and moderation"). Approved public versions —
// the question as it may be shown and the official reply, with the department, the project, the kind and the dates —
// newest first, filterable by department and project (kept in the address), "load more" with next/before; live
// without reload through the `messages` topic: a snapshot means "read the board again" (the page may have missed
// something while it was away), a delta inserts what was published and removes what was withdrawn, `reset` reads the
// board again. ?view=log shows the public moderation log (GET /api/moderation/log): action, category and its standard
// reason, department, kind and time — never a note, a name or a text.

import { getSession } from "../shared/api.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import "../shared/i18n-direct.js";
import { Live } from "../shared/live.js";
import { el, errorMessage } from "../shared/ui.js";
import {
  departmentName, fmtDate, fmtDateTime, fmtNumber, getMessages, getModerationLog, loadCampaignsAndProjects,
  loadDepartments, queryString, renderLiveState,
} from "./common.js";

const $ = (id) => document.getElementById(id);
const PAGE = 20;
/** A re-read after a reconnect asks for as many items as the page shows (the API gives at most 100). */
const MAX_PAGE = 100;
/** Screen readers hear at most one "new replies" summary this often. */
const ANNOUNCE_MS = 4000;

const state = {
  view: "board",
  filter: { department: "", project: "" },
  departments: null, // Map id → department
  projects: null, // Map slug → {project, campaign}
  campaigns: [],
  board: { items: [], next: null, loaded: false, error: null, loadingMore: false, token: 0, during: null },
  fresh: new Set(), // ids that arrived live while the page was open
  log: { entries: [], next: null, loaded: false, error: null, loadingMore: false, token: 0 },
};
const nodes = new Map(); // BoardItem id → its <li>
let live = null;

setupLanguage();
readAddress();
wire();
showView();
start();

// MARK: start

function readAddress() {
  const params = new URLSearchParams(location.search);
  state.view = params.get("view") === "log" ? "log" : "board";
  state.filter = { department: params.get("department") ?? "", project: params.get("project") ?? "" };
}

function writeAddress(push) {
  const url = new URL(location.href);
  url.search = queryString({
    department: state.filter.department, project: state.filter.project, view: state.view === "log" ? "log" : "",
  });
  if (url.href === location.href) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(history.state, "", url);
}

async function start() {
  live = new Live({
    onState: (liveState) => renderLiveState($("live-indicator"), $("live-text"), liveState),
    // Watching needs no cookie, but a cookie that no longer verifies is refused at the handshake: replace it.
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
  });
  live.subscribe("messages", onLive);
  live.start();

  readBoard();
  if (state.view === "log") readLog();

  const [departments, catalog] = await Promise.all([
    loadDepartments().catch(() => new Map()),
    loadCampaignsAndProjects().catch(() => ({ campaigns: [], projects: new Map() })),
  ]);
  state.departments = departments;
  state.projects = catalog.projects;
  state.campaigns = catalog.campaigns;
  fillFilters();
  renderAll();
}

function wire() {
  onLangChange(() => {
    fillFilters();
    renderAll();
  });
  for (const select of [$("filter-department"), $("filter-project")]) {
    select.addEventListener("change", () => {
      state.filter = { department: $("filter-department").value, project: $("filter-project").value };
      writeAddress(false);
      filtersChanged();
    });
  }
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("filters-clear").addEventListener("click", () => {
    state.filter = { department: "", project: "" };
    $("filter-department").value = "";
    $("filter-project").value = "";
    writeAddress(false);
    filtersChanged();
    $("filter-department").focus();
  });
  $("load-more").addEventListener("click", loadMore);
  $("log-more").addEventListener("click", loadMoreLog);
  for (const [id, view] of [["view-board", "board"], ["view-log", "log"]]) {
    $(id).addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
      event.preventDefault();
      if (state.view === view) return;
      state.view = view;
      writeAddress(true);
      showView();
      if (view === "log" && !state.log.loaded) readLog();
    });
  }
  addEventListener("popstate", () => {
    const before = { ...state.filter };
    readAddress();
    showView();
    syncFilterControls();
    if (before.department !== state.filter.department || before.project !== state.filter.project) filtersChanged();
    if (state.view === "log" && !state.log.loaded) readLog();
  });
}

function showView() {
  const log = state.view === "log";
  $("board-view").hidden = log;
  $("log-view").hidden = !log;
  for (const [id, view] of [["view-board", "board"], ["view-log", "log"]]) {
    if (state.view === view) $(id).setAttribute("aria-current", "page");
    else $(id).removeAttribute("aria-current");
  }
  document.body.dataset.view = state.view;
  document.title = `${t(log ? "msgs.log.title" : "msgs.title")} · ${t("brand.short")}`;
}

// MARK: filters

function fillFilters() {
  const departmentSelect = $("filter-department");
  const all = el("option", null, t("msgs.filter.allDepartments"));
  all.value = "";
  const options = [all];
  for (const department of state.departments?.values() ?? []) {
    const option = el("option", null, pick(department.name));
    option.value = department.id;
    options.push(option);
  }
  if (state.filter.department && !state.departments?.has(state.filter.department)) {
    const option = el("option", null, state.filter.department);
    option.value = state.filter.department;
    options.push(option);
  }
  departmentSelect.replaceChildren(...options);

  const projectSelect = $("filter-project");
  const allProjects = el("option", null, t("msgs.filter.allProjects"));
  allProjects.value = "";
  const groups = [allProjects];
  const several = state.campaigns.length > 1;
  for (const campaign of state.campaigns) {
    const entries = [...(state.projects?.values() ?? [])].filter((entry) => entry.campaign.id === campaign.id);
    if (!entries.length) continue;
    const parent = several ? el("optgroup") : null;
    if (parent) parent.label = pick(campaign.title);
    for (const { project } of entries) {
      const option = el("option", null, pick(project.title));
      option.value = project.slug;
      if (parent) parent.append(option);
      else groups.push(option);
    }
    if (parent) groups.push(parent);
  }
  if (state.filter.project && !state.projects?.has(state.filter.project)) {
    const option = el("option", null, state.filter.project);
    option.value = state.filter.project;
    groups.push(option);
  }
  projectSelect.replaceChildren(...groups);
  syncFilterControls();
}

function syncFilterControls() {
  $("filter-department").value = state.filter.department;
  $("filter-project").value = state.filter.project;
  $("filters-clear").hidden = !state.filter.department && !state.filter.project;
}

function filtersChanged() {
  syncFilterControls();
  state.board = { ...state.board, items: [], next: null, loaded: false, error: null };
  state.fresh.clear();
  for (const node of nodes.values()) node.remove();
  nodes.clear();
  renderBoard();
  readBoard();
}

function matches(item) {
  return (!state.filter.department || item.department === state.filter.department)
    && (!state.filter.project || item.project === state.filter.project);
}

// MARK: the board

function boardQuery(extra) {
  return queryString({ department: state.filter.department, project: state.filter.project, ...extra });
}

/** Newest publication first (ids break ties: a later approval has a later id only within a time; good enough). */
function byPublication(a, b) {
  return (b.publishedAt ?? 0) - (a.publishedAt ?? 0) || b.id - a.id;
}

/** Applies a live change ({published, withdrawn}) to a list of items. */
function applyChange(items, change) {
  const withdrawn = new Set(change.withdrawn ?? []);
  const next = items.filter((item) => !withdrawn.has(item.id));
  const have = new Set(next.map((item) => item.id));
  for (const item of change.published ?? []) {
    if (withdrawn.has(item.id) || have.has(item.id) || !matches(item)) continue;
    next.push(item);
    have.add(item.id);
  }
  return next.sort(byPublication);
}

/**
 * Reads the board's first page (or as many items as are shown, after a reconnect). Live changes that arrive while the
 * answer is on its way are applied on top of it: the answer may have been read before they committed.
 */
async function readBoard({ keepShown = false } = {}) {
  const board = state.board;
  const token = ++board.token;
  board.during = [];
  const limit = keepShown ? Math.min(MAX_PAGE, Math.max(PAGE, board.items.length)) : PAGE;
  try {
    const answer = await getMessages(boardQuery({ limit }));
    if (token !== board.token) return;
    let items = (answer?.items ?? []).filter(matches).sort(byPublication);
    for (const change of board.during ?? []) items = applyChange(items, change);
    board.items = items;
    board.next = answer?.next ?? null;
    board.loaded = true;
    board.error = null;
  } catch (error) {
    if (token !== board.token) return;
    board.error = error;
  }
  board.during = null;
  renderBoard();
}

async function loadMore() {
  const board = state.board;
  if (!board.next || board.loadingMore) return;
  board.loadingMore = true;
  renderMoreButton();
  const token = board.token;
  const before = board.items.length;
  try {
    const answer = await getMessages(boardQuery({ limit: PAGE, before: board.next }));
    if (token !== board.token) return;
    const have = new Set(board.items.map((item) => item.id));
    board.items = board.items.concat((answer?.items ?? []).filter((item) => !have.has(item.id) && matches(item))).sort(byPublication);
    board.next = answer?.next ?? null;
    board.error = null;
  } catch (error) {
    if (token !== board.token) return;
    showStatus($("board-status"), t("loadFailed", { reason: errorMessage(error) }), true);
  } finally {
    board.loadingMore = false;
  }
  renderBoard();
  // The button is gone on the last page: keep the keyboard where the new items start.
  if (!board.next) {
    const first = board.items[before];
    const node = first && nodes.get(first.id)?.querySelector("article");
    if (node) node.focus();
  }
}

function onLive({ type, data }) {
  if (type === "snapshot" || data?.reset) {
    // Subscribed (again): anything may have happened while the page was away. Read what it shows again.
    readBoard({ keepShown: true });
    if (state.log.loaded) readLog({ keepShown: true });
    return;
  }
  const change = { published: data?.published ?? [], withdrawn: data?.withdrawn ?? [] };
  if (!change.published.length && !change.withdrawn.length) return;
  const board = state.board;
  if (board.during) board.during.push(change);
  const shown = new Set(board.items.map((item) => item.id));
  const added = change.published.filter((item) => matches(item) && !shown.has(item.id));
  const removed = change.withdrawn.filter((id) => shown.has(id));
  for (const item of added) state.fresh.add(item.id);
  if (board.loaded) {
    board.items = applyChange(board.items, change);
    renderBoard();
  }
  announce(added.length, removed.length);
  // A decision was taken: the moderation log has a new line.
  if (state.log.loaded) readLog({ keepShown: true });
}

// MARK: render the board

function renderAll() {
  showView();
  for (const item of state.board.items) {
    const node = nodes.get(item.id);
    if (node) renderItem(node, item);
  }
  renderBoard();
  renderLog();
}

function renderBoard() {
  const board = state.board;
  const status = $("board-status");
  const list = $("message-list");
  if (board.error && !board.items.length) {
    showStatus(status, t("loadFailed", { reason: errorMessage(board.error) }), true);
  } else if (!board.loaded) {
    showStatus(status, t("loading"), false);
  } else if (!board.items.length) {
    showStatus(status, t(state.filter.department || state.filter.project ? "msgs.emptyFiltered" : "msgs.empty"), false);
    status.classList.add("pub-empty");
  } else {
    status.hidden = true;
  }

  // Keyed: nodes are kept while their item is shown, so a live insert never rebuilds what a reader is looking at.
  const keep = new Set(board.items.map((item) => item.id));
  for (const [id, node] of nodes) {
    if (keep.has(id)) continue;
    if (node.contains(document.activeElement)) list.focus();
    node.remove();
    nodes.delete(id);
  }
  let previous = null;
  for (const item of board.items) {
    let node = nodes.get(item.id);
    if (!node) {
      node = el("li", "pub-message");
      node.dataset.id = String(item.id);
      renderItem(node, item);
      nodes.set(item.id, node);
      if (state.fresh.has(item.id)) flash(node);
    }
    const wanted = previous ? previous.nextSibling : list.firstChild;
    if (wanted !== node) list.insertBefore(node, wanted);
    previous = node;
  }

  const count = $("message-count");
  count.textContent = board.items.length ? t("msgs.shown", { n: fmtNumber(board.items.length) }) : "";
  list.dataset.count = String(board.items.length);
  renderMoreButton();
  $("list-end").hidden = !(board.loaded && board.items.length > 0 && !board.next);
  if (board.loaded) document.body.dataset.messagesLoaded = "true";
}

function renderMoreButton() {
  const board = state.board;
  const button = $("load-more");
  button.hidden = !board.next;
  button.disabled = board.loadingMore;
  button.textContent = t(board.loadingMore ? "msgs.loadingMore" : "msgs.loadMore");
}

function renderItem(node, item) {
  node.dataset.department = item.department ?? "";
  node.dataset.project = item.project ?? "";
  const article = el("article", "card pub-msg");
  article.tabIndex = -1;

  const meta = el("p", "pub-msg-meta");
  const kind = el("span", "tag pub-kind", t(`kind.${item.kind}`));
  kind.dataset.kind = item.kind;
  meta.append(kind, el("span", "pub-msg-dept", departmentName(state.departments, item.department)));
  if (item.project) {
    const entry = state.projects?.get(item.project);
    meta.append(el("span", "pub-msg-project", t("msgs.projectTag", { title: entry ? pick(entry.project.title) : item.project })));
  }
  if (state.fresh.has(item.id)) meta.append(el("span", "pub-new", t("msgs.new")));

  const question = el("div", "pub-msg-part pub-msg-question");
  question.append(el("p", "pub-msg-label", t("msgs.question")), el("p", "pub-msg-text", item.question));

  const answer = el("div", "pub-msg-part pub-msg-answer");
  answer.append(el("p", "pub-msg-label", t("msgs.answer")), el("p", "pub-msg-text", item.answer));

  const dates = el("p", "pub-msg-dates");
  if (item.answeredAt) dates.append(el("span", "pub-msg-answered", t("msgs.answeredAt", { date: fmtDate(item.answeredAt) })));
  if (item.publishedAt) dates.append(el("span", "pub-msg-published", t("msgs.publishedAt", { date: fmtDate(item.publishedAt) })));

  article.append(meta, question, answer, dates);
  node.replaceChildren(article);
}

function flash(node) {
  node.classList.add("is-new");
  setTimeout(() => node.classList.remove("is-new"), 2500);
}

let announceCounts = { added: 0, removed: 0 };
let announceTimer = null;
let lastAnnounced = -Infinity;
function announce(added, removed) {
  if (!added && !removed) return;
  announceCounts.added += added;
  announceCounts.removed += removed;
  if (announceTimer !== null) return;
  const wait = Math.max(0, lastAnnounced + ANNOUNCE_MS - performance.now());
  announceTimer = setTimeout(() => {
    announceTimer = null;
    lastAnnounced = performance.now();
    const parts = [];
    const say = (key, n) => t(n === 1 ? `${key}.one` : key, { n: fmtNumber(n) });
    if (announceCounts.added) parts.push(say("msgs.announce.published", announceCounts.added));
    if (announceCounts.removed) parts.push(say("msgs.announce.withdrawn", announceCounts.removed));
    announceCounts = { added: 0, removed: 0 };
    $("board-announce").textContent = parts.join(t("figs.listSep"));
  }, wait);
}

function showStatus(status, text, error) {
  status.removeAttribute("data-i18n");
  status.hidden = false;
  status.textContent = text;
  status.classList.toggle("is-error", error);
  status.classList.remove("pub-empty");
}

// MARK: the moderation log

async function readLog({ keepShown = false } = {}) {
  const log = state.log;
  const token = ++log.token;
  const limit = keepShown ? Math.min(MAX_PAGE, Math.max(PAGE, log.entries.length)) : PAGE;
  try {
    const answer = await getModerationLog(queryString({ limit }));
    if (token !== log.token) return;
    log.entries = answer?.entries ?? [];
    log.next = answer?.next ?? null;
    log.loaded = true;
    log.error = null;
  } catch (error) {
    if (token !== log.token) return;
    log.error = error;
  }
  renderLog();
}

async function loadMoreLog() {
  const log = state.log;
  if (!log.next || log.loadingMore) return;
  log.loadingMore = true;
  renderLog();
  const token = log.token;
  try {
    const answer = await getModerationLog(queryString({ limit: PAGE, before: log.next }));
    if (token !== log.token) return;
    log.entries = log.entries.concat(answer?.entries ?? []);
    log.next = answer?.next ?? null;
  } catch (error) {
    if (token === log.token) log.error = error;
  } finally {
    log.loadingMore = false;
  }
  renderLog();
}

function renderLog() {
  const log = state.log;
  const status = $("log-status");
  const table = $("log-table");
  if (log.error && !log.entries.length) {
    showStatus(status, t("loadFailed", { reason: errorMessage(log.error) }), true);
  } else if (!log.loaded) {
    showStatus(status, t("loading"), false);
  } else if (!log.entries.length) {
    showStatus(status, t("msgs.log.empty"), false);
  } else {
    status.hidden = true;
  }
  table.hidden = !log.entries.length;
  const labels = {
    at: t("msgs.log.at"), action: t("msgs.log.action"), reason: t("msgs.log.reason"),
    department: t("msgs.log.department"), kind: t("msgs.log.kind"),
  };
  const rows = log.entries.map((entry) => {
    const row = el("tr", "pub-log-row");
    row.dataset.action = entry.action;
    const cell = (key, text, tag = "td") => {
      const node = el(tag, `pub-log-${key}`, text);
      node.dataset.label = labels[key];
      return node;
    };
    const at = cell("at", fmtDateTime(entry.at));
    const action = cell("action", t(`msgs.action.${entry.action}`));
    action.dataset.action = entry.action;
    row.append(
      at,
      action,
      cell("reason", entry.reason ? pick(entry.reason) : t("pub.none")),
      cell("department", departmentName(state.departments, entry.department)),
      cell("kind", entry.kind ? t(`kind.${entry.kind}`) : t("pub.none")),
    );
    return row;
  });
  $("log-body").replaceChildren(...rows);
  const more = $("log-more");
  more.hidden = !log.next;
  more.disabled = log.loadingMore;
  more.textContent = t(log.loadingMore ? "msgs.loadingMore" : "msgs.loadMore");
  if (log.loaded) document.body.dataset.logLoaded = "true";
}
