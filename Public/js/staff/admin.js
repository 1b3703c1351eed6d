// /admin: the administrators' page (docs/PROTOCOL.md "Administration (admins)"): accounts, departments and screening
// words.
//
// - Signing in is the console's: GET /api/staff/me, and without a live session /staff/login?next=/admin, which comes
//   back here; a browser that was never signed in goes to the login page without asking. Staff and moderators are told
//   the page is not theirs (the server refuses them anyway).
// - Accounts (GET/POST /api/admin/users, …/{name}/disable, …/enable, …/password): every account with its display name,
//   role, departments by their names and whether it is active, filtered as the admin types; adding one (staff need a
//   department, moderators and admins take none; the server judges the initial password and its words are shown when
//   it refuses; a strong password can be generated here from crypto.getRandomValues, shown once, with a copy button);
//   disabling and enabling after a second click (the server keeps the only active admin, and says so); a new
//   password, which ends the user's sessions (the page says so before and after).
// - Departments (GET /api/departments, POST /api/admin/departments): the list with both names; adding one; renaming one
//   added in the console. The departments file's (`source: "file"`) are renamed in the file and get no rename here;
//   were a server not to say (an older one), renaming is offered and the server's refusal shown.
// - Screening words (GET/POST /api/admin/word-rules, DELETE …/{word}): the file's words and the console's, with who
//   added them and when; adding a word to block or hold; removing a console word after a second click (the file's are
//   edited in config/screening.yaml).
// - After every action the line that says what happened (the form's, or the item's) gets the focus. Every control is a
//   native one; Escape cancels a confirmation or closes an open panel (a new password, new names).
// - No live connection: a request refused with auth.required (the session ended, or this admin was disabled) shows the
//   signed-out notice, whose link comes back here.

import "./i18n-staff.js";
import { getDepartments } from "../shared/api.js";
import { describeError, fmtWhen } from "../shared/direct-line.js";
import { locale, onLangChange, pick, setupLanguage, t } from "../shared/i18n.js";
import { el, fmtInt } from "../shared/ui.js";
import { clearSignedIn, loginAddress, signedInUser, signOut } from "./session.js";
import * as api from "./staff-api.js";

const $ = (id) => document.getElementById(id);
const ROLES = ["staff", "moderator", "admin"];
const DEPARTMENT_ID = /^[a-z0-9-]{1,64}$/;
const NAME_MAX = 64;
/** Refusals whose server message says what to change (which password rule, which name): shown in the server's words. */
const SERVER_WORDS = new Set(["request.invalid", "user.exists", "user.not_found", "department.not_found"]);
/** No 0/O, 1/l/I: the password is read off a screen and typed again. 56 characters, 16 of them: 92 bits. */
const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_GROUPS = 4;
const PASSWORD_GROUP = 4;

const state = {
  me: null,
  users: null, // [{name, displayName, role, departments, disabled, createdAt}], null until read
  departments: null, // [{id, name: {zh, en}, triage, source?, addedBy?}], null until read
  rules: null, // [{word, action, source, addedBy?, addedAt?}], null until read
  filter: "",
  busy: false,
  message: null, // {target, kind, key?, params?, error?}: what the last action came to, on its target's line
  loading: new Set(), // the lists being read ("users", "departments", "words")
  loadErrors: new Map(), // list -> why it could not be read
  confirm: null, // "disable:<name>", "enable:<name>" or "remove:<word>": waits for the second click
  open: null, // "password:<name>" or "rename:<id>": the item's open panel
  drafts: new Map(), // "password:<name>" -> secret draft; "rename:<id>" -> {zh, en}
  secret: newSecret(), // the add form's password
  checked: new Set(), // the add form's departments
  signedOut: false,
};

let uid = 0;

setupLanguage();
start();

async function start() {
  try {
    state.me = await signedInUser();
  } catch (error) {
    return pageError(t("loadFailed", { reason: describeError(error) }), error.code ?? "unknown");
  }
  if (!state.me) return;
  document.body.dataset.role = state.me.role;
  $("logout").hidden = false;
  $("to-console").hidden = false;
  renderMe();
  onLangChange(renderMe);
  wireSession();
  if (state.me.role !== "admin") {
    // Accounts, departments and screening words are the admins' alone (the server refuses everyone else).
    pageError(t("admin.adminOnly"), "auth.forbidden", true);
    return;
  }
  $("page-status").hidden = true;
  $("admin").hidden = false;
  wire();
  renderAll();
  onLangChange(renderAll);
  await Promise.all([loadUsers(), loadDepartments(), loadRules()]);
  document.body.dataset.loaded = "true";
}

function pageError(text, code, toConsole = false) {
  const status = $("page-status");
  status.removeAttribute("data-i18n");
  status.classList.add("is-error");
  status.textContent = text;
  status.dataset.error = code;
  if (toConsole) {
    const link = el("a", null, t("mod.toConsole"));
    link.href = "/staff";
    status.append(" ", link);
  }
}

// MARK: the session

