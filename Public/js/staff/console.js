// /staff: the direct line's console for office staff (docs/PROTOCOL.md "The mayor's direct line").
//
// - GET /api/staff/me first; without a live session (401) the page goes to /staff/login?next=<this address>, which
//   comes back here (the same open case) after signing in.
// - The inbox: WebSocket `inbox` (every thread this user may see, as it opens or changes) and GET /api/staff/threads
//   with the filters, a page at a time ("load more" follows the answer's `next` cursor). The list is read again over
//   HTTP on every (re)subscription (`subscribed`), so letters that came or changed while the socket was down appear
//   and letters that went to another department go. A `thread` message replaces the row (or adds it, when it matches
//   the filters); a thread moved to a department this user does not see leaves the inbox. A row is unread when the
//   thread changed after this user last had it open (kept in this browser), or is new and never opened. The count of
//   unread letters is in the tab's title; a beep (if switched on) and a polite announcement say that something
//   arrived. Rows show the kind, subject, the newest message's excerpt (`preview`), status, department, assignee and
//   a "待审核" badge for a letter held by screening; "只看待审核的" asks the server for `held=true`.
// - A case: GET /api/staff/threads/<id>, then `case:<id>` with `since` = the last seq; entries with internal notes
//   (yellow, labelled, never looking like a reply) and events; a composer that replies or adds a note (HTTP), canned
//   replies to insert, and the actions the thread's status allows (claim, assign to a colleague who may handle the
//   letter's department, route, close, mark invalid with a reason, reopen, reinstate). Opening a case from the inbox
//   adds a history entry (Back returns to the inbox); Escape closes an open action panel, then (one pane at a time,
//   below 64rem) the case. After an action, focus goes to the status line that says what happened.
// - Typing and read marks go out only from someone who may answer this letter (the staff role, in its departments):
//   moderators and admins read without the citizen being told. Typing is shown to the citizen only while writing a
//   reply, never a note. The citizen's read mark shows as "市民已读".
// - A letter routed to a department this user does not see, while open: the case says so and its composer and
//   actions are disabled.
// - The session: the socket pings every 60 s (the server checks and refreshes the session on each ping); when a
//   request or the socket says `auth.required`, the page says the user was signed out, stops the live connection and
//   offers to sign in again, coming back to the same case. The reply being written is kept in sessionStorage per case
//   (and put back in the box), so it survives the sign-in.
// - Admins manage the canned replies of each department (list, add, delete) in a panel of their own.
// - Deadlines (docs/PROTOCOL.md "Working days and deadlines"): rows of letters due soon or overdue carry a badge that
//   says it in words ("今天 24:00 前首次响应", "答复逾期 2 天") as well as colour, the case header says what the letter
//   owes and by when, and the inbox can be sorted by deadline (`sort=due`: the letters that still owe something, one
//   page). The words follow the clock (re-rendered every 30 s).
// - The public version of an answered letter whose writer agreed to publication (public-version.js), live by
//   `{"type":"public"}`; the citizen's rating of the answer on the case; follow-ups in a panel of their own
//   (followups.js), live by `{"type":"followup"}`; the inbox's and the open case's handlers pass these on to
//   receivePublicOrFollowUp.

import "./i18n-staff.js";
import { getDepartments, getProject } from "../shared/api.js";
import { ConversationView, createTypingNotice, eventOf, nearEnd, wireComposer } from "../shared/conversation.js";
import { describeError, fmtWhen, KINDS, LIMITS, renderCounter, renderStatus, STATUSES, textLength } from "../shared/direct-line.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, LiveError, newClientID } from "../shared/live.js";
import { el, fmtInt } from "../shared/ui.js";
import { dueBadge, dueText, standingOf } from "./due.js";
import { FollowUps } from "./followups.js";
import { beep, setSound, setTitle, soundOn } from "./notice.js";
import { PublicPanel } from "./public-version.js";
import { clearSignedIn, loginAddress, signedInUser, signOut } from "./session.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);
const ACTIVE = ["new", "assigned", "answered"];
const MAX_SEEN = 1000;
const KEEP_ALIVE_MS = 60_000;
const TRIAGE_FALLBACK = "mayors-office";
const CANNED_TITLE_MAX = 60;
const narrow = matchMedia("(max-width: 63.99rem)");
const TICK_MS = 30_000;
const SORT_KEY = "lastword.staff.sort";
const SORTS = ["changed", "due"];

const state = {
  me: null,
  departments: [], // [{id, name: {zh, en}, triage}]
  users: new Map(), // name -> {name, displayName, role, departments} (everyone met in an assignee list)
  assignees: new Map(), // department -> [user] who may handle its letters, or null while asked
  threads: new Map(), // id -> StaffThread
  filters: { status: "", department: "", kind: "", mine: false, held: false },
  sort: loadSort(), // "changed" (the latest change first) or "due" (what is due first)
  next: null, // the cursor of the inbox's next page, or null
  inboxToken: 0,
  inboxLoading: false,
  moreLoading: false,
  inboxMessage: null,
  openID: null,
  open: null, // the open case's StaffThread
  openToken: 0,
  lost: false, // the open case went to a department this user does not see
  lostTo: null, // that department, when known
  readSent: 0,
  canned: new Map(), // department -> [reply]
  projects: new Map(), // slug -> {zh, en} title, or null while asked
  seen: {}, // thread id -> the updatedAt this user saw
  mode: "reply",
  actionBusy: false,
  actionMessage: null,
  composerMessage: null,
  signedOut: false,
  panel: null, // "canned" while the admin's canned-reply panel is shown, "followups" for the follow-ups
  cannedDepartment: "",
  cannedMessage: null,
  cannedBusy: false,
  confirmDelete: null, // the id of the canned reply whose deletion waits for a second click
};

let live = null;
let view = null;
let publicPanel = null;
let followUps = null;
const typing = createTypingNotice($("case-typing"));

setupLanguage();
start();

async function start() {
  try {
    // The console asks even without the hint: it is where a signed-in browser lands, hint or not.
    state.me = await signedInUser({ evenWithoutHint: true });
  } catch (error) {
    const status = $("page-status");
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = t("loadFailed", { reason: describeError(error) });
    status.dataset.error = error.code ?? "unknown";
    return;
  }
  if (!state.me) return;
  state.seen = loadSeen();
  state.departments = (await getDepartments().catch(() => null))?.departments ?? [];

  $("page-status").hidden = true;
  $("console").hidden = false;
  $("logout").hidden = false;
  document.body.dataset.role = state.me.role;
  $("manage-canned").hidden = state.me.role !== "admin";
  $("to-moderate").hidden = state.me.role === "staff";
  $("to-admin").hidden = state.me.role !== "admin";
  publicPanel = new PublicPanel({
    mayWrite: (thread) => mayHandle(thread),
    readOnlyRole: () => state.me.role !== "staff",
    entries: () => (view ? [...view.entries.values()].sort((a, b) => a.seq - b.seq) : []),
    signedOut,
    userName,
  });
  followUps = new FollowUps({
    mayRecord: (followUp) => state.me.role === "staff" && !state.signedOut && canSee(followUp),
    signedOut,
    departmentName,
    userName,
    projectTitle,
    openCase: (id) => openCase(id, { focus: true, push: true }),
    changed: () => {
      renderFollowupsButton();
      if (state.open) renderCase();
    },
    announce,
  });
  wire();
  renderAll();
  onLangChange(renderAll);

  live = new Live({
    onState: (liveState) => {
      renderLiveState(liveState);
    },
    onError: liveError,
    keepAliveMs: KEEP_ALIVE_MS,
  });
  live.watch("inbox", receiveInbox);
  live.start();
  loadInbox();
  followUps.load("open");
  setInterval(tick, TICK_MS);
  // Opened at a case (or the admin's panel), e.g. after signing in again: the inbox goes under it in the history,
  // so that Back leads to the inbox as it does after opening the case from there.
  const params = new URLSearchParams(location.search);
  const wanted = Number(params.get("thread"));
  const panel = panelFrom(params);
  if (panel || (Number.isInteger(wanted) && wanted > 0)) history.replaceState(null, "", addressFor());
  if (panel === "canned") showCannedPanel({ push: true });
  else if (panel === "followups") showFollowupsPanel({ push: true, tab: params.get("tab") === "recorded" ? "recorded" : "open" });
  else if (Number.isInteger(wanted) && wanted > 0) openCase(wanted, { focus: false, push: true });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (state.open) markSeen(state.open);
    sendRead();
    renderInbox();
  });
  addEventListener("popstate", followHistory);
}

