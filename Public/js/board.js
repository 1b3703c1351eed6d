// /board: the big screen in a hall. Every project live, the campaign's totals and watchers, its state and window.

import { getSession } from "./api.js";
import { locale, onLangChange, pick, setupLanguage, t } from "./i18n.js";
import { Live, mergeProjects } from "./live.js";
import { createStackedBar, el, fmtAverage, fmtInt, fmtWindow, loadChosenCampaign, renderState, setCounter } from "./ui.js";

const $ = (id) => document.getElementById(id);

const state = {
  campaign: null,
  projects: [],
  board: null,
  tiles: new Map(),
};
let live = null;

setupLanguage();
start();

async function start() {
  const detail = await loadChosenCampaign($("campaign-title"));
  if (!detail) return;
  $("campaign-title").removeAttribute("data-i18n");
  state.campaign = detail.campaign;
  state.projects = detail.projects;
  state.board = { state: detail.campaign.state, participants: 0, ratings: 0, likes: 0, watchers: 0, projects: {} };
  document.body.dataset.projects = String(state.projects.length);
  buildTiles();
  render();
  onLangChange(render);
  tick();
  setInterval(tick, 1000);

  live = new Live({
    onState: renderLiveState,
    // Watching needs no cookie, but the server refuses a WebSocket whose cookie no longer verifies; asking for a
    // session clears (and replaces) such a cookie.
    beforeReconnect: async (refused) => {
      if (refused) await getSession();
    },
  });
  live.subscribe(`campaign:${state.campaign.id}`, ({ type, data }) => {
    const changed = type === "delta" ? Object.keys(data.projects ?? {}) : [];
    const projects = mergeProjects(state.board?.projects, data.projects, type);
    const before = state.board.projects;
    state.board = { ...state.board, ...data, projects };
    renderLive(type === "delta");
    for (const slug of changed) {
      const old = before[slug];
      const now = projects[slug];
      // Light up a tile when its ratings or likes moved (not for a watcher coming or going).
      if (!old || old.participants !== now.participants || old.likes !== now.likes || String(old.counts) !== String(now.counts)) {
        state.tiles.get(slug)?.flash();
      }
    }
  });
  live.start();
}

function buildTiles() {
  const grid = $("board-grid");
  grid.replaceChildren();
  state.projects.forEach((project, index) => {
    const tile = el("li", "tile");
    tile.dataset.slug = project.slug;
    const number = el("span", "tile-number", String(index + 1));
    number.setAttribute("aria-hidden", "true");
    const names = el("div", "tile-names");
    const title = el("h3", "tile-title");
    const department = el("p", "tile-dept");
    names.append(title, department);

    const participants = figure("tile-participants");
    const average = figure("tile-average");
    const likes = figure("tile-likes");
    const figures = el("div", "tile-figures");
    figures.append(participants.node, average.node, likes.node);

    const stack = el("div", "tile-stack");
    const updateStack = createStackedBar(stack, state.campaign.levelLabels);

    tile.append(number, names, figures, stack);
    grid.append(tile);

    const render = () => {
      title.textContent = pick(project.title);
      department.textContent = pick(project.department);
      participants.label.textContent = t("board.participantsShort");
      average.label.textContent = t("board.avgShort");
      likes.label.textContent = t("board.likesShort");
    };
    const update = (tally, animate) => {
      setCounter(participants.value, fmtInt(tally?.participants ?? 0), animate);
      setCounter(average.value, fmtAverage(tally?.average ?? null), animate);
      setCounter(likes.value, fmtInt(tally?.likes ?? 0), animate);
      updateStack(tally?.counts ?? [0, 0, 0, 0, 0]);
    };
    const flash = () => {
      tile.classList.remove("flash");
      void tile.offsetWidth;
      tile.classList.add("flash");
      clearTimeout(tile._flashTimer);
      tile._flashTimer = setTimeout(() => tile.classList.remove("flash"), 2000);
    };
    state.tiles.set(project.slug, { render, update, flash });
  });
}

function figure(className) {
  const node = el("div", `tile-figure ${className}-box`);
  const value = el("span", `tile-value ${className}`, "0");
  const label = el("span", "tile-label");
  node.append(value, label);
  return { node, value, label };
}

function render() {
  const { campaign } = state;
  document.title = `${t("board.title")} · ${pick(campaign.title)}`;
  $("campaign-title").textContent = pick(campaign.title);
  $("campaign-window").textContent = fmtWindow(campaign, { short: true });
  const legend = $("legend");
  legend.replaceChildren();
  for (let level = 5; level >= 1; level -= 1) {
    const item = el("li", `legend-item lvl-${level}`);
    const swatch = el("span", "legend-swatch");
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, el("span", "legend-label", pick(campaign.levelLabels[level - 1])));
    legend.append(item);
  }
  for (const tile of state.tiles.values()) tile.render();
  renderLive();
  renderLiveState(live?.state ?? "connecting");
  tick();
}

function renderLive(animate = false) {
  const board = state.board;
  renderState($("campaign-state"), board.state);
  setCounter($("total-participants"), fmtInt(board.participants), animate);
  setCounter($("total-ratings"), fmtInt(board.ratings), animate);
  setCounter($("total-likes"), fmtInt(board.likes), animate);
  let watchers = board.watchers ?? 0;
  for (const tally of Object.values(board.projects)) watchers += tally.watchers ?? 0;
  setCounter($("total-watchers"), fmtInt(watchers), animate);
  for (const [slug, tile] of state.tiles) tile.update(board.projects[slug], animate);
}

function renderLiveState(liveState) {
  $("live-indicator").dataset.state = liveState;
  $("live-text").textContent = t(liveState === "open" ? "live.open" : liveState === "reconnecting" ? "live.reconnecting" : "live.connecting");
}

function tick() {
  if (!state.campaign) return;
  $("clock").textContent = new Intl.DateTimeFormat(locale(), {
    timeZone: state.campaign.timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(new Date());
}
