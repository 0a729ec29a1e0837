"""What a partner takes at the door, and where the rest goes.  Pure.

A partner may take less than the truck brought for it: a crate is bruised, the count is short
of the order, the receiving clerk refuses a line.  When the stop is confirmed the driver
reports, per order (and lot), the grams handed over; the rest rides back to the hub.

Rules:

1. A stop's loaded lines are its partner orders' picks: one per order, lot and grade, with the
   grams that left the hub for it.  Staples are not hub stock and have no lines.
2. A report line names an order, and the lot (and grade) where the order was loaded from more
   than one; it must match exactly one loaded line, and only one report line may match it.
3. Delivered grams are whole, from 0 to what was loaded.  Less than loaded is short, and a
   shortfall needs a reason.
4. What was delivered moves ``in_transit → partner/…``; what is short moves back
   ``in_transit → hub`` (it is hub stock again), or to ``loss`` when it was damaged.  Both
   carry the reason, the operator and the order.
5. A loaded line nobody reports was delivered in full: a stop confirmed without a report
   moves exactly what it moved before reports existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.stock import HUB, IN_TRANSIT, Location, Move, StockKey, write_off
from hub.schedule.errors import HandoverError


@dataclass(frozen=True, slots=True)
class LoadedLine:
    """Grams of one stock key that left the hub for an order (rule 1)."""

    order_id: str
    key: StockKey
    quantity_g: int


@dataclass(frozen=True, slots=True)
class DoorReport:
    """What the driver says was handed over of one order (and lot, grade) at the stop."""

    order_id: str
    delivered_g: int
    lot: str | None = None
    grade: str | None = None
    reason: str | None = None
    damaged: bool = False
    """The shortfall was damaged: it is written off instead of going back to hub stock."""


@dataclass(frozen=True, slots=True)
class Handover:
    """A loaded line and how much of it the partner took."""

    line: LoadedLine
    delivered_g: int
    reason: str | None = None
    damaged: bool = False

    @property
    def short_g(self) -> int:
        return self.line.quantity_g - self.delivered_g


def handovers(loaded: Sequence[LoadedLine], reports: Sequence[DoorReport]) -> list[Handover]:
    """Every loaded line with what was delivered of it, in loading order (rules 2, 3 and 5);
    ``HandoverError`` names the first report line at fault."""
    reported: dict[int, Handover] = {}
    for index, report in enumerate(reports):
        at = _matching_line(loaded, report, index)
        line = loaded[at]
        if at in reported:
            raise HandoverError(
                f"order {report.order_id}: {_describe(line)} is reported twice",
                index=index,
                field="order",
            )
        if report.delivered_g > line.quantity_g:
            raise HandoverError(
                f"order {report.order_id}: {report.delivered_g} g delivered, but only "
                f"{line.quantity_g} g of {_describe(line)} was loaded",
                index=index,
                field="delivered_g",
            )
        short = report.delivered_g < line.quantity_g
        reason = (report.reason or "").strip()
        if short and not reason:
            raise HandoverError(
                f"order {report.order_id}: {line.quantity_g - report.delivered_g} g of "
                f"{_describe(line)} was not delivered; say why",
                index=index,
                field="reason",
            )
        reported[at] = Handover(
            line,
            report.delivered_g,
            reason=reason if short else None,
            damaged=report.damaged and short,
        )
    return [reported.get(at, Handover(line, line.quantity_g)) for at, line in enumerate(loaded)]


def _matching_line(loaded: Sequence[LoadedLine], report: DoorReport, index: int) -> int:
    ordered = [at for at, line in enumerate(loaded) if line.order_id == report.order_id]
    if not ordered:
        on_board = ", ".join(sorted({line.order_id for line in loaded})) or "none"
        raise HandoverError(
            f"order {report.order_id} was not loaded for this stop "
            f"(partner orders loaded for it: {on_board})",
            index=index,
            field="order",
        )
    matching = [
        at
        for at in ordered
        if report.lot in (None, loaded[at].key.lot) and report.grade in (None, loaded[at].key.grade)
    ]
    if len(matching) == 1:
        return matching[0]
    choices = ", ".join(_describe(loaded[at]) for at in ordered)
    if not matching:
        raise HandoverError(
            f"order {report.order_id} was loaded from {choices}; the report names none of them",
            index=index,
            field="lot",
        )
    raise HandoverError(
        f"order {report.order_id} was loaded from {choices}; name the lot and grade",
        index=index,
        field="lot",
    )


def _describe(line: LoadedLine) -> str:
    return f"lot {line.key.lot} grade {line.key.grade}"


def door_moves(
    handover: Handover, recipient: Location, *, at: datetime, operator: str
) -> list[Move]:
    """The stock moves of one handed-over line (rule 4): delivered first, then the rest."""
    line = handover.line
    moves = []
    if handover.delivered_g:
        moves.append(
            Move(
                line.key,
                IN_TRANSIT,
                recipient,
                handover.delivered_g,
                at,
                operator=operator,
                order_id=line.order_id,
            )
        )
    if handover.short_g:
        reason = handover.reason or ""
        if handover.damaged:
            back = write_off(
                line.key, IN_TRANSIT, handover.short_g, at=at, reason=reason, operator=operator
            )
        else:
            back = Move(
                line.key, IN_TRANSIT, HUB, handover.short_g, at, reason=reason, operator=operator
            )
        moves.append(replace(back, order_id=line.order_id))
    return moves