// MARK: the session

/**
 * A request or the socket said `auth.required`: the session ended (expired, signed out elsewhere, disabled). The page
 * says so, keeps what is being written, stops the live connection and offers to sign in again (coming back here).
 * Returns whether the error was that.
 */
function signedOut(error) {
  if (error?.code !== "auth.required") return false;
  if (state.signedOut) return true;
  state.signedOut = true;
  clearSignedIn();
  saveDraft();
  live?.stop(new LiveError("auth.required"));
  typing.hide();
  document.body.dataset.signedOut = "true";
  renderSignedOut();
  renderActions();
  renderComposer();
  return true;
}

function renderSignedOut() {
  const box = $("signed-out");
  box.hidden = !state.signedOut;
  if (!state.signedOut) return;
  $("signed-out-text").textContent = t("err.auth.required");
  const draft = state.openID !== null && $("case-message").value.trim();
  $("signed-out-draft").textContent = draft ? t("staff.draftKept") : "";
  $("signed-out-login").href = loginAddress();
}

function liveError(error) {
  if (signedOut(error)) return;
  if (state.openID !== null) {
    state.actionMessage = { kind: "error", error };
    renderActionMessage();
  } else {
    state.inboxMessage = { kind: "error", error };
    renderInboxMessage();
  }
}

// MARK: drafts

function draftKey(id) {
  return `lastword.staff.draft.${state.me.name}.${id}`;
}

/** Keeps the open case's unsent text for this tab (sessionStorage): a sign-in or a reload does not lose it. */
function saveDraft() {
  if (state.openID === null || !state.me) return;
  const text = $("case-message").value;
  try {
    if (text.trim()) sessionStorage.setItem(draftKey(state.openID), text);
    else sessionStorage.removeItem(draftKey(state.openID));
  } catch {
    // Not kept: the box still has it.
  }
}

function loadDraft(id) {
  try {
    return sessionStorage.getItem(draftKey(id)) ?? "";
  } catch {
    return "";
  }
}

// MARK: who sees what

function triageDepartment() {
  return state.departments.find((d) => d.triage)?.id ?? TRIAGE_FALLBACK;
}

/** Moderators, admins and the triage department's staff see every letter; other staff, their departments'. */
function seesAll() {
  return state.me.role !== "staff" || (state.me.departments ?? []).includes(triageDepartment());
}

function canSee(thread) {
  return seesAll() || (state.me.departments ?? []).includes(thread?.department);
}

/** Who may answer, act, type and mark read: the staff role, for a letter of its departments (triage: all). */
function mayHandle(thread) {
  return state.me.role === "staff" && !!thread && canSee(thread) && !state.lost && !state.signedOut;
}

function visibleDepartments() {
  if (seesAll()) return state.departments.map((d) => d.id);
  const mine = new Set(state.me.departments ?? []);
  return state.departments.map((d) => d.id).filter((id) => mine.has(id));
}

// MARK: names

function departmentName(id) {
  const department = state.departments.find((d) => d.id === id);
  return department ? pick(department.name) : id ?? "";
}

function userName(name) {
  if (!name) return "";
  const user = state.users.get(name) ?? (state.me?.name === name ? state.me : null);
  return user?.displayName || name;
}

function authorOf(entry) {
  if (entry.kind === "citizen") return t("case.citizen");
  return entry.authorName || entry.authorDisplayName || userName(entry.author) || "—";
}

function eventText(entry) {
  const event = eventOf(entry);
  const who = entry.authorName || (entry.author ? userName(entry.author) : "");
  switch (event.name) {
    case "status": {
      const status = t(`status.${event.status}`);
      return who ? t("case.event.status", { who, status }) : t("case.event.statusPlain", { status });
    }
    case "assigned": {
      if (!event.assignee) return t("case.event.unassigned", { who });
      const assignee = userName(event.assignee);
      return who ? t("case.event.assigned", { who, assignee }) : t("case.event.assignedPlain", { assignee });
    }
    case "routed": {
      const department = departmentName(event.department);
      return who ? t("case.event.routed", { who, department }) : t("case.event.routedPlain", { department });
    }
    case "rated": {
      // The level, when the entry carries it (PROTOCOL.md leaves it out of the entry: the thread's satisfaction says it).
      const level = Number(event.level ?? entry.level);
      return Number.isInteger(level) && level >= 1 && level <= 5
        ? t("case.event.rated", { level: t(`answer.level.${level}`), n: level })
        : t("case.event.ratedPlain");
    }
    default:
      return t("case.event.other", { who: who || "—", event: String(event.name ?? "") });
  }
}

// MARK: seen and unread

function seenKey() {
  return `lastword.staff.seen.${state.me.name}`;
}

function loadSeen() {
  try {
    const seen = JSON.parse(localStorage.getItem(seenKey()) ?? "{}");
    return seen && typeof seen === "object" ? seen : {};
  } catch {
    return {};
  }
}

function markSeen(thread) {
  if (document.visibilityState !== "visible") return;
  if ((state.seen[thread.id] ?? -1) >= thread.updatedAt) return;
  state.seen[thread.id] = thread.updatedAt;
  const ids = Object.keys(state.seen);
  if (ids.length > MAX_SEEN) {
    ids.sort((a, b) => state.seen[a] - state.seen[b]);
    for (const id of ids.slice(0, ids.length - MAX_SEEN)) delete state.seen[id];
  }
  try {
    localStorage.setItem(seenKey(), JSON.stringify(state.seen));
  } catch {
    // Not remembered: the marks last for this visit.
  }
}

/**
 * Unread: something in the thread that no staff member has read (its `read.staff` below `lastSeq`, when the server
 * says), and that this user has not seen here since it changed. Without the server's marks: changed since this
 * user last had it open, or new and never opened.
 */
function isUnread(thread) {
  if (thread.id === state.openID && document.visibilityState === "visible") return false;
  const seen = state.seen[thread.id];
  const changedSinceSeen = seen === undefined || thread.updatedAt > seen;
  if (Number.isInteger(thread.lastSeq) && Number.isInteger(thread.read?.staff)) return thread.read.staff < thread.lastSeq && changedSinceSeen;
  return seen === undefined ? thread.status === "new" : changedSinceSeen;
}

function isHeld(thread) {
  return typeof thread.held === "string" && thread.held.length > 0;
}

// MARK: inbox

function matches(thread) {
  const { status, department, kind, mine, held } = state.filters;
  if (status && thread.status !== status) return false;
  if (department && thread.department !== department) return false;
  if (kind && thread.kind !== kind) return false;
  if (mine && thread.assignee !== state.me.name) return false;
  if (held && !isHeld(thread)) return false;
  // By deadline: only letters that still owe a response or an answer (what the server lists).
  if (state.sort === "due" && !thread.due) return false;
  return true;
}

function byNewest(a, b) {
  return b.updatedAt - a.updatedAt || b.id - a.id;
}

function byDue(a, b) {
  return (a.due?.at ?? Infinity) - (b.due?.at ?? Infinity) || a.id - b.id;
}

function loadSort() {
  try {
    const sort = localStorage.getItem(SORT_KEY);
    return SORTS.includes(sort) ? sort : "changed";
  } catch {
    return "changed";
  }
}

/** Keeps the newest version of a thread (an inbox message and a list answer may cross). */
function upsert(thread) {
  const known = state.threads.get(thread.id);
  if (known && known.updatedAt > thread.updatedAt) return known;
  const merged = { ...known, ...thread };
  state.threads.set(thread.id, merged);
  return merged;
}

/**
 * Reads the inbox (the first page with the filters, or the next page with `more`). The first page replaces what the
 * list knew of the letters the filters show: one that is no longer in the answer (moved to another department,
 * changed so that it no longer matches) goes, unless it is older than the page reaches.
 */
