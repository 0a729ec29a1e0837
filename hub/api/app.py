"""The hub's web application: JSON API under ``/api/v1`` and the operators' pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from hub.api import (
    accounts,
    distribution,
    errors,
    labels,
    reports,
    stations_admin,
    stock,
    trace,
    weighings,
)
from hub.web import (
    admin,
    distribution_page,
    labels_page,
    members,
    metrics,
    pages,
    recalls,
    receiving,
    signin,
    site,
    stations,
)
from hub.web.settings import WebSettings


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(part) for part in first["loc"][1:]) or None
    body = {"error": {"code": "invalid_request", "message": first["msg"], "field": field}}
    return JSONResponse(status_code=422, content=body)


def create_app(
    engine: Engine,
    settings: WebSettings | None = None,
    *,
    ingest_ready: Callable[[], bool] | None = None,
) -> FastAPI:
    """``settings`` default to the ``LUMBUNG_*`` environment (``hub.web.settings``).
    ``ingest_ready`` says whether the process's ingest worker is subscribed at the broker;
    ``/readyz`` answers 503 until it is (a process without one is ready with its database)."""
    app = FastAPI(title="Lumbung hub", version="0.1.0")
    app.state.engine = engine
    app.add_exception_handler(RequestValidationError, _validation_error)
    errors.install(app)
    site.install(app, engine, settings or WebSettings.from_env())
    app.include_router(weighings.router)
    app.include_router(distribution.router)
    app.include_router(trace.router)
    app.include_router(stock.router)
    app.include_router(reports.router)
    app.include_router(accounts.router)
    app.include_router(stations_admin.router)
    app.include_router(labels.router)
    app.include_router(metrics.router)
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.include_router(stations.router)
    app.include_router(admin.router)
    app.include_router(receiving.router)
    app.include_router(members.router)
    app.include_router(recalls.router)
    app.include_router(labels_page.router)
    app.include_router(distribution_page.router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], response_model=None)
    def readyz() -> dict[str, str] | JSONResponse:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if ingest_ready is not None and not ingest_ready():
            waiting = {"status": "waiting", "reason": "ingest is not subscribed at the broker"}
            return JSONResponse(status_code=503, content=waiting)
        return {"status": "ready"}

    return app
