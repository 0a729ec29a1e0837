"""Orders and demand: what has to move on a planning day, as plain data.

Three kinds of demand reach the planner:

* ``PartnerOrder``: a partner (a supermarket distribution centre, a salad producer) orders a
  product and grade, in grams or in crates, for delivery in a window on a date.  It is served
  from hub stock after allocation (``allocation``).
* ``StapleDelivery``: the state logistics agency's allocation of rice, cooking oil or sugar to
  a village cooperative, dropped off from the hub.
* ``VillagePickup``: crates waiting at a village packing station to come to the hub.

Rules:

1. Quantities are integer grams or whole crates, never floats.  A CSV ``kg`` or ``t`` value is
   read as a decimal and must come to a whole gram.
2. A CSV file of orders is checked whole: every problem is reported at once, each named by
   file, line and column (``DataFileError``).  A file with problems yields no orders.  Text
   the hub could not store (control characters, longer than its column) is a problem too.
   A file holds partner orders or staple deliveries, as its header says: one naming a
   ``cooperative`` or a ``staple`` column is a staple file, whose rows name only cooperatives
   the settings place.
3. The standing weekly plan generates the same orders for the same week every time, with ids
   built from the ISO week, the weekday and the standing line.  A week is named as ISO 8601
   writes it, ``2026-W48``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from hub.schedule.errors import DataFileError, FileProblem
from hub.schedule.messages import Message, message

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
PRIORITIES = range(1, 6)
"""1 is the most urgent; when the fleet cannot serve everything, urgent stops are kept first."""
DEFAULT_PRIORITY = 3


def require_integers(owner: str, **values: object) -> None:
    """Raise ``TypeError`` unless every value is an ``int``: quantities are never floats."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{owner}: {name} must be an integer, got {value!r}")


@dataclass(frozen=True, slots=True)
class Place:
    """A point trucks drive to.  ``approximate`` marks coordinates nobody has surveyed."""

    id: str
    name: str
    lat: float
    lon: float
    approximate: bool = False

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"{self.id}: coordinates ({self.lat}, {self.lon}) are off the globe")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """When something may happen on a day: ``opens`` to ``closes``, both included."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes < self.opens:
            raise ValueError(f"window {self} closes before it opens")

    @property
    def opens_s(self) -> int:
        return _seconds(self.opens)

    @property
    def closes_s(self) -> int:
        return _seconds(self.closes)

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True, slots=True)
class Product:
    """A product the hub trades, with the crate it travels in."""

    code: str
    name: str
    crate_net_g: int
    crate_tare_g: int

    def __post_init__(self) -> None:
        require_integers(self.code, crate_net_g=self.crate_net_g, crate_tare_g=self.crate_tare_g)
        if self.crate_net_g <= 0 or self.crate_tare_g < 0:
            raise ValueError(f"{self.code}: a crate must hold something and weigh >= 0")

    def crates_for(self, net_g: int) -> int:
        """Crates needed for ``net_g`` of this product (the last one may be part-full)."""
        return -(-net_g // self.crate_net_g)


@dataclass(frozen=True, slots=True)
class Partner:
    """A buyer and where it takes deliveries: the address for people, the place for trucks."""

    id: str
    name: str
    place: Place
    address: str = ""


@dataclass(frozen=True, slots=True)
class Cooperative:
    """A village cooperative and the place its packing station is at."""

    id: str
    name: str
    place: Place
    kecamatan: str = ""


class Unit(StrEnum):
    GRAM = "g"
    CRATE = "crate"


LARGEST_ORDER: dict[Unit, int] = {Unit.GRAM: 10**12, Unit.CRATE: 1_000_000}
"""The most one order line may ask for, in grams or crates (a million tonnes or crates), as the
API allows; a few digits too many are refused by line and column like any other slip, before
anything reaches the planner or the database's integer columns."""


@dataclass(frozen=True, slots=True)
class PartnerOrder:
    order_id: str
    partner: Partner
    product: str
    grade: str
    quantity: int
    unit: Unit
    delivery_date: date
    window: TimeWindow
    priority: int = DEFAULT_PRIORITY

    def __post_init__(self) -> None:
        require_integers(f"order {self.order_id}", quantity=self.quantity)
        if self.quantity <= 0:
            raise ValueError(f"order {self.order_id}: quantity must be positive")
        if self.priority not in PRIORITIES:
            raise ValueError(f"order {self.order_id}: priority {self.priority} is not 1-5")

    def quantity_g(self, product: Product) -> int:
        return self.quantity * product.crate_net_g if self.unit is Unit.CRATE else self.quantity


