// /write: a letter to the mayor's office (docs/PROTOCOL.md "The mayor's direct line"). The form (kind, subject,
// body, an optional project of the current campaign — `?project=<slug>` preselects it —, an optional contact for
// staff only, the consent to publish), then the query code to note down; "my letters" (this browser's codes and
// GET /api/threads/mine) and a form to open a letter by its code.
//
// - GET /api/session first, so the citizen cookie exists before the POST.
// - A letter carries a client id chosen once per letter: sending it again after a lost answer returns the same
//   thread instead of a second one.

import { chooseCampaignID, getCampaign, getMyThreads, getProject, getSession, openThread } from "../shared/api.js";
import { describeError, fmtWhen, LIMITS, normalizeCode, renderCounter, renderStatus, textLength } from "../shared/direct-line.js";
import { onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { newClientID } from "../shared/live.js";
import { el } from "../shared/ui.js";
import { mergeLetters, rememberedLetters, rememberLetter } from "./letters.js";

const $ = (id) => document.getElementById(id);

const state = {
  draftID: newClientID("t"),
  busy: false,
  projects: [], // [{slug, title}]
  wanted: new URLSearchParams(location.search).get("project"),
  serverLetters: [],
  message: null, // {kind, key, params} | {kind, error}
  thread: null, // the letter just sent
};

let session = getSession().catch(() => null);

setupLanguage();
wire();
renderCounters();
renderLetters();
loadProjects();
loadMine();
onLangChange(() => {
  renderProjects();
  renderCounters();
  renderLetters();
  renderMessage();
  document.title = `${t("write.title")} · ${t("brand.short")}`;
});
document.title = `${t("write.title")} · ${t("brand.short")}`;

function wire() {
  for (const [id, max] of [["subject", LIMITS.subject], ["body", LIMITS.body], ["contact", LIMITS.contact]]) {
    $(id).addEventListener("input", () => {
      delete $(id).dataset.invalid;
      renderCounter($(`${id}-counter`), $(id), max);
    });
  }
  $("kinds").addEventListener("change", () => $("kinds").removeAttribute("aria-invalid"));
  // Enter in a one-line field goes to the next field instead of sending a half-written letter.
  for (const [id, next] of [["subject", "body"], ["contact", "publish"]]) {
    $(id).addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      $(next).focus();
    });
  }
  $("write-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("copy-code").addEventListener("click", copyCode);
  $("write-another").addEventListener("click", () => {
    $("done").hidden = true;
    $("write-card").hidden = false;
    $("copy-status").textContent = "";
    delete $("copy-status").dataset.kind;
    $("kind-enquiry").focus();
  });
  $("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = normalizeCode($("lookup-code").value);
    const status = $("lookup-status");
    if (!code) {
      status.textContent = t("lookup.invalid");
      status.dataset.kind = "error";
      $("lookup-code").setAttribute("aria-invalid", "true");
      $("lookup-code").focus();
      return;
    }
    location.assign(`/t/${code}`);
  });
  $("lookup-code").addEventListener("input", () => {
    $("lookup-code").removeAttribute("aria-invalid");
    $("lookup-status").textContent = "";
    delete $("lookup-status").dataset.kind;
  });
}

function renderCounters() {
  renderCounter($("subject-counter"), $("subject"), LIMITS.subject);
  renderCounter($("body-counter"), $("body"), LIMITS.body);
  renderCounter($("contact-counter"), $("contact"), LIMITS.contact);
}

// MARK: projects

/** The current campaign's projects for the optional link; a `?project=` from another campaign is added too. */
async function loadProjects() {
  try {
    const id = await chooseCampaignID();
    if (id) {
      const detail = await getCampaign(id);
      state.projects = (detail.projects ?? []).map((p) => ({ slug: p.slug, title: p.title }));
    }
    if (state.wanted && !state.projects.some((p) => p.slug === state.wanted)) {
      const detail = await getProject(state.wanted);
      state.projects.unshift({ slug: detail.project.slug, title: detail.project.title });
    }
  } catch {
    // No projects to link (or the wanted one does not exist): the letter can still be sent without one.
  }
  renderProjects();
}

function renderProjects() {
  const select = $("project");
  const chosen = select.value || (state.projects.some((p) => p.slug === state.wanted) ? state.wanted : "");
  const none = el("option", null, t("write.projectNone"));
  none.value = "";
  const options = state.projects.map((project) => {
    const option = el("option", null, pick(project.title));
    option.value = project.slug;
    return option;
  });
  select.replaceChildren(none, ...options);
  select.value = chosen;
}

// MARK: sending

function fieldError(id, key, params) {
  const field = $(id);
  field.setAttribute("aria-invalid", "true");
  field.dataset.invalid = "required";
  state.message = { kind: "error", key, params };
  renderMessage();
  field.focus();
}

