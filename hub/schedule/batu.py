"""The Kota Batu fixture: one city hub, 24 village cooperatives, a fleet and a week of orders.

The data lives in ``data/batu.json`` with its sources and caveats: village coordinates are
approximate village-centre points (three are flagged ``check``), the hub point is an
approximate position of Pasar Induk Among Tani in Temas, the partners are hypothetical, and
costs, volumes and lots are placeholders chosen to exercise the planner.  The tests and
``bench/batu.py`` use it; nothing in production reads it.

The week: staples (2 t rice, 200 kg cooking oil and 200 kg sugar a cooperative a week, in two
drops) go out to every cooperative; produce comes back from the upland villages daily and from
the others three days a week; a supermarket DC and a salad producer take deliveries early in
the morning from hub stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.schedule.allocation import Allocation, GradeScale, Lot, allocate
from hub.schedule.errors import DataFileError, FileProblem
from hub.schedule.messages import message
from hub.schedule.orders import (
    WEEKDAYS,
    Cooperative,
    DemandSet,
    Partner,
    Place,
    Product,
    StandingOrder,
    StandingPickup,
    StandingPlan,
    StandingStaple,
    Staple,
    TimeWindow,
    Unit,
)
from hub.schedule.routing import (
    Hub,
    Load,
    RoadFactorTravel,
    RoutingProblem,
    ServiceTime,
    VehicleType,
    build_problem,
    partner_consignments,
    pickup_consignments,
    staple_consignments,
)

Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
Positive = Annotated[int, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Window(_Model):
    opens: time = Field(alias="from")
    closes: time = Field(alias="to")

    def window(self) -> TimeWindow:
        return TimeWindow(self.opens, self.closes)


class _Site(_Model):
    id: str
    name: str
    lat: float
    lon: float
    coord_source: Literal["osm", "mapcarta", "approx"]

    def place(self) -> Place:
        return Place(self.id, self.name, self.lat, self.lon, self.coord_source == "approx")


class _Hub(_Site):
    why_here: str
    opening: _Window
    loading_min: int
    unloading_min: int


class _Cooperative(_Site):
    coop: str | None = None
    """The cooperative's id at the hub (its stations' ``coop``); ``id`` names the place."""
    kecamatan: str
    type: Literal["desa", "kelurahan"]
    check: bool = False
    note: str = ""

    def place(self) -> Place:
        approximate = self.check or self.coord_source == "approx"
        return Place(self.id, self.name, self.lat, self.lon, approximate)


class _Partner(_Site):
    hypothetical: bool


class _Product(_Model):
    code: str
    name: str
    crate_net_g: Positive
    crate_tare_g: int


class _Shift(_Model):
    opens: time = Field(alias="from")
    closes: time = Field(alias="to")
    max_hours: Positive


class _Vehicle(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    """Short and plain: it names the hub's trips (``T12-CDE1-2``) and appears in their URLs."""
    label: str
    count: Positive
    payload_kg: Positive
    crates: Positive
    fixed_cost_rp: int
    cost_per_km_rp: int
    max_trips: Positive


class _Travel(_Model):
    road_factor: float
    speed_kmh: float


class _Service(_Model):
    fixed_min: int
    per_tonne_min: int


class _StapleGroup(_Model):
    days: list[Weekday]
    cooperatives: list[str]


class _Staples(_Model):
    weekly_kg: dict[Staple, Positive]
    groups: list[_StapleGroup]


class _Pickup(_Model):
    cooperative: str
    days: list[Weekday]
    crates: int
    gross_kg: Positive
    note: str


class _Order(_Model):
    line: str
    partner: str
    product: str
    grade: str
    quantity: Positive
    unit: Unit
    days: list[Weekday]
    window: _Window
    priority: int


class _Week(_Model):
    staples: _Staples = _Staples(weekly_kg={}, groups=[])
    pickups: list[_Pickup] = []
    orders: list[_Order] = []


class _Lot(_Model):
    lot_id: str
    product: str
    grade: str
    location: str
    kg: Positive
    packed_on: date
    best_before: date
    cooperative: str
    recalled: bool = False
    note: str = ""


class _BatuFile(_Model):
    meta: dict[str, Any]
    week_of: date
    hub: _Hub
    cooperatives: list[_Cooperative]
    partners: list[_Partner]
    products: list[_Product]
    grades: list[str]
    shift: _Shift
    fleet: list[_Vehicle]
    travel: _Travel
    service: _Service
    village_window: _Window
    standing_week: _Week = _Week()
    lots: list[_Lot] = []