/** A request said `auth.required`: the session ended. The page says so and offers to sign in again (back here). */
function signedOut(error) {
  if (error?.code !== "auth.required") return false;
  if (state.signedOut) return true;
  state.signedOut = true;
  state.busy = false;
  state.confirm = null;
  if (state.message?.kind === "pending") state.message = null; // it will not come to anything now
  clearSignedIn();
  document.body.dataset.signedOut = "true";
  $("signed-out").hidden = false;
  $("signed-out-text").textContent = t("err.auth.required");
  $("signed-out-login").href = loginAddress();
  renderAll();
  for (const control of $("admin").querySelectorAll("button, input, select")) control.disabled = true;
  $("signed-out-login").focus();
  return true;
}

function wireSession() {
  $("logout").addEventListener("click", () => {
    $("logout").disabled = true;
    signOut("/staff/login?next=%2Fadmin");
  });
}

function renderMe() {
  const me = state.me;
  if (!me) return;
  const text = t("staff.me", { name: me.displayName || me.name, role: t(`role.${me.role}`) });
  $("staff-me").textContent = text;
  $("staff-me-line").textContent = t("staff.signedInAs", { who: text });
  document.title = t("admin.title");
  if (state.signedOut) $("signed-out-text").textContent = t("err.auth.required");
}

// MARK: reading

async function loadUsers() {
  if (state.signedOut) return;
  startLoading("users");
  try {
    state.users = (await api.adminListUsers()).users ?? [];
    state.loadErrors.delete("users");
  } catch (error) {
    if (signedOut(error)) return;
    state.loadErrors.set("users", error);
  } finally {
    state.loading.delete("users");
  }
  renderUsers();
  renderDepartments(); // how many accounts each department has
}

async function loadDepartments() {
  if (state.signedOut) return;
  startLoading("departments");
  try {
    state.departments = (await getDepartments()).departments ?? [];
    state.loadErrors.delete("departments");
  } catch (error) {
    state.loadErrors.set("departments", error);
  } finally {
    state.loading.delete("departments");
  }
  renderDepartments();
  renderUsers(); // departments by their names
  renderUserForm();
}

async function loadRules() {
  if (state.signedOut) return;
  startLoading("words");
  try {
    state.rules = (await api.adminListWordRules()).rules ?? [];
    state.loadErrors.delete("words");
  } catch (error) {
    if (signedOut(error)) return;
    state.loadErrors.set("words", error);
  } finally {
    state.loading.delete("words");
  }
  renderWords();
}

/** A list read for the first time says so on its line (read again after a change, it stays as it is meanwhile). */
function startLoading(list) {
  const shown = { users: state.users, departments: state.departments, words: state.rules }[list];
  if (shown) return;
  state.loading.add(list);
  renderMessages();
}

// MARK: names

function departmentName(id) {
  const department = state.departments?.find((d) => d.id === id);
  return department ? pick(department.name) : id;
}

function userName(name) {
  const user = state.users?.find((u) => u.name === name);
  return user?.displayName || name;
}

/** Where a department comes from: "file", "console", or null when the server does not say. */
function sourceOf(department) {
  if (department.source === "file" || department.source === "console") return department.source;
  if (typeof department.addedBy === "string" && department.addedBy) return "console";
  return null;
}

/** A day: "2026年3月2日", "Mar 2, 2026". */
function fmtDate(ms) {
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "short", day: "numeric" }).format(new Date(ms));
}

function listJoin(items) {
  return items.join(t("admin.listSeparator"));
}

// MARK: outcome lines

/** Shows a message on its target's line (a form's, a section's or an item's). */
function say(target, kind, key, params) {
  state.message = { target, kind, key, params };
  renderMessages();
}

function renderMessages() {
  for (const line of document.querySelectorAll("#admin [data-target]")) fillLine(line, messageFor(line.dataset.target));
}

/** What a line says: the last action's outcome if it is this line's; a list's line also says it is being read, or why it could not be. */
function messageFor(target) {
  if (state.message?.target === target) return state.message;
  if (state.loadErrors.has(target)) return { target, kind: "error", error: state.loadErrors.get(target) };
  if (state.loading.has(target)) return { target, kind: "pending", key: `admin.${target}.loading` };
  return null;
}

function fillLine(node, message) {
  if (!message) {
    node.replaceChildren();
    delete node.dataset.kind;
    delete node.dataset.error;
    return;
  }
  node.dataset.kind = message.kind;
  if (message.error?.code) node.dataset.error = message.error.code;
  else delete node.dataset.error;
  if (message.key) {
    node.textContent = t(message.key, message.params ?? {});
    return;
  }
  const error = message.error;
  if (SERVER_WORDS.has(error?.code) && error.message && error.message !== error.code) {
    // The server's own words say which rule was broken (they are in English: marked so for screen readers).
    const words = el("span", "server-words", error.message);
    words.lang = "en";
    node.replaceChildren(t("admin.refused"), " ", words);
  } else {
    node.textContent = describeError(error);
  }
}

/** Moves the focus to the line that says what happened (after the lists were drawn again). */
function focusMessage() {
  const target = state.message?.target;
  if (!target) return;
  for (const line of document.querySelectorAll("#admin [data-target]")) {
    if (line.dataset.target === target) {
      line.focus();
      return;
    }
  }
}

