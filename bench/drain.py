"""Draining a station's backlog: 50,000 queued events to a real Mosquitto at QoS 1.

The station's uplink publishes from its outbox with a window of events in flight and waits
for each PUBACK; the rate is measured from start until the broker acknowledged the last event.
The baseline, in the same run against the same broker, is a bare paho-mqtt publisher sending
the same payloads at QoS 1 with the same window; ``ratio`` is ours over it (target >= 0.8).
Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import MqttSection
from edge.outbox import Outbox
from edge.uplink import Uplink
from edge.wire import StationStatus
from hub.broker import BrokerSettings, MosquittoProcess, free_port

PAYLOAD = b'{"schema":1,"event_id":"bench-1-1-1","seq":1,"coop":"kdmp-bench","crate":"KRT-1"}' * 2


def bare_paho_rate(port: int, events: int, window: int) -> float:
    done = threading.Event()
    acked = 0
    free = threading.Semaphore(window)

    def on_publish(*_args: object) -> None:
        nonlocal acked
        acked += 1
        free.release()
        if acked == events:
            done.set()

    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id="bench-bare",
        protocol=mqtt.MQTTv5,
    )
    client.max_inflight_messages_set(window)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    for _ in range(events):
        free.acquire()
        info = client.publish("lumbung/v1/kdmp-bench/bare/weighing", PAYLOAD, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise RuntimeError(f"bare publish refused: {mqtt.error_string(info.rc)}")
    done.wait(300)
    elapsed = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    return events / elapsed


def uplink_rate(port: int, work: Path, events: int, window: int) -> float:
    outbox = Outbox(work / "outbox.sqlite3", station="bench-1", capacity=10 * events)
    for _ in range(events):
        outbox.append(lambda _seq, _event_id: PAYLOAD)
    settings = MqttSection(url=f"mqtt://127.0.0.1:{port}", inflight=window)
    uplink = Uplink(
        coop="kdmp-bench",
        station="bench-1",
        settings=settings,
        outbox=outbox,
        status=lambda online: StationStatus(coop="kdmp-bench", station="bench-1", online=online),
    )
    started = time.perf_counter()
    uplink.start()
    while outbox.due(1) or uplink.inflight:
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    uplink.stop()
    outbox.close()
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lumbung-drain-"))
    broker = MosquittoProcess(BrokerSettings(port=free_port(), data_dir=work / "broker"))
    broker.start()
    try:
        bare = bare_paho_rate(broker.settings.probe_port, args.events, args.window)
        ours = uplink_rate(broker.settings.probe_port, work, args.events, args.window)
    finally:
        broker.stop()
    result = {
        "bench": "drain",
        "events": args.events,
        "window": args.window,
        "uplink_events_per_s": round(ours),
        "bare_paho_events_per_s": round(bare),
        "ratio": round(ours / bare, 3),
    }
    print(f"uplink drain: {ours:,.0f} events/s; bare paho QoS 1: {bare:,.0f}/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