@dataclass(frozen=True, slots=True)
class Batu:
    week_of: date
    hub: Hub
    cooperatives: tuple[Cooperative, ...]
    partners: tuple[Partner, ...]
    products: Mapping[str, Product]
    grades: GradeScale
    fleet: tuple[VehicleType, ...]
    travel: RoadFactorTravel
    service: ServiceTime
    standing: StandingPlan
    lots: tuple[Lot, ...]
    caveats: tuple[str, ...]
    village_window: TimeWindow
    hub_coops: Mapping[str, Cooperative]
    """The cooperatives by their id at the hub (``coop`` in the file), where the file names it."""

    def week(self) -> DemandSet:
        return self.standing.week(self.week_of)

    def allocate(self, demand: DemandSet) -> Allocation:
        return allocate(
            demand.partner_orders,
            self.lots,
            products=self.products,
            grades=self.grades,
            location=self.hub.place.id,
        )

    def problem(
        self,
        day: date,
        demand: DemandSet,
        allocation: Allocation,
        *,
        fleet: tuple[VehicleType, ...] | None = None,
    ) -> RoutingProblem:
        """The routing problem for ``day``: its allocated orders, staples and pickups."""
        today = demand.on(day)
        ids = {order.order_id for order in today.partner_orders}
        fills = [fill for fill in allocation.fills if fill.order.order_id in ids]
        return build_problem(
            hub=self.hub,
            fleet=fleet or self.fleet,
            consignments=[
                *partner_consignments(fills, self.products),
                *staple_consignments(today.staple_deliveries),
                *pickup_consignments(today.village_pickups),
            ],
            travel=self.travel,
            service=self.service,
            day=day,
        )

    def places(self) -> list[Place]:
        return [c.place for c in self.cooperatives] + [p.place for p in self.partners]


def load_batu(path: Path | None = None) -> Batu:
    """The fixture from ``path`` (default: the packaged ``data/batu.json``)."""
    source = path or resources.files("hub.schedule") / "data" / "batu.json"
    name = str(path) if path else "hub/schedule/data/batu.json"
    try:
        data = _BatuFile.model_validate_json(source.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise DataFileError(
            [
                FileProblem(
                    name,
                    None,
                    ".".join(map(str, error["loc"])),
                    message("file.invalid", detail=error["msg"]),
                )
                for error in exc.errors()
            ]
        ) from exc
    return _fixture(data)


def _weekdays(days: list[Weekday]) -> tuple[int, ...]:
    return tuple(WEEKDAYS.index(day) for day in days)


def _fixture(data: _BatuFile) -> Batu:
    cooperatives = {
        c.id: Cooperative(c.id, c.name, c.place(), c.kecamatan) for c in data.cooperatives
    }
    partners = {p.id: Partner(p.id, p.name, p.place()) for p in data.partners}
    products = {
        p.code: Product(p.code, p.name, p.crate_net_g, p.crate_tare_g) for p in data.products
    }
    shift = TimeWindow(data.shift.opens, data.shift.closes)
    window = data.village_window.window()
    week = data.standing_week
    staples = tuple(
        StandingStaple(cooperatives[coop], staple, kg * 1000, _weekdays(group.days), window)
        for group in week.staples.groups
        for coop in group.cooperatives
        for staple, kg in week.staples.weekly_kg.items()
    )
    pickups = tuple(
        StandingPickup(
            cooperatives[p.cooperative],
            _weekdays(p.days),
            p.crates,
            p.gross_kg * 1000,
            window,
            p.note,
        )
        for p in week.pickups
    )
    orders = tuple(
        StandingOrder(
            line=o.line,
            partner=partners[o.partner],
            product=o.product,
            grade=o.grade,
            quantity=o.quantity,
            unit=o.unit,
            weekdays=_weekdays(o.days),
            window=o.window.window(),
            priority=o.priority,
        )
        for o in week.orders
    )
    hub = data.hub
    return Batu(
        week_of=data.week_of,
        hub=Hub(hub.place(), hub.opening.window(), hub.loading_min * 60, hub.unloading_min * 60),
        cooperatives=tuple(cooperatives.values()),
        partners=tuple(partners.values()),
        products=products,
        grades=GradeScale(tuple(data.grades)),
        fleet=tuple(
            VehicleType(
                id=v.id,
                label=v.label,
                count=v.count,
                capacity=Load(v.payload_kg * 1000, v.crates),
                shift=shift,
                max_shift_s=data.shift.max_hours * 3600,
                fixed_cost_rp=v.fixed_cost_rp,
                cost_per_km_rp=v.cost_per_km_rp,
                max_trips=v.max_trips,
            )
            for v in data.fleet
        ),
        travel=RoadFactorTravel(data.travel.road_factor, data.travel.speed_kmh),
        service=ServiceTime(data.service.fixed_min * 60, data.service.per_tonne_min * 60),
        standing=StandingPlan(staples, pickups, orders),
        lots=tuple(
            Lot(
                lot_id=lot.lot_id,
                product=lot.product,
                grade=lot.grade,
                location=lot.location,
                quantity_g=lot.kg * 1000,
                packed_on=lot.packed_on,
                best_before=lot.best_before,
                recalled=lot.recalled,
                cooperative=lot.cooperative,
            )
            for lot in data.lots
        ),
        caveats=tuple(str(c) for c in data.meta.get("caveats", [])),
        village_window=window,
        hub_coops={c.coop: cooperatives[c.id] for c in data.cooperatives if c.coop},
    )
