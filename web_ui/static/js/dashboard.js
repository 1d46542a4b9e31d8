// /: library counts, the most recently added videos, active downloads and system status.

import { get } from "./api.js";
import { byId, el, placeholder, run, showError } from "./dom.js";
import { progressBar, statusBadge, videoCard } from "./components.js";
import { formatBytes, formatCount } from "./format.js";

const ACTIVE_DOWNLOADS_POLL_MILLISECONDS = 2000;
let pollFailing = false;

function showCount(name, value) {
  document.querySelector(`[data-count="${name}"]`).textContent = formatCount(value);
}

async function loadCounts() {
  const [videos, downloaded, wanted, artists, playlists] = await Promise.all([
    get("/api/videos/", { limit: 1 }),
    get("/api/videos/", { status: "DOWNLOADED", limit: 1 }),
    get("/api/videos/", { status: "WANTED", limit: 1 }),
    get("/api/artists/", { per_page: 1 }),
    get("/api/playlists/", { per_page: 1 }),
  ]);
  showCount("videos", videos.total);
  showCount("downloaded", downloaded.total);
  showCount("wanted", wanted.total);
  showCount("artists", artists.total);
  showCount("playlists", playlists.total);
}

async function loadRecentVideos() {
  const answer = await get("/api/videos/", { sort: "created_at", order: "desc", limit: 8 });
  byId("recent-videos").replaceChildren(answer.videos.length
    ? el("div", { class: "video-grid video-grid-compact" }, answer.videos.map((video) => videoCard(video)))
    : placeholder("The library is empty."));
}

function downloadItem(download) {
  return el("li", { dataset: { downloadId: download.id, videoId: download.video_id, status: download.status } },
    el("div", { class: "download-line" },
      el("a", { href: `/video/${download.video_id}` }, download.video_title || `Video ${download.video_id}`),
      statusBadge(download.status)),
    progressBar(download.progress, `Progress of ${download.video_title || "download"}`));
}

async function loadActiveDownloads() {
  const answer = await get("/api/downloads/queue");
  showCount("active-downloads", answer.count);
  const list = byId("active-downloads");
  list.replaceChildren(...(answer.downloads.length
    ? answer.downloads.slice(0, 10).map(downloadItem)
    : [el("li", {}, placeholder("Nothing is downloading."))]));
}

async function pollActiveDownloads() {
  try {
    await loadActiveDownloads();
    pollFailing = false;
  } catch (error) {
    if (!pollFailing) showError(error);
    pollFailing = true;
  }
  setTimeout(pollActiveDownloads, ACTIVE_DOWNLOADS_POLL_MILLISECONDS);
}

function availability(tool) {
  if (!tool?.available) return "not found";
  return tool.version || "available";
}

async function loadSystemStatus() {
  const system = await get("/api/health/system");
  const rows = [
    ["ffmpeg", availability(system.ffmpeg)],
    ["yt-dlp", availability(system.yt_dlp)],
    ["Database", system.database?.ok ? "ok" : "unavailable"],
    ["Job queue", system.redis?.configured ? (system.redis.ok ? "Redis ok" : "Redis unavailable") : "in-process"],
    ["Free disk", system.disk ? `${formatBytes(system.disk.free_bytes)} (${system.disk.used_percent}% used)` : "–"],
  ];
  byId("system-status").replaceChildren(...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

run(loadCounts);
run(loadRecentVideos);
run(loadSystemStatus);
pollActiveDownloads();
