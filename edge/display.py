"""What the packer reads on the station screen, in Bahasa Indonesia (default) or English.

Every sentence comes from a message catalogue (``edge/locales/{id,en}.json``) by key, with
placeholders.  Weights are kilograms with the decimal comma Indonesians write (``12,345``).
``Screen`` is the state the agent keeps up to date; ``render_screen`` turns it into the words
and flags the display page shows, without I/O, so both languages are tested directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final

_LOCALES = Path(__file__).resolve().parent / "locales"
_GRAM_FIELDS: Final = {"net_g": "net", "min_g": "min"}

TONE: Final[dict[str, str]] = {
    "saved": "ok",
    "lot_closed": "ok",
    "voided": "warn",
    "too_light": "warn",
    "remove_load": "warn",
    "timed_out": "warn",
    "outbox_warning": "warn",
    "void_refused": "error",
    "unknown_crate_type": "error",
    "outbox_full": "error",
    "outbox_storage": "error",
    "scale_unplugged": "error",
    "scale_silent": "error",
}
"""How loudly each message is shown: ``ok`` green, ``warn`` amber, ``error`` red, else plain."""


@cache
def catalogue(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    return data


def kilograms(grams: int, language: str) -> str:
    text = f"{Decimal(grams) / 1000:.3f}"
    return text.replace(".", ",") if language == "id" else text


def render(language: str, key: str, values: dict[str, str | int]) -> str:
    """The sentence for ``key``; gram values (``*_g``) are shown as kilograms."""
    words = catalogue(language)
    shown: dict[str, str] = {}
    for name, value in values.items():
        if name in _GRAM_FIELDS and isinstance(value, int):
            shown[_GRAM_FIELDS[name]] = kilograms(value, language)
        elif name == "what":
            shown[name] = words.get(str(value), str(value))
        else:
            shown[name] = str(value)
    return words[key].format(**shown)


@dataclass(slots=True)
class Screen:
    """What the station screen shows, kept current by the agent."""

    language: str
    message: str = ""
    tone: str = "info"
    live_g: int | None = None
    stable: bool = False
    scale: str = "connecting"
    scans: list[tuple[str, str]] = field(default_factory=list)
    today_count: int = 0
    today_net_g: int = 0
    uplink_connected: bool = False
    backlog: int = 0
    clock_synced: bool = True
    outbox_fill_pct: int = 0

    def say(self, key: str, **values: str | int) -> str:
        self.message = render(self.language, key, values)
        self.tone = TONE.get(key, "info")
        return self.message


def render_screen(screen: Screen) -> dict[str, object]:
    """The words and flags of the display page, in the screen's language."""
    language = screen.language
    words = catalogue(language)
    notes: list[str] = []
    if not screen.clock_synced:
        notes.append(words["ui.clock_unsynced"])
    if screen.outbox_fill_pct >= 80:
        notes.append(render(language, "outbox_warning", {"pct": screen.outbox_fill_pct}))
    weight = (
        words["ui.no_reading"]
        if screen.live_g is None
        else f"{kilograms(screen.live_g, language)} kg"
    )
    return {
        "lang": language,
        "title": words["ui.title"],
        "weight": weight,
        "stable": screen.stable,
        "stability": words["ui.stable"] if screen.stable else words["ui.unstable"],
        "scanned_label": words["ui.scanned"],
        "scans": [f"{words.get(kind, kind)}: {code}" for kind, code in screen.scans]
        or [words["ui.nothing_scanned"]],
        "message": screen.message,
        "tone": screen.tone,
        "today": render(
            language, "ui.today", {"count": screen.today_count, "net_g": screen.today_net_g}
        ),
        "uplink": words["ui.uplink_online" if screen.uplink_connected else "ui.uplink_offline"],
        "uplink_ok": screen.uplink_connected,
        "backlog": render(language, "ui.backlog", {"count": screen.backlog}),
        "notes": notes,
    }
