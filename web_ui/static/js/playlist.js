// /playlist/<id>: a playlist's entries (remove, move up/down) and a player that plays the
// downloaded entries one after another.

import { del, get, put } from "./api.js";
import { action, byId, el, pageId, placeholder, showError, showMessage } from "./dom.js";
import { artistLink, statusBadge, videoLink, videoThumbnail } from "./components.js";
import { formatCount, formatDuration } from "./format.js";
import { authState, canWrite } from "./layout.js";

const playlistId = pageId("playlistId");
const playlistUrl = `/api/playlists/${playlistId}`;
let current = null;
let playingEntryId = null;
let writable = true;

const isPlayable = (entry) => Boolean(entry.video?.local_path);

function moveButton(entry, direction, disabled) {
  const label = direction === "up" ? "Move up" : "Move down";
  return el("button", {
    type: "button", class: "button-quiet button-small", dataset: { move: direction },
    "aria-label": `${label}: ${entry.video.title}`, disabled: disabled || !writable,
    onclick: action(() => move(entry.id, direction === "up" ? -1 : 1)),
  }, direction === "up" ? "↑" : "↓");
}

function entryItem(entry, index, entries) {
  const video = entry.video;
  return el("li", {
    class: "entry", dataset: { entryId: entry.id, videoId: entry.video_id, position: entry.position },
    "aria-current": entry.id === playingEntryId ? "true" : null,
  },
    el("span", { class: "entry-position" }, String(entry.position)),
    videoThumbnail(video, "small"),
    el("div", { class: "entry-body" },
      videoLink(video),
      el("span", { class: "muted" }, " · ", artistLink(video)),
      el("div", { class: "entry-meta" }, statusBadge(video.status), formatDuration(video.duration))),
    el("div", { class: "entry-actions" },
      el("button", {
        type: "button", class: "button-small", dataset: { play: entry.id }, disabled: !isPlayable(entry),
        title: isPlayable(entry) ? null : "Not downloaded yet", "aria-label": `Play ${video.title}`,
        onclick: () => play(entry.id),
      }, "Play"),
      moveButton(entry, "up", index === 0),
      moveButton(entry, "down", index === entries.length - 1),
      el("button", {
        type: "button", class: "button-danger button-small", dataset: { remove: entry.id },
        "aria-label": `Remove ${video.title}`, disabled: !writable, onclick: action(() => remove(entry.id)),
      }, "Remove")));
}

function render(playlist) {
  current = playlist;
  document.title = `${playlist.name} · MVidarr`;
  byId("playlist-title").textContent = playlist.name;
  byId("playlist-info").textContent = [
    `${formatCount(playlist.entry_count)} video${playlist.entry_count === 1 ? "" : "s"}`,
    playlist.is_public ? "public" : "private",
    playlist.description,
  ].filter(Boolean).join(" · ");
  byId("playlist-edit-name").value = playlist.name;
  byId("playlist-edit-description").value = playlist.description || "";
  byId("playlist-edit-public").checked = Boolean(playlist.is_public);
  const list = byId("playlist-entries");
  list.dataset.count = playlist.entries.length;
  if (playlist.entries.length) {
    list.replaceChildren(...playlist.entries.map(entryItem));
  } else {
    list.replaceChildren(el("li", { class: "entry-empty" },
      placeholder("This playlist is empty. Add videos from a video’s page.")));
  }
  byId("play-playlist").disabled = !playlist.entries.some(isPlayable);
  byId("playlist-page").removeAttribute("aria-busy");
}

async function move(entryId, step) {
  const ids = current.entries.map((entry) => entry.id);
  const from = ids.indexOf(entryId);
  const to = from + step;
  if (from < 0 || to < 0 || to >= ids.length) return;
  [ids[from], ids[to]] = [ids[to], ids[from]];
  render(await put(`${playlistUrl}/reorder`, { entry_ids: ids }));
}

async function remove(entryId) {
  render(await del(`${playlistUrl}/entries/${entryId}`));
}

function play(entryId) {
  const entry = current.entries.find((candidate) => candidate.id === entryId);
  if (!entry || !isPlayable(entry)) return;
  playingEntryId = entry.id;
  const player = el("video", {
    id: "playlist-player", controls: true, autoplay: true, playsInline: true,
    src: `/api/videos/${entry.video_id}/stream`, dataset: { entryId: entry.id },
    "aria-label": `Playing ${entry.video.title}`,
  });
  player.addEventListener("ended", playNext);
  player.addEventListener("error", () => showError(new Error(`“${entry.video.title}” cannot be played.`)));
  byId("playlist-player-area").replaceChildren(player);
  byId("now-playing").textContent = `Now playing ${entry.position}: ${entry.video.title} – ${entry.video.artist_name ?? ""}`;
  for (const item of byId("playlist-entries").children) {
    item.toggleAttribute("aria-current", Number(item.dataset.entryId) === entry.id);
  }
}

function playNext() {
  const entries = current.entries;
  const start = entries.findIndex((entry) => entry.id === playingEntryId);
  const next = entries.slice(start + 1).find(isPlayable);
  if (next) play(next.id);
  else byId("now-playing").textContent = "End of playlist.";
}

async function save() {
  render(await put(playlistUrl, {
    name: byId("playlist-edit-name").value.trim(),
    description: byId("playlist-edit-description").value.trim(),
    is_public: byId("playlist-edit-public").checked,
  }));
  showMessage("Saved.");
}

async function deletePlaylist() {
  if (!window.confirm(`Delete the playlist “${current?.name ?? ""}”? The videos stay in the library.`)) return;
  await del(playlistUrl);
  window.location.assign("/playlists");
}

async function load() {
  try {
    writable = canWrite(await authState());
    render(await get(playlistUrl, { include_entries: true }));
    for (const control of byId("playlist-edit").elements) control.disabled = !writable;
  } catch (error) {
    byId("playlist-title").textContent = error.status === 404 ? "Playlist not found" : "Could not load this playlist";
    byId("playlist-page").removeAttribute("aria-busy");
    for (const control of document.querySelectorAll("#playlist-page button, #playlist-page input, #playlist-page textarea")) {
      control.disabled = true;
    }
    showError(error);
  }
}

byId("playlist-edit").addEventListener("submit", action(save));
byId("delete-playlist").addEventListener("click", action(deletePlaylist));
byId("play-playlist").addEventListener("click", () => {
  const first = current?.entries.find(isPlayable);
  if (first) play(first.id);
});
byId("play-next").addEventListener("click", playNext);

await load();
