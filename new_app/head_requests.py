"""HEAD answered by the GET endpoint, headers only, as the legacy app answers it.

FastAPI's routes take only the methods they declare, and declaring HEAD beside every GET
would put a HEAD operation for each into the OpenAPI document. So the app below sees a
GET (with `scope[HEAD_REQUEST]` set, so file and stream responses skip reading their
body), and every body byte it sends is dropped here. The headers, Content-Length
included, are the GET's.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_REQUEST = "mvidarr.head_request"


def is_head_request(scope: Scope) -> bool:
    return bool(scope.get(HEAD_REQUEST))


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server's own scope must still say HEAD.
        await self.app({**scope, "method": "GET", HEAD_REQUEST: True}, receive, send_headers_only)
