// Follow-ups (docs/PROTOCOL.md "Satisfaction and follow-ups"): a letter whose answer the citizen rated 1 or 2, and a
// project rated 1 or 2 with the suggestion left with it, are the department's to follow up — contact the citizen and
// record the outcome within the promised working days. The console lists the open ones (due time highlighted like
// letters, overdue first in colour and words), with a form to record the outcome (contacted or not, and what came of
// it), and the recorded ones under a second tab.
//
// - GET /api/staff/followups?state=open|recorded; POST …/letter/{id} or …/rating (the three names as listed).
// - Live: `{"type":"followup"}` on the inbox when one opens or is recorded. A project's rating is not announced by the
//   server, so the open list is read again when the panel is shown, on every (re)subscription and every two minutes.
// - What is being typed into a form survives every re-render (live messages, the minute's tick, the language).

import { describeError, fmtWhen, LIMITS, renderCounter, textLength } from "../shared/direct-line.js";
import { pick, t } from "../shared/i18n.js";
import { el, fmtInt } from "../shared/ui.js";
import { dueBadge, standingOf } from "./due.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 120_000;

/** A follow-up's stable name: a letter's by its thread, a project rating's by citizen, project and time. */
export function followUpKey(followUp) {
  return followUp.kind === "letter" ? `l-${followUp.thread ?? followUp.id}` : `r-${followUp.citizen}-${followUp.project}-${followUp.openedAt}`;
}

export class FollowUps {
  /**
   * @param {object} options
   * @param {() => boolean} options.mayRecord whether this user records outcomes (staff; moderators and admins read)
   * @param {(error) => boolean} options.signedOut
   * @param {(id: string) => string} options.departmentName
   * @param {(name: string) => string} options.userName
   * @param {(slug: string) => object|null|undefined} options.projectTitle {zh, en}, or undefined while asked
   * @param {(threadID: number) => void} options.openCase
   * @param {() => void} options.changed the counts changed (the inbox's button, the open case)
   * @param {(text: string) => void} options.announce
   */
  constructor(options) {
    Object.assign(this, options);
    this.open = new Map(); // key -> FollowUp
    this.recorded = new Map();
    this.loaded = { open: false, recorded: false };
    this.errors = { open: null, recorded: null };
    this.tab = "open";
    this.visible = false;
    this.drafts = new Map(); // key -> {contacted: "yes"|"no"|"", outcome}
    this.busy = new Set();
    this.messages = new Map(); // key -> {kind, key|error}
    this.panelMessage = null;
    this.timer = null;
    this.wire();
  }

