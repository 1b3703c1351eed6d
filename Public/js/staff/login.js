// /staff/login: name and password → POST /api/staff/login (the `lw_staff` cookie), then the console — or the console
// address in `?next=` (the case that was open when the session ended). A wrong name or password, and a disabled user,
// get the same auth.failed; too many failures get auth.locked with Retry-After. Someone already signed in (this
// browser had a live session: the hint in session.js, then GET /api/staff/me says so) goes straight on.

import "./i18n-staff.js";
import { describeError } from "../shared/direct-line.js";
import { onLangChange, setupLanguage, t } from "../shared/i18n.js";
import { getMe, login } from "./staff-api.js";
import { clearSignedIn, maybeSignedIn, rememberSignedIn, safeNext } from "./session.js";

const $ = (id) => document.getElementById(id);

const state = { busy: false, message: null, lockedUntil: 0 };
const next = safeNext(new URLSearchParams(location.search).get("next") ?? "/staff");

if (maybeSignedIn()) {
  getMe().then(() => location.replace(next), () => clearSignedIn());
}

setupLanguage();
document.title = `${t("staff.loginTitle")} · ${t("staff.brand")}`;
onLangChange(() => {
  document.title = `${t("staff.loginTitle")} · ${t("staff.brand")}`;
  renderButton();
  renderMessage();
});

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (state.busy) return;
  const name = $("staff-name").value.trim();
  const password = $("staff-password").value;
  if (!name || !password) {
    state.message = { key: "staff.fillBoth" };
    renderMessage();
    (name ? $("staff-password") : $("staff-name")).focus();
    return;
  }
  state.busy = true;
  state.message = { kind: "pending", key: "staff.loggingIn" };
  renderButton();
  renderMessage();
  try {
    await login(name, password);
    rememberSignedIn();
    // Replaced, not added: Back from the console does not lead to this form again.
    location.replace(next);
    return;
  } catch (error) {
    state.message = { error };
    if (error.code === "auth.failed") {
      $("staff-password").value = "";
      $("staff-password").focus();
    }
  }
  state.busy = false;
  renderButton();
  renderMessage();
});

function renderButton() {
  const button = $("login-submit");
  button.disabled = state.busy;
  button.setAttribute("aria-busy", state.busy ? "true" : "false");
  button.textContent = t(state.busy ? "staff.loggingIn" : "staff.login");
}

function renderMessage() {
  const node = $("login-status");
  const message = state.message;
  if (!message) {
    node.textContent = "";
    delete node.dataset.kind;
    return;
  }
  node.dataset.kind = message.kind ?? "error";
  delete node.dataset.error;
  if (!message.error) {
    node.textContent = t(message.key);
    return;
  }
  const { error } = message;
  node.dataset.error = error.code ?? "unknown";
  if (error.code === "auth.locked") {
    node.textContent = t("staff.locked", { minutes: Math.max(1, Math.ceil((error.retryAfter ?? 900) / 60)) });
  } else {
    node.textContent = describeError(error);
  }
}
