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
