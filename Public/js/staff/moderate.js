// /moderate: the moderators' queue of public versions (docs/PROTOCOL.md "Public versions and moderation").
//
// - Signing in is the console's: GET /api/staff/me, and without a live session /staff/login?next=/moderate, which
//   comes back here (the same item); a browser that was never signed in goes to the login page without asking. Staff are told the queue is for moderators; admins may look (the queue, items and
//   their history) but not decide — the server refuses, so the page shows everything read-only and says why.
// - The queue: the ordered topic `moderation` (answered `subscribed`; the list is then read over HTTP, GET
//   /api/moderation/queue, and read again on every resubscription), then `{"type":"queue","event":…}` as each
//   submission, hold, release and decision commits. Items oldest first; above them the queue's depth and the age of
//   the oldest waiting item, which tick every second. Queue messages that arrive while the list is being read are
//   applied on top of the answer (each carries the item's whole state, so applying one again changes nothing).
// - Opening an item takes its hold (POST …/open), renewed every 2.5 minutes while it stays open, and let go (…/close)
//   when the moderator opens another, goes back to the list or leaves the page (a keepalive request). An item another
//   moderator holds says who ("X 正在处理这一条") and can be tried again; the queue shows who holds what, live.
// - The item: the question and the answer as submitted, both editable; what the edit changes is shown as it is typed
//   (taken out, put in); approve publishes the edited texts (only the changed ones are sent), reject needs a category
//   and a note for the author. Approved items (the "已公开" list, newest first from /api/messages) can be withdrawn
//   with a category and a note. The item's audit history: who did what and when, with the texts before and after and
//   their differences.
// - Keyboard: every control is a native one; after a decision the focus goes to the line that says what happened,
//   with "下一条" beside it; Escape closes an open panel, then (one pane at a time, below 64rem) the item.
// - Live messages of type `queue` come to the `moderation` topic's handler, which passes them to receiveQueue.

import "./i18n-staff.js";
import { getDepartments, getProject } from "../shared/api.js";
import { describeError, fmtWhen, LIMITS, renderCounter, textLength } from "../shared/direct-line.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, LiveError } from "../shared/live.js";
import { el, fmtInt } from "../shared/ui.js";
import { changed, renderDiff } from "./diff.js";
import { fmtSpan } from "./due.js";
import { personalDetails } from "./public-version.js";
import { clearSignedIn, loginAddress, signedInUser, signOut } from "./session.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);
const CATEGORIES = ["personal-data", "inaccurate", "incomplete", "unfit", "consent-withdrawn", "other"];
const RENEW_MS = 150_000;
const KEEP_ALIVE_MS = 60_000;
const EXCERPT = 80;
const narrow = matchMedia("(max-width: 63.99rem)");

const state = {
  me: null,
  departments: [],
  users: new Map(), // name -> display name
  projects: new Map(), // slug -> {zh, en} or null while asked
  queue: new Map(), // id -> PublicVersion (pending)
  depth: null,
  oldest: null,
  complete: true, // the queue's answer listed every waiting item (depth and age are then counted here)
  queueLoaded: false,
  queueLoading: false,
  queueToken: 0,
  buffered: null, // queue messages that came while the list was being read
  queueMessage: null,
  tab: "queue",
  published: [],
  publishedNext: null,
  publishedLoaded: false,
  publishedLoading: false,
  openID: null,
  item: null,
  history: [],
  itemToken: 0,
  holding: false, // this moderator holds the open item
  lockedBy: null, // another moderator holds it
  renewTimer: null,
  busy: false,
  message: null,
  superseded: false,
  signedOut: false,
};

let live = null;

setupLanguage();
start();

async function start() {
  try {
    state.me = await signedInUser();
  } catch (error) {
    return pageError(t("loadFailed", { reason: describeError(error) }), error.code ?? "unknown");
  }
  if (!state.me) return;
  document.body.dataset.role = state.me.role;
  $("logout").hidden = false;
  $("to-console").hidden = false;
  renderMe();
  if (state.me.role === "staff") {
    // Staff never moderate, not even their own public versions.
    pageError(t("mod.staffOnly"), "auth.forbidden", true);
    return;
  }
  const [departments, users] = await Promise.all([getDepartments().catch(() => null), api.listUsers().catch(() => null)]);
  state.departments = departments?.departments ?? [];
  for (const user of users?.users ?? []) state.users.set(user.name, user.displayName || user.name);

  $("page-status").hidden = true;
  $("moderation").hidden = false;
  $("admin-readonly").hidden = !readOnly();
  wire();
  renderAll();
  onLangChange(renderAll);

  live = new Live({
    onState: (liveState) => {
      renderLiveState(liveState);
    },
    onError: (error) => {
      if (!signedOut(error)) setQueueMessage({ kind: "error", error });
    },
    keepAliveMs: KEEP_ALIVE_MS,
  });
  live.watch("moderation", receiveTopic);
  live.start();
  loadQueue();
  setInterval(tickAges, 1000);

  const wanted = Number(new URLSearchParams(location.search).get("item"));
  if (Number.isInteger(wanted) && wanted > 0) {
    // Opened at an item (after signing in again): the list goes under it in the history.
    history.replaceState(null, "", addressFor(null));
    openItem(wanted, { push: true, focus: false });
  }
  addEventListener("popstate", followHistory);
  addEventListener("pagehide", () => {
    if (state.holding && state.openID !== null) api.closeItemOnLeave(state.openID);
  });
}

