"""Config from the hub: validated like the station file, applied only when valid, reported."""

from __future__ import annotations

from pathlib import Path

from edge.agent import Agent
from edge.config import StationConfig
from edge.wire import StationConfigUpdate


def agent(tmp_path: Path) -> Agent:
    config = StationConfig.model_validate(
        {
            "station": {"id": "punten-1", "coop": "kdmp-punten", "name": "Punten"},
            "scale": {"port": str(tmp_path / "scale"), "protocol": "and"},
            "scanner": {"kind": "serial", "device": str(tmp_path / "scanner")},
            "workflow": {"require": ["crate"], "min_net_g": 500},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": str(tmp_path / "outbox.sqlite3")},
        }
    )
    return Agent(config)


def test_a_valid_update_changes_the_workflow_and_is_reported(tmp_path: Path) -> None:
    station = agent(tmp_path)
    update = StationConfigUpdate(workflow={"min_net_g": 800, "require": ["member", "crate"]})
    assert station._apply_config(update) == "applied"
    assert station.workflow.settings.min_net_g == 800
    assert station.status(True).config_result == "applied"


def test_an_invalid_update_is_refused_with_the_field_and_nothing_changes(tmp_path: Path) -> None:
    station = agent(tmp_path)
    update = StationConfigUpdate(workflow={"min_net_g": -5}, scale={"protocol": "acme"})
    result = station._apply_config(update)
    assert result.startswith("rejected: ")
    assert "workflow.min_net_g" in result and "scale.protocol" in result
    assert station.workflow.settings.min_net_g == 500
    assert station.config.scale.protocol == "and"
    assert station.status(True).config_result == result


def test_a_scale_update_reopens_the_scale_with_the_new_protocol(tmp_path: Path) -> None:
    station = agent(tmp_path)
    old_link = station.scale
    station.scale.start()
    station._running = True
    update = StationConfigUpdate(scale={"protocol": "xk3190-tf0", "settle_ms": 800})
    try:
        assert station._apply_config(update) == "applied"
        assert station.scale is not old_link
        assert station._driver_name == "xk3190-tf0"
        assert station.status(True).config_result == "applied"
    finally:
        station.scale.stop()
