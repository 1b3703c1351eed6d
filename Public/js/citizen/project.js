// /p/<slug>: the page a project's QR code opens. Reads the project, the citizen's own rating and like
// (GET /api/session, first, so the cookie exists before the WebSocket opens), shows the live tally and sends
// ratings, withdrawals and likes over the WebSocket.
//
// - The citizen's own rating and like follow the server's `mine` messages, so every tab of the same browser shows
//   what the server has now (rate 4 here and 1 in another tab: this one says 1).
// - Submitting is deliberate: Enter on a level radio selects it but never submits (the browser's implicit
//   submission would send the rating before the citizen reached the suggestion box); the submit button does.
// - Closed or not yet open: the page says so at the top, shows the results first, and the form is disabled with
//   its reason.

import { getProject, getSession } from "../shared/api.js";
import "../shared/i18n-direct.js"; // the link to the direct line, the thread of a suggestion
import { lang, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live } from "../shared/live.js";
import {
  createDistribution, createThrottledAnnouncer, el, errorMessage, fmtAverage, fmtDateTime, fmtInt, fmtWindow, renderState, setCounter,
  showProjectLoadError,
} from "../shared/ui.js";
import { rememberLetter } from "./letters.js";

const MAX_SUGGESTION = 500;
/** How often, at most, a screen reader hears the live numbers (see createThrottledAnnouncer). */
const ANNOUNCE_EVERY_MS = 10000;
const $ = (id) => document.getElementById(id);

