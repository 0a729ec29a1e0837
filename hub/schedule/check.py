"""An independent plan checker: recomputes a plan from the problem and lists what is wrong.

It shares no code with the solver adapter beyond the data types, so a bug in turning a solver's
answer into a plan shows up here.  The adapter runs it on every plan before returning it, and
the tests run it on every plan they get.  Violations are for developers (English, in logs and
test failures); an operator never sees a plan that has any.

What a valid plan satisfies:

1. Every stop is served exactly once or listed as unserved, never both; every rejected
   consignment is listed as unserved.
2. Every vehicle is of a type in the fleet; no type is used by more vehicles than it has; no
   vehicle makes more trips than it may.
3. Every trip starts at the hub with all its drops on board and ends at the hub; after every
   stop the load on board (drops still to come plus collections so far) fits the vehicle in
   weight and in crates, and the plan states that load.
4. Times follow the road: arrival no earlier than the last departure plus the travel time;
   service starts within the stop's window and lasts its service time; between trips the
   truck is unloaded and loaded at the hub.
5. Each vehicle's day starts no earlier than its shift and the hub's opening, ends (unloaded)
   no later than either closes, and lasts no longer than its longest shift.
6. Each trip's distance is the sum of its legs.
7. A stop at a locked place is served by the vehicle it is locked to, or not at all.
"""

from __future__ import annotations

from collections import Counter

from hub.schedule.plan import Plan, Route, Trip
from hub.schedule.routing import Load, RoutingProblem


def check_plan(problem: RoutingProblem, plan: Plan) -> list[str]:
    """Everything wrong with ``plan`` for ``problem``; an empty list means it is valid."""
    problems = _coverage(problem, plan)
    problems += _fleet_use(plan)
    for route in plan.routes:
        for trip in route.trips:
            for visit in trip.visits:
                lock = problem.lock_of(visit.stop)
                if lock is not None and (route.vehicle.id, route.vehicle_no) != (
                    lock.vehicle,
                    lock.vehicle_no,
                ):
                    problems.append(
                        f"{visit.stop.id} is locked to {lock.vehicle_name}, served by {route.name}"
                    )
        if route.vehicle not in problem.fleet:
            problems.append(f"{route.name} is not a vehicle type of the problem's fleet")
        problems += _route_times(problem, route)
        for trip in route.trips:
            problems += _trip(problem, route, trip)
    return problems


def _coverage(problem: RoutingProblem, plan: Plan) -> list[str]:
    found = []
    served = Counter(plan.served())
    unserved = Counter(item.ref for item in plan.unserved)
    for ref, count in served.items():
        if ref not in problem.stop_index:
            found.append(f"stop {ref} is not in the problem")
        if count > 1:
            found.append(f"stop {ref} is served {count} times")
        if ref in unserved:
            found.append(f"stop {ref} is served and also listed as unserved")
    for stop in problem.stops:
        if stop.id not in served and stop.id not in unserved:
            found.append(f"stop {stop.id} is neither served nor listed as unserved")
    for rejected in problem.rejected:
        if rejected.ref not in unserved:
            found.append(f"rejected consignment {rejected.ref} is not listed as unserved")
    return found


def _fleet_use(plan: Plan) -> list[str]:
    found = []
    numbers: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for route in plan.routes:
        numbers.setdefault(route.vehicle.id, []).append(route.vehicle_no)
        counts[route.vehicle.id] = route.vehicle.count
        if len(route.trips) > route.vehicle.max_trips:
            found.append(
                f"{route.name} makes {len(route.trips)} trips; at most {route.vehicle.max_trips}"
            )
        if not route.trips:
            found.append(f"{route.name} has no trips")
        if [trip.number for trip in route.trips] != list(range(1, len(route.trips) + 1)):
            found.append(f"{route.name}: trips are not numbered 1, 2, …")
    for vehicle_id, used in numbers.items():
        count = counts[vehicle_id]
        if len(set(used)) != len(used) or not all(1 <= n <= count for n in used):
            found.append(
                f"{vehicle_id}: vehicle numbers {sorted(used)} exceed or repeat its "
                f"{count} vehicles"
            )
    return found


def _trip(problem: RoutingProblem, route: Route, trip: Trip) -> list[str]:
    found = []
    where = f"{route.name} trip {trip.number}"
    capacity = route.vehicle.capacity
    if not trip.visits:
        found.append(f"{where} visits nothing")
        return found
    on_board = Load()
    for visit in trip.visits:
        on_board = on_board + visit.stop.drop
    if on_board != trip.load_out:
        found.append(f"{where} leaves with {trip.load_out}, but its drops add up to {on_board}")
    if not on_board.fits(capacity):
        found.append(f"{where} leaves the hub with {on_board}, over capacity {capacity}")
    previous, clock = 0, trip.departure_s
    distance = 0
    for visit in trip.visits:
        stop = visit.stop
        index = problem.stop_index.get(stop.id)
        if index is None:
            return [*found, f"{where}: unknown stop {stop.id}"]
        if problem.stops[index - 1] != stop:
            found.append(f"{where}: stop {stop.id} differs from the problem's")
        travel = problem.duration_s[previous][index]
        distance += problem.distance_m[previous][index]
        if visit.arrival_s < clock + travel:
            found.append(
                f"{where}: arrives at {stop.id} at {visit.arrival_s}, "
                f"earlier than {clock} + {travel} s of travel"
            )
        if visit.start_s < max(visit.arrival_s, stop.opens_s):
            found.append(f"{where}: serves {stop.id} before arriving or before its window")
        if visit.start_s > stop.closes_s:
            found.append(
                f"{where}: serves {stop.id} at {visit.start_s}, after its window closes "
                f"at {stop.closes_s}"
            )
        if visit.departure_s < visit.start_s + stop.service_s:
            found.append(f"{where}: leaves {stop.id} before its service time is over")
        on_board = on_board - stop.drop + stop.collect
        if on_board != visit.load_after:
            found.append(f"{where}: states {visit.load_after} after {stop.id}, not {on_board}")
        if not on_board.fits(capacity) or on_board.weight_g < 0 or on_board.crates < 0:
            found.append(f"{where}: {on_board} on board after {stop.id}, capacity {capacity}")
        previous, clock = index, visit.departure_s
    distance += problem.distance_m[previous][0]
    if trip.return_s < clock + problem.duration_s[previous][0]:
        found.append(f"{where}: back at the hub at {trip.return_s}, sooner than the road allows")
    if distance != trip.distance_m:
        found.append(f"{where}: states {trip.distance_m} m, its legs add up to {distance} m")
    return found


def _route_times(problem: RoutingProblem, route: Route) -> list[str]:
    found = []
    hub = problem.hub
    shift = route.vehicle.shift
    opens = max(shift.opens_s, hub.opening.opens_s)
    closes = min(shift.closes_s, hub.opening.closes_s)
    if route.start_s < opens:
        found.append(f"{route.name} starts at {route.start_s}, before {opens}")
    if route.end_s > closes:
        found.append(f"{route.name} ends at {route.end_s}, after {closes}")
    if route.end_s - route.start_s > route.vehicle.max_shift_s:
        found.append(
            f"{route.name} works {route.end_s - route.start_s} s, "
            f"longer than {route.vehicle.max_shift_s} s"
        )
    ready = route.start_s
    for trip in route.trips:
        if trip.departure_s < ready + hub.loading_s:
            found.append(f"{route.name} trip {trip.number} leaves before it is loaded")
        ready = trip.return_s + hub.unloading_s
    if route.end_s < ready:
        found.append(f"{route.name} ends at {route.end_s}, before its last trip is unloaded")
    return found
