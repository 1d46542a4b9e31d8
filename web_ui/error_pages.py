"""The product's own error pages: what a browser shows for an unknown page, a wrong method
or a crash, in MVidarr's layout (header and nav kept, so the person can go on).

Both apps render `error.html` with `error_page_context(status)`, so an error page reads the
same whichever backend answered. API paths never see these: they answer `{"error": ...}`.
"""

from __future__ import annotations

ERROR_PAGE_TEMPLATE = "error.html"

# Title and the sentence under it, by status; any other status reads as the 500 page.
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The browser sent a request MVidarr could not understand."),
    404: (
        "Page not found",
        "There is no page at this address. It may have moved, or the link may be mistyped.",
    ),
    405: ("Method not allowed", "This page cannot be used that way."),
    413: ("Request too large", "What was sent is larger than MVidarr accepts."),
    503: (
        "Service unavailable",
        "MVidarr cannot reach its database right now. Try again in a moment.",
    ),
    500: (
        "Something went wrong",
        "MVidarr hit an unexpected error while answering. It has been logged; try again.",
    ),
}


# The statuses a page path can end with: an app may render these pages ahead of time.
ERROR_PAGE_STATUSES = (400, 401, 403, 404, 405, 413, 415, 416, 431, 500, 502, 503)


def error_page_context(status: int) -> dict[str, object]:
    """The variables `error.html` expects for an error page with this status."""
    title, description = ERROR_PAGES.get(status, ERROR_PAGES[500])
    return {"status": status, "title": title, "description": description}
