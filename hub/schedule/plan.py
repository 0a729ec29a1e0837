"""Dispatch output: the day's plan as trips, pick lists for the hub floor, and trip maps.

A ``Plan`` is what the hub acts on: for each vehicle used, its trips from the hub and back,
each with its stops in order, the times, the load on board after every stop, and what to drop
and collect there.  Stops the plan leaves out are listed in ``unserved`` with their reasons.

Rules:

1. A plan is only ever built from a solution that passed the independent check (``check``);
   the solver adapter raises ``PlanError`` otherwise.
2. Loads are derived from the stops, never taken from the solver: a trip leaves the hub with
   every drop of the trip on board; each stop takes its drop off and puts its collection on.
3. Pick lists follow loading order: the last stop's goods go on the truck first.
4. Maps are drawn offline as SVG on the places' coordinates (no tile server); places whose
   coordinates are approximate are drawn hollow.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from hub.schedule.allocation import Pick
from hub.schedule.messages import Message, clock, hours_minutes, kilograms
from hub.schedule.orders import Place
from hub.schedule.routing import Direction, Load, Stop, Unserved, VehicleType


@dataclass(frozen=True, slots=True)
class Visit:
    """A stop on a trip: arrive, wait if early, serve from ``start_s``, leave."""

    stop: Stop
    arrival_s: int
    start_s: int
    departure_s: int
    load_after: Load


@dataclass(frozen=True, slots=True)
class Trip:
    """Out from the hub and back: leaves after loading, returns before unloading."""

    number: int
    departure_s: int
    return_s: int
    load_out: Load
    visits: tuple[Visit, ...]
    distance_m: int


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle's day: ``start_s`` it starts loading, ``end_s`` it has unloaded the last trip."""

    vehicle: VehicleType
    vehicle_no: int
    start_s: int
    end_s: int
    trips: tuple[Trip, ...]

    @property
    def name(self) -> str:
        return f"{self.vehicle.id} {self.vehicle_no}"

    @property
    def distance_m(self) -> int:
        return sum(trip.distance_m for trip in self.trips)

    @property
    def cost_millirupiah(self) -> int:
        return self.vehicle.fixed_cost_rp * 1000 + self.vehicle.cost_per_km_rp * self.distance_m


@dataclass(frozen=True, slots=True)
class Plan:
    day: date | None
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]

    @property
    def distance_m(self) -> int:
        return sum(route.distance_m for route in self.routes)

    @property
    def cost_rp(self) -> int:
        """Fixed cost of each vehicle used plus its cost per km, rounded to the rupiah."""
        return round(sum(route.cost_millirupiah for route in self.routes) / 1000)

    def trips(self) -> Iterator[tuple[Route, Trip]]:
        for route in self.routes:
            for trip in route.trips:
                yield route, trip

    def served(self) -> list[str]:
        return [visit.stop.id for _, trip in self.trips() for visit in trip.visits]


def loads_along(stops: Sequence[Stop]) -> tuple[Load, list[Load]]:
    """The load leaving the hub for ``stops`` and the load on board after each of them."""
    on_board = sum((stop.drop for stop in stops), Load())
    out = on_board
    after = []
    for stop in stops:
        on_board = on_board - stop.drop + stop.collect
        after.append(on_board)
    return out, after


# --- pick lists --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickLine:
    """One consignment to bring to the truck, and the lots to take it from (partner orders)."""

    stop_no: int
    place: str
    ref: str
    what: Message
    weight_g: int
    crates: int
    lots: tuple[Pick, ...]


def pick_list(trip: Trip) -> list[PickLine]:
    """What to load for ``trip``, last stop first (it goes deepest into the truck)."""
    return [
        PickLine(
            stop_no,
            stop.place.name,
            item.ref,
            item.what,
            item.load.weight_g,
            item.load.crates,
            item.picks,
        )
        for stop_no, stop in reversed(list(enumerate((v.stop for v in trip.visits), start=1)))
        for item in stop.consignments
        if item.direction is Direction.DROP
    ]