async function loadInbox({ more = false } = {}) {
  if (state.signedOut) return;
  if (more && (!state.next || state.moreLoading)) return;
  const token = more ? state.inboxToken : ++state.inboxToken;
  const quiet = !more && document.body.dataset.inboxLoaded === "true" && state.inboxMessage?.kind !== "error";
  if (more) state.moreLoading = true;
  else state.inboxLoading = true;
  if (!quiet && !more) {
    state.inboxMessage = { kind: "pending", key: "inbox.loading" };
    renderInboxMessage();
  }
  renderMore();
  try {
    const answer = state.sort === "due"
      ? await api.listThreadsByDue(state.filters)
      : await api.listThreads({ ...state.filters, before: more ? state.next : null });
    if (token !== state.inboxToken) return;
    const threads = (answer.threads ?? []).filter(canSee);
    if (!more) {
      const fresh = new Set(threads.map((thread) => thread.id));
      const oldest = threads.length ? threads.reduce((a, b) => (byNewest(a, b) > 0 ? a : b)) : null;
      const complete = !answer.next;
      for (const [id, known] of state.threads) {
        if (fresh.has(id) || !matches(known)) continue;
        if (complete || !oldest || byNewest(known, oldest) <= 0) state.threads.delete(id);
      }
    }
    for (const thread of threads) {
      const merged = upsert(thread);
      if (merged.id === state.openID) updateOpen(merged);
    }
    state.next = state.sort !== "due" && typeof answer.next === "string" && answer.next ? answer.next : null;
    state.inboxMessage = null;
    document.body.dataset.inboxLoads = String(Number(document.body.dataset.inboxLoads ?? 0) + 1);
  } catch (error) {
    if (token !== state.inboxToken) return;
    if (signedOut(error)) return;
    state.inboxMessage = { kind: "error", error };
  } finally {
    if (more) state.moreLoading = false;
    else if (token === state.inboxToken) state.inboxLoading = false;
  }
  document.body.dataset.inboxLoaded = "true"; // the list answered (tests wait for it before a letter arrives)
  renderInboxMessage();
  renderInbox();
}

function receiveInbox(message) {
  switch (message.type) {
    case "public":
    case "followup":
      receivePublicOrFollowUp(message);
      return;
    case "subscribed":
      // (Re)subscribed: what changed while the socket was down is read again over HTTP.
      document.body.dataset.inboxLive = "true";
      loadInbox();
      return;
    case "refused":
      if (signedOut(message.error)) return;
      if (!message.retryIn) {
        state.inboxMessage = { kind: "error", error: message.error };
        renderInboxMessage();
      }
      return;
    case "thread":
      if (message.thread) receiveThread(message.thread);
      return;
    default:
      return;
  }
}

/** `public` (a case's or the inbox's news of a public version) and `followup` (the inbox). */
function receivePublicOrFollowUp(message) {
  if (state.signedOut) return;
  if (message.type === "public" && message.version) {
    const version = message.version;
    if (version.thread === state.openID) {
      publicPanel.receive(version);
      return;
    }
    // Another letter's: a decision is worth a word (the author revises a rejected one).
    if (message.topic !== "inbox" || !version.decision || version.decision.at < Date.now() - 60_000) return;
    const thread = state.threads.get(version.thread);
    const subject = thread?.subject ?? "";
    if (version.status === "rejected" && subject) announce(t("public.news.rejected", { subject }));
    else if (version.status === "approved" && subject) announce(t("public.news.approved", { subject }));
    return;
  }
  if (message.type === "followup" && message.topic === "inbox") followUps.receive(message.followUp);
}

/** The clock moved: deadlines' words ("逾期 3 小时") and standings follow it. */
function tick() {
  if (document.visibilityState !== "visible" || state.signedOut) return;
  renderInbox();
  if (state.open) renderDue();
  followUps.render();
  renderFollowupsButton();
}

function receiveThread(incoming) {
  if (!canSee(incoming)) {
    // Routed to a department this user does not see: it leaves the inbox (and the open case says so).
    state.threads.delete(incoming.id);
    if (incoming.id === state.openID) updateOpen(incoming);
    renderInbox();
    return;
  }
  const before = state.threads.get(incoming.id);
  const thread = upsert(incoming);
  if (thread.id === state.openID) {
    updateOpen(thread);
    return;
  }
  if (isUnread(thread) && (!before || thread.updatedAt > before.updatedAt)) {
    announce(t(before ? "inbox.newMessage" : "inbox.newThread", { subject: thread.subject }));
  }
  renderInbox();
}

function announce(text) {
  $("inbox-announce").textContent = text;
  beep();
}

function renderInbox() {
  const list = $("inbox-list");
  const focused = document.activeElement?.closest?.(".inbox-row")?.dataset.threadId ?? null;
  const visible = [...state.threads.values()].filter(matches).sort(state.sort === "due" ? byDue : byNewest);
  list.replaceChildren(...visible.map(inboxRow));
  $("inbox-empty").hidden = visible.length > 0 || state.inboxMessage?.kind === "pending";
  $("inbox-count").textContent = t(state.next ? "inbox.countMore" : "inbox.count", { n: fmtInt(visible.length) });
  if (focused) list.querySelector(`.inbox-row[data-thread-id="${CSS.escape(focused)}"]`)?.focus();
  let unread = 0;
  for (const thread of state.threads.values()) if (isUnread(thread)) unread += 1;
  setTitle(t("staff.title"), unread);
  document.body.dataset.unread = String(unread);
  renderMore();
}

function renderMore() {
  const button = $("inbox-more");
  button.hidden = !state.next;
  button.setAttribute("aria-busy", state.moreLoading ? "true" : "false");
  button.textContent = t(state.moreLoading ? "inbox.moreLoading" : "inbox.more");
}

function inboxRow(thread) {
  const item = el("li", "inbox-item");
  const row = el("button", "inbox-row");
  row.type = "button";
  row.dataset.threadId = String(thread.id);
  row.dataset.code = thread.code;
  row.dataset.status = thread.status;
  const unread = isUnread(thread);
  row.dataset.unread = unread ? "true" : "false";
  if (isHeld(thread)) row.dataset.held = "true";
  const standing = standingOf(thread.due);
  if (standing) row.dataset.due = standing;
  if (thread.id === state.openID) row.setAttribute("aria-current", "true");

  const top = el("span", "row-top");
  const dot = el("span", "unread-dot");
  dot.setAttribute("aria-hidden", "true");
  top.append(dot);
  if (unread) top.append(el("span", "visually-hidden", `${t("inbox.unread")}: `));
  top.append(el("span", "tag row-kind", t(`kind.${thread.kind}`)), el("span", "row-subject", thread.subject));
  const time = el("time", "row-time", fmtWhen(thread.updatedAt));
  time.dateTime = new Date(thread.updatedAt).toISOString();
  top.append(time);
  row.append(top);

  if (typeof thread.preview === "string" && thread.preview.trim()) {
    row.append(el("span", "row-preview", thread.preview));
  }

  const bottom = el("span", "row-bottom");
  const badge = el("span", "status-badge");
  renderStatus(badge, thread.status);
  bottom.append(badge);
  const due = dueBadge(thread.due, { quiet: true });
  if (due) bottom.append(due);
  if (isHeld(thread)) bottom.append(el("span", "held-badge", t("inbox.held")));
  bottom.append(el("span", "row-department", departmentName(thread.department)),
    el("span", "row-assignee", thread.assignee ? userName(thread.assignee) : t("inbox.unassigned")));
  row.append(bottom);
  row.addEventListener("click", () => {
    if (thread.id === state.openID && state.open) {
      showCaseView();
      if (narrow.matches) $("case-subject").focus();
      return;
    }
    openCase(thread.id, { focus: narrow.matches, push: true });
  });
  item.append(row);
  return item;
}

function renderInboxMessage() {
  renderStatusLine($("inbox-status"), state.inboxMessage);
}

// MARK: views and history

function showCaseView() {
  document.body.dataset.view = "case";
}

/** The address of the console with a case open (or none). */
function addressFor({ thread = null, panel = null } = {}) {
  const url = new URL(location.href);
  url.searchParams.delete("thread");
  url.searchParams.delete("panel");
  if (thread !== null) url.searchParams.set("thread", String(thread));
  if (panel) url.searchParams.set("panel", panel);
  return url;
}

/** The panel an address names, if this user may see it. */
function panelFrom(params) {
  const panel = params.get("panel");
  if (panel === "canned" && state.me.role === "admin") return "canned";
  if (panel === "followups") return "followups";
  return null;
}

