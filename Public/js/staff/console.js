// /staff: the direct line's console for office staff (docs/PROTOCOL.md "The mayor's direct line").
//
// - GET /api/staff/me first; without a live session (401) the page goes to /staff/login.
// - The inbox: WebSocket `inbox` (every thread this user may see, as it opens or changes) and GET /api/staff/threads
//   with the filters; a `thread` message replaces the row (or adds it, when it matches the filters). A row is unread
//   when the thread changed after this user last had it open (kept in this browser), or is new and never opened.
//   The count of unread letters is in the tab's title; a beep (if switched on) and a polite announcement say that
//   something arrived.
// - A case: GET /api/staff/threads/<id>, then `case:<id>` with `since` = the last seq; entries with internal notes
//   (yellow, labelled, never looking like a reply) and events; a composer that replies or adds a note (HTTP), canned
//   replies to insert, and the actions the thread's status allows (claim, assign, route, close, mark invalid with a
//   reason, reopen, reinstate). Typing goes both ways (staff's only while writing a reply, never a note); the
//   citizen's read mark shows as "市民已读".
// - Moderators and admins read; only the staff role answers and acts (the role table in PROTOCOL.md).

import "./i18n-staff.js";
import { getDepartments, getProject } from "../shared/api.js";
import { ConversationView, createTypingNotice, eventOf, nearEnd, wireComposer } from "../shared/conversation.js";
import { describeError, fmtWhen, KINDS, LIMITS, renderCounter, renderStatus, STATUSES, textLength } from "../shared/direct-line.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, newClientID } from "../shared/live.js";
import { el } from "../shared/ui.js";
import { beep, setSound, setTitle, soundOn } from "./notice.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);
const ACTIVE = ["new", "assigned", "answered"];
const MAX_SEEN = 1000;
const narrow = matchMedia("(max-width: 63.99rem)");

const state = {
  me: null,
  departments: [], // [{id, name: {zh, en}, triage}]
  users: [], // [{name, displayName, role, departments}]
  threads: new Map(), // id -> StaffThread
  filters: { status: "", department: "", kind: "", mine: false },
  inboxMessage: null,
  openID: null,
  open: null, // the open case's StaffThread
  openToken: 0,
  readSent: 0,
  canned: new Map(), // department -> [reply]
  projects: new Map(), // slug -> {zh, en} title, or null while asked
  seen: {}, // thread id -> the updatedAt this user saw
  mode: "reply",
  actionBusy: false,
  actionMessage: null,
  composerMessage: null,
};

let live = null;
let view = null;
const typing = createTypingNotice($("case-typing"));

setupLanguage();
start();

async function start() {
  try {
    state.me = (await api.getMe()).user;
  } catch (error) {
    if (error.status === 401) {
      location.replace("/staff/login");
      return;
    }
    const status = $("page-status");
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = t("loadFailed", { reason: describeError(error) });
    status.dataset.error = error.code ?? "unknown";
    return;
  }
  state.seen = loadSeen();
  const [departments, users] = await Promise.all([getDepartments().catch(() => null), api.listUsers().catch(() => null)]);
  state.departments = departments?.departments ?? [];
  state.users = users?.users ?? [];

  $("page-status").hidden = true;
  $("console").hidden = false;
  $("logout").hidden = false;
  document.body.dataset.role = state.me.role;
  wire();
  renderAll();
  onLangChange(renderAll);

  live = new Live({ onState: renderLiveState, onError: liveError });
  live.watch("inbox", receiveInbox);
  live.start();
  await loadInbox();
  const wanted = Number(new URLSearchParams(location.search).get("thread"));
  if (Number.isInteger(wanted) && wanted > 0) openCase(wanted, { focus: false });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (state.open) markSeen(state.open);
    sendRead();
    renderInbox();
  });
}

