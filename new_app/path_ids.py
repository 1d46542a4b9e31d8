"""Paths holding an id no database row can have (above 2**63-1) name nothing: 404 before
routing, as the legacy app's bounded `int` converter answers (shared_models.json_rules)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from new_app.errors import error_response
from shared_models.json_rules import has_out_of_range_id


class ImpossibleIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and has_out_of_range_id(scope["path"]):
            await error_response(scope, 404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
