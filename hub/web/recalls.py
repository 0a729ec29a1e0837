"""Recalls from the operators' pages: raised from the trace page, listed, released.

When a trace resolves to a lot, a member or a station, an admin sees a recall form on the
trace page (``trace.html``); it posts here with the reason, which is required.  The recall is
created by the core's ``create_recall`` (the service ``POST /api/v1/recalls`` calls) and the
browser is sent to the recall's page, which shows what it affects as of now (the core's
``recall_report``): weighings, members, stations, lots, dispatches, receipts, picks and the
stock it blocks.  ``/recalls`` lists the active ones; an admin releases one with a form post.
Every change is an admin's form post with the session's CSRF token; the pages are for viewers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.api.inputs import RowId
from hub.api.schemas import RecallOut
from hub.api.time import hub_today
from hub.auth.deps import FormAdmin, RequireViewer
from hub.auth.domain import InvalidInput, Principal, Role, check_plain_text
from hub.domain.trace import RecallError, RecallScope
from hub.services import NotFoundError
from hub.services import trace as trace_service
from hub.web import queries
from hub.web.i18n import translate
from hub.web.pages import Db, Uow
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)

ScopeKind = Literal["lot", "member", "station"]
_CONTROL_BUT_LINE_BREAKS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _form_page(
    request: Request,
    me: Principal,
    form: dict[str, str],
    error: str,
    *,
    status_code: int,
) -> HTMLResponse:
    return render(
        request, "recall_new.html", me, {"form": form, "error": error}, status_code=status_code
    )


@router.post("/recalls", response_class=HTMLResponse, summary="Recall (role: admin; form)")
def create_recall(
    request: Request,
    me: FormAdmin,
    uow: Uow,
    kind: Annotated[ScopeKind, Form()] = "lot",
    target: Annotated[str, Form(max_length=128)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    code: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    """``kind`` and ``target``: what the recall names; ``code``: the trace it was raised from."""
    language = page_language(request, me)
    form = {"kind": kind, "target": target, "reason": reason, "code": code}
    if not reason.strip() or _CONTROL_BUT_LINE_BREAKS.search(reason):
        return _form_page(
            request, me, form, translate(language, "recall.reason_needed"), status_code=422
        )
    try:
        named = check_plain_text(target, field="target").strip() or None
        scope = RecallScope(
            lot=named if kind == "lot" else None,
            member=named if kind == "member" else None,
            station=named if kind == "station" else None,
        )
        report = trace_service.create_recall(
            uow, scope=scope, reason=reason.strip(), operator=me.name, at=datetime.now(UTC)
        )
    except (InvalidInput, RecallError):
        error = translate(language, "recall.no_target")
        return _form_page(request, me, form, error, status_code=422)
    query = urlencode({"created": 1, **({"code": code} if code else {})})
    return RedirectResponse(f"/recalls/{report.recall.id}?{query}", status_code=303)


@router.get("/recalls", response_class=HTMLResponse, summary="Active recalls (role: viewer)")
def recalls_page(request: Request, me: RequireViewer, engine: Db) -> HTMLResponse:
    context = {
        "recalls": queries.active_recalls(engine),
        "can_release": me.role.allows(Role.ADMIN),
    }
    return render(request, "recalls.html", me, context)


def _recall_page(
    request: Request,
    me: Principal,
    recall: RecallOut,
    *,
    notice: str | None = None,
    error: str | None = None,
    code: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "recall": recall,
        "notice": notice,
        "error": error,
        "code": code,
        "can_release": me.role.allows(Role.ADMIN),
    }
    return render(request, "recall.html", me, context, status_code=status_code)


def _not_found(request: Request, me: Principal, recall_id: int) -> HTMLResponse:
    language = page_language(request, me)
    context = {
        "title": translate(language, "error.title.404"),
        "message": translate(language, "recall.unknown", id=recall_id),
    }
    return render(request, "error.html", me, context, status_code=404)


@router.get(
    "/recalls/{recall_id}",
    response_class=HTMLResponse,
    summary="What a recall affects (role: viewer)",
)
def recall_page(
    request: Request,
    me: RequireViewer,
    uow: Uow,
    recall_id: RowId,
    created: bool = False,
    code: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    try:
        report = trace_service.recall_report(uow, recall_id)
    except NotFoundError:
        return _not_found(request, me, recall_id)
    language = page_language(request, me)
    notice = translate(language, "recall.created", id=recall_id) if created else None
    recall = RecallOut.of(report, hub_today())
    return _recall_page(request, me, recall, notice=notice, code=code)


@router.post(
    "/recalls/{recall_id}/release",
    response_class=HTMLResponse,
    summary="Release a recall (role: admin; form)",
)
def release_recall(request: Request, me: FormAdmin, uow: Uow, recall_id: RowId) -> Response:
    try:
        trace_service.release_recall(uow, recall_id, operator=me.name, at=datetime.now(UTC))
    except NotFoundError:
        return _not_found(request, me, recall_id)
    except RecallError:
        language = page_language(request, me)
        recall = RecallOut.of(trace_service.recall_report(uow, recall_id), hub_today())
        error = translate(language, "recall.already_released", id=recall_id)
        return _recall_page(request, me, recall, error=error, status_code=409)
    return RedirectResponse(f"/recalls/{recall_id}", status_code=303)
