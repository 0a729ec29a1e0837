"""Turning stored station events into weighings, lots and stock moves, exactly once.

Rules:

1. Per station, a cursor (``projected_seq``) follows the contiguous ``seq`` that ingest
   maintains.  One transaction claims the next events, projects them (``hub.domain.projection``)
   and writes the result; the cursor moves in that same transaction, so each event is projected
   once however often it was delivered, and a crash simply leaves it for the next run.
2. Claiming takes the station's cursor row first, so several ingest workers may project at the
   same time: the second waits for the first and then finds nothing left to claim.
3. What cannot be applied (a void of an unknown weighing, a lot listing an unknown crate, a lot
   id used twice) is written to the audit log, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from hub.domain.projection import ProjectionContext, boots_needing_anchors, project
from hub.services.unit_of_work import AbstractUnitOfWork, AuditRecord

BATCH: Final = 2000


@dataclass(frozen=True, slots=True)
class ProjectionSummary:
    events: int = 0
    weighings: int = 0
    lots: int = 0
    voids: int = 0
    problems: int = 0

    def __add__(self, other: ProjectionSummary) -> ProjectionSummary:
        return ProjectionSummary(
            self.events + other.events,
            self.weighings + other.weighings,
            self.lots + other.lots,
            self.voids + other.voids,
            self.problems + other.problems,
        )


def project_station(
    uow: AbstractUnitOfWork, station: str, *, limit: int = BATCH
) -> ProjectionSummary:
    """Project the station's next claimable events in one transaction (rule 1)."""
    with uow:
        claimed = uow.events.claim(station, limit)
        if claimed is None:
            return ProjectionSummary()
        after, up_to = claimed
        events = uow.events.load(station, after, up_to)
        crates = {crate for e in events if e.type == "lot_close" for crate in e.lot_crates}
        voided = {e.voids_event_id for e in events if e.type == "void" and e.voids_event_id}
        lots = {e.lot for e in events if e.type == "lot_close" and e.lot}
        boots = boots_needing_anchors(events)
        context = ProjectionContext(
            grades=uow.catalog.grades(),
            open_weighings=uow.weighings.open_by_crates(station, crates) if crates else {},
            weighings_by_event=uow.weighings.by_event_ids(voided) if voided else {},
            taken_lots=frozenset(uow.lots.get(lots)) if lots else frozenset(),
            anchors=uow.events.anchors(station, boots) if boots else {},
        )
        result = project(events, context)
        uow.weighings.add(result.weighings)
        uow.lots.add(result.lots)
        uow.weighings.assign_lots(result.lot_assignments)
        uow.weighings.mark_voids(result.voids)
        uow.moves.add(result.moves)
        now = datetime.now(UTC)
        uow.audit.add(
            [
                AuditRecord(
                    now, p.station, "projection_problem", p.event_id, {"message": p.message}
                )
                for p in result.problems
            ]
        )
        uow.commit()
    voids = len(result.voids) + sum(1 for w in result.weighings if w.voided_by_event_id)
    return ProjectionSummary(
        events=len(events),
        weighings=len(result.weighings),
        lots=len(result.lots),
        voids=voids,
        problems=len(result.problems),
    )


def project_pending(
    uow: AbstractUnitOfWork,
    *,
    limit: int = BATCH,
    keep_going: Callable[[], bool] = lambda: True,
) -> ProjectionSummary:
    """Project everything stored and contiguous, station by station, batch by batch; between
    batches, stop early once ``keep_going()`` says so (ingest needs the database)."""
    with uow:
        stations = uow.events.stations_behind()
    total = ProjectionSummary()
    for station in stations:
        while True:
            done = project_station(uow, station, limit=limit)
            total += done
            if done.events == 0:
                break
            if not keep_going():
                return total
    return total