/** Marks a field wrong, says why on the form's line and puts the focus in the field. */
function invalid(target, field, key, params) {
  field.setAttribute("aria-invalid", "true");
  state.message = { target, kind: "error", key, params };
  renderMessages();
  field.focus();
}

/** Draws a list again, keeping the focus on the same control (by its data-focus key) when it was in the list. */
function redraw(list, items) {
  const key = list.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  list.replaceChildren(...items);
  if (key) {
    for (const node of list.querySelectorAll("[data-focus]")) {
      if (node.dataset.focus === key) {
        node.focus();
        break;
      }
    }
  }
}

function focusKey(node, key) {
  node.dataset.focus = key;
  return node;
}

function button(className, text, key) {
  const node = el("button", `btn ${className}`, text);
  node.type = "button";
  if (key) focusKey(node, key);
  node.disabled = state.busy || state.signedOut;
  return node;
}

// MARK: passwords

function newSecret() {
  return { value: "", generated: null, shown: false, note: null, invalid: false };
}

/** A random password from the system's CSPRNG (rejection sampling: every character equally likely). */
function strongPassword(userName = "") {
  const n = PASSWORD_GROUPS * PASSWORD_GROUP;
  const limit = 256 - (256 % PASSWORD_ALPHABET.length);
  for (;;) {
    const chars = [];
    const bytes = new Uint8Array(64);
    while (chars.length < n) {
      crypto.getRandomValues(bytes);
      for (const byte of bytes) if (byte < limit && chars.length < n) chars.push(PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length]);
    }
    const groups = [];
    for (let i = 0; i < n; i += PASSWORD_GROUP) groups.push(chars.slice(i, i + PASSWORD_GROUP).join(""));
    const password = groups.join("-");
    // The server's rules (a few different characters, not the user's name) hold for all but a vanishing few; those are drawn again.
    const name = userName.trim().toLowerCase();
    if (new Set(chars).size >= 8 && !(name.length >= 3 && password.toLowerCase().includes(name))) return password;
  }
}

/**
 * Wires a password field: "显示" shows what is typed, "生成高强度密码" fills a random one and shows it once with a copy
 * button (until it is saved or changed). `secret` holds it across redraws; `nameOf` is the user's name (a password
 * must not contain it).
 */
function wireSecret(parts, secret, nameOf) {
  const { input, show, generate, box, value, copy, note } = parts;
  const render = () => {
    input.value = secret.value;
    input.type = secret.shown ? "text" : "password";
    if (secret.invalid) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    show.setAttribute("aria-pressed", secret.shown ? "true" : "false");
    show.textContent = t(secret.shown ? "admin.password.hide" : "admin.password.show");
    const generated = secret.generated !== null && secret.generated === secret.value;
    box.hidden = !generated;
    value.textContent = generated ? secret.generated : "";
    note.textContent = secret.note ? t(secret.note) : "";
    note.dataset.kind = secret.note === "admin.password.copyFailed" ? "error" : "info";
  };
  input.addEventListener("input", () => {
    secret.value = input.value;
    secret.invalid = false;
    input.removeAttribute("aria-invalid");
    if (secret.generated !== null && secret.generated !== secret.value) {
      secret.generated = null;
      secret.note = null;
      render();
    }
  });
  show.addEventListener("click", () => {
    secret.shown = !secret.shown;
    render();
  });
  generate.addEventListener("click", () => {
    secret.value = strongPassword(nameOf());
    secret.generated = secret.value;
    secret.note = "admin.password.filled";
    secret.invalid = false;
    render();
  });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret.generated ?? "");
      secret.note = "admin.password.copied";
    } catch {
      // No clipboard (an insecure origin, or refused): the text is selected for Ctrl+C.
      getSelection()?.selectAllChildren(value);
      secret.note = "admin.password.copyFailed";
    }
    render();
  });
  return render;
}

/** The parts of a password field, made for an item's panel (the add form's are in the page). */
function secretParts(labelKey, describedBy) {
  const id = `secret-${++uid}`;
  const field = el("div", "field secret-field");
  const label = el("label", null, t(labelKey));
  label.htmlFor = id;
  const row = el("div", "secret-row");
  const input = el("input", "secret-input");
  input.type = "password";
  input.id = id;
  input.autocomplete = "new-password";
  input.setAttribute("autocapitalize", "none");
  input.spellcheck = false;
  const rules = el("p", "hint field-hint", t("admin.password.rules"));
  rules.id = `${id}-rules`;
  input.setAttribute("aria-describedby", [describedBy, rules.id].filter(Boolean).join(" "));
  const show = el("button", "btn btn-ghost btn-small secret-show");
  show.type = "button";
  show.setAttribute("aria-controls", id);
  row.append(input, show);
  const generate = el("button", "btn btn-secondary btn-small secret-generate", t("admin.password.generate"));
  generate.type = "button";
  const box = el("div", "generated");
  const boxLabel = el("p", "generated-label", t("admin.password.generated"));
  boxLabel.id = `${id}-generated`;
  box.setAttribute("role", "group");
  box.setAttribute("aria-labelledby", boxLabel.id);
  const valueRow = el("div", "generated-row");
  const value = el("code", "generated-value");
  value.translate = false;
  const copy = el("button", "btn btn-secondary btn-small", t("admin.password.copy"));
  copy.type = "button";
  copy.setAttribute("aria-label", t("admin.password.copyLabel"));
  valueRow.append(value, copy);
  const note = el("p", "generated-status");
  note.setAttribute("role", "status");
  box.append(boxLabel, valueRow, note);
  field.append(label, row, rules, generate, box);
  return { field, input, show, generate, box, value, copy, note };
}

