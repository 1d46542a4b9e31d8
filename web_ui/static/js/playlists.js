// /playlists: every playlist (paged) and a form to create one.

import { get, post } from "./api.js";
import { action, byId, el, placeholder, run, showError } from "./dom.js";
import { pager } from "./components.js";
import { formatCount, formatDate } from "./format.js";
import { positiveInteger, readState, writeState } from "./url-state.js";

const DEFAULTS = { page: "1" };
const PER_PAGE = 50;
const state = readState(DEFAULTS);

function playlistRow(playlist) {
  return el("tr", { dataset: { playlistId: playlist.id } },
    el("td", {}, el("a", { href: `/playlist/${playlist.id}` }, playlist.name)),
    el("td", {}, playlist.description || ""),
    el("td", { class: "numeric" }, formatCount(playlist.entry_count)),
    el("td", {}, playlist.is_public ? "Public" : "Private"),
    el("td", {}, formatDate(playlist.updated_at)));
}

async function load() {
  writeState(state, DEFAULTS);
  const results = byId("playlist-results");
  try {
    const answer = await get("/api/playlists/", { page: positiveInteger(state.page, 1), per_page: PER_PAGE });
    byId("playlist-summary").textContent = `${formatCount(answer.total)} playlist${answer.total === 1 ? "" : "s"}`;
    results.replaceChildren(answer.playlists.length
      ? el("table", { class: "table", id: "playlist-list" },
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Name"),
          el("th", { scope: "col" }, "Description"),
          el("th", { scope: "col", class: "numeric" }, "Videos"),
          el("th", { scope: "col" }, "Visibility"),
          el("th", { scope: "col" }, "Updated"))),
        el("tbody", {}, answer.playlists.map(playlistRow)))
      : placeholder("No playlists yet. Create one above."));
    byId("playlist-pager").replaceChildren(pager({
      page: answer.page, pages: answer.pages, name: "playlists",
      onGo: (page) => { state.page = String(page); run(load); },
    }));
  } catch (error) {
    results.replaceChildren(placeholder(error.message, "error"));
    showError(error);
  } finally {
    results.removeAttribute("aria-busy");
  }
}

async function create() {
  const playlist = await post("/api/playlists/", {
    name: byId("playlist-name").value.trim(),
    description: byId("playlist-description").value.trim(),
    is_public: byId("playlist-public").checked,
  });
  window.location.assign(`/playlist/${playlist.id}`);
}

byId("playlist-create").addEventListener("submit", action(create));
run(load);
