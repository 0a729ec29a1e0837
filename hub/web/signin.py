"""Signing in and out, and the reader's page language.

The session cookie is HttpOnly and SameSite=Lax (Secure behind TLS, ``LUMBUNG_COOKIE_SECURE``);
it holds a random value whose hash is the session's key.  The sign-in form has no session yet,
so it carries a double-submit token: the same random value in a cookie and a hidden field.
After signing in, the browser goes where it was sent from (``next``), which must be a path on
this site, never another site.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hub.auth.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    FormViewer,
    client_address,
    get_auth_store,
    login_csrf_ok,
)
from hub.auth.domain import SESSION_MAX_AGE, LockedOut, SignInRefused, new_secret
from hub.auth.store import AuthStore
from hub.web.i18n import clock_time, language_or_default, translate
from hub.web.render import page_language, render
from hub.web.settings import WebSettings

router = APIRouter(include_in_schema=False)
Store = Annotated[AuthStore, Depends(get_auth_store)]


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.web_settings
    return settings


Settings = Annotated[WebSettings, Depends(get_settings)]


_LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")
"""A path on this site: printable ASCII (it goes into a Location header), never ``//host``."""


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else the dashboard."""
    if target and _LOCAL_PATH.fullmatch(target) and "\\" not in target:
        return target
    return "/"


def _signin_page(
    request: Request,
    settings: WebSettings,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    token = new_secret()
    response = render(
        request,
        "signin.html",
        None,
        {"login_csrf": token, "next": next_path, "username": username, "error": error},
        status_code=status_code,
        private=True,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/login",
    )
    return response


@router.get("/login", summary="The sign-in page (public)")
def signin_page(request: Request, settings: Settings, next: str = "/") -> Response:
    return _signin_page(request, settings, next_path=local_path(next))


@router.post("/login", summary="Sign in (public; double-submit CSRF)")
def sign_in(
    request: Request,
    store: Store,
    settings: Settings,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    lang = page_language(request, None)
    next_path = local_path(next)
    if not login_csrf_ok(request, csrf_token):
        error = translate(lang, "signin.expired")
        return _signin_page(
            request, settings, next_path=next_path, username=username, error=error, status_code=403
        )
    try:
        session = store.sign_in(
            username=username, password=password, remote=client_address(request)
        )
    except LockedOut as exc:
        error = translate(lang, "signin.locked", until=clock_time(exc.until))
        return _signin_page(
            request, settings, next_path=next_path, username=username, error=error, status_code=401
        )
    except SignInRefused:
        error = translate(lang, "signin.refused")
        return _signin_page(
            request, settings, next_path=next_path, username=username, error=error, status_code=401
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=int(SESSION_MAX_AGE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", summary="Sign out (role: viewer; form)")
def sign_out(request: Request, store: Store, me: FormViewer, settings: Settings) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        store.sign_out(cookie, remote=client_address(request))
    response = RedirectResponse(f"/login?lang={me.language}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True)
    return response


@router.post("/settings/language", summary="Choose the page language (role: viewer; form)")
def choose_language(
    store: Store,
    me: FormViewer,
    language: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if me.account_id is not None:
        store.set_language(me.account_id, language_or_default(language))
    return RedirectResponse(local_path(next), status_code=303)
