"""The response that carries a live transcode: it streams ffmpeg's output and owns the
process. Whatever ends the response (the last byte sent, the client hanging up, the server
stopping) kills ffmpeg if it still runs and frees the transcode slot.

The client going away is noticed two ways, whichever comes first: the server's
`http.disconnect` message (watched in a concurrent task), or a send that fails.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from new_app.head_requests import is_head_request
from new_app.services.live_transcode import LiveTranscode


class LiveTranscodeResponse(Response):
    media_type = "video/mp4"

    def __init__(self, transcode: LiveTranscode, on_close: Callable[[], None]) -> None:
        self.transcode = transcode
        self.on_close = on_close
        self.status_code = 200
        self.background = None
        # No Content-Length: the body is chunked, its size unknown until ffmpeg ends.
        self.init_headers({"Cache-Control": "no-store"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            if is_head_request(scope):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            async with anyio.create_task_group() as task_group:

                async def stream_then_stop_watching() -> None:
                    await self.stream(send)
                    task_group.cancel_scope.cancel()

                task_group.start_soon(stream_then_stop_watching)
                await wait_for_disconnect(receive)
                task_group.cancel_scope.cancel()
        except* OSError:
            # The client is gone (a failed send): nothing more to tell it.
            pass
        finally:
            with anyio.CancelScope(shield=True):
                await self.transcode.stop()
            self.on_close()

    async def stream(self, send: Send) -> None:
        async for chunk in self.transcode.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
