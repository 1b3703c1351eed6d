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

async function request(method, path, body) {
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
  try {
    data = await response.json();
  } catch {
    data = null;
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

/** The campaign to show: ?campaign=<id>, else the first the server lists. */
export async function chooseCampaignID() {
  const fromURL = new URLSearchParams(location.search).get("campaign");
  if (fromURL) return fromURL;
  const { campaigns } = await getCampaigns();
  if (!campaigns || campaigns.length === 0) return null;
  return campaigns[0].id;
}
