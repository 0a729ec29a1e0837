"""GS1 data for produce labels: the AI table, element strings, check digits, SSCC, Digital Link.

This module owns what the bars *mean*; it draws nothing and does no I/O. The renderers take
its element strings and Digital Link URIs as they are.

Rules:

1. An ``Element`` cannot exist with a bad value: its constructor checks the value against
   ``AI_TABLE`` (length, numeric or GS1 AI encodable character set 82, mod-10 check digit,
   calendar date). GTIN-8/12/13 are widened to GTIN-14 by ``gtin()`` before that check.
2. Weights are ``Decimal`` kilograms or ``int`` grams, never ``float``. The decimal-point
   digit ``n`` of (310n)/(330n) is the weight's own number of decimals (a ``Decimal``'s
   exponent; grams have three), lowered only by dropping trailing zeros when six digits are
   too few. Digits are never rounded away.
3. Element strings are written in the order given; ``sort_elements`` puts predefined-length
   AIs first, which is GS1's recommendation because each variable-length element that is not
   last costs a separator. A separator goes after a non-predefined element only when another
   element follows (GS1 General Specifications §7.8.4; the predefined set is its figure 7.8.4-2
   as carried by the GS1 Barcode Syntax Dictionary ``*`` flag). Note (422): fixed length, not
   predefined, so it is separated.
4. Pairing rules (``req=`` / ``ex=`` of the Syntax Dictionary) apply to everything one item
   carries, so ``check_pairings`` is run over all symbols of a label together, not per symbol.
5. Digital Link URIs follow the Syntax Dictionary's key qualifiers (``/01/…/10/…/21/…``) and
   data attributes (``?`` flag); values are percent-encoded except for RFC 3986 unreserved
   characters, and a GTIN in the path always has 14 digits.

Exception tree (all carry ``.ai`` and ``.rule``)::

    LabelError                        (labels.errors)
    └── Gs1Error
        ├── UnknownAiError            an AI this table does not carry
        ├── Gs1FormatError            wrong length, or a character outside the AI's set
        │   ├── CheckDigitError       the mod-10 check digit does not match
        │   ├── Gs1DateError          not a calendar date as YYMMDD
        │   └── Gs1WeightError        a float, not positive, or too many digits for N6
        └── Gs1MessageError           a whole message breaks a pairing, duplicate, length or
                                      Digital Link rule
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from labels.errors import LabelError

__all__ = [
    "AI_TABLE",
    "CSET82",
    "DEFAULT_RESOLVER",
    "DL_QUALIFIERS",
    "GS",
    "AiSpec",
    "Charset",
    "CheckDigitError",
    "DateRule",
    "Element",
    "Gs1DateError",
    "Gs1Error",
    "Gs1FormatError",
    "Gs1MessageError",
    "Gs1WeightError",
    "UnknownAiError",
    "build_sscc",
    "check_digit",
    "check_gs1_128",
    "check_pairings",
    "date_element",
    "digital_link_uri",
    "element_string",
    "gross_weight_kg",
    "gtin",
    "hri",
    "net_weight_kg",
    "sort_elements",
    "sscc",
    "yymmdd",
]

GS = "\x1d"
"""ASCII group separator: how a scanner transmits a separator FNC1."""

CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
"""GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1)."""

DEFAULT_RESOLVER = "id.gs1.org"

GS1_128_MAX_DATA_CHARACTERS = 48
"""GS1 General Specifications §5.4.4.3: AIs, data and separator FNC1s count."""


class Gs1Error(LabelError, ValueError):
    """GS1 data breaks a rule. ``ai`` names the Application Identifier, ``rule`` the rule."""

    def __init__(self, ai: str, rule: str, detail: str) -> None:
        spec = AI_TABLE.get(ai)
        where = f"({ai}) {spec.title}" if spec else f"({ai})" if ai else "GS1 data"
        super().__init__(f"{where}: {detail}")
        self.ai = ai
        self.rule = rule
        self.detail = detail


class UnknownAiError(Gs1Error, LookupError):
    pass


class Gs1FormatError(Gs1Error):
    pass


class CheckDigitError(Gs1FormatError):
    pass


class Gs1DateError(Gs1FormatError):
    pass


class Gs1WeightError(Gs1FormatError):
    pass


class Gs1MessageError(Gs1Error):
    pass


class Charset(enum.StrEnum):
    NUMERIC = "N"
    CSET82 = "X"


class DateRule(enum.StrEnum):
    YYMMDD = "yymmdd"
    YYMMD0 = "yymmd0"
    """Day ``00`` is allowed and means the last day of the month."""


@dataclass(frozen=True, slots=True)
class AiSpec:
    """One Application Identifier as the GS1 Barcode Syntax Dictionary describes it.

    ``requires`` holds groups: at least one AI of every group must be on the same item.
    ``family`` groups AIs of which an item may carry only one (all 310n are one family).
    """

    ai: str
    title: str
    charset: Charset
    min_length: int
    max_length: int
    predefined: bool
    check_digit: bool = False
    date: DateRule | None = None
    dl_attribute: bool = False
    requires: tuple[tuple[str, ...], ...] = ()
    excludes: tuple[str, ...] = ()
    family: str = ""


_FORMAT = re.compile(r"^(?P<set>[NX])(?P<var>\.\.)?(?P<len>\d+)$")
_ITEM_KEYS = ("01", "02", "03", "8006", "8026")
"""Keys a lot or a date needs beside it (GTIN, content, MTO GTIN, ITIP)."""


def _spec(
    ai: str,
    title: str,
    fmt: str,
    *,
    predefined: bool = False,
    check_digit: bool = False,
    date: DateRule | None = None,
    dl: bool = True,
    req: tuple[tuple[str, ...], ...] = (),
    ex: tuple[str, ...] = (),
    family: str = "",
) -> AiSpec:
    match = _FORMAT.match(fmt)
    if match is None:
        raise ValueError(f"bad AI format {fmt!r} for ({ai})")
    length = int(match["len"])
    return AiSpec(
        ai=ai,
        title=title,
        charset=Charset(match["set"]),
        min_length=1 if match["var"] else length,
        max_length=length,
        predefined=predefined,
        check_digit=check_digit,
        date=date,
        dl_attribute=dl,
        requires=req,
        excludes=ex,
        family=family or ai,
    )


def _measure_family(prefix: str, title: str, req: tuple[str, ...]) -> list[AiSpec]:
    """AIs prefix+0 … prefix+5; the last digit is the number of decimals in the value."""
    return [
        _spec(
            f"{prefix}{n}",
            title,
            "N6",
            predefined=True,
            req=(req,),
            family=f"{prefix}n",
        )
        for n in range(6)
    ]


_SPECS: list[AiSpec] = [
    _spec("00", "SSCC", "N18", predefined=True, check_digit=True),
    _spec("01", "GTIN", "N14", predefined=True, check_digit=True, ex=("255", "37")),
    _spec(
        "02", "CONTENT", "N14", predefined=True, check_digit=True, req=(("37",),), ex=("01", "03")
    ),
    _spec("10", "BATCH/LOT", "X..20", req=(_ITEM_KEYS,)),
    _spec("11", "PROD DATE", "N6", predefined=True, date=DateRule.YYMMD0, req=(_ITEM_KEYS,)),
    _spec("13", "PACK DATE", "N6", predefined=True, date=DateRule.YYMMD0, req=(_ITEM_KEYS,)),
    _spec(
        "15",
        "BEST BEFORE or BEST BY",
        "N6",
        predefined=True,
        date=DateRule.YYMMD0,
        req=(_ITEM_KEYS,),
    ),
    _spec("16", "SELL BY", "N6", predefined=True, date=DateRule.YYMMD0, req=(_ITEM_KEYS,)),
    _spec(
        "17",
        "USE BY or EXPIRY",
        "N6",
        predefined=True,
        date=DateRule.YYMMD0,
        req=((*_ITEM_KEYS, "255"),),
    ),
    _spec("21", "SERIAL", "X..20", dl=False, req=(("01", "03", "8006"),), ex=("235",)),
    _spec("30", "VAR. COUNT", "N..8", req=(("01", "02"),)),
    *_measure_family("310", "NET WEIGHT (kg)", ("01", "02")),
    *_measure_family("330", "GROSS WEIGHT (kg)", ("00", "01")),
    _spec("37", "COUNT", "N..8", req=(("00",), ("02", "8026"))),
    _spec("400", "ORDER NUMBER", "X..30"),
    _spec("410", "SHIP TO LOC", "N13", predefined=True, check_digit=True),
    _spec("412", "PURCHASE FROM", "N13", predefined=True, check_digit=True),
    _spec("413", "SHIP FOR LOC", "N13", predefined=True, check_digit=True),
    _spec("416", "PROD/SERV LOC", "N13", predefined=True, check_digit=True),
    _spec("422", "ORIGIN", "N3", req=(("01", "02", "8006", "8026"),), ex=("426",)),
    _spec("7007", "HARVEST DATE", "N..12", date=DateRule.YYMMDD, req=(("01", "02"),)),
    _spec("90", "INTERNAL", "X..30"),
]

AI_TABLE: dict[str, AiSpec] = {spec.ai: spec for spec in _SPECS}
"""The AIs Lumbung labels use, from the GS1 Barcode Syntax Dictionary (titles, formats,
``*`` predefined-length and ``?`` Digital Link attribute flags, ``req=``/``ex=`` pairings)."""

DL_QUALIFIERS: dict[str, tuple[str, ...]] = {"01": ("22", "10", "21"), "00": ()}
"""Digital Link primary keys we print, each with its key qualifiers in their fixed order."""


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (the number without its check digit).

    Weights 3, 1, 3, … are applied from the rightmost digit (GS1 General Specifications §7.9.1).
    """
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"check digit body must be digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _check_date(ai: str, rule: DateRule, value: str) -> None:
    if len(value) % 6:
        raise Gs1DateError(ai, "date", f"{value!r} is not YYMMDD")
    for start in range(0, len(value), 6):
        yy, mm, dd = (int(value[i : i + 2]) for i in range(start, start + 6, 2))
        # 19yy and 20yy have the same leap years except yy = 00, and GS1's century window
        # (§7.12: 49 years back, 50 ahead) reads 00 as 2000 until 2050, so 2000 + yy is right.
        if not 1 <= mm <= 12:
            raise Gs1DateError(ai, "date", f"{value!r} has month {mm:02d}")
        last_day = calendar.monthrange(2000 + yy, mm)[1]
        if dd > last_day or (dd == 0 and rule is not DateRule.YYMMD0):
            raise Gs1DateError(ai, "date", f"{value!r} has day {dd:02d} in month {mm:02d}")