// MARK: accounts

function renderUsers() {
  const list = $("users-list");
  const users = state.users ?? [];
  const active = users.filter((u) => !u.disabled).length;
  $("users-count").textContent = state.users ? t("admin.users.count", { n: fmtInt(users.length), active: fmtInt(active) }) : "";
  const filter = state.filter.trim().toLowerCase();
  const shown = filter
    ? users.filter((u) => u.name.toLowerCase().includes(filter) || (u.displayName ?? "").toLowerCase().includes(filter))
    : users;
  redraw(list, shown.map(userItem));
  $("users-empty").hidden = !state.users || shown.length > 0;
  $("users-empty").textContent = filter ? t("admin.users.noMatch", { text: state.filter.trim() }) : t("admin.users.empty");
  renderMessages();
}

function userItem(user) {
  const item = el("li", "admin-item user-item");
  item.dataset.name = user.name;
  item.dataset.disabled = user.disabled ? "true" : "false";
  const self = user.name === state.me.name;

  const main = el("div", "admin-item-main");
  const title = el("p", "admin-item-title");
  title.append(el("span", "user-display", user.displayName || user.name), " ");
  const login = el("span", "user-name", user.name);
  login.translate = false;
  title.append(login);
  if (self) title.append(" ", el("span", "you-badge", t("admin.users.you")));
  const badges = el("p", "admin-item-badges");
  const role = el("span", "role-badge", t(`role.${user.role}`));
  role.dataset.role = user.role;
  const standing = el("span", "standing-badge", t(user.disabled ? "admin.users.disabled" : "admin.users.active"));
  standing.dataset.standing = user.disabled ? "disabled" : "active";
  badges.append(role, " ", standing);
  const departments = el("p", "admin-item-detail");
  if (user.role === "staff") {
    const names = (user.departments ?? []).map(departmentName);
    departments.textContent = t("admin.users.departments", { list: names.length ? listJoin(names) : t("admin.users.noDepartment") });
  } else {
    departments.textContent = t("admin.users.everyDepartment");
  }
  main.append(title, badges, departments);
  if (Number.isFinite(user.createdAt)) main.append(el("p", "admin-item-detail admin-item-when", t("admin.users.created", { when: fmtDate(user.createdAt) })));

  const actions = el("div", "admin-item-actions");
  const verb = user.disabled ? "enable" : "disable";
  const confirmKey = `${verb}:${user.name}`;
  if (state.confirm === confirmKey) {
    actions.append(confirmBox({
      text: t(user.disabled ? "admin.users.enableWarn" : self ? "admin.users.disableSelfWarn" : "admin.users.disableWarn", { name: user.name }),
      confirm: t(`admin.users.${verb}Confirm`),
      confirmLabel: t(`admin.users.${verb}ConfirmLabel`, { name: user.name }),
      danger: !user.disabled,
      key: confirmKey,
      run: () => (user.disabled ? enableUser(user) : disableUser(user)),
    }));
  } else {
    const toggle = button(user.disabled ? "btn-secondary btn-small" : "btn-ghost btn-small", t(`admin.users.${verb}`), `ask:${confirmKey}`);
    toggle.setAttribute("aria-label", t(`admin.users.${verb}Label`, { name: user.name }));
    toggle.addEventListener("click", () => ask(confirmKey));
    actions.append(toggle, passwordPanel(user, self));
  }
  const line = el("p", "form-status item-status");
  line.dataset.target = `user:${user.name}`;
  line.setAttribute("role", "status");
  line.tabIndex = -1;
  item.append(main, actions, line);
  return item;
}

/** A second click to confirm, with what it will do; Cancel (or Escape) goes back to the first button. */
function confirmBox({ text, confirm, confirmLabel, danger, key, run }) {
  const box = el("div", "confirm-box");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", confirmLabel);
  const warning = el("p", "confirm-text", text);
  warning.id = `confirm-${++uid}`;
  const yes = button(danger ? "btn-danger btn-small" : "btn-primary btn-small", confirm, `confirm:${key}`);
  yes.setAttribute("aria-label", confirmLabel);
  yes.setAttribute("aria-describedby", warning.id);
  yes.addEventListener("click", run);
  const no = button("btn-ghost btn-small", t("admin.cancel"), `cancel:${key}`);
  no.addEventListener("click", () => cancelConfirm());
  const buttons = el("div", "confirm-buttons");
  buttons.append(yes, no);
  box.append(warning, buttons);
  return box;
}

/** Asks for the second click: the confirmation replaces the button and takes the focus. */
function ask(key) {
  state.confirm = key;
  state.message = null;
  renderLists();
  focusByKey(`confirm:${key}`);
}

