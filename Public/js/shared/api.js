// The HTTP API (docs/PROTOCOL.md). Every refused request becomes an ApiError with the server's stable code.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** One request to the API; resolves with the JSON answer (null for 204), rejects with an ApiError. */
export async function request(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error?.message ?? error));
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const retry = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, data?.error ?? `http.${response.status}`, data?.message ?? response.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return data;
}

export const getCampaigns = () => request("GET", "/api/campaigns");
export const getCampaign = (id) => request("GET", `/api/campaigns/${encodeURIComponent(id)}`);
export const getCampaignHistory = (id) => request("GET", `/api/campaigns/${encodeURIComponent(id)}/history`);
export const getProject = (slug) => request("GET", `/api/projects/${encodeURIComponent(slug)}`);
export const getPolicy = () => request("GET", "/api/policy");

/**
 * The citizen's session: issues the anonymous cookie if missing, and returns this citizen's ratings and likes.
 * A cookie that no longer verifies is cleared by the server with 401 citizen.invalid; asking again issues a new one.
 */
export async function getSession(campaign) {
  const path = campaign ? `/api/session?campaign=${encodeURIComponent(campaign)}` : "/api/session";
  try {
    return await request("GET", path);
  } catch (error) {
    if (error instanceof ApiError && error.code === "citizen.invalid") return request("GET", path);
    throw error;
  }
}

/** The campaign list, fetched once per page (the default campaign, the switcher and the policy page share it). */
let campaignList = null;
export function listCampaigns() {
  if (!campaignList) {
    campaignList = getCampaigns().catch((error) => {
      campaignList = null; // a later call asks again
      throw error;
    });
  }
  return campaignList;
}

/**
 * The campaign a page shows by default when the server does not say (`current` missing): the contract's rule —
 * the open one (the one that opened last if several), else the next to open, else the most recently closed.
 * Never "the first listed": the list's order is not a choice (an old closed campaign must not take over `/`).
 */
export function defaultCampaign(campaigns) {
  const list = campaigns ?? [];
  const latest = (a, b, key) => (b[key] > a[key] ? b : a);
  const open = list.filter((c) => c.state === "open");
  if (open.length) return open.reduce((a, b) => latest(a, b, "opensAt"));
  const upcoming = list.filter((c) => c.state === "upcoming");
  if (upcoming.length) return upcoming.reduce((a, b) => (b.opensAt < a.opensAt ? b : a));
  const closed = list.filter((c) => c.state === "closed");
  if (closed.length) return closed.reduce((a, b) => latest(a, b, "closesAt"));
  return list[0] ?? null;
}

/**
 * The campaign to show: `?campaign=<id>` when the address says, else the server's `current` (GET /api/campaigns,
 * docs/PROTOCOL.md), else the same rule computed here. Every page (the citizen pages and the board) asks this.
 */
export async function chooseCampaignID() {
  const fromURL = new URLSearchParams(location.search).get("campaign");
  if (fromURL) return fromURL;
  const { campaigns, current } = await listCampaigns();
  if (current) return current;
  return defaultCampaign(campaigns)?.id ?? null;
}

// MARK: the mayor's direct line, citizen side (docs/PROTOCOL.md "The mayor's direct line"). The staff side is in
// staff/staff-api.js.

export const getDepartments = () => request("GET", "/api/departments");
/** Opens a thread: {id, kind, subject, body, project?, contact?, publish} → {thread}; the same id again → the same thread. */
export const openThread = (draft) => request("POST", "/api/threads", draft);
export const getMyThreads = () => request("GET", "/api/threads/mine");
export const getThread = (code) => request("GET", `/api/threads/${encodeURIComponent(code)}`);
export const postThreadMessage = (code, id, body) => request("POST", `/api/threads/${encodeURIComponent(code)}/messages`, { id, body });
