// The differences between two texts, for a moderator's edit and the audit history: what was taken out (<del>) and
// put in (<ins>), with the rest as it was. Words of Latin letters and digits are compared whole, every other character
// (Chinese characters, punctuation, spaces) on its own. Texts only ever go in with textContent.

import { t } from "../shared/i18n.js";
import { el } from "../shared/ui.js";

/** Past this many cells (tokens × tokens of what differs) the middle is shown as replaced whole. */
const MAX_CELLS = 1_500_000;

function tokens(text) {
  return String(text ?? "").match(/[A-Za-z0-9]+|[\s\S]/gu) ?? [];
}

/** [{op: "same"|"del"|"ins", text}] turning `before` into `after`. */
export function diff(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const parts = [];
  const push = (op, text) => {
    if (!text) return;
    const last = parts[parts.length - 1];
    if (last && last.op === op) last.text += text;
    else parts.push({ op, text });
  };
  push("same", a.slice(0, start).join(""));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_CELLS) {
    push("del", midA.join(""));
    push("ins", midB.join(""));
  } else if (n > 0 || m > 0) {
    // Longest common subsequence, lengths of suffixes, then one walk from the start.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midA[i] === midB[j]) {
        push("same", midA[i]);
        i += 1;
        j += 1;
      } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
        push("del", midA[i]);
        i += 1;
      } else {
        push("ins", midB[j]);
        j += 1;
      }
    }
    while (i < n) push("del", midA[i++]);
    while (j < m) push("ins", midB[j++]);
  }
  push("same", a.slice(endA).join(""));
  return parts;
}

/** Whether two texts differ. */
export function changed(before, after) {
  return String(before ?? "") !== String(after ?? "");
}

/**
 * A paragraph (class "diff") showing `after` with what changed from `before` marked: <del> and <ins>, each with a
 * hidden word for screen readers ("删除：", "新增：").
 */
export function renderDiff(before, after, className = "diff") {
  const node = el("p", className);
  for (const part of diff(before, after)) {
    if (part.op === "same") {
      node.append(part.text);
      continue;
    }
    const mark = el(part.op === "del" ? "del" : "ins");
    mark.append(el("span", "visually-hidden", t(part.op === "del" ? "diff.removed" : "diff.added")), part.text);
    node.append(mark);
  }
  return node;
}