function cancelConfirm() {
  const key = state.confirm;
  if (!key) return;
  state.confirm = null;
  renderLists();
  focusByKey(`ask:${key}`);
}

function focusByKey(key) {
  for (const node of document.querySelectorAll("#admin [data-focus]")) {
    if (node.dataset.focus === key) {
      node.focus();
      return true;
    }
  }
  return false;
}

/** "设置新密码…": a panel of the item's, with the password rules, a generator, and what it does to the user's sessions. */
function passwordPanel(user, self) {
  const key = `password:${user.name}`;
  const panel = el("details", "action admin-panel");
  panel.open = state.open === key;
  const summary = focusKey(el("summary", null, t("admin.users.password")), `summary:${key}`);
  summary.setAttribute("aria-label", t("admin.users.passwordLabel", { name: user.name }));
  panel.append(summary);
  panel.addEventListener("toggle", () => {
    if (panel.open) state.open = key;
    else if (state.open === key) state.open = null;
  });
  if (!state.drafts.has(key)) state.drafts.set(key, newSecret());
  const secret = state.drafts.get(key);
  const form = el("form", "admin-inline-form");
  form.noValidate = true;
  const warning = el("p", "notice admin-warning", t(self ? "admin.users.passwordSelfWarn" : "admin.users.passwordWarn", { name: user.name }));
  warning.id = `warn-${++uid}`;
  const parts = secretParts("admin.users.newPassword", warning.id);
  focusKey(parts.input, `password-input:${user.name}`);
  focusKey(parts.generate, `password-generate:${user.name}`);
  const render = wireSecret(parts, secret, () => user.name);
  render();
  const save = el("button", "btn btn-primary btn-small", t("admin.users.passwordSave"));
  save.type = "submit";
  save.disabled = state.busy || state.signedOut;
  form.append(warning, parts.field, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setPassword(user, secret, parts.input);
  });
  panel.append(form);
  return panel;
}

async function addUser() {
  if (state.busy || state.signedOut) return;
  const fields = { name: $("user-name"), display: $("user-display"), role: $("user-role"), password: $("user-password") };
  for (const field of Object.values(fields)) field.removeAttribute("aria-invalid");
  state.secret.invalid = false;
  $("user-departments").removeAttribute("aria-invalid");
  const name = fields.name.value.trim();
  const displayName = fields.display.value.trim();
  const role = ROLES.includes(fields.role.value) ? fields.role.value : "staff";
  const departments = role === "staff" ? (state.departments ?? []).map((d) => d.id).filter((id) => state.checked.has(id)) : [];
  const password = state.secret.value;
  if (!name) return invalid("user-form", fields.name, "admin.required", { field: t("admin.users.name") });
  if (role === "staff" && departments.length === 0) {
    $("user-departments").setAttribute("aria-invalid", "true");
    state.message = { target: "user-form", kind: "error", key: "admin.users.needDepartment" };
    renderMessages();
    $("user-department-list").querySelector("input")?.focus();
    return;
  }
  if (!password) {
    state.secret.invalid = true;
    return invalid("user-form", fields.password, "admin.required", { field: t("admin.users.initialPassword") });
  }
  state.busy = true;
  say("user-form", "pending", "admin.users.saving");
  renderBusy();
  try {
    const { user } = await api.adminAddUser({ name, displayName, role, departments, password });
    for (const field of [fields.name, fields.display]) field.value = "";
    state.secret.value = "";
    state.secret.generated = null;
    state.secret.note = null;
    state.checked.clear();
    state.message = { target: "user-form", kind: "success", key: "admin.users.added", params: { name: user?.name ?? name, role: t(`role.${role}`) } };
    state.busy = false;
    await loadUsers();
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target: "user-form", kind: "error", error };
    // Which field the refusal is about, when the server's words say (the line says why).
    if (/password/i.test(error.message ?? "")) state.secret.invalid = true;
    else if (error.code === "user.exists" || /user name/i.test(error.message ?? "")) fields.name.setAttribute("aria-invalid", "true");
    else if (error.code === "department.not_found" || /department/i.test(error.message ?? "")) $("user-departments").setAttribute("aria-invalid", "true");
  }
  renderUserForm();
  renderBusy();
  renderMessages();
  focusMessage();
}

async function disableUser(user) {
  await userAction(user, () => api.adminDisableUser(user.name), "admin.users.disabledDone");
}

async function enableUser(user) {
  await userAction(user, () => api.adminEnableUser(user.name), "admin.users.enabledDone");
}

async function setPassword(user, secret, input) {
  if (state.busy || state.signedOut) return;
  secret.invalid = false;
  if (!secret.value) {
    secret.invalid = true;
    return invalid(`user:${user.name}`, input, "admin.required", { field: t("admin.users.newPassword") });
  }
  await userAction(user, () => api.adminSetPassword(user.name, secret.value), "admin.users.passwordDone", () => {
    state.drafts.delete(`password:${user.name}`);
    if (state.open === `password:${user.name}`) state.open = null;
  }, (error) => {
    secret.invalid = /password/i.test(error.message ?? "");
  });
}

