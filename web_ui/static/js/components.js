// Pieces several pages show the same way: status badges, thumbnails, video cards,
// progress bars, numbered pagers and <select> menus.

import { el } from "./dom.js";
import { formatDuration, formatPercent, titleCase } from "./format.js";

export function statusBadge(status) {
  const text = String(status ?? "unknown");
  return el("span", { class: `badge badge-${text.toLowerCase()}`, dataset: { status: text } }, titleCase(text));
}

export function hasThumbnail(video) {
  return Boolean(video.has_local_thumbnail || video.thumbnail_url);
}

export function missingThumbnail(size) {
  return el("div", { class: `thumbnail thumbnail-${size} thumbnail-missing`, "aria-hidden": "true" }, "♪");
}

/** A lazily loaded thumbnail; if the server cannot make it after all, a placeholder
 * replaces it instead of a broken-image icon. */
export function thumbnailImage(src, size, alt = "") {
  const image = el("img", { class: `thumbnail thumbnail-${size}`, src, alt, loading: "lazy", decoding: "async" });
  image.addEventListener("error", () => image.replaceWith(missingThumbnail(size)), { once: true });
  return image;
}

// Only ask for a thumbnail the server says exists: a 404 image is a failed request.
export function videoThumbnail(video, size = "small") {
  return hasThumbnail(video) ? thumbnailImage(`/api/videos/${video.id}/thumbnail/${size}`, size) : missingThumbnail(size);
}

export function videoLink(video) {
  return el("a", { href: `/video/${video.id}`, class: "video-link" }, video.title || `Video ${video.id}`);
}

export function artistLink(video) {
  if (!video.artist_id) return el("span", { class: "muted" }, video.artist_name || "Unknown artist");
  return el("a", { href: `/artist/${video.artist_id}`, class: "artist-link" }, video.artist_name || "Unknown artist");
}

/** A video as a card in a grid; `selectable` adds a checkbox named after the video. */
export function videoCard(video, { selectable = false, showArtist = true } = {}) {
  return el("article", { class: "video-card", dataset: { videoId: video.id, status: video.status } },
    el("a", { href: `/video/${video.id}`, class: "video-card-thumb", tabindex: "-1", "aria-hidden": "true" },
      videoThumbnail(video, "small")),
    el("div", { class: "video-card-body" },
      el("h3", { class: "video-card-title" }, videoLink(video)),
      showArtist ? el("p", { class: "video-card-artist" }, artistLink(video)) : null,
      el("p", { class: "video-card-meta" },
        statusBadge(video.status),
        el("span", {}, video.year ?? ""),
        el("span", {}, video.duration ? formatDuration(video.duration) : "")),
      selectable ? selectCheckbox(video) : null));
}

export function selectCheckbox(video) {
  return el("span", { class: "select-video" },
    el("input", { type: "checkbox", class: "video-select", value: String(video.id), "aria-label": `Select ${video.title}` }));
}

/** A labelled progress bar; `value` is 0-100. */
export function progressBar(value, label) {
  const percent = Math.max(0, Math.min(100, Number(value) || 0));
  return el("div", { class: "progress" },
    el("progress", { max: 100, value: percent, "aria-label": label }),
    el("span", { class: "progress-text" }, formatPercent(percent)));
}

/** <select> from [value, text] pairs (or plain values), with `selected` chosen. */
export function selectMenu(options, selected, properties = {}) {
  const select = el("select", properties);
  for (const option of options) {
    const [value, text] = Array.isArray(option) ? option : [option, option];
    select.append(el("option", { value: String(value), selected: String(value) === String(selected) }, text));
  }
  return select;
}

const PAGES_AROUND = 2; // numbered pages shown either side of the current one

/** The page numbers a pager shows: the first, the last, a few around `page`, and null
 * where a run of pages is left out ("…"). */
export function pageNumbers(page, pages) {
  const shown = new Set([1, pages]);
  for (let number = page - PAGES_AROUND; number <= page + PAGES_AROUND; number += 1) {
    if (number >= 1 && number <= pages) shown.add(number);
  }
  const numbers = [];
  let previous = 0;
  for (const number of [...shown].sort((a, b) => a - b)) {
    if (number - previous > 1) numbers.push(null);
    numbers.push(number);
    previous = number;
  }
  return numbers;
}

function pagerButton(text, target, { page, pages, onGo }, properties = {}) {
  return el("button", { type: "button", class: "button-quiet pager-button", disabled: target < 1 || target > pages
    || target === page, onclick: () => onGo(target), ...properties }, text);
}

/** A number input and a button that go to the page typed (clamped to the pages there are). */
function jumpForm({ page, pages, onGo }) {
  const input = el("input", { type: "number", class: "pager-jump-input", min: 1, max: pages, step: 1,
    value: String(page), "aria-label": "Page number", inputmode: "numeric" });
  // novalidate: a page past the last is clamped to it, not refused by the browser.
  const form = el("form", { class: "pager-jump", novalidate: true }, input,
    el("button", { type: "submit", class: "button-quiet" }, "Go"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = Number.parseInt(input.value, 10);
    if (Number.isFinite(wanted)) onGo(Math.max(1, Math.min(pages, wanted)));
  });
  return form;
}

/**
 * Numbered paging with first/previous/next/last and a jump-to-page box. `page` is 1-based;
 * onGo(page) is called with the page to show. `name` becomes data-pager so tests and styles
 * can find this pager.
 */
export function pager({ page, pages, onGo, name }) {
  const nav = el("nav", { class: "pager", "aria-label": "Pages", dataset: { pager: name, page, pages } });
  if (pages <= 1) return nav;
  const state = { page, pages, onGo };
  const numbers = pageNumbers(page, pages).map((number) => (number === null
    ? el("span", { class: "pager-gap", "aria-hidden": "true" }, "…")
    : pagerButton(String(number), number, state, {
      dataset: { go: String(number) }, "aria-label": `Page ${number}`,
      "aria-current": number === page ? "page" : null })));
  nav.append(
    pagerButton("« First", 1, state, { dataset: { go: "first" } }),
    pagerButton("‹ Previous", page - 1, state, { dataset: { go: "previous" } }),
    el("span", { class: "pager-numbers" }, ...numbers),
    pagerButton("Next ›", page + 1, state, { dataset: { go: "next" } }),
    pagerButton("Last »", pages, state, { dataset: { go: "last" } }),
    el("span", { class: "pager-position" }, `Page ${page} of ${pages}`),
    jumpForm(state));
  return nav;
}

/**
 * A column header that sorts by `key` (one of the API's sort values): a click sorts
 * ascending, a click on the current sort column flips the order. onSort(key, order).
 */
export function sortableHeader(text, key, { sort, order, onSort }, properties = {}) {
  const current = sort === key;
  const next = current && order === "asc" ? "desc" : "asc";
  const arrow = current ? (order === "asc" ? " ▲" : " ▼") : "";
  return el("th", { scope: "col", "aria-sort": current ? (order === "asc" ? "ascending" : "descending") : "none",
    ...properties },
  el("button", { type: "button", class: "sort-button", dataset: { sort: key },
    onclick: () => onSort(key, next) }, text, arrow));
}

/** "Showing 1–24 of 5,000" for offset paging. */
export function rangeSummary({ offset, count, total }, noun) {
  if (!total) return `No ${noun}`;
  return `Showing ${(offset + 1).toLocaleString()}–${(offset + count).toLocaleString()} of ${total.toLocaleString()} ${noun}`;
}
