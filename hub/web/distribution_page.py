"""The distribution page: a day's orders, its plan, and the trips an approved plan makes.

One page, ``/distribution?day=…&plan=…``, read by viewers; every change is an operator's form
post that calls one service of ``hub.services.distribution`` (the ones behind
``hub.api.distribution``) and sends the browser back to the page, so a reload never repeats it:

* orders: one by form (a partner's order or a staple delivery, checked by the API's own
  models), or a CSV file, refused whole with every bad row named by line and column;
* plan the day (seconds, or iterations with a seed for a repeatable plan; the vehicles by
  type), shown as trips with their stops in driving order, arrival times and loads, a map
  (``hub.schedule.plan.trip_map_svg``, as ``/api/v1/trips/{id}/map.svg`` draws it, but from
  the plan, so a draft's trips, which have no id yet, get theirs), and what could not be
  served or allocated, in words;
* adjust a draft (lock a stop to a vehicle, free it, move an order to tomorrow), plan it
  again, approve it;
* an approved plan's trips: pick list, delivery notes, depart, and confirm each stop; or,
  before it departs, cancel a trip with the reason, which opens its orders again (the notice
  names them) for the next plan.  A departed trip's partner stop is confirmed with what the
  partner took: one line per loaded order, lot and grade, its kilograms prefilled with what
  was loaded (a decimal comma or point, read exactly as the receiving page reads a net), a
  reason and a "damaged" box.  A line left as loaded was delivered in full, so confirming
  without changing anything is a full delivery; a refused line is named in words and the
  form comes back as it was typed.

The day's plans are listed from the ``plans`` table; the page shows the one asked for, else
the day's approved plan, else its newest draft.  A refusal is said in words: the service's
field picks the message where one fits, else its own sentence is quoted.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import Engine, select

from hub.api.distribution import (
    DEFAULT_SECONDS,
    MAX_FILE_BYTES,
    CancelIn,
    Day,
    DeliveredIn,
    LimitsIn,
    PartnerOrderIn,
    PlanId,
    StapleDeliveryIn,
    TripId,
    get_planning_uow,
    get_setup,
)
from hub.api.inputs import MAX_ROW_ID
from hub.api.time import hub_today
from hub.auth.deps import FormOperator, RequireViewer
from hub.auth.domain import Principal, Role
from hub.db.plan_models import PlanRow
from hub.domain.stock import BlockedStockError, StockError
from hub.schedule.allocation import Pick
from hub.schedule.day import OrderEntry, OrderKind
from hub.schedule.handover import DoorReport, LoadedLine
from hub.schedule.messages import clock, message
from hub.schedule.orders import Staple
from hub.schedule.plan import Route, Trip, trip_map_svg
from hub.schedule.routing import SolveLimits
from hub.schedule.setup import DistributionSetup
from hub.schedule.stored import shortfall_of
from hub.services import ConflictError, NotFoundError, ServiceError
from hub.services import distribution as service
from hub.services.planning_uow import Adjustment, SqlPlanningUnitOfWork
from hub.web import queries, receiving
from hub.web.i18n import kilograms, translate
from hub.web.pages import Db
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)
PlanningUow = Annotated[SqlPlanningUnitOfWork, Depends(get_planning_uow)]
Setup = Annotated[DistributionSetup, Depends(get_setup)]

DONE: Final = frozenset(
    {
        "order",
        "imported",
        "planned",
        "adjusted",
        "replanned",
        "approved",
        "departed",
        "confirmed",
        "cancelled",
        "cancelled_empty",
    }
)
"""What a post just did, as the page it redirects to says: ``distribution.done.{done}``."""
LISTED_CHARS: Final = 2000
"""The longest list of ids a notice names (the ``orders`` of the page's query)."""
ORDER_FIELDS: Final = (
    "id",
    "partner",
    "partner_name",
    "address",
    "lat",
    "lon",
    "product",
    "grade",
    "quantity",
    "unit",
    "priority",
    "cooperative",
    "staple",
    "window_from",
    "window_to",
)
REFUSED_FIELDS: Final = {
    "product": ("distribution.error.unknown_product", "product"),
    "grade": ("distribution.error.unknown_grade", "grade"),
    "lat": ("distribution.error.unknown_partner", "partner"),
    "cooperative": ("distribution.error.unknown_cooperative", "cooperative"),
}
"""The service's ``InvalidRequestError.field`` for an order → the message and the form field
whose value it names."""
_PROBLEMS: Final = (
    (("missing", "string_too_short"), "distribution.problem.required"),
    (("string_too_long", "too_long"), "distribution.problem.too_long"),
    (
        ("greater_than", "greater_than_equal", "less_than", "less_than_equal"),
        "distribution.problem.range",
    ),
)
MAX_HANDOVER_LINES: Final = 1000
"""Loaded lines one stop's form may report, as the API takes them."""
_VEHICLE: Final = re.compile(r"(\S+) ([1-9][0-9]{0,3})")
_REPORT_FIELD: Final = re.compile(r"deliveries\.(\d+)\.(\w+)")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


class FormProblem(Exception):
    """What was typed cannot be read: a message key and the values it names."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# ---- what the page shows ----


@dataclass(frozen=True, slots=True)
class PlanChoice:
    id: int
    status: str
    stale: bool
    solved_at: datetime
    solved_by: str


def plans_on(engine: Engine, day: date) -> list[PlanChoice]:
    query = (
        select(PlanRow.id, PlanRow.status, PlanRow.stale, PlanRow.solved_at, PlanRow.solved_by)
        .where(PlanRow.day == day)
        .order_by(PlanRow.id)
    )
    with engine.connect() as connection:
        return [PlanChoice(*row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class OrderLine:
    entry: OrderEntry
    what: str


@dataclass(frozen=True, slots=True)
class HandoverLine:
    """A loaded line of a stop to confirm, with what the form says the partner took of it."""

    order: str
    lot: str | None
    grade: str
    loaded_g: int
    delivered: str
    """Kilograms as typed, else as loaded (``typed_kg``)."""
    reason: str = ""
    damaged: bool = False


@dataclass(frozen=True, slots=True)
class TypedHandover:
    """A stop confirmation's form as it was posted: per loaded line, in loading order, the
    kilograms and reason typed; ``damaged`` holds the indexes of the lines ticked."""

    trip_id: str
    stop_no: int
    delivered: list[str]
    reason: list[str]
    damaged: frozenset[str]


def _handover_line(
    index: int, loaded: LoadedLine, typed: TypedHandover | None, language: str
) -> HandoverLine:
    """The ``index``-th loaded line of a stop for its form: as typed when the form comes back
    refused, else as loaded."""
    if typed is not None and index < min(len(typed.delivered), len(typed.reason)):
        delivered, reason = typed.delivered[index], typed.reason[index]
    else:
        delivered, reason = typed_kg(loaded.quantity_g, language), ""
    return HandoverLine(
        order=loaded.order_id,
        lot=loaded.key.lot,
        grade=loaded.key.grade,
        loaded_g=loaded.quantity_g,
        delivered=delivered,
        reason=reason,
        damaged=typed is not None and str(index) in typed.damaged,
    )


def typed_kg(grams: int, language: str) -> str:
    """Grams as an operator types kilograms: no thousands mark, the decimal comma in
    Indonesian (``60,000``); ``hub.web.receiving.grams`` reads it back exactly."""
    text = f"{Decimal(grams) / 1000:.3f}"
    return text.replace(".", ",") if language == "id" else text


@dataclass(frozen=True, slots=True)
class StopLine:
    no: int
    place_id: str
    place: str
    approximate: bool
    window: str
    arrival: str
    departure: str
    drop_g: int
    drop_crates: int
    collect_g: int
    collect_crates: int
    load_after_g: int
    load_after_crates: int
    what: list[tuple[str, str]]
    """(ref, what it is in words) of each consignment."""
    confirmed: bool
    handover: list[HandoverLine] = field(default_factory=list)
    """A departed trip's stop still to confirm: its loaded lines, for the form."""


@dataclass(frozen=True, slots=True)
class PickRow:
    stop: int
    place: str
    ref: str
    what: str
    weight_g: int
    crates: int
    lots: tuple[Pick, ...]


@dataclass(frozen=True, slots=True)
class TripLine:
    trip_id: str | None
    vehicle: str
    label: str
    number: int
    departure: str
    back: str
    distance_m: int
    load_out_g: int
    load_out_crates: int
    stops: list[StopLine]
    map_uri: str
    status: str | None
    """An approved trip's: planned, departed, done or cancelled; ``None`` on a draft."""
    picks: list[PickRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanShown:
    view: service.PlanView
    trips: list[TripLine]
    unserved: list[str]
    shortfalls: list[str]
    stops: list[tuple[str, str]]
    """Places a lock may name: (place id, name)."""
    vehicles: list[str]
    """Vehicles a lock may name: ``CDD 2``."""


def _map_uri(route: Route, trip: Trip, setup: DistributionSetup, language: str) -> str:
    """The trip's map as a data URI: an SVG in an ``<img>`` runs no script."""
    others = [c.place for c in setup.cooperatives.values()]
    others += [p.place for p in setup.partners.values()]
    svg = trip_map_svg(route, trip, hub=setup.hub.place, others=others, language=language)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _trip_line(
    route: Route,
    trip: Trip,
    trip_id: str | None,
    setup: DistributionSetup,
    language: str,
    uow: SqlPlanningUnitOfWork,
    typed: TypedHandover | None,
) -> TripLine:
    status: str | None = None
    confirmed: set[int] = set()
    picks: list[PickRow] = []
    handovers: dict[int, list[HandoverLine]] = {}
    if trip_id is not None:
        approved = service.trip_view(uow, trip_id)
        status, confirmed = approved.entry.status, set(approved.confirmed)
        if status == "departed":
            for no, visit in enumerate(approved.entry.stops, start=1):
                form = typed if typed and (typed.trip_id, typed.stop_no) == (trip_id, no) else None
                handovers[no] = [
                    _handover_line(index, loaded, form, language)
                    for index, loaded in enumerate(service.loaded_lines(visit))
                ]
        if status != "cancelled":
            picks = [
                PickRow(
                    p.stop_no, p.place, p.ref, p.what.text(language), p.weight_g, p.crates, p.lots
                )
                for p in service.trip_pick_list(uow, trip_id)
            ]
    stops = [
        StopLine(
            no=no,
            place_id=visit.stop.place.id,
            place=visit.stop.place.name,
            approximate=visit.stop.place.approximate,
            window=f"{clock(visit.stop.opens_s)}–{clock(visit.stop.closes_s)}",
            arrival=clock(visit.arrival_s),
            departure=clock(visit.departure_s),
            drop_g=visit.stop.drop.weight_g,
            drop_crates=visit.stop.drop.crates,
            collect_g=visit.stop.collect.weight_g,
            collect_crates=visit.stop.collect.crates,
            load_after_g=visit.load_after.weight_g,
            load_after_crates=visit.load_after.crates,
            what=[(c.ref, c.what.text(language)) for c in visit.stop.consignments],
            confirmed=no in confirmed,
            handover=[] if no in confirmed else handovers.get(no, []),
        )
        for no, visit in enumerate(trip.visits, start=1)
    ]
    return TripLine(
        trip_id=trip_id,
        vehicle=route.name,
        label=route.vehicle.label,
        number=trip.number,
        departure=clock(trip.departure_s),
        back=clock(trip.return_s),
        distance_m=trip.distance_m,
        load_out_g=trip.load_out.weight_g,
        load_out_crates=trip.load_out.crates,
        stops=stops,
        map_uri=_map_uri(route, trip, setup, language),
        status=status,
        picks=picks,
    )


def _plan_shown(
    uow: SqlPlanningUnitOfWork,
    view: service.PlanView,
    setup: DistributionSetup,
    language: str,
    typed: TypedHandover | None = None,
) -> PlanShown:
    trips = [
        _trip_line(
            route,
            trip,
            view.trip_ids.get((route.vehicle.id, route.vehicle_no, trip.number)),
            setup,
            language,
            uow,
            typed,
        )
        for route, trip in view.plan.trips()
    ]
    stops = {
        visit.stop.place.id: visit.stop.place.name
        for _, trip in view.plan.trips()
        for visit in trip.visits
    }
    for unserved in view.stored.unserved:
        place = str(unserved["ref"]).split("/")[0]
        stops.setdefault(place, place)
    return PlanShown(
        view=view,
        trips=trips,
        unserved=[u.reason.text(language) for u in view.plan.unserved],
        shortfalls=[shortfall_of(s).text(language) for s in view.stored.shortfalls],
        stops=sorted(stops.items(), key=lambda item: item[1]),
        vehicles=[f"{v.id} {n}" for v in view.fleet for n in range(1, v.count + 1)],
    )


def _order_line(entry: OrderEntry, names: dict[str, str], language: str) -> OrderLine:
    if entry.kind is OrderKind.STAPLES:
        return OrderLine(entry, message(f"what.{entry.product}").text(language))
    product = names.get(entry.product, entry.product)
    return OrderLine(
        entry, message("what.order", product=product, grade=entry.grade).text(language)
    )


def rupiah(amount: int, language: str) -> str:
    """Whole rupiah with the thousands separator of the language: ``Rp 1.250.000``."""
    grouped = f"{amount:,}"
    return "Rp " + (grouped.replace(",", ".") if language == "id" else grouped)


def _chosen_plan(plans: list[PlanChoice]) -> int | None:
    approved = [p.id for p in plans if p.status == "approved"]
    candidates = approved or [p.id for p in plans]
    return candidates[-1] if candidates else None


def _blank_order(day: date) -> dict[str, str]:
    return {name: "" for name in ORDER_FIELDS} | {
        "unit": "kg",
        "priority": "3",
        "window_from": "06:00",
        "window_to": "12:00",
        "day": day.isoformat(),
    }


def _page(
    request: Request,
    me: Principal,
    uow: SqlPlanningUnitOfWork,
    engine: Engine,
    setup: DistributionSetup,
    *,
    day: date,
    plan_id: int | None = None,
    order_form: dict[str, str] | None = None,
    order_kind: str = "partner",
    order_open: bool = False,
    notice: str | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
    handover: TypedHandover | None = None,
) -> HTMLResponse:
    language = page_language(request, me)
    plans = plans_on(engine, day)
    shown: PlanShown | None = None
    chosen = plan_id if plan_id is not None else _chosen_plan(plans)
    if chosen is not None:
        try:
            shown = _plan_shown(uow, service.plan_view(uow, chosen), setup, language, handover)
        except NotFoundError:
            errors = [*(errors or []), translate(language, "distribution.error.no_plan", id=chosen)]
            status_code = 404
    names = queries.product_names(engine)
    orders = service.orders_on(uow, day)
    context = {
        "path": "/distribution",
        "day": day,
        "yesterday": day - timedelta(days=1),
        "tomorrow": day + timedelta(days=1),
        "orders": [_order_line(o, names, language) for o in orders],
        "open_orders": [o.id for o in orders if o.status == "open"],
        "plans": plans,
        "shown": shown,
        "cost": rupiah(shown.view.stored.cost_rp, language) if shown else "",
        "can_plan": me.role.allows(Role.OPERATOR),
        "products": sorted(names.items(), key=lambda item: item[1]),
        "grades": setup.grades.grades,
        "partners": sorted(setup.partners.values(), key=lambda p: p.id),
        "cooperatives": sorted(setup.cooperatives.items()),
        "staples": [(s.value, message(f"what.{s.value}").text(language)) for s in Staple],
        "fleet": setup.fleet,
        "default_seconds": f"{DEFAULT_SECONDS:g}",
        "order_form": order_form or _blank_order(day),
        "order_kind": order_kind,
        "order_open": order_open,
        "notice": notice,
        "errors": errors or [],
    }
    return render(request, "distribution.html", me, context, status_code=status_code)


def _back(
    day: date, plan_id: int | None, done: str, ref: object = "", *, orders: str = ""
) -> RedirectResponse:
    query: dict[str, object] = {"day": day.isoformat()}
    if plan_id is not None:
        query["plan"] = plan_id
    query |= {"done": done, "ref": ref}
    if orders:
        query["orders"] = orders
    return RedirectResponse(f"/distribution?{urlencode(query)}", status_code=303)


def _listed(ids: Sequence[str]) -> str:
    """Ids for a notice, as many as fit in ``LISTED_CHARS``: ``SO-1, SO-2, …``."""
    text = ""
    for id_ in ids:
        longer = f"{text}, {id_}" if text else id_
        if len(longer) > LISTED_CHARS - len(", …"):
            return f"{text}, …"
        text = longer
    return text


@router.get("/distribution", response_class=HTMLResponse, summary="Distribution (role: viewer)")
def distribution_page(
    request: Request,
    me: RequireViewer,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    day: Annotated[Day | None, Query()] = None,
    plan: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    done: Annotated[str, Query(max_length=32)] = "",
    ref: Annotated[str, Query(max_length=200)] = "",
    orders: Annotated[str, Query(max_length=LISTED_CHARS)] = "",
) -> HTMLResponse:
    """``day`` (default today, or the plan's day); ``plan`` to show one of the day's plans;
    ``done``, ``ref`` and ``orders``: what a post just did, for the notice."""
    language = page_language(request, me)
    if day is None and plan is not None:
        try:
            day = service.plan_view(uow, plan).stored.day
        except NotFoundError:
            day = None
    notice = None
    if done in DONE:
        notice = translate(
            language,
            f"distribution.done.{done}",
            ref=_CONTROL.sub("", ref),
            orders=_CONTROL.sub("", orders),
        )
    return _page(
        request, me, uow, engine, setup, day=day or hub_today(), plan_id=plan, notice=notice
    )


def _refused(
    request: Request,
    me: Principal,
    uow: SqlPlanningUnitOfWork,
    engine: Engine,
    setup: DistributionSetup,
    error: str,
    status_code: int,
    *,
    day: date,
    plan_id: int | None = None,
    order_form: dict[str, str] | None = None,
    order_kind: str = "partner",
    handover: TypedHandover | None = None,
) -> HTMLResponse:
    return _page(
        request,
        me,
        uow,
        engine,
        setup,
        day=day,
        plan_id=plan_id,
        order_form=order_form,
        order_kind=order_kind,
        order_open=order_form is not None,
        errors=[error],
        status_code=status_code,
        handover=handover,
    )


def _status(exc: Exception) -> int:
    if isinstance(exc, FormProblem | service.InvalidRequestError):
        return 422
    return 404 if isinstance(exc, NotFoundError) else 409


def _said(language: str, exc: Exception) -> str:
    """A refusal in words: the form's own problems by key, the services' with their sentence."""
    if isinstance(exc, FormProblem):
        return translate(language, exc.key, **exc.values)
    if isinstance(exc, BlockedStockError):
        return translate(language, "distribution.error.blocked", detail=str(exc))
    if isinstance(exc, NotFoundError):
        return translate(language, "distribution.error.not_found", detail=str(exc))
    return translate(language, "distribution.error.refused", detail=str(exc))


# ---- orders ----


def _grams_text(text: str) -> str:
    """A kilogram figure as typed, with the decimal comma Indonesian uses."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise FormProblem(
            "distribution.error.order_field",
            field="quantity",
            problem="distribution.problem.required",
        )
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        Decimal(cleaned)
    except InvalidOperation:
        raise FormProblem(
            "distribution.error.order_field",
            field="quantity",
            problem="distribution.problem.unreadable",
        ) from None
    return cleaned


def _order_body(kind: str, form: dict[str, str]) -> dict[str, object]:
    """The API's order body from the form (``PartnerOrderIn`` or ``StapleDeliveryIn``)."""
    common: dict[str, object] = {
        "kind": kind,
        "id": form["id"].strip(),
        "day": form["day"],
        "window_from": form["window_from"],
        "window_to": form["window_to"],
    }
    if kind == "staples":
        return common | {
            "cooperative": form["cooperative"],
            "staple": form["staple"],
            "quantity_kg": _grams_text(form["quantity"]),
        }
    body = common | {
        "partner": form["partner"].strip(),
        "partner_name": form["partner_name"].strip() or None,
        "address": form["address"].strip() or None,
        "product": form["product"],
        "grade": form["grade"],
        "priority": form["priority"] or "3",
    }
    for name in ("lat", "lon"):
        if form[name].strip():
            body[name] = form[name].strip().replace(",", ".")
    if form["unit"] == "crate":
        return body | {"crates": form["quantity"].strip()}
    return body | {"quantity_kg": _grams_text(form["quantity"])}


def _field_problem(error: ErrorDetails) -> FormProblem:
    """The first thing pydantic found wrong with an order, as the form's field and a key."""
    name = str(error["loc"][0]) if error["loc"] else ""
    name = {"quantity_kg": "quantity", "crates": "quantity"}.get(name, name)
    message = error["msg"]
    if error["type"] == "value_error" and "window_to" in message:
        name, problem = "window_to", "distribution.problem.window"
    elif error["type"] == "value_error" and "lat" in message:
        name, problem = "lat", "distribution.problem.coordinates"
    else:
        problem = next(
            (key for types, key in _PROBLEMS if error["type"] in types),
            "distribution.problem.unreadable",
        )
    return FormProblem(
        "distribution.error.order_field",
        field=name if name in ORDER_FIELDS else "day",
        problem=problem,
    )


def _entry(kind: str, form: dict[str, str]) -> OrderEntry:
    body = _order_body(kind, form)
    try:
        if kind == "staples":
            return StapleDeliveryIn.model_validate(body).entry()
        return PartnerOrderIn.model_validate(body).entry()
    except ValidationError as exc:
        raise _field_problem(exc.errors()[0]) from None


def _order_said(language: str, exc: Exception, form: dict[str, str]) -> str:
    if isinstance(exc, FormProblem) and exc.key == "distribution.error.order_field":
        field_word = translate(language, f"distribution.field.{exc.values['field']}")
        problem = translate(language, str(exc.values["problem"]))
        return translate(language, exc.key, field=field_word, problem=problem)
    if isinstance(exc, service.InvalidRequestError) and exc.field in REFUSED_FIELDS:
        key, named = REFUSED_FIELDS[exc.field]
        return translate(language, key, value=form[named])
    if isinstance(exc, ConflictError) and exc.field == "id":
        return translate(language, "distribution.error.order_exists", id=form["id"].strip())
    return _said(language, exc)


@router.post(
    "/distribution/orders",
    response_class=HTMLResponse,
    summary="Enter an order or a staple delivery (role: operator; form)",
)
def add_order(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    kind: Annotated[Literal["partner", "staples"], Form()] = "partner",
    day: Annotated[str, Form(max_length=10)] = "",
    id: Annotated[str, Form(max_length=64)] = "",
    partner: Annotated[str, Form(max_length=128)] = "",
    partner_name: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    lon: Annotated[str, Form(max_length=32)] = "",
    product: Annotated[str, Form(max_length=128)] = "",
    grade: Annotated[str, Form(max_length=32)] = "",
    quantity: Annotated[str, Form(max_length=32)] = "",
    unit: Annotated[Literal["kg", "crate"], Form()] = "kg",
    priority: Annotated[str, Form(max_length=2)] = "3",
    cooperative: Annotated[str, Form(max_length=128)] = "",
    staple: Annotated[str, Form(max_length=32)] = "",
    window_from: Annotated[str, Form(max_length=8)] = "",
    window_to: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    form = {
        "day": day, "id": id, "partner": partner, "partner_name": partner_name,
        "address": address, "lat": lat, "lon": lon, "product": product, "grade": grade,
        "quantity": quantity, "unit": unit, "priority": priority, "cooperative": cooperative,
        "staple": staple, "window_from": window_from, "window_to": window_to,
    }  # fmt: skip
    try:
        entry = service.create_order(
            uow,
            _entry(kind, form),
            setup=setup,
            operator=me.name,
            at=datetime.now(UTC),
        )
    except (FormProblem, ServiceError) as exc:
        language = page_language(request, me)
        return _refused(
            request,
            me,
            uow,
            engine,
            setup,
            _order_said(language, exc, form),
            _status(exc),
            day=_day_or_today(day),
            order_form=form,
            order_kind=kind,
        )
    return _back(entry.day, None, "order", entry.id)


def _day_or_today(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return hub_today()
    return day if 1970 <= day.year <= 9998 else hub_today()


@router.post(
    "/distribution/orders/import",
    response_class=HTMLResponse,
    summary="Import orders from a CSV file, all or none (role: operator; form)",
)
def import_orders(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    file: Annotated[UploadFile | None, File()] = None,
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    language = page_language(request, me)
    shown_day = _day_or_today(day)
    errors: list[str]
    try:
        if file is None or not file.filename:
            raise FormProblem("distribution.error.no_file")
        raw = file.file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise FormProblem(
                "distribution.error.file_too_large", limit=MAX_FILE_BYTES // 1_000_000
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormProblem("distribution.error.not_utf8") from None
        entries = service.import_orders(
            uow,
            text,
            file=file.filename[:200],
            setup=setup,
            operator=me.name,
            at=datetime.now(UTC),
        )
    except service.ImportRejectedError as exc:
        errors = [translate(language, "distribution.import.rejected", n=len(exc.problems))]
        errors += [
            translate(
                language,
                "distribution.import.problem",
                line=problem.line,
                column=problem.column,
                message=problem.message.text(language),
            )
            for problem in exc.problems
        ]
        return _page(request, me, uow, engine, setup, day=shown_day, errors=errors, status_code=422)
    except (FormProblem, ServiceError) as exc:
        return _refused(
            request, me, uow, engine, setup, _said(language, exc), _status(exc), day=shown_day
        )
    return _back(shown_day, None, "imported", len(entries))


# ---- plans ----


def _number(text: str) -> str | None:
    """A number as typed, with a decimal comma or point; ``None`` when the field is blank."""
    return text.strip().replace(",", ".") or None


def _limits(seconds: str, iterations: str, seed: str) -> SolveLimits | None:
    """The solver's limits as typed; ``None`` when nothing was (the default, or the last)."""
    if not (seconds.strip() or iterations.strip() or seed.strip()):
        return None
    try:
        typed = {"seconds": _number(seconds), "iterations": _number(iterations)}
        return LimitsIn.model_validate({**typed, "seed": _number(seed) or "1"}).limits()
    except ValidationError:
        raise FormProblem("distribution.error.limits") from None


def _fleet(vehicle: list[str], count: list[str]) -> dict[str, int] | None:
    if not vehicle:
        return None
    if len(vehicle) != len(count):
        raise FormProblem("distribution.error.vehicles")
    try:
        fleet = {v: int(n or 0) for v, n in zip(vehicle, count, strict=True)}
    except ValueError:
        raise FormProblem("distribution.error.vehicles") from None
    if any(not 0 <= n <= 1000 for n in fleet.values()):
        raise FormProblem("distribution.error.vehicles")
    return fleet


@router.post(
    "/distribution/plans", response_class=HTMLResponse, summary="Plan a day (role: operator; form)"
)
def plan_day(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    day: Annotated[str, Form(max_length=10)] = "",
    seconds: Annotated[str, Form(max_length=16)] = "",
    iterations: Annotated[str, Form(max_length=16)] = "",
    seed: Annotated[str, Form(max_length=16)] = "",
    vehicle: Annotated[list[str] | None, Form(max_length=50)] = None,
    count: Annotated[list[str] | None, Form(max_length=50)] = None,
) -> Response:
    planned_day = _day_or_today(day)
    try:
        limits = _limits(seconds, iterations, seed) or SolveLimits(DEFAULT_SECONDS, None, 1)
        view = service.create_plan(
            uow,
            day=planned_day,
            setup=setup,
            limits=limits,
            operator=me.name,
            at=datetime.now(UTC),
            vehicles=_fleet(vehicle or [], count or []),
        )
    except service.InvalidRequestError as exc:
        error = translate(
            page_language(request, me), "distribution.error.vehicles_refused", detail=str(exc)
        )
        return _refused(request, me, uow, engine, setup, error, 422, day=planned_day)
    except (FormProblem, ServiceError) as exc:
        error = _said(page_language(request, me), exc)
        return _refused(request, me, uow, engine, setup, error, _status(exc), day=planned_day)
    return _back(view.stored.day, view.stored.id, "planned", view.stored.id)


def _plan_day(uow: SqlPlanningUnitOfWork, plan_id: int) -> date:
    try:
        return service.plan_view(uow, plan_id).stored.day
    except NotFoundError:
        return hub_today()


def _adjustment(kind: str, stop: str, vehicle: str, order: str, operator: str) -> Adjustment:
    at = datetime.now(UTC)
    if kind == "move":
        if not order:
            raise FormProblem("distribution.error.choose_order")
        return Adjustment("move", at, operator, order_id=order)
    if not stop:
        raise FormProblem("distribution.error.choose_stop")
    if kind == "unlock":
        return Adjustment("unlock", at, operator, place=stop)
    found = _VEHICLE.fullmatch(vehicle)
    if found is None:
        raise FormProblem("distribution.error.choose_vehicle")
    return Adjustment(
        "lock", at, operator, place=stop, vehicle=found.group(1), vehicle_no=int(found.group(2))
    )


@router.post(
    "/distribution/plans/{plan_id}/adjust",
    response_class=HTMLResponse,
    summary="Lock a stop to a vehicle, free it, or move an order to tomorrow (operator; form)",
)
def adjust_plan(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    plan_id: PlanId,
    kind: Annotated[Literal["lock", "unlock", "move"], Form()] = "lock",
    stop: Annotated[str, Form(max_length=128)] = "",
    vehicle: Annotated[str, Form(max_length=70)] = "",
    order: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        view = service.adjust_plan(uow, plan_id, _adjustment(kind, stop, vehicle, order, me.name))
    except (FormProblem, ServiceError) as exc:
        return _plan_refused(request, me, uow, engine, setup, plan_id, exc)
    return _back(view.stored.day, plan_id, "adjusted", plan_id)


@router.post(
    "/distribution/plans/{plan_id}/replan",
    response_class=HTMLResponse,
    summary="Plan a draft again, honouring its locks (role: operator; form)",
)
def replan(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    plan_id: PlanId,
    seconds: Annotated[str, Form(max_length=16)] = "",
    iterations: Annotated[str, Form(max_length=16)] = "",
    seed: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        view = service.replan(
            uow,
            plan_id,
            setup=setup,
            operator=me.name,
            at=datetime.now(UTC),
            limits=_limits(seconds, iterations, seed),
        )
    except (FormProblem, ServiceError) as exc:
        return _plan_refused(request, me, uow, engine, setup, plan_id, exc)
    return _back(view.stored.day, plan_id, "replanned", plan_id)


@router.post(
    "/distribution/plans/{plan_id}/approve",
    response_class=HTMLResponse,
    summary="Approve a draft into trips (role: operator; form)",
)
def approve_plan(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    plan_id: PlanId,
) -> Response:
    try:
        view = service.approve(uow, plan_id, setup=setup, operator=me.name, at=datetime.now(UTC))
    except ServiceError as exc:
        stale = isinstance(exc, ConflictError) and _is_stale(uow, plan_id)
        return _plan_refused(
            request, me, uow, engine, setup, plan_id, exc, instead="stale" if stale else None
        )
    return _back(view.stored.day, plan_id, "approved", plan_id)


def _is_stale(uow: SqlPlanningUnitOfWork, plan_id: int) -> bool:
    stored = service.plan_view(uow, plan_id).stored
    return stored.status == "draft" and stored.stale


def _plan_refused(
    request: Request,
    me: Principal,
    uow: SqlPlanningUnitOfWork,
    engine: Engine,
    setup: DistributionSetup,
    plan_id: int,
    exc: FormProblem | ServiceError,
    *,
    instead: str | None = None,
) -> HTMLResponse:
    """The plan's page again, saying why ``exc`` refused the post, or, when ``instead`` names
    one, the page's own ``distribution.error.*`` sentence for it."""
    language = page_language(request, me)
    error = (
        translate(language, f"distribution.error.{instead}", id=plan_id)
        if instead
        else _said(language, exc)
    )
    day = _plan_day(uow, plan_id)
    return _refused(request, me, uow, engine, setup, error, _status(exc), day=day, plan_id=plan_id)


# ---- trips ----


def _trip_place(uow: SqlPlanningUnitOfWork, trip_id: str) -> tuple[date, int | None, str | None]:
    """The trip's day, plan and status, for the page that answers a post about it."""
    try:
        entry = service.trip_view(uow, trip_id).entry
    except NotFoundError:
        return hub_today(), None, None
    return entry.day, entry.plan_id, entry.status


_DEPART_CONFLICTS: Final = {
    "departed": "already_departed",
    "done": "already_departed",
    "cancelled": "cancelled_departs",
}
_CANCEL_CONFLICTS: Final = {
    "departed": "cancel_departed",
    "done": "cancel_departed",
    "cancelled": "already_cancelled",
}


def _trip_refused(
    request: Request,
    me: Principal,
    uow: SqlPlanningUnitOfWork,
    engine: Engine,
    setup: DistributionSetup,
    trip_id: str,
    exc: FormProblem | ServiceError | StockError,
    conflicts: Mapping[str, str],
) -> HTMLResponse:
    """The trip's page again, saying why ``exc`` refused the post: a conflict with the trip's
    status in ``conflicts`` in the page's own ``distribution.error.*`` sentence, anything else
    as the service said it."""
    day, plan_id, status = _trip_place(uow, trip_id)
    language = page_language(request, me)
    sentence = conflicts.get(status or "") if isinstance(exc, ConflictError) else None
    error = (
        translate(language, f"distribution.error.{sentence}", trip=trip_id)
        if sentence
        else _said(language, exc)
    )
    return _refused(request, me, uow, engine, setup, error, _status(exc), day=day, plan_id=plan_id)


@router.post(
    "/distribution/trips/{trip_id}/depart",
    response_class=HTMLResponse,
    summary="A trip leaves the hub: its lots move hub → in transit (role: operator; form)",
)
def depart(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    trip_id: TripId,
) -> Response:
    try:
        service.depart(uow, trip_id, operator=me.name, at=datetime.now(UTC))
    except (ServiceError, StockError) as exc:
        return _trip_refused(request, me, uow, engine, setup, trip_id, exc, _DEPART_CONFLICTS)
    day, plan_id, _ = _trip_place(uow, trip_id)
    return _back(day, plan_id, "departed", trip_id)


def _named(line: LoadedLine) -> dict[str, str]:
    """The values a message about one loaded line names it by."""
    return {"order": line.order_id, "lot": line.key.lot or "—", "grade": line.key.grade}


def _door_reports(
    lines: Sequence[LoadedLine], typed: TypedHandover
) -> list[tuple[LoadedLine, DoorReport]]:
    """The stop's form as door reports, each with its loaded line: one per line the partner
    did not take in full.  A line left as loaded (as either language prefills it) or typed
    as loaded is not reported, so it is delivered in full, as is every line of a post
    without the form."""
    if not typed.delivered:
        return []
    if not len(typed.delivered) == len(typed.reason) == len(lines):
        raise FormProblem("distribution.error.handover_form", trip=typed.trip_id, n=typed.stop_no)
    reported = []
    for index, line in enumerate(lines):
        said = "".join(typed.delivered[index].split())
        as_loaded = said in (typed_kg(line.quantity_g, "id"), typed_kg(line.quantity_g, "en"))
        delivered_g = line.quantity_g if as_loaded else receiving.grams(said)
        if delivered_g is None:
            shown = _CONTROL.sub("", typed.delivered[index].strip())[:32]
            raise FormProblem("distribution.error.delivered_unreadable", **_named(line), text=shown)
        if delivered_g == line.quantity_g:
            continue
        body = {
            "order": line.order_id,
            "lot": line.key.lot,
            "grade": line.key.grade,
            "delivered_g": delivered_g,
            "reason": typed.reason[index].strip() or None,
            "damaged": str(index) in typed.damaged,
        }
        try:
            reported.append((line, DeliveredIn.model_validate(body).report()))
        except ValidationError:
            raise FormProblem("distribution.error.handover_reason", **_named(line)) from None
    return reported


def _handover_said(
    language: str,
    exc: service.InvalidRequestError,
    reported: Sequence[tuple[LoadedLine, DoorReport]],
) -> str:
    """The service's refusal of a report line, naming the order, lot and grade at fault."""
    found = _REPORT_FIELD.fullmatch(exc.field or "")
    if found is None or int(found.group(1)) >= len(reported):
        return _said(language, exc)
    line, report = reported[int(found.group(1))]
    if found.group(2) == "delivered_g":
        return translate(
            language,
            "distribution.error.delivered_too_much",
            **_named(line),
            delivered=kilograms(report.delivered_g, language),
            loaded=kilograms(line.quantity_g, language),
        )
    if found.group(2) == "reason":
        return translate(
            language,
            "distribution.error.short_without_reason",
            **_named(line),
            short=kilograms(line.quantity_g - report.delivered_g, language),
        )
    return _said(language, exc)


@router.post(
    "/distribution/trips/{trip_id}/stops/{n}/confirm",
    response_class=HTMLResponse,
    summary="A trip's stop is served, with what the partner took of each loaded line: its "
    "stock moves on (role: operator; form)",
)
def confirm_stop(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    trip_id: TripId,
    n: Annotated[int, Path(ge=1, le=10_000)],
    delivered: Annotated[list[str] | None, Form(max_length=MAX_HANDOVER_LINES)] = None,
    reason: Annotated[list[str] | None, Form(max_length=MAX_HANDOVER_LINES)] = None,
    damaged: Annotated[list[str] | None, Form(max_length=MAX_HANDOVER_LINES)] = None,
) -> Response:
    """``delivered`` and ``reason``: one per loaded line of the stop, in loading order;
    ``damaged``: the indexes of the lines whose shortfall is damaged.  Without them, the
    stop was delivered in full."""
    language = page_language(request, me)
    typed = TypedHandover(trip_id, n, delivered or [], reason or [], frozenset(damaged or []))
    reported: list[tuple[LoadedLine, DoorReport]] = []
    try:
        lines = service.stop_loads(uow, trip_id, n) if typed.delivered else []
        reported = _door_reports(lines, typed)
        service.confirm_stop(
            uow,
            trip_id,
            n,
            operator=me.name,
            at=datetime.now(UTC),
            reports=[report for _, report in reported],
        )
    except (FormProblem, ServiceError, StockError) as exc:
        day, plan_id, status = _trip_place(uow, trip_id)
        error = _said(language, exc)
        if isinstance(exc, ConflictError) and exc.field == "n":
            error = translate(language, "distribution.error.stop_confirmed", trip=trip_id, n=n)
        elif isinstance(exc, ConflictError) and status != "departed":
            error = translate(language, "distribution.error.not_departed", trip=trip_id)
        elif isinstance(exc, service.InvalidRequestError):
            error = _handover_said(language, exc, reported)
        return _refused(
            request,
            me,
            uow,
            engine,
            setup,
            error,
            _status(exc),
            day=day,
            plan_id=plan_id,
            handover=typed,
        )
    day, plan_id, _ = _trip_place(uow, trip_id)
    return _back(day, plan_id, "confirmed", f"{trip_id}/{n}")


def _cancel_reason(text: str, trip_id: str) -> str:
    """The reason as the API takes it (``CancelIn``): said in words; it may span lines."""
    if not text.strip():
        raise FormProblem("distribution.error.cancel_reason", trip=trip_id)
    try:
        return CancelIn.model_validate({"reason": text.strip()}).reason
    except ValidationError:
        raise FormProblem("distribution.error.cancel_reason_unreadable") from None


@router.post(
    "/distribution/trips/{trip_id}/cancel",
    response_class=HTMLResponse,
    summary="Call off a trip that has not departed, with the reason: its orders open again "
    "(role: operator; form)",
)
def cancel_trip(
    request: Request,
    me: FormOperator,
    uow: PlanningUow,
    engine: Db,
    setup: Setup,
    trip_id: TripId,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        cancelled = service.cancel_trip(
            uow,
            trip_id,
            reason=_cancel_reason(reason, trip_id),
            operator=me.name,
            at=datetime.now(UTC),
        )
    except (FormProblem, ServiceError) as exc:
        return _trip_refused(request, me, uow, engine, setup, trip_id, exc, _CANCEL_CONFLICTS)
    day, plan_id, _ = _trip_place(uow, trip_id)
    if not cancelled.reopened:
        return _back(day, plan_id, "cancelled_empty", trip_id)
    return _back(day, plan_id, "cancelled", trip_id, orders=_listed(cancelled.reopened))