class Staple(StrEnum):
    RICE = "rice"
    COOKING_OIL = "cooking_oil"
    SUGAR = "sugar"


@dataclass(frozen=True, slots=True)
class StapleDelivery:
    """Staples to drop at a cooperative: sacks and cartons, counted by weight only."""

    ref: str
    cooperative: Cooperative
    staple: Staple
    quantity_g: int
    delivery_date: date
    window: TimeWindow
    priority: int = DEFAULT_PRIORITY

    def __post_init__(self) -> None:
        require_integers(f"staple delivery {self.ref}", quantity_g=self.quantity_g)
        if self.quantity_g <= 0:
            raise ValueError(f"staple delivery {self.ref}: quantity must be positive")
        if self.priority not in PRIORITIES:
            raise ValueError(f"staple delivery {self.ref}: priority {self.priority} is not 1-5")


@dataclass(frozen=True, slots=True)
class VillagePickup:
    """Crates waiting at a cooperative's packing station; ``gross_g`` includes the crates."""

    ref: str
    cooperative: Cooperative
    crates: int
    gross_g: int
    pickup_date: date
    window: TimeWindow
    note: str = ""

    def __post_init__(self) -> None:
        require_integers(f"pickup {self.ref}", crates=self.crates, gross_g=self.gross_g)
        if self.crates < 0 or self.gross_g <= 0:
            raise ValueError(f"pickup {self.ref}: needs a positive weight and >= 0 crates")


@dataclass(frozen=True, slots=True)
class DemandSet:
    """Orders of all three kinds, e.g. one week's."""

    partner_orders: tuple[PartnerOrder, ...] = ()
    staple_deliveries: tuple[StapleDelivery, ...] = ()
    village_pickups: tuple[VillagePickup, ...] = ()

    def on(self, day: date) -> DemandSet:
        """The part of this demand due on ``day``."""
        return DemandSet(
            tuple(o for o in self.partner_orders if o.delivery_date == day),
            tuple(s for s in self.staple_deliveries if s.delivery_date == day),
            tuple(p for p in self.village_pickups if p.pickup_date == day),
        )

    def days(self) -> list[date]:
        found = {o.delivery_date for o in self.partner_orders}
        found |= {s.delivery_date for s in self.staple_deliveries}
        found |= {p.pickup_date for p in self.village_pickups}
        return sorted(found)


# --- the standing weekly plan ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StandingStaple:
    """A cooperative's weekly staple allocation, split evenly over its drop days."""

    cooperative: Cooperative
    staple: Staple
    weekly_g: int
    weekdays: tuple[int, ...]
    window: TimeWindow


@dataclass(frozen=True, slots=True)
class StandingPickup:
    cooperative: Cooperative
    weekdays: tuple[int, ...]
    crates: int
    gross_g: int
    window: TimeWindow
    note: str = ""


@dataclass(frozen=True, slots=True)
class StandingOrder:
    """A partner's regular order; ``line`` names it in the generated order ids."""

    line: str
    partner: Partner
    product: str
    grade: str
    quantity: int
    unit: Unit
    weekdays: tuple[int, ...]
    window: TimeWindow
    priority: int = DEFAULT_PRIORITY


