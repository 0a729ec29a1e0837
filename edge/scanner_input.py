"""Barcode scanner input, decoded without I/O: key events, serial bytes, AIM ids, GS1 strings.

What this module owns, and its rules:

* ``KeyboardDecoder`` turns evdev key events of a keyboard-wedge scanner into scans with one
  fixed keymap per device (US unless configured), never the OS layout.  A character is emitted
  on key down only (value 1); autorepeat (2) is ignored.  Shift is either Shift key; letters
  are upper case when Shift XOR Caps Lock; Caps Lock and Num Lock toggle on key down; keypad
  digits need Num Lock.  The suffix key (Enter or keypad Enter, or Tab) ends a scan.
* The GS1 group separator (GS, 0x1D) has no key.  It arrives as Ctrl + ``]`` (control
  characters are Ctrl + ``@ A-Z [ \\ ] ^ _``, the character value minus 0x40), or as Alt held
  while typing ``0029`` on the keypad.  Both are decoded.  Whether a scanner set to a German or
  French layout sends Ctrl with the key that types ``]`` there or with the US ``]`` position is
  not documented, so Ctrl + a key that gives no control character on the layout falls back to
  the US meaning of that key position.
* ``SerialScanFramer`` cuts serial/CDC-ACM scanner bytes at the configured suffix; with a CR
  suffix an LF right after it is dropped.
* ``split_aim`` recognises and strips an AIM symbology identifier (``]cm``) at the start.
* ``parse_gs1`` reads a GS1 element string (with or without identifier) into AI -> value with
  biip, and refuses rather than guesses: bad check digits and fields longer than their
  maximum are errors.

Sources: Linux UAPI ``input-event-codes.h`` (key codes); the xkb ``us``, ``de`` and ``fr``
symbol files (layouts; dead keys are taken as their spacing character); AIM identifiers from
the Zebra DS457 programming reference Appendix B, the Datalogic "AIM Code ID" table and biip's
symbology module; Datalogic Gryphon GD4100 guide Appendix F (control character emulation).

Exception tree::

    ScanError
    ├── ScannerSetupError   an unknown layout or suffix in the config
    └── GS1ParseError       a scan that is not a valid GS1 element string
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "AIM_SYMBOLOGIES",
    "LAYOUTS",
    "AimIdentifier",
    "GS1ParseError",
    "KeyboardDecoder",
    "ScanError",
    "ScannerSetupError",
    "SerialScanFramer",
    "parse_gs1",
    "split_aim",
]

GS = "\x1d"


class ScanError(Exception):
    """Base of every error raised by ``edge.scanner_input``."""


class ScannerSetupError(ScanError, ValueError):
    """The scanner configuration names a layout or suffix we do not have."""


class GS1ParseError(ScanError, ValueError):
    """The scanned data is not a valid GS1 element string."""


# --- AIM symbology identifiers ----------------------------------------------------------

# Code character -> symbology (Zebra DS457 Appendix B; Datalogic AIM Code ID table).
AIM_SYMBOLOGIES = {
    "A": "Code 39",
    "C": "Code 128",
    "E": "EAN/UPC",
    "F": "Codabar",
    "I": "Interleaved 2 of 5",
    "J": "DotCode",
    "L": "PDF417",
    "Q": "QR Code",
    "d": "Data Matrix",
    "e": "GS1 DataBar",
    "z": "Aztec",
}
# Identifiers whose data is GS1 (biip's symbology module): element strings, or a bare GTIN.
_GS1_ELEMENT_STRINGS = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
_GS1_GTINS = frozenset({"]E0", "]E3", "]E4", "]I1"})
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True, slots=True)
class AimIdentifier:
    """``]cm``: ``code`` says the symbology, ``modifier`` its options (``]C1`` is GS1-128)."""

    value: str

    @property
    def symbology(self) -> str:
        return AIM_SYMBOLOGIES.get(self.value[1], f"symbology {self.value[1]!r}")

    @property
    def gs1(self) -> bool:
        return self.value in _GS1_ELEMENT_STRINGS or self.value in _GS1_GTINS


def split_aim(data: str) -> tuple[AimIdentifier | None, str]:
    """The AIM identifier at the start of ``data`` (if any) and the data without it."""
    if _AIM.match(data):
        return AimIdentifier(data[:3]), data[3:]
    return None, data


def parse_gs1(data: str) -> dict[str, str]:
    """AI -> value for a GS1 scan; raises ``GS1ParseError`` saying what is wrong.

    A leading AIM identifier is stripped; a GTIN-only symbology (``]E0`` EAN-13, ``]E4``
    EAN-8, ``]I1`` ITF-14) becomes AI ``01``.  A leading GS (FNC1 sent as data) is dropped.
    """
    # biip ships with the labels extra; importing it here keeps key decoding free of it.
    from biip import ParseError
    from biip.gs1_messages import GS1Message
    from biip.gtin import Gtin

    aim, payload = split_aim(data)
    try:
        if aim is not None and aim.value in _GS1_GTINS:
            gtin = Gtin.parse(payload)
            return {"01": gtin.as_gtin_14()}
        message = GS1Message.parse(payload.lstrip(GS))
    except ParseError as exc:
        raise GS1ParseError(f"not a GS1 element string: {data!r}: {exc}") from exc
    values: dict[str, str] = {}
    for element in message.element_strings:
        problem = element.gtin_error or element.sscc_error or element.gln_error
        if problem:
            raise GS1ParseError(f"AI ({element.ai.ai}) in {data!r}: {problem}")
        values[element.ai.ai] = element.value
    return values


# --- keyboard wedge (evdev key events) ----------------------------------------------------

_KEY_UP, _KEY_DOWN = 0, 1
_SHIFT = frozenset({42, 54})  # left, right shift
_CTRL = frozenset({29, 97})  # left, right ctrl
_ALT = 56  # left alt (Alt + keypad digits)
_ALTGR = 100  # right alt
_CAPS_LOCK, _NUM_LOCK = 58, 69
_SUFFIXES = {"enter": frozenset({28, 96}), "tab": frozenset({15})}
# Keypad codes that type digits while Num Lock is on, and those that always type.
_KEYPAD_DIGITS = dict(
    zip((71, 72, 73, 75, 76, 77, 79, 80, 81, 82, 83), "789456123" + "0.", strict=True)
)
_KEYPAD_ALWAYS = {55: "*", 74: "-", 78: "+", 98: "/"}

_Keymap = dict[int, tuple[str, str, str]]


def _rows(*rows: tuple[int, str, str], altgr: dict[int, str] | None = None) -> _Keymap:
    """Build a keymap from runs of consecutive key codes: (first code, plain, shifted)."""
    keymap: _Keymap = {}
    for first, plain, shifted in rows:
        for offset, (low, high) in enumerate(zip(plain, shifted, strict=True)):
            keymap[first + offset] = (low, "" if high == " " else high, "")
    for code, char in (altgr or {}).items():
        low, high, _ = keymap.get(code, ("", "", ""))
        keymap[code] = (low, high, char)
    keymap[57] = (" ", " ", "")
    return keymap


# Key codes by US position (input-event-codes.h); characters per xkb symbols/{us,de,fr}.
LAYOUTS: dict[str, _Keymap] = {
    "us": _rows(
        (2, "1234567890-=", "!@#$%^&*()_+"),
        (16, "qwertyuiop[]", "QWERTYUIOP{}"),
        (30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
        (43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
    ),
    "de": _rows(
        (2, "1234567890ß´", '!"§$%&/()=?`'),
        (16, "qwertzuiopü+", "QWERTZUIOPÜ*"),
        (30, "asdfghjklöä^", "ASDFGHJKLÖÄ°"),
        (43, "#yxcvbnm,.-", "'YXCVBNM;:_"),
        (86, "<", ">"),
        altgr={
            3: "²",
            4: "³",
            8: "{",
            9: "[",
            10: "]",
            11: "}",
            12: "\\",
            16: "@",
            18: "€",
            27: "~",
            50: "µ",
            86: "|",
        },
    ),
    "fr": _rows(
        (2, "&é\"'(-è_çà)=", "1234567890°+"),
        (16, "azertyuiop^$", "AZERTYUIOP¨£"),
        (30, "qsdfghjklmù²", "QSDFGHJKLM% "),
        (43, "*wxcvbn,;:!", "µWXCVBN?./§"),
        (86, "<", ">"),
        altgr={
            3: "~",
            4: "#",
            5: "{",
            6: "[",
            7: "|",
            8: "`",
            9: "\\",
            10: "^",
            11: "@",
            12: "]",
            13: "}",
            18: "€",
            27: "¤",
        },
    ),
}


def _control(char: str) -> str | None:
    """Ctrl + this character: the control character, or None if it has none."""
    value = ord(char.upper()) if len(char) == 1 else 0
    return chr(value - 0x40) if 0x40 <= value <= 0x5F else None


class KeyboardDecoder:
    """Feed ``(code, value)`` of EV_KEY events; get each completed scan; see module rules."""

    def __init__(self, layout: str = "us", *, suffix: str = "enter", num_lock: bool = True) -> None:
        if layout not in LAYOUTS:
            raise ScannerSetupError(
                f"unknown keyboard layout {layout!r}; known: {', '.join(LAYOUTS)}"
            )
        if suffix not in _SUFFIXES:
            raise ScannerSetupError(
                f"unknown scan suffix {suffix!r}; known: {', '.join(_SUFFIXES)}"
            )
        self._keymap = LAYOUTS[layout]
        self._end = _SUFFIXES[suffix]
        self._held: set[int] = set()
        self._caps_lock = False
        self._num_lock = num_lock
        self._alt_digits = ""
        self._text: list[str] = []

    def feed(self, code: int, value: int) -> str | None:
        """One key event; returns the scan when this event ends one."""
        if value == _KEY_UP:
            self._held.discard(code)
            if code == _ALT and self._alt_digits:
                self._text.append(chr(int(self._alt_digits) % 256))
                self._alt_digits = ""
            return None
        if value != _KEY_DOWN:
            return None
        self._held.add(code)
        if code in self._end:
            scan, self._text = "".join(self._text), []
            return scan or None
        if code == _CAPS_LOCK:
            self._caps_lock = not self._caps_lock
        elif code == _NUM_LOCK:
            self._num_lock = not self._num_lock
        elif _ALT in self._held and code in _KEYPAD_DIGITS:
            self._alt_digits += _KEYPAD_DIGITS[code]
        else:
            char = self._char(code)
            if char:
                self._text.append(char)
        return None

    def feed_all(self, events: list[tuple[int, int]]) -> list[str]:
        """Every scan completed by a sequence of ``(code, value)`` events."""
        return [scan for code, value in events if (scan := self.feed(code, value))]

    def _char(self, code: int) -> str:
        if code in _KEYPAD_ALWAYS:
            return _KEYPAD_ALWAYS[code]
        if code in _KEYPAD_DIGITS:
            return _KEYPAD_DIGITS[code] if self._num_lock else ""
        plain, shifted, altgr = self._keymap.get(code, ("", "", ""))
        if _ALTGR in self._held:
            char = altgr
        elif bool(self._held & _SHIFT) != (
            self._caps_lock and plain.isalpha() and shifted == plain.upper()
        ):
            char = shifted
        else:
            char = plain
        if self._held & _CTRL:
            us_plain = LAYOUTS["us"].get(code, ("", "", ""))[0]
            return _control(char) or _control(us_plain) or ""
        return char


# --- serial / CDC-ACM scanners ------------------------------------------------------------


class SerialScanFramer:
    """Cuts scanner bytes at ``suffix``; see the module rules.  ``discarded`` counts overflow."""

    def __init__(self, suffix: bytes = b"\r", *, max_length: int = 4096) -> None:
        if not suffix:
            raise ScannerSetupError("a serial scanner needs a suffix to end each scan")
        self._suffix = suffix
        self._max_length = max_length
        self._buf = b""
        self.discarded = 0

    def feed(self, data: bytes) -> list[bytes]:
        *scans, self._buf = (self._buf + data).split(self._suffix)
        if len(self._buf) > self._max_length:
            self.discarded += len(self._buf)
            self._buf = b""
        return [scan for scan in map(self._without_lf, scans) if scan]

    def flush(self) -> bytes | None:
        """The pending bytes as a scan, for scanners without a suffix after an idle time."""
        scan, self._buf = self._without_lf(self._buf), b""
        return scan or None

    def _without_lf(self, scan: bytes) -> bytes:
        """With a CR suffix, the LF of a CR LF pair starts the next piece: drop it."""
        return scan[1:] if self._suffix == b"\r" and scan.startswith(b"\n") else scan