/** Back and Forward: the address says which case (or panel) is open. */
function followHistory() {
  const params = new URLSearchParams(location.search);
  const wanted = Number(params.get("thread"));
  const panel = panelFrom(params);
  if (panel === "canned") {
    showCannedPanel({ push: false });
  } else if (panel === "followups") {
    showFollowupsPanel({ push: false, tab: params.get("tab") === "recorded" ? "recorded" : "open" });
  } else if (Number.isInteger(wanted) && wanted > 0) {
    if (wanted !== state.openID || state.panel) openCase(wanted, { focus: narrow.matches, push: false });
    else showCaseView();
  } else {
    closeCase({ focusRow: true });
  }
}

/** Back to the inbox alone (the case pane shows its placeholder). */
function closeCase({ focusRow = false } = {}) {
  const id = state.openID;
  saveDraft();
  if (id !== null) live?.unsubscribe(`case:${id}`);
  state.openID = null;
  state.open = null;
  state.lost = false;
  state.lostTo = null;
  state.openToken += 1;
  view = null;
  publicPanel.show(null);
  typing.hide();
  hidePanel();
  $("case").hidden = true;
  $("case-status").hidden = true;
  $("case-placeholder").hidden = false;
  delete document.body.dataset.caseStatus;
  document.body.dataset.view = "list";
  renderInbox();
  if (focusRow && id !== null) {
    const row = document.querySelector(`.inbox-row[data-thread-id="${id}"]`);
    if (row) row.focus();
    else $("inbox-title").closest("section")?.querySelector("select, button")?.focus();
  }
}

/** The case's (or the panel's) own back button: Back when the console put the entry there, else to the inbox. */
function backToInbox() {
  if (history.state?.console === "pushed") {
    history.back();
    return;
  }
  history.replaceState(null, "", addressFor());
  closeCase({ focusRow: true });
}

// MARK: the open case

/**
 * Opens a case. `push`: opened from the inbox, so Back returns to it — a history entry is added when the inbox was
 * alone on screen, and replaced when another case (or a panel) was open, so that Back always leads to the inbox.
 */
async function openCase(id, { focus = false, push = false } = {}) {
  saveDraft();
  const fromInbox = state.openID === null && !state.panel;
  if (state.openID !== null && state.openID !== id) live?.unsubscribe(`case:${state.openID}`);
  hidePanel();
  const token = ++state.openToken;
  state.openID = id;
  state.open = null;
  state.lost = false;
  state.lostTo = null;
  delete $("case").dataset.synced;
  state.readSent = 0;
  state.actionMessage = null;
  state.composerMessage = null;
  typing.hide();
  showCaseView();
  const url = addressFor({ thread: id });
  if (push && fromInbox && url.href !== location.href) history.pushState({ console: "pushed" }, "", url);
  else history.replaceState(history.state, "", url);
  $("case-placeholder").hidden = true;
  $("case").hidden = true;
  const status = $("case-status");
  status.hidden = false;
  status.classList.remove("is-error");
  status.textContent = t("case.loading");
  renderInbox();

  let detail;
  try {
    detail = await api.getCase(id);
  } catch (error) {
    if (token !== state.openToken || signedOut(error)) return;
    status.classList.add("is-error");
    status.textContent = error.code === "thread.not_found" ? t("case.notFound") : describeError(error);
    return;
  }
  if (token !== state.openToken) return;
  status.hidden = true;
  state.open = upsert(detail.thread);
  view = new ConversationView($("case-entries"), { viewer: "staff", author: authorOf, eventText, readLabel: "case.citizenRead" });
  view.set(detail.entries);
  view.setRead(detail.thread.read?.citizen);
  $("case").hidden = false;
  const textarea = $("case-message");
  textarea.value = loadDraft(id);
  setMode(ACTIVE.includes(state.open.status) ? "reply" : "note");
  publicPanel.show(state.open);
  renderCase();
  markSeen(state.open);
  renderInbox();
  if (!state.signedOut) live.watch(`case:${id}`, (message) => receiveCase(id, message), view.lastSeq);
  loadCanned(state.open.department);
  loadAssignees(state.open.department);
  scrollToTop();
  if (focus) $("case-subject").focus();
}

function receiveCase(id, message) {
  if (id !== state.openID || !view) return;
  switch (message.type) {
    case "public":
      receivePublicOrFollowUp(message);
      return;
    case "entry": {
      const follow = nearEnd(scroller());
      if (view.add(message.entry)) {
        if (message.entry.kind === "staff") publicPanel.entriesChanged();
        if (message.entry.kind === "citizen") {
          typing.hide();
          if (document.visibilityState !== "visible") announce(t("inbox.newMessage", { subject: state.open?.subject ?? "" }));
        }
        scrollToEnd(follow);
      }
      sendRead();
      break;
    }
    case "caught_up":
      $("case").dataset.synced = "true"; // subscribed: typing and reads now reach the citizen
      if (message.read) view.setRead(message.read.citizen);
      if (message.status && state.open && message.status !== state.open.status) updateOpen({ ...state.open, status: message.status });
      sendRead();
      break;
    case "typing":
      if (message.by === "citizen") typing.show(t("case.typingCitizen"));
      // Another staff member (the server does not echo this connection's own typing).
      else if (message.by === "staff") typing.show(t("case.typingStaff", { name: userName(message.name) || message.name || "—" }));
      break;
    case "read":
      if (message.by === "citizen") view.setRead(message.seq);
      break;
    case "thread":
      if (message.thread) receiveThread(message.thread);
      break;
    case "refused":
      if (signedOut(message.error)) return;
      if (message.retryIn) return;
      if (message.error?.code === "thread.not_found" || message.error?.code === "auth.forbidden") {
        // No longer in this user's departments (moved while the socket was down; where to is not known here).
        loseOpen(null);
      } else {
        state.actionMessage = { kind: "error", error: message.error };
        renderActionMessage();
      }
      break;
    default:
      break;
  }
}

/** Reads the open case's thread again (after a refusal that says the case changed under us). */
async function refreshOpen() {
  const id = state.openID;
  if (id === null) return;
  try {
    const detail = await api.getCase(id);
    if (id === state.openID) updateOpen(upsert(detail.thread));
  } catch (error) {
    signedOut(error);
  }
}

function updateOpen(thread) {
  if (!state.open || thread.id !== state.openID) return;
  if (state.lost) {
    // Passed back to a department this user sees: open it afresh (its entries and the live case).
    if (canSee(thread)) openCase(thread.id);
    return;
  }
  const before = state.open;
  state.open = { ...state.open, ...thread };
  if (!canSee(state.open)) {
    loseOpen(state.open.department);
    return;
  }
  state.threads.set(thread.id, state.open);
  publicPanel.update(state.open);
  if (state.open.department !== before.department) {
    loadCanned(state.open.department);
    loadAssignees(state.open.department);
  }
  const wasActive = ACTIVE.includes(before.status);
  const active = ACTIVE.includes(state.open.status);
  if (!active && state.mode === "reply") setMode("note");
  else if (active && !wasActive && state.mode === "note") setMode("reply"); // reopened or reinstated: answer again
  renderCase();
  markSeen(state.open);
  renderInbox();
}

/** The open case went to a department this user does not see: say so, stop answering it. */
function loseOpen(department) {
  if (state.lost || state.openID === null) return;
  state.lost = true;
  state.lostTo = department;
  state.threads.delete(state.openID);
  saveDraft();
  live?.unsubscribe(`case:${state.openID}`);
  typing.hide();
  renderCase();
  publicPanel.render();
  renderInbox();
}

function renderLost() {
  const box = $("case-lost");
  box.hidden = !state.lost;
  if (state.lost) $("case-lost-text").textContent = t(lostMessage().key, lostMessage().params);
}

/** "已转交 X，您不再处理此信" (or without X when it is not known). */
function lostMessage() {
  const department = state.lostTo ? departmentName(state.lostTo) : "";
  return department ? { kind: "info", key: "case.lost", params: { department } } : { kind: "info", key: "case.lostPlain" };
}

function sendRead() {
  if (!live || !view || state.openID === null || document.visibilityState !== "visible") return;
  if (!mayHandle(state.open)) return; // moderators, admins and other departments read without telling the citizen
  const seq = view.lastSeq;
  if (seq > state.readSent && live.notify({ type: "read", topic: `case:${state.openID}`, seq })) state.readSent = seq;
}

/** The case scrolls in its own pane on wide screens, with the page on narrow ones (null). */
function scroller() {
  const pane = $("case-pane");
  return getComputedStyle(pane).overflowY === "auto" ? pane : null;
}

