// The figures per department as a table (/figures and /report): a row per department that received letters in the
// period, then the total; on a phone each row is a card whose cells carry their column's name (data-label).

import { pick, t } from "../shared/i18n.js";
import { el } from "../shared/ui.js";
import { fmtDaysNumber, fmtNumber, fmtRate, fmtScore } from "./common.js";

const COLUMNS = [
  ["received", (f) => fmtNumber(f.received)],
  ["invalid", (f) => fmtNumber(f.invalid)],
  ["answered", (f) => fmtNumber(f.answered)],
  ["replyRate", (f) => fmtRate(f.replyRate)],
  ["medianFirst", (f) => fmtDaysNumber(f.medianFirstResponseWorkingDays)],
  ["medianAnswer", (f) => fmtDaysNumber(f.medianAnswerWorkingDays)],
  ["within", (f) => fmtRate(f.shareWithinLimit)],
  ["overdue", (f) => fmtNumber(f.overdue)],
  ["satisfaction", (f) => (f.rated > 0 ? t("figs.satCell", { avg: fmtScore(f.averageSatisfaction), n: fmtNumber(f.rated) }) : t("pub.none"))],
];

/** The departments' table: those with letters in the period (a card each on a phone), then the total. */
export function renderFiguresTable({ head, body, foot, data, rowHeader = "figs.col.department" }) {
  const header = el("tr");
  const first = el("th", null, t(rowHeader));
  first.scope = "col";
  header.append(first);
  for (const [key] of COLUMNS) {
    const th = el("th", null, t(`figs.col.${key}`));
    th.scope = "col";
    header.append(th);
  }
  head.replaceChildren(...header.childNodes);
  const row = (name, figures, id, className) => {
    const tr = el("tr", className);
    if (id) tr.dataset.department = id;
    const th = el("th", "pub-cell-name", name);
    th.scope = "row";
    tr.append(th);
    for (const [key, format] of COLUMNS) {
      const td = el("td", `pub-cell-${key}`, format(figures));
      td.dataset.label = t(`figs.col.${key}`);
      td.dataset.column = key;
      if (key === "overdue" && figures.overdue > 0) td.classList.add("is-warning");
      tr.append(td);
    }
    return tr;
  };
  const withLetters = (data.departments ?? []).filter((d) => d.figures.received > 0);
  body.replaceChildren(...withLetters.map((d) => row(pick(d.name), d.figures, d.id, "pub-row")));
  foot.replaceChildren(row(t("rep.total"), data.overall, null, "pub-row pub-row-total"));
  const without = (data.departments ?? []).filter((d) => d.figures.received === 0).map((d) => pick(d.name));
  return { withLetters, without };
}

