"""The broker as deployed, attacked from a station's side, against a real Mosquitto.

Stations speak MQTT 5, so a publish the ACL denies is answered "Not authorized" instead of
being dropped in silence (as MQTT 3.1.1 would).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import MqttSection
from edge.outbox import Outbox
from edge.uplink import Uplink
from edge.wire import StationStatus, TopicKind, topic
from hub.broker import (
    BrokerSettings,
    MosquittoProcess,
    StationAccount,
    TlsFiles,
    free_port,
    station_acl,
    write_password_file,
)

ROOT = Path(__file__).resolve().parent.parent
PUNTEN = StationAccount("punten-1", "kdmp-punten", "punten-secret")
SISIR = StationAccount("sisir-1", "kkmp-sisir", "sisir-secret")
HUB = ("lumbung-hub", "hub-secret")


class Client:
    """A paho MQTT 5 client that records what the broker answered."""

    def __init__(self, name: str, password: str, port: int, tls: Path | None = None) -> None:
        self.connected = threading.Event()
        self.connack: str | None = None
        self.puback: dict[int, str] = {}
        self.suback: list[str] = []
        self.messages: list[tuple[str, bytes]] = []
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set(name, password)
        if tls is not None:
            self.client.tls_set(ca_certs=str(tls))
        self.client.on_connect = self._on_connect
        self.client.on_publish = lambda _c, _u, mid, rc, _p: self.puback.__setitem__(mid, str(rc))
        self.client.on_subscribe = lambda _c, _u, _m, rcs, _p: self.suback.extend(map(str, rcs))
        self.client.on_message = lambda _c, _u, m: self.messages.append((m.topic, m.payload))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.connected.wait(5)

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, rc: object, _p: object) -> None:
        self.connack = str(rc)
        self.connected.set()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def wait(check: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[MosquittoProcess]:
    config_dir = tmp_path / "broker"
    write_password_file(
        config_dir / "passwd",
        {HUB[0]: HUB[1], PUNTEN.station: PUNTEN.password, SISIR.station: SISIR.password},
    )
    (config_dir / "acl").write_text(station_acl([PUNTEN, SISIR], hub_user=HUB[0]))
    broker = MosquittoProcess(
        BrokerSettings(
            port=free_port(),
            data_dir=config_dir,
            allow_anonymous=False,
            password_file=config_dir / "passwd",
            acl_file=config_dir / "acl",
            username_is_client_id=True,
        )
    )
    broker.start()
    yield broker
    broker.kill()


def test_a_station_cannot_publish_under_another_stations_topic(secured: MosquittoProcess) -> None:
    port = secured.settings.probe_port
    hub = Client(*HUB, port)
    hub.client.subscribe("lumbung/v1/#", qos=1)
    punten = Client(PUNTEN.station, PUNTEN.password, port)
    try:
        wait(lambda: hub.suback)
        own = punten.client.publish(
            topic(PUNTEN.coop, PUNTEN.station, TopicKind.WEIGHING), b"{}", 1
        )
        forged = punten.client.publish(
            topic(SISIR.coop, SISIR.station, TopicKind.WEIGHING), b"{}", 1
        )
        wait(lambda: len(punten.puback) == 2)
        assert punten.puback[own.mid] == "Success"
        assert punten.puback[forged.mid] == "Not authorized"
        wait(lambda: hub.messages)
        time.sleep(0.3)
        assert [t for t, _ in hub.messages] == ["lumbung/v1/kdmp-punten/punten-1/weighing"]
    finally:
        punten.close()
        hub.close()


def test_a_station_cannot_read_another_stations_config(secured: MosquittoProcess) -> None:
    port = secured.settings.probe_port
    hub = Client(*HUB, port)
    sisir_config = topic(SISIR.coop, SISIR.station, TopicKind.CONFIG)
    hub.client.publish(sisir_config, b'{"schema":1,"workflow":{"min_net_g":800}}', 1, retain=True)
    punten = Client(PUNTEN.station, PUNTEN.password, port)
    sisir = Client(SISIR.station, SISIR.password, port)
    try:
        punten.client.subscribe(sisir_config, qos=1)
        sisir.client.subscribe(sisir_config, qos=1)
        wait(lambda: punten.suback and sisir.messages)
        time.sleep(0.3)
        assert sisir.messages and sisir.messages[0][0] == sisir_config
        assert punten.messages == []
    finally:
        punten.close()
        sisir.close()
        hub.close()


def test_a_wrong_password_and_a_borrowed_identity_are_refused(secured: MosquittoProcess) -> None:
    port = secured.settings.probe_port
    wrong = Client(PUNTEN.station, "guess", port)
    anonymous = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    refused: list[str] = []
    anonymous.on_connect = lambda _c, _u, _f, rc, _p: refused.append(str(rc))
    try:
        assert wrong.connack in ("Bad user name or password", "Not authorized")
        anonymous.connect("127.0.0.1", port)
        anonymous.loop_start()
        wait(lambda: refused)
        assert refused and refused[0] in ("Bad user name or password", "Not authorized")
    finally:
        wrong.close()
        anonymous.loop_stop()


@pytest.fixture
def tls_only(tmp_path: Path) -> Iterator[tuple[MosquittoProcess, Path]]:
    certs = tmp_path / "certs"
    subprocess.run(
        [
            "bash",
            str(ROOT / "firmware-config" / "mosquitto" / "make-ca.sh"),
            str(certs),
            "localhost",
            "127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    config_dir = tmp_path / "broker"
    write_password_file(config_dir / "passwd", {PUNTEN.station: PUNTEN.password, HUB[0]: HUB[1]})
    (config_dir / "acl").write_text(station_acl([PUNTEN], hub_user=HUB[0]))
    broker = MosquittoProcess(
        BrokerSettings(
            port=None,
            tls_port=free_port(),
            tls=TlsFiles(certs / "ca.crt", certs / "server.crt", certs / "server.key"),
            data_dir=config_dir,
            allow_anonymous=False,
            password_file=config_dir / "passwd",
            acl_file=config_dir / "acl",
            username_is_client_id=True,
        )
    )
    broker.start()
    yield broker, certs / "ca.crt"
    broker.kill()


def test_tls_connections_work_and_plain_ones_are_refused(
    tls_only: tuple[MosquittoProcess, Path],
) -> None:
    broker, ca = tls_only
    port = broker.settings.probe_port
    secure = Client(PUNTEN.station, PUNTEN.password, port, tls=ca)
    try:
        assert secure.connack == "Success"
        info = secure.client.publish(topic(PUNTEN.coop, PUNTEN.station, TopicKind.STATUS), b"{}", 1)
        wait(lambda: info.mid in secure.puback)
        assert secure.puback[info.mid] in ("Success", "No matching subscribers")
    finally:
        secure.close()
    plain = Client(PUNTEN.station, PUNTEN.password, port)
    try:
        assert plain.connack is None
    finally:
        plain.close()
    # A client that trusts only the system's CAs refuses the hub's own CA.
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    context = ssl.create_default_context()
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        context.wrap_socket(raw, server_hostname="localhost"),
    ):
        pass
    raw.close()


def test_the_station_agent_uplink_delivers_over_tls_with_its_password_file(
    tls_only: tuple[MosquittoProcess, Path], tmp_path: Path
) -> None:
    broker, ca = tls_only
    port = broker.settings.probe_port
    password_file = tmp_path / "mqtt-password"
    password_file.write_text(PUNTEN.password + "\n")
    hub = Client(*HUB, port, tls=ca)
    hub.client.subscribe("lumbung/v1/+/+/weighing", qos=1)
    outbox = Outbox(tmp_path / "outbox.sqlite3", station=PUNTEN.station)
    outbox.append(lambda _seq, _event_id: b'{"schema":1}')
    settings = MqttSection(
        url=f"mqtts://localhost:{port}",
        tls=True,
        ca_file=str(ca),
        username=PUNTEN.station,
        password_file=str(password_file),
    )
    uplink = Uplink(
        coop=PUNTEN.coop,
        station=PUNTEN.station,
        settings=settings,
        outbox=outbox,
        status=lambda online: StationStatus(
            coop=PUNTEN.coop, station=PUNTEN.station, online=online
        ),
    )
    uplink.start()
    try:
        wait(lambda: hub.messages, 10)
        assert hub.messages == [
            (topic(PUNTEN.coop, PUNTEN.station, TopicKind.WEIGHING), b'{"schema":1}')
        ]
    finally:
        uplink.stop()
        outbox.close()
        hub.close()
