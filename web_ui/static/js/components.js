// Pieces several pages show the same way: status badges, thumbnails, video cards,
// progress bars, pagers and <select> menus.

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

/**
 * Previous/next paging. `page` is 1-based; onGo(page) is called with the page to show.
 * `name` becomes data-pager so tests and styles can find this pager.
 */
export function pager({ page, pages, onGo, name }) {
  const nav = el("nav", { class: "pager", "aria-label": "Pages", dataset: { pager: name, page, pages } });
  if (pages <= 1) return nav;
  nav.append(
    el("button", { type: "button", class: "button-quiet", dataset: { go: "previous" }, disabled: page <= 1,
      onclick: () => onGo(page - 1) }, "‹ Previous"),
    el("span", { class: "pager-position" }, `Page ${page} of ${pages}`),
    el("button", { type: "button", class: "button-quiet", dataset: { go: "next" }, disabled: page >= pages,
      onclick: () => onGo(page + 1) }, "Next ›"));
  return nav;
}

/** "Showing 1–24 of 5,000" for offset paging. */
export function rangeSummary({ offset, count, total }, noun) {
  if (!total) return `No ${noun}`;
  return `Showing ${(offset + 1).toLocaleString()}–${(offset + count).toLocaleString()} of ${total.toLocaleString()} ${noun}`;
}
