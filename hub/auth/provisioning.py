"""Station provisioning: a new station gets its broker account, its ACL block and its config.

Rules:

1. A station's broker username is its station id; its password is 192 random bits, handed to
   the admin once (in the result and the download bundle) and stored nowhere in plain text:
   the hub keeps only the hash Mosquitto's password file holds, made by ``mosquitto_passwd``
   (``hub.broker.write_password_file``).
2. The broker files are generated, never edited in place.  ``passwd`` holds the lines of users
   the hub did not provision (the hub's own account, say) as they were, then every provisioned
   station from the database; ``acl`` gives every registered station its own block
   (``hub.broker.station_acl``).  Both are written to a temporary file and renamed, so the
   broker never reads half a file; then the broker is sent SIGHUP if its pid file is known.
3. The station file offered for download is rendered from what the admin entered and checked
   with the station's own validator (``edge.config``) before anything is stored; it names the
   password file, never the password.
4. Provisioning and password rotation are audited without the password.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Row, insert, select, update

from edge.config import StationConfig
from hub.auth.domain import (
    AccountConflict,
    InvalidInput,
    ProvisioningUnavailable,
    UnknownRecord,
    check_plain_text,
)
from hub.auth.store import Clock, utc_now, write_audit
from hub.broker import BrokerError, StationAccount, station_acl, write_password_file
from hub.db.auth_models import StationCredential
from hub.db.models import Station
from hub.stations import register_stations

PASSWORD_PATH: Final = "/etc/lumbung/mqtt-password"
OUTBOX_PATH: Final = "/var/lib/lumbung/outbox.sqlite3"
CA_PATH: Final = "/etc/lumbung/ca.crt"


@dataclass(frozen=True, slots=True)
class StationRequest:
    """What an admin enters to register a station."""

    station: str
    coop: str
    name: str
    kecamatan: str | None = None
    protocol: str = "and"
    scale_port: str = "/dev/ttyUSB0"
    scanner_kind: Literal["hid", "serial"] = "hid"
    scanner_device: str = "/dev/input/by-id/usb-barcode-scanner-event-kbd"
    language: Literal["id", "en"] = "id"


@dataclass(frozen=True, slots=True)
class BrokerFiles:
    """Where the broker's password file and ACL live, and how to make it re-read them."""

    directory: Path | None
    pid_file: Path | None = None
    hub_user: str = "lumbung-hub"

    @property
    def password_file(self) -> Path | None:
        return None if self.directory is None else self.directory / "passwd"

    @property
    def acl_file(self) -> Path | None:
        return None if self.directory is None else self.directory / "acl"


@dataclass(frozen=True, slots=True)
class Provisioned:
    """The result of provisioning: ``password`` exists only here."""

    station: str
    coop: str
    username: str
    password: str
    config_toml: str
    files_written: bool
    reloaded: bool


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    # A JSON string is a TOML basic string: the same quotes and escapes.
    return json.dumps(str(value), ensure_ascii=False)


def render_station_toml(request: StationRequest, *, mqtt_url: str) -> str:
    """The station's TOML file, checked with ``edge.config`` (rule 3)."""
    for field in _FORM_FIELDS.values():
        check_plain_text(getattr(request, field) or "", field=field)
    tls = mqtt_url.startswith("mqtts://")
    station: dict[str, object] = {
        "id": request.station,
        "coop": request.coop,
        "name": request.name,
    }
    if request.kecamatan:
        station["kecamatan"] = request.kecamatan
    station["language"] = request.language
    mqtt: dict[str, object] = {"url": mqtt_url, "tls": tls}
    if tls:
        mqtt["ca_file"] = CA_PATH
    mqtt |= {"username": request.station, "password_file": PASSWORD_PATH}
    sections: dict[str, dict[str, object]] = {
        "station": station,
        "scale": {"port": request.scale_port, "protocol": request.protocol},
        "scanner": {"kind": request.scanner_kind, "device": request.scanner_device},
        "workflow": {"require": ["member", "product", "crate"], "min_net_g": 500},
        "mqtt": mqtt,
        "outbox": {"path": OUTBOX_PATH},
    }
    lines = [
        f"# Packing station {request.station}, written by the hub's station provisioning.",
        "# Copy it to the Pi as /etc/lumbung/station.toml and the password beside it as",
        f"# {PASSWORD_PATH}; check it with: lumbung edge check-config station.toml",
        "# The scale port and protocol are a starting point: find the right ones with",
        "# lumbung edge devices and lumbung edge probe.",
    ]
    for section, values in sections.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    text = "\n".join(lines) + "\n"
    try:
        StationConfig.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        messages = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise InvalidInput(messages, field=_FORM_FIELDS.get(field, field)) from None
    return text


_FORM_FIELDS: Final = {
    "station.id": "station",
    "station.coop": "coop",
    "station.name": "name",
    "station.kecamatan": "kecamatan",
    "scale.port": "scale_port",
    "scale.protocol": "protocol",
    "scanner.kind": "scanner_kind",
    "scanner.device": "scanner_device",
}
"""A station-file field as the provisioning form and API call it."""