  wire() {
    for (const tab of ["open", "recorded"]) {
      $(`followups-tab-${tab}`).addEventListener("click", () => this.setTab(tab));
    }
    const list = $("followup-list");
    list.addEventListener("input", (event) => {
      const item = event.target.closest(".followup");
      if (!item) return;
      const key = item.dataset.key;
      const draft = this.draft(key);
      if (event.target.name === "outcome") {
        draft.outcome = event.target.value;
        renderCounter(item.querySelector(".counter"), event.target, LIMITS.body);
      }
      if (this.messages.get(key)?.kind === "error") {
        this.messages.delete(key);
        this.renderItemStatus(item, key);
      }
    });
    list.addEventListener("change", (event) => {
      const item = event.target.closest(".followup");
      if (item && event.target.type === "radio") this.draft(item.dataset.key).contacted = event.target.value;
    });
    list.addEventListener("submit", (event) => {
      event.preventDefault();
      const item = event.target.closest(".followup");
      if (item) this.record(item.dataset.key);
    });
    list.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-thread]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      this.openCase(Number(link.dataset.thread));
    });
  }

  draft(key) {
    if (!this.drafts.has(key)) this.drafts.set(key, { contacted: "", outcome: "" });
    return this.drafts.get(key);
  }

  /** Reads a list ("open" or "recorded"); quietly when it was shown before. */
  async load(which = "open") {
    try {
      const answer = await api.listFollowUps(which);
      const fresh = new Map();
      for (const followUp of answer.followUps ?? []) fresh.set(followUpKey(followUp), followUp);
      if (which === "open") {
        // A letter's follow-up recorded here meanwhile stays recorded; everything else is as the server says.
        this.open = fresh;
      } else {
        this.recorded = fresh;
      }
      this.loaded[which] = true;
      this.errors[which] = null;
    } catch (error) {
      if (this.signedOut(error)) return;
      this.errors[which] = error;
    }
    this.changed();
    this.render();
  }

  /** `{"type":"followup","followUp":…}`: one opened or was recorded. */
  receive(followUp) {
    if (!followUp) return;
    const key = followUpKey(followUp);
    if (followUp.recordedAt) {
      this.open.delete(key);
      this.recorded.set(key, followUp);
      this.drafts.delete(key);
    } else {
      const isNew = !this.open.has(key);
      this.open.set(key, followUp);
      if (isNew) this.announce(t("followups.new", { what: this.title(followUp) }));
    }
    this.changed();
    this.render();
  }

  /** The open follow-up of a letter, if any. */
  forThread(threadID) {
    for (const followUp of this.open.values()) if (followUp.kind === "letter" && followUp.thread === threadID) return followUp;
    return null;
  }

  get openCount() {
    return this.open.size;
  }

  get overdueCount() {
    let n = 0;
    for (const followUp of this.open.values()) if (standingOf(followUp.due) === "overdue") n += 1;
    return n;
  }

  show(tab = this.tab) {
    this.visible = true;
    this.tab = tab;
    this.load("open");
    if (tab === "recorded") this.load("recorded");
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.visible && document.visibilityState === "visible") this.load("open");
    }, REFRESH_MS);
    this.render();
  }

  hide() {
    this.visible = false;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Shows a tab and reads its list again (a project's low rating is not announced live: this is how to look). */
  setTab(tab) {
    this.tab = tab;
    this.panelMessage = null;
    this.load(tab);
    this.render();
  }

  title(followUp) {
    if (followUp.kind === "letter") return followUp.subject ?? t("followups.letter");
    const title = this.projectTitle(followUp.project);
    return title ? pick(title) : followUp.project ?? "";
  }

  levelText(level) {
    return t("followups.level", { level: t(`answer.level.${level}`), n: level });
  }

  render() {
    for (const tab of ["open", "recorded"]) {
      const button = $(`followups-tab-${tab}`);
      button.setAttribute("aria-pressed", this.tab === tab ? "true" : "false");
    }
    $("followups-tab-open").textContent = t("followups.tabOpen", { n: fmtInt(this.open.size) });
    if (!this.visible) return;
    const which = this.tab;
    const list = $("followup-list");
    // Keep the focus and the caret where they were across the re-render.
    const active = document.activeElement;
    const focusID = active && list.contains(active) ? active.id : null;
    const selection = focusID && active.tagName === "TEXTAREA" ? [active.selectionStart, active.selectionEnd] : null;
    const items = [...(which === "open" ? this.open : this.recorded).values()];
    if (which === "open") items.sort((a, b) => (a.due?.at ?? a.openedAt) - (b.due?.at ?? b.openedAt));
    list.replaceChildren(...items.map((followUp) => this.item(followUp, which)));
    list.dataset.tab = which;
    const empty = $("followups-empty");
    const error = this.errors[which];
    empty.hidden = items.length > 0 || !this.loaded[which] || !!error;
    empty.textContent = t(which === "open" ? "followups.emptyOpen" : "followups.emptyRecorded");
    const status = $("followups-status");
    if (error) {
      status.dataset.kind = "error";
      status.textContent = t("loadFailed", { reason: describeError(error) });
    } else if (!this.loaded[which]) {
      status.dataset.kind = "pending";
      status.textContent = t("followups.loading");
    } else if (this.panelMessage) {
      status.dataset.kind = this.panelMessage.kind;
      status.textContent = t(this.panelMessage.key, this.panelMessage.params ?? {});
    } else {
      status.textContent = "";
      delete status.dataset.kind;
    }
    if (focusID) {
      const again = document.getElementById(focusID);
      if (again) {
        again.focus();
        if (selection) again.setSelectionRange(...selection);
      }
    }
  }

  item(followUp, which) {
    const key = followUpKey(followUp);
    const item = el("li", "followup");
    item.dataset.key = key;
    item.dataset.kind = followUp.kind;
    if (followUp.thread) item.dataset.thread = String(followUp.thread);
    const standing = which === "open" ? standingOf(followUp.due) : null;
    if (standing) item.dataset.standing = standing;

    const head = el("p", "followup-head");
    head.append(el("span", "tag", t(followUp.kind === "letter" ? "followups.kindLetter" : "followups.kindRating")));
    const level = el("span", `followup-level lvl-${followUp.level}`, this.levelText(followUp.level));
    level.dataset.level = String(followUp.level);
    head.append(level);
    if (which === "open") {
      const badge = dueBadge(followUp.due);
      if (badge) head.append(badge);
    }
    item.append(head);

    const title = el("h3", "followup-title");
    if (followUp.kind === "letter" && followUp.thread) {
      const link = el("a", null, followUp.subject ?? "");
      link.href = `/staff?thread=${encodeURIComponent(followUp.thread)}`;
      link.dataset.thread = String(followUp.thread);
      title.append(link);
      if (followUp.code) title.append(" ", el("span", "window", followUp.code));
    } else {
      const link = el("a", null, this.title(followUp));
      link.href = `/p/${encodeURIComponent(followUp.project ?? "")}`;
      title.append(link);
    }
    item.append(title);
    item.append(el("p", "followup-meta", t(followUp.kind === "letter" ? "followups.metaLetter" : "followups.metaRating", {
      department: this.departmentName(followUp.department), time: fmtWhen(followUp.openedAt),
    })));
    if (followUp.kind === "rating") {
      if (followUp.suggestion) {
        const quote = el("blockquote", "followup-suggestion");
        quote.append(el("p", "followup-suggestion-label", t("followups.suggestion")), el("p", null, followUp.suggestion));
        item.append(quote);
      } else {
        item.append(el("p", "hint", t("followups.noSuggestion")));
      }
    }

    if (which === "recorded" || followUp.recordedAt) {
      const outcome = el("div", "followup-outcome");
      outcome.dataset.contacted = followUp.contacted ? "yes" : "no";
      outcome.append(el("p", "followup-contacted", t(followUp.contacted ? "followups.contactedYes" : "followups.contactedNo")));
      if (followUp.outcome) outcome.append(el("p", "followup-outcome-text", followUp.outcome));
      outcome.append(el("p", "hint", t("followups.recordedBy", { who: this.userName(followUp.recordedBy) || "—", time: fmtWhen(followUp.recordedAt) })));
      item.append(outcome);
      return item;
    }
    if (!this.mayRecord(followUp)) {
      item.append(el("p", "hint", t("followups.readOnly")));
      return item;
    }
    item.append(this.form(key, followUp));
    return item;
  }

  form(key, followUp) {
    const draft = this.draft(key);
    const form = el("form", "followup-form");
    form.noValidate = true;
    const fieldset = el("fieldset", "followup-contact");
    fieldset.append(el("legend", null, t("followups.contacted")));
    const options = el("div", "choice-options");
    for (const value of ["yes", "no"]) {
      const input = el("input");
      input.type = "radio";
      input.name = "contacted";
      input.value = value;
      input.id = `fu-${key}-${value}`;
      input.checked = draft.contacted === value;
      const label = el("label", null, t(value === "yes" ? "followups.contactedYes" : "followups.contactedNo"));
      label.htmlFor = input.id;
      options.append(input, label);
    }
    fieldset.append(options);
    const outcomeID = `fu-${key}-outcome`;
    const label = el("label", null, t("followups.outcome"));
    label.htmlFor = outcomeID;
    const textarea = el("textarea");
    textarea.id = outcomeID;
    textarea.name = "outcome";
    textarea.rows = 3;
    textarea.value = draft.outcome;
    const counter = el("span", "counter");
    counter.id = `${outcomeID}-counter`;
    textarea.setAttribute("aria-describedby", counter.id);
    const foot = el("div", "field-foot");
    foot.append(el("span"), counter);
    renderCounter(counter, textarea, LIMITS.body);
    const button = el("button", "btn btn-primary btn-small", t(this.busy.has(key) ? "followups.recording" : "followups.record"));
    button.type = "submit";
    button.setAttribute("aria-busy", this.busy.has(key) ? "true" : "false");
    const status = el("p", "form-status");
    status.setAttribute("role", "status");
    status.tabIndex = -1;
    status.id = `fu-${key}-status`;
    form.append(fieldset, label, textarea, foot, button, status);
    this.renderItemStatus(form, key);
    return form;
  }

  renderItemStatus(root, key) {
    const status = root.querySelector(".form-status");
    if (!status) return;
    const message = this.messages.get(key);
    if (!message) {
      status.textContent = "";
      delete status.dataset.kind;
      return;
    }
    status.dataset.kind = message.kind;
    status.textContent = message.key ? t(message.key, message.params ?? {}) : describeError(message.error);
  }

  async record(key) {
    const followUp = this.open.get(key);
    if (!followUp || this.busy.has(key)) return;
    const draft = this.draft(key);
    const outcome = draft.outcome.trim();
    const fail = (messageKey, focus) => {
      this.messages.set(key, { kind: "error", key: messageKey, params: { max: fmtInt(LIMITS.body) } });
      this.render();
      document.getElementById(focus)?.focus();
    };
    if (draft.contacted !== "yes" && draft.contacted !== "no") return fail("followups.chooseContacted", `fu-${key}-yes`);
    if (!outcome) return fail("followups.outcomeRequired", `fu-${key}-outcome`);
    if (textLength(outcome) > LIMITS.body) return fail("followups.tooLong", `fu-${key}-outcome`);
    this.busy.add(key);
    this.messages.set(key, { kind: "pending", key: "followups.recording" });
    this.render();
    try {
      const answer = await api.recordFollowUp(followUp, draft.contacted === "yes", outcome);
      this.busy.delete(key);
      this.messages.delete(key);
      this.drafts.delete(key);
      this.open.delete(key);
      if (answer?.followUp) this.recorded.set(followUpKey(answer.followUp), answer.followUp);
      this.panelMessage = { kind: "success", key: "followups.recorded", params: { what: this.title(followUp) } };
      this.changed();
      this.render();
      $("followups-status").focus();
      return;
    } catch (error) {
      this.busy.delete(key);
      if (this.signedOut(error)) return;
      if (error.code === "followup.not_found" || error.code === "followup.recorded") this.load("open");
      this.messages.set(key, { kind: "error", error });
    }
    this.render();
    document.getElementById(`fu-${key}-status`)?.focus();
  }
}
