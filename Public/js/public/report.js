// /report?campaign=ID: the end-of-campaign report (GET /api/report, docs/PROTOCOL.md "Openness figures"), made to be
// printed on A4 (css/public.css, @media print): the campaign's totals, the tally of every project (participants, the
// five levels, average, likes, suggestions), the suggestions received and answered, and the letters' figures per
// department, with the period and the date it was printed. Without ?campaign= it is the current campaign's.

import { chooseCampaignID, getCampaign } from "../shared/api.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { el, errorMessage } from "../shared/ui.js";
import {
  createLevelBar, fmtDateTime, fmtDays, fmtNumber, fmtRate, fmtScore, getReport, joinList, levelLabels, levelName,
  OFFICE_ZONE, zoneName,
} from "./common.js";
import { renderFiguresTable } from "./figures-table.js";

const $ = (id) => document.getElementById(id);
const state = { report: null, campaign: null, error: null, printedAt: Date.now() };

setupLanguage();
onLangChange(render);
$("print-button").addEventListener("click", () => {
  state.printedAt = Date.now();
  renderPrinted();
  print();
});
// Printed from the browser's own menu: the date is the moment of printing too.
addEventListener("beforeprint", () => {
  state.printedAt = Date.now();
  renderPrinted();
});
start();

async function start() {
  try {
    const id = await chooseCampaignID();
    if (!id) {
      state.error = { code: "campaign.none" };
    } else {
      const [report, detail] = await Promise.all([getReport(id), getCampaign(id).catch(() => null)]);
      state.report = report;
      state.campaign = detail?.campaign ?? null;
    }
  } catch (error) {
    state.error = error;
  }
  render();
}

function zone() {
  return state.campaign?.timeZone ?? OFFICE_ZONE;
}

function render() {
  document.title = `${t("rep.title")} · ${t("brand.short")}`;
  const status = $("page-status");
  if (state.error) {
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    const code = state.error.code;
    status.textContent = code === "campaign.none" ? t("rep.noCampaign")
      : code === "campaign.not_found" ? t("campaign.notFound")
        : t("loadFailed", { reason: errorMessage(state.error) });
    if (code === "campaign.not_found") {
      const link = el("a", null, t("campaign.goCurrent"));
      link.href = "/report";
      status.append(" ", link);
    }
    return;
  }
  const report = state.report;
  if (!report) return;
  status.hidden = true;
  $("report").hidden = false;
  $("print-button").disabled = false;

  const campaign = report.campaign;
  const labels = levelLabels(state.campaign);
  document.title = `${pick(campaign.title)} · ${t("rep.title")}`;
  $("report-title").textContent = pick(campaign.title);
  $("report-period").textContent = t("rep.period", {
    from: fmtDateTime(campaign.opensAt, zone()), to: fmtDateTime(campaign.closesAt, zone()), zone: zoneName(zone(), campaign.opensAt),
  });
  renderPrinted();
  const now = Date.now();
  const open = campaign.opensAt <= now && now <= campaign.closesAt;
  const stateNote = $("report-state");
  stateNote.hidden = campaign.closesAt < now;
  stateNote.textContent = open ? t("rep.stillOpen") : campaign.opensAt > now ? t("rep.upcoming") : "";
  const back = $("back-link");
  back.href = `/figures?campaign=${encodeURIComponent(campaign.id)}`;

  // The campaign's totals.
  const counts = [0, 0, 0, 0, 0];
  for (const project of report.projects) project.counts.forEach((n, i) => { counts[i] += n; });
  const rated = counts.reduce((a, b) => a + b, 0);
  const average = rated ? counts.reduce((sum, n, i) => sum + n * (i + 1), 0) / rated : null;
  const suggestions = report.suggestions ?? { received: 0, answered: 0 };
  fillStats($("summary"), [
    ["participants", t("stat.participants"), fmtNumber(campaign.participants)],
    ["ratings", t("stat.ratings"), fmtNumber(campaign.ratings)],
    ["average", t("stat.average"), fmtScore(average)],
    ["likes", t("stat.likes"), fmtNumber(campaign.likes)],
    ["suggestions-received", t("rep.suggestionsReceived"), fmtNumber(suggestions.received)],
    ["suggestions-answered", t("rep.suggestionsAnswered"),
      `${fmtNumber(suggestions.answered)}${suggestions.received ? ` (${fmtRate(suggestions.answered / suggestions.received)})` : ""}`],
  ]);
  createLevelBar($("summary-bar"), labels)(counts);
  renderLegend($("legend"), labels);

  renderProjects(report.projects, labels, { campaign, counts, average });
  renderLetters(report.figures);
  renderDefinitions(report.figures?.limits);
  $("report-source").textContent = t("rep.source", { url: `${location.origin}/figures` });
  document.body.dataset.reportLoaded = "true";
  document.body.dataset.projects = String(report.projects.length);
}

function renderPrinted() {
  $("report-printed").textContent = t("rep.printed", { date: fmtDateTime(state.printedAt, zone()) });
}

function fillStats(list, items) {
  list.replaceChildren(...items.map(([key, label, value]) => {
    const item = el("div", "report-stat");
    item.dataset.stat = key;
    item.append(el("dt", null, label), el("dd", null, value));
    return item;
  }));
}

