"""The stock ledger: moves between locations; balances are derived from them.  Pure.

Rules:

1. Stock changes only by a ``Move``: a positive whole number of grams of one ``StockKey``
   (cooperative, product, grade, and the lot once the crates are packed) from one location to
   another.  A move is never edited or deleted; a mistake is undone by a reversing move.
2. A balance is everything moved into a (key, location) minus everything moved out of it.  It is
   computed from the moves (``balances``), never stored and never updated in place.
3. Physical locations (a station, in transit, the hub) never go below zero, except by a move
   that records a reason and the operator (an adjustment after a count): ``Ledger.post`` refuses
   any other move that would.  Virtual locations are the other side of the books and go negative
   by design: ``farm`` (where weighed produce comes from), ``packing`` (crates into a lot),
   ``partner/…`` (who received it), ``loss`` (shrinkage, write-offs, adjustments).
4. Adjustments and write-offs are moves to or from ``loss`` carrying a reason and an operator.
5. FEFO: a lot's best-before is its pack date plus the product's shelf life.  Stock is offered
   earliest best-before first; stock on or past its best-before is flagged expired and never
   offered; stock under an active recall is flagged and never offered.

Exception tree::

    StockError
    ├── InvalidMoveError          not a positive whole number of grams, one location twice,
    │                             an adjustment without its reason or operator
    ├── InsufficientStockError    the move would take a physical location below zero
    └── BlockedStockError         the stock is recalled or expired and cannot be allocated
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final


class StockError(ValueError):
    """A stock operation breaks a ledger rule."""


class InvalidMoveError(StockError):
    pass


class InsufficientStockError(StockError):
    def __init__(self, key: StockKey, location: Location, balance_g: int, wanted_g: int) -> None:
        super().__init__(f"{location} holds {balance_g} g of {key}, cannot move {wanted_g} g out")
        self.key = key
        self.location = location
        self.balance_g = balance_g
        self.wanted_g = wanted_g


class BlockedStockError(StockError):
    pass


class LocationKind(enum.StrEnum):
    FARM = "farm"
    STATION = "station"
    PACKING = "packing"
    IN_TRANSIT = "in_transit"
    HUB = "hub"
    PARTNER = "partner"
    LOSS = "loss"


PHYSICAL: Final = frozenset({LocationKind.STATION, LocationKind.IN_TRANSIT, LocationKind.HUB})


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place stock can be: ``station/punten-1``, ``in_transit``, ``hub``, ``partner/…``."""

    kind: LocationKind
    ref: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.ref}" if self.ref else self.kind.value

    @classmethod
    def parse(cls, text: str) -> Location:
        kind, _, ref = text.partition("/")
        try:
            return cls(LocationKind(kind), ref)
        except ValueError:
            raise InvalidMoveError(f"{text!r} is not a stock location") from None

    @property
    def physical(self) -> bool:
        return self.kind in PHYSICAL


FARM: Final = Location(LocationKind.FARM)
PACKING: Final = Location(LocationKind.PACKING)
IN_TRANSIT: Final = Location(LocationKind.IN_TRANSIT)
HUB: Final = Location(LocationKind.HUB)
LOSS: Final = Location(LocationKind.LOSS)


def station(station_id: str) -> Location:
    return Location(LocationKind.STATION, station_id)


def partner(name: str) -> Location:
    return Location(LocationKind.PARTNER, name)


@dataclass(frozen=True, slots=True, order=True)
class StockKey:
    coop: str
    product: str
    grade: str
    lot: str | None = None

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot else ""
        return f"{self.product} {self.grade} of {self.coop}{lot}"


class Reason(enum.StrEnum):
    """The reasons the hub itself records; operators give theirs in their own words."""

    VOID = "void"
    SHRINKAGE = "shrinkage"
    WEIGHT_GAIN = "weight_gain"


@dataclass(frozen=True, slots=True)
class Move:
    """``quantity_g`` of ``key`` from ``source`` to ``destination`` at ``at``.

    The ``*_id`` fields name what caused it, for the trace; ``id`` is set once it is stored.
    """

    key: StockKey
    source: Location
    destination: Location
    quantity_g: int
    at: datetime
    reason: str | None = None
    operator: str | None = None
    weighing_id: int | None = None
    dispatch_id: int | None = None
    receipt_id: int | None = None
    order_id: str | None = None
    reverses: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.quantity_g, bool) or not isinstance(self.quantity_g, int):
            raise InvalidMoveError(f"quantity must be whole grams, got {self.quantity_g!r}")
        if self.quantity_g <= 0:
            raise InvalidMoveError(f"quantity must be positive, got {self.quantity_g} g")
        if self.source == self.destination:
            raise InvalidMoveError(f"a move from {self.source} to itself moves nothing")
        if self.reason is not None and not self.reason.strip():
            raise InvalidMoveError("a reason, when given, must say something")

    @property
    def recorded_reason(self) -> bool:
        return bool(self.reason) and bool(self.operator)


