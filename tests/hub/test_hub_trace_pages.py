"""A trace naming more crates than one page, on SQLite and PostgreSQL: the summaries are whole
on every page, and the pages together hold every weighing, and every receipt line, exactly once.

The world: two lots (130 and 120 crates) of one station on one dispatch, weighed by three
registered members and one the hub does not know, in threes that share a time (so the (time, id)
order is tested where times tie), five crates of each lot voided after it closed, received at
the hub in two receipts with some crates re-weighed lighter.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hub_world import APEL_A, APEL_B, T0, Script, setup_world, store
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.api.schemas import TraceOut, trace_json
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.domain.trace import PAGE, Trace
from hub.services.projection import project_pending
from hub.services.stock import ReweighedCrate, dispatch, receive
from hub.services.trace import trace_code
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

LOTS = {"BTU-2611-A1": 130, "BTU-2611-B1": 120}
MEMBERS = ("AGT-001", "AGT-002", "AGT-003", "AGT-999")
VOIDED = 5


@dataclass(frozen=True)
class Pallet:
    uow: SqlAlchemyUnitOfWork
    dispatch_code: str
    sscc: str
    live_net_g: int
    crates: int
    weighings: int
    net_by_member: dict[str | None, int]


@pytest.fixture
def pallet(engine: Engine) -> Pallet:
    uow = setup_world(engine)
    script = Script()
    net_by_member: Counter[str | None] = Counter()
    live = 0
    wrong = []
    for lot, count in LOTS.items():
        crates = [f"KRT-{lot[-2:]}-{n:03d}" for n in range(count)]
        moment = script.at
        for n, crate in enumerate(crates):
            if n % 3 == 0:
                moment += timedelta(minutes=1)
            script.at = moment
            member = MEMBERS[n % len(MEMBERS)]
            net = 8_000 + (n * 37) % 5_000
            weighed = script.weigh(
                crate, net, member=member, product=APEL_A if lot.endswith("A1") else APEL_B
            )
            if n < VOIDED:
                wrong.append(weighed)
            else:
                net_by_member[member] += net
                live += net
        script.close_lot(lot, crates, 0)
    for weighed in wrong:
        script.void(weighed)
    store(engine, script.events)
    project_pending(uow)
    sent = dispatch(uow, lots=list(LOTS), departed_at=T0 + timedelta(hours=5), operator="budi")
    first = [ReweighedCrate(f"KRT-A1-{n:03d}", 7_000) for n in range(10, 70, 2)]
    receive(uow, received_at=T0 + timedelta(hours=7), operator="sari", crates=first)
    receive(uow, dispatch_code=sent.code, received_at=T0 + timedelta(hours=8), operator="sari")
    assert sent.sscc is not None
    total = sum(LOTS.values())
    return Pallet(
        uow, sent.code, sent.sscc, live, total - VOIDED * len(LOTS), total, dict(net_by_member)
    )


def pages(uow: SqlAlchemyUnitOfWork, code: str, limit: int) -> Iterator[Trace]:
    after = None
    while True:
        page = trace_code(uow, code, weighings_after=after, limit=limit)
        yield page
        if page.backward.next_after is None:
            return
        after = page.backward.next_after


def summary(t: Trace) -> dict[str, Any]:
    """All of a trace's JSON that does not depend on the page."""
    document = json.loads(trace_json(t))
    backward = {k: v for k, v in document["backward"].items() if k not in ("weighings", "page")}
    receipts = [
        {k: v for k, v in r.items() if k != "lines"} for r in document["forward"]["receipts"]
    ]
    return {"backward": backward, "forward": {**document["forward"], "receipts": receipts}}