@dataclass(frozen=True, slots=True)
class Element:
    """One element string: an AI and its value, checked on construction."""

    ai: str
    value: str

    def __post_init__(self) -> None:
        spec = AI_TABLE.get(self.ai)
        if spec is None:
            raise UnknownAiError(
                self.ai, "known-ai", f"not an AI Lumbung prints; known: {', '.join(AI_TABLE)}"
            )
        value = self.value
        if not spec.min_length <= len(value) <= spec.max_length:
            size = (
                f"{spec.max_length}"
                if spec.min_length == spec.max_length
                else f"{spec.min_length} to {spec.max_length}"
            )
            raise Gs1FormatError(
                self.ai, "length", f"{value!r} has {len(value)} characters; needs {size}"
            )
        allowed = "0123456789" if spec.charset is Charset.NUMERIC else CSET82
        bad = sorted({c for c in value if c not in allowed})
        if bad:
            where = "digits" if spec.charset is Charset.NUMERIC else "GS1 character set 82"
            raise Gs1FormatError(
                self.ai, "charset", f"{value!r} has {''.join(bad)!r} outside {where}"
            )
        if spec.check_digit and check_digit(value[:-1]) != int(value[-1]):
            raise CheckDigitError(
                self.ai,
                "check-digit",
                f"{value!r} ends in {value[-1]}; its check digit is {check_digit(value[:-1])}",
            )
        if spec.date is not None:
            _check_date(self.ai, spec.date, value)

    @property
    def spec(self) -> AiSpec:
        return AI_TABLE[self.ai]

    def __str__(self) -> str:
        return f"({self.ai}){self.value}"


