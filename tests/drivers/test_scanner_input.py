"""Scanner decoding from recorded key events, serial bytes, AIM identifiers and GS1 strings."""

from __future__ import annotations

import pytest

from edge.scanner_input import (
    LAYOUTS,
    GS1ParseError,
    KeyboardDecoder,
    ScannerSetupError,
    SerialScanFramer,
    parse_gs1,
    split_aim,
)

DOWN, UP = 1, 0
L_SHIFT, L_CTRL, L_ALT, ALTGR, ENTER, KP_ENTER, TAB = 42, 29, 56, 100, 28, 96, 15

# Scanning "A1" with an Enter suffix: the EV_KEY events of a US wedge scanner (key codes from
# Linux input-event-codes.h; key down 1, key up 0).
US_A1 = [(42, 1), (30, 1), (30, 0), (42, 0), (2, 1), (2, 0), (28, 1), (28, 0)]
# GS1-128 with FNC1 sent as Ctrl+] (Datalogic control character emulation 00), US layout:
# "]C1" "0109501101020917" "10ABC123" GS "3040" Enter.
GS1_TEXT = "]C10109501101020917" + "10ABC123\x1d3040"


def tap(code: int) -> list[tuple[int, int]]:
    return [(code, DOWN), (code, UP)]


def hold(modifier: int, *codes: int) -> list[tuple[int, int]]:
    return [(modifier, DOWN)] + [e for code in codes for e in tap(code)] + [(modifier, UP)]


def typed(text: str, layout: str = "us") -> list[tuple[int, int]]:
    """The key events a scanner set to ``layout`` sends for ``text`` (GS as Ctrl+])."""
    where: dict[str, list[tuple[int, int | None]]] = {}
    for code, (plain, shifted, altgr) in sorted(LAYOUTS[layout].items(), reverse=True):
        where.update({plain: [(code, None)], shifted: [(code, L_SHIFT)], altgr: [(code, ALTGR)]})
    events: list[tuple[int, int]] = []
    for char in text:
        if char == "\x1d":
            events += hold(L_CTRL, 27)
            continue
        ((code, modifier),) = where[char]
        events += tap(code) if modifier is None else hold(modifier, code)
    return events + tap(ENTER)


def test_the_recorded_us_a1_sequence_reads_a1() -> None:
    assert KeyboardDecoder().feed_all(US_A1) == ["A1"]


def test_a_scan_is_returned_by_the_event_that_ends_it() -> None:
    decoder = KeyboardDecoder()
    results = [decoder.feed(code, value) for code, value in US_A1]
    assert results == [None] * 6 + ["A1", None]


def test_keypad_enter_also_ends_a_scan() -> None:
    assert KeyboardDecoder().feed_all(tap(2) + tap(KP_ENTER)) == ["1"]


def test_a_tab_suffix_when_configured() -> None:
    decoder = KeyboardDecoder(suffix="tab")
    assert decoder.feed_all(tap(2) + tap(ENTER) + tap(3) + tap(TAB)) == ["12"]


def test_autorepeat_is_ignored() -> None:
    assert KeyboardDecoder().feed_all([(2, 1), (2, 2), (2, 2), (2, 0), *tap(ENTER)]) == ["1"]


def test_an_enter_without_data_is_not_a_scan() -> None:
    assert KeyboardDecoder().feed_all(tap(ENTER)) == []


def test_caps_lock_upper_cases_letters_and_shift_undoes_it() -> None:
    events = tap(58) + tap(30) + hold(L_SHIFT, 30) + tap(2) + tap(ENTER)
    assert KeyboardDecoder().feed_all(events) == ["Aa1"]


def test_keypad_digits_follow_num_lock() -> None:
    events = tap(79) + tap(69) + tap(79) + tap(55) + tap(ENTER)
    assert KeyboardDecoder().feed_all(events) == ["1*"]


def test_shifted_symbols_on_us_layout() -> None:
    assert KeyboardDecoder().feed_all(hold(L_SHIFT, 27, 5, 12) + tap(ENTER)) == ["}$_"]


def test_gs_typed_as_ctrl_right_bracket_is_the_group_separator() -> None:
    assert KeyboardDecoder().feed_all(typed(GS1_TEXT)) == [GS1_TEXT]


def test_gs_typed_as_alt_0029_on_the_keypad_is_the_group_separator() -> None:
    events = tap(2) + hold(L_ALT, 82, 82, 80, 73) + tap(3) + tap(ENTER)
    assert KeyboardDecoder().feed_all(events) == ["1\x1d2"]


def test_a_german_scan_swaps_y_and_z_and_reads_symbols_from_their_german_keys() -> None:
    # "Zy-1@" on a German keyboard: Shift+Z key (code 21), y (44), "-" (53), AltGr+Q (16).
    events = hold(L_SHIFT, 21) + tap(44) + tap(53) + tap(2) + hold(ALTGR, 16) + tap(ENTER)
    assert KeyboardDecoder("de").feed_all(events) == ["Zy-1@"]


