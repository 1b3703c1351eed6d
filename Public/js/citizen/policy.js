// /policy: the integrity policy, with the limits the server enforces now (GET /api/policy), the cookie's lifetime
// as the server sets it, and the level names exactly as the rating buttons show them (the campaign's levelLabels).

import { chooseCampaignID, getCampaign, getPolicy, listCampaigns } from "../shared/api.js";
import { lang, locale, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { el, errorMessage, fmtInt } from "../shared/ui.js";

const $ = (id) => document.getElementById(id);
/** The server's lifetime of the citizen cookie when /api/policy does not say (docs/PROTOCOL.md: 400 days). */
const COOKIE_DAYS_DEFAULT = 400;
/** The national scale, as the server names it when a campaign file has no `levels` (Sources/Domain). */
const DEFAULT_LEVELS = [
  { zh: "非常不满意", en: "Very dissatisfied" },
  { zh: "不满意", en: "Dissatisfied" },
  { zh: "基本满意", en: "Basically satisfied" },
  { zh: "满意", en: "Satisfied" },
  { zh: "非常满意", en: "Very satisfied" },
];

let policy = null;
let failure = null;
let levelLabels = DEFAULT_LEVELS;

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

loadLevels().then(render);

/** The labels of the campaign the other pages show (?campaign= or the current one): what the buttons say. */
async function loadLevels() {
  try {
    const id = await chooseCampaignID();
    if (!id) return;
    const { campaigns } = await listCampaigns();
    const summary = campaigns?.find((c) => c.id === id);
    if (!summary) return; // a wrong ?campaign=: the national scale's names
    const labels = summary.levelLabels ?? (await getCampaign(id)).campaign?.levelLabels;
    if (Array.isArray(labels) && labels.length === 5) levelLabels = labels;
  } catch {
    // The national scale's names stay (the same as the server's default).
  }
}

function rate(value) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(value);
}

function render() {
  document.title = `${t("policy.title")} · ${t("brand.short")}`;
  // Most satisfied first, as on the rating form.
  const levels = levelLabels.slice().reverse().map((label) => pick(label));
  $("policy-how1").textContent = t("policy.how1", { levels: levels.join(lang() === "zh" ? "、" : ", ") });
  $("policy-follow").textContent = t("policy.follow", { level1: pick(levelLabels[0]), level2: pick(levelLabels[1]) });
  $("policy-how3").textContent = t("policy.how3", { max: fmtInt(policy?.maxSuggestionLength ?? 500) });
  const days = Number.isFinite(policy?.cookieMaxAgeDays) && policy.cookieMaxAgeDays > 0 ? policy.cookieMaxAgeDays : COOKIE_DAYS_DEFAULT;
  $("policy-stored1").textContent = t("policy.stored1", { days: fmtInt(days) });
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
