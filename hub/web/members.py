"""The members page: a farmer's statement for a month, as the cooperative pays it.

Choose a member (listed by cooperative) and a month (this month in WIB unless another is
chosen); the page shows the kilograms delivered by product and grade after voids, from the
core's ``member_statement`` (the service ``GET /api/v1/members/{id}/statement`` calls), and
links to that route's CSV, which the signed-in session may download.  A month is the
half-open period from its first midnight WIB to the next month's.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hub.api.time import hub_today
from hub.auth.deps import RequireViewer
from hub.auth.domain import InvalidInput, check_plain_text
from hub.domain.projection import HUB_TZ
from hub.domain.reports import Statement
from hub.services import NotFoundError
from hub.services import reports as reports_service
from hub.web import queries
from hub.web.i18n import translate
from hub.web.pages import Db, Uow
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)

_MONTH: Final = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
EARLIEST_YEAR: Final = 1970
LATEST_YEAR: Final = 9998


def month_of(text: str) -> date | None:
    """``"2026-05"`` → 1 May 2026; ``None`` if it is no month the hub can hold."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not EARLIEST_YEAR <= int(found.group(1)) <= LATEST_YEAR:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def month_period(first: date) -> tuple[datetime, datetime]:
    """The month starting on ``first``, ``[start, end)`` at midnight WIB."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime(first.year, first.month, 1, tzinfo=HUB_TZ),
        datetime(following.year, following.month, 1, tzinfo=HUB_TZ),
    )


def csv_link(member: str, start: datetime, end: datetime) -> str:
    query = urlencode({"from": start.isoformat(), "to": end.isoformat(), "format": "csv"})
    return f"/api/v1/members/{quote(member, safe='')}/statement?{query}"


@router.get("/members", response_class=HTMLResponse, summary="Member statements (role: viewer)")
def members_page(
    request: Request,
    me: RequireViewer,
    uow: Uow,
    engine: Db,
    member: Annotated[str, Query(max_length=128)] = "",
    month: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    language = page_language(request, me)
    member = member.strip()
    this_month = hub_today().replace(day=1)
    first = month_of(month) if month else this_month
    error: str | None = None
    status = 200
    if first is None:
        error = translate(language, "members.bad_month", month=month)
        first, status = this_month, 422
    start, end = month_period(first)
    statement: Statement | None = None
    if member and error is None:
        try:
            check_plain_text(member, field="member")
            statement = reports_service.member_statement(uow, member, start=start, end=end)
        except (InvalidInput, NotFoundError):
            error = translate(language, "members.unknown", member=member)
            status = 404
    choices = queries.members(engine)
    context = {
        "choices": choices,
        "chosen": next((c for c in choices if c.id == member), None),
        "member": member,
        "month": f"{first.year:04d}-{first.month:02d}",
        "month_name": translate(language, f"month.{first.month}", year=first.year),
        "statement": statement,
        "products": queries.product_names(engine) if statement else {},
        "csv": csv_link(member, start, end) if statement else None,
        "error": error,
    }
    return render(request, "members.html", me, context, status_code=status)
