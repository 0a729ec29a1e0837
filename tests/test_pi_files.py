"""The Raspberry Pi files a technician installs: a valid unit, script and udev rules."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PI = Path(__file__).resolve().parent.parent / "firmware-config" / "pi"


def test_the_systemd_unit_verifies_and_restarts_on_failure_with_a_watchdog() -> None:
    unit = (PI / "lumbung-edge.service").read_text()
    assert "Type=notify" in unit and "WatchdogSec=" in unit and "Restart=always" in unit
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        [analyze, "verify", str(PI / "lumbung-edge.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "is not executable" not in line and "No such file" not in line
    ]
    assert problems == []


def test_the_install_script_is_valid_bash_and_installs_what_is_shipped() -> None:
    script = PI / "install.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    for name in re.findall(r'"\$here/([^"]+)"', script.read_text()):
        assert (PI / name).exists(), name


def test_udev_rules_give_the_scale_and_scanner_stable_names() -> None:
    rules = [
        line
        for line in (PI / "99-lumbung.rules").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules
    for rule in rules:
        assert re.fullmatch(r'(\w+(\{\w+\})?(==|\+=|=)"[^"]*"(, )?)+', rule), rule
    assert any("lumbung-scale" in rule for rule in rules)
    assert any("input/lumbung-scanner" in rule for rule in rules)
