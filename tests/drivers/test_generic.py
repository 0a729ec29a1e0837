"""The technician-configured format: what settings mean and how bad ones are refused."""

from __future__ import annotations

import pytest

from edge.drivers.base import ProtocolSetupError, ReadingKind
from edge.drivers.registry import make_parser

from .helpers import summary


def test_the_default_reads_a_number_and_an_optional_unit() -> None:
    readings = make_parser("generic").feed(b"  12.345 kg\r\n- 1.5\r\n")
    assert [(r.grams, r.unit, r.stable) for r in readings] == [
        (12345, "kg", None),
        (-1500, "kg", None),
    ]


def test_a_pattern_with_stable_and_net_groups() -> None:
    parser = make_parser(
        "generic",
        pattern=r"(?P<stable>ST|US|OL),(?P<net>GS|NT),(?P<weight>[+-][0-9. ]{7})(?P<unit>kg|lb)",
    )
    readings = parser.feed(b"ST,NT,+0012.34kg\r\nUS,GS,-0001.00kg\r\nOL,GS,+    .  kg\r\n")
    assert [(r.kind, r.grams, r.stable, r.net) for r in readings] == [
        (ReadingKind.WEIGHT, 12340, True, True),
        (ReadingKind.WEIGHT, -1000, False, False),
        (ReadingKind.OVERLOAD, None, None, False),
    ]


def test_fixed_columns_are_one_based_and_inclusive_as_manuals_print_them() -> None:
    parser = make_parser("generic", fields={"stable": [1, 2], "weight": [4, 11], "unit": [12, 13]})
    (reading,) = parser.feed(b"ST,+0012.34kg\r\n")
    assert (reading.grams, reading.stable) == (12340, True)


def test_a_frame_of_the_wrong_length_for_fixed_columns_is_an_error() -> None:
    parser = make_parser("generic", fields={"weight": [1, 6]}, length=6)
    assert [r.kind for r in parser.feed(b"12.345\r\n12.3456\r\n")] == [
        ReadingKind.WEIGHT,
        ReadingKind.ERROR,
    ]


def test_implied_decimals_and_stx_etx_framing() -> None:
    parser = make_parser(
        "generic",
        pattern=r"(?P<stable>[SM])(?P<weight>[0-9]{6})",
        decimals=3,
        start="STX",
        terminator="ETX",
        unit="lb",
    )
    (reading,) = parser.feed(b"noise\x02S012345\x03")
    assert summary(reading).weight == "12.345"
    assert (reading.unit, reading.stable) == ("lb", True)


def test_start_character_and_fixed_length_without_terminator() -> None:
    parser = make_parser(
        "generic", pattern=r"(?P<weight>[0-9.]{7})", start="=", terminator="none", length=7
    )
    assert [r.grams for r in parser.feed(b"=012.500=001.000")] == [12500, 1000]


def test_an_unconfigured_status_mark_is_an_error_not_a_guess() -> None:
    parser = make_parser("generic", pattern=r"(?P<stable>..),(?P<weight>[0-9.]+)")
    assert parser.feed(b"XX,12.5\r\n")[0].kind is ReadingKind.ERROR


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"pattern": "("}, "pattern"),
        ({"pattern": r"(?P<value>\d+)"}, "pattern"),
        ({"pattern": r"(?P<weight>\d+)(?P<colour>x)"}, "pattern"),
        ({"pattern": 12}, "pattern"),
        ({"pattern": r"(?P<weight>\d+)", "fields": {"weight": [1, 2]}}, "pattern"),
        ({"fields": {"unit": [1, 2]}}, "fields"),
        ({"fields": {"weight": [3, 1]}}, "fields"),
        ({"fields": {"weight": "1-3"}}, "fields"),
        ({"fields": {"weight": [1, 9]}, "length": 5}, "fields"),
        ({"terminator": "CRCR"}, "terminator"),
        ({"terminator": "none"}, "terminator"),
        ({"start": "ABC"}, "start"),
        ({"unit": "pcs"}, "unit"),
        ({"unit": 3}, "unit"),
        ({"decimals": 9}, "decimals"),
        ({"stable_marks": "ST"}, "stable_marks"),
        ({"net_marks": [1]}, "net_marks"),
        ({"length": 0}, "length"),
        ({"max_length": -1}, "max_length"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_setting(
    settings: dict[str, object], named: str
) -> None:
    with pytest.raises(ProtocolSetupError, match=named):
        make_parser("generic", **settings)