/** A new message comes into view if the person was reading the end of the conversation. */
function scrollToEnd(follow) {
  if (follow) $("case-entries").lastElementChild?.scrollIntoView({ block: "nearest" });
}

/** A case opens at its top: the subject, the facts, the actions, then the conversation. */
function scrollToTop() {
  const pane = scroller();
  if (pane) pane.scrollTop = 0;
  else $("case-pane").scrollIntoView({ block: "start" });
}

// MARK: rendering the case

function renderCase() {
  const thread = state.open;
  if (!thread) return;
  document.body.dataset.caseStatus = thread.status;
  $("case").dataset.threadId = String(thread.id);
  $("case-subject").textContent = thread.subject;
  renderStatus($("case-state"), thread.status);
  $("case-kind").textContent = t(`kind.${thread.kind}`);
  $("case-held").hidden = !isHeld(thread);
  $("case-held").textContent = t("inbox.held");
  $("case-code").textContent = `${t("case.code")} ${thread.code}`;

  const facts = $("case-facts");
  facts.replaceChildren();
  const fact = (key, value, className) => {
    const item = el("div", `fact${className ? ` ${className}` : ""}`);
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    item.append(el("dt", null, t(key)), dd);
    facts.append(item);
    return item;
  };
  fact("case.department", departmentName(thread.department));
  fact("case.assignee", thread.assignee ? userName(thread.assignee) : t("inbox.unassigned"));
  if (thread.project) {
    const title = state.projects.get(thread.project);
    if (title === undefined) loadProjectTitle(thread.project);
    const link = el("a", null, title ? pick(title) : thread.project);
    link.href = `/p/${encodeURIComponent(thread.project)}`;
    fact("case.project", link);
  }
  fact("case.created", fmtWhen(thread.createdAt));
  fact("case.updated", fmtWhen(thread.updatedAt));
  const contact = el("span");
  if (thread.contact) contact.append(el("span", "contact-value", thread.contact), " ", el("span", "hint", t("case.contactHint")));
  else contact.append(el("span", "hint", t("case.contactNone")));
  fact("case.contact", contact, "fact-contact").id = "case-contact";
  fact("case.publish", t(thread.publish ? "case.publishYes" : "case.publishNo"));
  if (isHeld(thread)) fact("case.held", t("case.heldText", { word: thread.held }), "fact-held");
  if (thread.invalidReason) fact("case.invalidReason", thread.invalidReason);
  if (thread.due) fact("case.due", dueText(thread.due), "fact-due").dataset.standing = standingOf(thread.due);
  if (Number.isInteger(thread.satisfaction)) {
    const value = el("span");
    const level = el("span", `satisfaction lvl-${thread.satisfaction}`, t("case.satisfactionValue", { level: t(`answer.level.${thread.satisfaction}`), n: thread.satisfaction }));
    level.dataset.level = String(thread.satisfaction);
    value.append(level);
    const followUp = followUps.forThread(thread.id);
    if (followUp) {
      value.append(" ");
      const link = el("a", "followup-link", t("case.followUpOpen"));
      link.href = "/staff?panel=followups";
      link.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        showFollowupsPanel({ push: true });
      });
      value.append(link);
      const badge = dueBadge(followUp.due);
      if (badge) value.append(" ", badge);
    }
    fact("case.satisfaction", value, "fact-satisfaction").id = "case-satisfaction";
  }

  renderDue();
  renderLost();
  renderActions();
  renderComposer();
  renderActionMessage();
}

function loadProjectTitle(slug) {
  state.projects.set(slug, null);
  getProject(slug).then((answer) => {
    state.projects.set(slug, answer.project.title);
    if (state.open?.project === slug) renderCase();
    followUps.render();
  }, () => {});
}

/** A project's title {zh, en}; null while it is asked for (then the list renders again). */
function projectTitle(slug) {
  if (!slug) return null;
  const title = state.projects.get(slug);
  if (title === undefined) loadProjectTitle(slug);
  return title ?? null;
}

/** The case header's deadline: what the letter owes and by when, in words and colour. */
function renderDue() {
  const badge = $("case-due");
  const thread = state.open;
  const standing = thread ? standingOf(thread.due) : null;
  badge.hidden = !standing;
  if (!standing) {
    badge.textContent = "";
    delete badge.dataset.standing;
    return;
  }
  badge.textContent = dueText(thread.due);
  badge.dataset.standing = standing;
  badge.dataset.what = thread.due.what;
  const fact = document.querySelector("#case-facts .fact-due");
  if (fact) {
    fact.querySelector("dd").textContent = dueText(thread.due);
    fact.dataset.standing = standing;
  }
}

function renderActions() {
  const thread = state.open;
  const staffRole = state.me.role === "staff";
  const may = mayHandle(thread);
  $("case-actions").hidden = !staffRole || state.lost;
  $("case-readonly").hidden = staffRole;
  $("case-composer").hidden = !staffRole;
  if (!staffRole || !thread) return;
  const status = thread.status;
  const active = ACTIVE.includes(status);
  $("act-claim").hidden = !(status === "new" || (active && !thread.assignee));
  $("act-close").hidden = !active;
  $("act-reopen").hidden = status !== "closed";
  $("act-reinstate").hidden = status !== "invalid";
  $("assign-box").hidden = !active;
  $("route-box").hidden = !active;
  $("invalid-box").hidden = !(status === "new" || status === "assigned");
  const group = $("case-actions");
  group.setAttribute("aria-busy", state.actionBusy ? "true" : "false");
  // Never `disabled` while busy: a focused button that becomes disabled drops the focus to <body>.
  for (const control of group.querySelectorAll("button, select, input, summary")) {
    if (may) control.removeAttribute("aria-disabled");
    else control.setAttribute("aria-disabled", "true");
    if (control.tagName !== "BUTTON" && control.tagName !== "SUMMARY") control.disabled = !may;
  }
  renderAssignees();

  const departments = $("route-department");
  const chosenDepartment = departments.value;
  const others = state.departments.filter((d) => d.id !== thread.department);
  departments.replaceChildren(...others.map((department) => {
    const option = el("option", null, pick(department.name));
    option.value = department.id;
    return option;
  }));
  if (others.some((d) => d.id === chosenDepartment)) departments.value = chosenDepartment;
}

/** The people who may handle the letter's department: GET /api/staff/users?department=. */
async function loadAssignees(department) {
  if (!department || state.me.role !== "staff" || state.assignees.has(department)) {
    renderAssignees();
    return;
  }
  state.assignees.set(department, null);
  try {
    const { users } = await api.listUsers(department);
    const triage = triageDepartment();
    // The server's rule (docs/PROTOCOL.md), kept here too: staff of the department or of the triage department.
    const eligible = (users ?? []).filter((user) => (user.role ?? "staff") === "staff"
      && ((user.departments ?? []).includes(department) || (user.departments ?? []).includes(triage)));
    for (const user of eligible) state.users.set(user.name, user);
    state.assignees.set(department, eligible);
  } catch (error) {
    state.assignees.delete(department);
    if (signedOut(error)) return;
  }
  renderAssignees();
  if (state.open) renderCase();
  renderInbox();
}

function renderAssignees() {
  const thread = state.open;
  if (!thread) return;
  const users = state.assignees.get(thread.department);
  const select = $("assign-user");
  const chosen = select.value;
  const list = users ?? [];
  select.replaceChildren(...list.map((user) => {
    const name = user.displayName && user.displayName !== user.name ? `${user.displayName}（${user.name}）` : user.name;
    const departments = (user.departments ?? []).map(departmentName).filter(Boolean).join(t("list.separator"));
    const option = el("option", null, departments ? `${name} · ${departments}` : name);
    option.value = user.name;
    return option;
  }));
  const names = list.map((user) => user.name);
  for (const name of [chosen, thread.assignee, state.me.name]) {
    if (name && names.includes(name)) {
      select.value = name;
      break;
    }
  }
  const hint = $("assign-hint");
  if (users === null || users === undefined) hint.textContent = t("case.assigneesLoading");
  else if (!list.length) hint.textContent = t("case.assigneesNone");
  else hint.textContent = t("case.assignHint", { department: departmentName(thread.department) });
  $("act-assign").toggleAttribute("data-empty", list.length === 0);
}

function renderActionMessage() {
  renderStatusLine($("action-status"), state.actionMessage);
}

/**
 * Runs an action on the open case. On success the status line says what was done (`done(thread)` → {key, params})
 * and takes the focus (the button pressed may be gone now); the panel it came from closes.
 */