def mosquitto_hash(username: str, password: str) -> str:
    """The ``$7$…`` hash ``mosquitto_passwd`` makes of ``password`` (rule 1)."""
    with tempfile.TemporaryDirectory(prefix="lumbung-passwd-") as scratch:
        path = Path(scratch) / "passwd"
        try:
            write_password_file(path, {username: password})
        except BrokerError as exc:
            raise ProvisioningUnavailable(str(exc)) from exc
        line = path.read_text(encoding="utf-8").strip()
    name, _, hashed = line.partition(":")
    assert name == username and hashed, "mosquitto_passwd wrote an unexpected line"
    return hashed


class Provisioner:
    """Provisioning use cases on the hub's database and the broker's files."""

    def __init__(
        self, engine: Engine, files: BrokerFiles, *, mqtt_url: str, clock: Clock = utc_now
    ) -> None:
        self._engine = engine
        self._files = files
        self._mqtt_url = mqtt_url
        self._clock = clock

    def provision(
        self, request: StationRequest, *, actor: str, remote: str | None = None
    ) -> Provisioned:
        """Register a station with new broker credentials; refused if it already has some."""
        text = render_station_toml(request, mqtt_url=self._mqtt_url)
        config = StationConfig.model_validate(tomllib.loads(text))
        with self._engine.connect() as connection:
            if self._credential(connection, request.station) is not None:
                raise AccountConflict(
                    f"station {request.station!r} already has broker credentials; "
                    "rotate its password instead",
                    field="station",
                )
        password = secrets.token_urlsafe(24)
        hashed = mosquitto_hash(request.station, password)
        register_stations(self._engine, [config])
        now = self._clock()
        with self._engine.begin() as connection:
            connection.execute(
                insert(StationCredential),
                {
                    "station_id": request.station,
                    "coop_id": request.coop,
                    "password_hash": hashed,
                    "config_toml": text,
                    "created_at": now,
                    "created_by": actor,
                },
            )
            files_written, reloaded = self._write_broker_files(connection)
            write_audit(
                connection,
                at=now,
                actor=actor,
                action="station_provisioned",
                subject=f"station/{request.station}",
                remote=remote,
                detail={"coop": request.coop, "files_written": files_written},
            )
        return Provisioned(
            station=request.station,
            coop=request.coop,
            username=request.station,
            password=password,
            config_toml=text,
            files_written=files_written,
            reloaded=reloaded and self._reload(),
        )

    def rotate_password(
        self, station: str, *, actor: str, remote: str | None = None
    ) -> Provisioned:
        """A new password for a provisioned station; the old one stops working on reload."""
        password = secrets.token_urlsafe(24)
        hashed = mosquitto_hash(station, password)
        now = self._clock()
        with self._engine.begin() as connection:
            row = self._credential(connection, station)
            if row is None:
                raise UnknownRecord(
                    f"station {station!r} has not been provisioned", field="station"
                )
            connection.execute(
                update(StationCredential)
                .where(StationCredential.station_id == station)
                .values(password_hash=hashed, rotated_at=now)
            )
            files_written, reloaded = self._write_broker_files(connection)
            write_audit(
                connection,
                at=now,
                actor=actor,
                action="station_password_rotated",
                subject=f"station/{station}",
                remote=remote,
                detail={"files_written": files_written},
            )
        return Provisioned(
            station=station,
            coop=row.coop_id,
            username=station,
            password=password,
            config_toml=row.config_toml,
            files_written=files_written,
            reloaded=reloaded and self._reload(),
        )

    def station_toml(self, station: str) -> str:
        with self._engine.connect() as connection:
            row = self._credential(connection, station)
        if row is None:
            raise UnknownRecord(f"station {station!r} has not been provisioned", field="station")
        text: str = row.config_toml
        return text

    @staticmethod
    def _credential(connection: Connection, station: str) -> Row[Any] | None:
        return connection.execute(
            select(StationCredential).where(StationCredential.station_id == station)
        ).first()

    def _write_broker_files(self, connection: Connection) -> tuple[bool, bool]:
        """Write ``passwd`` and ``acl`` (rule 2); returns (written, should reload)."""
        password_file, acl_file = self._files.password_file, self._files.acl_file
        if password_file is None or acl_file is None:
            return False, False
        hashes: dict[str, str] = {
            station: hashed
            for station, hashed in connection.execute(
                select(StationCredential.station_id, StationCredential.password_hash)
            )
        }
        kept = []
        if password_file.exists():
            for line in password_file.read_text(encoding="utf-8").splitlines():
                user = line.partition(":")[0].strip()
                if user and not line.lstrip().startswith("#") and user not in hashes:
                    kept.append(line)
        lines = kept + [f"{station}:{hashed}" for station, hashed in sorted(hashes.items())]
        _replace(password_file, "\n".join(lines) + "\n")
        stations = connection.execute(select(Station.id, Station.coop_id).order_by(Station.id))
        accounts = [StationAccount(station=s, coop=c, password="") for s, c in stations]
        _replace(acl_file, station_acl(accounts, hub_user=self._files.hub_user))
        return True, True

    def _reload(self) -> bool:
        pid_file = self._files.pid_file
        if pid_file is None:
            return False
        try:
            pid = int(pid_file.read_text(encoding="ascii").strip())
            os.kill(pid, signal.SIGHUP)
        except (OSError, ValueError):
            return False
        return True


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole: to a temporary file beside it, then rename.  Mode 0640, so a
    broker running as the hub's group can read it and nobody else."""
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    staging.replace(path)