function pageError(text, code, toConsole = false) {
  const status = $("page-status");
  status.removeAttribute("data-i18n");
  status.classList.add("is-error");
  status.textContent = text;
  status.dataset.error = code;
  if (toConsole) {
    const link = el("a", null, t("mod.toConsole"));
    link.href = "/staff";
    status.append(" ", link);
  }
}

/** Admins see the queue and the history but never decide (the server refuses them). */
function readOnly() {
  return state.me?.role !== "moderator";
}

// MARK: the session

function signedOut(error) {
  if (error?.code !== "auth.required") return false;
  if (state.signedOut) return true;
  state.signedOut = true;
  clearSignedIn();
  stopRenewing();
  state.holding = false;
  live?.stop(new LiveError("auth.required"));
  document.body.dataset.signedOut = "true";
  $("signed-out").hidden = false;
  $("signed-out-text").textContent = t("err.auth.required");
  $("signed-out-login").href = loginAddress();
  renderItem();
  return true;
}

// MARK: names

function userName(name) {
  if (!name) return "";
  if (name === state.me?.name) return state.me.displayName || name;
  return state.users.get(name) ?? name;
}

function departmentName(id) {
  const department = state.departments.find((d) => d.id === id);
  return department ? pick(department.name) : id ?? "";
}

function projectTitle(slug) {
  if (!slug) return null;
  if (!state.projects.has(slug)) {
    state.projects.set(slug, null);
    getProject(slug).then((answer) => {
      state.projects.set(slug, answer.project.title);
      renderItem();
    }, () => {});
  }
  return state.projects.get(slug);
}

function excerpt(text, n = EXCERPT) {
  const chars = Array.from(String(text ?? "").replace(/\s+/g, " ").trim());
  return chars.length > n ? `${chars.slice(0, n).join("")}…` : chars.join("");
}

/** Someone else's live hold on an item, or null (a lapsed hold holds nothing). */
function otherHold(version) {
  const hold = version?.hold;
  if (!hold || !hold.by || hold.until <= Date.now() || hold.by === state.me.name) return null;
  return hold;
}

// MARK: the queue

async function loadQueue() {
  if (state.signedOut) return;
  const token = ++state.queueToken;
  state.queueLoading = true;
  state.buffered = [];
  if (!state.queueLoaded) setQueueMessage({ kind: "pending", key: "mod.loading" });
  try {
    const answer = await api.getQueue();
    if (token !== state.queueToken) return;
    state.queue.clear();
    for (const item of answer.items ?? []) if (item.status === "pending") state.queue.set(item.id, item);
    state.depth = answer.depth ?? state.queue.size;
    state.oldest = answer.oldestSubmittedAt ?? null;
    state.complete = (answer.items ?? []).length >= state.depth;
    for (const message of state.buffered ?? []) applyQueueMessage(message, { quiet: true });
    state.queueLoaded = true;
    state.queueMessage = null;
    document.body.dataset.queueLoads = String(Number(document.body.dataset.queueLoads ?? 0) + 1);
  } catch (error) {
    if (token !== state.queueToken || signedOut(error)) return;
    state.queueMessage = { kind: "error", error };
  } finally {
    if (token === state.queueToken) {
      state.queueLoading = false;
      state.buffered = null;
    }
  }
  document.body.dataset.queueLoaded = "true";
  renderQueue();
  renderQueueMessage();
}

/** The topic's own messages (Live hands these over): `subscribed` (again) reads the list; a refusal says why. */
function receiveTopic(message) {
  switch (message.type) {
    case "queue":
      receiveQueue(message);
      return;
    case "subscribed":
      document.body.dataset.queueLive = "true";
      loadQueue();
      return;
    case "refused":
      if (signedOut(message.error)) return;
      if (!message.retryIn) setQueueMessage({ kind: "error", error: message.error });
      return;
    default:
      return;
  }
}

/** `{"type":"queue","event":…,"item":…,"depth":…,"oldestSubmittedAt":…}` off the socket. */
function receiveQueue(message) {
  if (message.type !== "queue" || message.topic !== "moderation" || !message.item) return;
  if (state.buffered) state.buffered.push(message);
  applyQueueMessage(message);
  renderQueue();
}