async function act(run, { box = null, done = () => ({ key: "case.done" }) } = {}) {
  if (state.actionBusy || !state.open || !mayHandle(state.open)) return;
  const id = state.open.id;
  state.actionBusy = true;
  state.actionMessage = { kind: "pending", key: "case.working" };
  renderActions();
  renderActionMessage();
  let ok = false;
  try {
    const answer = await run(id);
    if (answer?.thread && id === state.openID) updateOpen(upsert(answer.thread));
    if (box) box.open = false;
    state.actionMessage = { kind: "success", ...done(answer?.thread ?? state.open) };
    ok = true;
  } catch (error) {
    if (signedOut(error)) {
      state.actionMessage = null;
    } else if (error.code === "thread.claimed") {
      state.actionMessage = { kind: "error", error };
      await refreshOpen();
      const assignee = state.open?.assignee;
      if (assignee && assignee !== state.me.name) state.actionMessage = { kind: "error", key: "case.claimedBy", params: { name: userName(assignee) } };
    } else {
      if (error.code === "assign.not_eligible") {
        state.assignees.delete(state.open?.department);
        loadAssignees(state.open?.department);
      }
      if (error.code === "thread.not_found") loseOpen(null); // no longer in this user's departments
      state.actionMessage = { kind: "error", error };
    }
  } finally {
    state.actionBusy = false;
    renderActions();
    renderActionMessage();
  }
  const active = document.activeElement;
  const lostFocus = !active || active === document.body || active.closest("[hidden]") || active.offsetParent === null;
  if (state.lost) $("case-lost").focus();
  else if (ok || lostFocus) $("action-status").focus();
  return ok;
}

// MARK: composer

function setMode(mode) {
  state.mode = mode;
  $(mode === "note" ? "mode-note" : "mode-reply").checked = true;
  renderComposer();
}

function renderComposer() {
  const note = state.mode === "note";
  const form = $("case-composer");
  form.dataset.mode = state.mode;
  const may = mayHandle(state.open);
  const replyAllowed = state.open ? ACTIVE.includes(state.open.status) : true;
  $("mode-reply").disabled = !replyAllowed || !may;
  $("mode-note").disabled = !may;
  $("case-send").disabled = !may;
  $("case-message").readOnly = state.lost;
  form.toggleAttribute("data-disabled", !may);
  $("case-message-label").textContent = t(note ? "case.noteMessage" : "case.message");
  $("note-hint").hidden = !note;
  $("case-send").textContent = t(note ? "case.sendNote" : "case.sendReply");
  renderCounter($("case-counter"), $("case-message"), LIMITS.body);
  renderCanned();
  // Said again by the composer (on a phone the notice at the top is out of view): why it cannot be used.
  renderStatusLine($("case-composer-status"), state.lost ? lostMessage() : state.composerMessage);
}

async function loadCanned(department) {
  if (!department || state.canned.has(department)) {
    renderCanned();
    return;
  }
  try {
    state.canned.set(department, (await api.listCanned(department)).replies ?? []);
  } catch (error) {
    if (signedOut(error)) return;
    state.canned.set(department, []);
  }
  renderCanned();
}

function renderCanned() {
  const department = state.open?.department;
  const known = state.canned.has(department);
  const replies = state.canned.get(department) ?? [];
  const select = $("canned-select");
  const chosen = select.value;
  const none = known && replies.length === 0;
  // None for this department: say who adds them, instead of an empty list.
  $("canned-none").hidden = !none;
  $("canned-none").textContent = none ? t("case.cannedNone", { department: departmentName(department) }) : "";
  for (const node of [select, $("canned-insert"), document.querySelector('label[for="canned-select"]')]) node.hidden = none;
  const first = el("option", null, t("case.cannedChoose"));
  first.value = "";
  select.replaceChildren(first, ...replies.map((reply) => {
    const option = el("option", null, reply.title);
    option.value = String(reply.id);
    return option;
  }));
  if (replies.some((r) => String(r.id) === chosen)) select.value = chosen;
  const may = mayHandle(state.open);
  select.disabled = replies.length === 0 || !may;
  $("canned-insert").disabled = replies.length === 0 || !select.value || !may;
}

