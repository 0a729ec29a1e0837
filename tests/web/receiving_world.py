"""The small Batu day of ``web_world`` plus a dispatch still on the road: a second Punten
station weighs three crates of apples into lot ``LOT_2`` and sends it to the hub as
``DISPATCH_2``, which the hub has not received yet.  With a GS1 company prefix, Punten's
cooperative numbers its dispatches with SSCCs, from serial reference 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from hub.services.stock import dispatch, register_catalog
from hub.services.unit_of_work import Gs1Identity, SqlAlchemyUnitOfWork
from hub.stations import register_stations

from .web_world import COOP, Station, seed_today, station_config, store

STATION_2 = "punten-2"
LOT_2 = "PNT2-LOT-1"
DISPATCH_2 = "DSP-PNT2-1"
CRATES_2 = {"KRT-00005": 12_000, "KRT-00006": 11_000, "KRT-00007": 9_500}
"""Crate → its village net in grams: 32,500 kg in all."""
RECEIVED_DISPATCH = "DSP-PNT-LOT-1"
"""``web_world``'s dispatch, received whole."""


def seed_in_transit(engine: Engine, *, gs1_prefix: str | None = None) -> None:
    seed_today(engine)
    register_stations(engine, [station_config(STATION_2, COOP, "Stasiun Punten 2")])
    if gs1_prefix is not None:
        register_catalog(
            SqlAlchemyUnitOfWork(engine),
            at=datetime.now(UTC),
            gs1={COOP: Gs1Identity(company_prefix=gs1_prefix, extension_digit=0)},
        )
    station = Station(station=STATION_2, at=datetime.now(UTC) - timedelta(minutes=25))
    for crate, net_g in CRATES_2.items():
        station.weigh(crate, net_g, member="AGT-002" if crate == "KRT-00006" else "AGT-001")
    station.close_lot(LOT_2, CRATES_2, sum(CRATES_2.values()))
    store(engine, station.events)
    dispatch(
        SqlAlchemyUnitOfWork(engine),
        lots=[LOT_2],
        departed_at=datetime.now(UTC) - timedelta(minutes=5),
        operator="budi",
        vehicle="N 5678 CD",
        code=DISPATCH_2,
    )