def gtin(value: str, *, ai: str = "01") -> Element:
    """A GTIN element, widening GTIN-8/12/13 to 14 digits. ``ai="02"`` for pallet content."""
    if len(value) not in (8, 12, 13, 14) or not value.isascii() or not value.isdigit():
        raise Gs1FormatError(
            ai, "gtin-length", f"{value!r} is not a GTIN-8, GTIN-12, GTIN-13 or GTIN-14"
        )
    return Element(ai, value.zfill(14))


def sscc(value: str) -> Element:
    return Element("00", value)


def build_sscc(extension: int, company_prefix: str, serial: int) -> str:
    """Assemble an 18-digit SSCC: extension digit, company prefix, serial reference, check.

    The serial reference fills the 16 - len(prefix) digits left; the hub's never-reused
    counter supplies ``serial``.
    """
    if not 0 <= extension <= 9:
        raise Gs1FormatError("00", "sscc-extension", f"extension digit {extension} is not 0-9")
    if not (
        company_prefix.isascii() and company_prefix.isdigit() and 4 <= len(company_prefix) <= 12
    ):
        raise Gs1FormatError(
            "00", "company-prefix", f"company prefix {company_prefix!r} is not 4-12 digits"
        )
    width = 16 - len(company_prefix)
    if not 0 <= serial < 10**width:
        raise Gs1FormatError(
            "00",
            "serial-reference",
            f"serial reference {serial} does not fit the {width} digits "
            f"that company prefix {company_prefix} leaves",
        )
    body = f"{extension}{company_prefix}{serial:0{width}d}"
    return f"{body}{check_digit(body)}"


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def date_element(ai: str, day: date) -> Element:
    """(11), (13), (15), (16), (17) or (7007) from a ``date``."""
    spec = AI_TABLE.get(ai)
    if spec is None or spec.date is None:
        raise Gs1FormatError(ai, "date-ai", "is not a date AI")
    return Element(ai, yymmdd(day))


