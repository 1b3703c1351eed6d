// /: the campaign page. Title, evaluation window and state, totals, and every project with its live tally.

import { getSession } from "./api.js";
import { lang, onLangChange, pick, setupLanguage, t } from "./i18n.js";
import { Live, mergeProjects } from "./live.js";
import { createDistribution, el, fmtAverage, fmtInt, fmtWindow, loadChosenCampaign, renderState, setCounter } from "./ui.js";

const $ = (id) => document.getElementById(id);

const state = {
  campaign: null,
  projects: [],
  board: null, // the campaign topic's data: totals and projects[slug]
  cards: new Map(), // slug -> {update(tally), render()}
};

let live = null;

setupLanguage();
start();

async function start() {
  const detail = await loadChosenCampaign($("page-status"));
  if (!detail) return;
  state.campaign = detail.campaign;
  state.projects = detail.projects;
  state.board = { state: detail.campaign.state, participants: 0, ratings: 0, likes: 0, watchers: 0, projects: {} };
  $("page-status").hidden = true;
  $("content").hidden = false;
  buildProjects();
  render();
  onLangChange(render);

  live = new Live({
    onState: renderLiveState,
    // Watching needs no cookie, but the server refuses a WebSocket whose cookie no longer verifies; asking for a
    // session clears (and replaces) such a cookie.
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
  });
  live.subscribe(`campaign:${state.campaign.id}`, ({ type, data }) => {
    const projects = mergeProjects(state.board?.projects, data.projects, type);
    state.board = { ...state.board, ...data, projects };
    renderLive(type === "delta");
  });
  live.start();
}

function buildProjects() {
  const list = $("project-list");
  list.replaceChildren();
  for (const project of state.projects) {
    const item = el("li", "project-card");
    item.dataset.slug = project.slug;
    const head = el("div", "project-card-head");
    const title = el("h3", "project-card-title");
    const link = el("a");
    const projectURL = `/p/${encodeURIComponent(project.slug)}`;
    link.href = projectURL;
    title.append(link);
    const department = el("p", "project-card-dept");
    head.append(title, department);

    const stats = el("div", "mini-stats");
    const participants = miniStat();
    const average = miniStat();
    const likes = miniStat();
    stats.append(participants.node, average.node, likes.node);

    const dist = el("div", "project-card-dist");
    const updateDist = createDistribution(dist, state.campaign.levelLabels);

    const actions = el("div", "project-card-actions");
    const rate = el("a", "btn btn-primary");
    rate.href = projectURL;
    const poster = el("a", "btn btn-ghost");
    poster.href = `/poster/${encodeURIComponent(project.slug)}`;
    actions.append(rate, poster);

    item.append(head, stats, dist, actions);
    list.append(item);

    const render = () => {
      link.textContent = pick(project.title);
      department.textContent = pick(project.department);
      participants.label.textContent = t("stat.participants");
      average.label.textContent = t("stat.average");
      likes.label.textContent = t("stat.likes");
      rate.textContent = t("home.open");
      const colon = lang() === "zh" ? "：" : ": ";
      rate.setAttribute("aria-label", `${t("home.open")}${colon}${pick(project.title)}`);
      poster.textContent = t("home.poster");
      poster.setAttribute("aria-label", `${t("home.poster")}${colon}${pick(project.title)}`);
    };
    const update = (tally, animate) => {
      setCounter(participants.value, fmtInt(tally?.participants ?? 0), animate);
      setCounter(average.value, fmtAverage(tally?.average ?? null), animate);
      setCounter(likes.value, fmtInt(tally?.likes ?? 0), animate);
      updateDist(tally?.counts ?? [0, 0, 0, 0, 0], animate);
    };
    state.cards.set(project.slug, { render, update });
  }
}

function miniStat() {
  const node = el("div", "mini-stat");
  const label = el("span", "mini-stat-label");
  const value = el("span", "mini-stat-value", "0");
  node.append(label, value);
  return { node, label, value };
}

function render() {
  const { campaign } = state;
  document.title = `${pick(campaign.title)} · ${t("brand.short")}`;
  $("campaign-title").textContent = pick(campaign.title);
  $("campaign-window").textContent = fmtWindow(campaign);
  const boardURL = `/board?campaign=${encodeURIComponent(campaign.id)}`;
  $("board-link").href = boardURL;
  $("footer-board-link").href = boardURL;
  for (const card of state.cards.values()) card.render();
  renderLive();
  renderLiveState(live?.state ?? "connecting");
}

function renderLive(animate = false) {
  const board = state.board;
  renderState($("campaign-state"), board.state);
  setCounter($("total-participants"), fmtInt(board.participants), animate);
  setCounter($("total-ratings"), fmtInt(board.ratings), animate);
  setCounter($("total-likes"), fmtInt(board.likes), animate);
  let watchers = board.watchers ?? 0;
  for (const tally of Object.values(board.projects)) watchers += tally.watchers ?? 0;
  setCounter($("total-watchers"), fmtInt(watchers));
  for (const [slug, card] of state.cards) card.update(board.projects[slug], animate);
}

function renderLiveState(liveState) {
  $("live-indicator").dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
}
