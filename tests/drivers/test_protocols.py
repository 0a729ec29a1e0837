"""Every protocol against its documented frames: whole, byte by byte, in noise, and corrupted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers import and_indicator, mt_continuous, mt_sics, nci, sma, toledo_8217, xk3190
from edge.drivers.base import FrameParser, ReadingKind
from edge.drivers.registry import DRIVERS, make_parser

from . import frames
from .frames import CASES, CHECKSUMMED, FIXED_LAYOUT, TRAILERS, Case
from .helpers import summary, weights

WEIGHT_CASES = [c for c in CASES if c.expect.kind is ReadingKind.WEIGHT and c.expect.grams]


def _id(case: Case) -> str:
    return f"{case.protocol}:{case.frame!r}"


def _parser(case: Case) -> FrameParser:
    return make_parser(case.protocol, **dict(case.settings))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_documented_frame_decodes_to_its_reading(case: Case) -> None:
    assert [summary(r) for r in _parser(case).feed(case.frame)] == [case.expect]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_frame_fed_one_byte_at_a_time_decodes_the_same(case: Case) -> None:
    parser = _parser(case)
    readings = [r for byte in case.frame for r in parser.feed(bytes([byte]))]
    assert [summary(r) for r in readings] == [case.expect]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_half_a_following_frame_waits_for_its_rest(case: Case) -> None:
    parser = _parser(case)
    readings = parser.feed(case.frame + case.frame[: len(case.frame) // 2])
    assert [summary(r) for r in readings] == [case.expect]
    assert [summary(r) for r in parser.feed(case.frame[len(case.frame) // 2 :])] == [case.expect]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_tail_of_a_frame_cut_off_at_port_open_never_spoils_the_next(case: Case) -> None:
    readings = _parser(case).feed(case.frame[len(case.frame) // 2 :] + case.frame)
    assert summary(readings[-1]) == case.expect
    assert len(weights(readings)) == len(weights(readings[-1:]))


START_BYTE_PROTOCOLS = {"toledo-8217", "mt-continuous", "sma", "nci", "rinstrum", "xk3190-tf0"}


@pytest.mark.parametrize("case", [c for c in CASES if c.protocol in START_BYTE_PROTOCOLS], ids=_id)
def test_line_noise_before_a_start_byte_is_dropped_and_counted(case: Case) -> None:
    parser = _parser(case)
    noise = b"\x00\x91\xfe\x7f\x13 noise"
    assert [summary(r) for r in parser.feed(noise + case.frame)] == [case.expect]
    assert parser.discarded == len(noise)


@pytest.mark.parametrize("case", [c for c in CASES if c.frame.endswith(b"\r\n")], ids=_id)
def test_a_line_ending_in_cr_alone_decodes_like_cr_lf(case: Case) -> None:
    assert [summary(r) for r in _parser(case).feed(case.frame[:-1])] == [case.expect]


@pytest.mark.parametrize("case", [c for c in CASES if c.frame.endswith(b"\r\n")], ids=_id)
def test_a_line_ending_in_lf_alone_decodes_like_cr_lf(case: Case) -> None:
    assert [summary(r) for r in _parser(case).feed(case.frame[:-2] + b"\n")] == [case.expect]


@pytest.mark.parametrize("case", [c for c in CASES if c.frame.endswith(b"\r")], ids=_id)
def test_an_lf_after_a_cr_terminated_frame_is_harmless(case: Case) -> None:
    parser = _parser(case)
    assert [summary(r) for r in parser.feed(case.frame + b"\n" + case.frame)] == [
        case.expect,
        case.expect,
    ]


@pytest.mark.parametrize("case", WEIGHT_CASES, ids=_id)
def test_a_frame_cut_in_half_is_never_a_weight(case: Case) -> None:
    trailer = TRAILERS[case.protocol]
    body = case.frame[: len(case.frame) - trailer]
    cut = body[: len(body) // 2] + case.frame[len(body) :]
    assert weights(_parser(case).feed(cut)) == []


@pytest.mark.parametrize("case", [c for c in WEIGHT_CASES if c.protocol in FIXED_LAYOUT], ids=_id)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_fixed_layout_frame_missing_any_byte_is_never_a_weight(
    case: Case, data: st.DataObject
) -> None:
    body_end = len(case.frame) - TRAILERS[case.protocol]
    lost = data.draw(st.integers(0, body_end - 1))
    assert weights(_parser(case).feed(case.frame[:lost] + case.frame[lost + 1 :])) == []


@pytest.mark.parametrize("case", [c for c in WEIGHT_CASES if c.protocol in CHECKSUMMED], ids=_id)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_checksummed_frame_with_any_byte_changed_is_never_a_weight(
    case: Case, data: st.DataObject
) -> None:
    body_end = len(case.frame) - TRAILERS[case.protocol]
    at = data.draw(st.integers(0, body_end - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != case.frame[at]))
    corrupt = case.frame[:at] + bytes([value]) + case.frame[at + 1 :]
    assert weights(_parser(case).feed(corrupt)) == []


# The generic default reads any line holding a number, so random bytes can be a weight there.
NOISE_PROTOCOLS = sorted(set(DRIVERS) - {"generic"})


@pytest.mark.parametrize("protocol", NOISE_PROTOCOLS)
@settings(max_examples=60, deadline=None)
@given(noise=st.binary(max_size=300), cuts=st.lists(st.integers(1, 300), max_size=8))
def test_random_bytes_never_raise_and_never_become_a_weight(
    protocol: str, noise: bytes, cuts: list[int]
) -> None:
    parser = make_parser(protocol)
    readings = []
    for start, stop in zip([0, *sorted(cuts)], [*sorted(cuts), len(noise)], strict=True):
        readings += parser.feed(noise[start:stop])
    assert weights(readings) == []


@settings(max_examples=60, deadline=None)
@given(noise=st.binary(max_size=300))
def test_random_bytes_never_raise_in_the_generic_parser(noise: bytes) -> None:
    make_parser("generic").feed(noise)


@pytest.mark.parametrize("protocol", sorted(DRIVERS))
def test_a_run_without_terminator_is_capped_and_counted(protocol: str) -> None:
    parser = make_parser(protocol)
    parser.feed(b"x" * 1000)
    assert parser.discarded >= 1000 - 128


def test_a_7e1_frame_read_at_8n1_is_reported_as_a_line_settings_error() -> None:
    readings = make_parser("toledo-8217").feed(frames.T8217_AT_8N1)
    assert [r.kind for r in readings] == [ReadingKind.ERROR]
    assert "bit 7" in readings[0].detail


def test_a_frame_with_a_bad_xor_checksum_says_so() -> None:
    bad = frames.TF0_3260[:-2] + b"D\x03"
    assert make_parser("xk3190-tf0").feed(bad)[0].detail == "checksum mismatch"


def test_a22_checksum_nibbles_above_nine_are_accepted_as_colon_to_question_mark() -> None:
    assert xk3190.checksum_ok(b"A0", frames.A22_ZERO_REQUEST[3:5])
    assert xk3190.checksum_ok(b"AB+0015600", b"1:")
    assert xk3190.checksum_ok(b"AB+0015600", b"1A")
    assert not xk3190.checksum_ok(b"AB+0015600", b"1B")


def test_toledo_continuous_without_checksum_reads_the_short_frame() -> None:
    parser = make_parser("mt-continuous", checksum=False)
    readings = parser.feed(b"\x02-0 012345\r")
    assert [summary(r).grams for r in readings] == [12345]


def test_toledo_continuous_reports_a_scale_not_zeroed_since_power_up() -> None:
    frame = b"\x02-p 012345000000\r"
    frame += bytes([mt_continuous.checksum(frame)])
    assert make_parser("mt-continuous").feed(frame)[0].kind is ReadingKind.ERROR


def test_toledo_continuous_underload_is_out_of_range_and_negative() -> None:
    frame = b"\x02<6 000000000000\r"
    frame += bytes([mt_continuous.checksum(frame)])
    assert make_parser("mt-continuous").feed(frame)[0].kind is ReadingKind.UNDERLOAD


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"OL,GS,-    .  kg\r\n", ReadingKind.UNDERLOAD),  # AD-4406 13.2, negative out of range
        (b"QT,+00000010 PC\r\n", ReadingKind.ERROR),  # EK-L 9-2: a count is not a weight
        (b"ST,GS,+0012,34kg\r\n", ReadingKind.WEIGHT),  # AD-4406 13.2: comma as decimal point
        (b"MZ\r\n", ReadingKind.ACK),  # AD-4406 13.3: a performed command is echoed
        (b"I\r\n", ReadingKind.ERROR),  # AD-4406 13.3: busy
        (b"?\r\n", ReadingKind.ERROR),  # AD-4406 13.3: unknown command
        (b"ST,TR,+0001.50kg\r\n", ReadingKind.ACK),  # AD-4406 13.2: tare data
    ],
)
def test_and_status_lines(frame: bytes, kind: ReadingKind) -> None:
    assert [r.kind for r in make_parser("and").feed(frame)] == [kind]


def test_and_tare_line_carries_the_tare() -> None:
    (reading,) = make_parser("and").feed(b"ST,TR,+0001.50kg\r\n")
    assert reading.tare_g == 1500


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"T S      2.486 g\r\n", ReadingKind.ACK),
        (b"T A      2.486 g\r\n", ReadingKind.ACK),  # InstrumentKit's fixture variant
        (b"T I\r\n", ReadingKind.ERROR),
        (b"Z I\r\n", ReadingKind.ERROR),
        (b"Z +\r\n", ReadingKind.ERROR),
        (b"ZI D\r\n", ReadingKind.ACK),
        (b'I4 A "0123456789"\r\n', ReadingKind.ACK),
        (b"ET\r\n", ReadingKind.ERROR),
        (b"EL\r\n", ReadingKind.ERROR),
        (b"S S     100.00\r\n", ReadingKind.ERROR),
        (b"S S     100.00 PCS\r\n", ReadingKind.ERROR),
        (b"S S     1OO.00 g\r\n", ReadingKind.ERROR),
    ],
)
def test_mt_sics_replies(frame: bytes, kind: ReadingKind) -> None:
    assert [r.kind for r in make_parser("mt-sics").feed(frame)] == [kind]


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"\n0001.25LB\r\n0p4\r\x03", ReadingKind.WEIGHT),  # third byte: net
        (b"\nS01\r\x03", ReadingKind.UNDERLOAD),
        (b"\nS40\r\x03", ReadingKind.ERROR),  # RAM error
        (b"\n^^^^^^^^^^lb\r\n000\r\x03", ReadingKind.OVERLOAD),  # Adam MDW 8.5 fill
        (b"\n__________lb\r\n000\r\x03", ReadingKind.UNDERLOAD),
        (b"\n01.234KG\r\nSZ0\r\x03", ReadingKind.ERROR),
    ],
)
def test_nci_status_bytes(frame: bytes, kind: ReadingKind) -> None:
    assert [r.kind for r in make_parser("nci").feed(frame)] == [kind]


def test_sma_tare_reply_is_an_acknowledgement_with_the_tare() -> None:
    (reading,) = make_parser("sma").feed(b"\n 1T       1.500kg \r")
    assert (reading.kind, reading.tare_g) == (ReadingKind.ACK, 1500)


def test_sma_dashes_without_a_status_mean_no_stable_weight_in_time() -> None:
    (reading,) = make_parser("sma").feed(b"\n 1G  ----------   \r")
    assert reading.kind is ReadingKind.ERROR


def test_8217_status_without_bit_6_is_malformed() -> None:
    assert make_parser("toledo-8217").feed(b"\x02?\x01\r")[0].kind is ReadingKind.ERROR


def test_8217_status_with_no_fault_is_an_acknowledgement_never_weight_zero() -> None:
    (reading,) = make_parser("toledo-8217").feed(b"\x02?@\r")
    assert (reading.kind, reading.grams) == (ReadingKind.ACK, None)


def test_keli_reply_is_not_read_with_the_a9_decimal_count_rule() -> None:
    assert weights(make_parser("xk3190-tf1").feed(frames.KELI_REPLY)) == []


def test_xk3190_refused_command_is_an_error() -> None:
    frame = b"\x02A\x04" + xk3190.nibbles(xk3190.xor(b"A\x04")) + b"\x03"
    assert make_parser("xk3190-tf1").feed(frame)[0].kind is ReadingKind.ERROR


def test_xk3190_tare_reply_carries_the_tare() -> None:
    payload = b"AC+0012503"
    frame = b"\x02" + payload + xk3190.nibbles(xk3190.xor(payload)) + b"\x03"
    (reading,) = make_parser("xk3190-tf1").feed(frame)
    assert (reading.kind, reading.tare_g) == (ReadingKind.ACK, 1250)


def test_a_forward_eq_frame_read_as_reversed_is_a_different_number() -> None:
    """The "=" formats cannot be told apart: the config must name the right one."""
    (reading,) = make_parser("xk3190-eq").feed(frames.EQF_3)
    assert reading.grams != 3000


def test_rinstrum_fmt2_blank_units_take_the_configured_unit() -> None:
    (reading,) = make_parser("rinstrum", unit="g").feed(b"\x02  12.345GM -   \x03")
    assert (reading.unit, reading.grams, reading.stable) == ("g", 12, False)


def test_sartorius_special_codes_are_not_weights() -> None:
    readings = make_parser("sartorius-sbi").feed(b"+        H    \r\n-        L    \r\n")
    assert [r.kind for r in readings] == [ReadingKind.OVERLOAD, ReadingKind.UNDERLOAD]


def test_cas_header_and_lamp_must_both_say_stable() -> None:
    (reading,) = make_parser("cas").feed(b"ST,GS,1\xa4,000013.5 kg\r\n")
    assert reading.stable is False


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (mt_sics.encode_weight_stable(), b"S\r\n"),
        (mt_sics.encode_weight_immediate(), b"SI\r\n"),
        (mt_sics.encode_weight_repeat(), b"SIR\r\n"),
        (mt_sics.encode_zero(), b"Z\r\n"),
        (mt_sics.encode_zero_immediate(), b"ZI\r\n"),
        (mt_sics.encode_tare(), b"T\r\n"),
        (mt_sics.encode_tare_read(), b"TA\r\n"),
        (mt_sics.encode_tare_clear(), b"TAC\r\n"),
        (mt_sics.encode_reset(), b"@\r\n"),
        (and_indicator.encode_request(), b"RW\r\n"),
        (and_indicator.encode_zero(), b"MZ\r\n"),
        (and_indicator.encode_tare(), b"MT\r\n"),
        (and_indicator.encode_clear_tare(), b"CT\r\n"),
        (toledo_8217.encode_weight(), b"W"),
        (sma.encode_weight(), b"\nW\r"),
        (sma.encode_tare_read(), b"\nM\r"),
        (nci.encode_weight(), b"W\r"),
        (xk3190.encode_request("B"), frames.TF1_REQUEST),
        (xk3190.encode_request("0"), frames.A22_ZERO_REQUEST),
    ],
)
def test_commands_are_byte_exact(command: bytes, expected: bytes) -> None:
    assert command == expected


def test_mt_sics_tare_preset_writes_value_and_unit() -> None:
    from decimal import Decimal

    assert mt_sics.encode_tare_preset(Decimal("2.486"), "g") == b"TA 2.486 g\r\n"


def test_xk3190_request_refuses_an_address_out_of_range() -> None:
    with pytest.raises(ValueError, match="address 27"):
        xk3190.encode_request("B", address=27)
