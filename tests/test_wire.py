"""The MQTT wire contract both halves import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.wire import (
    StationClock,
    TopicKind,
    WeighingEvent,
    WireError,
    json_schema,
    make_event_id,
    parse_topic,
    subscription,
    topic,
)

ROOT = Path(__file__).resolve().parent.parent


def event(**changes: object) -> WeighingEvent:
    fields: dict[str, object] = {
        "event_id": make_event_id("punten-1", 3, 17),
        "seq": 17,
        "coop": "kdmp-punten",
        "station": "punten-1",
        "clock": StationClock(
            station_time=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
            clock_synced=True,
            monotonic_ms=123_456,
            boot=3,
        ),
        "crate": "KRT-000123",
        "gross_g": 14_230,
        "tare_g": 1_800,
        "net_g": 12_430,
        "raw_weight": "14.23",
        "raw_unit": "kg",
        "stable": True,
        "driver": "and",
    }
    fields.update(changes)
    return WeighingEvent.model_validate(fields)


def test_topics_carry_coop_station_and_kind() -> None:
    name = topic("kdmp-punten", "punten-1", TopicKind.WEIGHING)
    assert name == "lumbung/v1/kdmp-punten/punten-1/weighing"
    assert parse_topic(name) == ("kdmp-punten", "punten-1", TopicKind.WEIGHING)
    assert subscription(TopicKind.STATUS) == "lumbung/v1/+/+/status"
    assert (
        subscription(TopicKind.WEIGHING, shared_group="hub") == "$share/hub/lumbung/v1/+/+/weighing"
    )


@pytest.mark.parametrize(
    "name", ["lumbung/v1/coop/station", "lumbung/v2/c/s/weighing", "lumbung/v1/c/s/bogus"]
)
def test_a_foreign_topic_is_refused_by_name(name: str) -> None:
    with pytest.raises(WireError, match=name.replace("+", r"\+")):
        parse_topic(name)


def test_an_event_survives_the_wire_byte_for_byte() -> None:
    original = event()
    payload = original.to_json()
    assert json.loads(payload)["schema"] == 1
    assert WeighingEvent.model_validate_json(payload) == original


def test_weights_are_integers_never_floats() -> None:
    with pytest.raises(ValidationError):
        event(net_g=12.43)


def test_unknown_fields_and_versions_are_refused() -> None:
    document = json.loads(event().to_json())
    with pytest.raises(ValidationError):
        WeighingEvent.model_validate({**document, "colour": "red"})
    with pytest.raises(ValidationError):
        WeighingEvent.model_validate({**document, "schema": 2})


def test_the_documented_json_schema_matches_the_code() -> None:
    committed = json.loads((ROOT / "docs" / "wire.schema.json").read_text())
    assert committed == json_schema()
