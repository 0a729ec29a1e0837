"""The walking skeleton end to end: a simulated scale on a pty, the station agent, a real
Mosquitto, the hub on SQLite and PostgreSQL, and the weighings in the hub's API and page."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.broker import MosquittoProcess, free_port

CRATES = {"KRT-00001": 12_500, "KRT-00002": 8_250}
TARE_G = 1_800


def lumbung(*args: str) -> list[str]:
    return [sys.executable, "-m", "lumbung.cli", *args]


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self._running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(lumbung(*args), stdout=log, stderr=subprocess.STDOUT)
        self._running.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for _name, process in self._running:
            process.terminate()
        for _name, process in self._running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    yield running
    running.stop()


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


def authorised(url: str, token: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})


def get_json(url: str, token: str) -> dict[str, object]:
    with urllib.request.urlopen(authorised(url, token), timeout=5) as response:
        document: dict[str, object] = json.load(response)
        return document


def write_station(tmp_path: Path, broker_url: str) -> Path:
    config = tmp_path / "station.toml"
    config.write_text(
        f"""
[station]
id = "punten-1"
coop = "kdmp-punten"
name = "Stasiun Punten"

[scale]
port = "{tmp_path / "scale"}"
protocol = "and"
settle_ms = 300

[scanner]
kind = "serial"
device = "{tmp_path / "scanner"}"

[workflow]
require = ["crate"]
min_net_g = 500
default_tare_g = {TARE_G}

[mqtt]
url = "{broker_url}"

[outbox]
path = "{tmp_path / "outbox.sqlite3"}"

[display]
port = 0
""",
        encoding="utf-8",
    )
    return config


@pytest.mark.slow
def test_a_weighing_travels_from_the_scale_to_the_hub(
    tmp_path: Path, broker: MosquittoProcess, db_url: str, processes: Processes
) -> None:
    config = write_station(tmp_path, broker.url)
    subprocess.run(lumbung("hub", "db", "upgrade", "--db", db_url), check=True)
    subprocess.run(lumbung("hub", "register-stations", "--db", db_url, str(config)), check=True)
    created = subprocess.run(
        lumbung("hub", "create-token", "--role", "viewer", "--db", db_url),
        check=True,
        capture_output=True,
        text=True,
    )
    token = created.stdout.split()[-1]
    port = free_port()
    processes.start(
        "hub", "hub", "serve", "--db", db_url, "--mqtt", broker.url, "--port", str(port)
    )
    ready = f"http://127.0.0.1:{port}/readyz"

    def hub_ready() -> bool:
        try:
            with urllib.request.urlopen(ready, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    wait_for(hub_ready, 60, "the hub subscribed at the broker")
    script = ",".join(f"{code}={grams / 1000}" for code, grams in CRATES.items())
    processes.start(
        "sim",
        "sim", "station", "--protocol", "and", "--script", script,
        "--scale-link", str(tmp_path / "scale"), "--scanner-link", str(tmp_path / "scanner"),
    )  # fmt: skip
    wait_for(lambda: (tmp_path / "scanner").exists(), 10, "the simulator's ports")
    processes.start("edge", "edge", "run", "--config", str(config))

    api = f"http://127.0.0.1:{port}/api/v1/weighings"

    def arrived() -> bool:
        try:
            return len(get_json(api, token)["items"]) >= len(CRATES)  # type: ignore[arg-type]
        except OSError:
            return False

    try:
        wait_for(arrived, 60, "both weighings arriving at the hub")
    except AssertionError:
        pytest.fail(
            "\n".join(f"--- {n}\n{processes.log(n)[-3000:]}" for n in ("sim", "edge", "hub"))
        )

    items = get_json(api, token)["items"]
    assert isinstance(items, list)
    assert [(w["crate"], w["seq"]) for w in items] == [("KRT-00002", 2), ("KRT-00001", 1)]
    for weighing in items:
        gross = CRATES[weighing["crate"]]
        assert (weighing["gross_g"], weighing["tare_g"], weighing["net_g"]) == (
            gross, TARE_G, gross - TARE_G,
        )  # fmt: skip
        assert weighing["stable"] is True
        assert weighing["event_id"] == f"punten-1-1-{weighing['seq']}"
        assert weighing["station"] == "punten-1"
    with urllib.request.urlopen(
        authorised(f"http://127.0.0.1:{port}/", token), timeout=5
    ) as response:
        page = response.read().decode()
    assert "Penimbangan terbaru" in page
    assert "KRT-00001" in page and "10,700" in page

    def hub_acknowledged_both() -> bool:
        outbox = sqlite3.connect(tmp_path / "outbox.sqlite3")
        try:
            row = outbox.execute("SELECT value FROM meta WHERE key = 'hub_acked'").fetchone()
        finally:
            outbox.close()
        return bool(row) and row[0] == len(CRATES)

    wait_for(hub_acknowledged_both, 15, "the hub's ack reaching the station's outbox")
