"""The registry table: every protocol is complete, unknown names and settings are refused."""

from __future__ import annotations

import pytest

from edge.drivers.base import ProtocolSetupError, UnknownProtocolError
from edge.drivers.registry import DRIVERS, get_driver, make_parser
from edge.sim.emulators import EMULATORS

from .frames import CASES

REQUIRED = {
    "mt-sics",
    "toledo-8217",
    "and",
    "cas",
    "ohaus",
    "xk3190-tf0",
    "xk3190-eq",
    "xk3190-eq-forward",
    "xk3190-a12e",
    "xk3190-ww",
    "generic",
    "mt-continuous",
    "sartorius-sbi",
    "sma",
    "nci",
    "rinstrum",
}


def test_every_required_protocol_is_registered() -> None:
    assert set(DRIVERS) >= REQUIRED


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_every_protocol_names_its_manual_line_and_emulator(name: str) -> None:
    spec = DRIVERS[name]
    assert spec.name == name
    assert spec.manual and spec.summary
    assert spec.line.parity in "NEO" and spec.line.bytesize in (7, 8)
    assert name in EMULATORS
    assert spec.make_parser().feed(b"") == []


@pytest.mark.parametrize("name", sorted(DRIVERS.keys() - {"generic"}))
def test_every_protocol_has_documented_frames_under_test(name: str) -> None:
    assert any(case.protocol == name for case in CASES)


def test_an_unknown_protocol_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProtocolError, match="xk3190-tf0") as info:
        get_driver("xk3190")
    assert info.value.known == sorted(DRIVERS)


def test_an_unknown_setting_names_the_setting_and_what_is_taken() -> None:
    with pytest.raises(ProtocolSetupError, match=r"'baud'.*unit"):
        make_parser("cas", baud=9600)


def test_a_bad_unit_setting_is_refused() -> None:
    with pytest.raises(ProtocolSetupError, match="unit"):
        make_parser("xk3190-tf0", unit="catty")
