"""Station config files: what a technician sees when a file is right, and when it is wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import ConfigError, json_schema, load_config, load_configs

ROOT = Path(__file__).resolve().parent.parent
STATIONS = sorted((ROOT / "firmware-config" / "stations").glob("*.toml"))

BATU_VILLAGES = {
    "Batu": [
        "ngaglik",
        "sisir",
        "songgokerto",
        "temas",
        "oro-oro-ombo",
        "pesanggrahan",
        "sidomulyo",
        "sumberejo",
    ],
    "Bumiaji": [
        "bulukerto",
        "bumiaji",
        "giripurno",
        "gunungsari",
        "pandanrejo",
        "punten",
        "sumberbrantas",
        "sumbergondo",
        "tulungrejo",
    ],
    "Junrejo": ["dadaprejo", "beji", "junrejo", "mojorejo", "pendem", "tlekung", "torongrejo"],
}

GOOD = """\
[station]
id = "punten-1"
coop = "kdmp-punten"
name = "Stasiun Punten"

[scale]
port = "/dev/ttyUSB0"
protocol = "and"

[scanner]
kind = "serial"
device = "/dev/ttyACM0"

[mqtt]
url = "mqtt://hub.local:1883"

[outbox]
path = "/var/lib/lumbung/outbox.sqlite3"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_configs(paths)
    return [str(problem) for problem in caught.value.problems]


def test_every_batu_station_has_a_valid_config() -> None:
    configs = load_configs(STATIONS)
    by_kecamatan: dict[str, list[str]] = {}
    for config in configs:
        assert config.station.kecamatan is not None
        by_kecamatan.setdefault(config.station.kecamatan, []).append(config.station.id)
    assert {k: sorted(v) for k, v in by_kecamatan.items()} == {
        k: sorted(f"{village}-1" for village in v) for k, v in BATU_VILLAGES.items()
    }


def test_a_minimal_file_takes_defaults_from_the_protocol(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "punten.toml", GOOD))
    assert config.scale.baudrate is None
    assert config.workflow.require == ["crate"]
    assert config.station.language == "id"


def test_a_wrong_type_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.toml",
        GOOD.replace('port = "/dev/ttyUSB0"', 'port = "/dev/ttyUSB0"\nbaudrate = "fast"'),
    )
    assert problems_of(path) == [
        f"{path}:8: scale.baudrate: Input should be a valid integer, unable to parse string as an integer (got 'fast')"
    ]


def test_an_unknown_protocol_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", GOOD.replace('protocol = "and"', 'protocol = "acme-9000"'))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:8: scale.protocol: unknown protocol 'acme-9000'; known: ")
    assert "and" in problem


def test_a_missing_port_is_reported_at_its_section(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", GOOD.replace('port = "/dev/ttyUSB0"\n', ""))
    assert problems_of(path) == [f"{path}:6: scale.port: required but missing"]


def test_an_unknown_key_suggests_the_nearest_known_one(tmp_path: Path) -> None:
    path = write(
        tmp_path, "s.toml", GOOD.replace('protocol = "and"', 'protocol = "and"\nbaudrat = 9600')
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:9: scale.baudrat: unknown key; did you mean 'baudrate'?")


def test_every_error_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        "a.toml",
        GOOD.replace('"kdmp-punten"', '"Punten Coop"').replace(
            'kind = "serial"', 'kind = "bluetooth"'
        ),
    )
    second = write(
        tmp_path,
        "b.toml",
        GOOD.replace('url = "mqtt://hub.local:1883"', "url = 5"),
    )
    problems = problems_of(first, second)
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{first}:3", "station.coop"],
        [f"{first}:11", "scanner.kind"],
        [f"{second}:15", "mqtt.url"],
    ]


def test_two_files_claiming_one_station_are_an_error(tmp_path: Path) -> None:
    first = write(tmp_path, "a.toml", GOOD)
    second = write(tmp_path, "b.toml", GOOD)
    assert problems_of(first, second) == [
        f"{second}:2: station.id: 'punten-1' is already used by {first}"
    ]


def test_broken_toml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", GOOD.replace('name = "Stasiun Punten"', "name = Stasiun"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:4: (toml): ")


def test_check_config_exits_2_and_prints_every_problem(tmp_path: Path) -> None:
    good = write(tmp_path, "good.toml", GOOD)
    bad = write(
        tmp_path, "bad.toml", GOOD.replace('"punten-1"', '"pujon-1"').replace("[outbox]", "[outbx]")
    )
    result = subprocess.run(
        [sys.executable, "-m", "lumbung.cli", "edge", "check-config", str(good), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        f"{bad}:1: outbox: required but missing",
        f"{bad}:17: outbx: unknown key; did you mean 'outbox'? (known: station, scale, scanner, workflow, mqtt, outbox, display)",
    ]
    ok = subprocess.run(
        [sys.executable, "-m", "lumbung.cli", "edge", "check-config", *map(str, STATIONS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "24 station config(s) valid"


def test_the_committed_json_schema_matches_the_model() -> None:
    committed = json.loads(
        (ROOT / "firmware-config" / "schema" / "station.schema.json").read_text()
    )
    assert committed == json_schema()


def test_a_generic_scale_takes_its_format_from_the_options_table(tmp_path: Path) -> None:
    text = GOOD.replace(
        'protocol = "and"',
        "protocol = \"generic\"\n[scale.options]\npattern = '(?P<stable>ST|US),(?P<weight>[+-][0-9.]+)(?P<unit>kg)'",
    )
    config = load_config(write(tmp_path, "generic.toml", text))
    assert config.scale.parser_settings()["pattern"].startswith("(?P<stable>")


def test_a_protocol_option_it_does_not_take_is_named(tmp_path: Path) -> None:
    text = GOOD.replace('protocol = "and"', 'protocol = "and"\noptions = { colour = "red" }')
    (problem,) = problems_of(write(tmp_path, "s.toml", text))
    assert "options: protocol 'and' has no setting 'colour'" in problem


def test_an_outbox_too_small_for_a_month_offline_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        'path = "/var/lib/lumbung/outbox.sqlite3"',
        'path = "/var/lib/lumbung/outbox.sqlite3"\ncapacity_events = 50000\npeak_events_per_day = 3000',
    )
    (problem,) = problems_of(write(tmp_path, "s.toml", text))
    assert problem.endswith(
        "outbox: capacity_events 50000 holds less than 30 days at peak_events_per_day 3000; needs 90000"
    )
