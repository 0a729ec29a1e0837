"""The receiving page: a dispatch, or some of its crates, arrives at the hub and is re-weighed;
the shrinkage shows at once, per crate and per lot.

The form is made for a USB scanner that types like a keyboard and ends each code with Enter.
The dispatch field has the focus when the page opens, so scanning a pallet label (its dispatch
code or SSCC) submits the form.  Crates go one per line into the crate list, each optionally
with its re-weighed net in kilograms, on the same line or on the next one, which is how it
comes after a scan::

    KRT-00001 11,8        crate and net on one line
    KRT-00002             a scan ends the line ...
    10,45                 ... and the net typed after it belongs to the crate above
    KRT-00003             no net: taken at the village's net

A net is read exactly into whole grams: at most four digits of kilograms, a decimal comma or
point, at most three decimals (a gram), never through a float.  So a crate id of four digits
or fewer would be read as a net; Lumbung's crate labels never are.

Posting calls the core's ``receive`` service, the one ``POST /api/v1/receipts`` calls, with
the signed-in operator as the operator: with a dispatch, every crate of it not yet received
(the listed ones at their re-weighed nets); without, just the crates listed.  A refusal is said
in words naming the dispatch or each crate at fault and why (unknown, still at its station,
already received, on another dispatch), and the form comes back as it was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from hub.auth.deps import FormOperator, RequireViewer
from hub.auth.domain import InvalidInput, Principal, Role, check_plain_text
from hub.domain.stock import StockError
from hub.domain.trace import TraceError, interpret
from hub.services import NotFoundError, ServiceError
from hub.services import stock as stock_service
from hub.services.stock import ReceiptResult, ReweighedCrate
from hub.web import queries
from hub.web.i18n import clock_time, describe, translate
from hub.web.pages import Db, Uow
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)

MAX_CRATES: Final = 2000
"""Crates one form may list: more than a truck carries."""
MAX_FORM_CHARS: Final = MAX_CRATES * 160

_NET: Final = re.compile(r"(\d{1,4})(?:[.,](\d{1,3}))?(?:kg)?", re.IGNORECASE)
_UNIT_AFTER_NET: Final = re.compile(r"(?<=\d)\s+kg$", re.IGNORECASE)
_SEPARATORS: Final = re.compile(r"[\s;]+")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


class FormProblem(Exception):
    """What was typed cannot be read: a message key and the values it names."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def grams(text: str) -> int | None:
    """``"11,8"`` → 11800: kilograms as whole grams, exactly; ``None`` if it is no net."""
    found = _NET.fullmatch(text)
    if found is None:
        return None
    whole, fraction = found.groups()
    return int(whole) * 1000 + int((fraction or "").ljust(3, "0"))


def parse_crates(text: str) -> list[ReweighedCrate]:
    """The crate list as typed or scanned (see the module's docstring), in its order."""
    crates: list[ReweighedCrate] = []
    listed: set[str] = set()
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _UNIT_AFTER_NET.sub("", raw.strip())
        if not line:
            continue
        parts = _SEPARATORS.split(line)
        if len(parts) == 1 and (net := grams(line)) is not None:
            if not crates or crates[-1].hub_net_g is not None:
                raise FormProblem("receiving.error.net_without_crate", line=number, text=line)
            crates[-1] = ReweighedCrate(crates[-1].crate, net)
            continue
        if len(parts) > 2 or (len(parts) == 2 and grams(parts[1]) is None):
            raise FormProblem("receiving.error.unreadable_line", line=number, text=line)
        try:
            crate = check_plain_text(parts[0], field="crates")
        except InvalidInput:
            shown = _CONTROL.sub("", line)
            raise FormProblem("receiving.error.unreadable_line", line=number, text=shown) from None
        if crate in listed:
            raise FormProblem("receiving.error.listed_twice", crate=crate)
        listed.add(crate)
        crates.append(ReweighedCrate(crate, grams(parts[1]) if len(parts) == 2 else None))
        if len(crates) > MAX_CRATES:
            raise FormProblem("receiving.error.too_many", limit=MAX_CRATES)
    return crates


def dispatch_code(scanned: str, waiting: list[queries.DispatchInTransit]) -> str | None:
    """The dispatch a scan names: its code, or the SSCC of a dispatch on the road (as 18 digits,
    ``(00)…`` or a GS1 element string); ``None`` for an empty field."""
    text = scanned.strip()
    if not text:
        return None
    try:
        sscc = interpret(text).sscc
    except TraceError:
        sscc = None
    by_sscc = {d.sscc: d.code for d in waiting if d.sscc}
    if sscc is not None and sscc in by_sscc:
        return by_sscc[sscc]
    try:
        return check_plain_text(text, field="dispatch")
    except InvalidInput:
        shown = _CONTROL.sub("", text)
        raise FormProblem("receiving.error.unknown_dispatch", dispatch=shown) from None


@dataclass(frozen=True, slots=True)
class CrateLine:
    crate: str | None
    lot: str
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int
    reweighed: bool


@dataclass(frozen=True, slots=True)
class LotLine:
    lot: str
    crates: int
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int


@dataclass(frozen=True, slots=True)
class Received:
    """One receipt as the page shows it."""

    dispatch: str
    received_at: datetime
    operator: str
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int
    lots: list[LotLine]
    crates: list[CrateLine]


