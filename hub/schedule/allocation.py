"""Allocation: stock lots at the hub to partner orders, by FEFO and grade.  Pure; no solver.

Routing never decides how much an order gets: allocation does, here, before any truck is
planned, and what it fills is what the trucks carry.

Rules:

1. Orders are served one after another in a fixed sequence: priority (1 first), delivery date,
   window opening, the stricter grade first (it has fewer lots to choose from), order id.
2. A lot is offered to an order only if it is the same product, at the allocating location,
   not recalled, not past its best-before on the delivery date (a lot is good through its
   best-before day), and of the ordered grade or better on the configured ``GradeScale``.
   A partner may get a better grade than ordered, never a worse one.
3. Offered lots are taken earliest best-before first (FEFO); ties go to the ordered grade
   before better grades (better stock stays for partners who need it), then the earlier pack
   date, then the lot id.  The same input always gives the same picks.
4. An order takes what it can; what is missing is a ``Shortfall`` that says why in words,
   including stock it could not have (taken by earlier orders, expired, recalled, or not yet
   at the hub).
5. Quantities are integer grams.  A crate order asks for ``crates × crate_net_g``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from hub.schedule.messages import Grams, Message, Value, message
from hub.schedule.orders import PartnerOrder, Product, require_integers


@dataclass(frozen=True, slots=True)
class GradeScale:
    """Grades from best to worst, e.g. ``GradeScale(("A", "B", "C"))``."""

    grades: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.grades or len(set(self.grades)) != len(self.grades):
            raise ValueError(f"a grade scale needs distinct grades, got {self.grades}")

    def rank(self, grade: str) -> int:
        """0 for the best grade; unknown grades are an error."""
        try:
            return self.grades.index(grade)
        except ValueError:
            known = ", ".join(self.grades)
            raise ValueError(f"unknown grade {grade!r} (known: {known})") from None

    def accepts(self, ordered: str, offered: str) -> bool:
        """Whether a partner who ordered ``ordered`` may be given ``offered``."""
        return self.rank(offered) <= self.rank(ordered)


@dataclass(frozen=True, slots=True)
class Lot:
    lot_id: str
    product: str
    grade: str
    location: str
    quantity_g: int
    packed_on: date
    best_before: date
    recalled: bool
    cooperative: str

    def __post_init__(self) -> None:
        require_integers(f"lot {self.lot_id}", quantity_g=self.quantity_g)
        if self.quantity_g < 0:
            raise ValueError(f"lot {self.lot_id}: negative quantity")


@dataclass(frozen=True, slots=True)
class Pick:
    """Grams taken from one lot for one order."""

    lot_id: str
    cooperative: str
    grade: str
    best_before: date
    quantity_g: int


@dataclass(frozen=True, slots=True)
class Shortfall:
    """What an order misses and why.

    ``taken_earlier_g`` is stock the order could have had but earlier orders got;
    ``expired_g``, ``recalled_g`` and ``elsewhere_g`` are stock of the right product and
    grade that was not offered (past best-before, recalled, not at the hub).
    """

    order_id: str
    product_name: str
    grade: str
    delivery_date: date
    missing_g: int
    filled_g: int
    taken_earlier_g: int
    expired_g: int
    recalled_g: int
    elsewhere_g: int

    @property
    def reason(self) -> Message:
        common: dict[str, Value] = {
            "order": self.order_id,
            "grade": self.grade,
            "product": self.product_name,
            "day": self.delivery_date,
            "missing": Grams(self.missing_g),
        }
        if self.filled_g:
            return message("allocation.only", filled=Grams(self.filled_g), **common)
        return message("allocation.none", **common)

    @property
    def notes(self) -> tuple[Message, ...]:
        found = [
            ("allocation.note.taken_earlier", self.taken_earlier_g),
            ("allocation.note.expired", self.expired_g),
            ("allocation.note.recalled", self.recalled_g),
            ("allocation.note.elsewhere", self.elsewhere_g),
        ]
        return tuple(message(key, amount=Grams(grams)) for key, grams in found if grams)

    def text(self, language: str) -> str:
        reason = self.reason.text(language)
        notes = "; ".join(note.text(language) for note in self.notes)
        return f"{reason} ({notes})" if notes else reason

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True, slots=True)
class OrderFill:
    order: PartnerOrder
    requested_g: int
    picks: tuple[Pick, ...]
    shortfall: Shortfall | None

    @property
    def filled_g(self) -> int:
        return sum(pick.quantity_g for pick in self.picks)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Fills in the sequence orders were served; ``left_g`` is what each lot has left."""

    fills: tuple[OrderFill, ...]
    left_g: Mapping[str, int]

    @property
    def shortfalls(self) -> tuple[Shortfall, ...]:
        return tuple(fill.shortfall for fill in self.fills if fill.shortfall is not None)