/** One change to an account; its item's line says what it came to, and takes the focus. */
async function userAction(user, call, doneKey, onDone, onError) {
  if (state.busy || state.signedOut) return;
  const target = `user:${user.name}`;
  state.busy = true;
  state.confirm = null;
  state.message = { target, kind: "pending", key: "admin.working" };
  renderUsers();
  renderBusy();
  try {
    await call();
    onDone?.();
    state.message = { target, kind: "success", key: doneKey, params: { name: user.name } };
    state.busy = false;
    await loadUsers(); // the server's list says who is active now (ends here when the admin's own session ended)
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target, kind: "error", error };
    onError?.(error);
  }
  if (state.signedOut) return;
  renderBusy();
  renderUsers();
  focusMessage();
}

function renderUserForm() {
  const role = ROLES.includes($("user-role").value) ? $("user-role").value : "staff";
  $("user-role-hint").textContent = t(`admin.users.roleHint.${role}`);
  $("user-departments").hidden = role !== "staff";
  const list = $("user-department-list");
  const key = list.contains(document.activeElement) ? document.activeElement.value : null;
  list.replaceChildren(...(state.departments ?? []).map((department) => {
    const row = el("div", "admin-check");
    const input = el("input");
    input.type = "checkbox";
    input.id = `user-department-${department.id}`;
    input.value = department.id;
    input.checked = state.checked.has(department.id);
    input.disabled = state.signedOut;
    input.addEventListener("change", () => {
      if (input.checked) state.checked.add(department.id);
      else state.checked.delete(department.id);
      $("user-departments").removeAttribute("aria-invalid");
    });
    const label = el("label", null, pick(department.name));
    label.htmlFor = input.id;
    if (department.triage) label.append(" ", el("span", "hint", t("admin.departments.triageShort")));
    row.append(input, label);
    return row;
  }));
  if (key) list.querySelector(`input[value="${CSS.escape(key)}"]`)?.focus();
  renderMainSecret();
}

let renderMainSecret = () => {};

// MARK: departments

function renderDepartments() {
  const departments = state.departments ?? [];
  $("departments-count").textContent = state.departments ? t("admin.count", { n: fmtInt(departments.length) }) : "";
  redraw($("departments-list"), departments.map(departmentItem));
  renderMessages();
}

function departmentItem(department) {
  const item = el("li", "admin-item department-item");
  item.dataset.id = department.id;
  const source = sourceOf(department);
  item.dataset.source = source ?? "unknown";
  const main = el("div", "admin-item-main");
  const title = el("p", "admin-item-title");
  const zh = el("span", "department-zh", department.name?.zh ?? "");
  zh.lang = "zh-CN";
  title.append(zh);
  const en = el("p", "admin-item-detail department-en", department.name?.en ?? "");
  en.lang = "en";
  const badges = el("p", "admin-item-badges");
  const id = el("code", "department-id", department.id);
  id.translate = false;
  badges.append(id);
  if (source) {
    const badge = el("span", "source-badge", source === "file" ? t("admin.departments.fromFile")
      : department.addedBy ? t("admin.departments.fromConsoleBy", { who: userName(department.addedBy) }) : t("admin.departments.fromConsole"));
    badge.dataset.source = source;
    badges.append(" ", badge);
  }
  if (department.triage) badges.append(" ", el("span", "source-badge triage-badge", t("admin.departments.triage")));
  main.append(title, en, badges);
  if (state.users) {
    const members = state.users.filter((u) => u.role === "staff" && !u.disabled && (u.departments ?? []).includes(department.id)).length;
    main.append(el("p", "admin-item-detail admin-item-when", t("admin.departments.members", { n: fmtInt(members) })));
  }

  const actions = el("div", "admin-item-actions");
  if (source === "file") {
    actions.append(el("p", "hint admin-item-note", t("admin.departments.renameInFile")));
  } else {
    actions.append(renamePanel(department, source));
  }
  const line = el("p", "form-status item-status");
  line.dataset.target = `department:${department.id}`;
  line.setAttribute("role", "status");
  line.tabIndex = -1;
  item.append(main, actions, line);
  return item;
}

