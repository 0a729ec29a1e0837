"""What a growing queue for an offline hub costs the broker, by how it saves its state.

While the hub is down (an upgrade, a crash, a long night), Mosquitto queues every event for
the hub's persistent session.  Mosquitto saves its whole state — every queued message — at
each autosave.  This benchmark fills such a queue with ``--events`` weighing events (QoS 1,
the stations' window of 100) and reports the broker's CPU per message for each slice of
``--slice`` events, once for each way of saving:

* ``timer``: the deployed setting (``hub.broker.BrokerSettings``: every 60 s);
* ``changes``: the baseline, ``autosave_on_changes`` every 60 changes, the earlier setting.

Saving on changes rewrites the queue every 60 messages, so each message costs more the longer
the queue is, and filling it is quadratic; on the timer the cost per message stays flat.
``ratio`` is the broker's CPU per message in the last slice, ``changes`` over ``timer``.
Reading a process's CPU time uses Linux's ``/proc``.  Prints a line per slice, then one JSON
object on the last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

# Run as ``python bench/…``, this folder comes first on the path and bench/labels.py would
# shadow the labels package the hub imports; the repository root goes first instead.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.ingest import WINDOW, broker_pid, cpu_seconds, payloads
from edge.wire import TopicKind, subscription
from hub.broker import BrokerSettings, MosquittoProcess, free_port

ON_CHANGES = 60
"""The baseline: save after this many changes (``autosave_on_changes``)."""


def subscribe_and_leave(port: int) -> None:
    """A hub with a persistent session subscribes, then goes offline."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="hub-1", protocol=mqtt.MQTTv5)
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 86_400
    client.connect("127.0.0.1", port, clean_start=False, properties=properties)
    client.loop_start()
    client.subscribe(subscription(TopicKind.WEIGHING), qos=1)
    time.sleep(0.5)
    client.disconnect()
    client.loop_stop()


def fill(broker: MosquittoProcess, events: int, slice_size: int, label: str) -> list[float]:
    """Publish ``events`` into the offline hub's queue; the broker's µs per message by slice."""
    port = broker.settings.port
    assert port is not None
    subscribe_and_leave(port)
    pid = broker_pid(broker)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="station", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(WINDOW)
    client.connect("127.0.0.1", port)
    client.loop_start()
    per_slice: list[float] = []
    try:
        messages = payloads(events)
        for start in range(0, events, slice_size):
            cpu_before, began = cpu_seconds(pid), time.monotonic()
            batch = messages[start : start + slice_size]
            infos = [client.publish(name, body, qos=1) for name, body in batch]
            for info in infos:
                info.wait_for_publish(600)
            count = len(infos)
            per_slice.append((cpu_seconds(pid) - cpu_before) * 1e6 / count)
            print(
                f"{label:8} queue {start + count:7,}: broker {per_slice[-1]:7.1f} µs/message, "
                f"{count / (time.monotonic() - began):8,.0f} messages/s",
                flush=True,
            )
    finally:
        client.loop_stop()
        client.disconnect()
    return per_slice


def run(settings: BrokerSettings, events: int, slice_size: int, label: str) -> list[float]:
    broker = MosquittoProcess(settings)
    if label == "changes":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        broker.config_file.write_text(
            settings.render()
            .replace(f"autosave_interval {settings.autosave_s}", f"autosave_interval {ON_CHANGES}")
            .replace("autosave_on_changes false", "autosave_on_changes true"),
            encoding="utf-8",
        )
        broker.start_with_existing_config()
    else:
        broker.start()
    try:
        return fill(broker, events, slice_size, label)
    finally:
        broker.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--slice", type=int, default=10_000, help="events per reported slice")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lumbung-backlog-") as tmp:
        found = {
            label: run(
                BrokerSettings(port=free_port(), data_dir=Path(tmp) / label),
                args.events,
                args.slice,
                label,
            )
            for label in ("timer", "changes")
        }
    summary = {
        "bench": "broker_backlog",
        "events": args.events,
        "slice": args.slice,
        "timer_us_per_message": [round(v, 1) for v in found["timer"]],
        "changes_us_per_message": [round(v, 1) for v in found["changes"]],
        "ratio": round(found["changes"][-1] / found["timer"][-1], 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
