"""Member statements and village performance, computed from facts.  Pure.

Rules:

1. A statement counts a member's weighings in the period that were not voided, by product and
   grade, in whole grams; kilograms are only ever written as decimal strings, never floats.
2. Shrinkage is what the village weighed minus what the hub re-weighed, per received crate,
   summed per village (cooperative), product, grade and day of receipt (WIB).
3. A dispatch is on time when its first receipt at the hub is no later than its due time; one
   without a due time is not judged; one not received yet is counted apart.
4. A station is up while it keeps reporting ``online``: an online status counts from its time
   until the next status, but no longer than ``heartbeat_s`` (a station reports every minute,
   so two missed reports mean it is gone); an offline status (its last will) counts nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

HEARTBEAT_S: Final = 120.0


def kilograms(grams: int) -> str:
    """Whole grams as a kilogram decimal string: 12345 → ``12.345``."""
    return str(Decimal(grams).scaleb(-3).quantize(Decimal("0.001")))


def percent(part: int | float, whole: int | float) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")))


@dataclass(frozen=True, slots=True)
class KgLine:
    product: str
    grade: str
    crates: int
    net_g: int

    @property
    def net_kg(self) -> str:
        return kilograms(self.net_g)


@dataclass(frozen=True, slots=True)
class Statement:
    member: str
    start: datetime
    end: datetime
    lines: list[KgLine]
    crates: int
    net_g: int

    @property
    def net_kg(self) -> str:
        return kilograms(self.net_g)


def statement(member: str, start: datetime, end: datetime, lines: Iterable[KgLine]) -> Statement:
    ordered = sorted(lines, key=lambda line: (line.product, line.grade))
    return Statement(
        member,
        start,
        end,
        ordered,
        crates=sum(line.crates for line in ordered),
        net_g=sum(line.net_g for line in ordered),
    )


@dataclass(frozen=True, slots=True)
class ReceiptFact:
    """One crate as received at the hub."""

    coop: str
    product: str
    grade: str
    day: date
    village_net_g: int
    hub_net_g: int


@dataclass(frozen=True, slots=True)
class ShrinkageLine:
    coop: str
    product: str
    grade: str
    day: date | None
    crates: int
    village_net_g: int
    hub_net_g: int

    @property
    def shrinkage_g(self) -> int:
        return self.village_net_g - self.hub_net_g

    @property
    def shrinkage_pct(self) -> str | None:
        return percent(self.shrinkage_g, self.village_net_g)


def shrinkage(facts: Iterable[ReceiptFact], *, by_day: bool = True) -> list[ShrinkageLine]:
    """Rule 2; with ``by_day=False`` the period's total per village, product and grade."""
    totals: defaultdict[tuple[str, str, str, date | None], list[int]] = defaultdict(
        lambda: [0, 0, 0]
    )
    for fact in facts:
        group = totals[(fact.coop, fact.product, fact.grade, fact.day if by_day else None)]
        group[0] += 1
        group[1] += fact.village_net_g
        group[2] += fact.hub_net_g
    return [
        ShrinkageLine(coop, product, grade, day, crates, village, hub)
        for (coop, product, grade, day), (crates, village, hub) in sorted(
            totals.items(), key=lambda item: (item[0][:3], item[0][3] or date.min)
        )
    ]


@dataclass(frozen=True, slots=True)
class Punctuality:
    on_time: int
    late: int
    not_received: int
    without_due_time: int

    @property
    def on_time_pct(self) -> str | None:
        return percent(self.on_time, self.on_time + self.late)


def punctuality(
    due_times: Iterable[datetime | None], first_receipts: Sequence[datetime | None]
) -> Punctuality:
    """Rule 3, over dispatches given as parallel sequences of due and first-receipt times."""
    on_time = late = not_received = without = 0
    for due, received in zip(due_times, first_receipts, strict=True):
        if received is None:
            not_received += 1
        elif due is None:
            without += 1
        elif received <= due:
            on_time += 1
        else:
            late += 1
    return Punctuality(on_time, late, not_received, without)


@dataclass(frozen=True, slots=True)
class StatusReport:
    station: str
    at: datetime
    online: bool
    backlog: int


@dataclass(frozen=True, slots=True)
class StationUptime:
    station: str
    online_s: int
    period_s: int
    reports: int
    last_backlog: int | None
    max_backlog: int | None

    @property
    def uptime_pct(self) -> str | None:
        return percent(self.online_s, self.period_s)


def uptime(
    station: str,
    reports: Iterable[StatusReport],
    start: datetime,
    end: datetime,
    *,
    heartbeat_s: float = HEARTBEAT_S,
) -> StationUptime:
    """Rule 4 for one station over [start, end)."""
    ordered = sorted((r for r in reports if r.at < end), key=lambda r: r.at)
    online = timedelta()
    cap = timedelta(seconds=heartbeat_s)
    followers = [r.at for r in ordered[1:]] + [end] if ordered else []
    for report, following in zip(ordered, followers, strict=True):
        if not report.online:
            continue
        until = min(report.at + cap, following, end)
        since = max(report.at, start)
        if until > since:
            online += until - since
    within = [r for r in ordered if r.at >= start]
    return StationUptime(
        station=station,
        online_s=int(online.total_seconds()),
        period_s=int((end - start).total_seconds()),
        reports=len(within),
        last_backlog=within[-1].backlog if within else None,
        max_backlog=max((r.backlog for r in within), default=None),
    )


@dataclass(frozen=True, slots=True)
class Performance:
    coop: str
    start: datetime
    end: datetime
    delivered: list[KgLine]
    shrinkage: list[ShrinkageLine]
    dispatches: Punctuality
    stations: list[StationUptime]

    @property
    def net_g(self) -> int:
        return sum(line.net_g for line in self.delivered)
