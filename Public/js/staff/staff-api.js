// The staff side of the direct line's HTTP API (docs/PROTOCOL.md "HTTP API (direct line)"), with the `lw_staff`
// cookie. Every write carries a client id: the same id from the same person again returns the first result.

import { request } from "../shared/api.js";
import { newClientID } from "../shared/live.js";

const thread = (id) => `/api/staff/threads/${encodeURIComponent(id)}`;

export const login = (name, password) => request("POST", "/api/staff/login", { name, password });
export const logout = () => request("POST", "/api/staff/logout");
export const getMe = () => request("GET", "/api/staff/me");
/** Active users; with a department, only those who may handle its letters (its staff and the triage department's). */
export const listUsers = (department) =>
  request("GET", department ? `/api/staff/users?department=${encodeURIComponent(department)}` : "/api/staff/users");
export const listCanned = (department) => request("GET", `/api/staff/canned?department=${encodeURIComponent(department ?? "")}`);
/** Admins: a canned reply for a department ({reply}); and its removal. */
export const addCanned = (department, title, body) =>
  request("POST", "/api/admin/canned", { id: newClientID("k"), department, title, body });
export const deleteCanned = (id) => request("DELETE", `/api/admin/canned/${encodeURIComponent(id)}`);

/**
 * The inbox, a page at a time: filters {status, department, kind, mine, held} (empty ones are left out) and `before`,
 * the `next` cursor of the previous page ({threads, next}).
 */
export function listThreads({ status, department, kind, mine, held, before, limit } = {}) {
  const query = new URLSearchParams();
  if (status) query.set("status", status);
  if (department) query.set("department", department);
  if (kind) query.set("kind", kind);
  if (mine) query.set("assigned", "me");
  if (held) query.set("held", "true");
  if (limit) query.set("limit", String(limit));
  if (before) query.set("before", before);
  const text = query.toString();
  return request("GET", `/api/staff/threads${text ? `?${text}` : ""}`);
}

export const getCase = (id) => request("GET", thread(id));
export const reply = (id, clientID, body) => request("POST", `${thread(id)}/messages`, { id: clientID, body });
export const addNote = (id, clientID, body) => request("POST", `${thread(id)}/notes`, { id: clientID, body });
export const claim = (id) => request("POST", `${thread(id)}/claim`, { id: newClientID("c") });
export const assign = (id, user) => request("POST", `${thread(id)}/assign`, { id: newClientID("a"), user });
export function route(id, department, note) {
  const body = { id: newClientID("r"), department };
  if (note) body.note = note;
  return request("POST", `${thread(id)}/route`, body);
}
export function setStatus(id, status, reason) {
  const body = { id: newClientID("s"), status };
  if (reason) body.reason = reason;
  return request("POST", `${thread(id)}/status`, body);
}

/**
 * The inbox by deadline (`sort=due`): the letters that still owe a response or an answer, the one due first first — one
 * page, no cursor (docs/PROTOCOL.md "Working days and deadlines").
 */
export function listThreadsByDue({ status, department, kind, mine, held, limit = 200 } = {}) {
  const query = new URLSearchParams({ sort: "due", limit: String(limit) });
  if (status) query.set("status", status);
  if (department) query.set("department", department);
  if (kind) query.set("kind", kind);
  if (mine) query.set("assigned", "me");
  if (held) query.set("held", "true");
  return request("GET", `/api/staff/threads?${query}`);
}

// Public versions (docs/PROTOCOL.md "Public versions and moderation").

/** A letter's public versions, newest revision first, and their audit history ({versions, history}). */
export const getPublic = (id) => request("GET", `${thread(id)}/public`);
/** A new revision for the moderators ({version}); 409 public.no_consent, public.not_answered, moderation.invalid_transition. */
export const submitPublic = (id, question, answer) =>
  request("POST", `${thread(id)}/public`, { id: newClientID("p"), question, answer });

