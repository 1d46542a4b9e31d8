"""What a browser test watches for besides its own assertions: JavaScript errors (console
errors and uncaught exceptions) and requests that failed (network errors and 4xx/5xx)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Frame, Page, Request, Response

RESOURCE_STATUS = re.compile(
    r"Failed to load resource: the server responded with a status of (?P<status>\d+)"
)
ABORTED = "net::ERR_ABORTED"
# The downloads page tries the /ws/jobs websocket and polls when it does not open (routed to
# the legacy app, which has none): that failed handshake is the fallback at work.
LIVE_EVENTS_FALLBACK = re.compile(r"WebSocket connection to '[^']*/ws/jobs' failed")


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    # (status, path) pairs a test provoked on purpose, e.g. (401, "/auth/login").
    expected_statuses: set[tuple[int, str]] = field(default_factory=set)
    # Requests the browser itself cancelled, with the document they were made from.
    aborted_requests: list[tuple[int, str]] = field(default_factory=list)
    _documents_loaded: int = 0
    _made_from: dict[Request, int] = field(default_factory=dict)

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("framenavigated", self._on_navigated)
        page.on(
            "request", lambda request: self._made_from.setdefault(request, self._documents_loaded)
        )
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def expect_status(self, status: int, path: str) -> None:
        self.expected_statuses.add((status, path))

    def _on_navigated(self, frame: Frame) -> None:
        # Fires when a new document commits, before its scripts run (and also for the
        # pages' own history.replaceState, which only makes the check below more lenient).
        if frame.parent_frame is None:
            self._documents_loaded += 1

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if LIVE_EVENTS_FALLBACK.match(message.text):
            return
        # Chromium also logs every 4xx/5xx as a console error; a provoked one is no error.
        status = RESOURCE_STATUS.match(message.text)
        if status and (int(status["status"]), urlsplit(url).path) in self.expected_statuses:
            return
        self.console_errors.append(f"{message.text} ({url})")

    def _on_request_failed(self, request: Request) -> None:
        failure = request.failure or "unknown failure"
        description = f"{request.method} {request.url}: {failure}"
        if failure != ABORTED:
            self.failed_requests.append(description)
        elif request.resource_type != "media":
            # A media element routinely cancels its own fetches (to switch to a Range
            # request): not a failure. Anything else the browser cancels is judged at the
            # end, once we know whether the page was left while the request was running.
            made_from = self._made_from.get(request, self._documents_loaded)
            self.aborted_requests.append((made_from, description))

    def _on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        if response.status >= 400 and (response.status, path) not in self.expected_statuses:
            self.failed_requests.append(
                f"{response.request.method} {response.url}: HTTP {response.status}"
            )

    def assert_none(self) -> None:
        # The UI never cancels its own fetches, so a cancelled request is a failure unless
        # the page it came from has since been left (a navigation cancels what is in flight).
        cancelled_in_place = [
            description
            for made_from, description in self.aborted_requests
            if made_from == self._documents_loaded
        ]
        assert not self.console_errors, f"JavaScript errors: {self.console_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"
        assert not cancelled_in_place, f"cancelled requests: {cancelled_in_place}"
