// /archive: every campaign whose evaluation has closed, newest first, with its final results: the campaign's
// totals (GET /api/campaigns) and, per project, participants, average and likes (GET /api/campaigns/:id `tallies`).
// Nothing here is live: a closed campaign's numbers no longer move.

import { getCampaign, listCampaigns } from "../shared/api.js";
import { lang, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { el, errorMessage, fmtAverage, fmtInt, fmtWindow, renderState } from "../shared/ui.js";

const $ = (id) => document.getElementById(id);
let archive = null; // [{campaign (summary), detail}] or null while loading
let failure = null;

setupLanguage();
onLangChange(render);
start();

async function start() {
  try {
    const { campaigns } = await listCampaigns();
    const closed = (campaigns ?? []).filter((c) => c.state === "closed").sort((a, b) => b.closesAt - a.closesAt);
    const details = await Promise.all(closed.map((c) => getCampaign(c.id)));
    archive = closed.map((campaign, index) => ({ campaign, detail: details[index] }));
  } catch (error) {
    failure = error;
  }
  render();
}

function render() {
  document.title = `${t("archive.title")} · ${t("brand.short")}`;
  const status = $("page-status");
  const list = $("archive-list");
  if (failure) {
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = t("loadFailed", { reason: errorMessage(failure) });
    return;
  }
  if (!archive) return;
  status.removeAttribute("data-i18n");
  status.hidden = archive.length > 0;
  status.textContent = t("archive.none");
  list.replaceChildren(...archive.map(({ campaign, detail }) => renderCampaign(campaign, detail)));
  document.body.dataset.loaded = "true";
}

function renderCampaign(summary, detail) {
  const campaign = { ...detail.campaign, ...summary };
  const section = el("section", "card archive-campaign");
  section.dataset.campaign = campaign.id;
  const titleID = `archive-${campaign.id}`;
  section.setAttribute("aria-labelledby", titleID);

  const head = el("div", "archive-head");
  const title = el("h2", null, pick(campaign.title));
  title.id = titleID;
  const badge = el("span", "state-badge");
  renderState(badge, campaign.state);
  head.append(title, badge);

  const period = el("p", "window", fmtWindow(campaign));
  const totals = campaign.totals ?? {};
  const stats = el("div", "stats stats-4");
  for (const [label, value] of [
    ["stat.participants", fmtInt(totals.participants ?? 0)],
    ["stat.ratings", fmtInt(totals.ratings ?? 0)],
    ["stat.average", fmtAverage(totals.average ?? null)],
    ["stat.likes", fmtInt(totals.likes ?? 0)],
  ]) {
    const stat = el("div", "stat");
    stat.append(el("span", "stat-label", t(label)), el("span", "stat-value", value));
    stats.append(stat);
  }

  const wrap = el("div", "table-wrap");
  const table = el("table", "results-table");
  const caption = el("caption", null, t("home.projects"));
  const thead = el("thead");
  const headRow = el("tr");
  for (const key of ["archive.project", "stat.participants", "stat.average", "stat.likes"]) {
    const th = el("th", null, t(key));
    th.scope = "col";
    headRow.append(th);
  }
  thead.append(headRow);
  const tbody = el("tbody");
  const tallies = detail.tallies ?? {};
  for (const project of detail.projects ?? []) {
    const tally = tallies[project.slug] ?? {};
    const row = el("tr");
    row.dataset.slug = project.slug;
    const name = el("th");
    name.scope = "row";
    const link = el("a", null, pick(project.title));
    link.href = `/p/${encodeURIComponent(project.slug)}`;
    name.append(link);
    row.append(name, el("td", "cell-participants", fmtInt(tally.participants ?? 0)), el("td", "cell-average", fmtAverage(tally.average ?? null)),
      el("td", "cell-likes", fmtInt(tally.likes ?? 0)));
    tbody.append(row);
  }
  table.append(caption, thead, tbody);
  wrap.append(table);

  const open = el("a", "btn btn-secondary", t("archive.open"));
  open.href = `/?campaign=${encodeURIComponent(campaign.id)}`;
  const colon = lang() === "zh" ? "：" : ": ";
  open.setAttribute("aria-label", `${t("archive.open")}${colon}${pick(campaign.title)}`);

  section.append(head, period, stats, wrap, open);
  return section;
}
