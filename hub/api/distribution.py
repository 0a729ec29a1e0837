"""``/api/v1/orders``, ``/plans`` and ``/trips``: distribution planning and dispatch.

Each route parses its request, calls one service of ``hub.services.distribution`` and shapes
the answer; the operator recorded is the signed-in account or the API token's owner.  Words an
operator reads (reasons, pick lists, maps, delivery notes) come in ``lang``: Bahasa Indonesia
by default, or English.  Weights are whole grams (``*_g``) with a kilogram string beside them
where a person reads them; times of day are ``HH:MM`` in the hub's zone with the seconds since
midnight (``*_s``) beside them.

Input problems the services find (an unknown product, a cooperative with no place) answer 422
with the field, as pydantic's do; a CSV file with problems answers 422 with every problem, by
line and column, under ``problems``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, cast

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hub.api.deps import get_engine
from hub.api.errors import error_body
from hub.api.inputs import EARLIEST_YEAR, LATEST_YEAR, MAX_GRAMS, OneLine, Prose
from hub.auth.deps import RequireOperator, RequireViewer
from hub.domain.reports import kilograms
from hub.domain.stock import Move
from hub.schedule.day import NO_GRADE, OrderEntry, OrderKind
from hub.schedule.handover import DoorReport
from hub.schedule.messages import clock
from hub.schedule.orders import (
    WEEKDAYS,
    Staple,
    TimeWindow,
    Unit,
    iso_week_monday,
    iso_week_name,
)
from hub.schedule.plan import PickLine, Visit
from hub.schedule.routing import SolveLimits
from hub.schedule.setup import DistributionSetup, load_setup
from hub.schedule.stored import shortfall_of
from hub.services import distribution as service
from hub.services.planning_uow import Adjustment, SqlPlanningUnitOfWork

router = APIRouter(prefix="/api/v1", tags=["distribution"])

MAX_FILE_BYTES: Final = 5_000_000
DEFAULT_SECONDS: Final = 10.0
Language = Annotated[Literal["id", "en"], Query(description="id (default) or en")]


def get_planning_uow(request: Request) -> SqlPlanningUnitOfWork:
    return SqlPlanningUnitOfWork(get_engine(request))


def get_setup(request: Request) -> DistributionSetup:
    """``app.state.distribution_setup`` if the application was given one, else the settings
    file (``hub.schedule.setup``)."""
    found: DistributionSetup | None = getattr(request.app.state, "distribution_setup", None)
    return found if found is not None else load_setup()


Uow = Annotated[SqlPlanningUnitOfWork, Depends(get_planning_uow)]
Setup = Annotated[DistributionSetup, Depends(get_setup)]


def _a_day_we_can_store(value: date) -> date:
    if not 1970 <= value.year <= 9998:
        raise ValueError("must be a day between the years 1970 and 9998")
    return value


def _a_week_we_can_store(value: str) -> str:
    """An ISO week (``2026-W48``) whose seven days the hub can store."""
    monday = iso_week_monday(value)
    sunday = monday + timedelta(days=6)
    if monday.year < EARLIEST_YEAR or sunday.year > LATEST_YEAR:
        raise ValueError(f"must be a week between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def _says_something(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must say something")
    return value


def _hours_without_a_zone(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give the time of day in the hub's zone, without an offset")
    return value


Day = Annotated[date, AfterValidator(_a_day_we_can_store)]
IsoWeek = Annotated[
    str,
    Field(max_length=16, description="an ISO 8601 week, such as 2026-W48", examples=["2026-W48"]),
    AfterValidator(_a_week_we_can_store),
]
Hours = Annotated[time, AfterValidator(_hours_without_a_zone)]
PlanId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TripId = Annotated[str, Path(min_length=1, max_length=64), OneLine]
Kilograms = Annotated[Decimal, Field(gt=0, le=MAX_GRAMS // 1000, decimal_places=3)]
VehicleId = Annotated[str, Field(min_length=1, max_length=64), OneLine]
VehicleCount = Annotated[int, Field(ge=0, le=1000)]


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's ``InvalidRequestError`` as the 422 pydantic would have answered."""
    try:
        yield
    except service.InvalidRequestError as exc:
        problem = {"loc": ("body", exc.field or ""), "msg": str(exc), "type": "value_error"}
        raise RequestValidationError([problem]) from exc


def _now() -> datetime:
    return datetime.now(UTC)


# ---- orders ----


