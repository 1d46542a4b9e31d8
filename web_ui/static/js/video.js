// /video/<id>: one video's details, a player on its stream, and what a person can do with
// it: edit title/status/year, refresh its metadata from IMVDb, queue a download, add it to
// a playlist.
//
// While the video has a download queued or running, its progress shows under the actions,
// and the page goes live when it finishes (the player appears, no reload). Progress comes
// over /ws/jobs when that socket answers, else from polling the queue (as /downloads does).

import { get, post, put } from "./api.js";
import { action, byId, el, pageId, placeholder, run, showError, showMessage } from "./dom.js";
import { artistLink, hasThumbnail, progressBar, statusBadge } from "./components.js";
import { formatDate, formatDuration, formatGenres } from "./format.js";
import { authState, canWrite } from "./layout.js";
import { followJobEvents } from "./live-jobs.js";

const videoId = pageId("videoId");
const videoUrl = `/api/videos/${videoId}`;
let current = null;

const POLL_MILLISECONDS = 1500;
const LIVE_POLL_MILLISECONDS = 10000;
const ACTIVE = new Set(["queued", "downloading"]);
let watched = null; // this video's queued or running download, while there is one
let live = false; // the /ws/jobs socket is open
let watchTimer = null;
let pollFailing = false;

// MediaError codes, as a person would want to read them.
const MEDIA_ERRORS = {
  1: "playback was aborted",
  2: "a network error interrupted the stream",
  3: "the video could not be decoded",
  4: "the format is not supported or the file is missing",
};

function detail(term, ...value) {
  return [el("dt", {}, term), el("dd", {}, ...value)];
}

function renderDetails(video) {
  byId("video-details").replaceChildren(
    ...detail("Status", statusBadge(video.status)),
    ...detail("Year", video.year ?? "–"),
    ...detail("Length", formatDuration(video.duration)),
    ...detail("Quality", video.quality || "–"),
    ...detail("Genres", formatGenres(video.genres)),
    ...detail("IMVDb id", video.imvdb_id ?? "–"),
    ...detail("Source", video.youtube_url
      ? el("a", { href: video.youtube_url, rel: "noopener noreferrer", target: "_blank" }, video.youtube_id || video.youtube_url)
      : "–"),
    ...detail("File", video.local_path || "Not downloaded"),
    ...detail("Added", formatDate(video.created_at)),
    ...detail("Updated", formatDate(video.updated_at)),
  );
}

function describeMediaError(player) {
  const code = player.error?.code;
  return `This video cannot be played: ${MEDIA_ERRORS[code] || "unknown error"}.`;
}

// The player is rebuilt only when the file changes, so saving an edit never stops playback.
function renderPlayer(video) {
  const area = byId("player-area");
  if (area.dataset.localPath === (video.local_path || "")) return;
  area.dataset.localPath = video.local_path || "";
  if (!video.local_path) {
    area.replaceChildren(el("div", { id: "no-file", class: "player-missing" },
      el("p", {}, "This video has not been downloaded yet."),
      el("p", { class: "muted" }, "Queue a download to watch it here.")));
    return;
  }
  const player = el("video", {
    id: "video-player",
    controls: true,
    preload: "metadata",
    playsInline: true,
    src: `${videoUrl}/stream`,
    poster: hasThumbnail(video) ? `${videoUrl}/thumbnail/large` : null,
    "aria-label": `Play ${video.title}`,
  });
  player.addEventListener("error", () => showError(new Error(describeMediaError(player))));
  area.replaceChildren(player);
}

function render(video) {
  current = video;
  document.title = `${video.title} · MVidarr`;
  byId("video-title").textContent = video.title;
  byId("video-artist").replaceChildren("by ", artistLink(video));
  byId("video-description").textContent = video.description || "";
  renderDetails(video);
  renderPlayer(video);
  byId("edit-title").value = video.title;
  byId("edit-status").value = video.status;
  byId("edit-year").value = video.year ?? "";
  byId("queue-download").textContent = video.local_path ? "Download again" : "Queue download";
  byId("video-page").dataset.status = video.status;
  byId("video-page").removeAttribute("aria-busy");
}

function showNotFound(error) {
  byId("video-title").textContent = error.status === 404 ? "Video not found" : "Could not load this video";
  byId("video-page").removeAttribute("aria-busy");
  byId("player-area").replaceChildren(placeholder(error.message, "error"));
  for (const control of document.querySelectorAll(".side-panel button, .side-panel input, .side-panel select")) {
    control.disabled = true;
  }
  showError(error);
}