function applyQueueMessage(message, { quiet = false } = {}) {
  const item = message.item;
  const known = state.queue.has(item.id);
  if (item.status === "pending") state.queue.set(item.id, item);
  else state.queue.delete(item.id);
  if (state.complete) {
    state.depth = state.queue.size;
    state.oldest = state.queue.size ? Math.min(...[...state.queue.values()].map((v) => v.submittedAt)) : null;
  } else {
    state.depth = message.depth ?? state.depth;
    state.oldest = message.oldestSubmittedAt ?? null;
  }
  if (!quiet && message.event === "submitted" && !known && item.status === "pending") {
    announce(t("mod.arrived", { text: excerpt(item.question, 40) }));
  }
  // Published and withdrawn items move in and out of the "已公开" list.
  if (message.event === "decided" && state.publishedLoaded) {
    if (item.status === "approved" && item.published && !state.published.some((p) => p.id === item.id)) {
      state.published.unshift({ id: item.id, question: item.published.question, answer: item.published.answer, kind: item.kind,
        department: item.department, project: item.project, answeredAt: item.answeredAt, publishedAt: item.published.at });
    } else if (item.status === "withdrawn") {
      state.published = state.published.filter((p) => p.id !== item.id);
    }
    renderPublished();
  }
  if (item.id === state.openID) {
    const mine = state.holding;
    if (message.event === "superseded") {
      // The message names the replaced item by its id but carries the new revision's fields: only the status is its.
      state.superseded = true;
      state.item = { ...state.item, status: "superseded", hold: null };
    } else {
      state.item = { ...state.item, ...item };
    }
    if (item.status !== "pending") {
      stopRenewing();
      state.holding = false;
      state.lockedBy = null;
      if (!quiet && message.event === "decided" && !state.busy && item.decision?.moderator !== state.me.name) {
        state.message = { kind: "info", key: "mod.decidedElsewhere", params: { who: item.decision?.moderatorName || userName(item.decision?.moderator), action: t(`mod.action.${item.decision?.action ?? "approved"}`) } };
        loadItemDetail(item.id);
      }
    } else {
      const other = otherHold(item);
      state.lockedBy = other ? other.by : null;
      if (other && mine) {
        stopRenewing();
        state.holding = false;
      }
    }
    renderItem();
  }
}

function setQueueMessage(message) {
  state.queueMessage = message;
  renderQueueMessage();
}

function renderQueueMessage() {
  const node = $("queue-status");
  const message = state.queueMessage;
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    delete node.dataset.error;
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error?.code) node.dataset.error = message.error.code;
  node.textContent = message.key ? t(message.key, message.params ?? {}) : describeError(message.error);
}

function announce(text) {
  $("queue-announce").textContent = text;
}

function renderQueue() {
  const list = $("queue-list");
  const focused = document.activeElement?.closest?.(".queue-row")?.dataset.id ?? null;
  const items = [...state.queue.values()].sort((a, b) => a.submittedAt - b.submittedAt || a.id - b.id);
  list.replaceChildren(...items.map(queueRow));
  $("queue-empty").hidden = state.tab !== "queue" || items.length > 0 || !state.queueLoaded;
  const more = $("queue-more");
  more.hidden = state.tab !== "queue" || !state.depth || state.depth <= items.length;
  more.textContent = t("mod.shownOf", { shown: fmtInt(items.length), n: fmtInt(state.depth ?? 0) });
  if (focused) list.querySelector(`.queue-row[data-id="${CSS.escape(focused)}"]`)?.focus();
  renderSummary();
  document.title = state.depth ? `(${state.depth}) ${t("mod.title")}` : t("mod.title");
  renderNext();
}

/** "下一条": once the open item is decided (or someone else has it, or this role only reads). */
function renderNext() {
  const item = state.item;
  const done = !item || item.status !== "pending" || !!state.lockedBy || readOnly();
  $("next-item").hidden = !nextItem() || !done;
}

function queueRow(item) {
  const li = el("li", "inbox-item queue-item");
  const row = el("button", "inbox-row queue-row");
  row.type = "button";
  row.dataset.id = String(item.id);
  row.dataset.thread = String(item.thread);
  if (item.id === state.openID) row.setAttribute("aria-current", "true");
  const top = el("span", "row-top");
  top.append(el("span", "tag row-kind", t(`kind.${item.kind}`)), el("span", "row-subject", excerpt(item.question)));
  const waiting = el("span", "row-time row-waiting", fmtSpan(Date.now() - item.submittedAt, { seconds: true }));
  waiting.dataset.since = String(item.submittedAt);
  top.append(waiting);
  row.append(top);
  const bottom = el("span", "row-bottom");
  bottom.append(el("span", "row-department", departmentName(item.department)),
    el("span", null, t("mod.revisionBy", { n: item.revision, who: item.authorName || userName(item.author) })));
  const other = otherHold(item);
  if (other) {
    row.dataset.heldBy = other.by;
    bottom.append(el("span", "hold-badge", t("mod.heldBy", { name: userName(other.by) })));
  } else if (item.hold?.by === state.me.name && item.hold.until > Date.now()) {
    bottom.append(el("span", "hold-badge is-mine", t("mod.heldByMe")));
  }
  row.append(bottom);
  row.addEventListener("click", () => openItem(item.id, { push: true, focus: narrow.matches }));
  li.append(row);
  return li;
}

