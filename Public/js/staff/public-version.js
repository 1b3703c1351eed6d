// The open case's public version (docs/PROTOCOL.md "Public versions and moderation"): for a letter whose writer agreed
// to publication and that the office has answered, staff write the question as it may be shown (personal details
// removed) and the official reply; it goes to the moderators. The panel shows every revision and where it stands —
// waiting, approved (with the texts as published, and what the moderator changed), rejected or withdrawn (with the
// category and the moderator's note: revise and submit again) — and follows it live (`{"type":"public"}` on the case).
//
// - Prefilled from the letter (its first message) and the latest staff reply, or from the latest revision; never over
//   what the person is writing.
// - Possible personal details (phone numbers, ID numbers, e-mail addresses, the contact the citizen left) are pointed
//   out under each box; the warning above the form names what to remove.
// - Says why there is nothing to write: no consent ("来信人未同意公开"), not answered yet, a version already published,
//   or a role that only reads.

import { describeError, fmtWhen, LIMITS, renderCounter, textLength } from "../shared/direct-line.js";
import { t } from "../shared/i18n.js";
import { el, fmtInt } from "../shared/ui.js";
import { changed, renderDiff } from "./diff.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);

/** Patterns of personal details worth a second look before publishing (the generic warning covers names and addresses). */
const PERSONAL = [
  ["phone", /(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])/gu],
  ["landline", /(?<![0-9])0[0-9]{2,3}-?[0-9]{7,8}(?![0-9])/gu],
  ["id", /(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])/gu],
  ["email", /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/gu],
];

/** What in a text looks like personal details: [{kind, text}], each text once. */
export function personalDetails(text, contact = null) {
  const found = [];
  const seen = new Set();
  const add = (kind, value) => {
    const key = value.replace(/[\s-]/g, "");
    if (seen.has(key)) return;
    seen.add(key);
    found.push({ kind, text: value });
  };
  for (const [kind, pattern] of PERSONAL) for (const match of String(text ?? "").matchAll(pattern)) add(kind, match[0]);
  const left = String(contact ?? "").trim();
  if (left.length >= 4 && String(text ?? "").includes(left)) add("contact", left);
  return found;
}

export class PublicPanel {
  /**
   * @param {object} options
   * @param {(thread) => boolean} options.mayWrite whether this user may write the letter's public version now
   * @param {() => boolean} options.readOnlyRole whether the role only reads (moderators, admins)
   * @param {() => Array} options.entries the open case's entries (for the prefill)
   * @param {(error) => boolean} options.signedOut handles auth.required (returns whether it was that)
   * @param {(name: string) => string} options.userName a user's display name
   */
  constructor({ mayWrite, readOnlyRole, entries, signedOut, userName }) {
    this.mayWrite = mayWrite;
    this.readOnlyRole = readOnlyRole;
    this.entries = entries;
    this.signedOut = signedOut;
    this.userName = userName;
    this.thread = null;
    this.versions = new Map(); // id -> PublicVersion
    this.loaded = false;
    this.loadError = null;
    this.token = 0;
    this.busy = false;
    this.message = null;
    this.dirty = false; // the person changed the texts since they were filled in
    this.filledFrom = null; // what the boxes were last filled from ("letter" or a version id)
    this.wire();
  }

