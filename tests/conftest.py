"""Shared fixtures: real Mosquitto brokers on free ports, and the hub's two databases.

PostgreSQL is reached at ``LUMBUNG_TEST_PG_URL`` (default the local ``test`` database); each
test gets a database of its own, dropped afterwards.  Where PostgreSQL is unreachable the
PostgreSQL variants skip, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from hub.broker import BrokerSettings, MosquittoProcess, free_port
from hub.db.engine import make_engine, normalise_url, upgrade

PG_URL = os.environ.get("LUMBUNG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoProcess]:
    process = MosquittoProcess(BrokerSettings(port=free_port(), data_dir=tmp_path / "broker"))
    process.start()
    yield process
    process.kill()


def _postgres_admin() -> Engine:
    engine = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
    return engine


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server's URL, once it is known to answer."""
    _postgres_admin().dispose()
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each of the hub's two databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    admin = _postgres_admin()
    name = f"lumbung_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated hub database on SQLite and on PostgreSQL."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()
