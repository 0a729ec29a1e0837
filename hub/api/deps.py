"""Dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from hub.services.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_uow(request: Request) -> AbstractUnitOfWork:
    """A unit of work on the app's database; each request gets its own."""
    return SqlAlchemyUnitOfWork(get_engine(request))
