// What a letter or a follow-up owes and by when, as the console says it (docs/PROTOCOL.md "Working days and
// deadlines"): `due` = {what: "response"|"answer"|"followUp", at, standing: "ok"|"soon"|"overdue"}. Deadlines fall at
// midnight, which is said as 24:00 of the day before ("今天 24:00 前首次响应"); past it, how long ago ("首次响应逾期 2 天").
// The standing is the server's, except that a deadline passed since the server said it is overdue here too (pages
// re-render every minute). Never colour alone: every badge has its words.

import { locale, t } from "../shared/i18n.js";
import { el } from "../shared/ui.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "overdue" | "soon" | "ok", or null without a deadline. */
export function standingOf(due, now = Date.now()) {
  if (!due || !Number.isFinite(due.at)) return null;
  if (due.standing === "overdue" || now > due.at) return "overdue";
  return due.standing === "soon" ? "soon" : "ok";
}

/** A length of time in words: "45 秒", "12 分钟", "5 小时", "2 天" (whole units, rounded down, at least 1). */
export function fmtSpan(ms, { seconds = false } = {}) {
  const span = Math.max(0, ms);
  if (seconds && span < MINUTE) return t(plural("span.seconds", Math.max(1, Math.floor(span / 1000))), { n: Math.max(1, Math.floor(span / 1000)) });
  if (span < HOUR) {
    const n = Math.max(1, Math.floor(span / MINUTE));
    return t(plural("span.minutes", n), { n });
  }
  if (span < DAY) {
    const n = Math.floor(span / HOUR);
    return t(plural("span.hours", n), { n });
  }
  const n = Math.floor(span / DAY);
  return t(plural("span.days", n), { n });
}

function plural(key, n) {
  return n === 1 ? `${key}.one` : key;
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** "今天 24:00", "明天 18:00", "3月5日 24:00" (a deadline at midnight is 24:00 of the day before). */
export function fmtDeadline(at, now = Date.now()) {
  let date = new Date(at);
  let time;
  if (date.getHours() === 0 && date.getMinutes() === 0) {
    date = new Date(at - 1);
    time = "24:00";
  } else {
    time = new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  }
  const days = Math.round((startOfDay(date) - startOfDay(new Date(now))) / DAY);
  let day;
  if (days === 0) day = t("due.today");
  else if (days === 1) day = t("due.tomorrow");
  else if (days === -1) day = t("due.yesterday");
  else {
    const options = { month: "short", day: "numeric" };
    if (date.getFullYear() !== new Date(now).getFullYear()) options.year = "numeric";
    day = t("due.on", { date: new Intl.DateTimeFormat(locale(), options).format(date) });
  }
  return t("due.when", { day, time });
}

/** "今天 24:00 前首次响应" or "首次响应逾期 2 天" (empty without a deadline). */
export function dueText(due, now = Date.now()) {
  const standing = standingOf(due, now);
  if (!standing) return "";
  const what = t(`due.what.${due.what}`);
  if (standing === "overdue") return t("due.overdue", { what, span: fmtSpan(now - due.at) });
  return t("due.by", { what, when: fmtDeadline(due.at, now) });
}

/**
 * A badge (class "due-badge", data-standing for the colour and a sign before the words) — or null when there is no
 * deadline, or when `quiet` and the deadline is not near (inbox rows highlight only what is due soon or overdue).
 */
export function dueBadge(due, { quiet = false, now = Date.now() } = {}) {
  const standing = standingOf(due, now);
  if (!standing || (quiet && standing === "ok")) return null;
  const badge = el("span", "due-badge", dueText(due, now));
  badge.dataset.standing = standing;
  badge.dataset.what = due.what;
  return badge;
}
