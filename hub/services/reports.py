"""Reports: member statements, village performance, shrinkage and the EPCIS export.

Rules:

1. Reports only read; each runs in one transaction so its figures agree with each other.
2. A period is half-open, ``[start, end)``, and must end after it starts.
3. The EPCIS export covers at most ``EPCIS_MAX_WEIGHINGS`` weighings; a longer period is
   refused with a request to shorten it rather than cut silently.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Final

from hub.domain import epcis
from hub.domain.reports import (
    Performance,
    ShrinkageLine,
    Statement,
    punctuality,
    shrinkage,
    statement,
    uptime,
)
from hub.services import ConflictError, NotFoundError
from hub.services.unit_of_work import AbstractUnitOfWork

EPCIS_MAX_WEIGHINGS: Final = 100_000
DEFAULT_BASE_URI: Final = "urn:lumbung"


def _period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ConflictError("the period must end after it starts", field="to")


def member_statement(
    uow: AbstractUnitOfWork, member: str, *, start: datetime, end: datetime
) -> Statement:
    """What a member delivered in the period, by product and grade, after voids (role: viewer)."""
    _period(start, end)
    with uow:
        lines = uow.reports.kg_by_product(start=start, end=end, member=member)
        if not lines and not uow.catalog.member_exists(member):
            raise NotFoundError(f"no member {member}", field="member")
        return statement(member, start, end, lines)


def shrinkage_report(
    uow: AbstractUnitOfWork, *, start: datetime, end: datetime, coop: str | None = None
) -> list[ShrinkageLine]:
    """Shrinkage per village, product, grade and day of receipt (role: viewer)."""
    _period(start, end)
    with uow:
        return shrinkage(uow.receipts.facts(start, end, coop))


def village_performance(
    uow: AbstractUnitOfWork, coop: str, *, start: datetime, end: datetime
) -> Performance:
    """A village cooperative's period: kg, shrinkage, punctuality, uptime (role: viewer)."""
    _period(start, end)
    with uow:
        stations = uow.catalog.stations_of(coop)
        if not stations:
            raise NotFoundError(f"no cooperative {coop} with stations", field="coop")
        delivered = uow.reports.kg_by_product(start=start, end=end, coop=coop)
        facts = uow.receipts.facts(start, end, coop)
        dispatches = uow.dispatches.between(coop, start, end)
        first_receipt: dict[int, datetime] = {}
        for receipt in uow.receipts.of_dispatches(d.id for d in dispatches):
            seen = first_receipt.get(receipt.dispatch_id)
            if seen is None or receipt.received_at < seen:
                first_receipt[receipt.dispatch_id] = receipt.received_at
        reports = uow.reports.status_reports(stations, start, end)
    by_station = defaultdict(list)
    for report in reports:
        by_station[report.station].append(report)
    return Performance(
        coop=coop,
        start=start,
        end=end,
        delivered=sorted(delivered, key=lambda line: (line.product, line.grade)),
        shrinkage=shrinkage(facts, by_day=False),
        dispatches=punctuality(
            [d.due_at for d in dispatches], [first_receipt.get(d.id) for d in dispatches]
        ),
        stations=[uptime(s, by_station[s], start, end) for s in stations],
    )


def epcis_export(
    uow: AbstractUnitOfWork,
    *,
    start: datetime,
    end: datetime,
    created: datetime,
    base_uri: str = DEFAULT_BASE_URI,
) -> epcis.Json:
    """The period as an EPCIS 2.0 JSON-LD document (role: viewer; for partners)."""
    _period(start, end)
    with uow:
        weighings = uow.reports.weighings_between(start, end, EPCIS_MAX_WEIGHINGS + 1)
        if len(weighings) > EPCIS_MAX_WEIGHINGS:
            raise ConflictError(
                f"the period holds more than {EPCIS_MAX_WEIGHINGS} weighings; ask for less",
                field="to",
            )
        lots = uow.reports.lots_between(start, end)
        dispatches = uow.reports.dispatches_between(start, end)
        receipts = uow.reports.receipts_between(start, end)
        named = {lot.id for lot in lots} | {lot for d in dispatches for lot in d.lots}
        named |= {line.lot for r in receipts for line in r.lines}
        contents: defaultdict[str, defaultdict[tuple[str, str], int]] = defaultdict(
            lambda: defaultdict(int)
        )
        products: dict[int, tuple[str, str]] = {}
        for w in uow.weighings.of_lots(named):
            products[w.id] = (w.product, w.grade)
            if w.lot and w.voided_by_event_id is None:
                contents[w.lot][(w.product, w.grade)] += w.net_g
        gtins = uow.catalog.gtins()
    facts = epcis.Facts(weighings, lots, contents, dispatches, receipts, products)
    return epcis.document(facts, epcis.Names(base_uri, gtins), created=created)
