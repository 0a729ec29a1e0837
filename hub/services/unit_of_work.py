"""The unit of work and the repositories it hands to services.

One ``with uow:`` block is one transaction: services read and write through ``uow.<repository>``
and call ``uow.commit()`` once; leaving the block without committing rolls everything back.
``SqlAlchemyUnitOfWork`` runs on the hub's database (SQLite or PostgreSQL, SQLAlchemy Core);
tests of services use an in-memory fake that implements the same abstract repositories.

Repositories hand out the domain's records (``hub.domain``), never rows or ORM objects.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, Transaction

from hub.domain.catalog import CrateTypeRecord, GradeRecord, ProductRecord
from hub.domain.projection import Anchor, LotRecord, StationEventRecord, WeighingRecord
from hub.domain.reports import KgLine, ReceiptFact, StatusReport
from hub.domain.stock import Location, Move, StockKey
from hub.domain.trace import (
    DispatchRecord,
    MemberRecord,
    OrderRecord,
    RecallScope,
    ReceiptRecord,
    TraceSource,
    TripRecord,
)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class RecallRecord:
    id: int
    scope: RecallScope
    reason: str
    created_at: datetime
    created_by: str
    released_at: datetime | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True, slots=True)
class Gs1Identity:
    company_prefix: str
    extension_digit: int


class EventRepository(abc.ABC):
    """The station event log, as projection reads it."""

    @abc.abstractmethod
    def stations_behind(self) -> list[str]:
        """Stations with stored contiguous events not yet projected."""

    @abc.abstractmethod
    def claim(self, station: str, limit: int) -> tuple[int, int] | None:
        """Take the next ≤ ``limit`` contiguous seqs to project: (after, up_to), or None when
        another worker took them or there is nothing to do.  Must be the first write."""

    @abc.abstractmethod
    def load(self, station: str, after: int, up_to: int) -> list[StationEventRecord]: ...

    @abc.abstractmethod
    def anchors(self, station: str, boots: Iterable[int]) -> dict[int, Anchor]: ...


class WeighingRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, weighings: list[WeighingRecord]) -> None: ...

    @abc.abstractmethod
    def open_by_crates(
        self, station: str, crates: Iterable[str]
    ) -> dict[str, list[WeighingRecord]]: ...

    @abc.abstractmethod
    def by_event_ids(self, event_ids: Iterable[str]) -> dict[str, WeighingRecord]: ...

    @abc.abstractmethod
    def assign_lots(self, lots: Mapping[int, str]) -> None: ...

    @abc.abstractmethod
    def mark_voids(self, voids: Mapping[int, tuple[str, str | None]]) -> None: ...

    @abc.abstractmethod
    def of_lots(self, lots: Iterable[str]) -> list[WeighingRecord]: ...

    @abc.abstractmethod
    def in_transit_by_crates(self, crates: Iterable[str]) -> dict[str, WeighingRecord]:
        """Per crate, its weighing that is dispatched and not yet received at the hub."""

    @abc.abstractmethod
    def matching(self, scope: RecallScope) -> list[WeighingRecord]: ...


class LotRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, lots: list[LotRecord]) -> None: ...

    @abc.abstractmethod
    def get(self, ids: Iterable[str]) -> dict[str, LotRecord]: ...

    @abc.abstractmethod
    def best_before(self, ids: Iterable[str]) -> dict[tuple[str, str], date]:
        """(lot, product) → pack date + the product's shelf life, where both are known."""

    @abc.abstractmethod
    def at_station(self, coop: str | None) -> list[LotRecord]:
        """Closed lots not yet dispatched: the dispatch candidates."""


class MoveRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, moves: list[Move]) -> list[Move]:
        """Store the moves; returns them with their ids."""

    @abc.abstractmethod
    def balances(
        self,
        *,
        location: Location | None = None,
        lots: Iterable[str] | None = None,
        coop: str | None = None,
    ) -> dict[tuple[StockKey, Location], int]:
        """Non-zero balances of physical locations, narrowed by the arguments given."""

    @abc.abstractmethod
    def picks_of_lots(self, lots: Iterable[str]) -> list[Move]: ...


class DispatchRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, dispatch: DispatchRecord) -> int: ...

    @abc.abstractmethod
    def by_code(self, code: str) -> DispatchRecord | None: ...

    @abc.abstractmethod
    def of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]: ...

    @abc.abstractmethod
    def between(self, coop: str, start: datetime, end: datetime) -> list[DispatchRecord]: ...


class ReceiptRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, receipt: ReceiptRecord) -> int: ...

    @abc.abstractmethod
    def received(self, weighing_ids: Iterable[int]) -> set[int]: ...

    @abc.abstractmethod
    def of_dispatches(
        self, dispatch_ids: Iterable[int], lots: Iterable[str] | None = None
    ) -> list[ReceiptRecord]:
        """The dispatches' receipts; with ``lots``, only their lines of those lots."""

    @abc.abstractmethod
    def facts(self, start: datetime, end: datetime, coop: str | None) -> list[ReceiptFact]:
        """Per received crate in the period: village, product, grade, day and weights."""


class RecallRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, recall: RecallRecord) -> int: ...

    @abc.abstractmethod
    def get(self, recall_id: int) -> RecallRecord | None: ...

    @abc.abstractmethod
    def release(self, recall_id: int, *, at: datetime, by: str) -> None: ...

    @abc.abstractmethod
    def active(self) -> list[RecallRecord]: ...


class OrderRepository(abc.ABC):
    @abc.abstractmethod
    def add_order(self, order: OrderRecord) -> None: ...

    @abc.abstractmethod
    def add_trip(self, trip: TripRecord) -> None: ...

    @abc.abstractmethod
    def get(self, order_id: str) -> OrderRecord | None: ...


class CatalogRepository(abc.ABC):
    @abc.abstractmethod
    def add_products(self, products: list[ProductRecord]) -> None: ...

    @abc.abstractmethod
    def add_grades(self, grades: list[GradeRecord]) -> None: ...

    @abc.abstractmethod
    def add_members(self, members: list[MemberRecord], *, at: datetime) -> None: ...

    @abc.abstractmethod
    def add_crate_types(self, crate_types: list[CrateTypeRecord]) -> None: ...

    @abc.abstractmethod
    def set_gs1_identity(self, coop: str, identity: Gs1Identity) -> None:
        """Set the cooperative's prefix; its SSCC counter is kept (never restarted)."""

    @abc.abstractmethod
    def grades(self) -> dict[str, tuple[str, str]]:
        """Product-grade code → (product, grade)."""

    @abc.abstractmethod
    def gtins(self) -> dict[tuple[str, str], str]:
        """(product, grade) → GTIN-14, where one is registered."""

    @abc.abstractmethod
    def gs1_identity(self, coop: str) -> Gs1Identity | None: ...

    @abc.abstractmethod
    def next_sscc(self, coop: str) -> str:
        """Take the cooperative's next SSCC, whose serial is never handed out again; raises
        ``hub.printing.SsccError`` when the cooperative has no GS1 identity or its prefix has
        no serial left."""

    @abc.abstractmethod
    def member_exists(self, member: str) -> bool: ...

    @abc.abstractmethod
    def stations_of(self, coop: str) -> list[str]: ...


class ReportRepository(abc.ABC):
    @abc.abstractmethod
    def kg_by_product(
        self, *, start: datetime, end: datetime, member: str | None = None, coop: str | None = None
    ) -> list[KgLine]:
        """Weighings not voided in [start, end), summed by product and grade."""

    @abc.abstractmethod
    def status_reports(
        self, stations: Iterable[str], start: datetime, end: datetime
    ) -> list[StatusReport]:
        """Statuses reported in the period, plus the last one before it, by station and time."""

    @abc.abstractmethod
    def weighings_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[WeighingRecord]: ...

    @abc.abstractmethod
    def lots_between(self, start: datetime, end: datetime) -> list[LotRecord]: ...

    @abc.abstractmethod
    def dispatches_between(self, start: datetime, end: datetime) -> list[DispatchRecord]: ...

    @abc.abstractmethod
    def receipts_between(self, start: datetime, end: datetime) -> list[ReceiptRecord]: ...


class AuditRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, entries: list[AuditRecord]) -> None: ...


class AbstractUnitOfWork(abc.ABC):
    events: EventRepository
    weighings: WeighingRepository
    lots: LotRepository
    moves: MoveRepository
    dispatches: DispatchRepository
    receipts: ReceiptRepository
    recalls: RecallRepository
    orders: OrderRepository
    catalog: CatalogRepository
    reports: ReportRepository
    audit: AuditRepository
    trace: TraceSource

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """A transaction on the hub's database; repositories are ``hub.db.repositories``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._transaction: Transaction | None = None

    def __enter__(self) -> Self:
        from hub.db import repositories as sql

        connection = self._engine.connect()
        self._connection = connection
        self._transaction = connection.begin()
        self.events = sql.SqlEventRepository(connection)
        self.weighings = sql.SqlWeighingRepository(connection)
        self.lots = sql.SqlLotRepository(connection)
        self.moves = sql.SqlMoveRepository(connection)
        self.dispatches = sql.SqlDispatchRepository(connection)
        self.receipts = sql.SqlReceiptRepository(connection)
        self.recalls = sql.SqlRecallRepository(connection)
        self.orders = sql.SqlOrderRepository(connection)
        self.catalog = sql.SqlCatalogRepository(connection)
        self.reports = sql.SqlReportRepository(connection)
        self.audit = sql.SqlAuditRepository(connection)
        self.trace = sql.SqlTraceSource(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, traceback)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
