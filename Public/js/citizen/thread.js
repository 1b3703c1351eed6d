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
//
// Once the office has answered (`firstAnswerAt`) and until the letter is closed, the citizen rates the answer on the
// five levels of the project pages (the campaign's level labels, the same radios; Enter on a level selects it and
// never submits) and may change the rating: POST /api/threads/<code>/satisfaction. After a 1 or a 2 the page says that
// the department will get in touch (if a contact was left) within the promised working days (directLine's
// followUpWorkingDays, read from /api/figures' limits). The answer arriving live (a `thread` message) shows the form.

import { getCampaigns, getDepartments, getProject, getSession, getThread, request } from "../shared/api.js";
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
  levelLabels: null, // the campaign's [{zh, en}] (level 1 first), or null for the standard scale
  labelsAsked: false,
  followUpDays: null, // directLine.followUpWorkingDays, once asked
  daysAsked: false,
  rateBusy: false,
  rateMessage: null, // {kind, key, params} or {kind, error}
  rateChosen: false, // the citizen picked a level not yet sent
};
const FOLLOW_UP_DAYS = 3; // the default promise, until the server's is known

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
    state.labelsAsked = true;
    getProject(state.thread.project).then((answer) => {
      state.projectTitle = answer.project.title;
      state.levelLabels = answer.campaign?.levelLabels ?? null;
      renderThread();
      renderRating();
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
  renderRating();
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

  buildLevels();
  const levels = $("answer-levels");
  levels.addEventListener("change", () => {
    state.rateChosen = true;
    if (state.rateMessage?.kind === "error") state.rateMessage = null;
    renderRating();
  });
  // Enter on a level selects it and never submits the form (the button does), as on a project's page.
  levels.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || input.type !== "radio") return;
    event.preventDefault();
    if (!input.checked && !input.disabled) {
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  $("answer-rate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    rateAnswer();
  });
}

// MARK: rating the answer

function buildLevels() {
  const options = $("answer-levels");
  options.replaceChildren();
  for (let level = 5; level >= 1; level -= 1) {
    const input = el("input");
    input.type = "radio";
    input.name = "answer-level";
    input.value = String(level);
    input.id = `answer-level-${level}`;
    const label = el("label", `level lvl-${level}`);
    label.htmlFor = input.id;
    label.append(el("span", "level-swatch"), el("span", "level-name"), el("span", "level-score"));
    const wrapper = el("div", "level-option");
    wrapper.append(input, label);
    options.append(wrapper);
  }
}

function levelLabel(level) {
  const label = state.levelLabels?.[level - 1];
  return label ? pick(label) : t(`answer.level.${level}`);
}

function chosenLevel() {
  const checked = document.querySelector('#answer-levels input[name="answer-level"]:checked');
  return checked ? Number(checked.value) : null;
}

function answered() {
  return Number.isFinite(state.thread?.firstAnswerAt);
}

/** The campaign's level labels (the thread's project's campaign, else the current one) and the follow-up promise. */
function askOnce() {
  if (!state.labelsAsked) {
    state.labelsAsked = true;
    getCampaigns().then((answer) => {
      const current = (answer.campaigns ?? []).find((campaign) => campaign.id === answer.current);
      if (current?.levelLabels?.length === 5 && !state.levelLabels) {
        state.levelLabels = current.levelLabels;
        renderRating();
      }
    }, () => {});
  }
  const satisfaction = state.thread?.satisfaction;
  if (!state.daysAsked && Number.isInteger(satisfaction) && satisfaction <= 2) {
    state.daysAsked = true;
    request("GET", "/api/figures").then((answer) => {
      const days = answer?.limits?.followUpWorkingDays;
      if (Number.isInteger(days) && days > 0) {
        state.followUpDays = days;
        renderRating();
      }
    }, () => {});
  }
}

