"""``lumbung hub trace CODE --db URL`` for a person at a terminal, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hub_world import T0, Script, setup_world, store
from sqlalchemy import Engine

from hub.services.projection import project_pending
from hub.services.stock import dispatch
from lumbung.cli import main


def test_hub_trace_prints_the_members_behind_a_label_and_where_it_went(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uow = setup_world(engine)
    script = Script()
    script.weigh("KRT-1", 12_345, member="AGT-002")
    script.close_lot("BTU-9", ["KRT-1"], 12_345)
    store(engine, script.events)
    project_pending(uow)
    sent = dispatch(uow, lots=["BTU-9"], departed_at=T0 + timedelta(hours=1), operator="budi")
    assert main(["hub", "trace", "(01)18995555000010(10)BTU-9", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Trace of (01)18995555000010(10)BTU-9 (lot)" in out
    assert "net 12.345 kg" in out and "AGT-002 Pak Wahyudi" in out
    assert f"dispatch {sent.code} SSCC {sent.sscc}" in out


def test_hub_trace_says_when_no_label_matches(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hub", "trace", "KRT-404", "--db", db_url]) == 2
    assert "no crate, lot, dispatch or SSCC answers to 'KRT-404'" in capsys.readouterr().err