class _OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    day: Day
    window_from: Hours
    window_to: Hours

    @model_validator(mode="after")
    def _window_in_order(self) -> _OrderIn:
        if self.window_to < self.window_from:
            raise ValueError("window_to is before window_from")
        return self


class PartnerOrderIn(_OrderIn):
    """A partner's order: ``quantity_kg`` or ``crates`` of a product in a grade or better."""

    kind: Literal["partner"]
    partner: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    partner_name: Annotated[str | None, Field(max_length=200), OneLine] = None
    address: Annotated[str | None, Field(max_length=300), OneLine] = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    product: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    grade: Annotated[str, Field(min_length=1, max_length=32), OneLine]
    quantity_kg: Kilograms | None = None
    crates: int | None = Field(default=None, gt=0, le=1_000_000)
    priority: int = Field(default=3, ge=1, le=5, description="1 is the most urgent")

    @model_validator(mode="after")
    def _one_quantity(self) -> PartnerOrderIn:
        if (self.quantity_kg is None) == (self.crates is None):
            raise ValueError("give quantity_kg or crates, not both")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self

    def entry(self) -> OrderEntry:
        by_crate = self.crates is not None
        quantity = self.crates if self.crates is not None else _grams(self.quantity_kg)
        return OrderEntry(
            id=self.id,
            kind=OrderKind.PARTNER,
            party=self.partner,
            party_name=self.partner_name or "",
            product=self.product,
            grade=self.grade,
            unit=Unit.CRATE if by_crate else Unit.GRAM,
            quantity=quantity,
            quantity_g=quantity,
            day=self.day,
            window=TimeWindow(self.window_from, self.window_to),
            priority=self.priority,
            address=self.address or "",
            lat=self.lat,
            lon=self.lon,
        )


class StapleDeliveryIn(_OrderIn):
    """Staples for a village cooperative from the state programme."""

    kind: Literal["staples"]
    cooperative: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    staple: Staple
    quantity_kg: Kilograms

    def entry(self) -> OrderEntry:
        grams = _grams(self.quantity_kg)
        return OrderEntry(
            id=self.id,
            kind=OrderKind.STAPLES,
            party=self.cooperative,
            party_name="",
            product=self.staple.value,
            grade=NO_GRADE,
            unit=Unit.GRAM,
            quantity=grams,
            quantity_g=grams,
            day=self.day,
            window=TimeWindow(self.window_from, self.window_to),
            priority=3,
        )


def _grams(kg: Decimal | None) -> int:
    assert kg is not None
    return int(kg * 1000)


OrderIn = Annotated[PartnerOrderIn | StapleDeliveryIn, Field(discriminator="kind")]


class OrderOut(BaseModel):
    id: str
    kind: str
    partner: str
    partner_name: str
    address: str
    lat: float | None
    lon: float | None
    product: str
    grade: str
    unit: str
    quantity: int
    quantity_g: int
    quantity_kg: str
    day: date
    window_from: str
    window_to: str
    priority: int
    status: service.OrderStatus = Field(
        description="open → planned → in_transit → delivered (the partner took all of it), "
        "partly_delivered (some of it) or not_delivered (none of it)"
    )
    trip_id: str | None
    created_by: str | None

    @classmethod
    def of(cls, o: OrderEntry) -> OrderOut:
        return cls(
            id=o.id,
            kind=o.kind.value,
            partner=o.party,
            partner_name=o.party_name,
            address=o.address,
            lat=o.lat,
            lon=o.lon,
            product=o.product,
            grade=o.grade,
            unit=o.unit.value,
            quantity=o.quantity,
            quantity_g=o.quantity_g,
            quantity_kg=kilograms(o.quantity_g),
            day=o.day,
            window_from=f"{o.window.opens:%H:%M}",
            window_to=f"{o.window.closes:%H:%M}",
            priority=o.priority,
            status=cast(service.OrderStatus, o.status),
            trip_id=o.trip_id,
            created_by=o.created_by,
        )


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=201,
    summary="Enter a partner order or a staple delivery to a village (role: operator)",
)
def create_order(uow: Uow, setup: Setup, operator: RequireOperator, body: OrderIn) -> OrderOut:
    with _refusals():
        entry = service.create_order(
            uow, body.entry(), setup=setup, operator=operator.name, at=_now()
        )
    return OrderOut.of(entry)


class ImportOut(BaseModel):
    imported: int
    orders: list[OrderOut]