function renderLegend(list, labels) {
  const items = [];
  for (let level = 5; level >= 1; level -= 1) {
    const item = el("li", `report-legend-item lvl-${level}`);
    const swatch = el("span", "pub-swatch");
    item.append(swatch, el("span", null, levelName(labels, level)));
    items.push(item);
  }
  list.replaceChildren(...items);
}

function renderProjects(projects, labels, totals) {
  const head = $("projects-head");
  const top = el("tr");
  const cell = (tag, text, className, attrs = {}) => {
    const node = el(tag, className, text);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    return node;
  };
  top.append(
    cell("th", t("rep.col.project"), "report-col-project", { scope: "col", rowspan: "2" }),
    cell("th", t("rep.col.participants"), null, { scope: "col", rowspan: "2" }),
    cell("th", t("rep.col.dist"), "report-col-dist", { scope: "colgroup", colspan: "5" }),
    cell("th", t("rep.col.average"), null, { scope: "col", rowspan: "2" }),
    cell("th", t("rep.col.likes"), null, { scope: "col", rowspan: "2" }),
    cell("th", t("rep.col.suggestions"), null, { scope: "col", rowspan: "2" }),
  );
  const levels = el("tr", "report-levels");
  for (let level = 5; level >= 1; level -= 1) {
    const th = cell("th", null, `report-level lvl-${level}`, { scope: "col" });
    const swatch = el("span", "pub-swatch");
    swatch.setAttribute("aria-hidden", "true");
    th.append(swatch, el("span", null, levelName(labels, level)));
    levels.append(th);
  }
  head.replaceChildren(top, levels);

  const row = (name, department, project, className) => {
    const tr = el("tr", className);
    if (project.slug) tr.dataset.project = project.slug;
    const th = el("th", "report-project");
    th.scope = "row";
    th.append(el("span", "report-project-title", name));
    if (department) th.append(el("span", "report-project-dept", department));
    const bar = el("div", "report-project-bar");
    createLevelBar(bar, labels)(project.counts);
    th.append(bar);
    tr.append(th, el("td", null, fmtNumber(project.participants)));
    for (let level = 5; level >= 1; level -= 1) tr.append(el("td", `report-count lvl-${level}`, fmtNumber(project.counts[level - 1] ?? 0)));
    tr.append(
      el("td", "report-average", fmtScore(project.average)),
      el("td", null, fmtNumber(project.likes)),
      el("td", null, fmtNumber(project.suggestions)),
    );
    return tr;
  };
  $("projects-body").replaceChildren(...projects.map((p) => row(pick(p.title), pick(p.department), p, "report-row")));
  const suggestions = projects.reduce((sum, p) => sum + (p.suggestions ?? 0), 0);
  $("projects-foot").replaceChildren(row(t("rep.total"), null, {
    participants: totals.campaign.participants, counts: totals.counts, average: totals.average, likes: totals.campaign.likes, suggestions,
  }, "report-row report-total"));
}

function renderLetters(figures) {
  if (!figures) return;
  const f = figures.overall;
  const limits = figures.limits ?? { firstResponseWorkingDays: 1, answerWorkingDays: 5 };
  $("letters-limits").textContent = t("figs.limits", {
    first: fmtDays(limits.firstResponseWorkingDays), answer: fmtDays(limits.answerWorkingDays),
  });
  fillStats($("letters-summary"), [
    ["received", t("figs.received"), fmtNumber(f.received)],
    ["answered", t("figs.answered"), fmtNumber(f.answered)],
    ["replyRate", t("figs.replyRate"), fmtRate(f.replyRate)],
    ["within", t("figs.within"), fmtRate(f.shareWithinLimit)],
    ["medianFirst", t("figs.medianFirst"), fmtDays(f.medianFirstResponseWorkingDays)],
    ["medianAnswer", t("figs.medianAnswer"), fmtDays(f.medianAnswerWorkingDays)],
    ["overdue", t("figs.overdue"), fmtNumber(f.overdue)],
    ["invalid", t("figs.invalid"), fmtNumber(f.invalid)],
    ["satisfaction", t("figs.satisfaction"), f.rated > 0 ? t("figs.satCell", { avg: fmtScore(f.averageSatisfaction), n: fmtNumber(f.rated) }) : t("pub.none")],
  ]);
  const { withLetters, without } = renderFiguresTable({
    head: $("figures-head"), body: $("figures-body"), foot: $("figures-foot"), data: figures,
  });
  $("figures-table").hidden = withLetters.length === 0;
  $("no-letters").textContent = withLetters.length === 0 ? t("figs.noDepartments")
    : without.length ? t("figs.noLetters", { list: joinList(without) }) : "";
}

function renderDefinitions(limits = { firstResponseWorkingDays: 1, answerWorkingDays: 5 }) {
  const keys = ["invalid", "answered", "firstResponse", "answerTime", "within", "overdue", "satisfaction", "workingDays"];
  $("definitions").replaceChildren(...keys.map((key) => el("li", null, t(`figs.def.${key}`, {
    answer: fmtDays(limits.answerWorkingDays), first: fmtDays(limits.firstResponseWorkingDays),
  }))));
}