def trip_sheet(route: Route, trip: Trip, language: str = "id") -> str:
    """A plain-text sheet for the driver and the hub floor: stops, times, drops, collections."""

    def t(key: str) -> str:
        return Message(key).text(language)

    head = (
        f"{route.name} ({route.vehicle.label}) — {t('sheet.trip')} {trip.number}: "
        f"{clock(trip.departure_s)}–{clock(trip.return_s)}, "
        f"{trip.distance_m / 1000:.1f} km, {t('sheet.load_out')} {_load(trip.load_out, language)}"
    )
    lines = [head]
    for no, visit in enumerate(trip.visits, start=1):
        stop = visit.stop
        wait = visit.start_s - visit.arrival_s
        waiting = f" ({t('sheet.wait')} {hours_minutes(wait, language)})" if wait > 0 else ""
        lines.append(
            f"{no:>2}. {clock(visit.arrival_s)}{waiting} {stop.place.name} "
            f"[{clock(stop.opens_s)}–{clock(stop.closes_s)}] "
            f"{t('sheet.on_board')} {_load(visit.load_after, language)}"
        )
        for item in stop.consignments:
            verb = t("sheet.drop") if item.direction is Direction.DROP else t("sheet.collect")
            what = item.what.text(language)
            lines.append(f"      {verb}: {item.ref} {what} {_load(item.load, language)}")
    return "\n".join(lines)


def _load(load: Load, language: str) -> str:
    weight = kilograms(load.weight_g, language)
    if not load.crates:
        return weight
    return f"{weight}, {load.crates} {Message('sheet.crates').text(language)}"


# --- maps --------------------------------------------------------------------------------

_WIDTH = 640
_MARGIN = 40


def trip_map_svg(
    route: Route,
    trip: Trip,
    *,
    hub: Place,
    others: Sequence[Place] = (),
    language: str = "id",
) -> str:
    """An SVG map of one trip on the places' coordinates.

    The map frames the hub and the trip's stops; ``others`` that fall inside the frame are
    drawn in grey for orientation.  Coordinates are projected equirectangularly around the
    frame's mean latitude, exact enough at the scale of a city.  A 1 km bar gives the scale.
    """
    stops = [visit.stop.place for visit in trip.visits]
    framed = [hub, *stops]
    mid_lat = math.radians(sum(p.lat for p in framed) / len(framed))
    xs = [p.lon * math.cos(mid_lat) for p in framed]
    ys = [-p.lat for p in framed]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.01)
    scale = (_WIDTH - 2 * _MARGIN) / span
    height = round((max(ys) - min(ys)) * scale + 2 * _MARGIN + 30)

    def at(place: Place) -> tuple[float, float]:
        x = (place.lon * math.cos(mid_lat) - min(xs)) * scale + _MARGIN
        y = (-place.lat - min(ys)) * scale + _MARGIN + 30
        return round(x, 1), round(y, 1)

    def inside(point: tuple[float, float]) -> bool:
        return 0 <= point[0] <= _WIDTH and 30 <= point[1] <= height

    word = Message("sheet.trip").text(language)
    title = (
        f"{route.name} · {word} {trip.number} · {clock(trip.departure_s)}–{clock(trip.return_s)}"
        f" · {trip.distance_m / 1000:.1f} km"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{_WIDTH}" height="{height}" fill="#fbfaf6"/>',
        f'<text x="{_MARGIN}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    on_trip = {place.id for place in stops}
    for place in others:
        if place.id in on_trip or place.id == hub.id or not inside(at(place)):
            continue
        x, y = at(place)
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="#c8c8c8"/>')
        parts.append(f'<text x="{x + 5}" y="{y + 4}" fill="#a0a0a0">{escape(place.name)}</text>')
    path = [at(hub), *(at(place) for place in stops), at(hub)]
    points = " ".join(f"{x},{y}" for x, y in path)
    parts.append(
        f'<polyline points="{points}" fill="none" stroke="#1f6f8b" stroke-width="2.5" '
        'stroke-linejoin="round"/>'
    )
    hx, hy = at(hub)
    parts.append(
        f'<rect x="{hx - 7}" y="{hy - 7}" width="14" height="14" fill="#8b1f1f"/>'
        f'<text x="{hx + 10}" y="{hy + 4}" font-weight="bold">{escape(hub.name)}</text>'
    )
    for no, visit in enumerate(trip.visits, start=1):
        place = visit.stop.place
        x, y = at(place)
        fill = "#ffffff" if place.approximate else "#1f6f8b"
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="9" fill="{fill}" stroke="#1f6f8b" stroke-width="2"/>'
            f'<text x="{x}" y="{y + 4}" text-anchor="middle" font-weight="bold" '
            f'fill="{"#1f6f8b" if place.approximate else "#ffffff"}">{no}</text>'
            f'<text x="{x + 12}" y="{y + 4}">{escape(place.name)} {clock(visit.arrival_s)}</text>'
        )
    bar = 1000 * scale / (math.pi / 180 * 6_371_000)
    parts.append(
        f'<line x1="{_MARGIN}" y1="{height - 12}" x2="{_MARGIN + bar:.1f}" y2="{height - 12}" '
        'stroke="#333" stroke-width="2"/>'
        f'<text x="{_MARGIN + bar + 6:.1f}" y="{height - 8}">1 km</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