def _shown(engine: Engine, results: list[ReceiptResult], reweighed: set[str]) -> list[Received]:
    crate_of = queries.crates_of_weighings(
        engine, (line.weighing_id for r in results for line in r.receipt.lines)
    )
    shown = []
    for result in results:
        lines = result.receipt.lines
        counts = {lot: sum(1 for line in lines if line.lot == lot) for lot in result.by_lot()}
        shown.append(
            Received(
                dispatch=result.dispatch_code,
                received_at=result.receipt.received_at,
                operator=result.receipt.operator,
                village_net_g=result.village_net_g,
                hub_net_g=result.hub_net_g,
                shrinkage_g=result.shrinkage_g,
                lots=[
                    LotLine(lot, counts[lot], village, hub, village - hub)
                    for lot, (village, hub) in result.by_lot().items()
                ],
                crates=[
                    CrateLine(
                        crate=crate_of.get(line.weighing_id),
                        lot=line.lot,
                        village_net_g=line.village_net_g,
                        hub_net_g=line.hub_net_g,
                        shrinkage_g=line.shrinkage_g,
                        reweighed=crate_of.get(line.weighing_id) in reweighed,
                    )
                    for line in lines
                ],
            )
        )
    return shown


def _crate_problems(
    engine: Engine, language: str, dispatch: str | None, crates: list[ReweighedCrate]
) -> list[str]:
    """Why each listed crate cannot be received (with ``dispatch``: as part of it)."""
    problems = []
    for state in queries.crate_states(engine, (c.crate for c in crates)).values():
        crate = state.crate
        if state.kind == "in_transit" and dispatch not in (None, state.dispatch):
            problems.append(
                translate(
                    language,
                    "receiving.crate.other_dispatch",
                    crate=crate,
                    dispatch=dispatch,
                    other=state.dispatch,
                )
            )
        elif state.kind == "received":
            at = clock_time(state.received_at)
            problems.append(translate(language, "receiving.crate.received", crate=crate, at=at))
        elif state.kind != "in_transit":
            problems.append(translate(language, f"receiving.crate.{state.kind}", crate=crate))
    return problems


def _refusal(
    engine: Engine,
    language: str,
    exc: ServiceError | StockError,
    dispatch: str | None,
    crates: list[ReweighedCrate],
) -> tuple[list[str], int]:
    """The refusal in words, and the page's status."""
    field = getattr(exc, "field", None)
    status = 404 if isinstance(exc, NotFoundError) else 409
    if field == "dispatch" and dispatch is not None:
        key = "unknown_dispatch" if status == 404 else "nothing_left"
        return [translate(language, f"receiving.error.{key}", dispatch=dispatch)], status
    if field == "crates" and (problems := _crate_problems(engine, language, dispatch, crates)):
        return problems, status
    code = exc.code if isinstance(exc, ServiceError) else "conflict"
    return [describe(language, code, None, str(exc))], status


def _page(
    request: Request,
    me: Principal,
    engine: Engine,
    *,
    form: dict[str, str] | None = None,
    received: list[Received] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
    waiting: list[queries.DispatchInTransit] | None = None,
) -> HTMLResponse:
    context = {
        "form": form or {"dispatch": "", "crates": ""},
        "received": received or [],
        "errors": errors or [],
        "waiting": queries.dispatches_in_transit(engine) if waiting is None else waiting,
        "can_receive": me.role.allows(Role.OPERATOR),
        "max_chars": MAX_FORM_CHARS,
    }
    return render(request, "receiving.html", me, context, status_code=status_code)


@router.get("/receiving", response_class=HTMLResponse, summary="Receiving (role: viewer)")
def receiving_page(
    request: Request,
    me: RequireViewer,
    engine: Db,
    dispatch: Annotated[str, Query(max_length=256)] = "",
) -> HTMLResponse:
    """``?dispatch=`` fills the dispatch field (a tap on a dispatch on the road)."""
    return _page(request, me, engine, form={"dispatch": dispatch, "crates": ""})


@router.post(
    "/receiving", response_class=HTMLResponse, summary="Receive at the hub (role: operator; form)"
)
def receive(
    request: Request,
    me: FormOperator,
    uow: Uow,
    engine: Db,
    dispatch: Annotated[str, Form(max_length=256)] = "",
    crates: Annotated[str, Form(max_length=MAX_FORM_CHARS)] = "",
) -> HTMLResponse:
    language = page_language(request, me)
    form = {"dispatch": dispatch, "crates": crates}
    waiting = queries.dispatches_in_transit(engine)
    code: str | None = None
    listed: list[ReweighedCrate] = []
    try:
        code = dispatch_code(dispatch, waiting)
        listed = parse_crates(crates)
        if code is None and not listed:
            raise FormProblem("receiving.error.empty")
        results = stock_service.receive(
            uow,
            received_at=datetime.now(UTC),
            operator=me.name,
            dispatch_code=code,
            crates=listed,
        )
    except FormProblem as problem:
        errors = [translate(language, problem.key, **problem.values)]
        return _page(
            request, me, engine, form=form, errors=errors, status_code=422, waiting=waiting
        )
    except (ServiceError, StockError) as exc:
        errors, status = _refusal(engine, language, exc, code, listed)
        return _page(
            request, me, engine, form=form, errors=errors, status_code=status, waiting=waiting
        )
    reweighed = {c.crate for c in listed if c.hub_net_g is not None}
    return _page(request, me, engine, received=_shown(engine, results, reweighed), status_code=201)