@dataclass(frozen=True, slots=True)
class StandingPlan:
    staples: tuple[StandingStaple, ...] = ()
    pickups: tuple[StandingPickup, ...] = ()
    orders: tuple[StandingOrder, ...] = ()

    def week(self, monday: date) -> DemandSet:
        """The week's orders, Monday ``monday`` to Sunday; the same for the same week."""
        if monday.weekday() != 0:
            raise ValueError(f"{monday} is not a Monday")
        year, week, _ = monday.isocalendar()
        tag = f"{year}W{week:02d}"

        def day_of(weekday: int) -> tuple[date, str]:
            return monday + timedelta(days=weekday), f"{tag}-{WEEKDAYS[weekday]}"

        orders = [
            PartnerOrder(
                order_id=f"SO-{day_of(wd)[1]}-{line.line}",
                partner=line.partner,
                product=line.product,
                grade=line.grade,
                quantity=line.quantity,
                unit=line.unit,
                delivery_date=day_of(wd)[0],
                window=line.window,
                priority=line.priority,
            )
            for line in self.orders
            for wd in sorted(line.weekdays)
        ]
        staples = [
            StapleDelivery(
                ref=f"ST-{day_of(wd)[1]}-{line.cooperative.id}-{line.staple.value.upper()}",
                cooperative=line.cooperative,
                staple=line.staple,
                quantity_g=share,
                delivery_date=day_of(wd)[0],
                window=line.window,
            )
            for line in self.staples
            for wd, share in zip(
                sorted(line.weekdays), split_evenly(line.weekly_g, len(line.weekdays)), strict=True
            )
        ]
        pickups = [
            VillagePickup(
                ref=f"PU-{day_of(wd)[1]}-{line.cooperative.id}",
                cooperative=line.cooperative,
                crates=line.crates,
                gross_g=line.gross_g,
                pickup_date=day_of(wd)[0],
                window=line.window,
                note=line.note,
            )
            for line in self.pickups
            for wd in sorted(line.weekdays)
        ]
        return DemandSet(tuple(orders), tuple(staples), tuple(pickups))


_ISO_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")


