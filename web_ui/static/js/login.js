// /login: posts the credentials as JSON to /auth/login, then goes back to `next`.

import { api } from "./api.js";
import { byId, run } from "./dom.js";
import { authState } from "./layout.js";

// Only a path on this site: a `next` naming another host (//host or a full URL) must not
// send people away after they log in.
function nextPath() {
  const next = new URLSearchParams(window.location.search).get("next") || "/";
  const safe = next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
  return safe ? next : "/";
}

function showLoginError(message) {
  const box = byId("login-error");
  box.textContent = message;
  box.hidden = !message;
}

async function logIn(event) {
  event.preventDefault();
  const submit = byId("login-submit");
  submit.disabled = true;
  showLoginError("");
  try {
    await api("/auth/login", {
      method: "POST",
      body: { username: byId("login-username").value.trim(), password: byId("login-password").value },
      redirectOnUnauthorized: false,
    });
    window.location.assign(nextPath());
  } catch (error) {
    showLoginError(error.message);
    byId("login-password").select();
    submit.disabled = false;
  }
}

async function showWhoIsLoggedIn() {
  const state = await authState();
  if (state.user) {
    byId("login-status").textContent = `You are logged in as ${state.user.username}. Log in again to switch user.`;
  } else if (!state.auth_required) {
    byId("login-status").textContent = "Logging in is optional here: the library is open to everyone.";
  }
}

byId("login-form").addEventListener("submit", logIn);
run(showWhoIsLoggedIn);