const slug = decodeURIComponent(location.pathname.replace(/^\/p\//, "").replace(/\/+$/, ""));

const state = {
  campaign: null,
  project: null,
  tally: null,
  campaignState: null,
  mine: null, // {level, suggestion} or null
  liked: false,
  ratingBusy: false,
  likeBusy: false,
  withdrawBusy: false,
  confirming: false, // the withdraw confirmation is shown
  // The citizen changed the form since it last showed their rating: a rating made in another tab then updates the
  // "your rating" line but leaves what they are typing alone.
  formDirty: false,
  retryUntil: 0,
  rateMessage: null, // {key, params} or {error} to re-render on language change
  suggestionThread: null, // the query code of the thread the last suggestion became (the rating's ack `thread`)
  likeMessage: null,
};

let updateDistribution = () => {};
let announce = () => {};
let live = null;

setupLanguage();
start();

async function start() {
  let detail;
  let session = null;
  try {
    // The session is not needed to read the page: when it fails (too many new visitors from this network, say)
    // the page still shows the project; a rating then asks for it again (citizen.missing).
    [detail, session] = await Promise.all([getProject(slug), getSession().catch(() => null)]);
  } catch (error) {
    showProjectLoadError($("page-status"), error);
    return;
  }
  state.campaign = detail.campaign;
  state.project = detail.project;
  state.tally = detail.tally;
  state.campaignState = detail.campaign.state;
  applySession(session);

  $("page-status").hidden = true;
  $("content").hidden = false;
  buildLevels();
  updateDistribution = createDistribution($("tally-distribution"), state.campaign.levelLabels);
  announce = createThrottledAnnouncer($("tally-announce"), ANNOUNCE_EVERY_MS);
  syncForm();
  renderAll();
  wireForm();
  onLangChange(renderAll);

  live = new Live({
    onState: renderLiveState,
    beforeReconnect: async () => applySession(await getSession()),
    onError: () => {},
    onMine: applyMine,
  });
  live.subscribe(`project:${slug}`, ({ type, data }) => {
    if (data.state) state.campaignState = data.state;
    if (data.tally) state.tally = { ...state.tally, ...data.tally };
    renderTally(type === "delta");
    renderCampaignState();
  });
  live.start();
}

function applySession(session) {
  if (!session) return;
  const rating = session.ratings?.[slug];
  setMine(rating ? { level: rating.level, suggestion: rating.suggestion ?? "" } : null);
  state.liked = Array.isArray(session.likes) && session.likes.includes(slug);
  if (state.project) renderLike();
}

/** The server says what this citizen's rating or like of a project now is (from this tab or another). */
function applyMine(message) {
  if (message.project !== slug || !state.project) return;
  if (message.action === "rate" && message.level != null) {
    setMine({ level: message.level, suggestion: message.suggestion ?? "" });
  } else if (message.action === "withdraw") {
    setMine(null);
  } else if (message.action === "like" && typeof message.liked === "boolean") {
    state.liked = message.liked;
    renderLike();
  }
}

/** Records the citizen's rating; the form follows it unless the citizen is editing it. */
function setMine(mine) {
  state.mine = mine;
  if (!state.project) return;
  if (!state.formDirty && !state.ratingBusy) syncForm();
  renderMine();
}

/** Puts the citizen's rating (or nothing) into the form. */
function syncForm() {
  for (const input of document.querySelectorAll('#level-options input[name="level"]')) {
    input.checked = state.mine !== null && Number(input.value) === state.mine.level;
  }
  $("suggestion").value = state.mine?.suggestion ?? "";
  state.formDirty = false;
  renderCounter();
}

// MARK: rendering

function renderAll() {
  const { campaign, project } = state;
  document.title = `${pick(project.title)} · ${t("brand.short")}`;
  const campaignLink = $("campaign-link");
  campaignLink.textContent = pick(campaign.title);
  campaignLink.href = `/?campaign=${encodeURIComponent(campaign.id)}`;
  $("board-link").href = `/board?campaign=${encodeURIComponent(campaign.id)}`;
  $("write-link").href = `/write?project=${encodeURIComponent(project.slug)}`;
  $("footer-write-link").href = `/write?project=${encodeURIComponent(project.slug)}`;
  renderSuggestionThread();
  $("project-title").textContent = pick(project.title);
  $("project-department").textContent = pick(project.department);
  $("project-summary").textContent = pick(project.summary);
  $("project-promised").textContent = pick(project.promised);
  $("project-done").textContent = pick(project.done);
  const figures = $("project-figures");
  figures.replaceChildren();
  for (const figure of project.figures ?? []) {
    const item = el("div", "figure");
    item.append(el("dt", "figure-label", pick(figure.label)), el("dd", "figure-value", pick(figure.value)));
    figures.append(item);
  }
  $("campaign-window").textContent = fmtWindow(campaign);
  renderLevels();
  renderCampaignState();
  renderTally();
  renderMine();
  renderCounter();
  renderLike();
  renderMessages();
  if (live) renderLiveState(live.state);
}

function renderCampaignState() {
  const campaignState = state.campaignState;
  renderState($("campaign-state"), campaignState);
  const open = campaignState === "open";
  document.body.dataset.campaignState = campaignState;
  $("rate-card").classList.toggle("is-closed", !open);
  $("hero-cta").hidden = !open;

  // Closed or upcoming: say so first, with the date that matters.
  const notice = $("state-notice");
  notice.hidden = open;
  notice.dataset.state = campaignState;
  if (campaignState === "closed") {
    $("state-notice-title").textContent = t("project.closedTitle");
    $("state-notice-text").textContent = t("project.closedText", { closes: fmtDateTime(state.campaign.closesAt, state.campaign.timeZone) });
  } else if (campaignState === "upcoming") {
    $("state-notice-title").textContent = t("project.upcomingTitle");
    $("state-notice-text").textContent = t("project.upcomingText", { opens: fmtDateTime(state.campaign.opensAt, state.campaign.timeZone) });
  }
  $("live-title").textContent = t(campaignState === "closed" ? "project.results" : "project.live");
  $("rate-title").textContent = t(open ? "project.rate" : "project.rateClosed");

  // When nothing can be rated, the results come before the (disabled) form.
  const rateCard = $("rate-card");
  const liveCard = $("live-title").closest("section");
  const resultsFirst = liveCard.compareDocumentPosition(rateCard) & Node.DOCUMENT_POSITION_FOLLOWING;
  if (!open && !resultsFirst) rateCard.before(liveCard);
  else if (open && resultsFirst) rateCard.after(liveCard);

  // A closed campaign invites nothing: the citizen's own rating, the closing note and the results stay; the
  // levels, the suggestion box, the submit and like buttons go (disabled controls still read as an invitation).
  const final = campaignState === "closed";
  for (const node of [$("levels"), $("suggestion").closest(".field"), $("submit-rating"), $("like-button").closest(".like-row"),
    document.querySelector("#rate-card > .hint")]) {
    node.hidden = final;
  }
  for (const input of document.querySelectorAll("#level-options input")) input.disabled = !open;
  $("suggestion").disabled = !open;
  if (!open) hideConfirm(false);
  renderSubmit();
  renderWithdraw();
  renderLike();
  if (!open && !state.rateMessage) {
    $("rate-status").textContent = t("project.closedForm");
    $("rate-status").dataset.kind = "info";
  } else if (open && !state.rateMessage && $("rate-status").dataset.kind === "info") {
    $("rate-status").textContent = "";
    delete $("rate-status").dataset.kind;
  }
}

/** "Your suggestion was sent to the department responsible: code …", with the link to its thread. */
function renderSuggestionThread() {
  const node = $("rate-thread");
  const code = state.suggestionThread;
  node.hidden = !code;
  if (!code) return;
  const link = el("a", null, t("project.threadOpen"));
  link.href = `/t/${encodeURIComponent(code)}`;
  node.replaceChildren(t("project.thread", { code }), " ", link);
}

function renderTally(animate = false) {
  const tally = state.tally;
  setCounter($("tally-participants"), fmtInt(tally.participants), animate);
  setCounter($("tally-average"), fmtAverage(tally.average), animate);
  setCounter($("tally-likes"), fmtInt(tally.likes), animate);
  $("like-count").textContent = t("project.likeCount", { n: fmtInt(tally.likes) });
  updateDistribution(tally.counts, animate);
  $("tally-watchers").textContent = t("watching", { n: fmtInt(tally.watchers ?? 0) });
  // Not every number: a screen reader would hear each delta of a busy project. A summary, throttled.
  const participants = fmtInt(tally.participants);
  announce(tally.average == null ? t("project.announceNone", { participants }) : t("project.announce", { participants, average: fmtAverage(tally.average) }));
}

function renderLiveState(liveState) {
  const indicator = $("live-indicator");
  indicator.dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
  if (state.ratingBusy || state.withdrawBusy) renderMessages();
}

function levelLabel(level) {
  return pick(state.campaign.levelLabels[level - 1]);
}

function buildLevels() {
  const options = $("level-options");
  options.replaceChildren();
  for (let level = 5; level >= 1; level -= 1) {
    const id = `level-${level}`;
    const input = el("input");
    input.type = "radio";
    input.name = "level";
    input.value = String(level);
    input.id = id;
    const label = el("label", `level lvl-${level}`);
    label.htmlFor = id;
    const name = el("span", "level-name");
    const score = el("span", "level-score");
    label.append(el("span", "level-swatch"), name, score);
    const wrapper = el("div", "level-option");
    wrapper.append(input, label);
    options.append(wrapper);
  }
}

function renderLevels() {
  for (const label of document.querySelectorAll("#level-options label")) {
    const level = Number(label.htmlFor.replace("level-", ""));
    label.querySelector(".level-name").textContent = levelLabel(level);
    label.querySelector(".level-score").textContent = lang() === "zh" ? `${level} 分` : `${level}/5`;
  }
}

function renderMine() {
  const mine = state.mine;
  const line = $("my-rating");
  const suggestion = $("my-suggestion");
  if (mine) {
    line.textContent = t("project.mine", { level: t("project.levelValue", { level: levelLabel(mine.level), n: mine.level }) });
    line.dataset.level = String(mine.level);
    suggestion.hidden = !mine.suggestion;
    suggestion.textContent = mine.suggestion ? t("project.mineSuggestion", { text: mine.suggestion }) : "";
  } else {
    line.textContent = t("project.mineNone");
    delete line.dataset.level;
    suggestion.hidden = true;
    suggestion.textContent = "";
  }
  renderSubmit();
  renderWithdraw();
}

function renderSubmit() {
  const button = $("submit-rating");
  const open = state.campaignState === "open";
  const waiting = Date.now() < state.retryUntil;
  button.disabled = !open || state.ratingBusy || state.withdrawBusy || waiting || suggestionLength() > MAX_SUGGESTION;
  button.textContent = state.ratingBusy ? t("project.sending") : t(state.mine ? "project.update" : "project.submit");
  button.setAttribute("aria-busy", state.ratingBusy ? "true" : "false");
}

/** "Withdraw my rating": only with a rating, while the window is open; a second step confirms it. */
function renderWithdraw() {
  const available = state.mine !== null && state.campaignState === "open";
  if (!available && !state.withdrawBusy) state.confirming = false;
  $("withdraw").hidden = !available && !state.withdrawBusy;
  $("withdraw-button").hidden = state.confirming;
  $("withdraw-confirm").hidden = !state.confirming;
  $("withdraw-yes").disabled = state.withdrawBusy || state.ratingBusy;
  $("withdraw-yes").textContent = t(state.withdrawBusy ? "project.withdrawing" : "project.withdrawConfirm");
  $("withdraw-yes").setAttribute("aria-busy", state.withdrawBusy ? "true" : "false");
  $("withdraw-no").disabled = state.withdrawBusy;
}

function renderLike() {
  const button = $("like-button");
  button.setAttribute("aria-pressed", state.liked ? "true" : "false");
  $("like-label").textContent = state.likeBusy ? t("project.likeSending") : t(state.liked ? "project.liked" : "project.like");
  button.disabled = state.likeBusy || state.campaignState !== "open";
}

function suggestionLength() {
  // The server counts Unicode scalars (code points), not UTF-16 units.
  return Array.from($("suggestion").value.trim()).length;
}

function renderCounter() {
  const n = suggestionLength();
  const counter = $("suggestion-counter");
  const over = n > MAX_SUGGESTION;
  counter.textContent = over ? t(n - MAX_SUGGESTION === 1 ? "project.counterOver.one" : "project.counterOver", { n: fmtInt(n - MAX_SUGGESTION) }) : t("project.counter", { n: fmtInt(n), max: fmtInt(MAX_SUGGESTION) });
  counter.classList.toggle("is-over", over);
  counter.classList.toggle("is-near", !over && n > MAX_SUGGESTION - 50);
  $("suggestion").setAttribute("aria-invalid", over ? "true" : "false");
}

/** Status lines are kept as keys so that switching the language re-renders them. */
function renderMessages() {
  renderMessage($("rate-status"), state.rateMessage);
  renderMessage($("like-status"), state.likeMessage);
}

function renderMessage(node, message) {
  if (!message) {
    if (node.dataset.kind !== "info") {
      node.textContent = "";
      delete node.dataset.kind;
    }
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error) {
    node.textContent = errorMessage(message.error, { campaign: state.campaign });
  } else if (message.key === "project.sending" && live && !live.isOpen) {
    node.textContent = t("project.queued");
  } else {
    node.textContent = t(message.key, typeof message.params === "function" ? message.params() : message.params ?? {});
  }
}

// MARK: actions

function wireForm() {
  $("suggestion").addEventListener("input", () => {
    state.formDirty = true;
    renderCounter();
    renderSubmit();
  });
  const options = $("level-options");
  options.addEventListener("change", () => {
    state.formDirty = true;
  });
  // Enter on a radio would submit the form at once (implicit submission). It selects the radio instead; the
  // citizen goes on to the suggestion box and submits with the button. Arrow keys and Space work as usual.
  options.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || input.type !== "radio") return;
    event.preventDefault();
    if (!input.checked && !input.disabled) {
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  $("rate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitRating();
  });
  $("like-button").addEventListener("click", toggleLike);
  $("withdraw-button").addEventListener("click", () => {
    state.confirming = true;
    renderWithdraw();
    $("withdraw-yes").focus();
  });
  $("withdraw-no").addEventListener("click", () => hideConfirm(true));
  $("withdraw-confirm").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !state.withdrawBusy) hideConfirm(true);
  });
  $("withdraw-yes").addEventListener("click", withdrawRating);
}

