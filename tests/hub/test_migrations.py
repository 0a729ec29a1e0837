"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
step down and up again, so an upgrade in the field meets the tables the code expects."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import hub.db.auth_models  # registers the account tables on Base.metadata
import hub.db.plan_models  # registers the planning tables on Base.metadata
import hub.db.print_models  # noqa: F401  (registers the printing tables on Base.metadata)
from hub.db.engine import alembic_config, current_revision, head_revision, upgrade
from hub.db.models import Base

pytestmark = pytest.mark.pg


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_the_migrated_schema_is_the_models_schema(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []


def test_every_migration_steps_down_and_up_again(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert differences(engine) == []
