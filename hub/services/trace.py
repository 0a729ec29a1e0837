"""Trace and recall use cases over ``hub.domain.trace``.

Rules:

1. A trace reads only; it walks the ledger and its projections through the unit of work (and
   commits its empty transaction, to keep the database's prepared statements; see
   ``trace_code``).
2. A recall is stored as what it covers, not as a list: what it affects is worked out when it
   is asked for, so a lot closed after the recall with a covered weighing is affected too, and
   it is blocked from allocation and picking for as long as the recall is active.
3. Creating and releasing a recall are audited with the operator and the reason.
4. A trace's weighings come a page at a time when the caller names a ``limit``
   (``hub.domain.trace`` rule 5); the web page and the terminal ask for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.projection import WeighingRecord
from hub.domain.stock import StockLine
from hub.domain.trace import (
    Forward,
    PageError,
    RecallError,
    RecallScope,
    Trace,
    forward,
    trace,
)
from hub.services import NotFoundError
from hub.services.stock import stock_lines
from hub.services.unit_of_work import AbstractUnitOfWork, AuditRecord, RecallRecord


def trace_code(
    uow: AbstractUnitOfWork,
    code: str,
    *,
    weighings_after: int | None = None,
    limit: int | None = None,
) -> Trace:
    """Backward and forward trace of any label code (role: viewer): with ``limit``, a page of
    its weighings, after weighing ``weighings_after`` if given; without, all of them."""
    with uow:
        try:
            found = trace(uow.trace, code, after=weighings_after, limit=limit)
        except PageError as exc:
            raise NotFoundError(str(exc), field="weighings_after") from exc
        # Nothing was written, but COMMIT rather than the unit of work's ROLLBACK ends the
        # transaction: psycopg forgets the statements it prepared on a connection at every
        # ROLLBACK, and each trace would have PostgreSQL plan all of its statements again
        # (a quarter to a third of the database's time for a trace; bench/trace.py).
        uow.commit()
        return found


@dataclass(frozen=True, slots=True)
class RecallReport:
    recall: RecallRecord
    weighings: int
    net_g: int
    members: list[str]
    stations: list[str]
    unpacked_weighings: list[WeighingRecord]
    """Covered weighings not in a lot yet: still at their station, not dispatchable."""
    downstream: Forward
    stock: list[StockLine]
    """Stock of the affected lots still in hand, by location; all of it blocked while active."""


def _report(uow: AbstractUnitOfWork, recall: RecallRecord) -> RecallReport:
    weighings = [w for w in uow.weighings.matching(recall.scope) if w.voided_by_event_id is None]
    lots = {w.lot for w in weighings if w.lot}
    if recall.scope.lot is not None:
        lots.add(recall.scope.lot)
    stock = stock_lines(uow, uow.moves.balances(lots=lots)) if lots else []
    return RecallReport(
        recall=recall,
        weighings=len(weighings),
        net_g=sum(w.net_g for w in weighings),
        members=sorted({w.member for w in weighings if w.member}),
        stations=sorted({w.station for w in weighings}),
        unpacked_weighings=[w for w in weighings if w.lot is None],
        downstream=forward(uow.trace, lots),
        stock=stock,
    )


def create_recall(
    uow: AbstractUnitOfWork, *, scope: RecallScope, reason: str, operator: str, at: datetime
) -> RecallReport:
    """Recall everything ``scope`` covers and block it (role: admin)."""
    if not reason.strip():
        raise RecallError("a recall needs a reason")
    with uow:
        record = RecallRecord(0, scope, reason, at, operator)
        recall_id = uow.recalls.add(record)
        stored = uow.recalls.get(recall_id)
        assert stored is not None
        report = _report(uow, stored)
        uow.audit.add(
            [
                AuditRecord(at, operator, "recall", f"recall/{recall_id}", {
                    "reason": reason, "lots": [lot.id for lot in report.downstream.lots],
                    "weighings": report.weighings,
                })
            ]
        )  # fmt: skip
        uow.commit()
    return report


def recall_report(uow: AbstractUnitOfWork, recall_id: int) -> RecallReport:
    """What a recall affects, as of now (role: viewer)."""
    with uow:
        found = uow.recalls.get(recall_id)
        if found is None:
            raise NotFoundError(f"no recall {recall_id}", field="recall_id")
        return _report(uow, found)


def release_recall(
    uow: AbstractUnitOfWork, recall_id: int, *, operator: str, at: datetime
) -> RecallReport:
    """End a recall: its stock may be allocated and picked again (role: admin)."""
    with uow:
        found = uow.recalls.get(recall_id)
        if found is None:
            raise NotFoundError(f"no recall {recall_id}", field="recall_id")
        if not found.active:
            raise RecallError(f"recall {recall_id} was already released")
        uow.recalls.release(recall_id, at=at, by=operator)
        uow.audit.add([AuditRecord(at, operator, "recall_release", f"recall/{recall_id}", {})])
        uow.commit()
        released = uow.recalls.get(recall_id)
        assert released is not None
        return _report(uow, released)
