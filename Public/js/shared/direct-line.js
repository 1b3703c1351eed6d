// Helpers of the mayor's direct line shared by the citizen pages and the staff console: query codes, lengths as the
// server counts them, counters, times, and error messages (docs/PROTOCOL.md "The mayor's direct line").

import "./i18n-direct.js";
import { hasString, locale, t } from "./i18n.js";
import { errorMessage, fmtInt } from "./ui.js";

export const KINDS = ["enquiry", "complaint", "suggestion", "help"];
export const STATUSES = ["new", "assigned", "answered", "closed", "invalid"];
export const LIMITS = { subject: 60, body: 2000, contact: 200, reason: 200 };

/** The query code's alphabet: no 0, 1, I, L, O (they are easy to misread). */
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LENGTH = 10;

/**
 * A code as a citizen types it (lower case, spaces and dashes ignored, as the server does) in its canonical form,
 * or null when it cannot be one.
 */
export function normalizeCode(text) {
  const code = String(text ?? "").toUpperCase().replace(/[\s-]+/g, "");
  if (code.length !== CODE_LENGTH) return null;
  for (const c of code) if (!CODE_ALPHABET.includes(c)) return null;
  return code;
}

/** A text's length as the server counts it: Unicode code points, after trimming. */
export function textLength(text) {
  return Array.from(String(text ?? "").trim()).length;
}

/** Fills a counter ("12 / 60", or how much is too much) and marks its field invalid when over. */
export function renderCounter(counter, field, max) {
  const n = textLength(field.value);
  const over = n > max;
  counter.textContent = over ? t(n - max === 1 ? "counterOver.one" : "counterOver", { n: fmtInt(n - max) }) : t("counter", { n: fmtInt(n), max: fmtInt(max) });
  counter.classList.toggle("is-over", over);
  counter.classList.toggle("is-near", !over && n > max * 0.9);
  if (over) field.setAttribute("aria-invalid", "true");
  else if (field.getAttribute("aria-invalid") === "true" && field.dataset.invalid !== "required") field.removeAttribute("aria-invalid");
  return n;
}

/**
 * What to tell a person about an error: the localized text when the code is known, else the server's message
 * (docs/PROTOCOL.md: `message` is for people), else the generic text with the code.
 */
export function describeError(error) {
  const code = error?.code;
  if (code && hasString(`err.${code}`)) return errorMessage(error);
  if (error?.message && code !== "network" && error.message !== code) return error.message;
  return errorMessage(error);
}

/** A time for a conversation or a list: "14:05" today, "3月2日 14:05" this year, else with the year. */
export function fmtWhen(ms) {
  if (!Number.isFinite(ms)) return "";
  const date = new Date(ms);
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
    : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

/** Renders a thread status badge (class "status-badge"): the localized word, data-status for the colour. */
export function renderStatus(badge, status) {
  badge.textContent = t(`status.${status}`);
  badge.dataset.status = status;
}
