"""The Mosquitto configuration shipped for deployment starts a real broker that keeps data."""

from __future__ import annotations

import getpass
import re
import shutil
import subprocess
from pathlib import Path

from hub.broker import BrokerSettings, MosquittoProcess, free_port

MOSQUITTO = Path(__file__).resolve().parent.parent / "firmware-config" / "mosquitto"


def settings(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            found.setdefault(key, value)
    return found


def test_the_shipped_config_keeps_a_month_of_village_data_through_a_kill() -> None:
    shipped = settings((MOSQUITTO / "mosquitto.conf").read_text())
    assert shipped["persistence"] == "true"
    assert shipped["autosave_on_changes"] == "false"
    assert 0 < int(shipped["autosave_interval"]) <= 300
    assert int(shipped["max_queued_messages"]) >= 100_000
    assert int(shipped["max_queued_bytes"]) > 0
    assert shipped["allow_anonymous"] == "false"
    assert shipped["use_username_as_clientid"] == "true"


def test_mosquitto_starts_with_the_shipped_config_and_tls_snippet(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    subprocess.run(
        ["bash", str(MOSQUITTO / "make-ca.sh"), str(certs), "localhost", "127.0.0.1"],
        check=True,
        capture_output=True,
    )
    plain, tls = free_port(), free_port()
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "tls.conf").write_text(
        (MOSQUITTO / "tls.conf")
        .read_text()
        .replace("listener 8883", f"listener {tls} 127.0.0.1")
        .replace("/mosquitto/certs", str(certs))
    )
    shutil.copy(MOSQUITTO / "acl", tmp_path / "acl")
    (tmp_path / "passwd").write_text("")
    config = (
        (MOSQUITTO / "mosquitto.conf")
        .read_text()
        .replace("/mosquitto/data/", f"{tmp_path}/")
        .replace("/mosquitto/config/conf.d", str(conf_d))
        .replace("/mosquitto/config/", f"{tmp_path}/")
        .replace("listener 1883", f"listener {plain} 127.0.0.1")
    )
    config = f"user {getpass.getuser()}\n" + re.sub(r"(?m)^user .*$", "", config)
    broker = MosquittoProcess(BrokerSettings(port=plain, data_dir=tmp_path))
    broker.settings.data_dir.mkdir(exist_ok=True)
    broker.config_file = tmp_path / "deployed.conf"
    broker.config_file.write_text(config)
    broker.start_with_existing_config()
    try:
        log = broker.log_file.read_text()
        assert f"Opening ipv4 listen socket on port {plain}" in log
        assert f"Opening ipv4 listen socket on port {tls}" in log
    finally:
        broker.kill()