/** "改名…": new names for a department added in the console (or, when the server does not say, for any: it refuses the file's). */
function renamePanel(department, source) {
  const key = `rename:${department.id}`;
  const panel = el("details", "action admin-panel");
  panel.open = state.open === key;
  const summary = focusKey(el("summary", null, t("admin.departments.rename")), `summary:${key}`);
  summary.setAttribute("aria-label", t("admin.departments.renameLabel", { name: pick(department.name) }));
  panel.append(summary);
  panel.addEventListener("toggle", () => {
    if (panel.open) state.open = key;
    else if (state.open === key) state.open = null;
  });
  if (!state.drafts.has(key)) state.drafts.set(key, { zh: department.name?.zh ?? "", en: department.name?.en ?? "" });
  const draft = state.drafts.get(key);
  const form = el("form", "admin-inline-form");
  form.noValidate = true;
  if (source === null) form.append(el("p", "hint", t("admin.departments.renameUnknown")));
  const inputs = {};
  for (const [lang, labelKey] of [["zh", "admin.departments.nameZh"], ["en", "admin.departments.nameEn"]]) {
    const field = el("div", "field");
    const input = focusKey(el("input"), `rename-${lang}:${department.id}`);
    input.type = "text";
    input.id = `rename-${lang}-${++uid}`;
    input.autocomplete = "off";
    input.lang = lang === "zh" ? "zh-CN" : "en";
    input.value = draft[lang];
    input.disabled = state.signedOut;
    input.addEventListener("input", () => {
      draft[lang] = input.value;
      input.removeAttribute("aria-invalid");
    });
    const label = el("label", null, t(labelKey));
    label.htmlFor = input.id;
    field.append(label, input);
    form.append(field);
    inputs[lang] = input;
  }
  const save = el("button", "btn btn-primary btn-small", t("admin.departments.renameSave"));
  save.type = "submit";
  save.disabled = state.busy || state.signedOut;
  form.append(save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    renameDepartment(department, draft, inputs);
  });
  panel.append(form);
  return panel;
}

/** Both names are needed, each at most 64 characters: says which is not right (and returns false), else true. */
function namesFit(target, inputs, zh, en) {
  for (const [input, value, labelKey] of [[inputs.zh, zh, "admin.departments.nameZh"], [inputs.en, en, "admin.departments.nameEn"]]) {
    if (!value) {
      invalid(target, input, "admin.required", { field: t(labelKey) });
      return false;
    }
    if (Array.from(value).length > NAME_MAX) {
      invalid(target, input, "admin.tooLong", { field: t(labelKey), max: fmtInt(NAME_MAX) });
      return false;
    }
  }
  return true;
}

async function addDepartment() {
  if (state.busy || state.signedOut) return;
  const fields = { id: $("department-id"), zh: $("department-zh"), en: $("department-en") };
  for (const field of Object.values(fields)) field.removeAttribute("aria-invalid");
  const id = fields.id.value.trim();
  const zh = fields.zh.value.trim();
  const en = fields.en.value.trim();
  if (!id) return invalid("department-form", fields.id, "admin.required", { field: t("admin.departments.id") });
  if (!DEPARTMENT_ID.test(id)) return invalid("department-form", fields.id, "admin.departments.idInvalid");
  const existing = state.departments?.find((d) => d.id === id);
  if (existing) return invalid("department-form", fields.id, "admin.departments.idTaken", { id, name: pick(existing.name) });
  if (!namesFit("department-form", fields, zh, en)) return;
  state.busy = true;
  say("department-form", "pending", "admin.working");
  renderBusy();
  try {
    await api.adminPutDepartment(id, zh, en);
    for (const field of Object.values(fields)) field.value = "";
    state.message = { target: "department-form", kind: "success", key: "admin.departments.added", params: { id, name: pick({ zh, en }) } };
    state.busy = false;
    await loadDepartments();
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target: "department-form", kind: "error", error };
    if (/\bid\b/i.test(error.message ?? "")) fields.id.setAttribute("aria-invalid", "true");
  }
  renderBusy();
  renderMessages();
  focusMessage();
}

async function renameDepartment(department, draft, inputs) {
  if (state.busy || state.signedOut) return;
  const target = `department:${department.id}`;
  for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
  const zh = draft.zh.trim();
  const en = draft.en.trim();
  if (!namesFit(target, inputs, zh, en)) return;
  state.busy = true;
  state.message = { target, kind: "pending", key: "admin.working" };
  renderBusy();
  renderMessages();
  try {
    await api.adminPutDepartment(department.id, zh, en);
    state.drafts.delete(`rename:${department.id}`);
    if (state.open === `rename:${department.id}`) state.open = null;
    state.message = { target, kind: "success", key: "admin.departments.renamed", params: { id: department.id, zh, en } };
    state.busy = false;
    await loadDepartments();
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target, kind: "error", error };
    renderDepartments();
  }
  renderBusy();
  renderMessages();
  focusMessage();
}

// MARK: screening words

function renderWords() {
  const rules = state.rules ?? [];
  $("words-count").textContent = state.rules ? t("admin.count", { n: fmtInt(rules.length) }) : "";
  redraw($("words-list"), rules.map(wordItem));
  $("words-empty").hidden = !state.rules || rules.length > 0;
  renderMessages();
}

