// The board's "over time" view: small line charts of a campaign's (or a project's) history
// (GET /api/campaigns/:id/history, docs/PROTOCOL.md). Inline SVG built with DOM calls, no library; texts (labels,
// values, times) are HTML around the SVG, so they keep their CSS size whatever the chart's size, and the SVG is drawn
// in CSS pixels (its viewBox is its own size, redrawn when that changes) so lines and points are never stretched.

import { getCampaignHistory } from "../shared/api.js";

const SVG = "http://www.w3.org/2000/svg";

function svgNode(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/**
 * A line chart of one series in `container` (its size comes from CSS). update(points) draws
 * points = [{at: ms, value: number|null}] (oldest first; null values are gaps). The container gets
 * data-points (how many points are drawn) for tests and a `.history-empty` class when there is nothing to draw.
 * @param {object} options
 * @param {number} [options.min] fixed lower bound of the value axis (else 0)
 * @param {number} [options.max] fixed upper bound (else the largest value)
 * @param {boolean} [options.dots] draw a dot per point (the last one always gets one)
 */
export function createLineChart(container, { min = 0, max = null, dots = true } = {}) {
  container.classList.add("line-chart");
  const svg = svgNode("svg", { class: "line-chart-svg", "aria-hidden": "true", focusable: "false" });
  container.append(svg);
  let last = [];

  const draw = () => {
    const width = Math.max(1, Math.round(svg.clientWidth || container.clientWidth));
    const height = Math.max(1, Math.round(svg.clientHeight || 1));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.replaceChildren();
    const points = last.filter((p) => p.value !== null && p.value !== undefined && Number.isFinite(p.value));
    container.dataset.points = String(points.length);
    container.classList.toggle("history-empty", points.length === 0);
    container.classList.toggle("history-sparse", points.length < 2);
    const pad = 5; // room for the dots and the stroke at the edges
    svg.append(svgNode("line", { class: "line-chart-base", x1: 0, x2: width, y1: height - pad, y2: height - pad }));
    if (points.length === 0) return;
    const t0 = points[0].at;
    const t1 = points[points.length - 1].at;
    const lo = min;
    const hi = Math.max(max ?? Math.max(...points.map((p) => p.value)), lo + 1e-9);
    const x = (at) => (t1 === t0 ? width / 2 : pad + ((at - t0) / (t1 - t0)) * (width - 2 * pad));
    const y = (v) => height - pad - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (height - 2 * pad);
    // Gaps (null values between points) break the line.
    const runs = [];
    let run = [];
    for (const p of last) {
      if (p.value === null || p.value === undefined || !Number.isFinite(p.value)) {
        if (run.length) runs.push(run);
        run = [];
      } else {
        run.push(p);
      }
    }
    if (run.length) runs.push(run);
    for (const r of runs) {
      if (r.length < 2) continue;
      const d = r.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
      svg.append(svgNode("path", { class: "line-chart-line", d }));
    }
    points.forEach((p, i) => {
      if (!dots && i !== points.length - 1) return;
      svg.append(svgNode("circle", {
        class: i === points.length - 1 ? "line-chart-point is-last" : "line-chart-point",
        cx: x(p.at).toFixed(1), cy: y(p.value).toFixed(1), r: i === points.length - 1 ? 4 : 2.5,
      }));
    });
  };

  // Redrawn at its new size when the layout changes (a window resized, the language switched).
  if (typeof ResizeObserver === "function") new ResizeObserver(() => draw()).observe(svg);
  return (points) => {
    last = points ?? [];
    draw();
  };
}

/**
 * Keeps a campaign's history fresh. The server samples every `live.historySampleSeconds` (300 s by default; the
 * answer says `intervalSeconds`), so the board refetches once per sample interval (REFRESH_MS until it knows), and
 * sooner (but at most once per MIN_GAP_MS) when the live participant total has moved by at least
 * max(MOVE_MIN, MOVE_SHARE of the total) since the last fetch. Between fetches the charts end with a point for "now"
 * from the live totals, so they move with the board.
 */
export const REFRESH_MS = 5 * 60 * 1000;
export const MIN_GAP_MS = 60 * 1000;
export const MOVE_MIN = 10;
export const MOVE_SHARE = 0.05;

export class HistoryFeed {
  constructor(campaignID, onHistory) {
    this.campaignID = campaignID;
    this.onHistory = onHistory;
    this.history = null;
    this.fetchedAt = -Infinity;
    this.fetchedParticipants = null;
    this.inFlight = false;
    this.timer = null;
  }

  start() {
    this.fetch();
  }

  #schedule() {
    clearTimeout(this.timer);
    const seconds = Number(this.history?.intervalSeconds);
    const every = Number.isFinite(seconds) && seconds > 0 ? Math.max(MIN_GAP_MS, seconds * 1000) : REFRESH_MS;
    this.timer = setTimeout(() => this.fetch(), every);
  }

  /** The live participant total changed: fetch again if it moved enough since the history was fetched. */
  liveTotal(participants) {
    if (this.fetchedParticipants === null) return;
    const moved = Math.abs(participants - this.fetchedParticipants);
    if (moved < Math.max(MOVE_MIN, MOVE_SHARE * this.fetchedParticipants)) return;
    if (performance.now() - this.fetchedAt < MIN_GAP_MS) return;
    this.fetch();
  }

  async fetch() {
    if (this.inFlight) return;
    this.inFlight = true;
    this.fetchedAt = performance.now();
    try {
      const history = await getCampaignHistory(this.campaignID);
      this.history = history;
      const points = history?.points ?? [];
      this.fetchedParticipants = points.length ? points[points.length - 1].participants ?? 0 : 0;
      this.onHistory(history);
    } catch {
      // No history (yet): the charts say so; the next refresh tries again.
      if (this.history === null) this.onHistory(null);
    } finally {
      this.inFlight = false;
      this.#schedule();
    }
  }
}
