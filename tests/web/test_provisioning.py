"""Station provisioning against a real Mosquitto: an admin registers a station on the page, the
hub writes the broker's password file and ACL and signals it, and the new station can publish
its own topics (and no one else's) with the password from the bundle, whose station file the
station's own validator accepts.  On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, select, text

from edge.config import load_config
from edge.wire import TopicKind, topic
from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.broker import BrokerSettings, MosquittoProcess, free_port, write_password_file
from hub.db.auth_models import StationCredential
from hub.web.settings import WebSettings

from .conftest import Hub

HUB_USER, HUB_PASSWORD = "lumbung-hub", "hub-secret-password"
FORM = {
    "station": "punten-2",
    "coop": "kdmp-punten",
    "name": "Stasiun Pengemasan Punten 2",
    "kecamatan": "Bumiaji",
    "protocol": "xk3190-tf0",
    "scale_port": "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART-if00-port0",
    "scanner_kind": "hid",
    "scanner_device": "/dev/input/by-id/usb-barcode-scanner-event-kbd",
    "language": "id",
}


@dataclass
class Broker:
    process: MosquittoProcess
    files: Path
    pid_file: Path

    @property
    def port(self) -> int:
        return self.process.settings.probe_port


@pytest.fixture
def broker_files(tmp_path: Path) -> Iterator[Broker]:
    """Mosquitto with no anonymous access, reading a password file and ACL that only the
    hub's account is in, and writing its pid file."""
    files = tmp_path / "broker-files"
    write_password_file(files / "passwd", {HUB_USER: HUB_PASSWORD})
    (files / "acl").write_text(f"user {HUB_USER}\ntopic read lumbung/v1/#\n", encoding="utf-8")
    settings = BrokerSettings(
        port=free_port(),
        data_dir=tmp_path / "broker",
        allow_anonymous=False,
        password_file=files / "passwd",
        acl_file=files / "acl",
        username_is_client_id=True,
    )
    process = MosquittoProcess(settings)
    pid_file = tmp_path / "mosquitto.pid"
    settings.data_dir.mkdir(parents=True)
    process.config_file.write_text(settings.render() + f"pid_file {pid_file}\n", encoding="utf-8")
    process.start_with_existing_config()
    yield Broker(process, files, pid_file)
    process.kill()


@pytest.fixture
def provisioning_hub(engine: Engine, broker_files: Broker) -> Hub:
    settings = WebSettings(
        broker_dir=broker_files.files,
        broker_pid_file=broker_files.pid_file,
        broker_hub_user=HUB_USER,
        station_mqtt_url=f"mqtt://127.0.0.1:{broker_files.port}",
    )
    return Hub(engine, create_app(engine, settings), AuthStore(engine))