function renderSummary() {
  $("queue-depth").textContent = state.depth === null ? "—" : fmtInt(state.depth);
  $("queue-depth-label").textContent = t(state.depth === 1 ? "mod.depthLabel.one" : "mod.depthLabel");
  const box = $("queue-oldest-box");
  box.hidden = !state.oldest;
  if (state.oldest) $("queue-oldest").textContent = fmtSpan(Date.now() - state.oldest, { seconds: true });
  box.dataset.age = !state.oldest ? "" : Date.now() - state.oldest > 24 * 3_600_000 ? "day" : Date.now() - state.oldest > 3_600_000 ? "hour" : "";
  const summary = $("queue-summary");
  summary.dataset.depth = String(state.depth ?? "");
}

/** Every second: the age of the oldest waiting item and how long each row has waited. */
function tickAges() {
  if (document.visibilityState !== "visible") return;
  renderSummary();
  for (const node of document.querySelectorAll(".row-waiting[data-since]")) {
    node.textContent = fmtSpan(Date.now() - Number(node.dataset.since), { seconds: true });
  }
  const waiting = $("item-waiting");
  if (state.item?.status === "pending") waiting.textContent = t("mod.waiting", { span: fmtSpan(Date.now() - state.item.submittedAt, { seconds: true }) });
}

// MARK: the published list

async function loadPublished({ more = false } = {}) {
  if (state.publishedLoading || (more && !state.publishedNext)) return;
  state.publishedLoading = true;
  renderPublished();
  try {
    const answer = await api.listPublished({ before: more ? state.publishedNext : null });
    const items = answer.items ?? [];
    state.published = more ? [...state.published, ...items.filter((i) => !state.published.some((p) => p.id === i.id))] : items;
    state.publishedNext = answer.next ?? null;
    state.publishedLoaded = true;
  } catch (error) {
    if (!signedOut(error)) setQueueMessage({ kind: "error", error });
  } finally {
    state.publishedLoading = false;
  }
  renderPublished();
}

function renderPublished() {
  const list = $("published-list");
  const shown = state.tab === "published";
  list.hidden = !shown;
  $("published-empty").hidden = !shown || !state.publishedLoaded || state.published.length > 0;
  $("published-more").hidden = !shown || !state.publishedNext;
  if (!shown) return;
  list.replaceChildren(...state.published.map((item) => {
    const li = el("li", "inbox-item queue-item");
    const row = el("button", "inbox-row queue-row");
    row.type = "button";
    row.dataset.id = String(item.id);
    if (item.id === state.openID) row.setAttribute("aria-current", "true");
    const top = el("span", "row-top");
    top.append(el("span", "tag row-kind", t(`kind.${item.kind}`)), el("span", "row-subject", excerpt(item.question)),
      el("span", "row-time", fmtWhen(item.publishedAt)));
    const bottom = el("span", "row-bottom");
    bottom.append(el("span", "row-department", departmentName(item.department)));
    row.append(top, bottom);
    row.addEventListener("click", () => openItem(item.id, { push: true, focus: narrow.matches }));
    li.append(row);
    return li;
  }));
}

function setTab(tab) {
  state.tab = tab;
  $("tab-queue").setAttribute("aria-pressed", tab === "queue" ? "true" : "false");
  $("tab-published").setAttribute("aria-pressed", tab === "published" ? "true" : "false");
  $("queue-list").hidden = tab !== "queue";
  if (tab === "published" && !state.publishedLoaded) loadPublished();
  renderQueue();
  renderPublished();
}

// MARK: an item

function addressFor(id) {
  const url = new URL(location.href);
  url.searchParams.delete("item");
  if (id !== null) url.searchParams.set("item", String(id));
  return url;
}

function followHistory() {
  const wanted = Number(new URLSearchParams(location.search).get("item"));
  if (Number.isInteger(wanted) && wanted > 0) {
    if (wanted !== state.openID) openItem(wanted, { push: false, focus: narrow.matches });
    else document.body.dataset.view = "item";
  } else {
    closeItem({ focusRow: true });
  }
}

/** Lets go of the open item's hold (if this moderator has it). */
function release() {
  stopRenewing();
  if (state.holding && state.openID !== null && !state.signedOut) api.closeItem(state.openID).catch(() => {});
  state.holding = false;
}

function stopRenewing() {
  clearInterval(state.renewTimer);
  state.renewTimer = null;
}

async function openItem(id, { push = false, focus = false } = {}) {
  if (state.openID !== null && state.openID !== id) release();
  const fromList = state.openID === null;
  const token = ++state.itemToken;
  state.openID = id;
  state.item = null;
  state.history = [];
  state.lockedBy = null;
  state.holding = false;
  state.message = null;
  state.superseded = false;
  state.busy = false;
  document.body.dataset.view = "item";
  const url = addressFor(id);
  if (push && fromList && url.href !== location.href) history.pushState({ moderate: "pushed" }, "", url);
  else history.replaceState(history.state, "", url);
  $("item-placeholder").hidden = true;
  $("item").hidden = true;
  const loading = $("item-loading");
  loading.hidden = false;
  loading.classList.remove("is-error");
  loading.textContent = t("mod.opening");
  renderQueue();
  renderPublished();

  let detail;
  try {
    detail = await api.getItem(id);
  } catch (error) {
    if (token !== state.itemToken || signedOut(error)) return;
    loading.classList.add("is-error");
    loading.textContent = describeError(error);
    return;
  }
  if (token !== state.itemToken) return;
  setDetail(detail);
  fillTexts();
  loading.hidden = true;
  $("item").hidden = false;
  renderItem();
  if (focus) $("item-title").focus();
  if (state.item.status === "pending" && !readOnly()) await takeHold(id, token);
}