@pytest.mark.parametrize("kind", ["dispatch", "sscc"])
def test_the_pages_of_a_pallet_hold_every_weighing_once_and_add_up_to_its_totals(
    pallet: Pallet, kind: str
) -> None:
    code = pallet.dispatch_code if kind == "dispatch" else pallet.sscc
    found = list(pages(pallet.uow, code, limit=40))
    assert len(found) == -(-pallet.weighings // 40) > 1
    weighings = [w for page in found for w in page.backward.weighings]
    assert len(weighings) == len({w.id for w in weighings}) == pallet.weighings
    assert weighings == sorted(weighings, key=lambda w: (w.weighed_at, w.id))
    assert len({w.weighed_at for w in weighings}) < len(weighings), "times tie across pages"
    whole = trace_code(pallet.uow, code)
    assert whole.backward.next_after is None
    assert [w.id for w in whole.backward.weighings] == [w.id for w in weighings]

    first = found[0].backward
    live = [w for w in weighings if w.voided_by_event_id is None]
    assert (first.total.weighings, first.total.crates) == (pallet.weighings, pallet.crates)
    assert first.total.net_g == sum(w.net_g for w in live) == pallet.live_net_g
    by_member = {t.member: t.tally.net_g for t in first.by_member}
    assert by_member == pallet.net_by_member
    assert sum(t.tally.weighings for t in first.by_product) == pallet.weighings
    assert {s: t.crates for s, t in first.by_station.items()} == {"punten-1": pallet.crates}
    assert first.member_ids == sorted(MEMBERS)
    assert [m.id for m in first.members] == sorted(MEMBERS[:3]), "AGT-999 is not registered"
    assert all(summary(page) == summary(whole) for page in found)

    lines = [(r.id, line) for page in found for r in page.forward.receipts for line in r.lines]
    assert sorted(line.weighing_id for _, line in lines) == sorted(w.id for w in live)
    for page in found:
        on_page = {w.id for w in page.backward.weighings}
        assert {line.weighing_id for r in page.forward.receipts for line in r.lines} <= on_page
    totals = found[0].forward.receipt_totals
    assert len(totals) == 2 and sum(t.crates for t in totals.values()) == pallet.crates
    for receipt, tally in totals.items():
        mine = [line for r, line in lines if r == receipt]
        assert tally.crates == len(mine)
        assert tally.village_net_g == sum(line.village_net_g for line in mine)
        assert tally.hub_net_g == sum(line.hub_net_g for line in mine)
        assert tally.shrinkage_g == sum(line.shrinkage_g for line in mine)
    assert sum(t.shrinkage_g for t in totals.values()) > 0


def test_a_lot_that_fits_one_page_is_whole_on_it(pallet: Pallet) -> None:
    page = trace_code(pallet.uow, "BTU-2611-B1", limit=PAGE)
    assert page.backward.next_after is None
    assert len(page.backward.weighings) == page.backward.total.weighings == 120
    assert page.backward.total.crates == 120 - VOIDED
    assert summary(page) == summary(trace_code(pallet.uow, "BTU-2611-B1"))
    assert sum(len(r.lines) for r in page.forward.receipts) == 120 - VOIDED


def test_a_crate_is_one_weighing_on_one_page(pallet: Pallet) -> None:
    page = trace_code(pallet.uow, "KRT-A1-010", limit=1)
    (weighing,) = page.backward.weighings
    assert page.backward.next_after is None and page.backward.total.crates == 1
    (receipt,) = page.forward.receipts
    assert [line.hub_net_g for line in receipt.lines] == [7_000]
    after = trace_code(pallet.uow, "KRT-A1-010", weighings_after=weighing.id, limit=1)
    assert after.backward.weighings == [] and after.backward.total.net_g == weighing.net_g
    assert after.forward.receipt_totals == page.forward.receipt_totals


@pytest.fixture
def client(engine: Engine, pallet: Pallet) -> Iterator[TestClient]:
    token, _ = AuthStore(engine).create_token(name="sari", role=Role.VIEWER, actor="test")
    with TestClient(create_app(engine), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_the_api_pages_a_pallet_with_weighings_after_until_next_after_is_null(
    client: TestClient, pallet: Pallet
) -> None:
    path = f"/api/v1/trace/{quote(pallet.sscc, safe='')}"
    first = client.get(path)
    assert first.status_code == 200, first.text
    body = first.json()
    assert TraceOut.model_validate(body).model_dump(mode="json") == body, "the documented shape"
    assert body["backward"]["page"] == {
        "limit": PAGE,
        "after": None,
        "next_after": body["backward"]["weighings"][-1]["id"],
        "weighings": PAGE,
    }
    totals = body["backward"]["totals"]
    assert totals == {
        "weighings": pallet.weighings,
        "crates": pallet.crates,
        "voided": VOIDED * len(LOTS),
        "net_g": pallet.live_net_g,
        "net_kg": f"{pallet.live_net_g / 1000:.3f}",
    }
    ids = [w["id"] for w in body["backward"]["weighings"]]
    lines = [line for r in body["forward"]["receipts"] for line in r["lines"]]
    after = body["backward"]["page"]["next_after"]
    while after is not None:
        page = client.get(path, params={"weighings_after": after, "limit": 17}).json()
        assert page["backward"]["totals"] == totals
        assert page["backward"]["page"]["limit"] == 17
        ids += [w["id"] for w in page["backward"]["weighings"]]
        lines += [line for r in page["forward"]["receipts"] for line in r["lines"]]
        after = page["backward"]["page"]["next_after"]
    assert len(ids) == len(set(ids)) == pallet.weighings
    assert len(lines) == len({line["weighing_id"] for line in lines}) == pallet.crates
    receipts = body["forward"]["receipts"]
    assert sum(r["crates"] for r in receipts) == pallet.crates
    assert sum(r["shrinkage_g"] for r in receipts) == sum(line["shrinkage_g"] for line in lines)


def test_a_page_after_a_weighing_outside_the_trace_is_a_404_naming_the_field(
    client: TestClient, pallet: Pallet
) -> None:
    other = trace_code(pallet.uow, "BTU-2611-B1").backward.weighings[0].id
    response = client.get("/api/v1/trace/BTU-2611-A1", params={"weighings_after": other})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "weighings_after"
    assert client.get("/api/v1/trace/BTU-2611-A1", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/trace/BTU-2611-A1", params={"limit": 1001}).status_code == 422


def test_a_page_reads_each_weighing_as_the_projection_stored_it(pallet: Pallet) -> None:
    page = trace_code(pallet.uow, "BTU-2611-A1", limit=PAGE)
    with pallet.uow:
        stored = {w.id: w for w in pallet.uow.weighings.of_lots(["BTU-2611-A1"])}
    assert len(page.backward.weighings) == len(stored) == 130
    assert all(w == stored[w.id] for w in page.backward.weighings)
    (crate,) = trace_code(pallet.uow, "KRT-A1-129").backward.weighings
    assert crate == stored[crate.id]
