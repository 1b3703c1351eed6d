// The 404 page (Public/404.html), served by the server for any page that does not exist: localized like every
// page (?lang=, else the choice kept in localStorage, else Chinese), it says which address was not found.

import { onLangChange, setupLanguage, t } from "../shared/i18n.js";

const $ = (id) => document.getElementById(id);

setupLanguage();
render();
onLangChange(render);

function shownPath() {
  const raw = location.pathname + location.search;
  try {
    return decodeURI(raw);
  } catch {
    return raw; // not valid percent-encoding: shown as it came
  }
}

function render() {
  document.title = `${t("notFound.title")} · ${t("brand.short")}`;
  $("not-found-path").textContent = t("notFound.path", { path: shownPath() });
}
