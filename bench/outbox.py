"""Outbox commit rate: events/s appended with the durable sync, against raw SQLite commits.

The station commits every weighing with ``synchronous=FULL`` in WAL mode before the display
says TERSIMPAN.  The baseline, measured in the same run on the same disk, is a bare
``sqlite3`` insert of the same payload with one commit per row under the same settings; the
``ratio`` shows what the outbox's bookkeeping (sequence, event id, meta row) costs on top.
Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from edge.outbox import Outbox

PAYLOAD = b'{"schema":1,"event_id":"punten-1-1-1","seq":1,"crate":"KRT-000001","gross_g":14230}' * 2


def outbox_rate(path: Path, events: int) -> float:
    box = Outbox(path, station="bench-1", capacity=10 * events)
    started = time.perf_counter()
    for _ in range(events):
        box.append(lambda _seq, _event_id: PAYLOAD)
    elapsed = time.perf_counter() - started
    box.close()
    return events / elapsed


def raw_rate(path: Path, events: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    started = time.perf_counter()
    for _ in range(events):
        db.execute("BEGIN")
        db.execute("INSERT INTO events (payload) VALUES (?)", (PAYLOAD,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lumbung-outbox-"))
    raw = raw_rate(work / "raw.sqlite3", args.events)
    ours = outbox_rate(work / "outbox.sqlite3", args.events)
    result = {
        "bench": "outbox",
        "events": args.events,
        "synchronous": "FULL",
        "journal_mode": "wal",
        "outbox_events_per_s": round(ours),
        "raw_sqlite_commits_per_s": round(raw),
        "ratio": round(ours / raw, 3),
    }
    print(f"outbox appends: {ours:,.0f}/s; raw SQLite commits: {raw:,.0f}/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
