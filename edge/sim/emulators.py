"""The indicator's side of every scale protocol, for the simulator and for round-trip tests.

Pure code, like the parsers: ``frame(state)`` renders what the indicator would send for a
``ScaleState``, ``receive(data, state)`` takes bytes from the host and returns the reply.  The
simulator owns the port and the clock.  Every emulator speaks exactly the layout its parser in
``edge.drivers`` documents, so "the emulator's frame decodes to the state" is a test.

Rules all emulators keep:

* The display shows ``grams - tare_g`` (net once a tare is set), in kilograms with three
  decimals unless the format forces another unit.  Beyond ``max_g`` or below ``min_g`` (what
  the frame can show) the indicator reports over/under range, as a real one does.
* Zero takes the present load as the new zero point (``grams`` becomes 0); tare stores it as
  the tare (``tare_g = grams``); clear tare sets ``tare_g`` to 0.  Zero and tare are refused
  while the scale is in motion or over range, the way indicators refuse them.
* Host bytes may arrive split or several commands at once; each emulator buffers them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from edge.drivers import xk3190
from edge.drivers.base import UnknownProtocolError
from edge.drivers.framing import Framer

__all__ = ["EMULATORS", "EmulatorBase", "ScaleEmulator", "ScaleState", "emulator_for"]

_LINE_END = re.compile(rb"[\r\n]")
_MAX_COMMAND = 64


@dataclass
class ScaleState:
    """What is on the simulated scale right now."""

    grams: int = 0
    stable: bool = True
    overload: bool = False
    error: bool = False
    tare_g: int = 0

    @property
    def shown_g(self) -> int:
        """What the display shows: gross, or net once a tare is set."""
        return self.grams - self.tare_g


class ScaleEmulator(Protocol):
    continuous: bool

    def frame(self, state: ScaleState) -> bytes: ...

    def receive(self, data: bytes, state: ScaleState) -> bytes: ...


def zero(state: ScaleState) -> bool:
    """Zero the scale if it may be zeroed now; see the module rules."""
    if not state.stable or state.overload or state.error:
        return False
    state.grams = 0
    return True


def tare(state: ScaleState) -> bool:
    """Take the load as tare if the scale may tare now; see the module rules."""
    if not state.stable or state.overload or state.error:
        return False
    state.tare_g = state.grams
    return True


def clear_tare(state: ScaleState) -> bool:
    state.tare_g = 0
    return True


def kg(grams: int, width: int) -> str:
    """``abs(grams)`` in kilograms with three places (exact), zero-padded to ``width``."""
    whole, rest = divmod(abs(grams), 1000)
    return f"{whole}.{rest:03d}".rjust(width, "0")


# Single-letter commands several protocols share (Toledo continuous, 8217, SMA, NCI, Ohaus).
_LETTER_ACTIONS: dict[bytes, Callable[[ScaleState], bool]] = {
    b"Z": zero,
    b"T": tare,
    b"C": clear_tare,
}


def _act(
    actions: dict[bytes, Callable[[ScaleState], bool]], command: bytes, state: ScaleState
) -> None:
    """Perform ``command`` on the scale if it is one of ``actions``."""
    action = actions.get(command)
    if action is not None:
        action(state)


class _Lines:
    """Host commands cut at CR or LF (either works); half a command waits for the rest.

    A run longer than any command without a line end is noise and is dropped.
    """

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        *done, self._buf = _LINE_END.split(self._buf + data)
        if len(self._buf) > _MAX_COMMAND:
            self._buf = b""
        return [line for line in done if line]


def kg_signed(grams: int) -> str:
    """``grams`` in kilograms with three places and a ``-`` when negative, no padding."""
    return ("-" if grams < 0 else "") + kg(grams, 0)


class EmulatorBase(ABC):
    """What every emulator shares, and the capability flags the round-trip tests read."""

    continuous: bool = True
    # What the frame can show; beyond it the emulator sends over/under range.
    min_g: ClassVar[int] = -999_999
    max_g: ClassVar[int] = 999_999
    # Does the format carry the scale's stable flag (else the parser says ``None``)?
    has_stable_flag: ClassVar[bool] = True
    # Does it send a number while in motion (8217 and NCI send a status only)?
    weighs_in_motion: ClassVar[bool] = True
    # Does the frame say net or gross?
    shows_net: ClassVar[bool] = True

    def in_range(self, state: ScaleState) -> bool:
        return not state.overload and self.min_g <= state.shown_g <= self.max_g

    def over(self, state: ScaleState) -> bool:
        """Out of range on the high side (else the low side)."""
        return state.overload or state.shown_g > self.max_g

    @abstractmethod
    def frame(self, state: ScaleState) -> bytes:
        """One frame as the indicator sends it (for polled ones: the weight reply)."""

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        """Continuous-only indicators take no commands."""
        return b""


class AndIndicatorEmulator(EmulatorBase):
    """A&D AD-4406 style: streams 18-byte frames; answers RW/RT and performs MZ, MT, CT.

    In the error state it sends nothing: the format has no error frame.
    """

    def __init__(self) -> None:
        self._lines = _Lines()

    def frame(self, state: ScaleState) -> bytes:
        kind = "NT" if state.tare_g else "GS"
        if state.error:
            return b""
        if not self.in_range(state):
            sign = "+" if self.over(state) else "-"
            return f"OL,{kind},{sign}   .   kg\r\n".encode()
        sign = "-" if state.shown_g < 0 else "+"
        status = "ST" if state.stable else "US"
        return f"{status},{kind},{sign}{kg(state.shown_g, 7)}kg\r\n".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            command = line.decode("ascii", "replace")
            if command == "RW":
                reply += self.frame(state)
            elif command == "RT":
                reply += f"ST,TR,+{kg(state.tare_g, 7)}kg\r\n".encode()
            elif command in _AND_CONTROLS:
                done = _AND_CONTROLS[command](state)
                reply += line + b"\r\n" if done else b"I\r\n"
            else:
                reply += b"?\r\n"
        return reply


# A&D control commands (AD-4406 manual 13.3.2) and what they do to the scale.
_AND_CONTROLS: dict[str, Callable[[ScaleState], bool]] = {
    "MZ": zero,
    "MT": tare,
    "CT": clear_tare,
}


class CasEmulator(EmulatorBase):
    """CAS 22-byte stream with device ID 1 and a CI-400 style lamp byte (bit 5 set)."""

    max_g = 9_999_999

    def frame(self, state: ScaleState) -> bytes:
        if state.error:
            return b""
        kind = "NT" if state.tare_g else "GS"
        lamp = 0xA0 | (0x40 if state.stable else 0) | (0x02 if state.tare_g else 0x04)
        lamp |= 0x01 if state.shown_g == 0 else 0
        if not self.in_range(state):
            header, data = "OL", ("9999.999" if self.over(state) else "-999.999")
        else:
            header = "ST" if state.stable else "US"
            data = "-" + kg(state.shown_g, 7) if state.shown_g < 0 else kg(state.shown_g, 8)
        return f"{header},{kind},1".encode() + bytes([lamp]) + f",{data} kg\r\n".encode()


class MtSicsEmulator(EmulatorBase):
    """An MT-SICS level 0/1 balance: S, SI, SIR, Z, ZI, T, TA, TAC, @.

    ``SIR`` makes it stream (``continuous`` turns true) until the next command.
    """

    continuous = False
    shows_net = False

    def __init__(self) -> None:
        self._lines = _Lines()

    def frame(self, state: ScaleState) -> bytes:
        """The reply to ``SI`` (also what ``SIR`` streams)."""
        return self._weight(state, immediate=True)

    def _weight(self, state: ScaleState, *, immediate: bool) -> bytes:
        if state.error:
            return b"S I\r\n"
        if not self.in_range(state):
            return b"S +\r\n" if self.over(state) else b"S -\r\n"
        if not state.stable and not immediate:
            return b"S I\r\n"
        status = "S" if state.stable else "D"
        return f"S {status} {_sics_value(state.shown_g)}\r\n".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            command = line.decode("ascii", "replace")
            self.continuous = command == "SIR"
            reply += self._answer(command, state)
        return reply

    def _answer(self, command: str, state: ScaleState) -> bytes:
        if command in ("S", "SI", "SIR"):
            return self._weight(state, immediate=command != "S")
        if command == "Z":
            return b"Z A\r\n" if zero(state) else b"Z I\r\n"
        if command == "ZI":
            status = "S" if state.stable else "D"
            state.grams = 0
            return f"ZI {status}\r\n".encode()
        if command == "T":
            return f"T S {_sics_value(state.tare_g)}\r\n".encode() if tare(state) else b"T I\r\n"
        if command == "TA":
            return f"TA A {_sics_value(state.tare_g)}\r\n".encode()
        if command == "TAC":
            clear_tare(state)
            return b"TAC A\r\n"
        if command == "@":
            return b'I4 A "0123456789"\r\n'
        return b"ES\r\n"


def _sics_value(grams: int) -> str:
    """An MT-SICS value and unit: right-aligned in the 10-character field, then ``kg``."""
    return f"{kg_signed(grams):>10} kg"


class MtContinuousEmulator(EmulatorBase):
    """A Toledo continuous terminal: 3 decimals in kg, checksum on; takes P, Z, T, C."""

    def __init__(self) -> None:
        self._lines = _Lines()

    def frame(self, state: ScaleState) -> bytes:
        swb = 0x30 | (0x01 if state.tare_g else 0) | (0x08 if not state.stable else 0)
        shown = abs(state.shown_g)
        if state.shown_g < 0:
            swb |= 0x02
        if not self.in_range(state):
            swb = (swb | 0x04) & ~0x02 if self.over(state) else swb | 0x06
            shown = 0
        if state.error:
            swb |= 0x40
        body = bytes([0x02, 0x2D, swb, 0x20]) + f"{shown:06d}{state.tare_g:06d}\r".encode()
        return body + bytes([-sum(body) & 0x7F])

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            if line == b"P":
                reply += self.frame(state)
            else:
                _act(_LETTER_ACTIONS, line, state)
        return reply


class Toledo8217Emulator(EmulatorBase):
    """An 8217 retail scale in kg: ``WW.WWW`` up to 99.999 kg; W, Z, T, C."""

    continuous = False
    min_g = 0
    max_g = 99_999
    weighs_in_motion = False

    def frame(self, state: ScaleState) -> bytes:
        """The reply to ``W``."""
        status = self._status(state)
        if status & 0x0F:
            return b"\x02?" + bytes([status]) + b"\r"
        net = "N" if state.tare_g else ""
        return f"\x02{kg(state.shown_g, 6)}{net}\r".encode()

    def _status(self, state: ScaleState) -> int:
        status = 0x40 | (0x20 if state.tare_g else 0) | (0x10 if state.shown_g == 0 else 0)
        if state.error:
            return status | 0x08
        if not self.in_range(state):
            return status | (0x02 if self.over(state) else 0x04)
        return status | (0 if state.stable else 0x01)

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for command in data:
            if command == ord("W"):
                reply += self.frame(state)
            elif bytes([command]) in _LETTER_ACTIONS:
                _act(_LETTER_ACTIONS, bytes([command]), state)
                reply += b"\x02?" + bytes([self._status(state)]) + b"\r"
        return reply


class SmaEmulator(EmulatorBase):
    """An SMA scale: W, Z, T, C, M and R (repeat, which makes it stream)."""

    continuous = False

    def __init__(self) -> None:
        self._lines = _Lines()

    def frame(self, state: ScaleState) -> bytes:
        """The reply to ``W``."""
        return self._reply(state, state.shown_g, "N" if state.tare_g else "G")

    def _reply(self, state: ScaleState, grams: int, kind: str) -> bytes:
        motion = " " if state.stable else "M"
        if state.error or not self.in_range(state):
            status = "E" if state.error else ("O" if self.over(state) else "U")
            return f"\n{status}1{kind}{motion} {'-' * 10}kg \r".encode()
        status = "Z" if grams == 0 else " "
        return f"\n{status}1{kind}{motion} {kg_signed(grams):>10}kg \r".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            self.continuous = line == b"R"
            if line == b"M":
                reply += self._reply(state, state.tare_g, "T")
            elif line in (b"W", b"R") or line in _LETTER_ACTIONS:
                _act(_LETTER_ACTIONS, line, state)
                reply += self.frame(state)
            else:
                reply += b"\n?\r"
        return reply


class NciEmulator(EmulatorBase):
    """An NCI (SCP-02) scale in kg: ``00.000`` up to 99.999 kg; W, S, Z, T."""

    continuous = False
    min_g = 0
    max_g = 99_999
    weighs_in_motion = False

    def __init__(self) -> None:
        self._lines = _Lines()

    def _status(self, state: ScaleState) -> str:
        byte1 = 0x30 | (0x01 if not state.stable else 0) | (0x02 if state.shown_g == 0 else 0)
        byte1 |= 0x08 if state.error else 0
        byte2 = 0x30
        if not self.in_range(state):
            byte2 |= 0x02 if self.over(state) else 0x01
        if state.tare_g:
            return "S" + chr(byte1) + chr(byte2 | 0x40) + chr(0x34)
        return "S" + chr(byte1) + chr(byte2)

    def frame(self, state: ScaleState) -> bytes:
        """The reply to ``W``: a weight when stable and in range, else the status alone."""
        status = self._status(state)
        if state.error or not state.stable or not self.in_range(state):
            return f"\n{status}\r\x03".encode()
        return f"\n{kg(state.shown_g, 6)}KG\r\n{status}\r\x03".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            if line == b"W":
                reply += self.frame(state)
            elif line in (b"S", b"Z", b"T"):
                _act(_LETTER_ACTIONS, line, state)
                reply += f"\n{self._status(state)}\r\x03".encode()
            else:
                reply += b"\n?\r\x03"
        return reply


class OhausEmulator(EmulatorBase):
    """An Ohaus Defender 3000 in print mode: P (and IP) print a line; Z and T act silently.

    Over range and errors print nothing: the format documents no line for them.
    """

    continuous = False

    def __init__(self) -> None:
        self._lines = _Lines()

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        polarity = "-" if state.shown_g < 0 else " "
        mark = " " if state.stable else "?"
        legend = "N" if state.tare_g else "G"
        return f"{polarity} {kg(state.shown_g, 0):>7} kg   {mark}{legend}\r\n".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for line in self._lines.feed(data):
            if line in (b"P", b"IP"):
                reply += self.frame(state)
            else:
                _act(_LETTER_ACTIONS, line, state)
        return reply


class SartoriusEmulator(EmulatorBase):
    """A Sartorius balance in SBI mode: ESC P prints, ESC T/U tare, ESC V zero.

    It prints the 16-character line, or the 22-character line with the ``N`` ID code once a
    tare is set; the unit is blank while not stable.
    """

    continuous = False

    def __init__(self) -> None:
        self._buf = b""

    def frame(self, state: ScaleState) -> bytes:
        sign = "-" if state.shown_g < 0 else "+"
        if state.error or not self.in_range(state):
            code = "Err 101" if state.error else ("H" if self.over(state) else "L")
            line = f"{sign}{code:>9}    "
        else:
            unit = "kg " if state.stable else "   "
            line = f"{sign}{kg(state.shown_g, 0):>9} {unit}"
        prefix = "N     " if state.tare_g else ""
        return f"{prefix}{line}\r\n".encode()

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        self._buf += data
        reply = b""
        while (at := self._buf.find(b"\x1b")) >= 0 and len(self._buf) > at + 1:
            command, self._buf = self._buf[at + 1 : at + 2], self._buf[at + 2 :]
            if command == b"P":
                reply += self.frame(state)
            else:
                _act(_SBI_COMMANDS, command, state)
        # Keep a trailing ESC for the next call; anything else is line noise.
        self._buf = b"\x1b" if self._buf.endswith(b"\x1b") else b""
        return reply


_SBI_COMMANDS: dict[bytes, Callable[[ScaleState], bool]] = {
    b"T": tare,
    b"U": tare,
    b"V": zero,
}


class RinstrumEmulator(EmulatorBase):
    """A Rinstrum R320 streaming FMT_2 (units blanked while not stable)."""

    def frame(self, state: ScaleState) -> bytes:
        sign = "-" if state.shown_g < 0 else " "
        status = "N" if state.tare_g else "G"
        if state.error or not self.in_range(state):
            status = "E" if state.error else ("O" if self.over(state) else "U")
        motion = " " if state.stable else "M"
        centre = "Z" if state.shown_g == 0 else " "
        units = " kg" if state.stable else "   "
        shown = kg(state.shown_g, 0) if self.in_range(state) else "-------"
        return f"\x02{sign}{shown:>7}{status}{motion}{centre}-{units}\x03".encode()


class _FlaglessEmulator(EmulatorBase):
    """XK3190-style outputs: no stable flag, mostly no net flag, nothing sent over range."""

    has_stable_flag = False
    shows_net = False


class Tf0Emulator(_FlaglessEmulator):
    """XK3190-A9 ``tF=0``: 12-byte frames with 3 decimals and the XOR checksum."""

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        payload = f"{'-' if state.shown_g < 0 else '+'}{abs(state.shown_g):06d}3".encode()
        return b"\x02" + payload + xk3190.nibbles(xk3190.xor(payload)) + b"\x03"


class Tf1Emulator(_FlaglessEmulator):
    """XK3190-A9 ``tF=1`` at address 1: answers A, B (gross), C (tare), D (net); EOT else."""

    continuous = False
    embedded_point = False

    def __init__(self) -> None:
        self._framer = Framer(start=b"\x02", end=b"\x03")

    def frame(self, state: ScaleState) -> bytes:
        """The reply to ``B`` (gross)."""
        return self._answer(b"B", state)

    def _value(self, grams: int) -> str:
        sign = "-" if grams < 0 else "+"
        return sign + (kg(grams, 7) if self.embedded_point else f"{abs(grams):06d}3")

    def _answer(self, command: bytes, state: ScaleState) -> bytes:
        values = {b"B": state.grams, b"C": state.tare_g, b"D": state.shown_g}
        grams = values.get(command)
        if command == b"A":
            payload = b"AA"
        elif (
            grams is None or state.error or state.overload or not self.min_g <= grams <= self.max_g
        ):
            payload = b"A\x04"
        else:
            payload = b"A" + command + self._value(grams).encode()
        return b"\x02" + payload + xk3190.nibbles(xk3190.xor(payload)) + b"\x03"

    def receive(self, data: bytes, state: ScaleState) -> bytes:
        reply = b""
        for frame in self._framer.feed(data):
            body = frame.body
            if len(body) == 4 and body[:1] == b"A" and xk3190.checksum_ok(body[:2], body[2:]):
                reply += self._answer(body[1:2], state)
        return reply


class KeliEmulator(Tf1Emulator):
    """Keli XK3118K9: ``tF=1`` framing with the decimal point inside the value."""

    embedded_point = True


class EqEmulator(_FlaglessEmulator):
    """XK3190 ``=`` format, digits lowest first and the sign last (A26 format 1)."""

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        sign = "-" if state.shown_g < 0 else "0"
        return f"={kg(state.shown_g, 7)[::-1]}{sign}".encode()


class EqForwardEmulator(_FlaglessEmulator):
    """XK3190 ``=`` format, sign first and digits highest first (A26 format 2)."""

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        sign = "-" if state.shown_g < 0 else "0"
        return f"={sign}{kg(state.shown_g, 7)}".encode()


def _weight7(grams: int) -> str:
    """The 7-character A12 weight field: ``-`` in front of a negative weight."""
    return "-" + kg(grams, 6) if grams < 0 else kg(grams, 7)


class A12eEmulator(_FlaglessEmulator):
    """XK3190-A12E 15-byte ``W`` frames with the XOR checksum; OL/LO when over/under."""

    min_g = -99_999
    shows_net = True

    def frame(self, state: ScaleState) -> bytes:
        if state.error:
            return b""
        if not self.in_range(state):
            payload = (" " * 9 + ("OL" if self.over(state) else "LO")).encode()
        else:
            kind = "N" if state.tare_g else "G"
            payload = f"W{kind}{_weight7(state.shown_g)}kg".encode()
        return payload + xk3190.nibbles(xk3190.xor(payload)) + b"\r\n"


class WwEmulator(_FlaglessEmulator):
    """XK3190-A12 lower-case ``ww``/``wn`` lines."""

    min_g = -99_999
    shows_net = True

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        kind = "n" if state.tare_g else "w"
        return f"w{kind}{_weight7(state.shown_g)}kg\r\n".encode()


class GenericEmulator(_FlaglessEmulator):
    """Lines the ``generic`` parser's default pattern reads: ``12.345 kg``."""

    def frame(self, state: ScaleState) -> bytes:
        if state.error or not self.in_range(state):
            return b""
        return f"{kg_signed(state.shown_g)} kg\r\n".encode()


EMULATORS: dict[str, type[EmulatorBase]] = {
    "and": AndIndicatorEmulator,
    "cas": CasEmulator,
    "mt-sics": MtSicsEmulator,
    "mt-continuous": MtContinuousEmulator,
    "toledo-8217": Toledo8217Emulator,
    "sma": SmaEmulator,
    "nci": NciEmulator,
    "ohaus": OhausEmulator,
    "sartorius-sbi": SartoriusEmulator,
    "rinstrum": RinstrumEmulator,
    "xk3190-tf0": Tf0Emulator,
    "xk3190-tf1": Tf1Emulator,
    "keli-xk3118": KeliEmulator,
    "xk3190-eq": EqEmulator,
    "xk3190-eq-forward": EqForwardEmulator,
    "xk3190-a12e": A12eEmulator,
    "xk3190-ww": WwEmulator,
    "generic": GenericEmulator,
}


def emulator_for(name: str) -> ScaleEmulator:
    """A fresh emulator for protocol ``name``; unknown names list the known ones."""
    try:
        factory = EMULATORS[name]
    except KeyError:
        raise UnknownProtocolError(name, sorted(EMULATORS)) from None
    return factory()