@router.post(
    "/orders/import",
    response_model=ImportOut,
    status_code=201,
    summary="Import partner orders or staple deliveries from a CSV file, all or none; a bad "
    "file answers 422 with every problem by line and column (role: operator)",
    description="The header tells the kind of file. Partner orders: ``order_id, partner_id, "
    "partner_name, lat, lon, product, grade, quantity, unit (g, kg, crate), delivery_date, "
    "window_from, window_to``, optional ``priority, address``. Staple deliveries: ``order_id, "
    "cooperative, staple (rice, cooking_oil, sugar; or beras, minyak_goreng, gula), quantity, "
    "unit (g, kg, t), delivery_date, window_from, window_to``, optional ``priority``; the "
    "cooperative is its id at the hub, one the distribution settings place.",
    responses={422: {"description": "the file's problems, under ``problems``"}},
)
async def import_orders(
    uow: Uow,
    setup: Setup,
    operator: RequireOperator,
    file: Annotated[UploadFile, File(description="CSV, UTF-8; a ';' header means decimal commas")],
    lang: Language = "id",
) -> Any:
    name = (file.filename or "orders.csv")[:200]
    raw = await file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        return JSONResponse(
            status_code=413,
            content=error_body("too_large", f"the file is over {MAX_FILE_BYTES} bytes", "file"),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        line = raw[: raw.find(b"\n", 0) + 1].count(b"\n") + 1
        message = "the file is not UTF-8 text; save it from the spreadsheet as CSV UTF-8"
        body = error_body("invalid_file", message, "file")
        problems = [{"line": line, "column": "(file)", "message": message}]
        return JSONResponse(status_code=422, content={**body, "problems": problems})
    try:
        entries = service.import_orders(
            uow, text, file=name, setup=setup, operator=operator.name, at=_now()
        )
    except service.ImportRejectedError as exc:
        body = error_body(exc.code, str(exc), exc.field)
        problems = [
            {"line": p.line, "column": p.column, "message": p.message.text(lang)}
            for p in exc.problems
        ]
        return JSONResponse(status_code=422, content={**body, "problems": problems})
    return ImportOut(imported=len(entries), orders=[OrderOut.of(e) for e in entries])


@router.get(
    "/orders",
    response_model=list[OrderOut],
    summary="The orders and staple deliveries due on a day (role: viewer)",
)
def list_orders(uow: Uow, _viewer: RequireViewer, day: Annotated[Day, Query()]) -> list[OrderOut]:
    return [OrderOut.of(o) for o in service.orders_on(uow, day)]


# ---- the standing weekly plan ----


def _days(weekdays: tuple[int, ...]) -> list[str]:
    return [WEEKDAYS[day] for day in sorted(weekdays)]


class StandingStapleOut(BaseModel):
    cooperative: str | None = Field(description="its id at the hub; null if it has none")
    place_id: str
    place: str
    staple: str
    weekly_g: int
    weekly_kg: str
    days: list[str]
    window_from: str
    window_to: str


class StandingPickupOut(BaseModel):
    cooperative: str | None = Field(description="its id at the hub; null if it has none")
    place_id: str
    place: str
    days: list[str]
    crates: int
    gross_g: int
    gross_kg: str
    note: str
    window_from: str
    window_to: str


class StandingOrderOut(BaseModel):
    line: str
    partner: str
    partner_name: str
    product: str
    grade: str
    unit: str
    quantity: int
    days: list[str]
    window_from: str
    window_to: str
    priority: int


class StandingPlanOut(BaseModel):
    staples: list[StandingStapleOut]
    pickups: list[StandingPickupOut]
    orders: list[StandingOrderOut]

    @classmethod
    def of(cls, setup: DistributionSetup) -> StandingPlanOut:
        standing = setup.standing
        return cls(
            staples=[
                StandingStapleOut(
                    cooperative=setup.hub_coop(line.cooperative),
                    place_id=line.cooperative.id,
                    place=line.cooperative.name,
                    staple=line.staple.value,
                    weekly_g=line.weekly_g,
                    weekly_kg=kilograms(line.weekly_g),
                    days=_days(line.weekdays),
                    window_from=f"{line.window.opens:%H:%M}",
                    window_to=f"{line.window.closes:%H:%M}",
                )
                for line in standing.staples
            ],
            pickups=[
                StandingPickupOut(
                    cooperative=setup.hub_coop(line.cooperative),
                    place_id=line.cooperative.id,
                    place=line.cooperative.name,
                    days=_days(line.weekdays),
                    crates=line.crates,
                    gross_g=line.gross_g,
                    gross_kg=kilograms(line.gross_g),
                    note=line.note,
                    window_from=f"{line.window.opens:%H:%M}",
                    window_to=f"{line.window.closes:%H:%M}",
                )
                for line in standing.pickups
            ],
            orders=[
                StandingOrderOut(
                    line=line.line,
                    partner=line.partner.id,
                    partner_name=line.partner.name,
                    product=line.product,
                    grade=line.grade,
                    unit=line.unit.value,
                    quantity=line.quantity,
                    days=_days(line.weekdays),
                    window_from=f"{line.window.opens:%H:%M}",
                    window_to=f"{line.window.closes:%H:%M}",
                    priority=line.priority,
                )
                for line in standing.orders
            ],
        )


@router.get(
    "/standing-week",
    response_model=StandingPlanOut,
    summary="The standing weekly plan as the settings give it: partner orders, staples and "
    "village pickups, by weekday (role: viewer)",
)
def standing_week(_viewer: RequireViewer, setup: Setup) -> StandingPlanOut:
    return StandingPlanOut.of(setup)


class StandingWeekIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week: IsoWeek


class StandingWeekOut(BaseModel):
    week: str
    monday: date
    created: int
    already_there: int
    orders: list[OrderOut] = Field(description="the orders created by this request")
    already_there_ids: list[str]


@router.post(
    "/orders/from-standing-week",
    response_model=StandingWeekOut,
    status_code=201,
    summary="Store a week's partner orders and staple deliveries from the standing plan, all "
    "or none; a week already stored adds nothing and answers 200 (role: operator)",
    responses={200: {"description": "every order of the week was already there"}},
)
def orders_from_standing_week(
    uow: Uow, setup: Setup, operator: RequireOperator, body: StandingWeekIn, response: Response
) -> StandingWeekOut:
    with _refusals():
        stored = service.create_standing_week(
            uow, iso_week_monday(body.week), setup=setup, operator=operator.name, at=_now()
        )
    if not stored.created:
        response.status_code = 200
    return StandingWeekOut(
        week=iso_week_name(stored.monday),
        monday=stored.monday,
        created=len(stored.created),
        already_there=len(stored.already_there),
        orders=[OrderOut.of(e) for e in stored.created],
        already_there_ids=list(stored.already_there),
    )


# ---- plans ----


class LimitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float | None = Field(
        default=None, gt=0, le=600, description="stop the search after this long (default 10)"
    )
    iterations: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="stop after this many iterations instead (repeatable with the same seed)",
    )
    seed: int = Field(default=1, ge=0, le=2**31 - 1)

    def limits(self) -> SolveLimits:
        seconds = self.seconds
        if seconds is None and self.iterations is None:
            seconds = DEFAULT_SECONDS
        return SolveLimits(seconds=seconds, iterations=self.iterations, seed=self.seed)