def _weight(prefix: str, weight: Decimal | int) -> Element:
    ai = f"{prefix}n"
    if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
        raise Gs1WeightError(
            ai, "weight-type", f"weight must be Decimal kg or int grams, not {weight!r}"
        )
    kg = Decimal(weight).scaleb(-3) if isinstance(weight, int) else weight
    if not kg.is_finite() or kg <= 0:
        raise Gs1WeightError(ai, "weight-positive", f"weight {weight} is not a positive number")
    exponent = kg.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, so never 'n', 'N' or 'F'
    decimals = max(0, -exponent)
    digits = int(kg.scaleb(decimals))
    while decimals > 5 or digits >= 1_000_000:
        if decimals == 0 or digits % 10:
            raise Gs1WeightError(
                ai,
                "weight-digits",
                f"{kg} kg needs more than six digits with at most five decimals",
            )
        digits //= 10
        decimals -= 1
    return Element(f"{prefix}{decimals}", f"{digits:06d}")


def net_weight_kg(weight: Decimal | int) -> Element:
    """(310n) from ``Decimal`` kilograms or ``int`` grams (see rule 2)."""
    return _weight("310", weight)


def gross_weight_kg(weight: Decimal | int) -> Element:
    """(330n) from ``Decimal`` kilograms or ``int`` grams (see rule 2)."""
    return _weight("330", weight)


