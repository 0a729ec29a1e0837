"""Plans as JSON documents and back: how the hub keeps a plan's trips, stops and reasons.

The hub stores what an operator reviewed, not a recipe to recompute it: each stop with its
consignments and the lots picked for them, each visit with its times and the load on board,
each unserved stop and shortfall with its message key and typed values.  Decoding gives back
equal dataclasses, so a stored plan can be re-checked (``check``), listed for picking and
drawn (``plan``) exactly as it was solved.

Rules:

1. Everything is JSON: integers stay integers (grams, seconds, metres), dates are ISO strings,
   coordinates are floats (Python writes them so they read back the same).
2. A message keeps its key and each value with its type (``["grams", 1200]``), so it renders in
   any language later.
3. Decoding trusts its input: these documents are written by this module only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from hub.schedule.allocation import Pick, Shortfall
from hub.schedule.messages import Clock, Duration, Grams, Message, Value
from hub.schedule.orders import Place, TimeWindow
from hub.schedule.plan import Trip, Visit
from hub.schedule.routing import (
    Consignment,
    Direction,
    Kind,
    Load,
    Stop,
    Unserved,
    VehicleType,
)

Json = dict[str, Any]

_TYPED: Mapping[str, type[Grams] | type[Clock] | type[Duration]] = {
    "grams": Grams,
    "clock": Clock,
    "duration": Duration,
}


def message_json(msg: Message) -> Json:
    return {"key": msg.key, "values": [[name, *_value_json(v)] for name, v in msg.values]}


def _value_json(value: Value) -> list[Any]:
    match value:
        case Grams(grams=grams):
            return ["grams", grams]
        case Clock(seconds=seconds):
            return ["clock", seconds]
        case Duration(seconds=seconds):
            return ["duration", seconds]
        case date():
            return ["date", value.isoformat()]
        case bool() | str():
            return ["str", str(value)]
        case int():
            return ["int", value]


def message_of(data: Json) -> Message:
    values: list[tuple[str, Value]] = []
    for name, kind, raw in data["values"]:
        if kind in _TYPED:
            values.append((name, _TYPED[kind](raw)))
        elif kind == "date":
            values.append((name, date.fromisoformat(raw)))
        else:
            values.append((name, raw))
    return Message(data["key"], tuple(values))


def place_json(place: Place) -> Json:
    return {
        "id": place.id,
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "approximate": place.approximate,
    }


def place_of(data: Json) -> Place:
    return Place(data["id"], data["name"], data["lat"], data["lon"], data["approximate"])


def _window_json(window: TimeWindow) -> list[str]:
    return [window.opens.isoformat(), window.closes.isoformat()]


def _window_of(data: Sequence[str]) -> TimeWindow:
    return TimeWindow(time.fromisoformat(data[0]), time.fromisoformat(data[1]))


def load_json(load: Load) -> list[int]:
    return [load.weight_g, load.crates]


def load_of(data: Sequence[int]) -> Load:
    return Load(data[0], data[1])


def pick_json(pick: Pick) -> Json:
    return {
        "lot": pick.lot_id,
        "cooperative": pick.cooperative,
        "grade": pick.grade,
        "best_before": pick.best_before.isoformat(),
        "quantity_g": pick.quantity_g,
    }


def pick_of(data: Json) -> Pick:
    return Pick(
        data["lot"],
        data["cooperative"],
        data["grade"],
        date.fromisoformat(data["best_before"]),
        data["quantity_g"],
    )


def consignment_json(item: Consignment) -> Json:
    return {
        "ref": item.ref,
        "kind": item.kind.value,
        "direction": item.direction.value,
        "place": place_json(item.place),
        "load": load_json(item.load),
        "window": _window_json(item.window),
        "what": message_json(item.what),
        "priority": item.priority,
        "picks": [pick_json(pick) for pick in item.picks],
    }


def consignment_of(data: Json) -> Consignment:
    return Consignment(
        ref=data["ref"],
        kind=Kind(data["kind"]),
        direction=Direction(data["direction"]),
        place=place_of(data["place"]),
        load=load_of(data["load"]),
        window=_window_of(data["window"]),
        what=message_of(data["what"]),
        priority=data["priority"],
        picks=tuple(pick_of(pick) for pick in data["picks"]),
    )


def stop_json(stop: Stop) -> Json:
    return {
        "id": stop.id,
        "place": place_json(stop.place),
        "opens_s": stop.opens_s,
        "closes_s": stop.closes_s,
        "service_s": stop.service_s,
        "drop": load_json(stop.drop),
        "collect": load_json(stop.collect),
        "priority": stop.priority,
        "consignments": [consignment_json(item) for item in stop.consignments],
    }


def stop_of(data: Json) -> Stop:
    return Stop(
        id=data["id"],
        place=place_of(data["place"]),
        opens_s=data["opens_s"],
        closes_s=data["closes_s"],
        service_s=data["service_s"],
        drop=load_of(data["drop"]),
        collect=load_of(data["collect"]),
        priority=data["priority"],
        consignments=tuple(consignment_of(item) for item in data["consignments"]),
    )


def visit_json(visit: Visit) -> Json:
    return {
        "stop": stop_json(visit.stop),
        "arrival_s": visit.arrival_s,
        "start_s": visit.start_s,
        "departure_s": visit.departure_s,
        "load_after": load_json(visit.load_after),
    }


def visit_of(data: Json) -> Visit:
    return Visit(
        stop_of(data["stop"]),
        data["arrival_s"],
        data["start_s"],
        data["departure_s"],
        load_of(data["load_after"]),
    )


def trip_of(
    *, number: int, departure_s: int, return_s: int, distance_m: int, visits: Sequence[Json]
) -> Trip:
    """A trip from its stored visits; the load it leaves with is what its stops drop."""
    decoded = tuple(visit_of(visit) for visit in visits)
    load_out = sum((visit.stop.drop for visit in decoded), Load())
    return Trip(number, departure_s, return_s, load_out, decoded, distance_m)


def vehicle_json(vehicle: VehicleType) -> Json:
    return {
        "id": vehicle.id,
        "label": vehicle.label,
        "count": vehicle.count,
        "capacity": load_json(vehicle.capacity),
        "shift": _window_json(vehicle.shift),
        "max_shift_s": vehicle.max_shift_s,
        "fixed_cost_rp": vehicle.fixed_cost_rp,
        "cost_per_km_rp": vehicle.cost_per_km_rp,
        "max_trips": vehicle.max_trips,
    }


def vehicle_of(data: Json) -> VehicleType:
    return VehicleType(
        id=data["id"],
        label=data["label"],
        count=data["count"],
        capacity=load_of(data["capacity"]),
        shift=_window_of(data["shift"]),
        max_shift_s=data["max_shift_s"],
        fixed_cost_rp=data["fixed_cost_rp"],
        cost_per_km_rp=data["cost_per_km_rp"],
        max_trips=data["max_trips"],
    )


def unserved_json(item: Unserved) -> Json:
    return {"ref": item.ref, "reason": message_json(item.reason)}


def unserved_of(data: Json) -> Unserved:
    return Unserved(data["ref"], message_of(data["reason"]))


def shortfall_json(item: Shortfall) -> Json:
    return {
        "order_id": item.order_id,
        "product_name": item.product_name,
        "grade": item.grade,
        "delivery_date": item.delivery_date.isoformat(),
        "missing_g": item.missing_g,
        "filled_g": item.filled_g,
        "taken_earlier_g": item.taken_earlier_g,
        "expired_g": item.expired_g,
        "recalled_g": item.recalled_g,
        "elsewhere_g": item.elsewhere_g,
    }


def shortfall_of(data: Json) -> Shortfall:
    return Shortfall(
        order_id=data["order_id"],
        product_name=data["product_name"],
        grade=data["grade"],
        delivery_date=date.fromisoformat(data["delivery_date"]),
        missing_g=data["missing_g"],
        filled_g=data["filled_g"],
        taken_earlier_g=data["taken_earlier_g"],
        expired_g=data["expired_g"],
        recalled_g=data["recalled_g"],
        elsewhere_g=data["elsewhere_g"],
    )