function setDetail(detail) {
  state.item = detail.version;
  state.history = detail.history ?? [];
  state.revisions = detail.revisions ?? [];
}

async function loadItemDetail(id) {
  const token = state.itemToken;
  try {
    const detail = await api.getItem(id);
    if (token !== state.itemToken) return;
    setDetail(detail);
    renderItem();
  } catch (error) {
    signedOut(error);
  }
}

/** Takes (or renews) the hold; another moderator's hold says who has it. */
async function takeHold(id, token = state.itemToken) {
  try {
    const { version } = await api.openItem(id);
    if (token !== state.itemToken) {
      api.closeItem(id).catch(() => {});
      return;
    }
    state.item = { ...state.item, ...version };
    state.holding = true;
    state.lockedBy = null;
    if (!state.renewTimer) {
      state.renewTimer = setInterval(() => {
        if (state.holding && state.openID === id) takeHold(id);
      }, RENEW_MS);
    }
    if (state.message?.key === "mod.locked") state.message = null;
  } catch (error) {
    if (token !== state.itemToken || signedOut(error)) return;
    stopRenewing();
    state.holding = false;
    if (error.code === "moderation.locked") {
      await lockedBySomeone(id, token);
    } else {
      if (error.code === "moderation.invalid_transition") loadItemDetail(id);
      state.message = { kind: "error", error };
    }
  }
  renderItem();
}

/** moderation.locked: who holds it now (read again; the error's text is the server's, in English). */
async function lockedBySomeone(id, token) {
  try {
    const detail = await api.getItem(id);
    if (token !== state.itemToken) return;
    state.item = { ...state.item, ...detail.version };
    state.history = detail.history ?? state.history;
  } catch (error) {
    if (signedOut(error)) return;
  }
  const hold = otherHold(state.item);
  state.lockedBy = hold?.by ?? state.lockedBy ?? "";
  state.message = { kind: "error", key: "mod.locked", params: { name: userName(state.lockedBy) || t("mod.someone") } };
}

function closeItem({ focusRow = false } = {}) {
  const id = state.openID;
  release();
  state.itemToken += 1;
  state.openID = null;
  state.item = null;
  state.message = null;
  state.lockedBy = null;
  $("item").hidden = true;
  $("item-loading").hidden = true;
  $("item-placeholder").hidden = false;
  document.body.dataset.view = "list";
  delete document.body.dataset.itemStatus;
  renderQueue();
  renderPublished();
  if (focusRow && id !== null) {
    const row = document.querySelector(`.queue-row[data-id="${id}"]`);
    if (row) row.focus();
    else $("tab-queue").focus();
  }
}

function backToList() {
  if (history.state?.moderate === "pushed") {
    history.back();
    return;
  }
  history.replaceState(null, "", addressFor(null));
  closeItem({ focusRow: true });
}

/** The oldest waiting item that is not the open one and nobody else holds. */
function nextItem() {
  return [...state.queue.values()]
    .filter((item) => item.id !== state.openID && !otherHold(item))
    .sort((a, b) => a.submittedAt - b.submittedAt || a.id - b.id)[0] ?? null;
}

/** The boxes get the item's texts: as submitted (pending), or as published (approved). */
function fillTexts() {
  const item = state.item;
  const published = item.status === "approved" && item.published;
  $("item-question").value = published ? item.published.question : item.question;
  $("item-answer").value = published ? item.published.answer : item.answer;
}

/** What the moderator may do with the open item now. */
function may() {
  const item = state.item;
  const moderator = !readOnly() && !state.signedOut && !state.busy;
  return {
    edit: moderator && item?.status === "pending" && !state.lockedBy && !state.superseded,
    withdraw: moderator && item?.status === "approved",
  };
}

function edits() {
  const item = state.item;
  const question = $("item-question").value.trim();
  const answer = $("item-answer").value.trim();
  return {
    question,
    answer,
    questionChanged: changed(item.question.trim(), question),
    answerChanged: changed(item.answer.trim(), answer),
  };
}