class PlanIn(LimitsIn):
    day: Day
    vehicles: dict[VehicleId, VehicleCount] | None = Field(
        default=None,
        max_length=50,
        description="vehicles by type and how many; the settings' fleet when left out",
    )


class ConsignmentOut(BaseModel):
    ref: str
    kind: str
    direction: str
    what: str
    weight_g: int
    crates: int
    lots: list[dict[str, Any]]


class StopOut(BaseModel):
    no: int
    stop_id: str
    place_id: str
    place: str
    approximate: bool
    window: str
    arrival: str
    arrival_s: int
    start: str
    start_s: int
    departure: str
    service_s: int
    drop_g: int
    drop_crates: int
    collect_g: int
    collect_crates: int
    load_after_g: int
    load_after_crates: int
    consignments: list[ConsignmentOut]


class TripPlanOut(BaseModel):
    trip_id: str | None
    number: int
    departure: str
    departure_s: int
    back: str
    return_s: int
    distance_m: int
    load_out_g: int
    load_out_crates: int
    stops: list[StopOut]


class RouteOut(BaseModel):
    vehicle: str
    vehicle_type: str
    vehicle_no: int
    label: str
    start: str
    end: str
    distance_m: int
    trips: list[TripPlanOut]


class ReasonOut(BaseModel):
    ref: str
    reason: str


class LockOut(BaseModel):
    stop: str
    vehicle: str
    vehicle_no: int


