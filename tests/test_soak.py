"""The fault-injection soak, short: every kind of fault, then nothing lost, nothing doubled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_a_short_soak_with_every_fault_loses_and_duplicates_nothing(postgres_url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--stations", "3", "--minutes", "1.5",
         "--fast", "--fault-every", "3", "--db", postgres_url],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    verdict = json.loads(result.stdout.strip().splitlines()[-1])
    summary = {k: v for k, v in verdict.items() if k != "fault_log"}
    assert verdict["drained"] is True, json.dumps(summary)
    assert verdict["lost"] == 0, verdict["lost_examples"]
    assert verdict["duplicated"] == 0
    assert verdict["events_stored"] == verdict["events_committed"] > 0
    expected = {"kill_agent", "kill_broker", "kill_hub_worker", "cut_network", "corrupt_scale"}
    if not verdict["skipped"]:
        expected.add("fill_disk")
    assert set(verdict["faults"]) == expected
