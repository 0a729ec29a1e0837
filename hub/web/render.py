"""Rendering a page: the templates, and what every template can use.

Each page gets ``t`` (message keys in the reader's language), ``kg`` (grams as kilograms),
``when`` and ``ago`` (times in WIB), ``me`` (the principal, or ``None`` on the sign-in page),
``csrf`` (the token every form carries) and the navigation its role allows.  The language is
the account's; ``?lang=id|en`` overrides it for one page (API tokens and the sign-in page have
no account).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.auth.domain import Principal, Role
from hub.web.i18n import LANGUAGES, ago, clock_time, kilograms, language_or_default, translate

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    key: str
    role: Role


NAV: Final = (
    NavItem("/", "nav.dashboard", Role.VIEWER),
    NavItem("/stations", "nav.stations", Role.VIEWER),
    NavItem("/receiving", "nav.receiving", Role.VIEWER),
    NavItem("/trace", "nav.trace", Role.VIEWER),
    NavItem("/recalls", "nav.recalls", Role.VIEWER),
    NavItem("/stock", "nav.stock", Role.VIEWER),
    NavItem("/labels", "nav.labels", Role.VIEWER),
    NavItem("/distribution", "nav.distribution", Role.VIEWER),
    NavItem("/members", "nav.members", Role.VIEWER),
    NavItem("/audit", "nav.audit", Role.ADMIN),
    NavItem("/accounts", "nav.accounts", Role.ADMIN),
    NavItem("/tokens", "nav.tokens", Role.ADMIN),
)


def page_language(request: Request, principal: Principal | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return language_or_default(principal.language if principal else None)


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    context: Mapping[str, object] | None = None,
    *,
    status_code: int = 200,
    private: bool = False,
) -> HTMLResponse:
    """``private``: the page shows a secret once; no cache may keep it."""
    lang = page_language(request, principal)
    now = datetime.now(UTC)
    path = request.url.path
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "languages": LANGUAGES,
            "t": partial(translate, lang),
            "kg": partial(kilograms, language=lang),
            "when": clock_time,
            "ago": partial(ago, now=now, language=lang),
            "me": principal,
            "csrf": principal.csrf_token if principal else None,
            "nav": [
                (item.href, item.key, item.href == path or path.startswith(item.href + "/"))
                for item in NAV
                if principal is not None and principal.role.allows(item.role)
            ],
            "path": path,
            **(context or {}),
        },
        status_code=status_code,
    )
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response