function wordItem(rule) {
  const item = el("li", "admin-item word-item");
  const fromConsole = rule.source === "console";
  item.dataset.word = rule.word;
  item.dataset.action = rule.action;
  item.dataset.source = fromConsole ? "console" : "file";
  const main = el("div", "admin-item-main");
  const title = el("p", "admin-item-title");
  const word = el("span", "word-text", rule.word);
  word.translate = false;
  const action = el("span", "word-badge", t(rule.action === "block" ? "admin.words.block" : "admin.words.hold"));
  action.dataset.action = rule.action;
  title.append(word, " ", action);
  const origin = el("p", "admin-item-detail", fromConsole
    ? (Number.isFinite(rule.addedAt)
      ? t("admin.words.fromConsole", { who: userName(rule.addedBy ?? ""), when: fmtWhen(rule.addedAt) })
      : t("admin.words.fromConsoleBy", { who: userName(rule.addedBy ?? "") }))
    : t("admin.words.fromFile"));
  main.append(title, origin);
  const actions = el("div", "admin-item-actions");
  if (fromConsole) {
    const key = `remove:${rule.word}`;
    if (state.confirm === key) {
      actions.append(confirmBox({
        text: t("admin.words.removeWarn", { word: rule.word }),
        confirm: t("admin.words.removeConfirm"),
        confirmLabel: t("admin.words.removeConfirmLabel", { word: rule.word }),
        danger: true,
        key,
        run: () => removeWord(rule),
      }));
    } else {
      const remove = button("btn-ghost btn-small", t("admin.words.remove"), `ask:${key}`);
      remove.setAttribute("aria-label", t("admin.words.removeLabel", { word: rule.word }));
      remove.addEventListener("click", () => ask(key));
      actions.append(remove);
    }
  }
  item.append(main, actions);
  return item;
}

async function addWord() {
  if (state.busy || state.signedOut) return;
  const field = $("word-text");
  field.removeAttribute("aria-invalid");
  const word = field.value.trim();
  const action = $("word-action-hold").checked ? "hold" : "block";
  if (!word) return invalid("word-form", field, "admin.required", { field: t("admin.words.word") });
  if (Array.from(word).length > NAME_MAX) return invalid("word-form", field, "admin.tooLong", { field: t("admin.words.word"), max: fmtInt(NAME_MAX) });
  const actionName = t(action === "block" ? "admin.words.block" : "admin.words.hold");
  const same = (state.rules ?? []).find((r) => r.word === word && r.action === action);
  if (same) return invalid("word-form", field, "admin.words.exists", { word, action: actionName });
  const before = (state.rules ?? []).find((r) => r.word === word && r.source === "console");
  state.busy = true;
  say("word-form", "pending", "admin.working");
  renderBusy();
  try {
    await api.adminAddWordRule(word, action);
    field.value = "";
    state.message = { target: "word-form", kind: "success", key: before ? "admin.words.changed" : "admin.words.added", params: { word, action: actionName } };
    state.busy = false;
    await loadRules();
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target: "word-form", kind: "error", error };
    field.setAttribute("aria-invalid", "true");
  }
  renderBusy();
  renderMessages();
  focusMessage();
}

async function removeWord(rule) {
  if (state.busy || state.signedOut) return;
  state.busy = true;
  state.confirm = null;
  state.message = { target: "words", kind: "pending", key: "admin.working" };
  renderWords();
  renderBusy();
  try {
    await api.adminRemoveWordRule(rule.word);
    state.message = { target: "words", kind: "success", key: "admin.words.removed", params: { word: rule.word } };
    state.busy = false;
    await loadRules();
  } catch (error) {
    state.busy = false;
    if (signedOut(error)) return;
    state.message = { target: "words", kind: "error", error };
    renderWords();
  }
  renderBusy();
  renderMessages();
  focusMessage();
}

// MARK: wiring and drawing

function wire() {
  renderMainSecret = wireSecret({
    input: $("user-password"), show: $("user-password-show"), generate: $("user-password-generate"),
    box: $("user-password-generated"), value: $("user-password-value"), copy: $("user-password-copy"), note: $("user-password-copied"),
  }, state.secret, () => $("user-name").value);
  $("user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addUser();
  });
  $("user-role").addEventListener("change", () => {
    $("user-departments").removeAttribute("aria-invalid");
    renderUserForm();
  });
  $("users-filter").addEventListener("input", () => {
    state.filter = $("users-filter").value;
    renderUsers();
  });
  $("department-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addDepartment();
  });
  $("word-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addWord();
  });
  for (const id of ["user-name", "user-display", "department-id", "department-zh", "department-en", "word-text"]) {
    $(id).addEventListener("input", () => $(id).removeAttribute("aria-invalid"));
  }
  // Escape: cancels a confirmation, else closes the open panel (its summary takes the focus).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (state.confirm) {
      event.preventDefault();
      cancelConfirm();
      return;
    }
    const open = document.activeElement?.closest?.("details.admin-panel[open]");
    if (open) {
      event.preventDefault();
      open.open = false;
      open.querySelector("summary").focus();
    }
  });
}

function renderLists() {
  renderUsers();
  renderDepartments();
  renderWords();
}

function renderAll() {
  renderLists();
  renderUserForm();
  renderBusy();
  renderMessages();
}

/** One action at a time: the forms' buttons wait while one is on its way. */
function renderBusy() {
  for (const [id, key, busyKey] of [["user-save", "admin.users.save", "admin.users.saving"], ["department-save", "admin.departments.save", null],
    ["word-save", "admin.words.save", null]]) {
    const control = $(id);
    control.disabled = state.busy || state.signedOut;
    control.setAttribute("aria-busy", state.busy ? "true" : "false");
    control.textContent = t(state.busy && busyKey ? busyKey : key);
  }
  for (const control of $("admin").querySelectorAll(".admin-item button, .admin-item-actions input")) {
    control.disabled = state.busy || state.signedOut;
  }
}
