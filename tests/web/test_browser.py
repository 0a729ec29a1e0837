"""End to end in a real headless Chromium (Playwright, sync API) against the hub served by
uvicorn, with its real MQTT ingest worker on a real Mosquitto: an operator signs in, sees the
dashboard, watches a weighing published by a station appear without reloading, traces a
crate, and switches the pages to English.  Each main page is photographed on the way (so a
page that cannot render fails here); with ``LUMBUNG_SCREENSHOTS=1`` the SQLite run keeps them
in ``docs/screenshots/``, otherwise they go to the test's temporary folder.

Chromium comes from Debian (``apt-get install -y chromium``); Playwright never downloads a
browser.  Without it the test skips, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine

from edge.wire import TopicKind, topic
from hub.auth.domain import Role
from hub.broker import MosquittoProcess
from hub.ingest import IngestWorker

from .conftest import PASSWORD, Hub, Server
from .web_world import COOP, STATION, seed_today, weighing_event

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = "apt-get install -y chromium && .venv/bin/pip install playwright"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = f"Chromium or Playwright is missing; run: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def page() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_page(viewport={"width": 1280, "height": 860}, locale="id-ID")
        context.set_default_timeout(15_000)
        yield context
        browser.close()


@pytest.fixture
def ingest(engine: Engine, broker: MosquittoProcess) -> Iterator[IngestWorker]:
    worker = IngestWorker(engine, broker.url, client_id=f"hub-e2e-{id(engine)}")
    worker.start()
    assert worker.subscribed.wait(10), "the ingest worker did not subscribe"
    yield worker
    worker.stop()


def publish_weighing(broker: MosquittoProcess, seq: int, crate: str, net_g: int) -> None:
    """Publish a weighing the way a station's uplink does: QoS 1 on its own topic."""
    event = weighing_event(seq, crate, net_g)
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"{STATION}-e2e",
        protocol=mqtt.MQTTv5,
    )
    host, port = broker.url.removeprefix("mqtt://").split(":")
    client.connect(host, int(port))
    client.loop_start()
    try:
        sent = client.publish(
            topic(COOP, STATION, TopicKind.WEIGHING), event.model_dump_json(by_alias=True), qos=1
        )
        sent.wait_for_publish(timeout=5)
    finally:
        client.loop_stop()
        client.disconnect()


def test_an_operator_signs_in_watches_a_weighing_arrive_traces_a_crate_and_switches_language(
    tmp_path: Path,
    hub: Hub,
    engine: Engine,
    broker: MosquittoProcess,
    ingest: IngestWorker,
    serve: Callable[[Any], Server],
    page: Any,
) -> None:
    seed_today(engine)
    hub.account(Role.ADMIN, "sari")
    base = serve(hub.app).url
    keep = os.environ.get("LUMBUNG_SCREENSHOTS") == "1" and engine.dialect.name == "sqlite"
    folder = SCREENSHOTS if keep else tmp_path

    def snap(name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 10_000

    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    snap("signin")
    page.fill("#username", "sari")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(base + "/")
    assert page.inner_text("h1") == "Dasbor"
    assert page.inner_text("#stations-online") == "1 / 2"
    assert page.locator("#weighings tbody tr").count() == 5
    snap("dashboard")

    page.evaluate("window.signedInPage = true")
    publish_weighing(broker, 6, "KRT-00042", 11_250)
    arrived = page.locator('#weighings tr[data-event-id="punten-1-1-6"]')
    arrived.wait_for(state="visible")
    assert "KRT-00042" in arrived.inner_text() and "11,250" in arrived.inner_text()
    assert page.evaluate("window.signedInPage") is True, "the page was reloaded"
    assert page.locator("#weighings tbody tr").count() == 6

    page.click("text=Telusur")
    page.fill("#code", "KRT-00002")
    page.press("#code", "Enter")
    page.wait_for_selector("#trace-result")
    assert "KRT-00002: krat" in page.inner_text("#trace-result")
    assert "Pak Wahyudi" in page.inner_text("#trace-result")
    page.fill("#code", "PNT-LOT-1")
    page.press("#code", "Enter")
    page.wait_for_selector("#trace-dispatches")
    snap("trace")

    for path, name in (("/stations", "stations"), ("/stock", "stock"), ("/audit", "audit")):
        page.goto(base + path)
        snap(name)
    page.goto(base + "/stations/new")
    page.fill("input[name=station]", "punten-2")
    page.fill("input[name=coop]", "kdmp-punten")
    page.fill("input[name=name]", "Stasiun Pengemasan Punten 2")
    page.fill("input[name=kecamatan]", "Bumiaji")
    page.select_option("select[name=protocol]", "xk3190-tf0")
    snap("station-new")
    page.click("#provision-submit")
    page.wait_for_selector("#broker-password")
    assert len(page.inner_text("#broker-password")) >= 32
    assert page.get_attribute("#download-bundle", "download") == "punten-2-lumbung.zip"
    snap("station-provisioned")

    page.goto(base + "/")
    page.select_option("#language", "en")
    page.wait_for_selector("text=Latest weighings")
    assert page.inner_text("h1") == "Dashboard"
    assert page.get_attribute("html", "lang") == "en"
    page.goto(base + "/trace?code=KRT-00042")
    assert "KRT-00042: crate" in page.inner_text("#trace-result")
    page.goto(base + "/")
    snap("dashboard-en")


def test_a_signed_out_browser_is_sent_back_to_sign_in(
    hub: Hub, serve: Callable[[Any], Server], page: Any
) -> None:
    hub.account(Role.VIEWER, "ratna")
    base = serve(hub.app).url
    page.goto(base + "/login")
    page.fill("#username", "ratna")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(base + "/")
    page.click("#sign-out")
    page.wait_for_url(lambda url: "/login" in url)
    page.goto(base + "/stations")
    assert "/login?next=%2Fstations" in page.url


def test_the_live_part_reloads_the_page_when_the_session_ends(
    hub: Hub, serve: Callable[[Any], Server], page: Any
) -> None:
    hub.account(Role.VIEWER, "ratna")
    base = serve(hub.app).url
    page.goto(base + "/login")
    page.fill("#username", "ratna")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(base + "/")
    ended = threading.Event()
    page.on("framenavigated", lambda frame: ended.set() if "/login" in frame.url else None)
    page.context.clear_cookies()
    page.wait_for_url(lambda url: "/login" in url)
    assert ended.is_set()
