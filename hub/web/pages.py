"""The operators' reading pages: dashboard, trace, stock and the audit trail.

Server-rendered, no JavaScript build step.  The dashboard's live part is a fragment
(``/dashboard/live``) that a few lines of inline JavaScript fetch and swap in every few seconds;
without JavaScript the page refreshes itself.  Trace and stock call the core's services, the
same ones their JSON endpoints call, and render the same shapes (``hub.api.schemas``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from hub.api.deps import get_engine, get_uow
from hub.api.schemas import StockLineOut, TraceOut, trace_json
from hub.api.time import hub_today
from hub.api.weighings import recent_weighings
from hub.auth.deps import RequireAdmin, RequireViewer, get_auth_store
from hub.auth.domain import InvalidInput, check_plain_text
from hub.auth.store import AuthStore
from hub.domain.stock import Location, StockError
from hub.domain.trace import TraceError
from hub.services import stock as stock_service
from hub.services import trace as trace_service
from hub.services.unit_of_work import AbstractUnitOfWork
from hub.web import queries
from hub.web.i18n import catalogue, translate
from hub.web.render import page_language, render
from hub.web.signin import Settings

router = APIRouter(include_in_schema=False)
Db = Annotated[Engine, Depends(get_engine)]
Uow = Annotated[AbstractUnitOfWork, Depends(get_uow)]
RECENT: Final = 25


def _dashboard_context(engine: Engine, refresh_s: int) -> dict[str, object]:
    today = hub_today()
    stations = queries.station_health(engine)
    kg_lines = queries.kilograms_on(engine, today)
    return {
        "stations": stations,
        "online": sum(1 for s in stations if s.online),
        "backlog": sum(s.backlog or 0 for s in stations),
        "kg_lines": kg_lines,
        "crates_today": sum(line.crates for line in kg_lines),
        "net_g_today": sum(line.net_g for line in kg_lines),
        "weighings": recent_weighings(engine, limit=RECENT),
        "refresh_s": refresh_s,
    }


@router.get("/", response_class=HTMLResponse, summary="Dashboard (role: viewer)")
def dashboard(request: Request, me: RequireViewer, engine: Db, settings: Settings) -> HTMLResponse:
    context = _dashboard_context(engine, settings.live_refresh_s)
    return render(request, "dashboard.html", me, context)


@router.get("/dashboard/live", response_class=HTMLResponse, summary="Dashboard fragment (viewer)")
def dashboard_live(
    request: Request, me: RequireViewer, engine: Db, settings: Settings
) -> HTMLResponse:
    context = _dashboard_context(engine, settings.live_refresh_s)
    return render(request, "dashboard_live.html", me, context)


@router.get("/trace", response_class=HTMLResponse, summary="Trace a label code (role: viewer)")
def trace_page(
    request: Request,
    me: RequireViewer,
    uow: Uow,
    code: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    code = code.strip()
    found: TraceOut | None = None
    error: str | None = None
    if code:
        try:
            check_plain_text(code, field="code")
            found = TraceOut.model_validate_json(trace_json(trace_service.trace_code(uow, code)))
        except (TraceError, InvalidInput):
            error = translate(page_language(request, me), "trace.unknown", code=code)
    status = 404 if error else 200
    context = {"code": code, "trace": found, "error": error}
    return render(request, "trace.html", me, context, status_code=status)


STOCK_LOCATIONS: Final = (
    ("hub", "stock.at_hub"),
    ("in_transit", "stock.in_transit"),
    ("", "stock.everywhere"),
)


@router.get("/stock", response_class=HTMLResponse, summary="Stock balances (role: viewer)")
def stock_page(
    request: Request,
    me: RequireViewer,
    uow: Uow,
    location: Annotated[str, Query(max_length=200)] = "hub",
) -> HTMLResponse:
    today = hub_today()
    lines: list[StockLineOut] = []
    error: str | None = None
    try:
        check_plain_text(location, field="location")
        where = Location.parse(location) if location else None
        lines = [StockLineOut.of(line, today) for line in stock_service.stock(uow, location=where)]
    except (StockError, InvalidInput):
        error = translate(page_language(request, me), "stock.bad_location", location=location)
    context = {
        "lines": lines,
        "location": location,
        "locations": STOCK_LOCATIONS,
        "error": error,
    }
    return render(request, "stock.html", me, context, status_code=422 if error else 200)


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    label: str
    tone: str
    subject: str
    remote: str | None
    detail: dict[str, object]


_TONES: Final = {
    "sign_in": "ok",
    "sign_in_failed": "bad",
    "sign_in_locked": "bad",
    "lockout": "bad",
    "token_revoked": "warn",
    "station_password_rotated": "warn",
}


@router.get("/audit", response_class=HTMLResponse, summary="The audit trail (role: admin)")
def audit_page(
    request: Request,
    me: RequireAdmin,
    engine: Db,
    store: Annotated[AuthStore, Depends(get_auth_store)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> HTMLResponse:
    """Sign-ins, tokens and provisioning, merged with the core's stock and recall audit."""
    lang = page_language(request, me)
    known = catalogue(lang)

    records = store.audit_trail(limit=limit) + queries.core_audit(engine, limit=limit)
    records.sort(key=lambda record: record.at, reverse=True)
    entries = [
        AuditLine(
            at=r.at,
            actor=r.actor,
            action=r.action,
            label=known.get(f"audit.action.{r.action}", r.action),
            tone=_TONES.get(r.action, ""),
            subject=r.subject,
            remote=r.remote,
            detail=dict(r.detail),
        )
        for r in records[:limit]
    ]
    return render(request, "audit.html", me, {"entries": entries})