function renderItem() {
  const item = state.item;
  if (!item) return;
  document.body.dataset.itemStatus = item.status;
  $("item").dataset.id = String(item.id);
  $("item").dataset.status = item.status;
  $("item-title").textContent = t("mod.itemTitle", { id: item.id, department: departmentName(item.department) });
  const status = $("item-status");
  status.textContent = t(`public.status.${item.status}`);
  status.dataset.status = item.status;
  $("item-kind").textContent = t(`kind.${item.kind}`);
  $("item-waiting").textContent = item.status === "pending"
    ? t("mod.waiting", { span: fmtSpan(Date.now() - item.submittedAt, { seconds: true }) })
    : "";

  const facts = $("item-facts");
  facts.replaceChildren();
  const fact = (key, value) => {
    const box = el("div", "fact");
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    box.append(el("dt", null, t(key)), dd);
    facts.append(box);
  };
  fact("mod.revisionLabel", t("public.revision", { n: item.revision }));
  fact("mod.author", item.authorName || userName(item.author) || "—");
  fact("mod.submitted", fmtWhen(item.submittedAt));
  fact("case.department", departmentName(item.department));
  if (item.answeredAt) fact("mod.answeredAt", fmtWhen(item.answeredAt));
  if (item.project) {
    const title = projectTitle(item.project);
    const link = el("a", null, title ? pick(title) : item.project);
    link.href = `/p/${encodeURIComponent(item.project)}`;
    fact("case.project", link);
  }
  const letter = el("a", null, t("mod.openLetter"));
  letter.href = `/staff?thread=${encodeURIComponent(item.thread)}`;
  fact("mod.letter", letter);
  if (item.status === "approved" && item.published) fact("mod.publishedAt", fmtWhen(item.published.at));

  renderHold();
  const allowed = may();
  const form = $("decide-form");
  form.hidden = !(item.status === "pending" || item.status === "approved" || item.status === "rejected" || item.status === "withdrawn" || item.status === "superseded");
  for (const id of ["item-question", "item-answer"]) {
    $(id).readOnly = !allowed.edit;
    $(id).toggleAttribute("aria-readonly", !allowed.edit);
  }
  $("decide-hint").hidden = !allowed.edit;
  $("approve").hidden = item.status !== "pending" || readOnly();
  $("approve").disabled = !allowed.edit;
  $("approve").setAttribute("aria-busy", state.busy ? "true" : "false");
  $("reject-box").hidden = item.status !== "pending" || readOnly();
  $("withdraw-box").hidden = item.status !== "approved" || readOnly();
  for (const id of ["reject-category", "reject-note", "reject-do"]) $(id).disabled = !allowed.edit;
  for (const id of ["withdraw-category", "withdraw-note", "withdraw-do"]) $(id).disabled = !allowed.withdraw;
  if (!allowed.edit) $("reject-box").open = false;
  renderEdit();
  renderItemMessage();
  renderHistory();
  renderNext();
}

function renderHold() {
  const line = $("item-hold");
  const item = state.item;
  line.dataset.kind = "";
  $("hold-retry-box").hidden = true;
  if (item.status !== "pending") {
    line.textContent = state.superseded ? t("mod.superseded") : "";
    line.dataset.kind = state.superseded ? "info" : "";
    return;
  }
  if (state.lockedBy) {
    line.textContent = t("mod.locked", { name: userName(state.lockedBy) || t("mod.someone") });
    line.dataset.kind = "locked";
    $("hold-retry-box").hidden = readOnly();
  } else if (state.holding) {
    const until = item.hold?.until;
    line.textContent = t("mod.holding", { time: until ? fmtWhen(until) : "" });
    line.dataset.kind = "mine";
  } else if (readOnly()) {
    const hold = otherHold(item);
    line.textContent = hold ? t("mod.heldBy", { name: userName(hold.by) }) : "";
    line.dataset.kind = hold ? "locked" : "";
  } else {
    line.textContent = state.signedOut ? "" : t("mod.takingHold");
  }
}

/** What the moderator's edit changes, as they type; the approve button says it publishes the edited texts. */
function renderEdit() {
  const item = state.item;
  const question = $("item-question");
  const answer = $("item-answer");
  renderCounter($("item-question-counter"), question, LIMITS.body);
  renderCounter($("item-answer-counter"), answer, LIMITS.body);
  for (const [field, out] of [[question, $("item-question-personal")], [answer, $("item-answer-personal")]]) {
    const found = item.status === "pending" ? personalDetails(field.value) : [];
    out.hidden = found.length === 0;
    out.textContent = found.length
      ? t("public.personalFound", { items: found.map((f) => `${t(`public.personal.${f.kind}`)} ${f.text}`).join(t("list.separator")) })
      : "";
  }
  const preview = $("edit-preview");
  const body = $("edit-preview-body");
  if (item.status !== "pending") {
    preview.hidden = true;
    $("reset-edit").hidden = true;
    return;
  }
  const edit = edits();
  const any = edit.questionChanged || edit.answerChanged;
  preview.hidden = !any;
  $("reset-edit").hidden = !any || !may().edit;
  body.replaceChildren();
  if (any) {
    const list = el("dl", "public-texts public-diff");
    for (const [key, before, after, isChanged] of [["question", item.question, edit.question, edit.questionChanged], ["answer", item.answer, edit.answer, edit.answerChanged]]) {
      list.append(el("dt", null, t(`mod.${key}`)));
      const dd = el("dd");
      dd.append(isChanged ? renderDiff(item[key].trim(), after) : el("p", "hint", t("public.unchanged")));
      list.append(dd);
    }
    body.append(list);
  }
  $("approve").textContent = t(state.busy && state.busyAction === "approve" ? "mod.working" : any ? "mod.approveEdited" : "mod.approve");
}

