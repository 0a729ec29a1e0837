"""The station's outbox: nothing the packer was told is saved is ever lost or repeated."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.outbox import Outbox, OutboxFull, OutboxStorageError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def payload(seq: int, event_id: str) -> bytes:
    return json.dumps({"seq": seq, "event_id": event_id}).encode()


def test_seq_is_monotonic_and_event_ids_unique_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    first = Outbox(path, station="punten-1")
    a, b = first.append(payload), first.append(payload)
    first.close()
    second = Outbox(path, station="punten-1")
    c = second.append(payload)
    assert [a.seq, b.seq, c.seq] == [1, 2, 3]
    assert [a.event_id, b.event_id, c.event_id] == ["punten-1-1-1", "punten-1-1-2", "punten-1-2-3"]
    assert second.boot == 2


def test_the_outbox_is_durable_wal_with_full_sync(tmp_path: Path) -> None:
    import sqlite3

    box = Outbox(tmp_path / "o.sqlite3", station="s")
    box.append(payload)
    check = sqlite3.connect(tmp_path / "o.sqlite3")
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_events_are_offered_oldest_first_and_again_when_the_hub_stays_silent(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    box = Outbox(tmp_path / "o.sqlite3", station="s", clock=clock)
    for _ in range(5):
        box.append(payload)
    assert [p.seq for p in box.due(3)] == [1, 2, 3]
    box.mark_published([1, 2, 3], resend_after_s=60)
    assert [p.seq for p in box.due(10)] == [4, 5]
    box.mark_published([4, 5], resend_after_s=60)
    assert box.due(10) == []
    clock.now += 61
    assert [p.seq for p in box.due(10)] == [1, 2, 3, 4, 5]


def test_only_the_hubs_ack_releases_events_and_only_after_retention(tmp_path: Path) -> None:
    clock = FakeClock()
    box = Outbox(tmp_path / "o.sqlite3", station="s", retention_s=3600, clock=clock)
    for _ in range(4):
        box.append(payload)
    box.mark_published([1, 2, 3, 4], resend_after_s=60)
    box.hub_acked(3)
    assert box.stats().backlog == 1
    clock.now += 120
    assert [p.seq for p in box.due(10)] == [4]
    assert box.resend_from(2) == 3
    assert [p.seq for p in box.due(10)] == [2, 3, 4]
    box.mark_published([2, 3, 4], resend_after_s=60)
    box.hub_acked(4)
    assert box.resend_from(1) == 4
    assert [p.seq for p in box.due(10)] == [1, 2, 3, 4]
    assert box.stats().backlog == 0
    clock.now += 3600
    box.hub_acked(4)
    assert box.resend_from(1) == 0


def test_a_full_outbox_refuses_new_events_and_keeps_the_old(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", station="s", capacity=1000)
    for _ in range(1000):
        box.append(payload)
    with pytest.raises(OutboxFull, match="1000 unacknowledged events of 1000"):
        box.append(payload)
    assert box.stats().backlog == 1000
    assert box.stats().fill_pct == 100
    box.hub_acked(10)
    assert box.append(payload).seq == 1001


def test_an_ack_beyond_what_the_station_holds_is_clamped(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", station="s")
    box.append(payload)
    box.hub_acked(99)
    assert box.stats().hub_acked == 1
    assert box.append(payload).seq == 2


def test_a_capture_is_remembered_until_the_load_comes_off_even_across_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, station="s")
    box.append(payload)
    assert not box.awaiting_unload
    box.append(payload, capture=True)
    box.close()
    reopened = Outbox(path, station="s")
    assert reopened.awaiting_unload
    reopened.load_removed()
    assert not Outbox(path, station="s").awaiting_unload


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, so the outbox meets a really full disk (needs root to mount)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_refuses_the_new_event_and_keeps_every_old_one(small_disk: Path) -> None:
    box = Outbox(small_disk / "outbox.sqlite3", station="s")
    for _ in range(20):
        box.append(payload)
    ballast = small_disk / "ballast"
    with ballast.open("wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
    with pytest.raises(OutboxStorageError, match=r"could not write to the outbox at .*full"):
        for _ in range(200):
            box.append(lambda seq, event_id: payload(seq, event_id) * 50)
    for write in (box.load_removed, box.forget_published, lambda: box.hub_acked(5)):
        with contextlib.suppress(OutboxStorageError):
            write()
    ballast.unlink()
    assert [p.seq for p in box.due(100)][:20] == list(range(1, 21))
    assert box.append(payload).seq == box.stats().last_seq
    box.close()