def adjustment(
    key: StockKey, location: Location, delta_g: int, *, at: datetime, reason: str, operator: str
) -> Move:
    """A counted correction: ``delta_g`` more (positive) or less (negative) at ``location``."""
    if not reason.strip() or not operator.strip():
        raise InvalidMoveError("an adjustment needs a reason and the operator who made it")
    if delta_g == 0:
        raise InvalidMoveError("an adjustment of 0 g changes nothing")
    if delta_g > 0:
        return Move(key, LOSS, location, delta_g, at, reason=reason, operator=operator)
    return Move(key, location, LOSS, -delta_g, at, reason=reason, operator=operator)


def write_off(
    key: StockKey, location: Location, quantity_g: int, *, at: datetime, reason: str, operator: str
) -> Move:
    """Stock that is gone (spoiled, damaged, expired): from ``location`` to ``loss``."""
    if not reason.strip() or not operator.strip():
        raise InvalidMoveError("a write-off needs a reason and the operator who made it")
    return Move(key, location, LOSS, quantity_g, at, reason=reason, operator=operator)


Balances = dict[tuple[StockKey, Location], int]


def balances(moves: Iterable[Move]) -> Balances:
    """Every (key, location)'s balance: what moved in minus what moved out."""
    totals: defaultdict[tuple[StockKey, Location], int] = defaultdict(int)
    for move in moves:
        totals[(move.key, move.source)] -= move.quantity_g
        totals[(move.key, move.destination)] += move.quantity_g
    return {place: grams for place, grams in totals.items() if grams != 0}


@dataclass(slots=True)
class Ledger:
    """Moves checked against rule 3 as they are posted; ``opening`` holds the balances so far."""

    opening: Mapping[tuple[StockKey, Location], int] = field(default_factory=dict)
    posted: list[Move] = field(default_factory=list)
    _running: dict[tuple[StockKey, Location], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._running = dict(self.opening)

    def balance(self, key: StockKey, location: Location) -> int:
        return self._running.get((key, location), 0)

    def post(self, move: Move) -> Move:
        available = self.balance(move.key, move.source)
        if move.source.physical and available < move.quantity_g and not move.recorded_reason:
            raise InsufficientStockError(move.key, move.source, available, move.quantity_g)
        self._running[(move.key, move.source)] = available - move.quantity_g
        self._running[(move.key, move.destination)] = (
            self.balance(move.key, move.destination) + move.quantity_g
        )
        self.posted.append(move)
        return move


# ---- FEFO ----


def best_before(pack_date: date, shelf_life_days: int) -> date:
    return pack_date + timedelta(days=shelf_life_days)


@dataclass(frozen=True, slots=True)
class StockLine:
    """A balance at one location, with what FEFO needs to know about its lot."""

    key: StockKey
    location: Location
    quantity_g: int
    best_before: date | None
    recalled: bool = False

    def expired(self, today: date) -> bool:
        return self.best_before is not None and self.best_before <= today

    def offerable(self, today: date) -> bool:
        return self.quantity_g > 0 and not self.recalled and not self.expired(today)


def fefo(lines: Iterable[StockLine]) -> list[StockLine]:
    """Earliest best-before first; stock without a known best-before last; ties by lot."""
    return sorted(
        lines,
        key=lambda line: (
            line.best_before is None,
            line.best_before or date.max,
            line.key.lot or "",
            line.key,
        ),
    )


def offer(lines: Iterable[StockLine], today: date) -> list[StockLine]:
    """What may be allocated or picked, FEFO order: never expired, never recalled."""
    return [line for line in fefo(lines) if line.offerable(today)]


def check_allocatable(line: StockLine, quantity_g: int, today: date) -> None:
    """Raise unless ``quantity_g`` of ``line`` may be allocated or picked today."""
    if line.recalled:
        raise BlockedStockError(f"{line.key} is under an active recall")
    if line.expired(today):
        raise BlockedStockError(f"{line.key} expired on {line.best_before}")
    if quantity_g > line.quantity_g:
        raise InsufficientStockError(line.key, line.location, line.quantity_g, quantity_g)
