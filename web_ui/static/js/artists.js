// /artists: the artists in the library (search, monitored filter, sort, paging), plus
// discovering artists on IMVDb and importing them with their videos. The artists show as a
// table (headers sort) or as a poster grid of their images; the choice is remembered.

import { get, post } from "./api.js";
import { action, byId, debounce, el, placeholder, run, showError, showMessage } from "./dom.js";
import { missingThumbnail, pager, sortableHeader, thumbnailImage } from "./components.js";
import { formatCount, formatGenres } from "./format.js";
import { positiveInteger, readState, writeState } from "./url-state.js";

const DEFAULTS = { search: "", monitored: "", sort: "name", order: "asc", page: "1" };
const PER_PAGE = 50;
const state = readState(DEFAULTS);
const VIEW_KEY = "mvidarr.artists.view";
let view = localStorage.getItem(VIEW_KEY) === "posters" ? "posters" : "table";
let latestRequest = 0;

function showStateInForm() {
  byId("artist-search").value = state.search;
  byId("artist-monitored").value = state.monitored;
  byId("artist-sort").value = state.sort;
  byId("artist-order").value = state.order;
}

function readFormIntoState() {
  state.search = byId("artist-search").value.trim();
  state.monitored = byId("artist-monitored").value;
  state.sort = byId("artist-sort").value;
  state.order = byId("artist-order").value;
  state.page = "1";
}

function artistRow(artist) {
  return el("tr", { dataset: { artistId: artist.id } },
    el("td", {}, el("a", { href: `/artist/${artist.id}` }, artist.name)),
    el("td", { class: "numeric" }, formatCount(artist.video_count)),
    el("td", {}, artist.monitored ? "Yes" : "No"),
    el("td", {}, formatGenres(artist.genres)));
}

const sorting = {
  get sort() { return state.sort; },
  get order() { return state.order; },
  onSort(sort, order) {
    Object.assign(state, { sort, order, page: "1" });
    showStateInForm();
    load();
  },
};

function artistTable(artists) {
  return el("table", { class: "table", id: "artist-list" },
    el("thead", {}, el("tr", {},
      sortableHeader("Name", "name", sorting),
      sortableHeader("Videos", "video_count", sorting, { class: "numeric" }),
      el("th", { scope: "col" }, "Monitored"),
      el("th", { scope: "col" }, "Genres"))),
    el("tbody", {}, artists.map(artistRow)));
}

// Only ask for an image the artist has: a 404 image is a failed request.
function artistPoster(artist) {
  return el("a", { href: `/artist/${artist.id}`, class: "artist-poster", dataset: { artistId: artist.id } },
    artist.thumbnail_url ? thumbnailImage(`/api/artists/${artist.id}/thumbnail`, "medium", "") : missingThumbnail("medium"),
    el("span", { class: "artist-poster-name" }, artist.name),
    el("span", { class: "artist-poster-meta muted" },
      `${formatCount(artist.video_count)} videos${artist.monitored ? " · monitored" : ""}`));
}

function showView() {
  for (const button of document.querySelectorAll("#artist-view [data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
}

function render(answer) {
  byId("artist-summary").textContent = answer.total
    ? `${formatCount(answer.total)} artist${answer.total === 1 ? "" : "s"}`
    : "No artists";
  const results = byId("artist-results");
  results.dataset.total = answer.total;
  results.dataset.view = view;
  if (!answer.artists.length) {
    results.replaceChildren(placeholder(state.search || state.monitored ? "No artists match these filters." : "No artists yet."));
  } else {
    results.replaceChildren(view === "posters"
      ? el("div", { class: "artist-posters", id: "artist-posters" }, answer.artists.map(artistPoster))
      : artistTable(answer.artists));
  }
  byId("artist-pager").replaceChildren(pager({
    page: answer.page, pages: answer.pages, name: "artists",
    onGo: (page) => { state.page = String(page); load(); },
  }));
}

async function load() {
  writeState(state, DEFAULTS);
  const request = ++latestRequest;
  const results = byId("artist-results");
  results.setAttribute("aria-busy", "true");
  try {
    const answer = await get("/api/artists/", {
      search: state.search, monitored: state.monitored, sort: state.sort, order: state.order,
      page: positiveInteger(state.page, 1), per_page: PER_PAGE,
    });
    if (request === latestRequest) render(answer);
  } catch (error) {
    if (request !== latestRequest) return;
    results.replaceChildren(placeholder(error.message, "error"));
    showError(error);
  } finally {
    if (request === latestRequest) results.removeAttribute("aria-busy");
  }
}

function discoverResult(result) {
  const item = el("li", { class: "discover-result", dataset: { imvdbId: result.imvdb_id } },
    el("div", {},
      el("strong", {}, result.name),
      el("span", { class: "muted" }, ` · ${formatCount(result.video_count)} videos on IMVDb`)));
  const button = el("button", { type: "button", class: "import-artist", disabled: result.in_library },
    result.in_library ? "In library" : "Import");
  // Once imported, the button stays disabled: the artist is in the library now.
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await post("/api/artists/import-from-imvdb", {
        imvdb_id: result.imvdb_id,
        monitored: byId("discover-monitored").checked,
        import_videos: true,
      });
      button.textContent = "In library";
      item.dataset.importedArtistId = answer.artist.id;
      showMessage(`Imported ${answer.artist.name} with ${answer.videos_imported} videos.`,
        { link: { href: `/artist/${answer.artist.id}`, text: "Open artist" } });
      await load();
    } catch (error) {
      button.disabled = false;
      showError(error);
    }
  });
  item.append(button);
  return item;
}

async function discover() {
  const query = byId("discover-query").value.trim();
  const area = byId("discover-results");
  if (!query) return;
  area.replaceChildren(placeholder("Searching IMVDb…", "loading"));
  try {
    const answer = await get("/api/artists/discover", { q: query });
    area.replaceChildren(answer.results.length
      ? el("ul", { class: "discover-list", id: "discover-list" }, answer.results.map(discoverResult))
      : placeholder(`No artists on IMVDb match “${answer.query}”.`));
  } catch (error) {
    area.replaceChildren(placeholder(error.message, "error"));
    throw error;
  }
}

async function addArtist() {
  const artist = await post("/api/artists/", {
    name: byId("new-artist-name").value.trim(),
    monitored: byId("new-artist-monitored").checked,
  });
  window.location.assign(`/artist/${artist.id}`);
}

const searchAsYouType = debounce(() => { readFormIntoState(); load(); }, 350);
byId("artist-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  searchAsYouType.cancel();
  readFormIntoState();
  load();
});
byId("artist-search").addEventListener("input", searchAsYouType);
for (const id of ["artist-monitored", "artist-sort", "artist-order"]) {
  byId(id).addEventListener("change", () => { readFormIntoState(); load(); });
}
byId("discover-form").addEventListener("submit", action(discover));
byId("add-artist-form").addEventListener("submit", action(addArtist));

for (const button of document.querySelectorAll("#artist-view [data-view]")) {
  button.addEventListener("click", () => {
    view = button.dataset.view;
    localStorage.setItem(VIEW_KEY, view);
    showView();
    run(load);
  });
}

showStateInForm();
showView();
run(load);
