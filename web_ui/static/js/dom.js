// Small DOM helpers: build elements without innerHTML (so data is never parsed as HTML),
// show notices (as toasts), and run async work with its errors shown instead of lost.

import { ApiError, RedirectingToLogin } from "./api.js";

/**
 * el("a", {href: "/x", class: "link", dataset: {id: 3}, onclick: fn}, "text", child, ...)
 * Strings become text nodes; null, undefined and false children are skipped.
 */
export function el(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child))));
  return element;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element;
}

// Notices are toasts: they float in a corner of the viewport (so they are seen wherever
// the page is scrolled, on a phone too) and dismiss themselves. A toast the pointer or the
// keyboard is on stays until it is left, so its link can still be followed.
const TOAST_MILLISECONDS = { info: 6000, error: 10000 };

function dismissLater(item, milliseconds) {
  let timer = null;
  const start = () => { clearTimeout(timer); timer = setTimeout(() => item.remove(), milliseconds); };
  const hold = () => clearTimeout(timer);
  item.addEventListener("pointerenter", hold);
  item.addEventListener("pointerleave", start);
  item.addEventListener("focusin", hold);
  item.addEventListener("focusout", start);
  start();
}

function notice(kind, message, { link } = {}) {
  const dismiss = el("button", { type: "button", class: "notice-close", "aria-label": "Dismiss" }, "×");
  const item = el("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    el("span", { class: "notice-text" }, message),
    link ? el("a", { href: link.href, class: "notice-link" }, link.text) : null,
    dismiss);
  dismiss.addEventListener("click", () => item.remove());
  byId("notices").append(item);
  dismissLater(item, TOAST_MILLISECONDS[kind] ?? TOAST_MILLISECONDS.info);
  return item;
}

export function showError(error) {
  if (error instanceof RedirectingToLogin) return null;
  // An ApiError is the server's answer; anything else is a bug in this UI: log it loudly.
  if (!(error instanceof ApiError)) console.error(error);
  return notice("error", error?.message || String(error));
}

export function showMessage(message, options) {
  return notice("info", message, options);
}

/** Run async work now; show its error, if any, as a notice. */
export async function run(work) {
  try {
    return await work();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

/** An event handler that runs async work, disables the control meanwhile, shows errors. */
export function action(work) {
  return async (event) => {
    event.preventDefault();
    const control = event.submitter || event.currentTarget;
    const disable = control instanceof HTMLButtonElement || control instanceof HTMLFormElement;
    if (disable) control.setAttribute("aria-busy", "true");
    if (control instanceof HTMLButtonElement) control.disabled = true;
    try {
      await work(event);
    } catch (error) {
      showError(error);
    } finally {
      if (disable) control.removeAttribute("aria-busy");
      if (control instanceof HTMLButtonElement) control.disabled = false;
    }
  };
}

/** A panel's content while it loads, when it failed, or when there is nothing to show. */
export function placeholder(text, kind = "empty") {
  return el("p", { class: `placeholder placeholder-${kind}` }, text);
}

/** Call `callback` once input has paused for `milliseconds`; `.cancel()` drops a pending call. */
export function debounce(callback, milliseconds) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => callback(...args), milliseconds);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** The integer id the server put in a data attribute of <body> (the id in the page's URL). */
export function pageId(name) {
  return Number.parseInt(document.body.dataset[name], 10);
}
