"""The hub's service layer: use cases over a unit of work (``unit_of_work``).

Each service function takes an ``AbstractUnitOfWork``, reads and writes through its
repositories, applies the rules of ``hub.domain`` and commits once.  Routers and the CLI call
exactly one service per request; tests call them with ``FakeUnitOfWork`` or with the real one.

Exception tree (domain errors pass through unchanged and are mapped to HTTP by ``hub.api``)::

    ServiceError
    ├── NotFoundError        what the request names does not exist (``.field`` names the input)
    └── ConflictError        it exists but is not in a state that allows the request
    hub.domain.stock.StockError, hub.domain.trace.TraceError   the rules' own refusals
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request the services refuse; ``field`` names the input at fault, if one is."""

    code = "service_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(ServiceError, LookupError):
    code = "not_found"


class ConflictError(ServiceError):
    code = "conflict"
