// /posters?campaign=<id>: every project's poster of a campaign (the current one without ?campaign=), to print at
// once: one A4 page per project (poster.css: break-after: page). Warns on screen, like /poster, when the QR codes
// point at an address phones elsewhere cannot open.

import { getProject } from "../shared/api.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { errorMessage, fmtInt, loadChosenCampaign } from "../shared/ui.js";
import { createPosterSheet, renderAddressWarning } from "./poster-sheet.js";

const $ = (id) => document.getElementById(id);

setupLanguage();
$("print-button").addEventListener("click", () => print());
start();

async function start() {
  const status = $("page-status");
  const detail = await loadChosenCampaign(status, { backTo: "/posters" });
  if (!detail) return;
  const { campaign } = detail;
  let projects;
  try {
    // Each project's own answer carries the address its QR code encodes (site.publicBaseUrl when configured).
    projects = await Promise.all(detail.projects.map((project) => getProject(project.slug)));
  } catch (error) {
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = t("loadFailed", { reason: errorMessage(error) });
    return;
  }
  const sheets = projects.map((answer) => {
    const sheet = createPosterSheet();
    const url = answer.url || `${location.origin}/p/${encodeURIComponent(answer.project.slug)}`;
    return { sheet, data: { campaign, project: answer.project, url, tally: answer.tally } };
  });
  $("home-link").href = `/?campaign=${encodeURIComponent(campaign.id)}`;

  const render = () => {
    document.title = `${t("posters.title")} · ${pick(campaign.title)}`;
    $("posters-hint").textContent = t("posters.hint", { n: fmtInt(sheets.length) });
    for (const { sheet, data } of sheets) sheet.fill(data);
    renderAddressWarning($("qr-warning"), sheets.map(({ data }) => data.url));
  };
  render();
  onLangChange(render);
  status.hidden = true;
  $("main").append(...sheets.map(({ sheet }) => sheet.node));
  $("print-button").disabled = false;
  document.body.dataset.posters = String(sheets.length);
}
