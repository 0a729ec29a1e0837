"""The small Batu day of ``web_world``, ready for the labels and distribution pages.

* Labels: Punten's apples carry a GTIN and its cooperative a GS1 company prefix, so lot
  ``LOT`` has a case label and its dispatch a pallet label with an SSCC; ``add_printer``
  points the hub at a ``tests/loopback_printer.py`` printer.
* Distribution: a partner's order for 20 kg of the apples at the hub and a staple delivery to
  Tulungrejo, both due today, entered through the page's forms; plans solve on a fixed
  iteration count and seed, never on time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from hub.api.time import hub_today
from hub.db.models import Grade
from hub.printing.domain import PrinterConfig
from hub.printing.service import PrintService
from hub.services.stock import register_catalog
from hub.services.unit_of_work import Gs1Identity, SqlAlchemyUnitOfWork

from .web_world import APEL, COOP, seed_today

GTIN: Final = "18995555000010"
"""A valid GTIN-14 under the company prefix below (the printing tests use it too)."""
COMPANY_PREFIX: Final = "8995555"
ITERATIONS: Final = 300
SEED: Final = 1


def seed_labels(engine: Engine) -> None:
    seed_today(engine)
    with engine.begin() as connection:
        connection.execute(update(Grade).where(Grade.code == APEL).values(gtin=GTIN))
    register_catalog(
        SqlAlchemyUnitOfWork(engine),
        at=datetime.now(UTC),
        gs1={COOP: Gs1Identity(company_prefix=COMPANY_PREFIX, extension_digit=0)},
    )


def add_printer(
    engine: Engine, name: str, *, port: int | None = None, spool: Path | None = None
) -> None:
    """A ZPL printer at 203 dpi: raw 9100 on loopback ``port``, or a spool directory."""
    backend, target = ("raw9100", f"127.0.0.1:{port}") if spool is None else ("spool", str(spool))
    config = PrinterConfig(name=name, backend=backend, target=target, format="zpl", dpi=203)
    PrintService(engine).add_printer(config, actor="test")


PARTNER_ORDER: Final = {
    "kind": "partner",
    "id": "SO-1",
    "partner": "DC-RETAIL-1",
    "partner_name": "Supermarket DC",
    "address": "Jl. Raya Karanglo 5, Malang",
    "product": "apel",
    "grade": "A",
    "quantity": "20",
    "unit": "kg",
    "priority": "2",
    "window_from": "05:00",
    "window_to": "12:00",
}
STAPLES: Final = {
    "kind": "staples",
    "id": "ST-1",
    "cooperative": "kdmp-tulungrejo",
    "staple": "rice",
    "quantity": "200",
    "window_from": "07:00",
    "window_to": "15:00",
}


def enter_orders(client: TestClient, csrf: str, *orders: dict[str, str]) -> None:
    """Enter orders due today through the page's order form."""
    for order in orders:
        data = {**order, "day": hub_today().isoformat(), "csrf_token": csrf}
        response = client.post("/distribution/orders", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text


def plan_today(client: TestClient, csrf: str, **more: object) -> str:
    """Plan today through the page's plan form, on iterations; returns the page's URL."""
    data = {
        "day": hub_today().isoformat(),
        "seconds": "",
        "iterations": str(ITERATIONS),
        "seed": str(SEED),
        "csrf_token": csrf,
        **more,
    }
    response = client.post("/distribution/plans", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location