def iso_week_monday(name: str) -> date:
    """The Monday of the ISO week ``name`` (``2026-W48``); ``ValueError`` says what is wrong."""
    found = _ISO_WEEK.fullmatch(name)
    if found is None:
        raise ValueError(f"{name!r} is not an ISO week such as 2026-W48")
    year, week = int(found[1]), int(found[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"the year {year} has no ISO week {week}") from None


def iso_week_name(day: date) -> str:
    """The ISO week ``day`` falls in, as ``iso_week_monday`` reads it."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` integer shares that differ by at most one, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# --- CSV import --------------------------------------------------------------------------
#
# Two layouts share one reader (``_read_records``): the header is checked against the
# layout's columns, then each record is read into one order by the layout's row reader, and
# every problem of the file is collected before anything is returned.  A header naming a
# ``cooperative`` or a ``staple`` column is a staple-delivery file; any other is a file of
# partner orders.

CSV_COLUMNS = (
    "order_id",
    "partner_id",
    "partner_name",
    "lat",
    "lon",
    "product",
    "grade",
    "quantity",
    "unit",
    "delivery_date",
    "window_from",
    "window_to",
)
CSV_OPTIONAL_COLUMNS = ("priority", "address")
STAPLE_CSV_COLUMNS = (
    "order_id",
    "cooperative",
    "staple",
    "quantity",
    "unit",
    "delivery_date",
    "window_from",
    "window_to",
)
STAPLE_CSV_OPTIONAL_COLUMNS = ("priority",)
CSV_MAX_LENGTHS = {
    "order_id": 64,
    "partner_id": 128,
    "partner_name": 200,
    "address": 300,
    "cooperative": 128,
}
"""The longest text the hub stores in each column; other columns are checked by value."""
STAPLE_NAMES: Mapping[str, Staple] = {
    **{staple.value: staple for staple in Staple},
    "cooking oil": Staple.COOKING_OIL,
    "beras": Staple.RICE,
    "minyak_goreng": Staple.COOKING_OIL,
    "minyak goreng": Staple.COOKING_OIL,
    "gula": Staple.SUGAR,
}
"""A staple as a file may name it, in lower case: the hub's names and the Indonesian ones."""
_STAPLE_MARKERS = frozenset(("cooperative", "staple"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tabs and line breaks (which a quoted cell may hold)."""
_UNITS = {"g": (Unit.GRAM, 1), "kg": (Unit.GRAM, 1000), "crate": (Unit.CRATE, 1)}
_UNITS["crates"] = _UNITS["crate"]
_STAPLE_UNITS = {"g": (Unit.GRAM, 1), "kg": (Unit.GRAM, 1000), "t": (Unit.GRAM, 1_000_000)}
"""Staples come in tonnes (``t``); every unit comes to whole grams."""
_STAPLE_UNITS["ton"] = _STAPLE_UNITS["t"]
_Record = TypeVar("_Record")


@dataclass
class _Row:
    """One CSV record being read: its cells and the problems found so far."""

    file: str
    line: int
    cells: Mapping[str, str]
    decimal_comma: bool
    problems: list[FileProblem] = field(default_factory=list)

    def fail(self, column: str, msg: Message) -> None:
        self.problems.append(FileProblem(self.file, self.line, column, msg))

    def check_storable(self) -> None:
        """Refuse text the hub could not store: control characters, longer than its column."""
        for column, value in self.cells.items():
            if _CONTROL.search(value):
                self.fail(column, message("csv.control"))
            elif len(value.strip()) > CSV_MAX_LENGTHS.get(column, len(value)):
                self.fail(column, message("csv.too_long", limit=CSV_MAX_LENGTHS[column]))

    def text(self, column: str) -> str | None:
        value = self.cells.get(column, "").strip()
        if not value:
            self.fail(column, message("csv.missing"))
            return None
        return value

    def decimal(self, column: str) -> Decimal | None:
        value = self.text(column)
        if value is None:
            return None
        if self.decimal_comma:
            value = value.replace(",", ".")
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.fail(column, message("csv.not_a_number", value=value))
            return None
        if not number.is_finite():
            self.fail(column, message("csv.not_a_number", value=value))
            return None
        return number

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(column, message("csv.bad_date", value=value))
            return None

    def clock(self, column: str) -> time | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return time.fromisoformat(value)
        except ValueError:
            self.fail(column, message("csv.bad_time", value=value))
            return None

    def window(self) -> TimeWindow | None:
        """``window_from`` to ``window_to``; one closing before it opens is refused."""
        opens, closes = self.clock("window_from"), self.clock("window_to")
        if opens is None or closes is None:
            return None
        if closes < opens:
            self.fail("window_to", message("csv.window_reversed", opens=f"{opens:%H:%M}"))
            return None
        return TimeWindow(opens, closes)

    def priority(self) -> int:
        """The optional ``priority``, ``DEFAULT_PRIORITY`` when the cell is empty."""
        raw = self.cells.get("priority", "").strip()
        if not raw:
            return DEFAULT_PRIORITY
        if raw.isdigit() and int(raw) in PRIORITIES:
            return int(raw)
        self.fail("priority", message("csv.bad_priority", value=raw))
        return DEFAULT_PRIORITY


def read_partner_orders(
    path: Path,
    *,
    products: Mapping[str, Product],
    grades: Sequence[str],
) -> list[PartnerOrder]:
    """Partner orders from a CSV file; raises ``DataFileError`` with every problem in it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problem = FileProblem(str(path), 0, "(file)", message("csv.unreadable", reason=reason))
        raise DataFileError([problem]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = FileProblem(str(path), line, "(file)", message("csv.not_utf8"))
        raise DataFileError([problem]) from exc
    return parse_partner_orders(text, file=str(path), products=products, grades=grades)


def _semicolons(text: str) -> bool:
    """Whether ``text`` is the spreadsheet export with ``;`` between cells and decimal commas."""
    header_line = text.split("\n", 1)[0]
    return header_line.count(";") > header_line.count(",")


def order_ids_in(text: str) -> set[str]:
    """Every order id a CSV file names, whatever else is wrong with it, so the caller can look
    up which ones it already has (``taken``)."""
    delimiter = ";" if _semicolons(text) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if "order_id" not in header:
        return set()
    k = header.index("order_id")
    return {row[k].strip() for row in reader if len(row) > k and row[k].strip()}


def is_staple_file(text: str) -> bool:
    """Whether a CSV file's header makes it a file of staple deliveries: it names a
    ``cooperative`` or a ``staple`` column, which a partner-order file never has."""
    delimiter = ";" if _semicolons(text) else ","
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return not _STAPLE_MARKERS.isdisjoint(name.strip().lower() for name in header)


def parse_orders(
    text: str,
    *,
    file: str,
    products: Mapping[str, Product],
    grades: Sequence[str],
    cooperatives: Mapping[str, Cooperative],
    taken: Collection[str] = (),
) -> DemandSet:
    """The partner orders or the staple deliveries of a CSV file, as its header says
    (``is_staple_file``); raises ``DataFileError`` with every problem in it."""
    if is_staple_file(text):
        staples = parse_staple_deliveries(text, file=file, cooperatives=cooperatives, taken=taken)
        return DemandSet(staple_deliveries=tuple(staples))
    orders = parse_partner_orders(text, file=file, products=products, grades=grades, taken=taken)
    return DemandSet(partner_orders=tuple(orders))


def parse_partner_orders(
    text: str,
    *,
    file: str,
    products: Mapping[str, Product],
    grades: Sequence[str],
    taken: Collection[str] = (),
) -> list[PartnerOrder]:
    """Partner orders from CSV text; ``file`` names it in errors.

    The first line names the columns (any order, ``CSV_COLUMNS`` required).  A file whose
    header uses ``;`` is read as the Indonesian spreadsheet export: ``;`` between cells and a
    decimal comma in numbers.  An order id in ``taken`` (orders the hub already has) is a
    problem of its line.  An unknown column is told both layouts' columns, in case the file
    was meant to hold staple deliveries.
    """
    partners: dict[str, tuple[Partner, int]] = {}
    return _read_records(
        text,
        file=file,
        required=CSV_COLUMNS,
        optional=CSV_OPTIONAL_COLUMNS,
        unknown_column=message(
            "csv.unknown_column_either",
            known=", ".join(CSV_COLUMNS + CSV_OPTIONAL_COLUMNS),
            staples=", ".join(STAPLE_CSV_COLUMNS + STAPLE_CSV_OPTIONAL_COLUMNS),
        ),
        taken=taken,
        read_row=lambda row: _order_from(row, products=products, grades=grades, partners=partners),
        id_of=lambda order: order.order_id,
    )


def parse_staple_deliveries(
    text: str,
    *,
    file: str,
    cooperatives: Mapping[str, Cooperative],
    taken: Collection[str] = (),
) -> list[StapleDelivery]:
    """Staple deliveries from CSV text; ``file`` names it in errors.

    The rules of ``parse_partner_orders``, with ``STAPLE_CSV_COLUMNS``: ``cooperative`` is the
    cooperative's id at the hub, one of ``cooperatives`` (those the distribution settings
    place); ``staple`` is one of ``STAPLE_NAMES``; ``unit`` is ``g``, ``kg`` or ``t`` and the
    quantity must come to a whole number of grams.
    """
    return _read_records(
        text,
        file=file,
        required=STAPLE_CSV_COLUMNS,
        optional=STAPLE_CSV_OPTIONAL_COLUMNS,
        unknown_column=message(
            "csv.unknown_column",
            known=", ".join(STAPLE_CSV_COLUMNS + STAPLE_CSV_OPTIONAL_COLUMNS),
        ),
        taken=taken,
        read_row=lambda row: _staple_from(row, cooperatives),
        id_of=lambda delivery: delivery.ref,
    )


def _read_records(
    text: str,
    *,
    file: str,
    required: Sequence[str],
    optional: Sequence[str],
    unknown_column: Message,
    taken: Collection[str],
    read_row: Callable[[_Row], _Record | None],
    id_of: Callable[[_Record], str],
) -> list[_Record]:
    """The records of CSV text in one layout (rule 2): the header checked against ``required``
    and ``optional``, then every non-blank record read by ``read_row``, which reports its
    problems on the row and gives None when there are any.  An id used twice in the file, or
    in ``taken``, is a problem of its line."""
    semicolons = _semicolons(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if semicolons else ",")
    header = next(reader, None)
    if header is None:
        raise DataFileError([FileProblem(file, 1, "(header)", message("csv.empty"))])
    columns = [name.strip().lower() for name in header]
    problems = [
        FileProblem(file, 1, name, unknown_column)
        for name in columns
        if name not in required and name not in optional
    ]
    problems += [
        FileProblem(file, 1, name, message("csv.missing_column"))
        for name in required
        if name not in columns
    ]
    if problems:
        raise DataFileError(problems)

    records: list[_Record] = []
    first_line_of: dict[str, int] = {}
    line = 2
    for cells in reader:
        row_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            found = message("csv.cell_count", found=len(cells), expected=len(columns))
            problems.append(FileProblem(file, row_line, "(row)", found))
            continue
        row = _Row(file, row_line, dict(zip(columns, cells, strict=True)), semicolons)
        row.check_storable()
        record = read_row(row)
        problems.extend(row.problems)
        if record is None:
            continue
        record_id = id_of(record)
        if (earlier := first_line_of.get(record_id)) is not None:
            problems.append(
                FileProblem(file, row_line, "order_id", message("csv.duplicate", line=earlier))
            )
            continue
        if record_id in taken:
            problem = message("csv.order_exists", value=record_id)
            problems.append(FileProblem(file, row_line, "order_id", problem))
            continue
        first_line_of[record_id] = row_line
        records.append(record)
    if problems:
        raise DataFileError(problems)
    return records


def _order_from(
    row: _Row,
    *,
    products: Mapping[str, Product],
    grades: Sequence[str],
    partners: dict[str, tuple[Partner, int]],
) -> PartnerOrder | None:
    order_id = row.text("order_id")
    partner = _partner_from(row, partners)
    product = row.text("product")
    if product is not None and product not in products:
        row.fail(
            "product", message("csv.unknown_product", value=product, known=", ".join(products))
        )
    grade = row.text("grade")
    if grade is not None and grade not in grades:
        row.fail("grade", message("csv.unknown_grade", value=grade, known=", ".join(grades)))
    quantity = _quantity_from(row, _UNITS, known="g, kg, crate")
    delivery_date = row.day("delivery_date")
    window = row.window()
    priority = row.priority()
    if row.problems:
        return None
    assert order_id and partner and product and grade and quantity and delivery_date and window
    return PartnerOrder(
        order_id=order_id,
        partner=partner,
        product=product,
        grade=grade,
        quantity=quantity[0],
        unit=quantity[1],
        delivery_date=delivery_date,
        window=window,
        priority=priority,
    )


def _staple_from(row: _Row, cooperatives: Mapping[str, Cooperative]) -> StapleDelivery | None:
    order_id = row.text("order_id")
    cooperative = None
    if (coop := row.text("cooperative")) is not None:
        cooperative = cooperatives.get(coop)
        if cooperative is None:
            placed = ", ".join(sorted(cooperatives))
            row.fail("cooperative", message("csv.unknown_cooperative", value=coop, known=placed))
    staple = None
    if (named := row.text("staple")) is not None:
        staple = STAPLE_NAMES.get(named.lower())
        if staple is None:
            known = ", ".join(STAPLE_NAMES)
            row.fail("staple", message("csv.unknown_staple", value=named, known=known))
    quantity = _quantity_from(row, _STAPLE_UNITS, known="g, kg, t")
    delivery_date = row.day("delivery_date")
    window = row.window()
    priority = row.priority()
    if row.problems:
        return None
    assert order_id and cooperative and staple and quantity and delivery_date and window
    return StapleDelivery(
        ref=order_id,
        cooperative=cooperative,
        staple=staple,
        quantity_g=quantity[0],
        delivery_date=delivery_date,
        window=window,
        priority=priority,
    )


def _partner_from(row: _Row, partners: dict[str, tuple[Partner, int]]) -> Partner | None:
    partner_id = row.text("partner_id")
    name = row.text("partner_name")
    lat, lon = row.decimal("lat"), row.decimal("lon")
    if lat is not None and not -90 <= lat <= 90:
        row.fail("lat", message("csv.off_the_globe", value=str(lat)))
        lat = None
    if lon is not None and not -180 <= lon <= 180:
        row.fail("lon", message("csv.off_the_globe", value=str(lon)))
        lon = None
    if partner_id is None or name is None or lat is None or lon is None:
        return None
    place = Place(partner_id, name, float(lat), float(lon))
    partner = Partner(partner_id, name, place, row.cells.get("address", "").strip())
    known = partners.get(partner_id)
    if known is None:
        partners[partner_id] = (partner, row.line)
        return partner
    if (known[0].place.lat, known[0].place.lon) != (place.lat, place.lon):
        row.fail("lat", message("csv.partner_moved", partner=partner_id, line=known[1]))
        return None
    return known[0]


def _quantity_from(
    row: _Row, units: Mapping[str, tuple[Unit, int]], *, known: str
) -> tuple[int, Unit] | None:
    """``quantity`` in ``unit`` as a whole number of the unit's base (grams or crates)."""
    amount = row.decimal("quantity")
    unit_text = row.text("unit")
    unit = units.get(unit_text.lower()) if unit_text else None
    if unit_text is not None and unit is None:
        row.fail("unit", message("csv.unknown_unit", value=unit_text, known=known))
    if amount is None or unit_text is None or unit is None:
        return None
    whole = amount * unit[1]
    if whole != whole.to_integral_value():
        key = "csv.part_crate" if unit[0] is Unit.CRATE else "csv.part_gram"
        row.fail("quantity", message(key, value=str(amount)))
        return None
    if whole <= 0:
        row.fail("quantity", message("csv.not_positive", value=str(amount)))
        return None
    if whole > LARGEST_ORDER[unit[0]]:
        key = "csv.too_many_crates" if unit[0] is Unit.CRATE else "csv.too_heavy"
        row.fail("quantity", message(key, value=str(amount), unit=unit_text))
        return None
    return int(whole), unit[0]
