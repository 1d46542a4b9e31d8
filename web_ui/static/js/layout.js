// The header every page shares: highlights the current section, folds the nav behind a menu
// button on a phone, and shows who is logged in (from /auth/check) with a logout button.

import { get, post } from "./api.js";
import { byId, run } from "./dom.js";

let authCheck = null;

/** {authenticated, user, auth_required} from /auth/check, fetched once per page. */
export function authState() {
  authCheck ??= get("/auth/check");
  return authCheck;
}

/** Whether the person may change settings, users and API keys. Without login required,
 * an anonymous visitor acts as admin (single-user mode). */
export function isAdmin(state) {
  return state.user ? state.user.role === "admin" : !state.auth_required;
}

export function canWrite(state) {
  return state.user ? state.user.role !== "readonly" : !state.auth_required;
}

function highlightCurrentSection() {
  const path = window.location.pathname;
  for (const link of document.querySelectorAll(".site-nav a[data-nav]")) {
    const prefix = link.dataset.nav;
    const current = prefix === "/" ? path === "/" : path.startsWith(prefix);
    if (current) link.setAttribute("aria-current", "page");
  }
}

async function showCurrentUser() {
  const area = document.getElementById("user-area");
  if (!area) return;
  const state = await authState();
  const name = byId("current-user");
  const logout = byId("logout-button");
  const login = byId("login-link");
  if (state.user) {
    name.textContent = `${state.user.username} (${state.user.role})`;
    name.dataset.username = state.user.username;
    logout.hidden = false;
    login.hidden = true;
  } else {
    name.textContent = state.auth_required ? "" : "Single-user mode";
    logout.hidden = true;
    login.hidden = false;
    login.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
  }
  area.hidden = false;
}

// Under the phone breakpoint the nav folds behind a menu button (CSS hides it unless open).
function setUpNavToggle() {
  const toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.closest(".site-header").dataset.navOpen = String(open);
  });
}

async function logOut() {
  await post("/auth/logout");
  window.location.assign("/login");
}

highlightCurrentSection();
setUpNavToggle();
document.getElementById("logout-button")?.addEventListener("click", () => run(logOut));
run(showCurrentUser);
