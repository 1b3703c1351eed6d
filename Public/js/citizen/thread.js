// /t/<code>: a citizen's letter and its answers (docs/PROTOCOL.md "The mayor's direct line"). GET /api/threads/<code>
// for the first view, then the page's one WebSocket: `thread:<code>` with `since` = the last seq seen (again after
// every reconnect), entries as they commit, the office typing (shown 5 s), the office's read mark, status changes.
// The citizen writes with `post` (pending until its ack; resent with the same id after a reconnect), sends `typing`
// at most every 2 s while typing and `read` with the highest seq while the page is visible. A closed or invalid
// letter has no composer and says why.
//
// The live indicator says "实时更新" only while the topic is subscribed and caught up (Live's "open"); a subscription
// refused for a rate limit waits for the `retryAfter` the server names and tries again, and says so meanwhile.
//
// The code comes from the address (/t/<code>), or `?code=` when the page is opened as /thread.html.

import { getDepartments, getProject, getSession, getThread } from "../shared/api.js";
import { ConversationView, createTypingNotice, eventOf, nearEnd, wireComposer } from "../shared/conversation.js";
import { describeError, fmtWhen, LIMITS, normalizeCode, renderCounter, renderStatus, textLength } from "../shared/direct-line.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, newClientID } from "../shared/live.js";
import { el, fmtInt } from "../shared/ui.js";
import { rememberLetter } from "./letters.js";

const $ = (id) => document.getElementById(id);

const fromPath = location.pathname.match(/^\/t\/([^/]+)\/?$/);
const code = normalizeCode(fromPath ? decodeURIComponent(fromPath[1]) : new URLSearchParams(location.search).get("code"));
const topic = `thread:${code}`;

const state = {
  thread: null,
  departments: new Map(), // id -> {zh, en}
  projectTitle: null, // {zh, en} of the linked project
  readSent: 0,
  message: null, // {kind, error} for the composer's status line
};

let live = null;
let pausedTimer = null;
const view = new ConversationView($("entries"), {
  viewer: "citizen",
  author: (entry) => (entry.kind === "citizen" ? t("thread.me") : departmentName(state.thread?.department) || t("thread.office")),
  eventText: (entry) => t("event.status", { status: t(`status.${eventOf(entry).status ?? state.thread?.status}`) }),
  readLabel: "thread.read",
});
const typing = createTypingNotice($("typing"));

setupLanguage();
start();

async function start() {
  if (!code) return fail(t("thread.badCode"), "thread.bad_code");
  // The cookie first: writing needs it, and the WebSocket sends it with the upgrade.
  await getSession().catch(() => null);
  let detail;
  const departments = getDepartments().catch(() => null);
  try {
    detail = await getThread(code);
  } catch (error) {
    return fail(error.code === "thread.not_found" ? t("thread.notFound") : t("loadFailed", { reason: describeError(error) }), error.code ?? "unknown");
  }
  for (const department of (await departments)?.departments ?? []) state.departments.set(department.id, department.name);
  state.thread = detail.thread;
  rememberLetter(detail.thread);
  view.set(detail.entries);
  view.setRead(detail.thread.read?.staff);

  $("page-status").hidden = true;
  $("content").hidden = false;
  wire();
  render();
  onLangChange(render);

  live = new Live({
    onState: renderLiveState,
    // A socket refused for a cookie that no longer verifies: a new identity first.
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
    // Errors that belong to no message of this page (a refused subscription goes to receive()).
    onError: (error) => {
      state.message = { kind: "error", error };
      renderComposerStatus();
    },
  });
  live.watch(topic, receive, view.lastSeq);
  live.start();
  if (state.thread.project) {
    getProject(state.thread.project).then((answer) => {
      state.projectTitle = answer.project.title;
      renderThread();
    }, () => {});
  }
  document.addEventListener("visibilitychange", sendRead);
}

/** The page cannot show a letter: why, and a way to type the code again. */
function fail(text, codeName) {
  const status = $("page-status");
  status.removeAttribute("data-i18n");
  status.classList.add("is-error");
  status.textContent = text;
  status.dataset.error = codeName;
  const link = el("a", null, t("thread.lookup"));
  link.href = "/write#lookup";
  status.append(" ", link);
}

function departmentName(id) {
  const name = state.departments.get(id);
  return name ? pick(name) : "";
}

// MARK: live

function receive(message) {
  switch (message.type) {
    case "entry": {
      const follow = nearEnd();
      if (view.add(message.entry)) {
        if (message.entry.kind === "staff") typing.hide();
        if (follow) scrollToEnd();
      }
      sendRead();
      break;
    }
    case "caught_up":
      if (message.read) view.setRead(message.read.staff);
      if (message.status) updateThread({ status: message.status });
      sendRead();
      break;
    case "typing":
      if (message.by === "staff") typing.show(t("thread.typingBy", { department: departmentName(state.thread?.department) || t("thread.office") }));
      break;
    case "read":
      if (message.by === "staff") view.setRead(message.seq);
      break;
    case "thread":
      if (message.thread) updateThread(message.thread);
      break;
    case "refused":
      // A rate limit: Live tries again after retryAfter and the indicator counts down. Anything else ends the watch.
      if (!message.retryIn) {
        state.message = { kind: "error", error: message.error };
        renderComposerStatus();
      }
      break;
    default:
      break;
  }
}

