"""Error answers the gateway itself gives, in the contract's shape: `{"error": "..."}`."""

from __future__ import annotations

import json

from gateway.asgi import Message


def json_error(status: int, message: str) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON error response."""
    body = json.dumps({"error": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}