function renderRating() {
  const thread = state.thread;
  const card = $("rate-answer");
  const rated = Number.isInteger(thread.satisfaction);
  const ended = !open();
  card.hidden = !answered() || (ended && !rated);
  card.dataset.satisfaction = rated ? String(thread.satisfaction) : "";
  if (card.hidden) return;
  askOnce();
  for (const label of document.querySelectorAll("#answer-levels label")) {
    const level = Number(label.htmlFor.replace("answer-level-", ""));
    label.querySelector(".level-name").textContent = levelLabel(level);
    label.querySelector(".level-score").textContent = t("thread.rate.score", { n: level });
  }
  const mine = $("answer-rating");
  mine.removeAttribute("data-i18n");
  if (rated) {
    mine.textContent = t("thread.rate.mine", { level: levelLabel(thread.satisfaction), n: thread.satisfaction });
    mine.dataset.level = String(thread.satisfaction);
  } else {
    mine.textContent = t("thread.rate.none");
    delete mine.dataset.level;
  }
  const followUp = $("answer-followup");
  followUp.hidden = !rated || thread.satisfaction > 2;
  if (!followUp.hidden) {
    $("answer-followup-text").textContent = t("thread.rate.followUp", {
      department: departmentName(thread.department) || t("thread.office"),
      n: fmtInt(state.followUpDays ?? FOLLOW_UP_DAYS),
    });
  }
  $("answer-rate-form").hidden = ended;
  $("answer-rate-closed").hidden = !ended;
  if (!state.rateChosen) {
    for (const input of document.querySelectorAll('#answer-levels input[name="answer-level"]')) {
      input.checked = rated && Number(input.value) === thread.satisfaction;
    }
  }
  for (const input of document.querySelectorAll('#answer-levels input[name="answer-level"]')) input.disabled = ended;
  const button = $("answer-rate-submit");
  button.textContent = t(state.rateBusy ? "thread.rate.sending" : rated ? "thread.rate.change" : "thread.rate.submit");
  button.setAttribute("aria-busy", state.rateBusy ? "true" : "false");
  const status = $("answer-rate-status");
  const message = state.rateMessage;
  if (!message) {
    status.textContent = "";
    delete status.dataset.kind;
    delete status.dataset.error;
  } else {
    status.dataset.kind = message.kind;
    if (message.error?.code) status.dataset.error = message.error.code;
    else delete status.dataset.error;
    status.textContent = message.key ? t(message.key, typeof message.params === "function" ? message.params() : message.params ?? {}) : describeError(message.error);
  }
}

async function rateAnswer() {
  if (state.rateBusy || !answered() || !open()) return;
  const level = chosenLevel();
  if (!level) {
    state.rateMessage = { kind: "error", key: "thread.rate.choose" };
    renderRating();
    document.querySelector('#answer-levels input[name="answer-level"]')?.focus();
    return;
  }
  if (level === state.thread.satisfaction) {
    state.rateChosen = false;
    state.rateMessage = { kind: "info", key: "thread.rate.same" };
    renderRating();
    $("answer-rate-status").focus();
    return;
  }
  state.rateBusy = true;
  state.rateMessage = { kind: "pending", key: "thread.rate.sending" };
  renderRating();
  try {
    const answer = await request("POST", `/api/threads/${encodeURIComponent(code)}/satisfaction`, { level });
    state.rateChosen = false;
    if (answer?.thread) updateThread(answer.thread);
    else updateThread({ satisfaction: level });
    // The label in the language shown when the message is read again (the language may switch).
    const rated = state.thread.satisfaction ?? level;
    state.rateMessage = { kind: "success", key: "thread.rate.thanks", params: () => ({ level: levelLabel(rated) }) };
  } catch (error) {
    if (error.code === "thread.invalid_transition") {
      state.rateMessage = { kind: "error", key: "thread.rate.notNow" };
      getThread(code).then((detail) => updateThread(detail.thread), () => {});
    } else {
      state.rateMessage = { kind: "error", error };
    }
  } finally {
    state.rateBusy = false;
  }
  renderRating();
  $("answer-rate-status").focus();
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
  renderRating();
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
