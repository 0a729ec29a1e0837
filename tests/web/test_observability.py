"""``/metrics``, the probes, JSON logs and the settings' checks."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from hub.api.app import create_app
from hub.auth.domain import Role
from hub.broker import MosquittoProcess
from hub.db.models import DeadLetter
from hub.ingest import IngestWorker
from hub.web.logs import JsonFormatter
from hub.web.settings import SettingsError, WebSettings

from .conftest import Hub
from .web_world import seed_today

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)$")


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` → value, checking every line is a comment or a sample."""
    found = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


def test_metrics_count_what_ingest_stored_and_refused_stations_and_todays_weighings(
    hub: Hub,
) -> None:
    seed_today(hub.engine)
    with hub.engine.begin() as connection:
        connection.execute(
            insert(DeadLetter),
            {"received_at": datetime.now(UTC), "topic": "lumbung/v1/x/y/weighing",
             "reason": "unknown station", "payload": b"{}"},
        )  # fmt: skip
    viewer = {"Authorization": f"Bearer {hub.token(Role.VIEWER)}"}
    client = hub.client()
    client.get("/healthz")
    response = client.get("/metrics", headers=viewer)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = samples(response.text)
    assert found['lumbung_ingest_events_stored_total{type="weighing"}'] == 5
    assert found['lumbung_ingest_events_stored_total{type="lot_close"}'] == 1
    assert found["lumbung_ingest_dead_letters_total"] == 1
    assert found['lumbung_stations{state="online"}'] == 1
    assert found['lumbung_stations{state="offline"}'] == 1
    assert found['lumbung_station_backlog_events{station="punten-1"}'] == 2
    assert found["lumbung_weighings_today"] == 5
    assert found["lumbung_weighed_net_grams_today"] == 66_750
    assert found['lumbung_http_requests_total{method="GET",status="200"}'] >= 1
    assert found['lumbung_http_request_duration_seconds_bucket{le="+Inf"}'] >= 1
    assert "# TYPE lumbung_http_request_duration_seconds histogram" in response.text


def test_the_probes_answer_without_credentials(hub: Hub) -> None:
    client = hub.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/metrics").status_code == 401


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hub.web.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_request_is_one_json_log_line_naming_who_asked_and_never_the_query(
    hub: Hub, access_log: io.StringIO
) -> None:
    client, _csrf = hub.signed_in(Role.VIEWER)
    access_log.truncate(0)
    access_log.seek(0)
    client.get("/trace", params={"code": "KRT-SECRET-1"})
    line = json.loads(access_log.getvalue().splitlines()[-1])
    assert line["level"] == "info" and line["logger"] == "hub.web.access"
    assert line["http"]["method"] == "GET" and line["http"]["path"] == "/trace"
    assert line["http"]["status"] == 404 and line["http"]["user"].startswith("viewer-")
    assert "KRT-SECRET-1" not in access_log.getvalue()
    datetime.fromisoformat(line["time"])


def test_settings_name_every_bad_variable_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        WebSettings.from_env(
            {
                "LUMBUNG_BROKER_DIR": "/no/such/dir",
                "LUMBUNG_STATION_MQTT_URL": "http://hub",
                "LUMBUNG_COOKIE_SECURE": "maybe",
                "LUMBUNG_LOG_FORMAT": "xml",
                "LUMBUNG_BROKER_HUB_USER": "Hub User",
            }
        )
    lines = str(refused.value).splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "LUMBUNG_BROKER_DIR",
        "LUMBUNG_BROKER_HUB_USER",
        "LUMBUNG_STATION_MQTT_URL",
        "LUMBUNG_LOG_FORMAT",
        "LUMBUNG_COOKIE_SECURE",
    ]
    settings = WebSettings.from_env({"LUMBUNG_COOKIE_SECURE": "true", "LUMBUNG_LOG_FORMAT": "json"})
    assert settings.cookie_secure and settings.json_logs


def test_readiness_waits_for_the_ingest_worker_to_subscribe_and_drops_with_the_broker(
    engine: Engine, broker: MosquittoProcess
) -> None:
    """A hub that answers before its ingest subscribed would take stations' events that no
    session holds yet; a load balancer or the demo waits on ``/readyz`` instead."""
    worker = IngestWorker(engine, broker.url, client_id="hub-ready")
    client = TestClient(create_app(engine, WebSettings(), ingest_ready=lambda: worker.ready))
    waiting = client.get("/readyz")
    assert waiting.status_code == 503
    assert waiting.json()["reason"] == "ingest is not subscribed at the broker"
    worker.start()
    try:
        assert worker.subscribed.wait(10)
        assert client.get("/readyz").json() == {"status": "ready"}
        broker.kill()
        deadline = time.monotonic() + 10
        while client.get("/readyz").status_code != 503:
            assert time.monotonic() < deadline, "readiness did not drop with the broker"
            time.sleep(0.1)
    finally:
        worker.stop()