function insertCanned() {
  const replies = state.canned.get(state.open?.department) ?? [];
  const reply = replies.find((r) => String(r.id) === $("canned-select").value);
  if (!reply) return;
  const textarea = $("case-message");
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.setRangeText(reply.body, start, end, "end");
  textarea.focus();
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

function send() {
  if (!state.open || !view || !mayHandle(state.open)) return;
  const textarea = $("case-message");
  const body = textarea.value.trim();
  if (!body) return;
  if (textLength(body) > LIMITS.body) {
    state.composerMessage = { kind: "error", key: "case.tooLong", params: { max: fmtInt(LIMITS.body) } };
    renderComposer();
    textarea.focus();
    return;
  }
  const note = state.mode === "note";
  const id = state.open.id;
  const clientID = newClientID(note ? "n" : "m");
  const conversation = view;
  conversation.addPending(clientID, body, { note });
  textarea.value = "";
  saveDraft();
  state.composerMessage = null;
  renderComposer();
  scrollToEnd(nearEnd(scroller(), 400));
  (note ? api.addNote(id, clientID, body) : api.reply(id, clientID, body)).then(
    (answer) => {
      conversation.removePending(clientID);
      if (answer?.entry && conversation.add(answer.entry) && conversation === view && !note) publicPanel.entriesChanged();
      if (id === state.openID) saveDraft();
      else clearDraft(id);
      sendRead();
    },
    (error) => {
      conversation.removePending(clientID);
      // The text is not lost: back in the box (and kept for this tab), unless the next one is being written.
      if (id === state.openID && !textarea.value.trim()) {
        textarea.value = body;
        renderCounter($("case-counter"), textarea, LIMITS.body);
        saveDraft();
      }
      if (signedOut(error)) {
        renderSignedOut();
        return;
      }
      if (error.code === "thread.not_found") loseOpen(null); // no longer in this user's departments
      state.composerMessage = { kind: "error", error };
      renderComposer();
    },
  );
}

function clearDraft(id) {
  try {
    sessionStorage.removeItem(draftKey(id));
  } catch {
    // Nothing kept.
  }
}

// MARK: canned replies (admins)

function hidePanel() {
  if (!state.panel) return;
  if (state.panel === "followups") followUps.hide();
  state.panel = null;
  $("canned-admin").hidden = true;
  $("followups").hidden = true;
  document.body.dataset.panel = "";
  renderFollowupsButton();
}

/** Leaves the open case (a panel takes the pane): its draft is kept, its live topic let go. */
function leaveCase() {
  if (state.openID === null) return;
  saveDraft();
  live?.unsubscribe(`case:${state.openID}`);
  state.openID = null;
  state.open = null;
  state.lost = false;
  state.lostTo = null;
  state.openToken += 1;
  view = null;
  publicPanel.show(null);
  typing.hide();
}

/** The follow-ups: open ones to record, recorded ones under the second tab. */
function showFollowupsPanel({ push = true, tab = "open" } = {}) {
  const fromInbox = state.openID === null && !state.panel;
  leaveCase();
  if (state.panel && state.panel !== "followups") hidePanel();
  state.panel = "followups";
  const url = addressFor({ panel: "followups" });
  if (tab === "recorded") url.searchParams.set("tab", "recorded");
  if (push && fromInbox && url.href !== location.href) history.pushState({ console: "pushed" }, "", url);
  else history.replaceState(history.state, "", url);
  $("case").hidden = true;
  $("case-status").hidden = true;
  $("case-placeholder").hidden = true;
  $("canned-admin").hidden = true;
  $("followups").hidden = false;
  document.body.dataset.panel = "followups";
  delete document.body.dataset.caseStatus;
  showCaseView();
  renderInbox();
  renderFollowupsIntro();
  followUps.show(tab);
  renderFollowupsButton();
  scrollToTop();
  $("followups-title").focus();
}

function renderFollowupsIntro() {
  $("followups-intro").textContent = t(state.me.role === "staff" ? "followups.intro" : "followups.introReadOnly");
}

/** The inbox's button: how many follow-ups are open, and how many of them overdue (words, not colour alone). */
function renderFollowupsButton() {
  if (!followUps) return;
  const button = $("show-followups");
  const count = $("followups-count");
  const open = followUps.openCount;
  const overdue = followUps.overdueCount;
  count.textContent = overdue ? t("followups.countOverdue", { n: fmtInt(open), overdue: fmtInt(overdue) }) : fmtInt(open);
  count.hidden = !followUps.loaded.open;
  button.dataset.overdue = overdue > 0 ? "true" : "false";
  button.dataset.open = String(open);
  if (state.panel === "followups") button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");
}

function showCannedPanel({ push = true } = {}) {
  const fromInbox = state.openID === null && !state.panel;
  leaveCase();
  if (state.panel && state.panel !== "canned") hidePanel();
  state.panel = "canned";
  const url = addressFor({ panel: "canned" });
  if (push && fromInbox && url.href !== location.href) history.pushState({ console: "pushed" }, "", url);
  else history.replaceState(history.state, "", url);
  $("case").hidden = true;
  $("case-status").hidden = true;
  $("case-placeholder").hidden = true;
  $("canned-admin").hidden = false;
  delete document.body.dataset.caseStatus;
  showCaseView();
  renderInbox();
  if (!state.cannedDepartment) state.cannedDepartment = state.departments[0]?.id ?? "";
  renderCannedPanel();
  loadCannedFor(state.cannedDepartment);
  $("canned-admin-title").focus();
}

async function loadCannedFor(department, { force = false } = {}) {
  if (!department) return;
  if (force) state.canned.delete(department);
  if (!state.canned.has(department)) {
    try {
      state.canned.set(department, (await api.listCanned(department)).replies ?? []);
    } catch (error) {
      if (signedOut(error)) return;
      state.cannedMessage = { kind: "error", error };
    }
  }
  renderCannedPanel();
}

function renderCannedPanel() {
  if (state.panel !== "canned") return;
  const select = $("canned-department");
  select.replaceChildren(...state.departments.map((department) => {
    const option = el("option", null, pick(department.name));
    option.value = department.id;
    return option;
  }));
  select.value = state.cannedDepartment;
  const department = state.cannedDepartment;
  const replies = state.canned.get(department);
  const list = $("canned-list");
  list.replaceChildren(...(replies ?? []).map(cannedItem));
  $("canned-list-empty").hidden = !replies || replies.length > 0;
  $("canned-list-empty").textContent = t("canned.empty", { department: departmentName(department) });
  renderCounter($("canned-title-counter"), $("canned-title"), CANNED_TITLE_MAX);
  renderCounter($("canned-body-counter"), $("canned-body"), LIMITS.body);
  $("canned-save").disabled = state.cannedBusy;
  $("canned-save").textContent = t(state.cannedBusy ? "canned.saving" : "canned.save");
  renderStatusLine($("canned-admin-status"), state.cannedMessage);
}

function cannedItem(reply) {
  const item = el("li", "canned-item");
  item.dataset.id = String(reply.id);
  const text = el("div", "canned-text");
  text.append(el("p", "canned-item-title", reply.title), el("p", "canned-item-body", reply.body));
  const actions = el("div", "canned-item-actions");
  if (state.confirmDelete === reply.id) {
    const confirm = el("button", "btn btn-danger btn-small", t("canned.deleteConfirm"));
    confirm.type = "button";
    confirm.dataset.action = "confirm";
    confirm.setAttribute("aria-label", t("canned.deleteConfirmLabel", { title: reply.title }));
    confirm.addEventListener("click", () => deleteCanned(reply));
    const cancel = el("button", "btn btn-ghost btn-small", t("canned.deleteCancel"));
    cancel.type = "button";
    cancel.dataset.action = "cancel";
    cancel.addEventListener("click", () => {
      state.confirmDelete = null;
      renderCannedPanel();
      $("canned-list").querySelector(`.canned-item[data-id="${reply.id}"] button[data-action="delete"]`)?.focus();
    });
    actions.append(confirm, cancel);
  } else {
    const remove = el("button", "btn btn-secondary btn-small", t("canned.delete"));
    remove.type = "button";
    remove.dataset.action = "delete";
    remove.setAttribute("aria-label", t("canned.deleteLabel", { title: reply.title }));
    remove.addEventListener("click", () => {
      state.confirmDelete = reply.id;
      renderCannedPanel();
      $("canned-list").querySelector(`.canned-item[data-id="${reply.id}"] button[data-action="confirm"]`)?.focus();
    });
    actions.append(remove);
  }
  item.append(text, actions);
  return item;
}

async function deleteCanned(reply) {
  if (state.cannedBusy) return;
  state.cannedBusy = true;
  state.cannedMessage = { kind: "pending", key: "case.working" };
  renderCannedPanel();
  try {
    await api.deleteCanned(reply.id);
    const replies = state.canned.get(reply.department) ?? [];
    state.canned.set(reply.department, replies.filter((r) => r.id !== reply.id));
    state.cannedMessage = { kind: "success", key: "canned.deleted", params: { title: reply.title } };
  } catch (error) {
    if (signedOut(error)) return;
    state.cannedMessage = { kind: "error", error };
  } finally {
    state.cannedBusy = false;
    state.confirmDelete = null;
  }
  renderCannedPanel();
  $("canned-admin-status").focus();
}

async function saveCanned() {
  if (state.cannedBusy) return;
  const titleField = $("canned-title");
  const bodyField = $("canned-body");
  const title = titleField.value.trim();
  const body = bodyField.value.trim();
  for (const field of [titleField, bodyField]) field.removeAttribute("aria-invalid");
  const invalid = (field, key, params) => {
    field.setAttribute("aria-invalid", "true");
    state.cannedMessage = { kind: "error", key, params };
    renderCannedPanel();
    field.focus();
  };
  if (!title) return invalid(titleField, "canned.required", { field: t("canned.titleField") });
  if (textLength(title) > CANNED_TITLE_MAX) return invalid(titleField, "canned.tooLong", { field: t("canned.titleField"), max: fmtInt(CANNED_TITLE_MAX) });
  if (!body) return invalid(bodyField, "canned.required", { field: t("canned.bodyField") });
  if (textLength(body) > LIMITS.body) return invalid(bodyField, "canned.tooLong", { field: t("canned.bodyField"), max: fmtInt(LIMITS.body) });
  const department = state.cannedDepartment;
  state.cannedBusy = true;
  state.cannedMessage = { kind: "pending", key: "canned.saving" };
  renderCannedPanel();
  try {
    const { reply } = await api.addCanned(department, title, body);
    const replies = state.canned.get(department) ?? [];
    state.canned.set(department, [...replies.filter((r) => r.id !== reply.id), reply]);
    titleField.value = "";
    bodyField.value = "";
    state.cannedMessage = { kind: "success", key: "canned.added", params: { title: reply.title, department: departmentName(department) } };
  } catch (error) {
    if (signedOut(error)) return;
    state.cannedMessage = { kind: "error", error };
  } finally {
    state.cannedBusy = false;
  }
  renderCannedPanel();
  $("canned-admin-status").focus();
}

// MARK: wiring

function wire() {
  for (const [id, key] of [["filter-status", "status"], ["filter-department", "department"], ["filter-kind", "kind"]]) {
    $(id).addEventListener("change", () => {
      state.filters[key] = $(id).value;
      filtersChanged();
    });
  }
  for (const [id, key] of [["filter-mine", "mine"], ["filter-held", "held"]]) {
    $(id).addEventListener("change", () => {
      state.filters[key] = $(id).checked;
      filtersChanged();
    });
  }
  $("filter-sort").addEventListener("change", () => {
    state.sort = SORTS.includes($("filter-sort").value) ? $("filter-sort").value : "changed";
    try {
      localStorage.setItem(SORT_KEY, state.sort);
    } catch {
      // Not remembered: this visit keeps it.
    }
    renderFilters();
    filtersChanged();
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("show-followups").addEventListener("click", () => {
    if (state.panel === "followups") {
      showCaseView();
      $("followups-title").focus();
      return;
    }
    showFollowupsPanel({ push: true });
  });
  $("followups-back").addEventListener("click", backToInbox);
  $("inbox-more").addEventListener("click", async () => {
    const count = $("inbox-list").children.length;
    await loadInbox({ more: true });
    // Focus stays with the button while there is more; otherwise on the first new letter.
    if ($("inbox-more").hidden) $("inbox-list").children[count]?.querySelector(".inbox-row")?.focus();
  });

  $("case-back").addEventListener("click", backToInbox);
  $("canned-back").addEventListener("click", backToInbox);
  document.addEventListener("keydown", onKeydown);

  $("act-claim").addEventListener("click", () => act((id) => api.claim(id), { done: () => ({ key: "case.done.claim" }) }));
  $("act-close").addEventListener("click", () => act((id) => api.setStatus(id, "closed"), { done: () => ({ key: "case.done.close" }) }));
  $("act-reopen").addEventListener("click", () => act((id) => api.setStatus(id, "assigned"), { done: () => ({ key: "case.done.reopen" }) }));
  $("act-reinstate").addEventListener("click", () => act((id) => api.setStatus(id, "new"), { done: () => ({ key: "case.done.reinstate" }) }));
  $("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const user = $("assign-user").value;
    if (!user) {
      state.actionMessage = { kind: "error", key: "case.assigneesNone" };
      renderActionMessage();
      return;
    }
    act((id) => api.assign(id, user), {
      box: $("assign-box"),
      done: (thread) => ({ key: "case.done.assign", params: { name: userName(thread?.assignee ?? user) } }),
    });
  });
  $("route-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const department = $("route-department").value;
    const note = $("route-note").value.trim();
    if (!department) return;
    act((id) => api.route(id, department, note), {
      box: $("route-box"),
      done: () => ({ key: "case.done.route", params: { department: departmentName(department) } }),
    }).then((ok) => {
      if (ok) $("route-note").value = "";
    });
  });
  $("invalid-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("invalid-reason").value.trim();
    if (!reason) {
      $("invalid-reason").setAttribute("aria-invalid", "true");
      state.actionMessage = { kind: "error", key: "case.reasonRequired" };
      renderActionMessage();
      $("invalid-reason").focus();
      return;
    }
    $("invalid-reason").removeAttribute("aria-invalid");
    act((id) => api.setStatus(id, "invalid", reason), { box: $("invalid-box"), done: () => ({ key: "case.done.invalid" }) }).then((ok) => {
      if (ok) $("invalid-reason").value = "";
    });
  });
  // One action panel open at a time.
  const panels = [...document.querySelectorAll("#case-actions details.action")];
  for (const panel of panels) {
    panel.addEventListener("toggle", () => {
      if (!panel.open) return;
      for (const other of panels) if (other !== panel) other.open = false;
      if (panel.id === "assign-box") loadAssignees(state.open?.department);
    });
  }

  const form = $("case-composer");
  const textarea = $("case-message");
  for (const radio of form.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => setMode(radio.value));
  }
  wireComposer(form, textarea, {
    onInput: () => {
      renderCounter($("case-counter"), textarea, LIMITS.body);
      saveDraft();
      if (state.composerMessage) {
        state.composerMessage = null;
        renderStatusLine($("case-composer-status"), null);
      }
    },
    // Typing is shown to the citizen: only while writing a reply, never a note, and only by someone who may answer.
    onTyping: () => state.mode === "reply" && state.openID !== null && mayHandle(state.open) && live.notify({ type: "typing", topic: `case:${state.openID}` }),
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("canned-select").addEventListener("change", () => {
    $("canned-insert").disabled = !$("canned-select").value;
  });
  $("canned-insert").addEventListener("click", insertCanned);

  $("manage-canned").addEventListener("click", () => showCannedPanel({ push: true }));
  $("canned-department").addEventListener("change", () => {
    state.cannedDepartment = $("canned-department").value;
    state.cannedMessage = null;
    state.confirmDelete = null;
    loadCannedFor(state.cannedDepartment, { force: true });
  });
  for (const id of ["canned-title", "canned-body"]) {
    $(id).addEventListener("input", () => {
      $(id).removeAttribute("aria-invalid");
      renderCounter($("canned-title-counter"), $("canned-title"), CANNED_TITLE_MAX);
      renderCounter($("canned-body-counter"), $("canned-body"), LIMITS.body);
    });
  }
  $("canned-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveCanned();
  });

  $("sound-toggle").addEventListener("click", () => {
    setSound(!soundOn());
    renderSound();
  });
  $("logout").addEventListener("click", () => {
    $("logout").disabled = true;
    saveDraft();
    live?.stop();
    signOut("/staff/login");
  });
}