def allocate(
    orders: Iterable[PartnerOrder],
    lots: Iterable[Lot],
    *,
    products: Mapping[str, Product],
    grades: GradeScale,
    location: str,
) -> Allocation:
    """Allocate ``lots`` at ``location`` to ``orders`` (rules in the module docstring)."""
    stock = sorted(lots, key=lambda lot: lot.lot_id)
    ids = [lot.lot_id for lot in stock]
    if len(set(ids)) != len(ids):
        raise ValueError("lot ids must be unique")
    for lot in stock:
        grades.rank(lot.grade)
    left = {lot.lot_id: lot.quantity_g for lot in stock}
    fills = [
        _fill(order, stock, left, products=products, grades=grades, location=location)
        for order in sorted(orders, key=lambda o: _service_key(o, grades))
    ]
    return Allocation(tuple(fills), dict(left))


def _service_key(order: PartnerOrder, grades: GradeScale) -> tuple[int, date, int, int, str]:
    return (
        order.priority,
        order.delivery_date,
        order.window.opens_s,
        grades.rank(order.grade),
        order.order_id,
    )


def _fill(
    order: PartnerOrder,
    stock: Sequence[Lot],
    left: dict[str, int],
    *,
    products: Mapping[str, Product],
    grades: GradeScale,
    location: str,
) -> OrderFill:
    product = products.get(order.product)
    if product is None:
        raise ValueError(f"order {order.order_id}: unknown product {order.product!r}")
    requested = order.quantity_g(product)
    candidates = [
        lot
        for lot in stock
        if lot.product == order.product and grades.accepts(order.grade, lot.grade)
    ]
    offered = [
        lot
        for lot in candidates
        if lot.location == location and not lot.recalled and lot.best_before >= order.delivery_date
    ]
    offered.sort(
        key=lambda lot: (
            lot.best_before,
            grades.rank(order.grade) - grades.rank(lot.grade),
            lot.packed_on,
            lot.lot_id,
        )
    )
    picks: list[Pick] = []
    wanted = requested
    for lot in offered:
        if wanted == 0:
            break
        take = min(wanted, left[lot.lot_id])
        if take == 0:
            continue
        left[lot.lot_id] -= take
        wanted -= take
        picks.append(Pick(lot.lot_id, lot.cooperative, lot.grade, lot.best_before, take))
    shortfall = None
    if wanted:
        filled = requested - wanted
        at_hub = [lot for lot in candidates if lot.location == location]
        shortfall = Shortfall(
            order_id=order.order_id,
            product_name=product.name,
            grade=order.grade,
            delivery_date=order.delivery_date,
            missing_g=wanted,
            filled_g=filled,
            taken_earlier_g=sum(lot.quantity_g for lot in offered) - filled - _left(offered, left),
            expired_g=sum(
                left[lot.lot_id]
                for lot in at_hub
                if not lot.recalled and lot.best_before < order.delivery_date
            ),
            recalled_g=sum(lot.quantity_g for lot in at_hub if lot.recalled),
            elsewhere_g=sum(
                lot.quantity_g
                for lot in candidates
                if lot.location != location
                and not lot.recalled
                and lot.best_before >= order.delivery_date
            ),
        )
    return OrderFill(order, requested, tuple(picks), shortfall)


def _left(lots: Iterable[Lot], left: Mapping[str, int]) -> int:
    return sum(left[lot.lot_id] for lot in lots)
