"""Running a Mosquitto broker: its configuration and its process.

The hub deploys Mosquitto with settings that keep village data through outages and crashes
(the measured failure mode of the defaults: a queue of 1,000 messages per offline client that
silently drops the rest).  The broker saves its state on a timer, not on changes: a save
writes the whole queue, so saving every few changes makes each message cost more the longer
the hub's queue grows (quadratic in a backlog: bench/broker_backlog.py).  What a kill loses
since the last save, the stations still hold: they keep every event until the hub
acknowledges it and publish it again after ``resend_after_s``.
The demo and the tests start their own brokers with this module, on free ports, so they can
kill and restart them.
"""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class BrokerError(RuntimeError):
    """The broker could not be started, or is not installed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The broker's certificate and key, and the CA stations verify it with
    (``firmware-config/mosquitto/make-ca.sh`` makes all three)."""

    ca: Path
    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """One broker.  ``port`` is the plain listener (``None``: none, TLS only); ``tls_port``
    with ``tls`` adds a TLS listener."""

    port: int | None
    data_dir: Path
    bind: str = "127.0.0.1"
    allow_anonymous: bool = True
    password_file: Path | None = None
    acl_file: Path | None = None
    max_queued_messages: int = 1_000_000
    max_queued_bytes: int = 2 * 1024**3
    max_inflight_messages: int = 1000
    max_packet_size: int = 256 * 1024
    tls: TlsFiles | None = None
    tls_port: int | None = None
    username_is_client_id: bool = False
    autosave_s: int = 60
    """Seconds between saves of the broker's state (sessions, queues, retained messages)."""

    def render(self) -> str:
        """A ``mosquitto.conf`` for these settings."""
        lines = [
            "# Written by Lumbung; see firmware-config/mosquitto/ for the deployed template.",
            # Started as root, Mosquitto would switch to the 'mosquitto' user and could no longer
            # write its persistence file in our data directory: keep the user who started it.
            f"user {getpass.getuser()}",
            "per_listener_settings false",
            "persistence true",
            f"persistence_location {self.data_dir}/",
            f"autosave_interval {self.autosave_s}",
            "autosave_on_changes false",
            f"max_queued_messages {self.max_queued_messages}",
            f"max_queued_bytes {self.max_queued_bytes}",
            f"max_inflight_messages {self.max_inflight_messages}",
            f"max_packet_size {self.max_packet_size}",
            # Acknowledgements are tiny packets; Nagle's algorithm would hold them back.
            "set_tcp_nodelay true",
            "persistent_client_expiration 45d",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
        ]
        if self.password_file is not None:
            lines.append(f"password_file {self.password_file}")
        if self.acl_file is not None:
            lines.append(f"acl_file {self.acl_file}")
        if self.port is not None:
            lines.append(f"listener {self.port} {self.bind}")
            lines.extend(self._listener_options())
        if self.tls is not None and self.tls_port is not None:
            lines.append(f"listener {self.tls_port} {self.bind}")
            lines.extend(self._listener_options())
            lines.extend(
                [
                    f"cafile {self.tls.ca}",
                    f"certfile {self.tls.cert}",
                    f"keyfile {self.tls.key}",
                    "tls_version tlsv1.2",
                ]
            )
        return "\n".join(lines) + "\n"

    def _listener_options(self) -> list[str]:
        # The ACL matches stations by username; a client id equal to the username stops one
        # station from taking over another's session.
        return ["use_username_as_clientid true"] if self.username_is_client_id else []

    @property
    def probe_port(self) -> int:
        port = self.port if self.port is not None else self.tls_port
        if port is None:
            raise BrokerError("a broker needs a plain or a TLS listener")
        return port


def mosquitto_binary() -> str:
    for candidate in ("mosquitto", "/usr/sbin/mosquitto"):
        found = shutil.which(candidate)
        if found:
            return found
    raise BrokerError("mosquitto is not installed; run: apt-get install -y mosquitto")


class MosquittoProcess:
    """A broker process we own: start, stop, kill -9 and restart with the same data."""

    def __init__(self, settings: BrokerSettings, log_file: Path | None = None) -> None:
        self.settings = settings
        self.config_file = settings.data_dir / "mosquitto.conf"
        self.log_file = log_file or settings.data_dir / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.settings.port is None:
            return f"mqtts://127.0.0.1:{self.settings.tls_port}"
        return f"mqtt://127.0.0.1:{self.settings.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.settings.render(), encoding="utf-8")
        self.start_with_existing_config(timeout_s)

    def start_with_existing_config(self, timeout_s: float = 10.0) -> None:
        """Start on ``config_file`` as it is (a deployed configuration under test)."""
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerError(
                    f"mosquitto exited with {self._process.returncode}; see {self.log_file}"
                )
            try:
                socket.create_connection(
                    ("127.0.0.1", self.settings.probe_port), timeout=0.2
                ).close()
                return
            except OSError:
                time.sleep(0.05)
        raise BrokerError(f"mosquitto did not listen on port {self.settings.probe_port}")

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def reload(self) -> None:
        """Re-read the password and ACL files (SIGHUP), keeping connections."""
        if self._process is not None:
            self._process.send_signal(signal.SIGHUP)

    def _end(self, how: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True, slots=True)
class StationAccount:
    """A station's broker identity: its username is its station id."""

    station: str
    coop: str
    password: str


def station_acl(accounts: list[StationAccount], *, hub_user: str) -> str:
    """ACL lines: each station publishes only its own topics and reads only its own replies;
    the hub reads every station and answers each."""
    from edge.wire import TOPIC_ROOT

    blocks = [
        "# Written by Lumbung's station provisioning; edit the stations at the hub, not here.",
        f"user {hub_user}",
        f"topic read {TOPIC_ROOT}/#",
        *(f"topic write {TOPIC_ROOT}/+/+/{kind}" for kind in ("ack", "resend", "config")),
    ]
    for account in accounts:
        base = f"{TOPIC_ROOT}/{account.coop}/{account.station}"
        blocks += [
            "",
            f"user {account.station}",
            f"topic write {base}/weighing",
            f"topic write {base}/status",
            *(f"topic read {base}/{kind}" for kind in ("ack", "resend", "config")),
        ]
    return "\n".join(blocks) + "\n"


def write_password_file(path: Path, users: dict[str, str]) -> None:
    """Hash ``users`` (name → password) into a Mosquitto password file with mosquitto_passwd."""
    binary = shutil.which("mosquitto_passwd")
    if binary is None:
        raise BrokerError("mosquitto_passwd is not installed; run: apt-get install -y mosquitto")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".new")
    staging.touch(mode=0o600)
    # Plain "name:password" lines hashed in place (-U), so no password is ever on a command line.
    staging.write_text("".join(f"{n}:{p}\n" for n, p in users.items()), encoding="utf-8")
    subprocess.run([binary, "-U", str(staging)], check=True, capture_output=True)
    staging.replace(path)