class AdjustmentOut(BaseModel):
    kind: str
    stop: str | None
    vehicle: str | None
    vehicle_no: int | None
    order: str | None
    to_day: date | None
    at: datetime
    operator: str


class PlanOut(BaseModel):
    id: int
    day: date
    status: str
    stale: bool
    created_by: str
    solved_by: str
    approved_by: str | None
    seconds: float | None
    iterations: int | None
    seed: int
    vehicles: list[dict[str, Any]]
    distance_m: int
    cost_rp: int
    routes: list[RouteOut]
    unserved: list[ReasonOut]
    shortfalls: list[ReasonOut]
    locks: list[LockOut]
    adjustments: list[AdjustmentOut]

    @classmethod
    def of(cls, view: service.PlanView, language: str) -> PlanOut:
        stored, plan = view.stored, view.plan
        return cls(
            id=stored.id,
            day=stored.day,
            status=stored.status,
            stale=stored.stale,
            created_by=stored.created_by,
            solved_by=stored.solved_by,
            approved_by=stored.approved_by,
            seconds=stored.seconds,
            iterations=stored.iterations,
            seed=stored.seed,
            vehicles=[
                {
                    "id": v.id,
                    "label": v.label,
                    "count": v.count,
                    "capacity_g": v.capacity.weight_g,
                    "capacity_crates": v.capacity.crates,
                    "max_trips": v.max_trips,
                }
                for v in view.fleet
            ],
            distance_m=stored.distance_m,
            cost_rp=stored.cost_rp,
            routes=[
                RouteOut(
                    vehicle=route.name,
                    vehicle_type=route.vehicle.id,
                    vehicle_no=route.vehicle_no,
                    label=route.vehicle.label,
                    start=clock(route.start_s),
                    end=clock(route.end_s),
                    distance_m=route.distance_m,
                    trips=[
                        TripPlanOut(
                            trip_id=view.trip_ids.get(
                                (route.vehicle.id, route.vehicle_no, trip.number)
                            ),
                            number=trip.number,
                            departure=clock(trip.departure_s),
                            departure_s=trip.departure_s,
                            back=clock(trip.return_s),
                            return_s=trip.return_s,
                            distance_m=trip.distance_m,
                            load_out_g=trip.load_out.weight_g,
                            load_out_crates=trip.load_out.crates,
                            stops=[
                                _stop_out(no, visit, language)
                                for no, visit in enumerate(trip.visits, start=1)
                            ],
                        )
                        for trip in route.trips
                    ],
                )
                for route in plan.routes
            ],
            unserved=[ReasonOut(ref=u.ref, reason=u.reason.text(language)) for u in plan.unserved],
            shortfalls=[
                ReasonOut(ref=s["order_id"], reason=shortfall_of(s).text(language))
                for s in stored.shortfalls
            ],
            locks=[
                LockOut(stop=lock.place, vehicle=lock.vehicle, vehicle_no=lock.vehicle_no)
                for lock in view.locks
            ],
            adjustments=[
                AdjustmentOut(
                    kind=a.kind,
                    stop=a.place,
                    vehicle=a.vehicle,
                    vehicle_no=a.vehicle_no,
                    order=a.order_id,
                    to_day=a.to_day,
                    at=a.at,
                    operator=a.operator,
                )
                for a in view.adjustments
            ],
        )


def _stop_out(no: int, visit: Visit, language: str) -> StopOut:
    stop = visit.stop
    return StopOut(
        no=no,
        stop_id=stop.id,
        place_id=stop.place.id,
        place=stop.place.name,
        approximate=stop.place.approximate,
        window=f"{clock(stop.opens_s)}–{clock(stop.closes_s)}",
        arrival=clock(visit.arrival_s),
        arrival_s=visit.arrival_s,
        start=clock(visit.start_s),
        start_s=visit.start_s,
        departure=clock(visit.departure_s),
        service_s=stop.service_s,
        drop_g=stop.drop.weight_g,
        drop_crates=stop.drop.crates,
        collect_g=stop.collect.weight_g,
        collect_crates=stop.collect.crates,
        load_after_g=visit.load_after.weight_g,
        load_after_crates=visit.load_after.crates,
        consignments=[
            ConsignmentOut(
                ref=item.ref,
                kind=item.kind.value,
                direction=item.direction.value,
                what=item.what.text(language),
                weight_g=item.load.weight_g,
                crates=item.load.crates,
                lots=[
                    {
                        "lot": p.lot_id,
                        "cooperative": p.cooperative,
                        "grade": p.grade,
                        "best_before": p.best_before.isoformat(),
                        "quantity_g": p.quantity_g,
                    }
                    for p in item.picks
                ],
            )
            for item in stop.consignments
        ],
    )