function renderItemMessage() {
  const node = $("item-message");
  const message = state.message;
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    delete node.dataset.error;
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error?.code) node.dataset.error = message.error.code;
  else delete node.dataset.error;
  node.textContent = message.key ? t(message.key, message.params ?? {}) : describeError(message.error);
}

/** The item's audit history, newest first: who did what, when, the texts before and after, the differences. */
function renderHistory() {
  const list = $("item-history");
  const records = [...state.history].sort((a, b) => b.at - a.at);
  list.replaceChildren(...records.map((record) => {
    const item = el("li", "history-entry");
    item.dataset.action = record.action;
    const detail = record.detail ?? {};
    const action = record.action.replace(/^public\./, "");
    const who = userName(record.actor) || "—";
    const head = el("p", "history-head");
    const time = el("time", "history-time", fmtWhen(record.at));
    time.dateTime = new Date(record.at).toISOString();
    head.append(el("strong", null, t(`mod.history.${action}`, { who, n: detail.revision ?? "?" })), " · ", time);
    item.append(head);
    if (detail.category) item.append(el("p", "history-category", t("public.category", { category: t(`mod.category.${detail.category}`) })));
    if (detail.note) {
      const note = el("blockquote", "public-note");
      note.append(el("p", "public-note-label", t("public.note")), el("p", "public-note-text", detail.note));
      item.append(note);
    }
    const before = detail.before ?? (action === "submit" ? { question: detail.question, answer: detail.answer } : null);
    const after = detail.after ?? null;
    if (action === "submit" && before) {
      item.append(texts(before.question, before.answer));
    } else if (after && before) {
      const list2 = el("dl", "public-texts public-diff");
      for (const key of ["question", "answer"]) {
        list2.append(el("dt", null, t(`mod.${key}`)));
        const dd = el("dd");
        if (changed(before[key], after[key])) {
          dd.append(renderDiff(before[key], after[key]));
          const full = el("details", "history-texts");
          full.append(el("summary", null, t("mod.beforeAfter")), el("p", "history-label", t("mod.before")), el("p", "public-text", before[key]),
            el("p", "history-label", t("mod.after")), el("p", "public-text", after[key]));
          dd.append(full);
        } else {
          dd.append(el("p", "public-text", after[key]));
        }
        list2.append(dd);
      }
      item.append(list2);
    }
    return item;
  }));
  if (!records.length) list.append(el("li", "hint", t("mod.historyEmpty")));
}

function texts(question, answer) {
  const list = el("dl", "public-texts");
  list.append(el("dt", null, t("mod.question")), el("dd", "public-text", question ?? ""));
  list.append(el("dt", null, t("mod.answer")), el("dd", "public-text", answer ?? ""));
  return list;
}

// MARK: decisions

async function decide(action, run, doneKey) {
  const item = state.item;
  if (!item || state.busy) return;
  const id = item.id;
  const token = state.itemToken;
  state.busy = true;
  state.busyAction = action;
  state.message = { kind: "pending", key: "mod.working" };
  renderItem();
  try {
    const { version } = await run(id);
    if (token !== state.itemToken) return;
    state.item = { ...state.item, ...version };
    stopRenewing();
    state.holding = false;
    state.queue.delete(id);
    if (state.complete) {
      state.depth = state.queue.size;
      state.oldest = state.queue.size ? Math.min(...[...state.queue.values()].map((v) => v.submittedAt)) : null;
    }
    state.message = { kind: "success", key: doneKey };
    for (const box of ["reject-box", "withdraw-box"]) $(box).open = false;
    $("reject-note").value = "";
    $("withdraw-note").value = "";
    if (version.status === "approved") fillTexts();
    loadItemDetail(id);
    if (action === "withdraw") {
      state.published = state.published.filter((p) => p.id !== id);
      renderPublished();
    }
  } catch (error) {
    if (token !== state.itemToken) return;
    if (signedOut(error)) {
      state.message = null;
    } else if (error.code === "moderation.locked") {
      await lockedBySomeone(id, token);
    } else {
      if (error.code === "moderation.invalid_transition" || error.code === "public.not_found") loadItemDetail(id);
      state.message = { kind: "error", error };
    }
  } finally {
    if (token === state.itemToken) {
      state.busy = false;
      state.busyAction = null;
    }
  }
  if (token !== state.itemToken) return;
  renderQueue();
  renderItem();
  $("item-message").focus();
}

function approve() {
  if (!may().edit) return;
  const edit = edits();
  const fields = [["item-question", edit.question], ["item-answer", edit.answer]];
  for (const [id] of fields) $(id).removeAttribute("aria-invalid");
  for (const [id, text] of fields) {
    if (!text || textLength(text) > LIMITS.body) {
      $(id).setAttribute("aria-invalid", "true");
      state.message = { kind: "error", key: text ? "mod.tooLong" : "mod.required", params: { max: fmtInt(LIMITS.body) } };
      renderItemMessage();
      $(id).focus();
      return;
    }
  }
  const body = {};
  if (edit.questionChanged) body.question = edit.question;
  if (edit.answerChanged) body.answer = edit.answer;
  const edited = edit.questionChanged || edit.answerChanged;
  decide("approve", (id) => api.approveItem(id, body), edited ? "mod.done.edited" : "mod.done.approved");
}