const item = (id) => `/api/moderation/items/${encodeURIComponent(id)}`;
/** The waiting items, oldest first ({items, depth, oldestSubmittedAt}). */
export const getQueue = () => request("GET", "/api/moderation/queue");
/** An item with its revisions and audit history ({version, revisions, history}). */
export const getItem = (id) => request("GET", item(id));
/** Takes or renews the hold ({version}); 409 moderation.locked while another moderator holds it. */
export const openItem = (id) => request("POST", `${item(id)}/open`);
export const closeItem = (id) => request("POST", `${item(id)}/close`);
/** Approves as written, or with the edited texts (only those given are replaced). */
export function approveItem(id, { question, answer } = {}) {
  const body = { id: newClientID("d") };
  if (question !== undefined) body.question = question;
  if (answer !== undefined) body.answer = answer;
  return request("POST", `${item(id)}/approve`, body);
}
export const rejectItem = (id, category, note) => request("POST", `${item(id)}/reject`, { id: newClientID("d"), category, note });
export const withdrawItem = (id, category, note) => request("POST", `${item(id)}/withdraw`, { id: newClientID("d"), category, note });
/** The public message board's newest approved items ({items, next}): what a moderator may withdraw. */
export function listPublished({ limit = 20, before = null } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set("before", before);
  return request("GET", `/api/messages?${query}`);
}

/**
 * A close that survives leaving the page (keepalive): the hold is let go even when the tab closes. Errors are
 * ignored (the hold lapses by itself after five minutes).
 */
export function closeItemOnLeave(id) {
  try {
    fetch(`${item(id)}/close`, { method: "POST", keepalive: true, credentials: "same-origin", headers: { Accept: "application/json" } })
      .catch(() => {});
  } catch {
    // Nothing to do: the hold lapses.
  }
}

// Follow-ups (docs/PROTOCOL.md "Satisfaction and follow-ups").

/** Open (`open`) or recorded (`recorded`) follow-ups of the user's departments ({followUps}). */
export const listFollowUps = (which = "open") => request("GET", `/api/staff/followups?state=${encodeURIComponent(which)}`);
/** Records what following up came to: a letter's by its id, a project rating's by citizen, project and ratedAt. */
export function recordFollowUp(followUp, contacted, outcome) {
  if (followUp.kind === "letter") {
    return request("POST", `/api/staff/followups/letter/${encodeURIComponent(followUp.id)}`, { contacted, outcome });
  }
  return request("POST", "/api/staff/followups/rating", {
    citizen: followUp.citizen, project: followUp.project, ratedAt: followUp.openedAt, contacted, outcome,
  });
}

// Administration (docs/PROTOCOL.md "Administration (admins)"): accounts, departments added in the console and screening
// words. Admins only; everyone else gets 403 auth.forbidden.

/** A path segment that stays one: "." and ".." (a user may be named so) would be resolved away by the browser. */
const segment = (text) => encodeURIComponent(text).replace(/\./g, "%2E");
const adminUser = (name) => `/api/admin/users/${segment(name)}`;
/** Every account, disabled ones too ({users: [{name, displayName, role, departments, disabled, createdAt}]}). */
export const adminListUsers = () => request("GET", "/api/admin/users");
/** A new account ({user}); the server judges the password (400 request.invalid saying which rule), 409 user.exists. */
export function adminAddUser({ name, displayName, role, departments, password }) {
  const body = { name, role, password };
  if (displayName) body.displayName = displayName;
  if (departments?.length) body.departments = departments;
  return request("POST", "/api/admin/users", body);
}
/** Disabling ends the user's sessions at once; the only active admin cannot be disabled (request.invalid). */
export const adminDisableUser = (name) => request("POST", `${adminUser(name)}/disable`);
export const adminEnableUser = (name) => request("POST", `${adminUser(name)}/enable`);
/** A new password: every session of the user ends. */
export const adminSetPassword = (name, password) => request("POST", `${adminUser(name)}/password`, { password });
/** Adds a department, or renames one added in the console (the departments file's are renamed in the file). */
export const adminPutDepartment = (department, nameZh, nameEn) =>
  request("POST", "/api/admin/departments", { department, nameZh, nameEn });
/** The screening file's words and the console's ({rules: [{word, action, source, addedBy?, addedAt?}]}). */
export const adminListWordRules = () => request("GET", "/api/admin/word-rules");
/** A word to block or hold, in force at once; the same word again changes its action. */
export const adminAddWordRule = (word, action) => request("POST", "/api/admin/word-rules", { word, action });
/** Removes a word added in the console (the screening file's are edited in the file). */
export const adminRemoveWordRule = (word) => request("DELETE", `/api/admin/word-rules/${segment(word)}`);
