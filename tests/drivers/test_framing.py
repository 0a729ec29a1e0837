"""The shared framer's rules, independent of any protocol."""

from __future__ import annotations

import pytest

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.framing import Frame, FramedParser, Framer


def test_lines_end_on_cr_lf_or_either_alone() -> None:
    framer = Framer(end=b"\r\n")
    assert [f.body for f in framer.feed(b"a\r\nb\rc\n")] == [b"a", b"b", b"c"]


def test_the_empty_piece_between_cr_and_lf_is_not_a_frame() -> None:
    assert Framer(end=b"\r\n").feed(b"\r\n\r\n") == []


def test_a_start_byte_frame_keeps_raw_body_and_tail_apart() -> None:
    framer = Framer(start=b"\x02", end=b"\r", tail=1)
    assert framer.feed(b"\x02abc\r%") == [Frame(b"\x02abc\r%", b"abc", b"%")]


def test_a_frame_waits_for_its_tail_byte() -> None:
    framer = Framer(start=b"\x02", end=b"\r", tail=1)
    assert framer.feed(b"\x02abc\r") == []
    assert framer.feed(b"%") == [Frame(b"\x02abc\r%", b"abc", b"%")]


def test_bytes_before_the_start_byte_are_counted_as_discarded() -> None:
    framer = Framer(start=b"\x02", end=b"\x03")
    assert [f.body for f in framer.feed(b"xyz\x02ok\x03")] == [b"ok"]
    assert framer.discarded == 3


def test_a_new_start_byte_abandons_a_half_frame() -> None:
    framer = Framer(start=b"\x02", end=b"\x03")
    assert [f.body for f in framer.feed(b"\x02hal\x02whole\x03")] == [b"whole"]
    assert framer.discarded == 4


def test_a_start_byte_inside_a_frame_is_data_when_restart_is_off() -> None:
    framer = Framer(start=b"\n", end=b"\x03", restart=False)
    assert [f.body for f in framer.feed(b"\nw\r\nS00\r\x03")] == [b"w\r\nS00\r"]


def test_fixed_length_frames_follow_each_other_without_terminator() -> None:
    framer = Framer(start=b"=", length=3)
    assert [f.body for f in framer.feed(b"=abc=def=gh")] == [b"abc", b"def"]
    assert [f.body for f in framer.feed(b"i")] == [b"ghi"]


def test_a_fixed_length_frame_cut_short_by_a_start_byte_is_dropped() -> None:
    framer = Framer(start=b"=", length=3)
    assert [f.body for f in framer.feed(b"=a=bcd")] == [b"bcd"]
    assert framer.discarded == 2


def test_the_buffer_is_capped() -> None:
    framer = Framer(end=b"\r\n", max_length=16)
    assert framer.feed(b"x" * 40) == []
    assert framer.discarded == 40
    assert [f.body for f in framer.feed(b"ok\r\n")] == [b"ok"]


@pytest.mark.parametrize("kwargs", [{"start": b"ab", "end": b"\r"}, {"end": b""}, {"length": 3}])
def test_a_framer_without_a_way_to_end_frames_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="frame"):
        Framer(**kwargs)  # type: ignore[arg-type]


def _echo(frame: Frame) -> Reading | None:
    return None if frame.body == b"skip" else Reading(ReadingKind.ACK, frame.raw)


def test_a_decoder_may_report_nothing_for_a_frame() -> None:
    parser = FramedParser(Framer(end=b"\r\n"), _echo)
    assert [r.raw for r in parser.feed(b"skip\r\nkeep\r\n")] == [b"keep\r"]


def test_high_bit_garbage_is_reported_once_as_a_line_settings_error() -> None:
    parser = FramedParser(Framer(start=b"\x02", end=b"\r"), _echo)
    readings = parser.feed(bytes([0x82, 0xB1, 0xB2, 0xB3, 0xB4, 0x8D]))
    assert [r.kind for r in readings] == [ReadingKind.ERROR]
    assert parser.feed(b"\xb1") == []
    assert parser.discarded == 7
