"""End to end in headless Chromium, with ``test_browser``'s fixtures: an operator signs in,
ticks a lot on the Labels page, previews its label, prints it to a raw-port printer on
loopback (the hub's print worker running on its thread, as ``lumbung hub serve`` runs it) and
watches the queue say it printed; then enters an order on the Distribution page, plans the day
and sees its trip, approves it, sends it off, and confirms the stop with less than was loaded
(refused without a reason, then accepted with one: the order reads partly delivered).
``labels.png``, ``distribution.png`` and ``distribution-handover.png`` are taken on the way
(kept in ``docs/screenshots/`` with ``LUMBUNG_SCREENSHOTS=1`` on the SQLite run)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_printer import LoopbackPrinter
from sqlalchemy import Engine

from hub.auth.domain import Role
from hub.printing.service import PrintService
from hub.printing.worker import PrintWorker

from .conftest import PASSWORD, Hub, Server
from .operations_world import ITERATIONS, add_printer, seed_labels
from .test_browser import SCREENSHOTS, page  # noqa: F401 (the Chromium page fixture)
from .web_world import LOT

pytestmark = pytest.mark.slow


@pytest.fixture
def printer() -> Iterator[LoopbackPrinter]:
    server = LoopbackPrinter()
    yield server
    server.stop()


@pytest.fixture
def print_worker(engine: Engine) -> Iterator[PrintWorker]:
    worker = PrintWorker(PrintService(engine), poll_s=0.2)
    worker.start()
    yield worker
    worker.stop()


def test_an_operator_prints_a_lots_label_then_plans_the_day_and_sees_its_trip(
    tmp_path: Path,
    hub: Hub,
    engine: Engine,
    printer: LoopbackPrinter,
    print_worker: PrintWorker,
    serve: Callable[[Any], Server],
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    seed_labels(engine)
    add_printer(engine, "zebra-gudang", port=printer.port)
    hub.account(Role.OPERATOR, "dewi")
    base = serve(hub.app).url
    keep = os.environ.get("LUMBUNG_SCREENSHOTS") == "1" and engine.dialect.name == "sqlite"
    folder = SCREENSHOTS if keep else tmp_path

    def snap(name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 10_000

    page.goto(base + "/login")
    page.fill("#username", "dewi")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(base + "/")

    page.click('header nav a[href="/labels"]')
    page.wait_for_url(base + "/labels")
    page.check(f'#recent-lots input[value="lot:{LOT}"]')
    page.click("#preview-submit")
    preview = page.locator(f'#previews figure[data-label="lot:{LOT}"] img')
    preview.wait_for(state="visible")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 300", arg=preview.element_handle()
    )
    page.select_option("#printer", "zebra-gudang")
    page.fill("#copies", "1")
    page.click("#print-submit")
    page.wait_for_url(lambda url: "queued=1" in url)
    assert "#1" in page.inner_text("#labels-notice")
    page.locator('#print-jobs tr[data-job-id="1"][data-status="printed"]').wait_for()
    assert "tercetak" in page.inner_text('#print-jobs tr[data-job-id="1"]')
    (zpl,) = printer.received(1)
    assert zpl.startswith(b"^XA") and LOT.encode() in zpl
    snap("labels")

    page.click('header nav a[href="/distribution"]')
    page.wait_for_url(base + "/distribution")
    page.click("#add-order summary")
    form = page.locator("#partner-order-form")
    form.locator('input[name="id"]').fill("SO-1")
    form.locator('input[name="partner"]').fill("DC-RETAIL-1")
    form.locator('input[name="partner_name"]').fill("Supermarket DC")
    form.locator('input[name="address"]').fill("Jl. Raya Karanglo 5, Malang")
    form.locator('select[name="product"]').select_option("apel")
    form.locator('input[name="quantity"]').fill("20")
    form.locator('input[name="window_from"]').fill("05:00")
    form.locator('input[name="window_to"]').fill("12:00")
    page.click("#partner-order-submit")
    page.locator('#orders tr[data-order="SO-1"]').wait_for()

    page.fill("#plan-seconds", "")
    page.click("#plan-form details summary")
    page.fill("#plan-iterations", str(ITERATIONS))
    page.click("#plan-submit")
    page.locator("#trip-1").wait_for()
    assert page.locator('#trip-1-stops tr[data-place="DC-RETAIL-1"]').count() == 1
    assert "Supermarket DC" in page.inner_text("#trip-1-stops")
    page.click("#approve-submit")
    page.locator('#trip-1[data-status="planned"]').wait_for()
    assert LOT in page.inner_text("#trip-1-picks")
    assert page.locator("#trip-1-depart").is_visible()
    assert page.evaluate("document.getElementById('trip-1-map').naturalWidth") > 300
    snap("distribution")

    page.click("#trip-1-depart")
    page.locator('#trip-1[data-status="departed"]').wait_for()
    handover = page.locator('#trip-1 form.handover:has(tr[data-order="SO-1"])')
    line = handover.locator('tr[data-order="SO-1"]')
    line.locator('input[name="delivered"]').fill("15,5")
    handover.locator('button[id$="-submit"]').click()
    assert "SO-1" in page.inner_text("#distribution-error"), "a short line needs a reason"
    line = page.locator('#trip-1 form.handover tr[data-order="SO-1"]')
    assert line.locator('input[name="delivered"]').input_value() == "15,5"
    snap("distribution-handover")
    line.locator('input[name="reason"]').fill("dua peti memar")
    page.locator('#trip-1 form.handover button[id$="-submit"]').click()
    page.locator('#orders tr[data-order="SO-1"][data-status="partly_delivered"]').wait_for()
    assert "terkirim sebagian" in page.inner_text('#orders tr[data-order="SO-1"]')
