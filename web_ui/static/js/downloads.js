// /downloads: the queue with live progress, cancel and priority; the history with retry.
//
// Live progress comes over the /ws/jobs websocket when it answers (the async app pushes
// every download's progress as it happens). When it does not (the gateway routes it to the
// legacy app, which has no websocket) the page polls /api/downloads/queue every second
// instead: the same page works both ways. With the socket open the queue is still re-read
// when an event says a download changed state, and every few seconds anyway (a download the
// legacy app runs publishes no events). `#download-queue[data-live]` says which way it runs.
//
// A download leaves the queue's answer as soon as it finishes. So that a person can watch
// a bar reach 100%, its row stays in the queue table with its final state (read from the
// history) until "Clear finished" is pressed.

import { get, post, put } from "./api.js";
import { action, byId, el, placeholder, run, showError, showMessage } from "./dom.js";
import { pager, progressBar, selectMenu, statusBadge } from "./components.js";
import { DOWNLOAD_PRIORITIES, formatBytes, formatDate, formatPercent } from "./format.js";
import { authState, canWrite } from "./layout.js";
import { followJobEvents } from "./live-jobs.js";

const POLL_MILLISECONDS = 1000;
const LIVE_POLL_MILLISECONDS = 10000;
const HISTORY_PER_PAGE = 25;
const ACTIVE = new Set(["queued", "downloading"]);

const queueBody = byId("download-queue").querySelector("tbody");
const historyBody = byId("download-history").querySelector("tbody");
const queueRows = new Map(); // download id -> <tr>
let historyPage = 1;
let pollFailing = false;
let writable = true;
let live = false; // the /ws/jobs socket is open
let pollTimer = null;
let refreshing = null; // the queue refresh under way, if any
let refreshAgain = false;

function videoCell(download) {
  return el("td", {},
    el("a", { href: `/video/${download.video_id}` }, download.video_title || `Video ${download.video_id}`),
    el("div", { class: "muted" }, download.artist_name || ""));
}

function progressCell(download) {
  return el("td", { class: "cell-progress" },
    progressBar(download.progress, `Progress of ${download.video_title || "download"}`));
}

async function changePriority(download, select) {
  const updated = await put(`/api/downloads/${download.id}/priority`, { priority: Number(select.value) });
  showMessage(`Priority of “${updated.video_title}” set to ${updated.priority}.`);
  await refreshSoon();
}

async function cancel(download) {
  const answer = await post(`/api/downloads/${download.id}/cancel`);
  showMessage(answer.message);
  showQueueRow(answer.download);
  await loadHistory();
}

async function retry(download) {
  const answer = await post(`/api/downloads/${download.id}/retry`);
  showMessage(answer.message);
  showQueueRow(answer.download);
  await loadHistory();
}

function actionButtons(download) {
  const buttons = [];
  if (ACTIVE.has(download.status)) {
    buttons.push(el("button", { type: "button", class: "button-danger button-small", dataset: { cancel: download.id },
      disabled: !writable, onclick: action(() => cancel(download)) }, "Cancel"));
  } else if (download.status === "failed" || download.status === "cancelled") {
    buttons.push(el("button", { type: "button", class: "button-small", dataset: { retry: download.id },
      disabled: !writable, onclick: action(() => retry(download)) }, "Retry"));
  }
  return buttons;
}

function queueRow(download) {
  const priority = selectMenu(DOWNLOAD_PRIORITIES, download.priority, {
    class: "priority-select", "aria-label": `Priority of ${download.video_title || "download"}`,
    disabled: !writable || !ACTIVE.has(download.status),
  });
  priority.addEventListener("change", action(() => changePriority(download, priority)));
  return el("tr", { dataset: { downloadId: download.id, videoId: download.video_id, status: download.status } },
    videoCell(download),
    el("td", { class: "cell-status" }, statusBadge(download.status),
      download.error_message ? el("div", { class: "error-text" }, download.error_message) : null),
    progressCell(download),
    el("td", { class: "cell-priority" }, priority),
    el("td", {}, formatDate(download.created_at)),
    el("td", { class: "cell-actions" }, actionButtons(download)));
}

// While a download keeps its status only its progress and priority change: update those in
// place, so a button or menu is never swapped out under the person's pointer.
function updateQueueRow(row, download) {
  const percent = Math.max(0, Math.min(100, Number(download.progress) || 0));
  row.querySelector("progress").value = percent;
  row.querySelector(".progress-text").textContent = formatPercent(percent);
  const menu = row.querySelector(".priority-select");
  if (document.activeElement !== menu) menu.value = String(download.priority);
}

/** Add the row of one download, or bring it up to date. */
function showQueueRow(download) {
  const existing = queueRows.get(download.id);
  if (existing && existing.dataset.status === download.status) {
    updateQueueRow(existing, download);
    return;
  }
  const fresh = queueRow(download);
  if (existing) existing.replaceWith(fresh);
  else queueBody.append(fresh);
  queueRows.set(download.id, fresh);
}