function hideConfirm(focusButton) {
  if (!state.confirming) return;
  state.confirming = false;
  renderWithdraw();
  if (focusButton) $("withdraw-button").focus();
}

function selectedLevel() {
  const checked = document.querySelector('#level-options input[name="level"]:checked');
  return checked ? Number(checked.value) : null;
}

async function submitRating() {
  if (state.ratingBusy || state.withdrawBusy) return;
  const level = selectedLevel();
  if (!level) {
    state.rateMessage = { kind: "error", key: "project.chooseLevel" };
    renderMessages();
    document.querySelector('#level-options input[name="level"]')?.focus();
    return;
  }
  if (suggestionLength() > MAX_SUGGESTION) {
    state.rateMessage = { kind: "error", error: { code: "rating.suggestion_too_long" } };
    renderMessages();
    return;
  }
  const suggestion = $("suggestion").value.trim();
  state.ratingBusy = true;
  state.rateMessage = { kind: "pending", key: "project.sending" };
  renderSubmit();
  renderWithdraw();
  renderMessages();
  try {
    const ack = await live.rate(slug, level, suggestion);
    state.formDirty = false;
    state.ratingBusy = false;
    setMine({ level: ack.level ?? level, suggestion: ack.suggestion ?? "" });
    if (typeof ack.thread === "string" && ack.thread) {
      // The suggestion became a letter to the project's department: its code, to follow the answer.
      state.suggestionThread = ack.thread;
      rememberLetter({ code: ack.thread, subject: pick(state.project.title), kind: "suggestion", status: "new" });
      renderSuggestionThread();
    }
    state.rateMessage = { kind: "success", key: "project.thanks", params: () => ({ level: levelLabel(state.mine.level) }) };
  } catch (error) {
    await handleWriteError(error);
    state.rateMessage = { kind: "error", error };
  } finally {
    state.ratingBusy = false;
    renderSubmit();
    renderWithdraw();
    renderMessages();
  }
}

