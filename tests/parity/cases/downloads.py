"""/api/downloads: the queue, the history, retry, cancel, priority."""

from __future__ import annotations

from tests.parity.case import MALFORMED_JSON, get, post, put
from tests.parity.world import (
    DOWNLOAD_BLOCKED_RETRY,
    DOWNLOAD_CANCELLED,
    DOWNLOAD_COMPLETED,
    DOWNLOAD_FAILED,
    DOWNLOAD_QUEUED,
    DOWNLOAD_RUNNING,
)

LISTS = [
    get("/api/downloads/queue"),
    get("/api/downloads/queue", {"status": "queued"}),
    get("/api/downloads/queue", {"status": "DOWNLOADING"}),
    get("/api/downloads/queue", {"status": "completed"}),
    get("/api/downloads/queue", {"status": "FOO"}),
    get("/api/downloads/queue", who="readonly"),
    get("/api/downloads/history"),
    get("/api/downloads/history", {"status": "failed"}),
    get("/api/downloads/history", {"status": "Cancelled"}),
    get("/api/downloads/history", {"page": 2, "per_page": 2}),
    get("/api/downloads/history", {"page": 50}),
    get("/api/downloads/history", {"status": "queued"}),
    get("/api/downloads/history", {"per_page": 0}),
    get("/api/downloads/history", {"page": -1}),
    get("/api/downloads/history", auth_required=True),
    get("/api/downloads/history", who="readonly", auth_required=True),
]

RETRY = [
    post(f"/api/downloads/{DOWNLOAD_FAILED}/retry", starts_download=True),
    post(f"/api/downloads/{DOWNLOAD_CANCELLED}/retry", starts_download=True, who="manager"),
    post(f"/api/downloads/{DOWNLOAD_COMPLETED}/retry"),
    post(f"/api/downloads/{DOWNLOAD_QUEUED}/retry"),
    post(f"/api/downloads/{DOWNLOAD_BLOCKED_RETRY}/retry", note="its video has a live download"),
    post("/api/downloads/9999/retry"),
    post(f"/api/downloads/{DOWNLOAD_FAILED}/retry", who="readonly"),
]

CANCEL = [
    post(f"/api/downloads/{DOWNLOAD_QUEUED}/cancel"),
    post(f"/api/downloads/{DOWNLOAD_RUNNING}/cancel"),
    post(f"/api/downloads/{DOWNLOAD_COMPLETED}/cancel"),
    post(f"/api/downloads/{DOWNLOAD_FAILED}/cancel"),
    post("/api/downloads/9999/cancel"),
    post(f"/api/downloads/{DOWNLOAD_QUEUED}/cancel", who="key:readonly"),
]

PRIORITY = [
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 10}),
    put(f"/api/downloads/{DOWNLOAD_COMPLETED}/priority", {"priority": 1}, note="finished"),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 0}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 11}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": "5"}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 5.0}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 5, "urgent": True}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", MALFORMED_JSON),
    put("/api/downloads/9999/priority", {"priority": 5}),
    put(f"/api/downloads/{DOWNLOAD_QUEUED}/priority", {"priority": 5}, who="readonly"),
]

CASES = LISTS + RETRY + CANCEL + PRIORITY