/** A staff request refused for want of a session goes to the login page; returns whether it did. */
function signedOut(error) {
  if (error?.code !== "auth.required") return false;
  location.replace("/staff/login");
  return true;
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

// MARK: names

function departmentName(id) {
  const department = state.departments.find((d) => d.id === id);
  return department ? pick(department.name) : id ?? "";
}

function userName(name) {
  if (!name) return "";
  const user = state.users.find((u) => u.name === name) ?? (state.me?.name === name ? state.me : null);
  return user?.displayName || name;
}

function authorOf(entry) {
  if (entry.kind === "citizen") return t("case.citizen");
  return entry.authorName || entry.authorDisplayName || userName(entry.author) || "—";
}

function eventText(entry) {
  const event = eventOf(entry);
  const who = entry.author ? userName(entry.author) : "";
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

// MARK: inbox

function matches(thread) {
  const { status, department, kind, mine } = state.filters;
  if (status && thread.status !== status) return false;
  if (department && thread.department !== department) return false;
  if (kind && thread.kind !== kind) return false;
  if (mine && thread.assignee !== state.me.name) return false;
  return true;
}

/** Keeps the newest version of a thread (an inbox message and a list answer may cross). */
function upsert(thread) {
  const known = state.threads.get(thread.id);
  if (known && known.updatedAt > thread.updatedAt) return known;
  const merged = { ...known, ...thread };
  state.threads.set(thread.id, merged);
  return merged;
}

async function loadInbox() {
  state.inboxMessage = { kind: "pending", key: "inbox.loading" };
  renderInboxMessage();
  try {
    const { threads } = await api.listThreads(state.filters);
    for (const thread of threads ?? []) upsert(thread);
    state.inboxMessage = null;
  } catch (error) {
    if (signedOut(error)) return;
    state.inboxMessage = { kind: "error", error };
  }
  document.body.dataset.inboxLoaded = "true"; // the list answered (tests wait for it before a letter arrives)
  renderInboxMessage();
  renderInbox();
}

function receiveInbox(message) {
  if (message.type === "subscribed") document.body.dataset.inboxLive = "true";
  if (message.type !== "thread" || !message.thread) return;
  const before = state.threads.get(message.thread.id);
  const thread = upsert(message.thread);
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
  const visible = [...state.threads.values()].filter(matches).sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
  list.replaceChildren(...visible.map(inboxRow));
  $("inbox-empty").hidden = visible.length > 0 || state.inboxMessage?.kind === "pending";
  $("inbox-count").textContent = t("inbox.count", { n: visible.length });
  if (focused) list.querySelector(`.inbox-row[data-thread-id="${CSS.escape(focused)}"]`)?.focus();
  let unread = 0;
  for (const thread of state.threads.values()) if (isUnread(thread)) unread += 1;
  setTitle(t("staff.title"), unread);
  document.body.dataset.unread = String(unread);
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

  const bottom = el("span", "row-bottom");
  const badge = el("span", "status-badge");
  renderStatus(badge, thread.status);
  bottom.append(badge, el("span", "row-department", departmentName(thread.department)),
    el("span", "row-assignee", thread.assignee ? userName(thread.assignee) : t("inbox.unassigned")));
  row.append(top, bottom);
  row.addEventListener("click", () => openCase(thread.id, { focus: narrow.matches }));
  item.append(row);
  return item;
}

function renderInboxMessage() {
  renderStatusLine($("inbox-status"), state.inboxMessage);
}

// MARK: the open case

async function openCase(id, { focus = false } = {}) {
  if (state.openID !== null && state.openID !== id) live.unsubscribe(`case:${state.openID}`);
  const token = ++state.openToken;
  state.openID = id;
  state.open = null;
  delete $("case").dataset.synced;
  state.readSent = 0;
  state.actionMessage = null;
  state.composerMessage = null;
  typing.hide();
  document.body.dataset.view = "case";
  const url = new URL(location.href);
  url.searchParams.set("thread", String(id));
  history.replaceState(null, "", url);
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
  $("case-message").value = "";
  setMode(ACTIVE.includes(state.open.status) ? "reply" : "note");
  renderCase();
  markSeen(state.open);
  renderInbox();
  live.watch(`case:${id}`, (message) => receiveCase(id, message), view.lastSeq);
  loadCanned(state.open.department);
  scrollToTop();
  if (focus) $("case-subject").focus();
}

function receiveCase(id, message) {
  if (id !== state.openID || !view) return;
  switch (message.type) {
    case "entry": {
      const follow = nearEnd(scroller());
      if (view.add(message.entry)) {
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
      else if (message.by === "staff") typing.show(t("case.typingStaff", { name: userName(message.name) || "—" }));
      break;
    case "read":
      if (message.by === "citizen") view.setRead(message.seq);
      break;
    case "thread":
      if (message.thread) updateOpen(upsert(message.thread));
      break;
    default:
      break;
  }
}

function updateOpen(thread) {
  if (!state.open || thread.id !== state.openID) return;
  const department = state.open.department;
  state.open = { ...state.open, ...thread };
  state.threads.set(thread.id, state.open);
  if (state.open.department !== department) loadCanned(state.open.department);
  if (!ACTIVE.includes(state.open.status) && state.mode === "reply") setMode("note");
  renderCase();
  markSeen(state.open);
  renderInbox();
}

function sendRead() {
  if (!live || !view || state.openID === null || document.visibilityState !== "visible") return;
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
  if (thread.held) fact("case.held", t("case.heldText", { word: thread.held }), "fact-held");
  if (thread.invalidReason) fact("case.invalidReason", thread.invalidReason);

  renderActions();
  renderComposer();
  renderActionMessage();
}

function loadProjectTitle(slug) {
  state.projects.set(slug, null);
  getProject(slug).then((answer) => {
    state.projects.set(slug, answer.project.title);
    if (state.open?.project === slug) renderCase();
  }, () => {});
}

function renderActions() {
  const thread = state.open;
  const may = state.me.role === "staff";
  $("case-actions").hidden = !may;
  $("case-readonly").hidden = may;
  $("case-composer").hidden = !may;
  if (!may || !thread) return;
  const status = thread.status;
  const active = ACTIVE.includes(status);
  $("act-claim").hidden = !(status === "new" || (active && !thread.assignee));
  $("act-close").hidden = !active;
  $("act-reopen").hidden = status !== "closed";
  $("act-reinstate").hidden = status !== "invalid";
  $("assign-box").hidden = !active;
  $("route-box").hidden = !active;
  $("invalid-box").hidden = !(status === "new" || status === "assigned");
  for (const button of $("case-actions").querySelectorAll("button")) button.disabled = state.actionBusy;

  const users = $("assign-user");
  const chosenUser = users.value;
  users.replaceChildren(...state.users.map((user) => {
    const option = el("option", null, user.displayName && user.displayName !== user.name ? `${user.displayName}（${user.name}）` : user.name);
    option.value = user.name;
    return option;
  }));
  users.value = chosenUser || thread.assignee || state.me.name;

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

function renderActionMessage() {
  renderStatusLine($("action-status"), state.actionMessage);
}

async function act(run, box = null) {
  if (state.actionBusy || !state.open) return;
  const id = state.open.id;
  state.actionBusy = true;
  state.actionMessage = { kind: "pending", key: "case.working" };
  renderActions();
  renderActionMessage();
  try {
    const answer = await run(id);
    if (answer?.thread && id === state.openID) updateOpen(upsert(answer.thread));
    if (box) box.open = false;
    state.actionMessage = { kind: "success", key: "case.done" };
  } catch (error) {
    if (signedOut(error)) return;
    state.actionMessage = { kind: "error", error };
  } finally {
    state.actionBusy = false;
    renderActions();
    renderActionMessage();
  }
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
  const replyAllowed = state.open ? ACTIVE.includes(state.open.status) : true;
  $("mode-reply").disabled = !replyAllowed;
  $("case-message-label").textContent = t(note ? "case.noteMessage" : "case.message");
  $("note-hint").hidden = !note;
  $("case-send").textContent = t(note ? "case.sendNote" : "case.sendReply");
  renderCounter($("case-counter"), $("case-message"), LIMITS.body);
  renderCanned();
  renderStatusLine($("case-composer-status"), state.composerMessage);
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
  const replies = state.canned.get(state.open?.department) ?? [];
  const select = $("canned-select");
  const chosen = select.value;
  const first = el("option", null, t(replies.length ? "case.cannedChoose" : "case.cannedNone"));
  first.value = "";
  select.replaceChildren(first, ...replies.map((reply) => {
    const option = el("option", null, reply.title);
    option.value = String(reply.id);
    return option;
  }));
  if (replies.some((r) => String(r.id) === chosen)) select.value = chosen;
  select.disabled = replies.length === 0;
  $("canned-insert").disabled = replies.length === 0 || !select.value;
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
  if (!state.open || !view) return;
  const textarea = $("case-message");
  const body = textarea.value.trim();
  if (!body) return;
  if (textLength(body) > LIMITS.body) {
    state.composerMessage = { kind: "error", error: { code: "thread.invalid" } };
    renderComposer();
    return;
  }
  const note = state.mode === "note";
  const id = state.open.id;
  const clientID = newClientID(note ? "n" : "m");
  const conversation = view;
  conversation.addPending(clientID, body, { note });
  textarea.value = "";
  state.composerMessage = null;
  renderComposer();
  scrollToEnd(nearEnd(scroller(), 400));
  (note ? api.addNote(id, clientID, body) : api.reply(id, clientID, body)).then(
    (answer) => {
      conversation.removePending(clientID);
      if (answer?.entry) conversation.add(answer.entry);
      sendRead();
    },
    (error) => {
      conversation.removePending(clientID);
      if (signedOut(error)) return;
      if (!textarea.value.trim() && id === state.openID) textarea.value = body;
      state.composerMessage = { kind: "error", error };
      renderComposer();
    },
  );
}

// MARK: wiring

function wire() {
  for (const [id, key] of [["filter-status", "status"], ["filter-department", "department"], ["filter-kind", "kind"]]) {
    $(id).addEventListener("change", () => {
      state.filters[key] = $(id).value;
      renderInbox();
      loadInbox();
    });
  }
  $("filter-mine").addEventListener("change", () => {
    state.filters.mine = $("filter-mine").checked;
    renderInbox();
    loadInbox();
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());

  $("case-back").addEventListener("click", () => {
    document.body.dataset.view = "list";
    document.querySelector(`.inbox-row[data-thread-id="${state.openID}"]`)?.focus();
  });

  $("act-claim").addEventListener("click", () => act((id) => api.claim(id)));
  $("act-close").addEventListener("click", () => act((id) => api.setStatus(id, "closed")));
  $("act-reopen").addEventListener("click", () => act((id) => api.setStatus(id, "assigned")));
  $("act-reinstate").addEventListener("click", () => act((id) => api.setStatus(id, "new")));
  $("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const user = $("assign-user").value;
    if (user) act((id) => api.assign(id, user), $("assign-box"));
  });
  $("route-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const department = $("route-department").value;
    const note = $("route-note").value.trim();
    if (!department) return;
    act((id) => api.route(id, department, note), $("route-box")).then(() => {
      if (!state.actionMessage?.error) $("route-note").value = "";
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
    act((id) => api.setStatus(id, "invalid", reason), $("invalid-box")).then(() => {
      if (!state.actionMessage?.error) $("invalid-reason").value = "";
    });
  });

  const form = $("case-composer");
  const textarea = $("case-message");
  for (const radio of form.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => setMode(radio.value));
  }
  wireComposer(form, textarea, {
    onInput: () => {
      renderCounter($("case-counter"), textarea, LIMITS.body);
      if (state.composerMessage) {
        state.composerMessage = null;
        renderStatusLine($("case-composer-status"), null);
      }
    },
    // Typing is shown to the citizen: only while writing a reply, never a note.
    onTyping: () => state.mode === "reply" && state.openID !== null && live.notify({ type: "typing", topic: `case:${state.openID}` }),
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("canned-select").addEventListener("change", () => {
    $("canned-insert").disabled = !$("canned-select").value;
  });
  $("canned-insert").addEventListener("click", insertCanned);

  $("sound-toggle").addEventListener("click", () => {
    setSound(!soundOn());
    renderSound();
  });
  $("logout").addEventListener("click", async () => {
    $("logout").disabled = true;
    try {
      await api.logout();
    } catch {
      // Gone already, or the server is away: the login page either way.
    }
    location.assign("/staff/login");
  });
}

// MARK: the rest

function renderAll() {
  renderMe();
  renderFilters();
  renderSound();
  renderInbox();
  renderInboxMessage();
  if (state.open) {
    renderCase();
    view?.render();
  } else if (state.openID !== null && !$("case-status").hidden && !$("case-status").classList.contains("is-error")) {
    $("case-status").textContent = t("case.loading");
  }
  if (live) renderLiveState(live.state);
}

function renderMe() {
  const me = state.me;
  $("staff-me").textContent = t("staff.me", { name: me.displayName || me.name, role: t(`role.${me.role}`) });
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
  fill($("filter-department"), state.departments.map((d) => d.id), departmentName);
  fill($("filter-kind"), KINDS, (k) => t(`kind.${k}`));
}

function renderSound() {
  $("sound-toggle").setAttribute("aria-pressed", soundOn() ? "true" : "false");
}

function renderLiveState(liveState) {
  $("live-indicator").dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
}

/** A status line from {kind, key} or {kind, error}; nothing when message is null. */
function renderStatusLine(node, message) {
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    return;
  }
  node.dataset.kind = message.kind;
  node.textContent = message.error ? describeError(message.error) : t(message.key, message.params ?? {});
}