@router.post(
    "/plans",
    response_model=PlanOut,
    status_code=201,
    summary="Plan a day: allocate hub stock to its orders, route staples out, produce back and "
    "deliveries, and store the draft with what it cannot serve and why (role: operator)",
)
def create_plan(
    uow: Uow, setup: Setup, operator: RequireOperator, body: PlanIn, lang: Language = "id"
) -> PlanOut:
    with _refusals():
        view = service.create_plan(
            uow,
            day=body.day,
            setup=setup,
            limits=body.limits(),
            operator=operator.name,
            at=_now(),
            vehicles=body.vehicles,
        )
    return PlanOut.of(view, lang)


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="A plan (role: viewer)")
def get_plan(uow: Uow, _viewer: RequireViewer, plan_id: PlanId, lang: Language = "id") -> PlanOut:
    return PlanOut.of(service.plan_view(uow, plan_id), lang)


class LockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["lock"]
    stop: Annotated[
        str, Field(min_length=1, max_length=128, description="the stop's place_id"), OneLine
    ]
    vehicle: Annotated[
        str, Field(min_length=1, max_length=64, description="a vehicle type"), OneLine
    ]
    vehicle_no: int = Field(ge=1, le=1000)


class UnlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["unlock"]
    stop: Annotated[str, Field(min_length=1, max_length=128), OneLine]


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["move"]
    order: Annotated[str, Field(min_length=1, max_length=64), OneLine]


AdjustmentIn = Annotated[LockIn | UnlockIn | MoveIn, Field(discriminator="kind")]


@router.post(
    "/plans/{plan_id}/adjustments",
    response_model=PlanOut,
    summary="Lock a stop to a vehicle, free it, or move an order to tomorrow; the draft must "
    "then be planned again (role: operator)",
)
def adjust_plan(
    uow: Uow,
    operator: RequireOperator,
    plan_id: PlanId,
    body: AdjustmentIn,
    lang: Language = "id",
) -> PlanOut:
    at, name = _now(), operator.name
    match body:
        case LockIn():
            change = Adjustment(
                "lock", at, name, place=body.stop, vehicle=body.vehicle, vehicle_no=body.vehicle_no
            )
        case UnlockIn():
            change = Adjustment("unlock", at, name, place=body.stop)
        case MoveIn():
            change = Adjustment("move", at, name, order_id=body.order)
    with _refusals():
        view = service.adjust_plan(uow, plan_id, change)
    return PlanOut.of(view, lang)


@router.post(
    "/plans/{plan_id}/replan",
    response_model=PlanOut,
    summary="Plan a draft's day again, honouring its locks; the last limits unless new ones "
    "are given (role: operator)",
)
def replan(
    uow: Uow,
    setup: Setup,
    operator: RequireOperator,
    plan_id: PlanId,
    body: LimitsIn | None = None,
    lang: Language = "id",
) -> PlanOut:
    limits = body.limits() if body is not None else None
    view = service.replan(
        uow, plan_id, setup=setup, operator=operator.name, at=_now(), limits=limits
    )
    return PlanOut.of(view, lang)


@router.post(
    "/plans/{plan_id}/approve",
    response_model=PlanOut,
    summary="Approve a draft: its trips are written, pallets get SSCCs, orders are planned "
    "(role: operator)",
)
def approve_plan(
    uow: Uow, setup: Setup, operator: RequireOperator, plan_id: PlanId, lang: Language = "id"
) -> PlanOut:
    view = service.approve(uow, plan_id, setup=setup, operator=operator.name, at=_now())
    return PlanOut.of(view, lang)


# ---- trips ----


class TripOut(BaseModel):
    id: str
    vehicle: str
    label: str
    day: date
    status: str
    departed_by: str | None
    trip: TripPlanOut
    confirmed: list[int]