class Station:
    """An MQTT 5 client that records what the broker answered."""

    def __init__(self, username: str, password: str, port: int) -> None:
        self.connack: str | None = None
        self.puback: dict[int, str] = {}
        self.subscribed = threading.Event()
        self.received: list[str] = []
        self._connected = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=username,
            protocol=mqtt.MQTTv5,
        )
        self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_publish = lambda _c, _u, mid, rc, _p: self.puback.__setitem__(mid, str(rc))
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.client.on_message = lambda _c, _u, message: self.received.append(message.topic)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self._connected.wait(5)

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, rc: object, _p: object) -> None:
        self.connack = str(rc)
        self._connected.set()

    def publish(self, name: str) -> str:
        sent = self.client.publish(name, b"{}", qos=1)
        wait_for(lambda: sent.mid in self.puback)
        return self.puback[sent.mid]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def wait_for(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def connects(username: str, password: str, port: int, *, timeout_s: float = 5.0) -> Station:
    """Connect once the broker has re-read its files (SIGHUP is asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while True:
        station = Station(username, password, port)
        if station.connack == "Success" or time.monotonic() > deadline:
            return station
        station.close()
        time.sleep(0.1)


def provision(client: TestClient, csrf: str, **changes: str) -> tuple[int, str]:
    response = client.post("/stations", data={**FORM, **changes, "csrf_token": csrf})
    return response.status_code, response.text


def shown_password(html: str) -> str:
    found = re.search(r'<p class="secret" id="broker-password">([^<]+)</p>', html)
    assert found
    return found.group(1)


def bundle_of(html: str) -> zipfile.ZipFile:
    found = re.search(r'href="data:application/zip;base64,([^"]+)"', html)
    assert found
    return zipfile.ZipFile(io.BytesIO(base64.b64decode(found.group(1))))


def test_a_provisioned_station_connects_and_publishes_only_under_its_own_topics(
    provisioning_hub: Hub, broker_files: Broker
) -> None:
    client, csrf = provisioning_hub.signed_in(Role.ADMIN)
    assert Station("punten-2", "anything", broker_files.port).connack == "Not authorized"
    status, html = provision(client, csrf)
    assert status == 201, html
    password = shown_password(html)
    assert "disimpan" in html and "sudah diminta membacanya ulang" in html
    hub_account = Station(HUB_USER, HUB_PASSWORD, broker_files.port)
    hub_account.client.subscribe("lumbung/v1/#", qos=1)
    assert hub_account.subscribed.wait(5)
    station = connects("punten-2", password, broker_files.port)
    own = [
        topic("kdmp-punten", "punten-2", kind) for kind in (TopicKind.WEIGHING, TopicKind.STATUS)
    ]
    try:
        assert station.connack == "Success"
        assert [station.publish(name) for name in own] == ["Success", "Success"]
        forged = station.publish(topic("kdmp-punten", "punten-1", TopicKind.WEIGHING))
        assert forged == "Not authorized"
        wait_for(lambda: len(hub_account.received) == 2)
        assert hub_account.received == own
    finally:
        station.close()
        hub_account.close()
    assert Station("punten-2", password + "x", broker_files.port).connack == "Not authorized"


def test_the_bundle_holds_a_station_file_the_station_accepts_and_the_password_only_once(
    provisioning_hub: Hub, broker_files: Broker, tmp_path: Path
) -> None:
    client, csrf = provisioning_hub.signed_in(Role.ADMIN)
    status, html = provision(client, csrf, language="en")
    assert status == 201
    password = shown_password(html)
    bundle = bundle_of(html)
    assert sorted(bundle.namelist()) == ["CATATAN.txt", "mqtt-password", "station.toml"]
    assert bundle.read("mqtt-password").decode() == password + "\n"
    note = bundle.read("CATATAN.txt").decode()
    assert f"Kata sandi broker: {password}" in note and "/etc/lumbung/mqtt-password" in note
    station_file = tmp_path / "station.toml"
    station_file.write_bytes(bundle.read("station.toml"))
    config = load_config(station_file)
    assert (config.station.id, config.station.coop, config.station.language) == (
        "punten-2", "kdmp-punten", "en",
    )  # fmt: skip
    assert config.scale.protocol == "xk3190-tf0"
    assert config.mqtt.url == f"mqtt://127.0.0.1:{broker_files.port}"
    assert (config.mqtt.username, config.mqtt.password_file) == (
        "punten-2", "/etc/lumbung/mqtt-password",
    )  # fmt: skip
    assert password not in station_file.read_text(encoding="utf-8")
    download = client.get("/stations/punten-2/station.toml")
    assert download.status_code == 200 and download.content == bundle.read("station.toml")
    assert password not in client.get("/stations").text
    with provisioning_hub.engine.connect() as connection:
        for table in ("station_credentials", "security_audit", "stations"):
            dump = " ".join(map(str, connection.execute(text(f"SELECT * FROM {table}")).all()))
            assert password not in dump, table
        stored = connection.execute(select(StationCredential.password_hash)).scalar_one()
    assert stored.startswith("$7$")
    assert f"punten-2:{stored}" in (broker_files.files / "passwd").read_text(encoding="utf-8")
    assert (broker_files.files / "passwd").stat().st_mode & 0o777 == 0o640


def test_provisioning_keeps_the_hubs_own_broker_account_and_every_other_station(
    provisioning_hub: Hub, broker_files: Broker
) -> None:
    client, csrf = provisioning_hub.signed_in(Role.ADMIN)
    assert provision(client, csrf)[0] == 201
    assert provision(client, csrf, station="sisir-1", coop="kkmp-sisir")[0] == 201
    users = [line.split(":")[0] for line in (broker_files.files / "passwd").read_text().split()]
    assert users == [HUB_USER, "punten-2", "sisir-1"]
    acl = (broker_files.files / "acl").read_text(encoding="utf-8")
    assert "user punten-2\ntopic write lumbung/v1/kdmp-punten/punten-2/weighing" in acl
    assert "user sisir-1\ntopic write lumbung/v1/kkmp-sisir/sisir-1/weighing" in acl
    assert f"user {HUB_USER}\ntopic read lumbung/v1/#" in acl


def test_provisioning_a_station_twice_is_refused_and_a_new_password_replaces_the_old(
    provisioning_hub: Hub, broker_files: Broker
) -> None:
    client, csrf = provisioning_hub.signed_in(Role.ADMIN)
    first = shown_password(provision(client, csrf)[1])
    status, html = provision(client, csrf)
    assert status == 409 and "sudah punya kredensial broker" in html
    rotated = client.post("/stations/punten-2/password", data={"csrf_token": csrf})
    assert rotated.status_code == 201
    second = shown_password(rotated.text)
    assert second != first
    station = connects("punten-2", second, broker_files.port)
    assert station.connack == "Success"
    station.close()
    wait_for(lambda: Station("punten-2", first, broker_files.port).connack == "Not authorized")
    actions = [
        e.action for e in provisioning_hub.store.audit_trail() if e.subject == "station/punten-2"
    ]
    assert actions == ["station_password_rotated", "station_provisioned"]


def test_a_station_the_station_file_would_refuse_is_refused_with_the_field_named(
    provisioning_hub: Hub,
) -> None:
    client, csrf = provisioning_hub.signed_in(Role.ADMIN)
    status, html = provision(client, csrf, station="Punten 2")
    assert status == 422 and "ID stasiun harus huruf kecil" in html
    status, html = provision(client, csrf, protocol="timbangan-ajaib")
    assert status == 422 and "unknown protocol" in html
    admin = {"Authorization": f"Bearer {provisioning_hub.token(Role.ADMIN)}"}
    api = provisioning_hub.client().post(
        "/api/v1/stations", json={**FORM, "scale_port": ""}, headers=admin
    )
    assert api.status_code == 422 and api.json()["error"]["field"] == "scale_port"


def test_the_api_provisions_a_station_and_hands_out_its_password_once(
    provisioning_hub: Hub, broker_files: Broker
) -> None:
    admin = {"Authorization": f"Bearer {provisioning_hub.token(Role.ADMIN)}"}
    client = provisioning_hub.client()
    created = client.post("/api/v1/stations", json=FORM, headers=admin)
    assert created.status_code == 201
    body = created.json()
    assert body["username"] == "punten-2" and body["files_written"] and body["reloaded"]
    station = connects("punten-2", body["password"], broker_files.port)
    assert station.connack == "Success"
    station.close()
    listed = client.get("/api/v1/stations", headers=admin).json()
    assert [(s["id"], s["provisioned"], s["online"]) for s in listed] == [("punten-2", True, None)]
    assert body["password"] not in client.get("/api/v1/audit", headers=admin).text
