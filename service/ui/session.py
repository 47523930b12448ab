"""The /ui login session: a signed cookie, who is logged in, and the CSRF token of every form.

The cookie is Starlette's SessionMiddleware (signed with itsdangerous, HttpOnly, SameSite=Lax,
Secure when QUNGUARD_SESSION_COOKIE_SECURE, path /ui so the browser never sends it to /v1), run
only for /ui paths: the API's requests never parse a cookie. The signing key is
QUNGUARD_SESSION_SECRET, or one made once and kept in the store, so every worker and restart
accepts the cookies of the others.

Bearer tokens do not open /ui (nothing here reads Authorization), and the cookie does not open /v1
(service/auth.py reads only Authorization).
"""
from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from qunguard.service.config import Settings
from qunguard.service.store import Store
from qunguard.service.ui.accounts import LoginThrottle, session_stamp

COOKIE = "qunguard_ui"
PREFIX = "/ui"
SECRET_NAME = "ui_session_key"


class UISessionMiddleware:
    """SessionMiddleware for the paths under /ui, and nothing for the others."""

    def __init__(self, app: ASGIApp, /, **session_options: Any) -> None:
        self.app = app
        self.with_session = SessionMiddleware(app, **session_options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.with_session(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def session_key(settings: Settings, store: Store) -> str:
    return settings.session_secret.get_secret_value() or store.shared_secret(SECRET_NAME, lambda: secrets.token_urlsafe(48))


class LoginRequired(Exception):
    """No valid session: a page redirects to the login form, an htmx request is told to go there."""


class CSRFRefused(Exception):
    """A state-changing request without this session's CSRF token."""


def install(app: FastAPI, settings: Settings, store: Store) -> None:
    """The session cookie, the login throttle and the two refusals' answers, on the app."""
    app.add_middleware(UISessionMiddleware, secret_key=session_key(settings, store), session_cookie=COOKIE,
                       max_age=settings.session_max_age_s, path=PREFIX, same_site="lax",
                       https_only=settings.session_cookie_secure)
    app.state.login_throttle = LoginThrottle()

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        login = f"{PREFIX}/login"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": login})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{login}?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CSRFRefused)
    async def _csrf(request: Request, exc: CSRFRefused) -> Response:
        return PlainTextResponse("refused: this request did not carry the page's CSRF token (an old tab, or another "
                                 "site's form); reload the page and try again", status_code=403)


def csrf_token(request: Request) -> str:
    """This session's token (made on first use): forms send it back as `csrf`, htmx as X-CSRF-Token."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                                           "multipart/form-data")):
        value = (await request.form()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CSRFRefused()


def log_in(request: Request, user: dict) -> None:
    """A fresh session for this user: a new CSRF token, and nothing kept from before the login."""
    request.session.clear()
    request.session.update(user=user["username"], stamp=session_stamp(user), csrf=secrets.token_urlsafe(32))


def current_user(request: Request) -> dict | None:
    """The logged-in account, or None. A session ends when its account is disabled or its password changes."""
    name = request.session.get("user")
    if not name:
        return None
    store: Store = request.app.state.moderator.store
    user = store.get_user(name)
    if user is None or user["disabled"] or request.session.get("stamp") != session_stamp(user):
        request.session.clear()
        return None
    return user


async def _require_user(request: Request) -> dict:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


User = Annotated[dict, Depends(_require_user)]
CSRF = Depends(check_csrf)
