// /account: change your own password (POST /auth/password, asking for the current one);
// admins also set another user's password (PUT /api/users/<id>).

import { ApiError, get, post, put } from "./api.js";
import { action, byId, el, run, showError, showMessage } from "./dom.js";
import { authState, isAdmin } from "./layout.js";

async function changeOwnPassword() {
  const current = byId("current-password");
  const fresh = byId("new-password");
  const confirm = byId("confirm-password");
  if (fresh.value !== confirm.value) {
    showError(new ApiError("The two new passwords differ.", 400));
    return;
  }
  const answer = await post("/auth/password", { current_password: current.value, new_password: fresh.value });
  byId("own-password-form").reset();
  showMessage(`${answer.message}.`);
}

async function loadUsers() {
  const answer = await get("/api/users/", { per_page: 200 });
  byId("reset-user").replaceChildren(
    el("option", { value: "" }, "Choose a user"),
    ...answer.users.map((user) => el("option", { value: String(user.id) }, `${user.username} (${user.role})`)));
}

async function resetPassword() {
  const select = byId("reset-user");
  const password = byId("reset-new-password");
  const user = await put(`/api/users/${select.value}`, { password: password.value });
  password.value = "";
  showMessage(`Password of ${user.username} reset.`);
}

async function showAccount() {
  const state = await authState();
  const summary = byId("account-summary");
  if (state.user) {
    summary.textContent = `Logged in as ${state.user.username} (${state.user.role}).`;
    byId("own-password").hidden = false;
  } else {
    summary.textContent = "Single-user mode: nobody is logged in, so there is no password of yours to change.";
  }
  if (isAdmin(state)) {
    byId("reset-password").hidden = false;
    await loadUsers();
  }
}

byId("own-password-form").addEventListener("submit", action(changeOwnPassword));
byId("reset-password-form").addEventListener("submit", action(resetPassword));
run(showAccount);