async function send() {
  if (state.busy) return;
  const kind = document.querySelector('input[name="kind"]:checked')?.value;
  const subject = $("subject").value.trim();
  const body = $("body").value.trim();
  const contact = $("contact").value.trim();
  const project = $("project").value;
  if (!kind) {
    $("kinds").setAttribute("aria-invalid", "true");
    state.message = { kind: "error", key: "write.chooseKind" };
    renderMessage();
    $("kind-enquiry").focus();
    return;
  }
  if (!subject) return fieldError("subject", "write.required", () => ({ field: t("write.subject") }));
  if (textLength(subject) > LIMITS.subject) return fieldError("subject", "write.tooLong", () => ({ field: t("write.subject"), max: LIMITS.subject }));
  if (!body) return fieldError("body", "write.required", () => ({ field: t("write.body") }));
  if (textLength(body) > LIMITS.body) return fieldError("body", "write.tooLong", () => ({ field: t("write.body"), max: LIMITS.body }));
  if (textLength(contact) > LIMITS.contact) return fieldError("contact", "write.tooLong", () => ({ field: t("write.contact"), max: LIMITS.contact }));

  const draft = { id: state.draftID, kind, subject, body, publish: $("publish").checked };
  if (project) draft.project = project;
  if (contact) draft.contact = contact;

  state.busy = true;
  state.message = { kind: "pending", key: "write.sending" };
  renderBusy();
  renderMessage();
  try {
    if (!(await session)) session = getSession().catch(() => null);
    await session;
    let answer;
    try {
      answer = await openThread(draft);
    } catch (error) {
      // A cookie that no longer verifies was cleared by the server: a new identity, then the same letter again.
      if (error.code !== "citizen.invalid" && error.code !== "citizen.missing") throw error;
      session = getSession();
      await session;
      answer = await openThread(draft);
    }
    sent(answer.thread);
  } catch (error) {
    state.message = { kind: "error", error };
    renderMessage();
  } finally {
    state.busy = false;
    renderBusy();
  }
}

function sent(thread) {
  state.thread = thread;
  state.draftID = newClientID("t");
  state.message = null;
  renderMessage();
  rememberLetter(thread);
  $("write-form").reset();
  renderProjects();
  renderCounters();
  $("query-code").textContent = thread.code;
  $("open-thread").href = `/t/${encodeURIComponent(thread.code)}`;
  $("write-card").hidden = true;
  $("done").hidden = false;
  $("done").focus();
  renderLetters();
  loadMine();
}

function renderBusy() {
  const button = $("send-letter");
  button.disabled = state.busy;
  button.setAttribute("aria-busy", state.busy ? "true" : "false");
  button.textContent = t(state.busy ? "write.sending" : "write.submit");
}

function renderMessage() {
  const node = $("write-status");
  const message = state.message;
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error) node.textContent = describeError(message.error);
  else node.textContent = t(message.key, typeof message.params === "function" ? message.params() : message.params ?? {});
}

async function copyCode() {
  const code = $("query-code").textContent;
  const status = $("copy-status");
  let copied = false;
  try {
    await navigator.clipboard.writeText(code);
    copied = true;
  } catch {
    // Not a secure context, or no permission: select the code so the citizen can copy it by hand.
    const range = document.createRange();
    range.selectNodeContents($("query-code"));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  status.textContent = t(copied ? "write.copied" : "write.copyFailed");
  status.dataset.kind = copied ? "success" : "info";
}

// MARK: my letters

async function loadMine() {
  try {
    // Only with the cookie: a first visit gets it from /api/session, which this waits for.
    if (await session) {
      state.serverLetters = (await getMyThreads()).threads ?? [];
      for (const thread of state.serverLetters) rememberLetter(thread);
    }
  } catch {
    // The server's list is a bonus: this browser's codes are listed anyway.
  }
  renderLetters();
}

function renderLetters() {
  const letters = mergeLetters(rememberedLetters(), state.serverLetters);
  const list = $("letters");
  list.replaceChildren();
  $("letters-empty").hidden = letters.length > 0;
  for (const letter of letters) {
    const item = el("li", "letter");
    item.dataset.code = letter.code;
    const link = el("a", "letter-link");
    link.href = `/t/${encodeURIComponent(letter.code)}`;
    link.append(el("span", "letter-subject", letter.subject || letter.code));
    const meta = el("span", "letter-meta");
    if (letter.status) {
      const badge = el("span", "status-badge");
      renderStatus(badge, letter.status);
      meta.append(badge);
    }
    if (letter.kind) meta.append(el("span", "letter-kind", t(`kind.${letter.kind}`)));
    const code = el("span", "letter-code", t("mine.code", { code: letter.code }));
    code.translate = false;
    meta.append(code, el("span", "letter-time", fmtWhen(letter.updatedAt ?? letter.createdAt)));
    link.append(meta);
    item.append(link);
    list.append(item);
  }
}
