"""The ``lumbung`` command: every subcommand explains itself."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from lumbung.cli import build_parser


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                paths.extend(command_paths(child, (*prefix, name)))
    return paths


ALL_COMMANDS = command_paths(build_parser())


def test_the_issue_named_commands_exist() -> None:
    assert {
        ("edge", "run"),
        ("edge", "check-config"),
        ("hub", "serve"),
        ("hub", "db", "upgrade"),
        ("sim", "scale"),
        ("demo",),
    } <= set(ALL_COMMANDS)
    assert any(path[:1] == ("label",) and len(path) == 2 for path in ALL_COMMANDS)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "lumbung")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lumbung.cli", *path, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: lumbung")


def test_a_station_install_does_not_import_the_hub() -> None:
    probe = (
        "import sys; from lumbung.cli import build_parser; build_parser();"
        "import edge.agent;"
        "heavy = sorted(m for m in ('fastapi', 'sqlalchemy', 'uvicorn') if m in sys.modules);"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
