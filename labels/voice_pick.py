"""PTI Voice Pick Code: the four digits a warehouse picker speaks to confirm a case.

The code is a hash of what the case's GS1-128 carries, so it needs no allocation:

1. Plaintext = GTIN-14 + lot + (optional) pack date as YYMMDD, as ASCII, case-sensitive; no
   AIs, parentheses or spaces.
2. CRC-16/ARC of it: polynomial x^16 + x^15 + x^2 + 1 reflected (0xA001), initial value 0,
   no final XOR (the "CRC-16 ANSI" of the PTI / HarvestMark VoiceCode description).
3. Code = CRC mod 10000, four digits; printed as two small digits then two large ones, and
   pickers speak the large pair.

The GTIN is hashed as given and not validated: published examples use GTINs with wrong check
digits, and the code must still match what other printers produce for the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["VoicePickCode", "crc16_arc", "voice_pick_code"]


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16_arc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True, slots=True)
class VoicePickCode:
    code: str

    @property
    def small(self) -> str:
        """The first pair, printed small."""
        return self.code[:2]

    @property
    def large(self) -> str:
        """The last pair, printed large: what a picker says."""
        return self.code[2:]

    def __str__(self) -> str:
        return self.code


def voice_pick_code(gtin: str, lot: str, pack_date: date | None = None) -> VoicePickCode:
    """The PTI Voice Pick Code for a 14-digit GTIN, a lot and, if the label carries it, (13)."""
    plaintext = gtin + lot + (pack_date.strftime("%y%m%d") if pack_date else "")
    try:
        data = plaintext.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ValueError(f"voice pick plaintext {plaintext!r} is not ASCII") from exc
    return VoicePickCode(f"{crc16_arc(data) % 10_000:04d}")
