"""The hub's distribution settings: where the hub and the villages are, the fleet, the roads.

The hub plans from one settings file in the format of ``data/batu.json`` (``standing_week`` and
``lots`` may be left out): the hub with its hours and loading times, the cooperatives with their
coordinates and their ids at the hub (``coop``, as in the station files), partners the hub
already knows, crate sizes per product, the grade scale, the fleet, the travel model, the
service times, the villages' window, and the standing weekly plan the hub can turn into a
week's orders.  ``LUMBUNG_SCHEDULE_FILE`` names the file; without it the hub uses the packaged
Kota Batu fixture, which is what the demo runs.

Rules:

1. A cooperative is found by its id at the hub; one the file does not place cannot be visited
   (its pickups and staples are reported unserved, in words).
2. A product's crate comes from the file's ``products`` (matched on the code, ignoring case);
   other products travel in the default crate (``DEFAULT_CRATE``: 20 kg net, 1.8 kg tare, the
   crate the villages pack in).
3. A pallet carries at most ``pallet_crates`` crates, of one cooperative's lots.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from hub.schedule.allocation import GradeScale
from hub.schedule.batu import Batu, load_batu
from hub.schedule.orders import Cooperative, Partner, Product, StandingPlan, TimeWindow
from hub.schedule.routing import Hub, RoadFactorTravel, ServiceTime, VehicleType

SETTINGS_VARIABLE: Final = "LUMBUNG_SCHEDULE_FILE"
DEFAULT_CRATE: Final = (20_000, 1_800)
"""Net and tare grams of a village produce crate."""
PALLET_CRATES: Final = 40
"""Crates on one pallet: 40 × 21.8 kg ≈ 870 kg, four layers of ten on a 1.2 × 1.0 m pallet."""


@dataclass(frozen=True, slots=True)
class DistributionSetup:
    hub: Hub
    fleet: tuple[VehicleType, ...]
    travel: RoadFactorTravel
    service: ServiceTime
    grades: GradeScale
    village_window: TimeWindow
    cooperatives: Mapping[str, Cooperative]
    """By the cooperative's id at the hub."""
    partners: Mapping[str, Partner]
    crates: Mapping[str, tuple[int, int]]
    """Net and tare grams of a product's crate, by lower-case product code."""
    pallet_crates: int = PALLET_CRATES
    standing: StandingPlan = field(default_factory=StandingPlan)
    """The file's ``standing_week``: the orders, staples and pickups of a usual week."""

    def product(self, code: str, name: str) -> Product:
        """The hub's product ``code`` with the crate it travels in (rule 2)."""
        net_g, tare_g = self.crates.get(code.lower(), DEFAULT_CRATE)
        return Product(code, name, net_g, tare_g)

    def vehicle(self, vehicle_id: str) -> VehicleType | None:
        return next((v for v in self.fleet if v.id == vehicle_id), None)

    def hub_coop(self, cooperative: Cooperative) -> str | None:
        """The cooperative's id at the hub (rule 1), if the file gives it one."""
        return next(
            (hub_id for hub_id, c in self.cooperatives.items() if c.id == cooperative.id), None
        )


def setup_of(batu: Batu) -> DistributionSetup:
    return DistributionSetup(
        hub=batu.hub,
        fleet=batu.fleet,
        travel=batu.travel,
        service=batu.service,
        grades=batu.grades,
        village_window=batu.village_window,
        cooperatives=batu.hub_coops,
        partners={p.id: p for p in batu.partners},
        crates={
            code.lower(): (product.crate_net_g, product.crate_tare_g)
            for code, product in batu.products.items()
        },
        standing=batu.standing,
    )


@cache
def load_setup(path: Path | None = None) -> DistributionSetup:
    """The settings from ``path``, else from ``LUMBUNG_SCHEDULE_FILE``, else the Batu fixture;
    a bad file raises ``DataFileError`` with every problem in it."""
    if path is None and (named := os.environ.get(SETTINGS_VARIABLE)):
        path = Path(named)
    return setup_of(load_batu(path))
