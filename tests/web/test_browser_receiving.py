"""End to end in headless Chromium, with ``test_browser``'s fixtures: an operator signs in,
opens Receiving, lists two re-weighed crates, types the dispatch code into the field that has
the focus (as a keyboard-wedge scanner would) and presses Enter, and sees the shrinkage; then
reads a member's statement.  ``receiving.png`` and ``members.png`` are taken on the way (kept in
``docs/screenshots/`` with ``LUMBUNG_SCREENSHOTS=1`` on the SQLite run)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.auth.domain import Role

from .conftest import PASSWORD, Hub, Server
from .receiving_world import DISPATCH_2, seed_in_transit
from .test_browser import SCREENSHOTS, page  # noqa: F401 (the Chromium page fixture)
from .test_members import weighed_month

pytestmark = pytest.mark.slow


def test_an_operator_receives_a_dispatch_by_typing_its_code_and_pressing_enter(
    tmp_path: Path,
    hub: Hub,
    engine: Engine,
    serve: Callable[[Any], Server],
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    seed_in_transit(engine)
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

    page.click('header nav a[href="/receiving"]')
    page.wait_for_url(base + "/receiving")
    assert page.evaluate("document.activeElement.id") == "dispatch"
    assert page.locator(f'#in-transit tr[data-dispatch="{DISPATCH_2}"]').count() == 1
    page.fill("#crates", "KRT-00005 11,8\nKRT-00006\n10,75")
    page.focus("#dispatch")
    page.keyboard.type(DISPATCH_2)
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-1")
    assert page.inner_text("#shrinkage-1") == "0,450"
    crates = page.locator("#received-crates-1 tbody tr")
    assert crates.count() == 3
    assert "0,200" in crates.nth(0).inner_text() and "0,250" in crates.nth(1).inner_text()
    assert page.locator("#in-transit").count() == 0
    assert page.evaluate("document.activeElement.id") == "dispatch"
    snap("receiving")

    page.click('header nav a[href="/members"]')
    page.wait_for_url(base + "/members")
    page.select_option("#member", "AGT-001")
    page.fill("#month", weighed_month())
    page.click("#member-submit")
    page.wait_for_selector("#statement-result")
    assert page.inner_text("#statement-net") == "62,750"
    assert page.get_attribute("#statement-csv", "href").startswith(
        "/api/v1/members/AGT-001/statement?"
    )
    snap("members")
