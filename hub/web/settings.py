"""The web application's settings, from ``LUMBUNG_*`` environment variables.

Every variable is checked and every bad one reported at once, each by name and value, before
the hub starts serving.  None is needed for a developer's hub; a deployment sets the broker
files (for station provisioning), the URL stations are given, and secure cookies behind TLS.

    LUMBUNG_BROKER_DIR        where provisioning writes Mosquitto's ``passwd`` and ``acl``
    LUMBUNG_BROKER_PID_FILE   Mosquitto's pid file; provisioning sends it SIGHUP to reload
    LUMBUNG_BROKER_HUB_USER   the hub's own broker username (default ``lumbung-hub``)
    LUMBUNG_STATION_MQTT_URL  the broker URL written into new stations' config files
    LUMBUNG_COOKIE_SECURE     ``true`` behind HTTPS: cookies are sent over TLS only
    LUMBUNG_LOG_FORMAT        ``text`` (default) or ``json``: one JSON object per log line
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from edge.wire import IDENTIFIER_PATTERN

_MQTT_URL: Final = re.compile(r"^mqtts?://[^/\s:]+(:\d+)?/?$")
_BOOLEANS: Final = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class SettingsError(ValueError):
    """Every bad ``LUMBUNG_*`` variable, one per line."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    broker_dir: Path | None = None
    broker_pid_file: Path | None = None
    broker_hub_user: str = "lumbung-hub"
    station_mqtt_url: str = "mqtt://127.0.0.1:1883"
    cookie_secure: bool = False
    json_logs: bool = False
    live_refresh_s: int = 3

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def boolean(name: str) -> bool:
            value = env.get(name, "false").strip().lower()
            if value not in _BOOLEANS:
                problems.append(f"{name}={env[name]!r}: expected true or false")
                return False
            return _BOOLEANS[value]

        broker_dir = Path(env["LUMBUNG_BROKER_DIR"]) if env.get("LUMBUNG_BROKER_DIR") else None
        if broker_dir is not None and not broker_dir.is_dir():
            problems.append(f"LUMBUNG_BROKER_DIR={str(broker_dir)!r}: not a directory")
        pid = env.get("LUMBUNG_BROKER_PID_FILE")
        hub_user = env.get("LUMBUNG_BROKER_HUB_USER", "lumbung-hub")
        if not re.fullmatch(IDENTIFIER_PATTERN, hub_user):
            problems.append(f"LUMBUNG_BROKER_HUB_USER={hub_user!r}: not a broker username")
        url = env.get("LUMBUNG_STATION_MQTT_URL", "mqtt://127.0.0.1:1883")
        if not _MQTT_URL.match(url):
            problems.append(f"LUMBUNG_STATION_MQTT_URL={url!r}: expected mqtt://host:port")
        log_format = env.get("LUMBUNG_LOG_FORMAT", "text")
        if log_format not in ("text", "json"):
            problems.append(f"LUMBUNG_LOG_FORMAT={log_format!r}: expected text or json")
        settings = cls(
            broker_dir=broker_dir,
            broker_pid_file=Path(pid) if pid else None,
            broker_hub_user=hub_user,
            station_mqtt_url=url,
            cookie_secure=boolean("LUMBUNG_COOKIE_SECURE"),
            json_logs=log_format == "json",
        )
        if problems:
            raise SettingsError("\n".join(problems))
        return settings
