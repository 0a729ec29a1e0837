"""What the hub accepts from a station, decided without I/O.

Rules:

1. A payload must parse as the wire contract's model for its topic kind and carry a schema
   version the hub knows; anything else is rejected with the reason.
2. Identity must agree three ways: the topic's coop and station, the payload's, and the station
   registry's.  A station cannot report for another.
3. The hub tells each station the highest ``seq`` up to which it holds every event
   (``contiguous_seq``); a hole that stays open longer than ``gap_grace_s`` is a gap, and the
   hub asks the station to resend from its start.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from edge.wire import (
    SCHEMA_VERSION,
    StationStatus,
    TopicKind,
    WeighingEvent,
    WireError,
    parse_topic,
)

UNREGISTERED = "is not registered at the hub"


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    event: WeighingEvent


@dataclass(frozen=True, slots=True)
class AcceptedStatus:
    status: StationStatus


@dataclass(frozen=True, slots=True)
class Ignored:
    """Nothing to store: an empty retained message clears a status, it reports nothing."""


Verdict = AcceptedEvent | AcceptedStatus | Rejected | Ignored


def judge(topic: str, payload: bytes, registry: Mapping[str, str]) -> Verdict:
    """Decide one message.  ``registry`` maps station id to its coop id."""
    try:
        coop, station, kind = parse_topic(topic)
    except WireError as exc:
        return Rejected(str(exc))
    if kind not in (TopicKind.WEIGHING, TopicKind.STATUS):
        return Rejected(f"stations do not publish {kind.value} messages")
    registered_coop = registry.get(station)
    if registered_coop is None:
        return Rejected(f"station {station!r} {UNREGISTERED}")
    if registered_coop != coop:
        return Rejected(f"station {station!r} belongs to coop {registered_coop!r}, not {coop!r}")
    if not payload and kind is TopicKind.STATUS:
        return Ignored()
    try:
        if kind is TopicKind.STATUS:
            status = StationStatus.model_validate_json(payload)
            identity: tuple[str, str] = (status.coop, status.station)
            verdict: Verdict = AcceptedStatus(status)
        else:
            event = WeighingEvent.model_validate_json(payload)
            identity = (event.coop, event.station)
            verdict = AcceptedEvent(event)
    except ValidationError as exc:
        version = _schema_version(payload)
        if version is not None and version != SCHEMA_VERSION:
            return Rejected(
                f"schema version {version!r} is not supported (hub knows {SCHEMA_VERSION})"
            )
        return Rejected(f"payload does not match the wire contract: {_summary(exc)}")
    if identity != (coop, station):
        return Rejected(
            f"payload says {identity[0]}/{identity[1]} but was published on {coop}/{station}"
        )
    return verdict


def _schema_version(payload: bytes) -> object:
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return document.get("schema") if isinstance(document, dict) else None


def _summary(exc: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()[:5]]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def advance_contiguous(current: int, stored_seqs: Iterable[int]) -> int:
    """Walk ``current`` forward over the stored seqs that follow it without a hole."""
    for seq in sorted(set(stored_seqs)):
        if seq <= current:
            continue
        if seq != current + 1:
            break
        current = seq
    return current


@dataclass(slots=True)
class GapTracker:
    """Notices holes in a station's seqs that outlive normal reordering."""

    gap_grace_s: float = 10.0
    _open_since: dict[str, float] = field(default_factory=dict)
    _asked_at: dict[str, float] = field(default_factory=dict)

    def observe(self, station: str, *, contiguous: int, highest: int, now_s: float) -> int | None:
        """Return the seq to ask a resend from, or None."""
        if highest <= contiguous:
            self._open_since.pop(station, None)
            return None
        since = self._open_since.setdefault(station, now_s)
        if now_s - since < self.gap_grace_s:
            return None
        if now_s - self._asked_at.get(station, -1e18) < self.gap_grace_s:
            return None
        self._asked_at[station] = now_s
        return contiguous + 1
