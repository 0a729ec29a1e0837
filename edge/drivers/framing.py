"""Finding whole frames in a noisy serial stream, shared by every scale protocol.

This module owns framing only; what a frame means is each protocol module's business (the
split dsmr_parser makes between its telegram buffer and its parsers).  A protocol describes
its frames with a few numbers and a ``Framer`` cuts the stream:

* ``start``: the byte a frame begins with (STX, LF, ``=``), or none for plain text lines.
* ``end``: the bytes any one of which ends a frame (CR, LF, ETX).  Lines end on CR *or* LF,
  so CR, CR LF and LF all work; the empty "line" between CR and LF is not a frame.
* ``tail``: bytes after the terminator that still belong to the frame (a checksum byte).
* ``length``: for frames that have a start byte but no terminator, the fixed body length.

Rules:

1. Bytes before a start byte are garbage: dropped and counted in ``discarded``.
2. With ``restart`` a start byte inside a half frame abandons that half frame (it was cut off
   when the port opened or a byte was lost) and a new frame begins there.  Protocols whose
   start byte may occur inside a frame (NCI starts with LF and carries CR LF inside) turn it off.
3. The buffer is capped at ``max_length`` bytes; a longer run without a terminator is dropped.
4. Dropped bytes with bit 7 set are counted apart: they are the signature of a 7-bit line with
   parity read at 8 data bits, which ``FramedParser`` reports once as an error reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from edge.drivers.base import Reading, ReadingKind

__all__ = ["Frame", "FramedParser", "Framer"]

# Rule 4 fires after this many dropped high-bit bytes, so one noise burst is not reported as a
# line-settings fault but a whole 7E1 frame read at 8N1 is (an 8217 weight reply has five).
_HIGH_BIT_REPORT = 4


class Frame(NamedTuple):
    """One frame: ``raw`` as received, ``body`` between start and terminator, ``tail`` after.

    For text lines ``raw`` ends at the first terminator byte: the LF of a CR LF pair is
    swallowed by the next search and never reported, so a CR-only device behaves the same.
    """

    raw: bytes
    body: bytes
    tail: bytes


class Framer:
    """Cuts a byte stream into frames; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        start: bytes = b"",
        end: bytes = b"",
        tail: int = 0,
        length: int | None = None,
        max_length: int = 128,
        restart: bool = True,
    ) -> None:
        if len(start) > 1:
            raise ValueError("a frame start is one byte")
        if not end and (length is None or not start):
            raise ValueError("a frame needs a terminator, or a start byte and a fixed length")
        self._start = start
        self._end = re.compile(b"[" + re.escape(end) + b"]") if end else None
        self._tail = tail
        self._length = length
        self._max_length = max_length
        self._restart = restart and bool(start)
        self._buf = b""
        self.discarded = 0
        self.high_bit_discarded = 0

    def _drop(self, data: bytes) -> None:
        self.discarded += len(data)
        self.high_bit_discarded += sum(1 for byte in data if byte & 0x80)

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf + data
        size = len(buf)
        frames: list[Frame] = []
        pos = 0
        while pos < size:
            if self._start:
                begin = buf.find(self._start, pos)
                if begin < 0:
                    self._drop(buf[pos:])
                    pos = size
                    break
                self._drop(buf[pos:begin])
                pos = begin
                body_from = begin + 1
            else:
                body_from = pos
            if self._end is None:
                assert self._length is not None
                stop = body_from + self._length
                again = self._restart_at(buf, body_from, min(stop, size))
                if again >= 0:
                    self._drop(buf[pos:again])
                    pos = again
                    continue
                if stop > size:
                    break
                frames.append(Frame(buf[pos:stop], buf[body_from:stop], b""))
                pos = stop
                continue
            match = self._end.search(buf, body_from)
            end_at = match.start() if match else size
            again = self._restart_at(buf, body_from, end_at)
            if again >= 0:
                self._drop(buf[pos:again])
                pos = again
                continue
            stop = end_at + 1 + self._tail
            if match is None or stop > size:
                break
            body = buf[body_from:end_at]
            if body or self._start:
                frames.append(Frame(buf[pos:stop], body, buf[end_at + 1 : stop]))
            pos = stop
        rest = buf[pos:]
        if len(rest) > self._max_length:
            self._drop(rest)
            rest = b""
        self._buf = rest
        return frames

    def _restart_at(self, buf: bytes, body_from: int, until: int) -> int:
        """Rule 2: where a new start byte cuts this half frame short, or -1."""
        return buf.find(self._start, body_from, until) if self._restart else -1


Decoder = Callable[[Frame], Reading | None]


class FramedParser:
    """A ``FrameParser`` made of a ``Framer`` and a function that decodes one frame.

    The decoder returns ``None`` for frames that carry nothing to report (an echoed command).
    """

    def __init__(self, framer: Framer, decode: Decoder) -> None:
        self._framer = framer
        self._decode = decode
        self._high_bit_reported = 0
        self.discarded = 0

    def feed(self, data: bytes) -> list[Reading]:
        readings: list[Reading] = []
        for frame in self._framer.feed(data):
            reading = self._decode(frame)
            if reading is not None:
                readings.append(reading)
        self.discarded = self._framer.discarded
        high_bit = self._framer.high_bit_discarded
        if high_bit - self._high_bit_reported >= _HIGH_BIT_REPORT:
            self._high_bit_reported = high_bit
            readings.append(
                Reading(
                    ReadingKind.ERROR,
                    b"",
                    detail=f"dropped {high_bit} bytes with bit 7 set: is the line 7 data bits "
                    "with parity being read as 8?",
                )
            )
        return readings
