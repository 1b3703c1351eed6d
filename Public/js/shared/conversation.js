// One conversation of the mayor's direct line as a page shows it (the citizen's /t/<code> and the staff console):
//
// - Entries in `seq` order, each once, whichever way it came (the HTTP answer, a WebSocket `entry`, a `post`'s ack,
//   an HTTP 201): a Map by seq, and each new one inserted before the first with a higher seq.
// - Messages being sent are shown at the end, marked as pending, until the entry with their client id arrives.
// - The read mark ("已读" / "市民已读") sits under one's own side's last message once the other side has read up to it.
// - Texts from people go in with textContent only; a message keeps its line breaks through CSS (white-space).

import { t } from "./i18n.js";
import { el } from "./ui.js";
import { fmtWhen } from "./direct-line.js";

/** How long the other side's typing notice stays (docs/PROTOCOL.md: "a page shows it for 5 s"). */
export const TYPING_SHOW_MS = 5000;
/** At most one typing notice sent per this interval while typing. */
export const TYPING_SEND_EVERY_MS = 2000;

/**
 * An event entry's fields, whether the server puts them on the entry (PROTOCOL.md) or in an `event` object; its note
 * is `body` in PROTOCOL.md and `note` in the server's JSON — either is read.
 */
export function eventOf(entry) {
  if (entry.event && typeof entry.event === "object") {
    const { kind, event, ...rest } = entry.event;
    return { ...rest, name: event ?? kind, body: entry.body ?? rest.note ?? rest.body ?? entry.note ?? null };
  }
  return { name: entry.event, status: entry.status, assignee: entry.assignee, department: entry.department, body: entry.body ?? entry.note ?? null };
}

export class ConversationView {
  /**
   * @param {HTMLOListElement} list
   * @param {object} options
   * @param {"citizen"|"staff"} options.viewer whose page it is: the citizen's own messages, or staff's replies, are
   *   "mine" (on the right) and get the read mark
   * @param {(entry) => string} options.author the name shown above a message
   * @param {(entry) => string} options.eventText the line shown for an event
   * @param {string} options.readLabel the i18n key of the read mark
   */
  constructor(list, { viewer, author, eventText, readLabel }) {
    this.list = list;
    this.viewer = viewer;
    this.author = author;
    this.eventText = eventText;
    this.readLabel = readLabel;
    this.entries = new Map(); // seq -> entry
    this.nodes = new Map(); // seq -> li
    this.pending = new Map(); // client id -> {body, note, node}
    this.otherRead = 0; // the other side has read up to this seq
    this.readMark = el("p", "read-mark");
    this.readMark.id = `${list.id}-read`;
  }

  /** The highest seq shown. */
  get lastSeq() {
    let last = 0;
    for (const seq of this.entries.keys()) if (seq > last) last = seq;
    return last;
  }

  isMine(entry) {
    return this.viewer === "citizen" ? entry.kind === "citizen" : entry.kind === "staff";
  }

  /** Replaces everything (a thread's HTTP answer). */
  set(entries) {
    this.entries.clear();
    for (const entry of entries ?? []) if (Number.isInteger(entry?.seq)) this.entries.set(entry.seq, entry);
    this.render();
  }

  /** Adds an entry unless its seq is already shown; returns whether it was new. Removes the pending copy. */
  add(entry) {
    if (!entry || !Number.isInteger(entry.seq)) return false;
    if (entry.clientId) this.removePending(entry.clientId);
    if (this.entries.has(entry.seq)) return false;
    this.entries.set(entry.seq, entry);
    const node = this.#node(entry);
    this.nodes.set(entry.seq, node);
    let before = null;
    for (const [seq, other] of this.nodes) if (seq > entry.seq && (!before || seq < Number(before.dataset.seq))) before = other;
    if (!before) before = this.list.querySelector("li[data-pending]");
    this.list.insertBefore(node, before);
    this.#placeReadMark();
    return true;
  }

  /** A message on its way: shown at the end until its entry arrives (or removePending). */
  addPending(id, body, { note = false } = {}) {
    const entry = { kind: this.viewer === "citizen" ? "citizen" : note ? "note" : "staff", body, at: Date.now() };
    const node = this.#node(entry);
    node.dataset.pending = "true";
    node.dataset.clientId = id;
    node.classList.add("is-pending");
    const state = el("span", "entry-pending", t("thread.sending"));
    node.querySelector(".entry-meta")?.append(" · ", state);
    this.pending.set(id, { body, note, node, state });
    this.list.append(node);
  }

