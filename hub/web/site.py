"""Wiring the operators' side into the hub's FastAPI application.

``install`` puts on ``app.state`` what the auth and page dependencies read (the settings, the
account store, the provisioner, the request counters), adds the access-log middleware, serves
``/static``, and answers access errors: JSON ``{"error": {code, message, field}}`` with 401 or
403 under ``/api/`` and for ``/metrics``; on a page, a sign-in redirect (401) or an error page in
the reader's language.  Every response carries ``SECURITY_HEADERS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.errors import error_body
from hub.auth.deps import status_of
from hub.auth.domain import AuthError, NotAuthenticated, Principal
from hub.auth.provisioning import BrokerFiles, Provisioner
from hub.auth.store import AuthStore
from hub.web.i18n import describe, translate
from hub.web.logs import AccessLog, use_json_logs
from hub.web.metrics import RequestMetrics
from hub.web.render import page_language, render
from hub.web.settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS: Final = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
"""No page of the hub inside another site's frame (its forms could be clicked through), no
guessing of content types, and no trace URL (it holds a code) sent to another site."""


class SecurityHeaders:
    """ASGI middleware adding ``SECURITY_HEADERS`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/metrics"


def _auth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    status = status_of(exc)
    if is_api(request.url.path):
        return JSONResponse(
            status_code=status,
            content=error_body(exc.code, str(exc), exc.field),
            headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
        )
    if isinstance(exc, NotAuthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    principal: Principal | None = getattr(request.state, "principal", None)
    lang = page_language(request, principal)
    context = {
        "title": translate(lang, f"error.title.{status}"),
        "message": describe(lang, exc.code, exc.field, str(exc)),
    }
    return render(request, "error.html", principal, context, status_code=status)


def install(app: FastAPI, engine: Engine, settings: WebSettings) -> None:
    if settings.json_logs:
        use_json_logs()
    app.state.web_settings = settings
    app.state.auth_store = AuthStore(engine)
    app.state.provisioner = Provisioner(
        engine,
        BrokerFiles(
            directory=settings.broker_dir,
            pid_file=settings.broker_pid_file,
            hub_user=settings.broker_hub_user,
        ),
        mqtt_url=settings.station_mqtt_url,
    )
    app.state.request_metrics = RequestMetrics()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog, metrics=app.state.request_metrics)
    app.add_exception_handler(AuthError, _auth_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
