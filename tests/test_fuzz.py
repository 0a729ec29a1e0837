"""Coverage-guided fuzzing in CI, on a small fixed budget: every scale parser and the hub's
judge of MQTT messages survive what libFuzzer generates (``bench/fuzz.py`` runs longer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

FUZZ = Path(__file__).parent.parent / "bench" / "fuzz.py"


def test_no_parser_and_not_the_judge_crash_on_fuzzed_bytes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(FUZZ), "--seconds", "1", "--artifacts", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    figures = json.loads(done.stdout.splitlines()[-1])
    crashed = {name: t["log"] for name, t in figures["targets"].items() if t["crashed"]}
    assert not crashed, crashed
    assert done.returncode == 0
    assert {"judge", "parser:and", "parser:mt-sics", "parser:generic"} <= set(figures["targets"])
    assert all(t["runs"] > 100 for t in figures["targets"].values()), figures
