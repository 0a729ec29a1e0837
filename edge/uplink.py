"""The station's MQTT uplink: drains the outbox to the broker and listens to the hub.

Rules:

1. MQTT 5, QoS 1, a persistent session (``clean_start=False`` with a long expiry), client id
   equal to the station id so the broker's ACL can match it.
2. The outbox is the only buffer.  At most ``inflight`` events are handed to paho at a time
   (oldest first); a PUBACK frees a slot in that window and nothing else.  Only the hub's
   retained ``ack`` lets the outbox forget an event.
3. Every ``publish`` return code is checked: paho returns, rather than raises, errors such as a
   full message-id space or a lost connection.
4. The network loop runs on a thread we own, so reconnection uses our backoff with jitter and a
   watchdog (``alive``/``restart``) can replace a loop that died or hung.
5. The last will marks the station offline (retained); a status goes out on every connect and
   every ``status_every_s``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from edge.config import MqttSection
from edge.mqtt_socket import disable_nagle
from edge.outbox import Outbox, OutboxError
from edge.wire import (
    HubAck,
    ResendRequest,
    StationConfigUpdate,
    StationStatus,
    TopicKind,
    parse_topic,
    topic,
)

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 30 * 86400
MAX_BACKOFF_S = 30.0
"""Reconnect attempts slow down to one every 30 s (±50 % jitter): cheap on a village link, and
a station is back within about half a minute of its network returning."""
STALE_LOOP_S = 30.0


class Uplink:
    def __init__(
        self,
        *,
        coop: str,
        station: str,
        settings: MqttSection,
        outbox: Outbox,
        status: Callable[[bool], StationStatus],
        on_config: Callable[[StationConfigUpdate], str] | None = None,
        status_every_s: float = 60.0,
    ) -> None:
        self._coop = coop
        self._station = station
        self._settings = settings
        self._outbox = outbox
        self._status = status
        self._on_config = on_config
        self._status_every_s = status_every_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._inflight: set[int] = set()
        self._inflight_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.connected = False
        self.heartbeat = time.monotonic()
        self.last_error: str | None = None

    # -- lifecycle --

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def alive(self) -> bool:
        thread = self._thread
        fresh = time.monotonic() - self.heartbeat < STALE_LOOP_S
        return thread is not None and thread.is_alive() and fresh

    def restart(self) -> None:
        """Watchdog action: abandon a dead or hung loop and start a fresh client."""
        log.warning("uplink loop is not running; restarting it")
        self._stop.set()
        self._wake.set()
        self._thread = None
        self.heartbeat = time.monotonic()
        self.start()

    @property
    def inflight(self) -> int:
        """Events handed to the broker and not yet acknowledged by it (PUBACK)."""
        with self._inflight_lock:
            return len(self._inflight)

    def wake(self) -> None:
        """A new event is in the outbox: drain without waiting for the next tick."""
        self._wake.set()

    # -- the loop --

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._station,
            protocol=mqtt.MQTTv5,
        )
        if self._settings.username:
            client.username_pw_set(self._settings.username, self._password())
        if self._settings.tls:
            client.tls_set(ca_certs=self._settings.ca_file)
        client.max_inflight_messages_set(self._settings.inflight)
        offline = self._status(False)
        client.will_set(self._topic(TopicKind.STATUS), offline.to_json(), qos=1, retain=True)
        client.on_socket_open = disable_nagle
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    def _password(self) -> str | None:
        if not self._settings.password_file:
            return None
        return Path(self._settings.password_file).read_text(encoding="utf-8").strip()

    def _topic(self, kind: TopicKind) -> str:
        return topic(self._coop, self._station, kind)

    def _run(self) -> None:
        stop = self._stop
        client = self._make_client()
        url = urlsplit(self._settings.url)
        host = url.hostname or "localhost"
        port = url.port or (8883 if self._settings.tls else 1883)
        backoff = 1.0
        next_status = 0.0
        connect_properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        connect_properties.SessionExpiryInterval = SESSION_EXPIRY_S
        socket_open = False
        while not stop.is_set():
            self.heartbeat = time.monotonic()
            if not socket_open:
                try:
                    client.connect(
                        host, port, keepalive=30, clean_start=False, properties=connect_properties
                    )
                    socket_open = True
                except (OSError, ValueError) as exc:
                    self.last_error = f"cannot reach broker {host}:{port}: {exc}"
                    log.warning("%s; retrying in %.0f s", self.last_error, backoff)
                    stop.wait(backoff * random.uniform(0.5, 1.5))
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                    continue
            rc = client.loop(timeout=0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                socket_open = False
                self.connected = False
                stop.wait(backoff * random.uniform(0.5, 1.5))
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            if not self.connected:
                continue
            backoff = 1.0
            now = time.monotonic()
            if now >= next_status:
                self._publish_status(client, online=True)
                next_status = now + self._status_every_s
            try:
                busy = self._drain(client)
            except OutboxError as exc:
                self.last_error = str(exc)
                log.error("%s", exc)
                busy = False
            if not busy and self._wake.wait(0.05):
                self._wake.clear()
        if socket_open:
            self._publish_status(client, online=False)
            client.loop(timeout=0.2)
            client.disconnect()
            client.loop(timeout=0.2)
        self.connected = False

    def _drain(self, client: mqtt.Client) -> bool:
        """Fill the in-flight window from the outbox; True when it is full (more may wait)."""
        with self._inflight_lock:
            window = self._settings.inflight
            room = window - len(self._inflight)
        if room < max(1, window // 2) and room < window:
            return True
        due = self._outbox.due(room)
        published: list[int] = []
        for event in due:
            info = client.publish(self._topic(TopicKind.WEIGHING), event.payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                self.last_error = (
                    f"publish of seq {event.seq} refused: {mqtt.error_string(info.rc)}"
                )
                log.warning(self.last_error)
                break
            with self._inflight_lock:
                self._inflight.add(info.mid)
            published.append(event.seq)
        self._outbox.mark_published(published, resend_after_s=self._settings.resend_after_s)
        return room <= 0 or len(published) == room

    def _publish_status(self, client: mqtt.Client, *, online: bool) -> None:
        payload = self._status(online).to_json()
        info = client.publish(self._topic(TopicKind.STATUS), payload, qos=1, retain=True)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("status publish refused: %s", mqtt.error_string(info.rc))

    # -- paho callbacks (run on our loop thread) --

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            self.last_error = f"broker refused the connection: {reason}"
            log.error(self.last_error)
            self.connected = False
            return
        log.info("connected to broker (session present: %s)", flags.session_present)
        self.connected = True
        self.last_error = None
        with self._inflight_lock:
            self._inflight.clear()
        # Whatever was in flight when the link dropped may be lost (a killed broker, a cut
        # relay): offer every unacknowledged event again now rather than after the resend
        # timeout.  The hub stores an event once however often it arrives.
        try:
            self._outbox.forget_published()
        except OutboxError as exc:
            log.error("%s; unacknowledged events go out again after the resend timeout", exc)
        client.subscribe(
            [(self._topic(kind), 1) for kind in (TopicKind.ACK, TopicKind.RESEND, TopicKind.CONFIG)]
        )

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if self.connected and not self._stop.is_set():
            log.warning("disconnected from broker: %s", reason)
        self.connected = False
        with self._inflight_lock:
            self._inflight.clear()

    def _on_publish(
        self, _client: mqtt.Client, _userdata: Any, mid: int, reason: Any, _props: Any
    ) -> None:
        with self._inflight_lock:
            self._inflight.discard(mid)
        if reason.is_failure:
            self.last_error = f"broker refused a publish: {reason}"
            log.error(self.last_error)

    def _on_message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            _coop, _station, kind = parse_topic(message.topic)
            if kind is TopicKind.ACK:
                self._outbox.hub_acked(HubAck.model_validate_json(message.payload).seq)
            elif kind is TopicKind.RESEND:
                request = ResendRequest.model_validate_json(message.payload)
                held = self._outbox.resend_from(request.from_seq)
                log.info("hub asked to resend from seq %d; %d events held", request.from_seq, held)
                self._wake.set()
            elif kind is TopicKind.CONFIG and self._on_config is not None and message.payload:
                result = self._on_config(StationConfigUpdate.model_validate_json(message.payload))
                log.info("config from hub: %s", result)
                self._publish_status(client, online=True)
        except (ValueError, ValidationError) as exc:
            log.error("ignored a bad message on %s: %s", message.topic, exc)
        except OutboxError as exc:
            log.error("could not record %s: %s", message.topic, exc)
