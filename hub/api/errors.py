"""Domain and service errors as HTTP responses: ``{"error": {"code", "message", "field"}}``.

Routers raise nothing of their own; they let the services' exceptions through and this table
decides the status.  An exception not in the table is a bug and stays a 500.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.domain.catalog import CatalogError
from hub.domain.stock import (
    BlockedStockError,
    InsufficientStockError,
    InvalidMoveError,
    StockError,
)
from hub.domain.trace import RecallError, TraceError, UnknownCodeError
from hub.services import ConflictError, NotFoundError, ServiceError

STATUS: Final[tuple[tuple[type[Exception], int, str], ...]] = (
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (UnknownCodeError, 404, "unknown_code"),
    (RecallError, 409, "recall"),
    (BlockedStockError, 409, "stock_blocked"),
    (InsufficientStockError, 409, "insufficient_stock"),
    (InvalidMoveError, 422, "invalid_move"),
    (CatalogError, 422, "invalid_catalog"),
)
"""Most specific first: the first class an exception is an instance of decides."""


def error_body(code: str, message: str, field: str | None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field}}


def _handle(_request: Request, exc: Exception) -> JSONResponse:
    for kind, status, code in STATUS:
        if isinstance(exc, kind):
            field = getattr(exc, "field", None)
            return JSONResponse(status_code=status, content=error_body(code, str(exc), field))
    raise exc


def install(app: FastAPI) -> None:
    for kind in (ServiceError, StockError, TraceError, CatalogError):
        app.add_exception_handler(kind, _handle)
