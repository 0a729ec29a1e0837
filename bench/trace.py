"""Trace latency on a year of data: backward and forward trace of random label codes.

The database holds one year of 24 stations at 2,000 crates a day each (``--scale`` multiplies
the crates per day; 1.0 is ~17.5 million weighings): every crate weighed, packed into lots of
about 200 crates of one product and grade, dispatched daily under an SSCC, received and
re-weighed at the hub, and half of each lot picked for an order on a trip.  That is the
weighings, their stock moves, lots, dispatches, receipt lines, orders and trips; the raw event
log (``station_events``) is left empty, because a trace never reads it.

The data is made inside PostgreSQL (``INSERT … SELECT`` over ``generate_series``, and COPY for
the rows Python computes, such as SSCCs with their check digits), with the big tables'
secondary indexes dropped during the load and built again from the migration's own
definitions afterwards.  It goes into a database the benchmark owns (``--db``, default
``lumbung_bench``), which is kept for the next run and made again only when ``--scale``
changes or ``--regenerate`` is given; a kept database is migrated to the hub's current schema.

Codes are drawn at random, seeded: lot ids, GS1 element strings (01)(10), GS1 Digital Link
URIs, SSCCs, dispatch codes and crate ids.  Each trace is the service call plus the JSON the API
would send: its first page of weighings (``--page``, the API's default of 200; 0 builds every
weighing into one answer, as before the trace was paged).  Then, for each code naming more than
a page, the page that starts halfway through its first (``?weighings_after=``), timed apart as
``later_page_p99_ms``.  Prints human lines, then one JSON object on the last line.

A full garbage collection walks every object the process holds (some 100,000 once SQLAlchemy,
pydantic and the hub are imported) and stops the trace running for 40–60 ms on these shared
cores, a handful of times per thousand traces: enough to decide a p99.  ``--gc-freeze`` moves
what is alive after start-up out of the collector's way (``gc.freeze()``), as a server may do
once it has started, to show what that is worth; the default measures the process as it is.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

# Run as ``python bench/…``, this folder comes first on the path and bench/labels.py would
# shadow the labels package the hub imports; the repository root goes first instead.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from hub.api.schemas import trace_json
from hub.db.engine import make_engine, normalise_url, upgrade
from hub.db.models import (
    AuditEntry,
    Cooperative,
    Grade,
    GS1Settings,
    Member,
    Product,
    Station,
    WeighingRow,
)
from hub.domain.trace import PAGE
from hub.services.trace import trace_code
from hub.services.unit_of_work import SqlAlchemyUnitOfWork
from labels.gs1 import build_sscc

DEFAULT_DB: Final = "postgresql://postgres@127.0.0.1:5432/lumbung_bench"
STATIONS: Final = 24
DAYS: Final = 365
CRATES_PER_DAY: Final = 2_000
LOT_SIZE: Final = 200
MEMBERS: Final = 250
CRATE_POOL: Final = 3_000
FIRST_DAY: Final = date(2025, 11, 24)
PRODUCTS: Final = (("apel", 14), ("jeruk", 10), ("kentang", 30), ("wortel", 21))
PARTNERS: Final = ("superindo-malang", "hypermart-batu", "pasar-besar", "hotel-kartika", "mbg-batu")
BIG_TABLES: Final = ("weighings", "stock_moves", "hub_receipt_lines")
PREFIX: Final = "8995555"


def gtin_of(product: int) -> str:
    body = f"1{PREFIX}{product + 1:05d}"
    digits = [int(c) for c in reversed(body)]
    check = (10 - sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits)) % 10) % 10
    return f"{body}{check}"


def crates_per_day(scale: float) -> int:
    return max(LOT_SIZE // 10, round(CRATES_PER_DAY * scale))


def recreate_database(url: str) -> None:
    full = make_url(normalise_url(url))
    admin = create_engine(full.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{full.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{full.database}"'))
    admin.dispose()


def generated_scale(engine: Engine) -> float | None:
    try:
        with engine.connect() as connection:
            detail = connection.execute(
                select(AuditEntry.detail).where(AuditEntry.action == "bench_generated")
            ).scalar_one_or_none()
    except Exception:
        return None
    return None if detail is None else float(str(detail["scale"]))


def step(connection: Connection, what: str, sql: str, **params: object) -> None:
    started = time.monotonic()
    for statement in sql.split(";"):
        if statement.strip():
            connection.execute(text(statement), params)
    print(f"  {what}: {time.monotonic() - started:.1f} s", flush=True)


def master_data(connection: Connection) -> None:
    at = datetime(2025, 11, 1, tzinfo=UTC)
    stations = [f"st-{s:02d}" for s in range(STATIONS)]
    connection.execute(insert(Cooperative), [{"id": f"kdmp-{s[3:]}", "name": s} for s in stations])
    connection.execute(
        insert(Station),
        [{"id": s, "coop_id": f"kdmp-{s[3:]}", "name": s, "registered_at": at} for s in stations],
    )
    connection.execute(
        insert(GS1Settings),
        [
            {
                "coop_id": f"kdmp-{s[3:]}",
                "company_prefix": PREFIX,
                "extension_digit": n % 10,
                "next_serial": DAYS + 1,
            }
            for n, s in enumerate(stations)
        ],
    )
    connection.execute(
        insert(Member),
        [
            {
                "id": f"AGT-{s:02d}-{m:03d}",
                "coop_id": f"kdmp-{s:02d}",
                "name": f"Petani {s}-{m}",
                "village": f"desa-{s:02d}",
                "registered_at": at,
            }
            for s in range(STATIONS)
            for m in range(MEMBERS)
        ],
    )
    connection.execute(
        insert(Product), [{"id": p, "name": p.title(), "shelf_life_days": d} for p, d in PRODUCTS]
    )
    connection.execute(
        insert(Grade),
        [
            {
                "code": f"PRD-{p.upper()}-{g}",
                "product_id": p,
                "grade": g,
                "gtin": gtin_of(n) if g == "A" else None,
            }
            for n, (p, _days) in enumerate(PRODUCTS)
            for g in ("A", "B")
        ],
    )


def copy_dispatches(connection: Connection) -> None:
    """Dispatches with their SSCCs, computed in Python and sent with COPY."""
    buffer = io.StringIO()
    wib = timedelta(hours=7)
    n = 0
    for s in range(STATIONS):
        for d in range(DAYS):
            n += 1
            day = datetime.combine(FIRST_DAY + timedelta(days=d), datetime.min.time(), UTC) - wib
            sscc = build_sscc(s % 10, PREFIX, d + 1 + s * DAYS)
            departed, due = day + timedelta(hours=19), day + timedelta(hours=23)
            code = f"DSP-st-{s:02d}-{FIRST_DAY + timedelta(days=d):%y%m%d}"
            buffer.write(
                f"{n}\t{code}\tkdmp-{s:02d}\tst-{s:02d}\t{sscc}\t{departed.isoformat()}\t"
                f"{due.isoformat()}\tB {s:04d} XY\tbench\n"
            )
    buffer.seek(0)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        columns = "id, code, coop_id, station_id, sscc, departed_at, due_at, vehicle, operator"
        with cursor.copy(f"COPY dispatches ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def generate(engine: Engine, scale: float) -> None:
    per_day = crates_per_day(scale)
    lots_per_day = max(1, per_day // LOT_SIZE)
    lot_size = -(-per_day // lots_per_day)
    total = STATIONS * DAYS * per_day
    print(
        f"generating {total:,} weighings ({per_day} crates/day × {STATIONS} stations × "
        f"{DAYS} days) …",
        flush=True,
    )
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        indexes = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:tables) "
                "AND indexname LIKE 'ix_%'"
            ),
            {"tables": list(BIG_TABLES)},
        ).all()
        for name, _definition in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        master_data(connection)
        for s in range(STATIONS):
            step(
                connection,
                f"weighings of st-{s:02d}",
                """
                INSERT INTO weighings (id, event_id, coop_id, station_id, seq, member_id,
                    product_code, product_id, grade, crate_id, gross_g, tare_g, net_g,
                    raw_weight, raw_unit, stable, driver, station_time, clock_synced, weighed_at,
                    time_source, received_at, lot_id)
                SELECT id, station || '-1-' || seq, coop, station, seq, member, code, product,
                    grade, crate, net + 1800, 1800, net, to_char((net + 1800) / 1000.0,
                    'FM99990.000'), 'kg', true, 'and', at, true, at, 'station',
                    at + interval '2 seconds', lot
                FROM (
                    SELECT (CAST(:s AS bigint) * :days + d) * :per_day + k + 1 AS id,
                        'st-' || lpad(CAST(:s AS text), 2, '0') AS station,
                        'kdmp-' || lpad(CAST(:s AS text), 2, '0') AS coop,
                        d * :per_day + k + 1 AS seq,
                        'AGT-' || lpad(CAST(:s AS text), 2, '0') || '-'
                            || lpad(((d * :per_day + k) % :members)::text, 3, '0') AS member,
                        'PRD-' || upper(p.name) || '-' || g.grade AS code, p.name AS product,
                        g.grade,
                        'KRT-' || lpad(CAST(:s AS text), 2, '0') || '-'
                            || lpad(((d * :per_day + k) % :pool)::text, 5, '0') AS crate,
                        8000 + (((CAST(:s AS bigint) * :days + d) * :per_day + k) * 7919) % 6000
                            AS net,
                        (CAST(:first AS date) + d) - interval '1 hour'
                            + k * (interval '12 hours' / :per_day) AS at,
                        'L' || lpad(CAST(:s AS text), 2, '0') || '-'
                            || to_char(CAST(:first AS date) + d, 'YYMMDD') || '-'
                            || (k / :lot_size) AS lot
                    FROM generate_series(0, :days - 1) AS d,
                         generate_series(0, :per_day - 1) AS k,
                         LATERAL (SELECT (ARRAY['apel','jeruk','kentang','wortel'])
                                  [1 + (d + k / :lot_size) % 4] AS name) AS p,
                         LATERAL (SELECT CASE WHEN (k / :lot_size) % 2 = 0 THEN 'A' ELSE 'B'
                                  END AS grade) AS g
                ) AS rows
                """,
                s=s,
                days=DAYS,
                per_day=per_day,
                members=MEMBERS,
                pool=CRATE_POOL,
                first=FIRST_DAY,
                lot_size=lot_size,
            )
        step(
            connection,
            "stock moves of weighings",
            """
            INSERT INTO stock_moves (at, coop_id, product_id, grade, lot_id, from_location,
                to_location, quantity_g, weighing_id)
            SELECT weighed_at, coop_id, product_id, grade, NULL, 'farm',
                'station/' || station_id, net_g, id FROM weighings""",
        )
        step(
            connection,
            "lots",
            """
            INSERT INTO lots (id, coop_id, station_id, event_id, closed_at, pack_date,
                station_net_g, net_g, crate_count)
            SELECT lot_id, min(coop_id), min(station_id), 'close-' || lot_id,
                max(weighed_at) + interval '1 minute',
                CAST((max(weighed_at) + interval '7 hours') AS date), sum(net_g), sum(net_g),
                count(*)
            FROM weighings GROUP BY lot_id""",
        )
        step(
            connection,
            "packing moves",
            """
            INSERT INTO stock_moves (at, coop_id, product_id, grade, lot_id, from_location,
                to_location, quantity_g)
            SELECT l.closed_at, w.coop_id, w.product_id, w.grade, side.lot, side.source,
                side.destination, w.grams
            FROM (SELECT lot_id, min(coop_id) AS coop_id, min(product_id) AS product_id,
                         min(grade) AS grade, min(station_id) AS station_id,
                         sum(net_g) AS grams
                  FROM weighings GROUP BY lot_id) AS w
            JOIN lots l ON l.id = w.lot_id,
            LATERAL (VALUES (NULL, 'station/' || w.station_id, 'packing'),
                            (w.lot_id, 'packing', 'station/' || w.station_id))
                AS side(lot, source, destination)""",
        )
        copy_dispatches(connection)
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('dispatches', 'id'), max(id)) FROM dispatches"
            )
        )
        step(
            connection,
            "dispatch lots and moves",
            """
            INSERT INTO dispatch_lots (dispatch_id, lot_id)
            SELECT d.id, l.id FROM lots l
            JOIN dispatches d ON d.code = 'DSP-' || l.station_id || '-'
                || to_char(l.pack_date, 'YYMMDD');
            INSERT INTO stock_moves (at, coop_id, product_id, grade, lot_id, from_location,
                to_location, quantity_g, operator, dispatch_id)
            SELECT d.departed_at, m.coop_id, m.product_id, m.grade, m.lot_id, m.to_location,
                'in_transit', m.quantity_g, 'bench', d.id
            FROM stock_moves m JOIN dispatch_lots dl ON dl.lot_id = m.lot_id
            JOIN dispatches d ON d.id = dl.dispatch_id
            WHERE m.from_location = 'packing'""",
        )
        step(
            connection,
            "receipts",
            """
            INSERT INTO hub_receipts (id, dispatch_id, received_at, operator)
            SELECT id, id, departed_at + CASE WHEN id % 10 = 0 THEN interval '5 hours'
                ELSE interval '3 hours' END, 'bench' FROM dispatches;
            SELECT setval(pg_get_serial_sequence('hub_receipts', 'id'), max(id))
                FROM hub_receipts;
            INSERT INTO hub_receipt_lines (receipt_id, weighing_id, lot_id, village_net_g,
                hub_net_g, shrinkage_g)
            SELECT dl.dispatch_id, w.id, w.lot_id, w.net_g, w.net_g - w.id % 60, w.id % 60
            FROM weighings w JOIN dispatch_lots dl ON dl.lot_id = w.lot_id""",
        )
        step(
            connection,
            "receipt moves",
            """
            INSERT INTO stock_moves (at, coop_id, product_id, grade, lot_id, from_location,
                to_location, quantity_g, reason, operator, dispatch_id, receipt_id)
            SELECT r.received_at, w.coop_id, w.product_id, w.grade, w.lot_id, 'in_transit',
                side.destination, side.grams, side.reason, 'bench', r.dispatch_id, r.id
            FROM (SELECT lot_id, min(coop_id) AS coop_id, min(product_id) AS product_id,
                         min(grade) AS grade, sum(net_g - id % 60) AS hub,
                         sum(id % 60) AS shrink
                  FROM weighings GROUP BY lot_id) AS w
            JOIN dispatch_lots dl ON dl.lot_id = w.lot_id
            JOIN hub_receipts r ON r.dispatch_id = dl.dispatch_id,
            LATERAL (VALUES ('hub', w.hub, NULL), ('loss', w.shrink, 'shrinkage'))
                AS side(destination, grams, reason)
            WHERE side.grams > 0""",
        )
        step(
            connection,
            "orders, trips and picks",
            """
            INSERT INTO trips (id, vehicle, date, stops)
            SELECT 'TRIP-' || to_char(day, 'YYMMDD') || '-' || n, 'L300 N ' || n,
                day, '[]'::json
            FROM generate_series(CAST(:first AS date), CAST(:first AS date) + :days, '1 day')
                AS day, generate_series(0, 19) AS n;
            INSERT INTO orders (id, partner, product_id, grade, quantity_g, window_start,
                window_end, status, trip_id)
            SELECT 'ORD-' || l.id, (ARRAY[:p0, :p1, :p2, :p3, :p4])[1 + abs(hashtext(l.id)) % 5],
                m.product_id, m.grade, m.quantity_g / 2, l.closed_at + interval '1 day',
                l.closed_at + interval '1 day 4 hours', 'delivered',
                'TRIP-' || to_char(l.pack_date + 1, 'YYMMDD') || '-' || abs(hashtext(l.id)) % 20
            FROM lots l JOIN stock_moves m ON m.lot_id = l.id AND m.to_location = 'hub';
            INSERT INTO stock_moves (at, coop_id, product_id, grade, lot_id, from_location,
                to_location, quantity_g, operator, order_id)
            SELECT o.window_start, m.coop_id, m.product_id, m.grade, m.lot_id, 'hub',
                'partner/' || o.partner, o.quantity_g, 'bench', o.id
            FROM orders o JOIN stock_moves m ON m.lot_id = substr(o.id, 5)
                AND m.to_location = 'hub'""",
            first=FIRST_DAY,
            days=DAYS,
            p0=PARTNERS[0],
            p1=PARTNERS[1],
            p2=PARTNERS[2],
            p3=PARTNERS[3],
            p4=PARTNERS[4],
        )
        connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for name, definition in indexes:
            step(connection, f"index {name}", definition)
        connection.execute(
            insert(AuditEntry).values(
                at=datetime.now(UTC),
                actor="bench",
                action="bench_generated",
                subject="bench",
                detail={"scale": scale, "weighings": total},
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        step(connection, "analyze", "ANALYZE")
    print(f"generated in {time.monotonic() - started:.0f} s", flush=True)


def sample_codes(engine: Engine, count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    with engine.connect() as connection:
        lot_ids = connection.execute(text("SELECT id FROM lots")).scalars().all()
        picked = rng.sample(list(lot_ids), min(count, len(lot_ids)))
        rows = connection.execute(
            text(
                "SELECT l.id, d.sscc, d.code, m.product_id, m.grade, "
                "(SELECT crate_id FROM weighings w WHERE w.lot_id = l.id LIMIT 1) AS crate "
                "FROM lots l JOIN dispatch_lots dl ON dl.lot_id = l.id "
                "JOIN dispatches d ON d.id = dl.dispatch_id "
                "JOIN stock_moves m ON m.lot_id = l.id AND m.to_location = 'hub' "
                "WHERE l.id = ANY(:ids)"
            ),
            {"ids": picked},
        ).all()
        gtins: dict[str, str] = {
            key: gtin
            for key, gtin in connection.execute(
                text("SELECT product_id || '/' || grade, gtin FROM grades WHERE gtin IS NOT NULL")
            )
        }
    codes: list[tuple[str, str]] = []
    for row in rows:
        gtin = gtins.get(f"{row.product_id}/{row.grade}")
        kind = rng.choices(
            ["lot", "gs1", "digital_link", "sscc", "dispatch", "crate"], [4, 2, 1, 1, 1, 1]
        )[0]
        if kind in ("gs1", "digital_link") and gtin is None:
            kind = "lot"
        code = {
            "lot": row.id,
            "gs1": f"(01){gtin}(10){row.id}",
            "digital_link": f"https://id.gs1.org/01/{gtin}/10/{row.id}",
            "sscc": row.sscc,
            "dispatch": row.code,
            "crate": row.crate,
        }[kind]
        codes.append((kind, code))
    rng.shuffle(codes)
    return codes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL database the bench owns")
    parser.add_argument("--scale", type=float, default=1.0, help="× 2,000 crates/station/day")
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--page", type=int, default=PAGE, help="weighings per page; 0: all in one answer"
    )
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() the start-up heap first"
    )
    args = parser.parse_args()
    limit = args.page or None
    engine = make_engine(args.db)
    if args.regenerate or generated_scale(engine) != args.scale:
        engine.dispose()
        recreate_database(args.db)
        engine = make_engine(args.db)
        upgrade(engine)
        generate(engine, args.scale)
    else:
        upgrade(engine)
    with engine.connect() as connection:
        weighings = connection.execute(select(func.count()).select_from(WeighingRow)).scalar_one()
    codes = sample_codes(engine, args.samples + 50, args.seed)
    uow = SqlAlchemyUnitOfWork(engine)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    timings: dict[str, list[float]] = {}
    middles: list[tuple[str, int]] = []
    for n, (kind, code) in enumerate(codes):
        started = time.perf_counter()
        found = trace_code(uow, code, limit=limit)
        trace_json(found)
        elapsed = (time.perf_counter() - started) * 1000
        if n >= 50:
            timings.setdefault(kind, []).append(elapsed)
            if found.backward.next_after is not None:
                middle = found.backward.weighings[len(found.backward.weighings) // 2]
                middles.append((code, middle.id))
    paging: list[float] = []
    for code, after in middles:
        started = time.perf_counter()
        trace_json(trace_code(uow, code, weighings_after=after, limit=limit))
        paging.append((time.perf_counter() - started) * 1000)
    every = [ms for values in timings.values() for ms in values]
    print(f"{weighings:,} weighings; {len(every)} traces, {limit or 'all'} weighings a page")
    for kind, values in [*sorted(timings.items()), ("later page", paging)]:
        if values:
            print(
                f"  {kind:13} n={len(values):4}  p50 {percentile(values, 0.5):6.1f} ms  "
                f"p99 {percentile(values, 0.99):6.1f} ms"
            )
    engine.dispose()
    result = {
        "bench": "trace",
        "db": "postgresql",
        "scale": args.scale,
        "page": limit,
        "gc_freeze": args.gc_freeze,
        "weighings": weighings,
        "samples": len(every),
        "p50_ms": round(percentile(every, 0.5), 2),
        "p99_ms": round(percentile(every, 0.99), 2),
        "mean_ms": round(statistics.fmean(every), 2),
        "max_ms": round(max(every), 2),
        "later_page_p99_ms": round(percentile(paging, 0.99), 2) if paging else None,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