function filtersChanged() {
  state.next = null;
  renderInbox();
  loadInbox();
}

/** Escape: closes an open action panel (focus back on its summary); else, one pane at a time, closes the case. */
function onKeydown(event) {
  if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
  const open = document.querySelector("#case-actions details.action[open]");
  if (open) {
    event.preventDefault();
    open.open = false;
    open.querySelector("summary").focus();
    return;
  }
  if (state.confirmDelete !== null) {
    event.preventDefault();
    const id = state.confirmDelete;
    state.confirmDelete = null;
    renderCannedPanel();
    $("canned-list").querySelector(`.canned-item[data-id="${id}"] button[data-action="delete"]`)?.focus();
    return;
  }
  if (narrow.matches && document.body.dataset.view === "case") {
    event.preventDefault();
    backToInbox();
  }
}

// MARK: the rest

function renderAll() {
  renderMe();
  renderFilters();
  renderSound();
  renderInbox();
  renderInboxMessage();
  renderSignedOut();
  if (state.open) {
    renderCase();
    view?.render();
  } else if (state.openID !== null && !$("case-status").hidden && !$("case-status").classList.contains("is-error")) {
    $("case-status").textContent = t("case.loading");
  }
  renderCannedPanel();
  publicPanel.render();
  renderFollowupsIntro();
  followUps.render();
  renderFollowupsButton();
  if (live) renderLiveState(live.state);
}

function renderMe() {
  const me = state.me;
  const text = t("staff.me", { name: me.displayName || me.name, role: t(`role.${me.role}`) });
  $("staff-me").textContent = text;
  $("staff-me-line").textContent = t("staff.signedInAs", { who: text });
}

function renderFilters() {
  const fill = (select, values, label) => {
    const chosen = select.value;
    const all = el("option", null, t("inbox.all"));
    all.value = "";
    select.replaceChildren(all, ...values.map((value) => {
      const option = el("option", null, label(value));
      option.value = value;
      return option;
    }));
    select.value = values.includes(chosen) ? chosen : "";
  };
  fill($("filter-status"), STATUSES, (s) => t(`status.${s}`));
  // Only the departments this user sees: every one for the triage department, moderators and admins.
  const departments = visibleDepartments();
  fill($("filter-department"), departments, departmentName);
  $("filter-department-box").hidden = departments.length <= 1;
  fill($("filter-kind"), KINDS, (k) => t(`kind.${k}`));
  const sort = $("filter-sort");
  sort.replaceChildren(...SORTS.map((value) => {
    const option = el("option", null, t(`inbox.sort.${value}`));
    option.value = value;
    return option;
  }));
  sort.value = state.sort;
  $("sort-hint").hidden = state.sort !== "due";
  $("sort-hint").textContent = t("inbox.sortDueHint");
  $("filter-mine-box").hidden = state.me.role !== "staff";
}

function renderSound() {
  $("sound-toggle").setAttribute("aria-pressed", soundOn() ? "true" : "false");
}

/** "实时更新" only while the socket is open and the inbox (and the open case) are subscribed and caught up. */
function renderLiveState(liveState) {
  // The indicator heads the inbox: a case still catching up (just opened) does not make the inbox less live.
  const shown = state.signedOut ? "stopped" : liveState === "syncing" && live?.synced("inbox") ? "open" : liveState;
  const indicator = $("live-indicator");
  indicator.dataset.state = shown === "open" ? "open" : shown === "reconnecting" || shown === "paused" || shown === "stopped" ? "reconnecting" : "connecting";
  indicator.dataset.live = shown;
  const key = { open: "live.open", reconnecting: "live.reconnecting", paused: "live.pausedShort", stopped: "live.signedOut" }[shown] ?? "live.connecting";
  $("live-text").textContent = t(key);
}

/** A status line from {kind, key} or {kind, error}; nothing when message is null. */
function renderStatusLine(node, message) {
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    delete node.dataset.error;
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error?.code) node.dataset.error = message.error.code;
  else delete node.dataset.error;
  if (message.key) node.textContent = t(message.key, message.params ?? {});
  // The shared text of thread.not_found speaks to a citizen with a query code; staff are told where it may have gone.
  else if (message.error?.code === "thread.not_found") node.textContent = t("case.notFound");
  else node.textContent = describeError(message.error);
}
