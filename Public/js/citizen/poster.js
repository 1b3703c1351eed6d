// /poster/<slug>: a printable A4 poster with the project's QR code (served by /qr/<slug>.svg). Warns on screen when
// that code points at an address phones elsewhere cannot open; links to every poster of the campaign (/posters).

import { getProject } from "../shared/api.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { showProjectLoadError } from "../shared/ui.js";
import { createPosterSheet, renderAddressWarning } from "./poster-sheet.js";

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.replace(/^\/poster\//, "").replace(/\/+$/, ""));

setupLanguage();
$("print-button").addEventListener("click", () => print());
start();

async function start() {
  let detail;
  try {
    detail = await getProject(slug);
  } catch (error) {
    showProjectLoadError($("page-status"), error);
    return;
  }
  const { campaign, project, tally } = detail;
  // The address the QR code encodes (the server's public base URL when one is configured).
  const url = detail.url || `${location.origin}/p/${encodeURIComponent(project.slug)}`;
  const sheet = createPosterSheet();
  sheet.node.id = "poster";
  sheet.qr.id = "qr";
  sheet.urlText.id = "project-url";
  sheet.title.id = "project-title";
  sheet.campaignTitle.id = "campaign-title";
  const campaignQuery = `?campaign=${encodeURIComponent(campaign.id)}`;
  $("home-link").href = `/${campaignQuery}`;
  $("all-posters-link").href = `/posters${campaignQuery}`;

  const render = () => {
    document.title = `${t("nav.poster")} · ${pick(project.title)}`;
    sheet.fill({ campaign, project, url, tally });
    renderAddressWarning($("qr-warning"), [url]);
  };
  render();
  onLangChange(render);
  $("page-status").hidden = true;
  $("main").append(sheet.node);
}