async function withdrawRating() {
  if (state.withdrawBusy || state.ratingBusy) return;
  state.withdrawBusy = true;
  state.rateMessage = { kind: "pending", key: "project.withdrawing" };
  renderWithdraw();
  renderSubmit();
  renderMessages();
  let withdrawn = false;
  try {
    await live.withdraw(slug);
    withdrawn = true;
    state.rateMessage = { kind: "success", key: "project.withdrawn" };
  } catch (error) {
    if (error.code === "rating.not_found") withdrawn = true; // already gone (withdrawn in another tab)
    await handleWriteError(error);
    state.rateMessage = { kind: "error", error };
  } finally {
    state.withdrawBusy = false;
    state.confirming = false;
    if (withdrawn) {
      state.formDirty = false;
      setMine(null);
    }
    renderWithdraw();
    renderSubmit();
    renderMessages();
    // The confirmation is gone: keep the focus in the rating card rather than losing it to the page.
    if (withdrawn || $("withdraw").hidden) $("rate-card").focus();
    else $("withdraw-button").focus();
  }
}

async function toggleLike() {
  if (state.likeBusy) return;
  const next = !state.liked;
  state.likeBusy = true;
  state.likeMessage = null;
  renderLike();
  renderMessages();
  try {
    const ack = await live.like(slug, next);
    state.liked = ack.liked ?? next;
  } catch (error) {
    await handleWriteError(error);
    state.likeMessage = { kind: "error", error };
  } finally {
    state.likeBusy = false;
    renderLike();
    renderMessages();
  }
}

/** What an error means for the page besides its message: a new cookie, a wait, a new state. */
async function handleWriteError(error) {
  switch (error.code) {
    case "citizen.missing":
    case "citizen.invalid":
      // The socket was opened without a valid cookie: get one, then reopen the socket with it.
      try {
        applySession(await getSession());
      } catch {
        // The message already tells the citizen to try again.
      }
      live.restart();
      break;
    case "limit.rate":
    case "limit.new_citizens": {
      const seconds = Math.max(1, error.retryAfter ?? 1);
      state.retryUntil = Date.now() + seconds * 1000;
      setTimeout(renderSubmit, seconds * 1000 + 50);
      break;
    }
    case "campaign.closed":
      state.campaignState = "closed";
      renderCampaignState();
      break;
    case "campaign.not_open":
      state.campaignState = "upcoming";
      renderCampaignState();
      break;
    default:
      break;
  }
}