function rejectOrWithdraw(kind) {
  const allowed = kind === "reject" ? may().edit : may().withdraw;
  if (!allowed) return;
  const category = $(`${kind}-category`);
  const note = $(`${kind}-note`);
  for (const field of [category, note]) field.removeAttribute("aria-invalid");
  if (!category.value) {
    category.setAttribute("aria-invalid", "true");
    state.message = { kind: "error", key: "mod.chooseCategory" };
    renderItemMessage();
    category.focus();
    return;
  }
  const text = note.value.trim();
  if (!text || textLength(text) > LIMITS.body) {
    note.setAttribute("aria-invalid", "true");
    state.message = { kind: "error", key: text ? "mod.tooLong" : "mod.noteRequired", params: { max: fmtInt(LIMITS.body) } };
    renderItemMessage();
    note.focus();
    return;
  }
  if (kind === "reject") decide("reject", (id) => api.rejectItem(id, category.value, text), "mod.done.rejected");
  else decide("withdraw", (id) => api.withdrawItem(id, category.value, text), "mod.done.withdrawn");
}

// MARK: wiring and rendering

function wire() {
  $("tab-queue").addEventListener("click", () => setTab("queue"));
  $("tab-published").addEventListener("click", () => setTab("published"));
  $("published-more").addEventListener("click", () => loadPublished({ more: true }));
  $("item-back").addEventListener("click", backToList);
  $("hold-retry").addEventListener("click", () => {
    if (state.openID === null) return;
    state.message = null;
    takeHold(state.openID);
  });
  for (const id of ["item-question", "item-answer"]) {
    $(id).addEventListener("input", () => {
      $(id).removeAttribute("aria-invalid");
      if (state.message?.kind === "error") {
        state.message = null;
        renderItemMessage();
      }
      renderEdit();
    });
  }
  $("decide-form").addEventListener("submit", (event) => {
    event.preventDefault();
    approve();
  });
  $("reset-edit").addEventListener("click", () => {
    fillTexts();
    renderEdit();
    $("item-question").focus();
  });
  $("reject-form").addEventListener("submit", (event) => {
    event.preventDefault();
    rejectOrWithdraw("reject");
  });
  $("withdraw-form").addEventListener("submit", (event) => {
    event.preventDefault();
    rejectOrWithdraw("withdraw");
  });
  $("next-item").addEventListener("click", () => {
    const next = nextItem();
    if (next) openItem(next.id, { push: false, focus: true });
  });
  const panels = [$("reject-box"), $("withdraw-box")];
  for (const panel of panels) {
    panel.addEventListener("toggle", () => {
      if (panel.open) panel.querySelector("select")?.focus();
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
    const open = panels.find((panel) => panel.open);
    if (open) {
      event.preventDefault();
      open.open = false;
      open.querySelector("summary").focus();
      return;
    }
    // One pane at a time: Escape goes back to the queue — unless the moderator has edited the texts (kept, not lost).
    const edited = state.item?.status === "pending" && (edits().questionChanged || edits().answerChanged);
    if (narrow.matches && document.body.dataset.view === "item" && !edited) {
      event.preventDefault();
      backToList();
    }
  });
  $("logout").addEventListener("click", () => {
    $("logout").disabled = true;
    release();
    live?.stop();
    signOut("/staff/login?next=%2Fmoderate");
  });
}

function renderMe() {
  const me = state.me;
  const text = t("staff.me", { name: me.displayName || me.name, role: t(`role.${me.role}`) });
  $("staff-me").textContent = text;
  $("staff-me-line").textContent = t("staff.signedInAs", { who: text });
}

function renderCategories() {
  for (const id of ["reject-category", "withdraw-category"]) {
    const select = $(id);
    const chosen = select.value;
    const none = el("option", null, t("mod.chooseCategoryOption"));
    none.value = "";
    select.replaceChildren(none, ...CATEGORIES.map((category) => {
      const option = el("option", null, t(`mod.category.${category}`));
      option.value = category;
      return option;
    }));
    select.value = chosen;
  }
}

function renderLiveState(liveState) {
  const shown = state.signedOut ? "stopped" : liveState;
  const indicator = $("live-indicator");
  indicator.dataset.state = shown === "open" ? "open" : shown === "reconnecting" || shown === "paused" || shown === "stopped" ? "reconnecting" : "connecting";
  indicator.dataset.live = shown;
  const key = { open: "live.open", reconnecting: "live.reconnecting", paused: "live.pausedShort", stopped: "live.signedOut" }[shown] ?? "live.connecting";
  $("live-text").textContent = t(key);
}

function renderAll() {
  renderMe();
  renderCategories();
  renderQueue();
  renderQueueMessage();
  renderPublished();
  if (state.item) renderItem();
  if (live) renderLiveState(live.state);
  if (state.signedOut) $("signed-out-text").textContent = t("err.auth.required");
}