@router.get("/trips/{trip_id}", response_model=TripOut, summary="An approved trip (role: viewer)")
def get_trip(uow: Uow, _viewer: RequireViewer, trip_id: TripId, lang: Language = "id") -> TripOut:
    view = service.trip_view(uow, trip_id)
    trip = view.trip
    return TripOut(
        id=view.entry.id,
        vehicle=view.route.name,
        label=view.route.vehicle.label,
        day=view.entry.day,
        status=view.entry.status,
        departed_by=view.entry.departed_by,
        trip=TripPlanOut(
            trip_id=view.entry.id,
            number=trip.number,
            departure=clock(trip.departure_s),
            departure_s=trip.departure_s,
            back=clock(trip.return_s),
            return_s=trip.return_s,
            distance_m=trip.distance_m,
            load_out_g=trip.load_out.weight_g,
            load_out_crates=trip.load_out.crates,
            stops=[_stop_out(no, visit, lang) for no, visit in enumerate(trip.visits, start=1)],
        ),
        confirmed=sorted(view.confirmed),
    )


class PickLotOut(BaseModel):
    lot: str
    cooperative: str
    grade: str
    best_before: date
    quantity_g: int


class PickLineOut(BaseModel):
    stop: int
    place: str
    ref: str
    what: str
    weight_g: int
    weight_kg: str
    crates: int
    lots: list[PickLotOut]

    @classmethod
    def of(cls, line: PickLine, language: str) -> PickLineOut:
        return cls(
            stop=line.stop_no,
            place=line.place,
            ref=line.ref,
            what=line.what.text(language),
            weight_g=line.weight_g,
            weight_kg=kilograms(line.weight_g),
            crates=line.crates,
            lots=[
                PickLotOut(
                    lot=p.lot_id,
                    cooperative=p.cooperative,
                    grade=p.grade,
                    best_before=p.best_before,
                    quantity_g=p.quantity_g,
                )
                for p in line.lots
            ],
        )


@router.get(
    "/trips/{trip_id}/pick-list",
    response_model=list[PickLineOut],
    summary="What to load for a trip, last stop first; format=csv for the hub floor (role: viewer)",
    responses={200: {"content": {"text/csv": {}}}},
)
def trip_pick_list(
    uow: Uow,
    _viewer: RequireViewer,
    trip_id: TripId,
    format: Literal["json", "csv"] = "json",
    lang: Language = "id",
) -> Any:
    lines = service.trip_pick_list(uow, trip_id)
    if format == "csv":
        return Response(
            service.pick_list_csv(lines, lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{trip_id}-pick-list.csv"'},
        )
    return [PickLineOut.of(line, lang) for line in lines]


@router.get(
    "/trips/{trip_id}/map.svg",
    summary="The trip's stops and route drawn on their coordinates, offline (role: viewer)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def trip_map(
    uow: Uow, setup: Setup, _viewer: RequireViewer, trip_id: TripId, lang: Language = "id"
) -> Response:
    svg = service.trip_map(uow, trip_id, setup=setup, language=lang)
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/trips/{trip_id}/delivery-notes.pdf",
    summary="Delivery notes, one page per partner stop, with lots and SSCCs per pallet "
    "(role: viewer)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def trip_delivery_notes(
    uow: Uow, setup: Setup, _viewer: RequireViewer, trip_id: TripId, lang: Language = "id"
) -> Response:
    pdf = service.delivery_notes(uow, trip_id, setup=setup, language=lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{trip_id}-delivery-notes.pdf"'},
    )


class TripMoveOut(BaseModel):
    lot: str | None
    coop: str
    product: str
    grade: str
    source: str
    destination: str
    quantity_g: int
    order_id: str | None
    reason: str | None
    operator: str | None

    @classmethod
    def of(cls, move: Move) -> TripMoveOut:
        return cls(
            lot=move.key.lot,
            coop=move.key.coop,
            product=move.key.product,
            grade=move.key.grade,
            source=str(move.source),
            destination=str(move.destination),
            quantity_g=move.quantity_g,
            order_id=move.order_id,
            reason=move.reason,
            operator=move.operator,
        )


class DepartureOut(BaseModel):
    trip_id: str
    moves: list[TripMoveOut]


@router.post(
    "/trips/{trip_id}/depart",
    response_model=DepartureOut,
    summary="The trip leaves the hub: its picked lots move hub → in transit; refused if a lot "
    "is now recalled, expired or gone (role: operator)",
)
def depart(uow: Uow, operator: RequireOperator, trip_id: TripId) -> DepartureOut:
    moves = service.depart(uow, trip_id, operator=operator.name, at=_now())
    return DepartureOut(trip_id=trip_id, moves=[TripMoveOut.of(m) for m in moves])


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str, Field(min_length=1, max_length=2000), Prose, AfterValidator(_says_something)
    ]


