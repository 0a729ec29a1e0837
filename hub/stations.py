"""Registering stations at the hub, from the same TOML files the stations run on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from edge.config import StationConfig
from hub.db.models import Cooperative, Station


def register_stations(engine: Engine, configs: Iterable[StationConfig]) -> list[str]:
    """Add or update each station and its cooperative; returns the station ids."""
    registered: list[str] = []
    with engine.begin() as connection:
        known_coops = set(connection.execute(select(Cooperative.id)).scalars())
        known_stations = set(connection.execute(select(Station.id)).scalars())
        for config in configs:
            section = config.station
            if section.coop not in known_coops:
                connection.execute(insert(Cooperative), {"id": section.coop, "name": section.coop})
                known_coops.add(section.coop)
            values = {"coop_id": section.coop, "name": section.name, "kecamatan": section.kecamatan}
            if section.id in known_stations:
                connection.execute(update(Station).where(Station.id == section.id).values(values))
            else:
                connection.execute(
                    insert(Station),
                    {"id": section.id, "registered_at": datetime.now(UTC), **values},
                )
                known_stations.add(section.id)
            registered.append(section.id)
    return registered