async function loadVideo() {
  try {
    render(await get(videoUrl));
  } catch (error) {
    showNotFound(error);
  }
}

async function loadPlaylists() {
  const select = byId("playlist-select");
  const answer = await get("/api/playlists/", { per_page: 200 });
  const options = answer.playlists.map((playlist) => el("option", { value: String(playlist.id) }, playlist.name));
  select.replaceChildren(
    el("option", { value: "" }, answer.playlists.length ? "Choose a playlist" : "No playlists yet"),
    ...options);
}

// Only the fields that changed are sent, so an edit never overwrites what it did not touch.
function changedFields() {
  const changes = {};
  const title = byId("edit-title").value.trim();
  const status = byId("edit-status").value;
  const yearText = byId("edit-year").value.trim();
  const year = yearText === "" ? null : Number(yearText);
  if (title !== current.title) changes.title = title;
  if (status !== current.status) changes.status = status;
  if (year !== (current.year ?? null)) changes.year = year;
  return changes;
}

async function saveEdits() {
  const changes = changedFields();
  if (!Object.keys(changes).length) {
    showMessage("Nothing to save.");
    return;
  }
  render(await put(videoUrl, changes));
  showMessage("Saved.");
}

function showDownload(download) {
  const box = byId("download-progress");
  box.hidden = !download;
  if (!download) {
    delete box.dataset.status;
    box.replaceChildren();
    return;
  }
  box.dataset.status = download.status;
  box.replaceChildren(statusBadge(download.status), progressBar(download.progress, "Download progress"));
}

function watchSoon() {
  clearTimeout(watchTimer);
  if (watched) watchTimer = setTimeout(checkDownload, live ? LIVE_POLL_MILLISECONDS : POLL_MILLISECONDS);
}

// The download left the queue: show the video as it is now, and say how it ended.
async function downloadEnded() {
  watched = null;
  showDownload(null);
  const video = await get(videoUrl);
  render(video);
  if (video.local_path) showMessage("Download finished: the video is ready to play.");
  else showMessage("The download did not finish.", { link: { href: "/downloads", text: "See downloads" } });
}

async function checkDownload() {
  try {
    const answer = await get("/api/downloads/queue");
    pollFailing = false;
    const active = answer.downloads.find((download) => download.video_id === videoId);
    if (active) {
      watched = active;
      showDownload(active);
    } else if (watched) {
      await downloadEnded();
    }
  } catch (error) {
    if (!pollFailing) showError(error); // one notice per outage, not one a poll
    pollFailing = true;
  }
  watchSoon();
}

function onJobEvent(event) {
  if (event.video_id !== videoId) return;
  if (ACTIVE.has(event.status)) {
    watched = { ...watched, ...event };
    showDownload(watched);
  } else {
    checkDownload();
  }
}

function onLiveChange(isLive) {
  live = isLive;
  byId("download-progress").dataset.live = isLive ? "websocket" : "polling";
  checkDownload();
}

async function queueDownload() {
  const answer = await post(`${videoUrl}/download`, {});
  showMessage(answer.message, { link: { href: "/downloads", text: "Go to downloads" } });
  render(await get(videoUrl));
  watched = answer.download;
  showDownload(watched);
  watchSoon();
}

async function refreshMetadata() {
  const answer = await post(`${videoUrl}/refresh-metadata`, {});
  render(answer.video);
  showMessage(answer.message);
}

async function addToPlaylist() {
  const select = byId("playlist-select");
  if (!select.value) {
    showError(new Error("Choose a playlist first."));
    return;
  }
  const playlist = await post(`/api/playlists/${select.value}/videos`, { video_id: videoId });
  showMessage(`Added to “${playlist.name}”.`, { link: { href: `/playlist/${playlist.id}`, text: "Open playlist" } });
}

async function disableWritesForReadonly() {
  if (canWrite(await authState())) return;
  for (const control of document.querySelectorAll(".side-panel button, .side-panel input, .side-panel select")) {
    control.disabled = true;
    control.title = "Your account can only read.";
  }
}

byId("video-edit").addEventListener("submit", action(saveEdits));
byId("queue-download").addEventListener("click", action(queueDownload));
byId("refresh-metadata").addEventListener("click", action(refreshMetadata));
byId("add-to-playlist-form").addEventListener("submit", action(addToPlaylist));

await loadVideo();
byId("download-progress").dataset.live = "polling";
checkDownload();
followJobEvents({ onEvent: onJobEvent, onLiveChange });
run(loadPlaylists);
run(disableWritesForReadonly);
