// /: the campaign page. Title, evaluation window and state, totals, and every project with its live tally.
// Which campaign: ?campaign=<id>, else the server's `current` (api.js chooseCampaignID, shared with the board);
// with more than one campaign a switcher links to the others. A closed campaign shows its final results (from
// GET /api/campaigns/:id `tallies`, then live) and invites no rating; an upcoming one says when it opens.

import { getSession, listCampaigns } from "../shared/api.js";
import "../shared/i18n-direct.js"; // "写信给市长"
import { lang, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { Live, mergeProjects } from "../shared/live.js";
import {
  createDistribution, el, fmtAverage, fmtDateTime, fmtInt, fmtWindow, loadChosenCampaign, renderState, setCounter,
} from "../shared/ui.js";

const $ = (id) => document.getElementById(id);

const state = {
  campaign: null,
  campaigns: [], // every campaign, for the switcher
  projects: [],
  board: null, // the campaign topic's data: totals and projects[slug]
  cards: new Map(), // slug -> {update(tally), render()}
};

let live = null;

setupLanguage();
start();

async function start() {
  const status = $("page-status");
  const detail = await loadChosenCampaign(status, { backTo: "/" });
  if (!detail) return;
  state.campaign = detail.campaign;
  state.projects = detail.projects;
  try {
    state.campaigns = (await listCampaigns()).campaigns ?? [];
  } catch {
    state.campaigns = []; // no switcher; the page itself works
  }
  // The numbers known before the live topic answers (the final ones, for a closed campaign).
  const totals = state.campaigns.find((c) => c.id === detail.campaign.id)?.totals ?? detail.campaign.totals ?? {};
  state.board = {
    state: detail.campaign.state, participants: totals.participants ?? 0, ratings: totals.ratings ?? 0, likes: totals.likes ?? 0,
    watchers: 0, projects: detail.tallies ?? {},
  };
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
      const colon = lang() === "zh" ? "：" : ": ";
      poster.textContent = t("home.poster");
      poster.setAttribute("aria-label", `${t("home.poster")}${colon}${pick(project.title)}`);
      renderCardState(state.board?.state ?? state.campaign.state);
    };
    // The card's main button: "see and rate" only while rating is open.
    const renderCardState = (campaignState) => {
      const key = campaignState === "open" ? "home.open" : campaignState === "closed" ? "home.seeResults" : "home.seeProject";
      const colon = lang() === "zh" ? "：" : ": ";
      rate.textContent = t(key);
      rate.setAttribute("aria-label", `${t(key)}${colon}${pick(project.title)}`);
    };
    const update = (tally, animate) => {
      setCounter(participants.value, fmtInt(tally?.participants ?? 0), animate);
      setCounter(average.value, fmtAverage(tally?.average ?? null), animate);
      setCounter(likes.value, fmtInt(tally?.likes ?? 0), animate);
      updateDist(tally?.counts ?? [0, 0, 0, 0, 0], animate);
    };
    state.cards.set(project.slug, { render, update, renderState: renderCardState });
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
  $("footer-posters-link").href = `/posters?campaign=${encodeURIComponent(campaign.id)}`;
  renderSwitcher();
  for (const card of state.cards.values()) card.render();
  renderLive();
  renderLiveState(live?.state ?? "connecting");
}

/** Every campaign (newest window first), the one shown marked; only when there is more than one. */
function renderSwitcher() {
  const nav = $("campaign-switcher");
  const list = $("switcher-list");
  const campaigns = state.campaigns.slice().sort((a, b) => b.opensAt - a.opensAt);
  nav.hidden = campaigns.length < 2;
  list.replaceChildren();
  if (campaigns.length < 2) return;
  for (const campaign of campaigns) {
    const item = el("li", "switcher-item");
    const link = el("a", "switcher-link");
    link.href = `/?campaign=${encodeURIComponent(campaign.id)}`;
    link.dataset.campaign = campaign.id;
    if (campaign.id === state.campaign.id) link.setAttribute("aria-current", "page");
    const badge = el("span", "state-badge");
    renderState(badge, campaign.state);
    link.append(el("span", "switcher-name", pick(campaign.title)), badge, el("span", "switcher-window", fmtWindow(campaign, { short: true })));
    item.append(link);
    list.append(item);
  }
}

/** Closed: the final results, no invitation. Upcoming: when it opens. */
function renderNotice(campaignState) {
  const { campaign } = state;
  const notice = $("state-notice");
  notice.hidden = campaignState === "open";
  notice.dataset.state = campaignState;
  $("hero-intro").hidden = campaignState === "closed";
  if (campaignState === "closed") {
    $("state-notice-title").textContent = t("home.closedTitle");
    $("state-notice-text").textContent = t("home.closedText", { closes: fmtDateTime(campaign.closesAt, campaign.timeZone) });
  } else if (campaignState === "upcoming") {
    $("state-notice-title").textContent = t("home.upcomingTitle");
    $("state-notice-text").textContent = t("home.upcomingText", { opens: fmtDateTime(campaign.opensAt, campaign.timeZone) });
  }
  document.body.dataset.campaignState = campaignState;
  for (const card of state.cards.values()) card.renderState(campaignState);
}

function renderLive(animate = false) {
  const board = state.board;
  renderState($("campaign-state"), board.state);
  renderNotice(board.state);
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
