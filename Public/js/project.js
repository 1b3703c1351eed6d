// /p/<slug>: the page a project's QR code opens. Reads the project, the citizen's own rating and like
// (GET /api/session, first, so the cookie exists before the WebSocket opens), shows the live tally and sends
// ratings and likes over the WebSocket.

import { ApiError, getProject, getSession } from "./api.js";
import { lang, onLangChange, pick, setupLanguage, t } from "./i18n.js";
import { Live } from "./live.js";
import { createDistribution, el, errorMessage, fmtInt, fmtAverage, fmtWindow, renderState, setCounter } from "./ui.js";

const MAX_SUGGESTION = 500;
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
  retryUntil: 0,
  rateMessage: null, // {key, params} or {error} to re-render on language change
  likeMessage: null,
};

let updateDistribution = () => {};
let live = null;

setupLanguage();
start();

async function start() {
  let detail;
  let session;
  try {
    [detail, session] = await Promise.all([getProject(slug), getSession()]);
  } catch (error) {
    showLoadError(error);
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
  renderAll();
  wireForm();
  onLangChange(renderAll);

  live = new Live({
    onState: renderLiveState,
    beforeReconnect: async () => applySession(await getSession()),
    onError: () => {},
  });
  live.subscribe(`project:${slug}`, ({ type, data }) => {
    if (data.state) state.campaignState = data.state;
    if (data.tally) state.tally = { ...state.tally, ...data.tally };
    renderTally(type === "delta");
    renderCampaignState();
  });
  live.start();
}

function showLoadError(error) {
  const status = $("page-status");
  status.removeAttribute("data-i18n"); // keep the message when the language changes
  status.classList.add("is-error");
  if (error instanceof ApiError && error.code === "project.not_found") {
    status.textContent = t("project.notFound");
  } else {
    status.textContent = t("loadFailed", { reason: errorMessage(error) });
  }
}

function applySession(session) {
  if (!session) return;
  const rating = session.ratings?.[slug];
  state.mine = rating ? { level: rating.level, suggestion: rating.suggestion ?? "" } : null;
  state.liked = Array.isArray(session.likes) && session.likes.includes(slug);
  if (state.project) renderMine();
}

// MARK: rendering

function renderAll() {
  const { campaign, project } = state;
  document.title = `${pick(project.title)} · ${t("brand.short")}`;
  const campaignLink = $("campaign-link");
  campaignLink.textContent = pick(campaign.title);
  campaignLink.href = `/?campaign=${encodeURIComponent(campaign.id)}`;
  $("board-link").href = `/board?campaign=${encodeURIComponent(campaign.id)}`;
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
  renderState($("campaign-state"), state.campaignState);
  const open = state.campaignState === "open";
  $("rate-card").classList.toggle("is-closed", !open);
  for (const input of document.querySelectorAll("#level-options input")) input.disabled = !open;
  $("suggestion").disabled = !open;
  renderSubmit();
  renderLike();
  if (!open && !state.rateMessage) {
    $("rate-status").textContent = t("project.closedForm");
    $("rate-status").dataset.kind = "info";
  } else if (open && !state.rateMessage && $("rate-status").dataset.kind === "info") {
    $("rate-status").textContent = "";
    delete $("rate-status").dataset.kind;
  }
}

function renderTally(animate = false) {
  const tally = state.tally;
  setCounter($("tally-participants"), fmtInt(tally.participants), animate);
  setCounter($("tally-average"), fmtAverage(tally.average), animate);
  setCounter($("tally-likes"), fmtInt(tally.likes), animate);
  $("like-count").textContent = t("project.likeCount", { n: fmtInt(tally.likes) });
  updateDistribution(tally.counts, animate);
  $("tally-watchers").textContent = t("watching", { n: fmtInt(tally.watchers ?? 0) });
}

function renderLiveState(liveState) {
  const indicator = $("live-indicator");
  indicator.dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
  if (state.ratingBusy) renderMessages();
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
}

function renderSubmit() {
  const button = $("submit-rating");
  const open = state.campaignState === "open";
  const waiting = Date.now() < state.retryUntil;
  button.disabled = !open || state.ratingBusy || waiting || suggestionLength() > MAX_SUGGESTION;
  button.textContent = state.ratingBusy ? t("project.sending") : t(state.mine ? "project.update" : "project.submit");
  button.setAttribute("aria-busy", state.ratingBusy ? "true" : "false");
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
  counter.textContent = over ? t("project.counterOver", { n: fmtInt(n - MAX_SUGGESTION) }) : t("project.counter", { n: fmtInt(n), max: fmtInt(MAX_SUGGESTION) });
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
    renderCounter();
    renderSubmit();
  });
  $("rate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitRating();
  });
  $("like-button").addEventListener("click", toggleLike);
  if (state.mine) {
    const input = $(`level-${state.mine.level}`);
    if (input) input.checked = true;
    $("suggestion").value = state.mine.suggestion ?? "";
    renderCounter();
  }
}

function selectedLevel() {
  const checked = document.querySelector('#level-options input[name="level"]:checked');
  return checked ? Number(checked.value) : null;
}

async function submitRating() {
  if (state.ratingBusy) return;
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
  renderMessages();
  try {
    const ack = await live.rate(slug, level, suggestion);
    state.mine = { level: ack.level ?? level, suggestion: ack.suggestion ?? "" };
    state.rateMessage = { kind: "success", key: "project.thanks", params: () => ({ level: levelLabel(state.mine.level) }) };
    renderMine();
  } catch (error) {
    await handleWriteError(error);
    state.rateMessage = { kind: "error", error };
  } finally {
    state.ratingBusy = false;
    renderSubmit();
    renderMessages();
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