class CancellationOut(BaseModel):
    trip_id: str
    status: Literal["cancelled"]
    reason: str
    cancelled_by: str
    cancelled_at: datetime
    reopened: list[str] = Field(description="the trip's orders, open to plan again")
    ssccs: list[str] = Field(
        description="the SSCCs its pallets had; they stay with this trip, never reissued"
    )


@router.post(
    "/trips/{trip_id}/cancel",
    response_model=CancellationOut,
    summary="Cancel a trip that has not departed, with the reason: its orders are open again "
    "and its stock and pickups free for another plan; a departed trip answers 409 "
    "(role: operator)",
)
def cancel_trip(
    uow: Uow, operator: RequireOperator, trip_id: TripId, body: CancelIn
) -> CancellationOut:
    cancelled = service.cancel_trip(
        uow, trip_id, reason=body.reason, operator=operator.name, at=_now()
    )
    return CancellationOut(
        trip_id=cancelled.trip_id,
        status="cancelled",
        reason=cancelled.reason,
        cancelled_by=cancelled.operator,
        cancelled_at=cancelled.at,
        reopened=list(cancelled.reopened),
        ssccs=list(cancelled.ssccs),
    )


class DeliveredIn(BaseModel):
    """What the partner took of one order (and lot) at the stop."""

    model_config = ConfigDict(extra="forbid")

    order: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    lot: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=128,
            description="needed when the order was loaded from more than one lot",
        ),
        OneLine,
    ] = None
    grade: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=32,
            description="needed when the order was loaded from one lot in two grades",
        ),
        OneLine,
    ] = None
    delivered_g: int = Field(ge=0, le=MAX_GRAMS, description="at most what was loaded")
    reason: Annotated[
        str | None,
        Field(min_length=1, max_length=64, description="why less was delivered than loaded"),
        OneLine,
        AfterValidator(_says_something),
    ] = None
    damaged: bool = Field(
        default=False,
        description="the shortfall is damaged: written off to loss, not back to hub stock",
    )

    def report(self) -> DoorReport:
        return DoorReport(
            order_id=self.order,
            delivered_g=self.delivered_g,
            lot=self.lot,
            grade=self.grade,
            reason=self.reason,
            damaged=self.damaged,
        )


class StopConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deliveries: list[DeliveredIn] = Field(
        default_factory=list,
        max_length=1000,
        description="only the lines the partner did not take in full; the rest was delivered",
    )


class ShortOut(BaseModel):
    order: str
    lot: str | None
    grade: str
    loaded_g: int
    delivered_g: int
    short_g: int
    reason: str
    to: str = Field(description="hub (back to stock) or loss (damaged)")


class ConfirmationOut(BaseModel):
    trip_id: str
    stop: int
    delivered: list[str] = Field(
        description="orders the partner took in full, and staple deliveries handed over"
    )
    partly_delivered: list[str] = Field(description="orders the partner took some of")
    not_delivered: list[str] = Field(description="orders the partner took none of")
    collected: list[str]
    dispatches: list[str]
    short: list[ShortOut]
    moves: list[TripMoveOut]


@router.post(
    "/trips/{trip_id}/stops/{n}/confirm",
    response_model=ConfirmationOut,
    summary="Stop n (from 1) is served: deliveries move in transit → partner, what a partner "
    "did not take back to the hub (or to loss if damaged), a village's waiting lots are "
    "dispatched to the hub (role: operator)",
)
def confirm_stop(
    uow: Uow,
    operator: RequireOperator,
    trip_id: TripId,
    n: Annotated[int, Path(ge=1, le=10_000)],
    body: StopConfirmIn | None = None,
) -> ConfirmationOut:
    reports = [line.report() for line in body.deliveries] if body is not None else []
    with _refusals():
        found = service.confirm_stop(
            uow, trip_id, n, operator=operator.name, at=_now(), reports=reports
        )
    detail = found.confirmation.detail
    return ConfirmationOut(
        trip_id=trip_id,
        stop=n,
        delivered=list(detail["delivered"]),
        partly_delivered=list(detail.get("partly_delivered", [])),
        not_delivered=list(detail.get("not_delivered", [])),
        collected=list(detail["collected"]),
        dispatches=[d.code for d in found.dispatches],
        short=[ShortOut.model_validate(line) for line in detail.get("short", [])],
        moves=[TripMoveOut.of(m) for m in found.moves],
    )