def sort_elements(elements: Iterable[Element]) -> tuple[Element, ...]:
    """Predefined-length elements first, each group in the order given."""
    items = tuple(elements)
    return tuple(e for e in items if e.spec.predefined) + tuple(
        e for e in items if not e.spec.predefined
    )


def element_string(elements: Sequence[Element], *, separator: str = GS) -> str:
    """The concatenated element strings in the given order, separated only where needed.

    ``separator`` is ``GS`` for transmitted data, ``"\\xf1"`` for python-barcode's FNC1.
    """
    parts: list[str] = []
    for i, item in enumerate(elements):
        parts.append(item.ai + item.value)
        if not item.spec.predefined and i < len(elements) - 1:
            parts.append(separator)
    return "".join(parts)


def hri(elements: Iterable[Element]) -> str:
    """Human-readable interpretation: ``(01)…(10)…``."""
    return "".join(str(e) for e in elements)


def check_gs1_128(elements: Sequence[Element]) -> None:
    """The GS1-128 data-length limit (§5.4.4.3); the physical one is the layout's to check."""
    length = len(element_string(elements))
    if length > GS1_128_MAX_DATA_CHARACTERS:
        raise Gs1MessageError(
            elements[-1].ai,
            "gs1-128-length",
            f"{hri(elements)} is {length} data characters; GS1-128 holds "
            f"{GS1_128_MAX_DATA_CHARACTERS}",
        )


def check_pairings(elements: Iterable[Element]) -> None:
    """Duplicates, mandatory associations and exclusions over all data one item carries."""
    by_family: dict[str, Element] = {}
    for item in elements:
        seen = by_family.setdefault(item.spec.family, item)
        if seen != item:
            raise Gs1MessageError(
                item.ai, "duplicate", f"{item} conflicts with {seen} on the same item"
            )
    present = {item.ai for item in by_family.values()}
    for item in by_family.values():
        for group in item.spec.requires:
            if present.isdisjoint(group):
                needed = " or ".join(f"({ai})" for ai in group if ai in AI_TABLE)
                raise Gs1MessageError(item.ai, "requires", f"needs {needed} on the same item")
        clash = present.intersection(item.spec.excludes)
        if clash:
            raise Gs1MessageError(
                item.ai, "excludes", f"may not be used with ({min(clash)}) on the same item"
            )


_RESOLVER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d+)?(?:/[\w.~-]+)*$")


def digital_link_uri(elements: Iterable[Element], *, resolver: str = DEFAULT_RESOLVER) -> str:
    """``https://{resolver}/01/{gtin}/10/{lot}?13=…&3103=…`` from element strings.

    ``resolver`` is a domain with an optional port and path prefix of the brand's own
    (``example.com/products``), no scheme.
    """
    if not _RESOLVER.match(resolver):
        raise Gs1MessageError(
            "", "dl-resolver", f"Digital Link resolver {resolver!r} is not a domain[/path]"
        )
    items = list(elements)
    keys = [e for e in items if e.ai in DL_QUALIFIERS]
    if len(keys) != 1:
        found = ", ".join(str(k) for k in keys) or "none"
        raise Gs1MessageError(
            keys[-1].ai if keys else "",
            "dl-primary-key",
            f"a Digital Link needs exactly one primary key of (01) or (00); found {found}",
        )
    key = keys[0]
    order = DL_QUALIFIERS[key.ai]
    qualifiers = sorted((e for e in items if e.ai in order), key=lambda e: order.index(e.ai))
    path = "".join(f"/{e.ai}/{quote(e.value, safe='')}" for e in (key, *qualifiers))
    attributes = [e for e in items if e is not key and e.ai not in order]
    for item in attributes:
        if not item.spec.dl_attribute:
            raise Gs1MessageError(
                item.ai, "dl-attribute", f"cannot be a Digital Link data attribute of ({key.ai})"
            )
    query = "&".join(f"{e.ai}={quote(e.value, safe='')}" for e in attributes)
    return f"https://{resolver}{path}" + (f"?{query}" if query else "")
