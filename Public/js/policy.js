// /policy: the integrity policy, with the limits the server enforces now (GET /api/policy).

import { getPolicy } from "./api.js";
import { locale, onLangChange, setupLanguage, t } from "./i18n.js";
import { el, errorMessage, fmtInt } from "./ui.js";

const $ = (id) => document.getElementById(id);
let policy = null;
let failure = null;

setupLanguage();
render();
onLangChange(render);

getPolicy()
  .then((body) => {
    policy = body;
    render();
  })
  .catch((error) => {
    failure = error;
    render();
  });

function rate(value) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(value);
}

function render() {
  document.title = `${t("policy.title")} · ${t("brand.short")}`;
  $("policy-how3").textContent = t("policy.how3", { max: fmtInt(policy?.maxSuggestionLength ?? 500) });
  const list = $("limits");
  if (failure) {
    list.replaceChildren(el("li", "is-error", t("loadFailed", { reason: errorMessage(failure) })));
    return;
  }
  if (!policy) return;
  list.replaceChildren(
    el("li", null, t("policy.perCitizen", { rate: rate(policy.perCitizenPerSecond), burst: fmtInt(policy.perCitizenBurst) })),
    el("li", null, t("policy.perIP", { rate: rate(policy.perIPPerSecond), burst: fmtInt(policy.perIPBurst) })),
    el("li", null, t("policy.newCitizens", { n: fmtInt(policy.newCitizensPerIPPerHour) })),
  );
  list.dataset.loaded = "true";
}
