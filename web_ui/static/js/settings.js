// /settings: the settings table (editable by admins, saved all at once through the bulk
// endpoint) and, for admins, the users and API keys.

import { del, get, post, put } from "./api.js";
import { action, byId, el, placeholder, run, showMessage } from "./dom.js";
import { selectMenu } from "./components.js";
import { formatDate, formatRole, ROLES } from "./format.js";
import { authState, isAdmin } from "./layout.js";

let admin = false;
let me = null;

// Settings stored as "true"/"false" get a menu, everything else a text box.
function valueEditor(setting) {
  const properties = { class: "setting-value", dataset: { settingKey: setting.key, original: setting.value ?? "" },
    "aria-label": `Value of ${setting.key}` };
  if (setting.value === "true" || setting.value === "false") {
    return selectMenu([["true", "true"], ["false", "false"]], setting.value, properties);
  }
  return el("input", { type: "text", value: setting.value ?? "", ...properties });
}

function settingRow(setting) {
  return el("tr", { dataset: { settingKey: setting.key } },
    el("th", { scope: "row" }, el("code", {}, setting.key)),
    el("td", {}, admin ? valueEditor(setting) : el("span", { class: "setting-value" }, setting.value ?? "")),
    el("td", { class: "muted" }, setting.description || ""));
}

function changedSettings() {
  const changes = {};
  for (const editor of byId("settings-table").querySelectorAll(".setting-value[data-setting-key]")) {
    if (editor.value !== editor.dataset.original) changes[editor.dataset.settingKey] = editor.value;
  }
  return changes;
}

function showDirtyCount() {
  const count = Object.keys(changedSettings()).length;
  byId("settings-dirty").textContent = count ? `${count} unsaved change${count === 1 ? "" : "s"}` : "";
  byId("save-settings").disabled = count === 0;
}

async function loadSettings() {
  const answer = await get("/api/settings/");
  const body = byId("settings-table").querySelector("tbody");
  body.replaceChildren(...answer.settings.map(settingRow));
  if (!answer.settings.length) body.append(el("tr", {}, el("td", { colspan: 3 }, placeholder("No settings yet."))));
  if (admin) showDirtyCount();
}

async function saveSettings() {
  const changes = changedSettings();
  if (!Object.keys(changes).length) return;
  const answer = await put("/api/settings/bulk", { settings: changes });
  showMessage(`Saved ${answer.updated} setting${answer.updated === 1 ? "" : "s"}.`);
  await loadSettings();
}

async function addSetting() {
  const key = byId("new-setting-key").value.trim();
  const setting = await put(`/api/settings/${encodeURIComponent(key)}`, {
    value: byId("new-setting-value").value,
    description: byId("new-setting-description").value.trim() || undefined,
  });
  showMessage(`Setting ${setting.key} saved.`);
  byId("setting-create").reset();
  await loadSettings();
}

async function updateUser(user, changes) {
  const updated = await put(`/api/users/${user.id}`, changes);
  showMessage(`${updated.username}: saved.`);
  await loadUsers();
}

async function deleteUser(user) {
  if (!window.confirm(`Delete the user ${user.username}?`)) return;
  await del(`/api/users/${user.id}`);
  showMessage(`${user.username} deleted.`);
  await loadUsers();
}

function userRow(user) {
  const itsMe = me && me.id === user.id;
  const role = selectMenu(ROLES.map((name) => [name, formatRole(name)]), user.role,
    { class: "user-role", "aria-label": `Role of ${user.username}` });
  role.addEventListener("change", action(() => updateUser(user, { role: role.value })));
  const active = el("input", { type: "checkbox", class: "user-active", checked: user.is_active,
    "aria-label": `${user.username} may log in` });
  active.addEventListener("change", action(() => updateUser(user, { is_active: active.checked })));
  return el("tr", { dataset: { userId: user.id, username: user.username } },
    el("th", { scope: "row" }, user.username, itsMe ? el("span", { class: "muted" }, " (you)") : null),
    el("td", {}, role),
    el("td", {}, active),
    el("td", {}, formatDate(user.last_login)),
    el("td", {}, user.locked_until ? formatDate(user.locked_until) : "–"),
    el("td", {}, el("button", { type: "button", class: "button-danger button-small", disabled: itsMe,
      title: itsMe ? "You cannot delete yourself" : null, "aria-label": `Delete ${user.username}`,
      onclick: action(() => deleteUser(user)) }, "Delete")));
}

async function loadUsers() {
  const answer = await get("/api/users/", { per_page: 200 });
  byId("user-table").querySelector("tbody").replaceChildren(...answer.users.map(userRow));
}

async function addUser() {
  const user = await post("/api/users/", {
    username: byId("new-user-name").value.trim(),
    password: byId("new-user-password").value,
    role: byId("new-user-role").value,
  });
  showMessage(`User ${user.username} created.`);
  byId("user-create").reset();
  await loadUsers();
}

async function revokeKey(key) {
  if (!window.confirm(`Revoke the API key ${key.name}? Integrations using it will stop working.`)) return;
  await del(`/api/api-keys/${key.id}`);
  showMessage(`API key ${key.name} revoked.`);
  await loadApiKeys();
}

function apiKeyRow(key) {
  return el("tr", { dataset: { apiKeyId: key.id } },
    el("th", { scope: "row" }, key.name),
    el("td", {}, el("code", {}, `${key.key_prefix}…`)),
    el("td", {}, formatRole(key.role)),
    el("td", {}, key.is_active ? "Yes" : "Revoked"),
    el("td", {}, formatDate(key.last_used_at)),
    el("td", {}, formatDate(key.created_at)),
    el("td", {}, key.is_active
      ? el("button", { type: "button", class: "button-danger button-small", "aria-label": `Revoke ${key.name}`,
        onclick: action(() => revokeKey(key)) }, "Revoke")
      : ""));
}

async function loadApiKeys() {
  const answer = await get("/api/api-keys/");
  byId("api-key-table").querySelector("tbody").replaceChildren(...answer.api_keys.map(apiKeyRow));
}

async function addApiKey() {
  const answer = await post("/api/api-keys/", {
    name: byId("new-api-key-name").value.trim(),
    role: byId("new-api-key-role").value,
  });
  byId("new-api-key-value").textContent = answer.api_key;
  byId("new-api-key").hidden = false;
  byId("api-key-create").reset();
  await loadApiKeys();
}

async function start() {
  const auth = await authState();
  admin = isAdmin(auth);
  me = auth.user;
  byId("settings-note").textContent = admin
    ? "Change values, then save them all at once."
    : "Only administrators can change settings.";
  for (const section of document.querySelectorAll(".admin-only")) section.hidden = !admin;
  await loadSettings();
  if (admin) {
    await Promise.all([run(loadUsers), run(loadApiKeys)]);
  }
}

byId("settings-form").addEventListener("input", showDirtyCount);
byId("settings-form").addEventListener("change", showDirtyCount);
byId("settings-form").addEventListener("submit", action(saveSettings));
byId("setting-create").addEventListener("submit", action(addSetting));
byId("user-create").addEventListener("submit", action(addUser));
byId("api-key-create").addEventListener("submit", action(addApiKey));

run(start);