  /** Says, on every pending message, whether it waits (for the network, or the text `key` says what for). */
  setPendingState(waiting, key = "thread.queued") {
    for (const { state } of this.pending.values()) state.textContent = t(waiting ? key : "thread.sending");
  }

  removePending(id) {
    const item = this.pending.get(id);
    if (!item) return;
    item.node.remove();
    this.pending.delete(id);
  }

  /** The other side read up to seq. */
  setRead(seq) {
    if (!Number.isInteger(seq) || seq <= this.otherRead) return;
    this.otherRead = seq;
    this.#placeReadMark();
  }

  /** Builds every node again (the language changed). */
  render() {
    const pending = [...this.pending.values()].map((p) => p.node);
    this.nodes.clear();
    const seqs = [...this.entries.keys()].sort((a, b) => a - b);
    const nodes = seqs.map((seq) => {
      const node = this.#node(this.entries.get(seq));
      this.nodes.set(seq, node);
      return node;
    });
    this.list.replaceChildren(...nodes, ...pending);
    for (const item of this.pending.values()) item.state.textContent = t("thread.sending");
    this.#placeReadMark();
  }

  #placeReadMark() {
    let lastMine = null;
    for (const [seq, entry] of this.entries) if (this.isMine(entry) && (!lastMine || seq > lastMine)) lastMine = seq;
    const node = lastMine !== null && this.otherRead >= lastMine ? this.nodes.get(lastMine) : null;
    if (!node) {
      this.readMark.remove();
      return;
    }
    this.readMark.textContent = t(this.readLabel);
    node.append(this.readMark);
  }

  #node(entry) {
    const item = el("li", "entry");
    item.dataset.kind = entry.kind;
    if (Number.isInteger(entry.seq)) item.dataset.seq = String(entry.seq);
    const time = el("time", "entry-time", fmtWhen(entry.at));
    if (Number.isFinite(entry.at)) time.dateTime = new Date(entry.at).toISOString();
    if (entry.kind === "event") {
      item.classList.add("entry-event");
      const line = el("p", "event-line", this.eventText(entry));
      line.append(" · ", time);
      item.append(line);
      const { body } = eventOf(entry);
      if (body && this.viewer === "staff") item.append(el("p", "event-note", body));
      return item;
    }
    // A note is neither side's message: it never looks like a reply.
    if (entry.kind === "note") item.classList.add("entry-note");
    else item.classList.add(this.isMine(entry) ? "is-mine" : "is-theirs", `entry-${entry.kind}`);
    const meta = el("p", "entry-meta");
    meta.append(el("span", "entry-author", this.author(entry)), " · ", time);
    const bubble = el("div", entry.kind === "note" ? "bubble note" : "bubble");
    if (entry.kind === "note") bubble.append(el("p", "note-label", t("case.noteLabel")));
    bubble.append(el("p", "entry-body", entry.body ?? ""));
    item.append(meta, bubble);
    return item;
  }
}

/** Shows a typing notice in `node` for TYPING_SHOW_MS after each show(text); hide() ends it at once. */
export function createTypingNotice(node) {
  let timer = null;
  const hide = () => {
    clearTimeout(timer);
    timer = null;
    node.hidden = true;
    node.textContent = "";
  };
  const show = (text) => {
    node.textContent = text;
    node.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(hide, TYPING_SHOW_MS);
  };
  return { show, hide };
}

/**
 * A composer's keyboard: Enter sends (the form's submit), Shift+Enter is a new line; Enter while an input method
 * is composing (pinyin) only confirms the composition. onTyping runs at most once per TYPING_SEND_EVERY_MS while
 * the person types; it returns whether the notice went out (a closed socket sends nothing, so the next key tries).
 */
export function wireComposer(form, textarea, { onTyping = () => false, onInput = () => {} } = {}) {
  let lastTyping = -Infinity;
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    form.requestSubmit();
  });
  textarea.addEventListener("input", () => {
    onInput();
    const now = performance.now();
    if (textarea.value.trim() && now - lastTyping >= TYPING_SEND_EVERY_MS && onTyping()) lastTyping = now;
  });
}

/** Whether the page is scrolled (or the element is) near its end, so a new message may scroll it into view. */
export function nearEnd(scroller = null, slack = 160) {
  if (scroller) return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < slack;
  const doc = document.documentElement;
  return doc.scrollHeight - window.scrollY - window.innerHeight < slack;
}
