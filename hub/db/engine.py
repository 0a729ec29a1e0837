"""Database URLs, engines and migrations.

The hub runs on SQLite by default and PostgreSQL in production.  A URL may be a plain file
path, ``sqlite:///…``, or ``postgresql://…`` (driven by psycopg 3).  The hub refuses to work on
a database whose schema is not at the newest migration and names the command that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class NotMigratedError(RuntimeError):
    def __init__(self, url: str, current: str | None, head: str) -> None:
        super().__init__(
            f"database {url} is at schema {current or 'empty'}, not {head}; "
            f"run: lumbung hub db upgrade --db {url}"
        )


def normalise_url(url: str) -> str:
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head_revision()


def require_migrated(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        url = engine.url.render_as_string(hide_password=True).replace("+psycopg", "")
        raise NotMigratedError(url, current, head)
