"""Routing quality: the planner's PyVRP adapter on Solomon's 56 VRPTW instances.

Each instance goes through the same path as a hub plan (``RoutingProblem`` → PyVRP →
``Plan`` → independent check) with a time limit per instance (10 s by default, seed 1), and
its distance is compared with CVRPLIB's best-known value under the DIMACS convention (edges
truncated to one decimal, distance only).  Target: mean gap ≤ 0.5 %, none above 1.5 %.

The data directory holds ``NAME.txt`` (Solomon format) and ``NAME.sol`` (best known) for each
instance; by default ``../shared/bench-data/solomon`` relative to the repository root.  When it
is absent the benchmark says so and exits 0 with ``"skipped": true``.  ``--routes-dir`` writes
each plan as ``NAME.sol`` in the VRPLIB solution format.

Prints a line per instance, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from hub.schedule.pyvrp_solver import solve
from hub.schedule.routing import SolveLimits
from hub.schedule.solomon import (
    SCALE,
    read_best_known,
    read_instance,
    solution_text,
    to_problem,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / ".." / "shared" / "bench-data" / "solomon"
TARGET_MEAN_GAP_PCT = 0.5
TARGET_MAX_GAP_PCT = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="*", help="names such as C101 R101 (default: all)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per instance")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Solomon directory")
    parser.add_argument("--routes-dir", type=Path, help="write each plan here as NAME.sol")
    args = parser.parse_args()

    data: Path = args.data
    if not data.is_dir():
        print(f"no Solomon data at {data}; skipping (give --data DIR)")
        print(json.dumps({"bench": "vrptw", "skipped": True, "data": str(data)}))
        return
    names = args.instances or sorted(p.stem for p in data.glob("*.txt"))
    missing = [
        n for n in names if not (data / f"{n}.txt").exists() or not (data / f"{n}.sol").exists()
    ]
    if missing:
        parser.error(f"no instance or best-known file in {data} for: {', '.join(missing)}")
    if args.routes_dir:
        args.routes_dir.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict[str, float | int]] = {}
    for name in names:
        instance = read_instance(data / f"{name}.txt")
        best = read_best_known(data / f"{name}.sol")
        started = time.perf_counter()
        plan = solve(to_problem(instance), SolveLimits(seconds=args.seconds, seed=args.seed))
        elapsed = time.perf_counter() - started
        if plan.unserved:
            raise SystemExit(f"{name}: the plan leaves {len(plan.unserved)} customers unserved")
        gap = 100 * (plan.distance_m - best.cost_tenths) / best.cost_tenths
        results[name] = {
            "distance": plan.distance_m / SCALE,
            "best_known": best.cost_tenths / SCALE,
            "gap_pct": round(gap, 3),
            "vehicles": len(plan.routes),
            "best_known_vehicles": len(best.routes),
            "seconds": round(elapsed, 1),
        }
        print(
            f"{name:6} {plan.distance_m / SCALE:9.1f}  best {best.cost_tenths / SCALE:9.1f}  "
            f"gap {gap:6.2f} %  vehicles {len(plan.routes):2} ({len(best.routes)})  "
            f"{elapsed:5.1f} s",
            flush=True,
        )
        if args.routes_dir:
            (args.routes_dir / f"{name}.sol").write_text(solution_text(plan), encoding="ascii")

    gaps = [float(r["gap_pct"]) for r in results.values()]
    mean_gap, max_gap = statistics.fmean(gaps), max(gaps)
    print(f"mean gap {mean_gap:.3f} %, max gap {max_gap:.3f} % over {len(gaps)} instances")
    summary = {
        "bench": "vrptw",
        "skipped": False,
        "seconds_per_instance": args.seconds,
        "seed": args.seed,
        "instances": results,
        "mean_gap_pct": round(mean_gap, 3),
        "max_gap_pct": round(max_gap, 3),
        "target_met": mean_gap <= TARGET_MEAN_GAP_PCT and max_gap <= TARGET_MAX_GAP_PCT,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
