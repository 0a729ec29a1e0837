"""The Kota Batu week: a plan a day for the hub, 24 cooperatives and the sample fleet.

The fixture's standing week (staples out to every cooperative twice, produce back from the
villages, early deliveries to a supermarket DC and a salad producer from hub stock) is
allocated, then each day is solved as production does it: a time limit per day (10 s by
default, seed 1), the plan checked independently.  Reports per day the stops, what was left
unserved, vehicles and trips, road km, cost and solve time; ``--maps DIR`` writes each trip's
SVG map and stop sheet.  The fixture's distances are great-circle × 1.4 at 25 km/h.

Prints a line per day, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hub.schedule.batu import load_batu
from hub.schedule.plan import trip_map_svg, trip_sheet
from hub.schedule.pyvrp_solver import solve
from hub.schedule.routing import SolveLimits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per day")
    parser.add_argument("--iterations", type=int, help="stop on iterations instead (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--maps", type=Path, help="write trip maps (SVG) and stop sheets here")
    args = parser.parse_args()
    limits = (
        SolveLimits(seconds=None, iterations=args.iterations, seed=args.seed)
        if args.iterations
        else SolveLimits(seconds=args.seconds, seed=args.seed)
    )

    batu = load_batu()
    week = batu.week()
    allocation = batu.allocate(week)
    for shortfall in allocation.shortfalls:
        print(f"shortfall: {shortfall}")
    days: dict[str, dict[str, object]] = {}
    totals = {"km": 0.0, "cost_rp": 0, "seconds": 0.0, "unserved": 0}
    for day in week.days():
        problem = batu.problem(day, week, allocation)
        started = time.perf_counter()
        plan = solve(problem, limits)
        elapsed = time.perf_counter() - started
        trips = sum(len(route.trips) for route in plan.routes)
        totals["km"] += plan.distance_m / 1000
        totals["cost_rp"] += plan.cost_rp
        totals["seconds"] += elapsed
        totals["unserved"] += len(plan.unserved)
        days[day.isoformat()] = {
            "stops": len(problem.stops),
            "unserved": [str(u) for u in plan.unserved],
            "vehicles": [route.name for route in plan.routes],
            "trips": trips,
            "km": round(plan.distance_m / 1000, 1),
            "cost_rp": plan.cost_rp,
            "seconds": round(elapsed, 2),
        }
        print(
            f"{day} {day:%a}: {len(problem.stops):2} stops, {len(plan.unserved)} unserved, "
            f"{len(plan.routes)} vehicles, {trips} trips, {plan.distance_m / 1000:6.1f} km, "
            f"Rp {plan.cost_rp:,}, {elapsed:.1f} s",
            flush=True,
        )
        for unserved in plan.unserved:
            print(f"  unserved: {unserved}")
        if args.maps:
            args.maps.mkdir(parents=True, exist_ok=True)
            for route, trip in plan.trips():
                stem = f"{day}-{route.vehicle.id}-{route.vehicle_no}-trip{trip.number}"
                svg = trip_map_svg(route, trip, hub=batu.hub.place, others=batu.places())
                (args.maps / f"{stem}.svg").write_text(svg, encoding="utf-8")
                (args.maps / f"{stem}.txt").write_text(trip_sheet(route, trip), encoding="utf-8")

    summary = {
        "bench": "batu",
        "limit": {"seconds": limits.seconds, "iterations": limits.iterations, "seed": limits.seed},
        "days": days,
        "week_km": round(totals["km"], 1),
        "week_cost_rp": totals["cost_rp"],
        "week_seconds": round(totals["seconds"], 1),
        "unserved": totals["unserved"],
        "shortfalls": len(allocation.shortfalls),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
