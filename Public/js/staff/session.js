// What the staff pages remember about signing in, in this browser: a hint that a session was live (so the login page
// asks the server only when there may be one, instead of a refused request on every visit), and where to go back to
// after signing in (`/staff/login?next=/staff?thread=12`: only console, moderation and administration addresses of this
// site).

import { getMe, logout } from "./staff-api.js";

const HINT_KEY = "lastword.staff.signedIn";

export function rememberSignedIn() {
  try {
    localStorage.setItem(HINT_KEY, "1");
  } catch {
    // Not remembered: the login page then shows its form.
  }
}

export function clearSignedIn() {
  try {
    localStorage.removeItem(HINT_KEY);
  } catch {
    // Nothing to clear.
  }
}

export function maybeSignedIn() {
  try {
    return localStorage.getItem(HINT_KEY) === "1";
  } catch {
    return false;
  }
}

/**
 * The login page's address that comes back to this address afterwards: the console (the case and panel it shows) or
 * the moderation queue (`/moderate?item=4`) or the administration page (`/admin`).
 */
export function loginAddress(back = location.pathname + location.search) {
  const next = safeNext(back);
  return next === "/staff" ? "/staff/login" : `/staff/login?next=${encodeURIComponent(next)}`;
}

/**
 * Where to go after signing in: `next` if it is a console, moderation or administration address of this site, else the
 * console.
 */
export function safeNext(next) {
  if (typeof next !== "string") return "/staff";
  // Only "/staff", "/moderate", "/admin" and their "?…": never another site ("//host", "https:…"), never the login page
  // itself.
  return /^\/(staff|moderate|admin)(\?[^#\s]*)?$/.test(next) ? next : "/staff";
}

/**
 * Who is signed in, for a staff page: the user, or null once a browser without a live session is on its way to the
 * login page (which comes back here). Without `evenWithoutHint`, a browser that never signed in goes there without
 * asking the server (no refused request). Any other failure is thrown for the page to show.
 */
export async function signedInUser({ evenWithoutHint = false } = {}) {
  if (!evenWithoutHint && !maybeSignedIn()) {
    location.replace(loginAddress());
    return null;
  }
  try {
    const { user } = await getMe();
    rememberSignedIn();
    return user;
  } catch (error) {
    if (error.status !== 401) throw error;
    clearSignedIn();
    location.replace(loginAddress());
    return null;
  }
}

/** Ends the session on the server (if it is still there) and goes to `next`, the login page. */
export async function signOut(next) {
  try {
    await logout();
  } catch {
    // Gone already, or the server is away: the login page either way.
  }
  clearSignedIn();
  location.assign(next);
}
