"""docker-compose.yml is valid and every file it refers to is in the repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed; run: apt-get install -y docker-compose")
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = yaml.safe_load(result.stdout)
    return loaded


def test_compose_runs_broker_database_hub_and_a_station(compose: dict[str, object]) -> None:
    services = compose["services"]
    assert isinstance(services, dict)
    default = {name for name, service in services.items() if not service.get("profiles")}
    assert default == {"mosquitto", "postgres", "hub", "station"}


def test_the_cluster_profile_adds_a_two_node_emqx_cluster() -> None:
    binary = shutil.which("docker-compose")
    assert binary is not None
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "--profile", "cluster", "config"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    services = yaml.safe_load(result.stdout)["services"]
    assert {"emqx1", "emqx2"} <= set(services)
    seeds = services["emqx1"]["environment"]["EMQX_CLUSTER__STATIC__SEEDS"]
    assert "emqx@emqx2.lumbung" in seeds


def test_every_file_compose_mounts_or_builds_from_exists(compose: dict[str, object]) -> None:
    referenced: list[Path] = []
    services = compose["services"]
    assert isinstance(services, dict)
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if volume_type(volume) == "bind":
                referenced.append(Path(source))
        if "build" in service:
            build = service["build"]
            context = Path(build["context"] if isinstance(build, dict) else build)
            referenced.append(context / "Dockerfile")
    secrets = compose.get("secrets", {})
    assert isinstance(secrets, dict)
    referenced.extend(Path(secret["file"]) for secret in secrets.values())
    missing = [str(path) for path in referenced if not (ROOT / path).exists()]
    assert referenced
    assert missing == []


def volume_type(volume: object) -> str:
    if isinstance(volume, dict):
        return str(volume.get("type", "volume"))
    return "bind" if str(volume).startswith((".", "/")) else "volume"


def test_the_stations_config_in_compose_is_valid() -> None:
    from edge.config import load_config

    config = load_config(ROOT / "firmware-config" / "compose" / "station.toml")
    assert config.mqtt.url == "mqtt://mosquitto:1883"
