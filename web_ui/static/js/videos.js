// /videos: the library as a grid or a table, with search, status filter, sort, paging and
// a bulk status change for the selected videos.

import { get, post } from "./api.js";
import { action, byId, debounce, el, placeholder, run, showError, showMessage } from "./dom.js";
import { artistLink, pager, rangeSummary, selectCheckbox, sortableHeader, statusBadge, videoCard, videoLink, videoThumbnail } from "./components.js";
import { formatDuration } from "./format.js";
import { positiveInteger, readState, writeState } from "./url-state.js";

const DEFAULTS = { q: "", status: "", sort: "title", order: "asc", limit: "24", page: "1", view: "grid" };
const state = readState(DEFAULTS);
let latestRequest = 0;

const form = byId("video-filters");
const results = byId("video-results");

function showStateInForm() {
  byId("video-search").value = state.q;
  byId("status-filter").value = state.status;
  byId("sort-select").value = state.sort;
  byId("order-select").value = state.order;
  byId("page-size").value = state.limit;
  for (const button of form.querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
}

function readFormIntoState() {
  state.q = byId("video-search").value.trim();
  state.status = byId("status-filter").value;
  state.sort = byId("sort-select").value;
  state.order = byId("order-select").value;
  state.limit = byId("page-size").value;
}

// Searching uses /api/videos/search; plain browsing uses the list endpoint.
function fetchVideos() {
  const limit = positiveInteger(state.limit, 24);
  const offset = (positiveInteger(state.page, 1) - 1) * limit;
  if (state.q) {
    return get("/api/videos/search", {
      q: state.q, status: state.status, sort_by: state.sort, sort_order: state.order, limit, offset,
    });
  }
  return get("/api/videos/", { status: state.status, sort: state.sort, order: state.order, limit, offset });
}

function videoRow(video) {
  return el("tr", { dataset: { videoId: video.id, status: video.status } },
    el("td", {}, selectCheckbox(video)),
    el("td", {}, videoThumbnail(video, "small")),
    el("td", {}, videoLink(video)),
    el("td", {}, artistLink(video)),
    el("td", { class: "numeric" }, video.year ?? "–"),
    el("td", { class: "numeric" }, formatDuration(video.duration)),
    el("td", {}, statusBadge(video.status)));
}

function videoTable(videos) {
  return el("table", { class: "table video-table" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Select")),
      el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Thumbnail")),
      sortableHeader("Title", "title", sorting),
      sortableHeader("Artist", "artist_name", sorting),
      sortableHeader("Year", "year", sorting, { class: "numeric" }),
      el("th", { scope: "col", class: "numeric" }, "Length"),
      sortableHeader("Status", "status", sorting))),
    el("tbody", {}, videos.map(videoRow)));
}

// The table's headers sort like the sort menus do (and show in them).
const sorting = {
  get sort() { return state.sort; },
  get order() { return state.order; },
  onSort(sort, order) {
    Object.assign(state, { sort, order, page: "1" });
    showStateInForm();
    load();
  },
};

function render(answer) {
  const limit = positiveInteger(state.limit, 24);
  const pages = Math.ceil(answer.total / limit);
  byId("video-summary").textContent = rangeSummary(answer, state.q ? `videos matching “${state.q}”` : "videos");
  results.dataset.view = state.view;
  results.dataset.total = answer.total;
  if (!answer.videos.length) {
    results.replaceChildren(placeholder(state.q || state.status ? "No videos match these filters." : "The library is empty."));
  } else if (state.view === "table") {
    results.replaceChildren(videoTable(answer.videos));
  } else {
    results.replaceChildren(el("div", { class: "video-grid" },
      answer.videos.map((video) => videoCard(video, { selectable: true }))));
  }
  byId("video-pager").replaceChildren(pager({
    page: positiveInteger(state.page, 1), pages, name: "videos",
    onGo: (page) => { state.page = String(page); load(); },
  }));
  byId("select-all").checked = false;
  updateSelection();
}

async function load() {
  writeState(state, DEFAULTS);
  const request = ++latestRequest;
  results.setAttribute("aria-busy", "true");
  try {
    const answer = await fetchVideos();
    if (request === latestRequest) render(answer);
  } catch (error) {
    if (request !== latestRequest) return;
    byId("video-summary").textContent = "Could not load videos.";
    results.replaceChildren(placeholder(error.message, "error"));
    showError(error);
  } finally {
    if (request === latestRequest) results.removeAttribute("aria-busy");
  }
}

function selectedIds() {
  return [...results.querySelectorAll("input.video-select:checked")].map((box) => Number(box.value));
}

function updateSelection() {
  const count = selectedIds().length;
  byId("selected-count").textContent = `${count} selected`;
  byId("bulk-apply").disabled = count === 0;
}

async function applyBulkStatus() {
  const ids = selectedIds();
  if (!ids.length) return;
  const status = byId("bulk-status").value;
  const answer = await post("/api/videos/bulk/status", { video_ids: ids, status });
  showMessage(`Updated ${answer.updated} video${answer.updated === 1 ? "" : "s"} to ${status}.`);
  await load();
}

function restartFromFirstPage() {
  readFormIntoState();
  state.page = "1";
  load();
}

const searchAsYouType = debounce(restartFromFirstPage, 350);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  searchAsYouType.cancel();
  restartFromFirstPage();
});
byId("video-search").addEventListener("input", searchAsYouType);
for (const id of ["status-filter", "sort-select", "order-select", "page-size"]) {
  byId(id).addEventListener("change", restartFromFirstPage);
}
for (const button of form.querySelectorAll("[data-view]")) {
  button.addEventListener("click", () => {
    state.view = button.dataset.view;
    showStateInForm();
    load();
  });
}
results.addEventListener("change", (event) => {
  if (event.target.matches("input.video-select")) updateSelection();
});
byId("select-all").addEventListener("change", (event) => {
  for (const box of results.querySelectorAll("input.video-select")) box.checked = event.target.checked;
  updateSelection();
});
byId("bulk-form").addEventListener("submit", action(applyBulkStatus));

showStateInForm();
run(load);
