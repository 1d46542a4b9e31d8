// /artist/<id>: an artist's details and settings, and its videos (status filter, paging).

import { del, get, put } from "./api.js";
import { action, byId, el, pageId, placeholder, run, showError, showMessage } from "./dom.js";
import { missingThumbnail, pager, rangeSummary, thumbnailImage, videoCard } from "./components.js";
import { formatCount, formatDate, formatGenres } from "./format.js";
import { authState, canWrite } from "./layout.js";

const artistId = pageId("artistId");
const artistUrl = `/api/artists/${artistId}`;
const VIDEOS_PER_PAGE = 24;
let current = null;
let videoPage = 1;

function detail(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function render(artist) {
  current = artist;
  document.title = `${artist.name} · MVidarr`;
  byId("artist-name").textContent = artist.name;
  byId("artist-details").replaceChildren(
    ...detail("Videos", formatCount(artist.video_count)),
    ...detail("Genres", formatGenres(artist.genres)),
    ...detail("IMVDb id", artist.imvdb_id ?? "–"),
    ...detail("MusicBrainz id", artist.musicbrainz_id ?? "–"),
    ...detail("Monitored", artist.monitored ? "Yes" : "No"),
    ...detail("Added", formatDate(artist.created_at)));
  byId("artist-thumbnail").replaceChildren(artist.thumbnail_url
    ? thumbnailImage(`${artistUrl}/thumbnail`, "medium", artist.name)
    : missingThumbnail("medium"));
  byId("artist-edit-name").value = artist.name;
  byId("artist-edit-monitored").checked = Boolean(artist.monitored);
  byId("artist-edit-auto-download").checked = Boolean(artist.auto_download);
  byId("artist-page").removeAttribute("aria-busy");
}

async function loadVideos() {
  const area = byId("artist-videos");
  const answer = await get(`${artistUrl}/videos`, {
    status: byId("artist-video-status").value,
    limit: VIDEOS_PER_PAGE,
    offset: (videoPage - 1) * VIDEOS_PER_PAGE,
  });
  byId("artist-video-summary").textContent = rangeSummary(answer, "videos");
  area.replaceChildren(answer.videos.length
    ? el("div", { class: "video-grid" }, answer.videos.map((video) => videoCard(video, { showArtist: false })))
    : placeholder("No videos."));
  byId("artist-video-pager").replaceChildren(pager({
    page: videoPage, pages: Math.ceil(answer.total / VIDEOS_PER_PAGE), name: "artist-videos",
    onGo: (page) => { videoPage = page; run(loadVideos); },
  }));
}

async function load() {
  try {
    render(await get(artistUrl));
  } catch (error) {
    byId("artist-name").textContent = error.status === 404 ? "Artist not found" : "Could not load this artist";
    byId("artist-page").removeAttribute("aria-busy");
    for (const control of document.querySelectorAll("#artist-page button, #artist-page input, #artist-page select")) {
      control.disabled = true;
    }
    showError(error);
    return;
  }
  await run(loadVideos);
}

async function save() {
  render(await put(artistUrl, {
    name: byId("artist-edit-name").value.trim(),
    monitored: byId("artist-edit-monitored").checked,
    auto_download: byId("artist-edit-auto-download").checked,
  }));
  showMessage("Saved.");
}

async function deleteArtist() {
  if (!window.confirm(`Delete ${current?.name ?? "this artist"} and all its videos from the library?`)) return;
  await del(artistUrl);
  window.location.assign("/artists");
}

async function disableWritesForReadonly() {
  if (canWrite(await authState())) return;
  for (const control of byId("artist-edit").elements) control.disabled = true;
}

byId("artist-edit").addEventListener("submit", action(save));
byId("delete-artist").addEventListener("click", action(deleteArtist));
byId("artist-video-status").addEventListener("change", () => { videoPage = 1; run(loadVideos); });

await load();
run(disableWritesForReadonly);
