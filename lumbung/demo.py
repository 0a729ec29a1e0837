"""``lumbung demo``: a broker, the hub and simulated Batu stations, on one machine.

Everything runs as child processes of this one: Mosquitto on a free port, the hub on SQLite,
and for each station a simulated packer (scale and scanner on pseudo-terminals) plus the real
station agent reading them.  Ctrl-C stops every child; each child also gets SIGTERM if this
process dies, so nothing is left behind.
"""

from __future__ import annotations

import ctypes
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from hub.broker import BrokerSettings, MosquittoProcess, free_port

PROTOCOLS = ("and", "mt-sics", "xk3190-tf0", "cas")
"""The demo's stations use different indicators, as real villages do."""

STATION_FILES = Path(__file__).resolve().parent.parent / "firmware-config" / "stations"
BATU_DEMO_VILLAGES = (
    "punten",
    "tulungrejo",
    "sumberbrantas",
    "bumiaji",
    "pandanrejo",
    "giripurno",
    "oro-oro-ombo",
    "torongrejo",
)


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the demo process dies."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def station_config(
    *,
    village: str,
    coop: str,
    station: str,
    protocol: str,
    work: Path,
    mqtt_url: str,
    display_port: int,
) -> str:
    return f"""# Demo station for {village}, written by lumbung demo
[station]
id = "{station}"
coop = "{coop}"
name = "Stasiun {village.replace("-", " ").title()} (demo)"

[scale]
port = "{work / "scale"}"
protocol = "{protocol}"

[scanner]
kind = "serial"
device = "{work / "scanner"}"

[workflow]
require = ["crate"]
min_net_g = 500
default_tare_g = 1800

[mqtt]
url = "{mqtt_url}"

[outbox]
path = "{work / "outbox.sqlite3"}"
"""


class Children:
    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self._log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "lumbung.cli", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        self._procs.append((name, process))
        return process

    def check(self) -> list[str]:
        return [name for name, p in self._procs if p.poll() is not None]

    def stop_all(self) -> None:
        for _name, process in reversed(self._procs):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for _name, process in self._procs:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_http(url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


DEMO_ADMIN = "admin"


def _demo_admin(db: Path, workdir: Path) -> tuple[str, str]:
    """The demo's admin account and its password, made on the first run and kept in the
    workdir (readable by its owner only) so a restarted demo signs in the same way."""
    secret = workdir / "admin-password"
    if not secret.exists():
        secret.touch(mode=0o600)
        secret.write_text(secrets.token_urlsafe(12) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "lumbung.cli", "hub", "create-admin", "--db", str(db)]
    created = subprocess.run(
        [*command, "--username", DEMO_ADMIN, "--password-file", str(secret)],
        capture_output=True,
        text=True,
    )
    if created.returncode != 0 and "is taken" not in created.stderr:
        raise RuntimeError(f"could not create the demo's admin account: {created.stderr.strip()}")
    return DEMO_ADMIN, secret.read_text(encoding="utf-8").strip()


def run_demo(*, stations: int, port: int, workdir: Path) -> int:
    from edge.config import load_configs

    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    broker = MosquittoProcess(BrokerSettings(port=free_port(), data_dir=workdir / "broker"))
    children = Children(logs)
    db = workdir / "hub.sqlite3"
    villages = BATU_DEMO_VILLAGES[: max(1, min(stations, len(BATU_DEMO_VILLAGES)))]
    stop = False

    def _stop(*_args: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        broker.start()
        print(f"broker: Mosquitto at {broker.url}", flush=True)
        configs = []
        for number, village in enumerate(villages):
            real = load_configs([STATION_FILES / f"{village}.toml"])[0]
            work = workdir / "stations" / real.station.id
            work.mkdir(parents=True, exist_ok=True)
            path = work / "station.toml"
            path.write_text(
                station_config(
                    village=village,
                    coop=real.station.coop,
                    station=real.station.id,
                    protocol=PROTOCOLS[number % len(PROTOCOLS)],
                    work=work,
                    mqtt_url=broker.url,
                    display_port=port + 1 + number,
                ),
                encoding="utf-8",
            )
            configs.append((real.station.id, path, work, PROTOCOLS[number % len(PROTOCOLS)]))
        subprocess.run(
            [sys.executable, "-m", "lumbung.cli", "hub", "db", "upgrade", "--db", str(db)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [sys.executable, "-m", "lumbung.cli", "hub", "register-stations", "--db", str(db)]
            + [str(path) for _id, path, _work, _protocol in configs],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        username, password = _demo_admin(db, workdir)
        children.spawn(
            "hub", "hub", "serve", "--db", str(db), "--mqtt", broker.url, "--port", str(port)
        )
        url = f"http://127.0.0.1:{port}/"
        # Stations start once the hub's ingest is subscribed: what they published before
        # would wait for their resend timeout.
        if not _wait_for_http(url + "readyz", 60):
            print(f"the hub did not get ready; see {logs / 'hub.log'}", file=sys.stderr)
            return 1
        for station_id, path, work, protocol in configs:
            children.spawn(
                f"sim-{station_id}",
                "sim",
                "station",
                "--protocol",
                protocol,
                "--scale-link",
                str(work / "scale"),
                "--scanner-link",
                str(work / "scanner"),
                "--demo-pace",
            )
            children.spawn(f"edge-{station_id}", "edge", "run", "--config", str(path))
        print(f"hub: {url}  (API: {url}api/v1/weighings, docs: {url}docs)", flush=True)
        print(f"sign in as {username!r} with password {password!r}", flush=True)
        print(f"stations: {', '.join(s for s, *_ in configs)}; logs in {logs}", flush=True)
        displays = ", ".join(f"http://127.0.0.1:{port + 1 + n}/" for n in range(len(configs)))
        print(f"station displays (what the packers see): {displays}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop:
            dead = children.check()
            if dead:
                print(f"stopped unexpectedly: {', '.join(dead)}; see {logs}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        children.stop_all()
        broker.stop()
        print("demo stopped; every process it started has ended", flush=True)
