"""The MQTT wire contract between packing stations and the hub: topics and payloads.

Both halves import this module and nothing else defines a topic or a payload.  It pulls in only
the standard library and pydantic, because a Raspberry Pi pays for every import.

Topics carry identity, ``lumbung/v1/{coop}/{station}/{kind}``:

==========  ===========  ======  ========  ==================================================
kind        direction    QoS     retained  payload
==========  ===========  ======  ========  ==================================================
weighing    station→hub  1       no        ``WeighingEvent`` (also voids and lot closes)
status      station→hub  1       yes       ``StationStatus``; the last will sets it offline
ack         hub→station  1       yes       ``HubAck``: highest contiguous ``seq`` committed
resend      hub→station  1       no        ``ResendRequest``: publish again from ``from_seq``
config      hub→station  1       yes       ``StationConfigUpdate``
==========  ===========  ======  ========  ==================================================

Rules:

1. ``event_id`` is unique forever: ``{station}-{boot}-{seq}``; ``seq`` is per station, starts at
   1 and never repeats, so the hub deduplicates on ``event_id`` and detects gaps on ``seq``.
2. Weights are integer grams.  The scale's own reading (``raw_weight`` as the decimal string it
   sent, ``raw_unit``) rides along for audit.
3. A Pi has no battery clock: ``station_time`` is the wall clock as the station saw it,
   ``clock_synced`` says whether NTP had set it, ``monotonic_ms`` is the time since boot.
4. Every payload carries ``schema``; the hub dead-letters versions it does not know.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION: Final = 1
TOPIC_ROOT: Final = "lumbung/v1"
IDENTIFIER_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""Coop and station ids: lower-case letters, digits and dashes, so they are safe in a topic."""

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class TopicKind(StrEnum):
    WEIGHING = "weighing"
    STATUS = "status"
    ACK = "ack"
    RESEND = "resend"
    CONFIG = "config"


class WireError(ValueError):
    """A topic or payload does not follow this contract."""


def topic(coop: str, station: str, kind: TopicKind) -> str:
    return f"{TOPIC_ROOT}/{coop}/{station}/{kind.value}"


def subscription(kind: TopicKind, *, shared_group: str | None = None) -> str:
    """The hub's wildcard filter for one kind; with ``shared_group`` an MQTT 5 shared one."""
    pattern = f"{TOPIC_ROOT}/+/+/{kind.value}"
    return f"$share/{shared_group}/{pattern}" if shared_group else pattern


_TOPIC_RE: Final = re.compile(
    rf"^{re.escape(TOPIC_ROOT)}/(?P<coop>[^/]+)/(?P<station>[^/]+)/(?P<kind>[^/]+)$"
)


def parse_topic(name: str) -> tuple[str, str, TopicKind]:
    """Split a topic into coop, station and kind, or raise ``WireError`` naming the topic."""
    match = _TOPIC_RE.match(name)
    if match is None:
        raise WireError(f"topic {name!r} is not {TOPIC_ROOT}/{{coop}}/{{station}}/{{kind}}")
    try:
        kind = TopicKind(match["kind"])
    except ValueError:
        raise WireError(f"topic {name!r} has unknown kind {match['kind']!r}") from None
    return match["coop"], match["station"], kind


def make_event_id(station: str, boot: int, seq: int) -> str:
    return f"{station}-{boot}-{seq}"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()


class EventType(StrEnum):
    WEIGHING = "weighing"
    VOID = "void"
    LOT_CLOSE = "lot_close"


class StationClock(BaseModel):
    """When something happened, as well as a Pi without a battery clock can say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    station_time: datetime
    clock_synced: bool
    monotonic_ms: Annotated[int, Field(ge=0)]
    boot: Annotated[int, Field(ge=0)]


class WeighingEvent(_Payload):
    """A station event: a captured weighing, a void of an earlier one, or a lot close."""

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=160)]
    seq: Annotated[int, Field(ge=1)]
    coop: Identifier
    station: Identifier
    type: EventType = EventType.WEIGHING
    clock: StationClock

    crate: Code | None = None
    member: Code | None = None
    product: Code | None = None
    gross_g: int | None = None
    tare_g: int | None = None
    net_g: int | None = None
    raw_weight: Annotated[str, StringConstraints(max_length=32)] | None = None
    raw_unit: Annotated[str, StringConstraints(max_length=8)] | None = None
    stable: bool | None = None
    driver: Annotated[str, StringConstraints(max_length=40)] | None = None

    voids_event_id: Annotated[str, StringConstraints(max_length=160)] | None = None
    voided_by: Code | None = None

    lot: Code | None = None
    lot_crates: list[Code] | None = None
    lot_net_g: int | None = None


class StationStatus(_Payload):
    """Retained liveness; the station's last will publishes ``online=False``."""

    coop: Identifier
    station: Identifier
    online: bool
    sent_at: datetime | None = None
    clock_synced: bool | None = None
    backlog: Annotated[int, Field(ge=0)] = 0
    oldest_unsent_s: Annotated[int, Field(ge=0)] | None = None
    last_seq: Annotated[int, Field(ge=0)] = 0
    scale: str | None = None
    scanner: str | None = None
    outbox_fill_pct: Annotated[int, Field(ge=0, le=100)] | None = None
    software: str | None = None
    config_result: str | None = None


class HubAck(_Payload):
    """The highest ``seq`` such that the hub has committed every event 1..seq of the station."""

    station: Identifier
    seq: Annotated[int, Field(ge=0)]


class ResendRequest(_Payload):
    station: Identifier
    from_seq: Annotated[int, Field(ge=1)]


class StationConfigUpdate(_Payload):
    """Settings the hub may change remotely: validated on the station like the config file."""

    workflow: dict[str, object] | None = None
    scale: dict[str, object] | None = None


PAYLOAD_FOR_KIND: Final[dict[TopicKind, type[_Payload]]] = {
    TopicKind.WEIGHING: WeighingEvent,
    TopicKind.STATUS: StationStatus,
    TopicKind.ACK: HubAck,
    TopicKind.RESEND: ResendRequest,
    TopicKind.CONFIG: StationConfigUpdate,
}


def json_schema() -> dict[str, object]:
    """JSON Schema of every payload, keyed by topic kind; ``docs/wire.schema.json`` holds it."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Lumbung MQTT wire contract",
        "description": f"Payloads on {TOPIC_ROOT}/{{coop}}/{{station}}/{{kind}}",
        "oneOf": [{"$ref": f"#/$defs/{kind.value}"} for kind in PAYLOAD_FOR_KIND],
        "$defs": {
            kind.value: model.model_json_schema(by_alias=True)
            for kind, model in PAYLOAD_FOR_KIND.items()
        },
    }
