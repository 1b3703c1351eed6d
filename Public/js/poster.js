// /poster/<slug>: a printable A4 poster with the project's QR code (served by /qr/<slug>.svg).

import { ApiError, getProject } from "./api.js";
import { lang, onLangChange, pick, setupLanguage, t } from "./i18n.js";
import { errorMessage, fmtWindow } from "./ui.js";

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
    const status = $("page-status");
    status.removeAttribute("data-i18n");
    status.classList.add("is-error");
    status.textContent = error instanceof ApiError && error.code === "project.not_found" ? t("project.notFound") : t("loadFailed", { reason: errorMessage(error) });
    return;
  }
  const { campaign, project } = detail;
  // The address the QR code encodes (the server's public base URL when one is configured).
  const url = detail.url || `${location.origin}/p/${encodeURIComponent(project.slug)}`;
  const qr = $("qr");
  qr.src = `/qr/${encodeURIComponent(project.slug)}.svg`;

  const render = () => {
    const other = lang() === "zh" ? "en" : "zh";
    document.title = `${t("nav.poster")} · ${pick(project.title)}`;
    $("campaign-title").textContent = pick(campaign.title);
    $("project-department").textContent = pick(project.department);
    $("project-title").textContent = pick(project.title);
    const alt = $("project-title-alt");
    alt.textContent = project.title?.[other] ?? "";
    alt.lang = other === "zh" ? "zh-CN" : "en";
    $("project-done").textContent = pick(project.done);
    $("project-url").textContent = url;
    qr.alt = t("poster.qrAlt", { title: pick(project.title), url });
    $("campaign-window").textContent = fmtWindow(campaign);
  };
  render();
  onLangChange(render);
  $("page-status").hidden = true;
  $("poster").hidden = false;
}
