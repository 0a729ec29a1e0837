"""Operator pages under load: dashboard and trace response times with 50 users at once.

The hub's web application runs as it does in production, uvicorn in a process of its own with
the default engine and thread pool, on a database of generated data: 24 Batu stations that
each weighed ``--crates`` crates a day for ``--days`` days (defaults: 150 crates, 7 days;
25,200 weighings), every 50 crates closed into a lot, every lot dispatched and received at the
hub, and each station's last status.  The data goes in through the hub's own path: events
stored as ingest stores them, projected by the projection service, dispatched and received by
the stock services.

Each simulated user signs in once (a session of its own), then loops with no pause: the
dashboard, its live fragment, and a trace of a random lot or crate, until it has made
``--requests`` requests.  Times are wall-clock per request at the client, as a person would
wait for them; one user alone goes first, for the unloaded figure.  With no pause between
requests, 50 users keep the server saturated, so their times are mostly queueing: about
users / throughput.  Prints human
lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

# Run as ``python bench/…``, this folder comes first on the path and bench/labels.py would
# shadow the labels package the hub imports; the repository root goes first instead.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from edge.config import StationConfig
from edge.wire import EventType, StationClock, StationStatus, WeighingEvent, make_event_id
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.broker import free_port
from hub.db.engine import make_engine, normalise_url, upgrade
from hub.db.models import StationEvent, StationStatusRow
from hub.domain.catalog import GradeRecord, ProductRecord
from hub.domain.projection import HUB_TZ
from hub.domain.trace import MemberRecord
from hub.ingest import event_row, refresh_contiguous_many
from hub.services.projection import project_pending
from hub.services.stock import dispatch, receive, register_catalog
from hub.services.unit_of_work import SqlAlchemyUnitOfWork
from hub.stations import register_stations

DEFAULT_DB: Final = "postgresql://postgres@127.0.0.1:5432/lumbung_bench_web"
STATIONS: Final = 24
LOT_SIZE: Final = 50
MEMBERS: Final = 40
PASSWORD: Final = "bench-password-1"
PRODUCTS: Final = (("apel", "Apel Manalagi", 14), ("jeruk", "Jeruk Batu", 10))


def recreate_postgres(url: str) -> None:
    full = make_url(normalise_url(url))
    admin = create_engine(full.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{full.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{full.database}"'))
    admin.dispose()


def station_config(n: int) -> StationConfig:
    return StationConfig.model_validate(
        {
            "station": {"id": f"desa-{n:02d}-1", "coop": f"kdmp-desa-{n:02d}", "name": f"Desa {n}"},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "/tmp/unused"},
        }
    )


def generate(engine: Engine, *, days: int, crates: int, seed: int) -> tuple[int, list[str]]:
    """Fill the database; returns the number of weighings and the codes to trace."""
    rng = random.Random(seed)
    configs = [station_config(n) for n in range(STATIONS)]
    register_stations(engine, configs)
    uow = SqlAlchemyUnitOfWork(engine)
    register_catalog(
        uow,
        at=datetime.now(UTC) - timedelta(days=days + 30),
        products=[ProductRecord(p, name, life) for p, name, life in PRODUCTS],
        grades=[GradeRecord(f"PRD-{p.upper()}-A", p, "A") for p, _n, _l in PRODUCTS],
        members=[
            MemberRecord(f"AGT-{n:02d}-{m:02d}", c.station.coop, f"Petani {n}-{m}", f"Desa {n}")
            for n, c in enumerate(configs)
            for m in range(MEMBERS)
        ],
    )
    today = datetime.now(UTC).astimezone(HUB_TZ).date()
    weighings, codes, lots = 0, [], []
    for n, config in enumerate(configs):
        station, coop = config.station.id, config.station.coop
        events: list[WeighingEvent] = []
        open_crates: list[tuple[str, int]] = []
        for day_index in range(days):
            day = today - timedelta(days=days - 1 - day_index)
            start = datetime.combine(day, datetime.min.time(), HUB_TZ) + timedelta(hours=6)
            step = timedelta(hours=8) / crates
            for c in range(crates):
                seq = len(events) + 1
                at = min(start + step * c, datetime.now(UTC) - timedelta(seconds=crates - c))
                crate = f"KRT-{n:02d}-{day_index:02d}-{c:04d}"
                net_g = rng.randint(8_000, 16_000)
                product = PRODUCTS[(c // LOT_SIZE) % len(PRODUCTS)][0]
                events.append(
                    _event(station, coop, seq, at, crate=crate, net_g=net_g,
                           member=f"AGT-{n:02d}-{rng.randrange(MEMBERS):02d}",
                           product=f"PRD-{product.upper()}-A")
                )  # fmt: skip
                open_crates.append((crate, net_g))
                weighings += 1
                if len(open_crates) == LOT_SIZE:
                    lot = f"LOT-{n:02d}-{day_index:02d}-{c // LOT_SIZE:02d}"
                    events.append(
                        _event(station, coop, seq + 1, at + timedelta(seconds=1),
                               type=EventType.LOT_CLOSE, lot=lot,
                               lot_crates=[k for k, _g in open_crates],
                               lot_net_g=sum(g for _k, g in open_crates))
                    )  # fmt: skip
                    lots.append((lot, at))
                    codes += [lot, open_crates[0][0]]
                    open_crates = []
        rows = [event_row(e, e.clock.station_time + timedelta(seconds=1)) for e in events]
        with engine.begin() as connection:
            connection.execute(insert(StationEvent), rows)
            refresh_contiguous_many(connection, [station])
            status = StationStatus(
                coop=coop, station=station, online=n % 6 != 5, clock_synced=n % 8 != 7,
                backlog=rng.randrange(5), scale="ok", scanner="ok", outbox_fill_pct=1,
            )  # fmt: skip
            connection.execute(
                insert(StationStatusRow),
                {
                    "station_id": station,
                    "online": status.online,
                    "last_seen": datetime.now(UTC) - timedelta(seconds=rng.randrange(600)),
                    "backlog": status.backlog,
                    "clock_synced": status.clock_synced,
                    "payload": status.model_dump_json(by_alias=True),
                },
            )
        print(f"  station {station}: {len(events)} events stored", flush=True)
    project_pending(uow)
    for lot, closed in lots:
        sent = dispatch(uow, lots=[lot], departed_at=closed + timedelta(minutes=5), operator="b")
        receive(
            uow, received_at=closed + timedelta(minutes=50), operator="b", dispatch_code=sent.code
        )
    return weighings, codes


def _event(station: str, coop: str, seq: int, at: datetime, **fields: object) -> WeighingEvent:
    weight: dict[str, object] = {}
    if "net_g" in fields:
        net = int(str(fields["net_g"]))
        weight = {
            "gross_g": net + 1_800,
            "tare_g": 1_800,
            "raw_weight": f"{(net + 1_800) / 1000:.3f}",
            "raw_unit": "kg",
            "stable": True,
            "driver": "and",
        }
    return WeighingEvent.model_validate(
        {
            "event_id": make_event_id(station, 1, seq),
            "seq": seq,
            "coop": coop,
            "station": station,
            "clock": StationClock(
                station_time=at, clock_synced=True, monotonic_ms=seq * 1000, boot=1
            ),
            **weight,
            **fields,
        }
    )


def sample_codes(engine: Engine, *, seed: int, count: int = 200) -> tuple[int, list[str]]:
    """The number of weighings, and lots and crates to trace, drawn from a database as it is."""
    rng = random.Random(seed)
    with engine.connect() as connection:
        weighings = connection.execute(text("SELECT count(*) FROM weighings")).scalar_one()
        highest = connection.execute(text("SELECT max(id) FROM weighings")).scalar_one() or 0
        lots = connection.execute(text("SELECT id FROM lots ORDER BY id")).scalars().all()
        crates = [
            connection.execute(
                text("SELECT crate_id FROM weighings WHERE id >= :id ORDER BY id LIMIT 1"),
                {"id": rng.randint(1, highest)},
            ).scalar_one()
            for _ in range(count // 2)
        ]
    return weighings, rng.sample(list(lots), min(len(lots), count // 2)) + crates


def serve(db: str, port: int) -> None:
    """The server process: the hub's application under uvicorn, as ``lumbung hub serve``."""
    import uvicorn

    from hub.api.app import create_app

    uvicorn.run(create_app(make_engine(db)), host="127.0.0.1", port=port, log_level="warning")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def user(
    base: str, cookie: str, codes: list[str], requests: int, seed: int,
    times: dict[str, list[float]], errors: list[str], lock: threading.Lock,
) -> None:  # fmt: skip
    rng = random.Random(seed)
    kinds = ("dashboard", "live", "trace")
    with httpx.Client(base_url=base, cookies={"lumbung_session": cookie}, timeout=60) as client:
        for n in range(requests):
            kind = kinds[n % len(kinds)]
            path = {"dashboard": "/", "live": "/dashboard/live"}.get(kind) or "/trace"
            params = {"code": rng.choice(codes)} if kind == "trace" else None
            started = time.perf_counter()
            response = client.get(path, params=params)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code != 200:
                    errors.append(f"{path} {response.status_code}")
                times[kind].append(elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="PostgreSQL URL (recreated) or SQLite file"
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use --db as it is (e.g. bench/trace.py's one-year database) instead of generating",
    )
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--crates", type=int, default=150, help="crates per station per day")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30, help="requests per user")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db, args.serve)
        return 0

    postgres = args.db.startswith("postgres")
    if args.existing:
        engine = make_engine(args.db)
        upgrade(engine)
        weighings, codes = sample_codes(engine, seed=args.seed)
        print(f"existing database: {weighings} weighings", flush=True)
    else:
        if postgres:
            recreate_postgres(args.db)
        else:
            Path(args.db).unlink(missing_ok=True)
        engine = make_engine(args.db)
        upgrade(engine)
        print(f"generating {STATIONS} stations × {args.days} days × {args.crates} crates")
        started = time.monotonic()
        weighings, codes = generate(engine, days=args.days, crates=args.crates, seed=args.seed)
        print(f"  {weighings} weighings in {time.monotonic() - started:.0f} s", flush=True)
        if postgres:
            # Fresh statistics, as autovacuum keeps them on a hub that filled up over weeks;
            # just after a bulk load the planner would scan station_events whole for the
            # latest rows.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
    store = AuthStore(engine)
    if not any(account.username == "bench" for account in store.accounts()):
        store.create_account(username="bench", password=PASSWORD, role=Role.VIEWER, actor="bench")
    cookies = [store.sign_in(username="bench", password=PASSWORD).cookie for _ in range(args.users)]
    engine.dispose()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--db", args.db, "--serve", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the hub did not start") from None
                time.sleep(0.2)
        errors: list[str] = []
        lock = threading.Lock()
        alone: dict[str, list[float]] = {"dashboard": [], "live": [], "trace": []}
        user(base, cookies[0], codes, args.requests, args.seed, alone, errors, lock)
        times: dict[str, list[float]] = {"dashboard": [], "live": [], "trace": []}
        threads = [
            threading.Thread(
                target=user,
                args=(base, cookie, codes, args.requests, args.seed + n, times, errors, lock),
            )
            for n, cookie in enumerate(cookies)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    total = sum(len(v) for v in times.values())
    result: dict[str, object] = {
        "bench": "web",
        "db": "postgresql" if postgres else "sqlite",
        "stations": STATIONS,
        "days": None if args.existing else args.days,
        "weighings": weighings,
        "database": "existing" if args.existing else "generated",
        "users": args.users,
        "requests": total,
        "errors": len(errors),
        "throughput_rps": round(total / wall, 1),
    }
    for kind, values in times.items():
        summary = {
            "p50_ms": round(statistics.median(values), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values), 1),
            "one_user_p50_ms": round(statistics.median(alone[kind]), 1),
        }
        result[kind] = summary
        print(
            f"{kind:>9}: p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms "
            f"(one user alone: p50 {summary['one_user_p50_ms']} ms)",
            flush=True,
        )
    if errors:
        print(f"errors: {errors[:5]}", flush=True)
    print(f"{total} requests in {wall:.1f} s ({total / wall:.0f}/s) from {args.users} users")
    print(json.dumps(result))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