def test_the_same_german_keys_read_with_a_us_keymap_give_the_wrong_text() -> None:
    events = hold(L_SHIFT, 21) + tap(44) + tap(53) + tap(2) + tap(ENTER)
    assert KeyboardDecoder("us").feed_all(events) == ["Yz/1"]


def test_french_azerty_needs_shift_for_digits() -> None:
    events = hold(L_SHIFT, 16, 2) + tap(2) + tap(ENTER)
    assert KeyboardDecoder("fr").feed_all(events) == ["A1&"]


@pytest.mark.parametrize("layout", ["us", "de", "fr"])
def test_a_gs1_scan_round_trips_through_every_layout(layout: str) -> None:
    assert KeyboardDecoder(layout).feed_all(typed(GS1_TEXT, layout)) == [GS1_TEXT]


def test_ctrl_with_the_key_that_types_right_bracket_on_german_is_also_gs() -> None:
    events = [(L_CTRL, DOWN), *hold(ALTGR, 10), (L_CTRL, UP), *tap(ENTER)]
    assert KeyboardDecoder("de").feed_all(events) == ["\x1d"]


def test_an_unknown_layout_or_suffix_names_the_known_ones() -> None:
    with pytest.raises(ScannerSetupError, match="us, de, fr"):
        KeyboardDecoder("dvorak")
    with pytest.raises(ScannerSetupError, match="enter, tab"):
        KeyboardDecoder(suffix="space")


@pytest.mark.parametrize(
    ("data", "identifier", "symbology", "gs1", "rest"),
    [
        ("]E05901234123457", "]E0", "EAN/UPC", True, "5901234123457"),
        ("]C1010950110102091710ABC", "]C1", "Code 128", True, "010950110102091710ABC"),
        ("]C0ABC", "]C0", "Code 128", False, "ABC"),
        ("]d20109501101020917", "]d2", "Data Matrix", True, "0109501101020917"),
        ("]Q3011234", "]Q3", "QR Code", True, "011234"),
        ("]A7AIMID", "]A7", "Code 39", False, "AIMID"),
        ("]I198765432109213", "]I1", "Interleaved 2 of 5", True, "98765432109213"),
    ],
)
def test_aim_identifiers_are_recognised_and_stripped(
    data: str, identifier: str, symbology: str, gs1: bool, rest: str
) -> None:
    aim, payload = split_aim(data)
    assert aim is not None
    assert (aim.value, aim.symbology, aim.gs1, payload) == (identifier, symbology, gs1, rest)


@pytest.mark.parametrize("data", ["5901234123457", "]", "]]C1", "]1A"])
def test_data_without_an_identifier_is_left_alone(data: str) -> None:
    assert split_aim(data) == (None, data)


def test_a_gs1_128_scan_parses_into_application_identifiers() -> None:
    assert parse_gs1(GS1_TEXT) == {"01": "09501101020917", "10": "ABC123", "30": "40"}


def test_an_ean_13_with_identifier_becomes_a_gtin() -> None:
    assert parse_gs1("]E05901234123457") == {"01": "05901234123457"}


def test_a_leading_group_separator_is_dropped() -> None:
    assert parse_gs1("\x1d0109501101020917") == {"01": "09501101020917"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("]C10109501101020918", "check digit"),
        ("]E05901234123458", "check digit"),
        ("10" + "A" * 25, "not a GS1 element string"),
        ("hello", "not a GS1 element string"),
    ],
)
def test_an_invalid_gs1_scan_is_refused_with_the_reason(data: str, message: str) -> None:
    with pytest.raises(GS1ParseError, match=message):
        parse_gs1(data)


def test_a_serial_scan_ends_at_cr_and_the_lf_after_it_is_dropped() -> None:
    framer = SerialScanFramer(b"\r")
    assert framer.feed(b"5901234123457\r\n]E05901234123457\r") == [
        b"5901234123457",
        b"]E05901234123457",
    ]
    assert framer.feed(b"\n]C1" + GS1_TEXT[3:].encode() + b"\r") == [GS1_TEXT.encode()]


def test_a_serial_scan_with_a_cr_lf_suffix_split_across_reads() -> None:
    framer = SerialScanFramer(b"\r\n")
    assert framer.feed(b"ABC\r") == []
    assert framer.feed(b"\nDEF\r\n") == [b"ABC", b"DEF"]


def test_a_serial_scanner_without_suffix_is_flushed_after_idle_time() -> None:
    framer = SerialScanFramer(b"\r")
    assert framer.feed(b"\n4006381333931") == []
    assert framer.flush() == b"4006381333931"
    assert framer.flush() is None


def test_a_serial_run_without_suffix_is_capped() -> None:
    framer = SerialScanFramer(b"\r", max_length=8)
    assert framer.feed(b"x" * 20) == []
    assert framer.discarded == 20


def test_a_serial_scanner_needs_a_suffix() -> None:
    with pytest.raises(ScannerSetupError):
        SerialScanFramer(b"")
