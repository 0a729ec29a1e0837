"""Hostile input at the hub's front door and in the station's config: rejected, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import ConfigError, load_config
from edge.wire import TopicKind, topic
from hub.domain.ingest import AcceptedEvent, Rejected, judge

REGISTRY = {"punten-1": "kdmp-punten"}
TOPIC = "lumbung/v1/kdmp-punten/punten-1/weighing"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=2048))
def test_random_bytes_are_rejected_with_a_reason(payload: bytes) -> None:
    verdict = judge(TOPIC, payload, REGISTRY)
    assert isinstance(verdict, Rejected) and verdict.reason


@settings(max_examples=200, deadline=None)
@given(document=json_values)
def test_random_json_is_rejected_with_a_reason(document: object) -> None:
    import json

    verdict = judge(TOPIC, json.dumps(document).encode(), REGISTRY)
    assert isinstance(verdict, Rejected)


@settings(max_examples=100, deadline=None)
@given(name=st.text(max_size=80))
def test_random_topics_are_rejected(name: str) -> None:
    verdict = judge(name, b"{}", REGISTRY)
    assert isinstance(verdict, Rejected)


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xed\xa0\x80\xff" * 1000,
        b'{"schema":1,"event_id":"x\\u0000y"}',
        b'{"schema":1,"event_id":"1\'; DROP TABLE station_events; --","seq":1}',
        b"9" * 100_000,
    ],
    ids=["deep-array", "deep-object", "invalid-utf8", "nul", "sql-looking", "huge-number"],
)
def test_pathological_payloads_are_rejected_not_crashed(payload: bytes) -> None:
    verdict = judge(TOPIC, payload, REGISTRY)
    assert isinstance(verdict, Rejected)


def test_sql_looking_codes_are_stored_as_plain_text() -> None:
    from datetime import UTC, datetime

    from edge.wire import StationClock, WeighingEvent

    crate = "KRT-1'); DROP TABLE station_events; --"
    event = WeighingEvent(
        event_id="punten-1-1-1",
        seq=1,
        coop="kdmp-punten",
        station="punten-1",
        clock=StationClock(
            station_time=datetime.now(UTC), clock_synced=True, monotonic_ms=1, boot=1
        ),
        crate=crate,
        gross_g=1,
        tare_g=0,
        net_g=1,
    )
    verdict = judge(topic("kdmp-punten", "punten-1", TopicKind.WEIGHING), event.to_json(), REGISTRY)
    assert isinstance(verdict, AcceptedEvent) and verdict.event.crate == crate


def test_a_config_with_every_field_wrong_reports_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        """
[station]
id = "Punten Satu"
coop = 7
name = ""
language = "jv"

[scale]
port = ""
protocol = "acme"
baudrate = 12345
unit = "stone"
poll_ms = 1

[scanner]
kind = "bluetooth"
device = ""
suffix = "beep"

[workflow]
require = ["crate", "crate", "goat"]
min_net_g = -1
timeout_s = 1

[mqtt]
url = "http://hub"
inflight = 0

[outbox]
path = ""
capacity_events = 10
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    fields = {problem.field for problem in caught.value.problems}
    assert {
        "station.id", "station.coop", "station.name", "station.language",
        "scale.port", "scale.protocol", "scale.baudrate", "scale.unit", "scale.poll_ms",
        "scanner.kind", "scanner.device", "scanner.suffix",
        "workflow.min_net_g", "workflow.timeout_s",
        "mqtt.url", "mqtt.inflight", "outbox.path", "outbox.capacity_events",
    } <= fields  # fmt: skip
    assert any(field.startswith("workflow.require") for field in fields)
    assert all(problem.line > 1 for problem in caught.value.problems)