function orderQueueRows(active) {
  // Active downloads in the server's order (priority, then age), finished ones after them.
  const activeIds = active.map((download) => download.id);
  const finished = [...queueRows.keys()].filter((id) => !activeIds.includes(id));
  for (const id of [...activeIds, ...finished]) queueBody.append(queueRows.get(id));
}

function summarize(active) {
  const finished = queueRows.size - active.length;
  byId("queue-summary").textContent = active.length
    ? `${active.length} active download${active.length === 1 ? "" : "s"}`
    : "No active downloads";
  byId("queue-empty").replaceChildren(queueRows.size ? "" : placeholder("The queue is empty."));
  byId("clear-finished").hidden = finished === 0;
}

// Downloads that left the queue since the last poll: show how they ended.
async function showFinished(ids) {
  const answer = await get("/api/downloads/history", { per_page: 100 });
  const outcomes = new Map(answer.downloads.map((download) => [download.id, download]));
  for (const id of ids) {
    const outcome = outcomes.get(id);
    if (outcome) showQueueRow(outcome);
    else {
      queueRows.get(id)?.remove();
      queueRows.delete(id);
    }
  }
}

async function refreshQueue() {
  const answer = await get("/api/downloads/queue");
  const activeIds = new Set(answer.downloads.map((download) => download.id));
  const left = [...queueRows.entries()]
    .filter(([id, row]) => !activeIds.has(id) && ACTIVE.has(row.dataset.status))
    .map(([id]) => id);
  for (const download of answer.downloads) showQueueRow(download);
  if (left.length) {
    await showFinished(left);
    await loadHistory();
  }
  orderQueueRows(answer.downloads);
  summarize(answer.downloads);
}

// One refresh at a time; asked for again meanwhile, it runs once more afterwards.
async function refreshSoon() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        await refreshQueue();
      } while (refreshAgain);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function pollQueue() {
  clearTimeout(pollTimer);
  if (!document.hidden) {
    try {
      await refreshSoon();
      pollFailing = false;
    } catch (error) {
      // One notice per outage, not one a second.
      if (!pollFailing) showError(error);
      pollFailing = true;
    }
  }
  pollTimer = setTimeout(pollQueue, live ? LIVE_POLL_MILLISECONDS : POLL_MILLISECONDS);
}

function showLiveMode() {
  byId("download-queue").dataset.live = live ? "websocket" : "polling";
}

// A download event: progress moves the bar in place; a change of state (queued, started,
// finished) is read from the API, like a poll would.
function onJobEvent(event) {
  const row = queueRows.get(event.download_id);
  if (row && row.dataset.status === event.status) {
    updateQueueRow(row, event);
  } else {
    run(refreshSoon);
  }
}

function onLiveChange(isLive) {
  const wasLive = live;
  live = isLive;
  showLiveMode();
  // Opened: catch up on what happened before. Closed: back to polling every second.
  if (isLive || wasLive) pollQueue();
}

function historyRow(download) {
  return el("tr", { dataset: { downloadId: download.id, videoId: download.video_id, status: download.status } },
    videoCell(download),
    el("td", {}, statusBadge(download.status)),
    progressCell(download),
    el("td", { class: "numeric" }, formatBytes(download.file_size)),
    el("td", {}, formatDate(download.completed_at || download.updated_at)),
    el("td", { class: "details-cell" },
      download.error_message ? el("span", { class: "error-text" }, download.error_message) : (download.file_path || "")),
    el("td", { class: "cell-actions" }, actionButtons(download)));
}

async function loadHistory() {
  const answer = await get("/api/downloads/history", {
    status: byId("history-status").value, page: historyPage, per_page: HISTORY_PER_PAGE,
  });
  historyBody.replaceChildren(...answer.downloads.map(historyRow));
  byId("history-empty").replaceChildren(answer.downloads.length ? "" : placeholder("No finished downloads."));
  byId("history-pager").replaceChildren(pager({
    page: answer.page, pages: answer.pages, name: "history",
    onGo: (page) => { historyPage = page; run(loadHistory); },
  }));
}

function clearFinished() {
  for (const [id, row] of [...queueRows.entries()]) {
    if (!ACTIVE.has(row.dataset.status)) {
      row.remove();
      queueRows.delete(id);
    }
  }
  byId("clear-finished").hidden = true;
  byId("queue-empty").replaceChildren(queueRows.size ? "" : placeholder("The queue is empty."));
}

byId("history-status").addEventListener("change", () => { historyPage = 1; run(loadHistory); });
byId("clear-finished").addEventListener("click", clearFinished);

const auth = await run(authState);
writable = auth ? canWrite(auth) : true;
run(loadHistory);
showLiveMode();
pollQueue();
followJobEvents({ onEvent: onJobEvent, onLiveChange });
