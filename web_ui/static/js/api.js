// The one way the UI talks to the server: JSON over fetch() to /api/... and /auth/....
// An answer carrying {"error": "..."} becomes an ApiError with that message, so every page
// can show it to the person; a 401 sends the browser to the login page and back.

export class ApiError extends Error {
  constructor(message, status, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

// Thrown while the browser is already leaving for /login: pages need not show it.
export class RedirectingToLogin extends ApiError {}

export function loginUrl(next = window.location.pathname + window.location.search) {
  return `/login?next=${encodeURIComponent(next)}`;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readJson(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("application/json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * Send one request and return the parsed JSON answer.
 * options: method, query (object of query parameters), body (sent as JSON),
 * redirectOnUnauthorized (default true; the login form turns it off).
 */
export async function api(path, { method = "GET", query, body, redirectOnUnauthorized = true } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(withQuery(path, query), init);
  } catch {
    throw new ApiError("Cannot reach the server. Check your connection and try again.", 0);
  }
  const data = await readJson(response);
  if (response.status === 401 && redirectOnUnauthorized) {
    window.location.assign(loginUrl());
    throw new RedirectingToLogin(data?.error || "Authentication required", 401, data);
  }
  if (!response.ok || (data && typeof data.error === "string")) {
    const message = data?.error || `Request failed: ${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, data);
  }
  return data;
}

export const get = (path, query) => api(path, { query });
export const post = (path, body) => api(path, { method: "POST", body });
export const put = (path, body) => api(path, { method: "PUT", body });
export const del = (path, query) => api(path, { method: "DELETE", query });
