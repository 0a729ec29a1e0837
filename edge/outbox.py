"""The station's durable outbox: SQLite in WAL mode, every append synced before "saved".

Rules:

1. ``append`` commits with ``synchronous=FULL``; only after it returns may the display say
   TERSIMPAN.  A kill or power cut after that loses nothing.
2. ``seq`` is per station, starts at 1, and never repeats, even after rows are pruned: the
   next value lives in ``meta`` and moves in the same transaction as the insert.
3. An event leaves the outbox only after **the hub** acknowledged it (``hub_acked``) and the
   retention window has passed, so the hub can still ask for a resend.  A broker PUBACK
   frees nothing here: the broker may still drop the message.
4. Published events without a hub ack are offered again after ``resend_after_s``
   (``due_at``).  Finding what is due reads only due rows (a partial index), so a month of
   backlog costs nothing per publish.
5. When the unacknowledged backlog reaches ``capacity`` the outbox refuses new events with
   ``OutboxFull``; it never drops what it already holds.
6. ``boot`` counts openings, so ``event_id`` stays unique when the wall clock goes backwards.
7. A capture also records, in the same transaction, that the load must come off the scale
   before the next capture (``awaiting_unload``), so an agent restarted with the crate still
   on the scale does not weigh it twice.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from edge.wire import make_event_id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL,
    due_at REAL NOT NULL DEFAULT 0,
    acked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_due ON events (due_at, seq) WHERE acked = 0;
CREATE INDEX IF NOT EXISTS events_unacked ON events (seq) WHERE acked = 0;
INSERT OR IGNORE INTO meta VALUES
    ('next_seq', 1), ('boot', 0), ('hub_acked', 0), ('awaiting_unload', 0);
"""


class OutboxError(Exception):
    """Base of the outbox's errors."""


class OutboxStorageError(OutboxError):
    """The disk under the outbox failed (full, read-only, I/O error); nothing was committed."""


class OutboxFull(OutboxError):
    def __init__(self, backlog: int, capacity: int) -> None:
        super().__init__(f"outbox full: {backlog} unacknowledged events of {capacity}")
        self.backlog = backlog
        self.capacity = capacity


@dataclass(frozen=True, slots=True)
class Pending:
    seq: int
    event_id: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class OutboxStats:
    last_seq: int
    hub_acked: int
    backlog: int
    oldest_unacked_s: int | None
    fill_pct: int


class Outbox:
    def __init__(
        self,
        path: Path,
        *,
        station: str,
        capacity: int = 200_000,
        retention_s: float = 14 * 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._lock = threading.Lock()
        self._station = station
        self._capacity = capacity
        self._retention_s = retention_s
        self._clock = clock
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("UPDATE meta SET value = value + 1 WHERE key = 'boot'")
            self._db.execute("COMMIT")
        self.boot = self._meta("boot")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta(self, key: str) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0])

    @contextmanager
    def _storage(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise OutboxStorageError(
                f"could not {action} the outbox at {self.path}: {exc}"
            ) from exc

    def append(self, build: Callable[[int, str], bytes], *, capture: bool = False) -> Pending:
        """Commit one event durably.  ``build(seq, event_id)`` makes its payload; a
        ``capture`` also marks the load as captured until ``load_removed``."""
        with self._lock, self._storage("write to"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._meta("next_seq")
                backlog = seq - 1 - self._meta("hub_acked")
                if backlog >= self._capacity:
                    raise OutboxFull(backlog, self._capacity)
                event_id = make_event_id(self._station, self.boot, seq)
                payload = build(seq, event_id)
                self._db.execute(
                    "INSERT INTO events (seq, event_id, payload, created_at) VALUES (?, ?, ?, ?)",
                    (seq, event_id, payload, self._clock()),
                )
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", (seq + 1,))
                if capture:
                    self._db.execute("UPDATE meta SET value = 1 WHERE key = 'awaiting_unload'")
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return Pending(seq, event_id, payload)

    @property
    def awaiting_unload(self) -> bool:
        with self._lock:
            return self._meta("awaiting_unload") == 1

    def load_removed(self) -> None:
        with self._lock, self._storage("update"):
            self._db.execute("UPDATE meta SET value = 0 WHERE key = 'awaiting_unload'")

    def due(self, limit: int) -> list[Pending]:
        """Oldest first: never-published events, then those whose hub ack is overdue."""
        if limit <= 0:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, payload FROM events"
                " WHERE acked = 0 AND due_at <= ? ORDER BY due_at, seq LIMIT ?",
                (self._clock(), limit),
            ).fetchall()
        return [Pending(int(seq), str(eid), bytes(p)) for seq, eid, p in rows]

    def mark_published(self, seqs: list[int], *, resend_after_s: float) -> None:
        """Handed to the broker: offer again after ``resend_after_s`` unless the hub acks."""
        if not seqs:
            return
        due_at = self._clock() + resend_after_s
        with self._lock, self._storage("update"):
            # Only a hint for when to publish again: losing it in a power cut means an early
            # resend, which the hub ignores, so it is not worth a disk sync per batch.
            self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "UPDATE events SET due_at = ? WHERE seq = ?", [(due_at, seq) for seq in seqs]
                )
                self._db.execute("COMMIT")
            finally:
                self._db.execute("PRAGMA synchronous=FULL")

    def forget_published(self) -> None:
        """After a reconnect with a lost session, offer every unacknowledged event again."""
        with self._lock, self._storage("update"):
            self._db.execute("UPDATE events SET due_at = 0 WHERE acked = 0")

    def hub_acked(self, seq: int) -> None:
        """The hub holds every event up to ``seq``; prune those older than the retention."""
        with self._lock, self._storage("update"):
            self._db.execute("BEGIN IMMEDIATE")
            current = self._meta("hub_acked")
            last = self._meta("next_seq") - 1
            acked = min(max(current, seq), last)
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'hub_acked'", (acked,))
            self._db.execute("UPDATE events SET acked = 1 WHERE acked = 0 AND seq <= ?", (acked,))
            self._db.execute(
                "DELETE FROM events WHERE seq <= ? AND created_at < ?",
                (acked, self._clock() - self._retention_s),
            )
            self._db.execute("COMMIT")

    def resend_from(self, from_seq: int) -> int:
        """The hub asks again for events from ``from_seq``; returns how many are still held.

        Events the hub had acknowledged but that are still retained are sent again too."""
        with self._lock, self._storage("update"):
            count = self._db.execute(
                "UPDATE events SET acked = 0, due_at = 0 WHERE seq >= ?", (from_seq,)
            ).rowcount
        return int(count)

    def stats(self) -> OutboxStats:
        with self._lock:
            last = self._meta("next_seq") - 1
            acked = self._meta("hub_acked")
            oldest = self._db.execute(
                "SELECT created_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (acked,)
            ).fetchone()
            oldest = None if oldest is None else oldest[0]
        backlog = last - acked
        age = None if oldest is None else max(0, int(self._clock() - oldest))
        return OutboxStats(
            last_seq=last,
            hub_acked=acked,
            backlog=backlog,
            oldest_unacked_s=age,
            fill_pct=min(100, backlog * 100 // self._capacity),
        )
