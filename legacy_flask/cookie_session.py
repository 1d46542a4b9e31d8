"""Flask's session stored in the shared `mvidarr_session` cookie.

Flask's own cookie format needs Flask to read it; this interface delegates to
`shared_models.session_cookie.SessionCodec`, which the FastAPI app uses directly, so a
login on either app is a login on both.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin

from shared_models.access_policy import session_cookie_value
from shared_models.session_cookie import CookieAttributes, SessionCodec


class SharedCookieSessionInterface(SessionInterface):
    def __init__(self, codec: SessionCodec, attributes: CookieAttributes | None = None) -> None:
        self.codec = codec
        self.attributes = attributes or CookieAttributes()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession:
        value = session_cookie_value(request.headers.getlist("Cookie"), self.attributes.name)
        return SecureCookieSession(self.codec.loads(value))

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        attributes = self.attributes
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            # An emptied session (logout) clears the cookie; one never set stays unset.
            if session.modified:
                response.delete_cookie(
                    attributes.name,
                    path=attributes.path,
                    httponly=attributes.httponly,
                    samesite=attributes.samesite,
                )
            return
        # The signed value carries its own timestamp, so it is only rewritten on change:
        # a session lasts max_age from login.
        if session.modified:
            response.set_cookie(
                attributes.name,
                self.codec.dumps(dict(session)),
                max_age=attributes.max_age,
                path=attributes.path,
                httponly=attributes.httponly,
                samesite=attributes.samesite,
            )
