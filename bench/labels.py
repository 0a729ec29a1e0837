"""Label rendering speed: labels per second and ms per label, per template, format and dpi.

Each label is built from fresh data (a new weight, crate id and lot every time), resolved,
validated and rendered to bytes, as the hub's print queue will do. Fonts stay loaded between
labels, as in a running hub. Targets: a PNG case label under 20 ms, a ZPL label under 1 ms.

Usage: python bench/labels.py [--seconds 0.3]
Prints one human line per combination, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labels.content import resolve
from labels.formats import FORMATS
from labels.layout import DOTS_PER_MM
from labels.templates import TEMPLATES, LabelData

TARGETS_MS = {("case", "png"): 20.0, ("case", "zpl"): 1.0}

BASE = LabelData(
    gtin="18995555000010",
    lot="BTU-2507-A1",
    net_g=12_500,
    pack_date=date(2025, 7, 15),
    product="Kentang Granola",
    grade="A",
    village="Bulukerto",
    packer_name="Koperasi Tani Makmur Batu",
    packer_address="Jl. Raya Bumiaji No. 12, Desa Bulukerto, Kec. Bumiaji, Kota Batu",
    crate_id="C-000001",
    sscc="089955550000000013",
    best_before=date(2025, 7, 29),
    count=40,
    gross_g=540_000,
)


def _data(i: int) -> LabelData:
    return replace(BASE, net_g=12_000 + i % 997, crate_id=f"C-{i:06d}", lot=f"BTU-2507-{i % 97}")


def measure(template: str, fmt: str, dpi: int, seconds: float) -> list[float]:
    render = FORMATS[fmt].render
    spec = TEMPLATES[template]
    render(resolve(spec, _data(0)), dpi=dpi)  # warm-up: imports, fonts
    times: list[float] = []
    i = 1
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 20:
        start = time.perf_counter()
        render(resolve(spec, _data(i)), dpi=dpi)
        times.append(time.perf_counter() - start)
        i += 1
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="time per combination")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for template in sorted(TEMPLATES):
        for fmt in FORMATS:
            for dpi in sorted(DOTS_PER_MM):
                times = measure(template, fmt, dpi, args.seconds)
                ms = statistics.median(times) * 1000
                key = f"{template}/{fmt}/{dpi}"
                results[key] = {"ms_per_label": round(ms, 3), "labels_per_s": round(1000 / ms, 1)}
                target = TARGETS_MS.get((template, fmt))
                verdict = "" if target is None else f"  (target < {target:g} ms)"
                print(f"{key:<18} {ms:8.3f} ms/label {1000 / ms:9.1f} labels/s{verdict}")
    met = {
        f"{t}/{f}": all(
            results[f"{t}/{f}/{dpi}"]["ms_per_label"] < limit for dpi in sorted(DOTS_PER_MM)
        )
        for (t, f), limit in TARGETS_MS.items()
    }
    print(json.dumps({"bench": "labels", "unit": "median", "results": results, "targets_met": met}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