  wire() {
    for (const id of ["public-question", "public-answer"]) {
      $(id).addEventListener("input", () => {
        this.dirty = true;
        if (this.message?.kind !== "pending") this.message = null;
        this.renderForm();
      });
    }
    $("public-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    $("public-refill").addEventListener("click", () => {
      this.dirty = false;
      this.filledFrom = null;
      this.fill({ force: true });
      this.renderForm();
      $("public-question").focus();
    });
  }

  /** A case opened (or closed: null). */
  show(thread) {
    this.token += 1;
    this.thread = thread;
    this.versions.clear();
    this.loaded = false;
    this.loadError = null;
    this.busy = false;
    this.message = null;
    this.dirty = false;
    this.filledFrom = null;
    $("public-question").value = "";
    $("public-answer").value = "";
    if (thread) this.load();
    this.render();
  }

  /** The open case changed (answered now, say). */
  update(thread) {
    if (!this.thread || thread.id !== this.thread.id) return;
    const answeredNow = !this.thread.firstAnswerAt && thread.firstAnswerAt;
    this.thread = { ...this.thread, ...thread };
    if (answeredNow && !this.dirty) this.filledFrom = null; // the reply is there now to fill in
    this.render();
  }

  /** Entries arrived (a reply to prefill with). */
  entriesChanged() {
    if (this.thread && !this.dirty && this.filledFrom === "letter") this.filledFrom = null;
    this.render();
  }

  async load() {
    const thread = this.thread;
    if (!thread?.publish) {
      this.loaded = true;
      return;
    }
    const token = this.token;
    try {
      const answer = await api.getPublic(thread.id);
      if (token !== this.token) return;
      for (const version of answer.versions ?? []) this.store(version);
      this.loaded = true;
      this.loadError = null;
    } catch (error) {
      if (token !== this.token || this.signedOut(error)) return;
      this.loadError = error;
    }
    this.render();
  }

  /** A version from the server (an answer or a live message): the newest knowledge of it wins. */
  store(version) {
    if (!version || !Number.isInteger(version.id)) return;
    this.versions.set(version.id, version);
    // A newer revision supersedes a waiting one (the server tells the queue; the case hears only the new one).
    for (const other of this.versions.values()) {
      if (other.revision < version.revision && other.status === "pending") this.versions.set(other.id, { ...other, status: "superseded" });
    }
  }

  /** `{"type":"public","version":…}` for the open case. */
  receive(version) {
    if (!this.thread || version?.thread !== this.thread.id) return;
    this.store(version);
    this.render();
  }

  latest() {
    let latest = null;
    for (const version of this.versions.values()) if (!latest || version.revision > latest.revision) latest = version;
    return latest;
  }

  /** Why no public version can be written now (an i18n key), or null. */
  obstacle() {
    const thread = this.thread;
    if (!thread.publish) return "public.noConsent";
    if (!thread.firstAnswerAt) return "public.notAnswered";
    if (this.readOnlyRole()) return "public.readOnly";
    if (this.latest()?.status === "approved") return "public.approvedAlready";
    if (!this.mayWrite(thread)) return "public.cannotWrite";
    return null;
  }

  /** Fills the boxes (unless the person is writing): from the latest revision, else the letter and the reply. */
  fill({ force = false } = {}) {
    if (this.dirty && !force) return;
    const latest = this.latest();
    const source = latest ? `v${latest.id}` : "letter";
    if (!force && this.filledFrom === source) return;
    let question = "";
    let answer = "";
    if (latest) {
      // A rejected or withdrawn revision comes back as it was submitted, to be revised.
      question = latest.question;
      answer = latest.answer;
    } else {
      const entries = this.entries() ?? [];
      question = entries.find((entry) => entry.kind === "citizen")?.body ?? "";
      answer = [...entries].reverse().find((entry) => entry.kind === "staff")?.body ?? "";
    }
    $("public-question").value = question;
    $("public-answer").value = answer;
    this.filledFrom = source;
  }

  render() {
    const root = $("public-panel");
    const thread = this.thread;
    root.hidden = !thread;
    if (!thread) return;
    const latest = this.latest();
    root.dataset.status = latest?.status ?? "none";
    const obstacle = this.obstacle();
    root.dataset.obstacle = obstacle ?? "";

    const badge = $("public-badge");
    badge.hidden = !latest;
    if (latest) {
      badge.textContent = t(`public.status.${latest.status}`);
      badge.dataset.status = latest.status;
    }
    const state = $("public-state");
    if (!thread.publish) state.textContent = t("public.noConsentText");
    else if (this.loadError) state.textContent = t("loadFailed", { reason: describeError(this.loadError) });
    else if (!this.loaded) state.textContent = t("public.loading");
    else if (!latest) state.textContent = t(thread.firstAnswerAt ? "public.none" : "public.notAnsweredText");
    else state.textContent = this.stateText(latest);
    state.classList.toggle("is-error", !!this.loadError);

    this.renderDecision(latest);
    const why = $("public-why");
    const explain = obstacle && obstacle !== "public.noConsent" && !(obstacle === "public.notAnswered" && !latest);
    why.hidden = !explain;
    why.textContent = explain ? t(`${obstacle}Text`) : "";

    const form = $("public-form");
    form.hidden = !!obstacle || !this.loaded;
    if (!form.hidden) this.fill();
    this.renderForm();
    this.renderRevisions();
  }

  stateText(version) {
    const params = { n: version.revision, time: fmtWhen(version.submittedAt), who: version.authorName || this.userName(version.author) };
    const decision = version.decision;
    if (decision) {
      params.moderator = decision.moderatorName || this.userName(decision.moderator) || "—";
      params.at = fmtWhen(decision.at);
    }
    switch (version.status) {
      case "pending": return t("public.pendingText", params);
      case "approved": return t(decision?.action === "edited" ? "public.editedText" : "public.approvedText", params);
      case "rejected": return t("public.rejectedText", params);
      case "withdrawn": return t("public.withdrawnText", params);
      default: return t("public.supersededText", params);
    }
  }

  /** The moderator's word on the latest revision: the note and category, or the texts as published and the edit. */
  renderDecision(version) {
    const box = $("public-decision");
    box.replaceChildren();
    box.hidden = true;
    if (!version?.decision && version?.status !== "approved") return;
    const decision = version.decision;
    if (version.status === "rejected" || version.status === "withdrawn") {
      box.hidden = false;
      box.dataset.kind = "returned";
      const category = decision?.category ? t(`mod.category.${decision.category}`) : "";
      box.append(el("p", "public-category", t("public.category", { category: category || "—" })));
      if (decision?.note) {
        const note = el("blockquote", "public-note");
        note.append(el("p", "public-note-label", t("public.note")), el("p", "public-note-text", decision.note));
        box.append(note);
      }
      box.append(el("p", "hint", t(version.status === "rejected" ? "public.reviseHint" : "public.withdrawnHint")));
      return;
    }
    if (version.status !== "approved" || !version.published) return;
    box.hidden = false;
    box.dataset.kind = "published";
    const edited = changed(version.question, version.published.question) || changed(version.answer, version.published.answer);
    box.append(el("h4", "public-subhead", t(edited ? "public.publishedEdited" : "public.published")));
    box.append(this.texts(version.published.question, version.published.answer, "published"));
    if (edited) {
      box.append(el("h4", "public-subhead", t("public.moderatorEdit")));
      const list = el("dl", "public-texts public-diff");
      for (const [key, before, after] of [["question", version.question, version.published.question], ["answer", version.answer, version.published.answer]]) {
        list.append(el("dt", null, t(`public.${key}Short`)));
        const dd = el("dd");
        dd.append(changed(before, after) ? renderDiff(before, after) : el("p", "hint", t("public.unchanged")));
        list.append(dd);
      }
      box.append(list);
    }
  }

  texts(question, answer, className) {
    const list = el("dl", `public-texts ${className}`);
    list.append(el("dt", null, t("public.questionShort")), el("dd", "public-text", question));
    list.append(el("dt", null, t("public.answerShort")), el("dd", "public-text", answer));
    return list;
  }

  renderForm() {
    const question = $("public-question");
    const answer = $("public-answer");
    renderCounter($("public-question-counter"), question, LIMITS.body);
    renderCounter($("public-answer-counter"), answer, LIMITS.body);
    const contact = this.thread?.contact;
    for (const [field, out] of [[question, $("public-question-personal")], [answer, $("public-answer-personal")]]) {
      const found = personalDetails(field.value, contact);
      out.hidden = found.length === 0;
      out.textContent = found.length
        ? t("public.personalFound", { items: found.map((item) => `${t(`public.personal.${item.kind}`)} ${item.text}`).join(t("list.separator")) })
        : "";
    }
    const latest = this.latest();
    const button = $("public-submit");
    button.textContent = t(this.busy ? "public.submitting" : latest ? "public.resubmit" : "public.submit", { n: (latest?.revision ?? 0) + 1 });
    button.setAttribute("aria-busy", this.busy ? "true" : "false");
    $("public-refill").hidden = !this.dirty;
    const replaces = $("public-replaces");
    replaces.hidden = latest?.status !== "pending";
    replaces.textContent = replaces.hidden ? "" : t("public.replacesPending", { n: latest.revision });
    const status = $("public-status");
    const message = this.message;
    if (!message) {
      status.textContent = "";
      delete status.dataset.kind;
      delete status.dataset.error;
    } else {
      status.dataset.kind = message.kind;
      if (message.error?.code) status.dataset.error = message.error.code;
      else delete status.dataset.error;
      status.textContent = message.key ? t(message.key, message.params ?? {}) : describeError(message.error);
    }
  }

  renderRevisions() {
    const box = $("public-revisions");
    const versions = [...this.versions.values()].sort((a, b) => b.revision - a.revision);
    box.hidden = versions.length === 0;
    $("public-revisions-title").textContent = t("public.revisions", { n: fmtInt(versions.length) });
    $("public-revision-list").replaceChildren(...versions.map((version) => {
      const item = el("li", "public-revision");
      item.dataset.status = version.status;
      item.dataset.revision = String(version.revision);
      const head = el("p", "public-revision-head");
      const badge = el("span", "public-badge", t(`public.status.${version.status}`));
      badge.dataset.status = version.status;
      head.append(el("strong", null, t("public.revision", { n: version.revision })), " ", badge, " ",
        el("span", "hint", t("public.submittedBy", { who: version.authorName || this.userName(version.author) || "—", time: fmtWhen(version.submittedAt) })));
      item.append(head, this.texts(version.question, version.answer, "submitted"));
      const decision = version.decision;
      if (decision) {
        const who = decision.moderatorName || this.userName(decision.moderator) || "—";
        const line = el("p", "public-revision-decision", t(`public.decision.${decision.action}`, { who, time: fmtWhen(decision.at) }));
        if (decision.category) line.append(" · ", t(`mod.category.${decision.category}`));
        item.append(line);
        if (decision.note) item.append(el("p", "public-note-text", decision.note));
      }
      return item;
    }));
  }

  async submit() {
    const thread = this.thread;
    if (!thread || this.busy || this.obstacle()) return;
    const questionField = $("public-question");
    const answerField = $("public-answer");
    const question = questionField.value.trim();
    const answer = answerField.value.trim();
    for (const field of [questionField, answerField]) field.removeAttribute("aria-invalid");
    const invalid = (field, key, params = {}) => {
      field.setAttribute("aria-invalid", "true");
      this.message = { kind: "error", key, params };
      this.renderForm();
      field.focus();
    };
    if (!question) return invalid(questionField, "public.required", { field: t("public.questionShort") });
    if (textLength(question) > LIMITS.body) return invalid(questionField, "public.tooLong", { field: t("public.questionShort"), max: fmtInt(LIMITS.body) });
    if (!answer) return invalid(answerField, "public.required", { field: t("public.answerShort") });
    if (textLength(answer) > LIMITS.body) return invalid(answerField, "public.tooLong", { field: t("public.answerShort"), max: fmtInt(LIMITS.body) });
    const token = this.token;
    this.busy = true;
    this.message = { kind: "pending", key: "public.submitting" };
    this.renderForm();
    try {
      const { version } = await api.submitPublic(thread.id, question, answer);
      if (token !== this.token) return;
      this.store(version);
      this.dirty = false;
      this.filledFrom = `v${version.id}`;
      this.message = { kind: "success", key: "public.submitted", params: { n: version.revision } };
    } catch (error) {
      if (token !== this.token) return;
      if (this.signedOut(error)) {
        this.message = null;
      } else {
        this.message = { kind: "error", error };
        if (error.code === "moderation.invalid_transition") this.load(); // approved meanwhile: read where it stands
      }
    } finally {
      if (token === this.token) this.busy = false;
    }
    if (token !== this.token) return;
    this.render();
    $("public-status").focus();
  }
}