function updateThread(fields) {
  state.thread = { ...state.thread, ...fields };
  rememberLetter(state.thread);
  renderThread();
}

/** Tells the office how far the citizen has read, while the page is in view. */
function sendRead() {
  if (!live || document.visibilityState !== "visible") return;
  const seq = view.lastSeq;
  if (seq > state.readSent && live.notify({ type: "read", topic, seq })) state.readSent = seq;
}

function scrollToEnd() {
  $("entries").lastElementChild?.scrollIntoView({ block: "nearest" });
}

// MARK: writing

function open() {
  return state.thread && state.thread.status !== "closed" && state.thread.status !== "invalid";
}

function wire() {
  const form = $("composer");
  const textarea = $("message");
  wireComposer(form, textarea, {
    onInput: () => {
      renderCounter($("message-counter"), textarea, LIMITS.body);
      if (state.message) {
        state.message = null;
        renderComposerStatus();
      }
    },
    onTyping: () => live?.notify({ type: "typing", topic }) ?? false,
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
}

function send() {
  const textarea = $("message");
  const body = textarea.value.trim();
  if (!body || !open()) return;
  if (textLength(body) > LIMITS.body) {
    state.message = { kind: "error", key: "thread.tooLong", params: { max: fmtInt(LIMITS.body) } };
    renderComposerStatus();
    textarea.focus();
    return;
  }
  const id = newClientID("m");
  view.addPending(id, body);
  renderLiveState(live.state);
  textarea.value = "";
  renderCounter($("message-counter"), textarea, LIMITS.body);
  scrollToEnd();
  live.post(topic, body, id).then(
    (ack) => {
      view.removePending(id);
      if (ack.entry) view.add(ack.entry);
      sendRead();
    },
    (error) => {
      view.removePending(id);
      // The text is not lost: back in the box, unless the citizen is already writing the next one.
      if (!textarea.value.trim()) textarea.value = body;
      renderCounter($("message-counter"), textarea, LIMITS.body);
      state.message = { kind: "error", error };
      renderComposerStatus();
    },
  );
}

// MARK: rendering

function render() {
  renderThread();
  view.render();
  renderCounter($("message-counter"), $("message"), LIMITS.body);
  renderComposerStatus();
  if (live) renderLiveState(live.state);
}

function renderThread() {
  const thread = state.thread;
  document.title = `${thread.subject} · ${t("brand.short")}`;
  document.body.dataset.threadStatus = thread.status;
  $("thread-subject").textContent = thread.subject;
  renderStatus($("thread-status"), thread.status);
  $("thread-kind").textContent = t(`kind.${thread.kind}`);
  $("thread-code").textContent = t("thread.code", { code: thread.code });
  const meta = [t("thread.sent", { time: fmtWhen(thread.createdAt) })];
  const department = departmentName(thread.department);
  if (department) meta.push(t("thread.department", { department }));
  $("thread-meta").textContent = meta.join(" · ");
  const project = $("thread-project");
  project.hidden = !state.projectTitle;
  if (state.projectTitle) {
    project.replaceChildren(t("thread.project", { project: "" }));
    const link = el("a", null, pick(state.projectTitle));
    link.href = `/p/${encodeURIComponent(thread.project)}`;
    project.append(link);
  }

  const ended = !open();
  $("composer").hidden = ended;
  $("thread-ended").hidden = !ended;
  if (ended) {
    typing.hide();
    $("thread-ended-text").textContent = t(thread.status === "invalid" ? "thread.invalid" : "thread.closed");
  }
}

function renderComposerStatus() {
  const node = $("composer-status");
  if (!state.message) {
    node.textContent = "";
    delete node.dataset.kind;
    return;
  }
  node.dataset.kind = state.message.kind;
  node.textContent = state.message.key ? t(state.message.key, state.message.params ?? {}) : describeError(state.message.error);
}

/** "实时更新" only while subscribed and caught up; a countdown while a refused subscription waits to be retried. */
function renderLiveState(liveState) {
  const indicator = $("live-indicator");
  indicator.dataset.state = liveState === "open" ? "open" : liveState === "reconnecting" || liveState === "paused" ? "reconnecting" : "connecting";
  indicator.dataset.live = liveState;
  clearTimeout(pausedTimer);
  pausedTimer = null;
  let text;
  if (liveState === "open") text = t("live.open");
  else if (liveState === "paused") {
    text = t("live.paused", { n: live?.retryIn() || 1 });
    pausedTimer = setTimeout(() => renderLiveState(live.state), 1000);
  } else if (liveState === "reconnecting") text = t("live.reconnecting");
  else text = t("live.connecting");
  $("live-text").textContent = text;
  // A message goes out once the letter is subscribed again: offline, or waiting for the subscription.
  if (liveState === "open") view.setPendingState(false);
  else view.setPendingState(true, live?.isOpen ? "thread.waiting" : "thread.queued");
}
