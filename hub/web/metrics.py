"""``/metrics`` in the Prometheus text format (version 0.0.4), and the request counters behind
part of it.

Two kinds of figure: what the database says (events stored by type, dead letters, stations by
state and their backlog, weighings and net grams today, label print jobs by state) is read at
each scrape, so every hub process reports the same numbers whichever one is scraped; HTTP
requests and their durations are this process's own.  Scraping needs the viewer role: give
Prometheus a viewer API token (``authorization: {credentials_file: …}`` in its scrape config).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine, func, select

from hub.api.deps import get_engine
from hub.api.time import hub_today
from hub.auth.deps import require_role
from hub.auth.domain import Role
from hub.db.print_models import PrintJobRow
from hub.printing.domain import JobStatus
from hub.web import queries

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

router = APIRouter(tags=["ops"])


@dataclass
class RequestMetrics:
    """Requests this process answered, by method and status, and a duration histogram."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS_S))
    total_s: float = 0.0
    observed: int = 0

    def observe(self, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.counts[(method, status)] += 1
            for index, bound in enumerate(BUCKETS_S):
                if seconds <= bound:
                    self.buckets[index] += 1
            self.total_s += seconds
            self.observed += 1

    def lines(self) -> list[str]:
        with self._lock:
            counts = sorted(self.counts.items())
            buckets, total_s, observed = list(self.buckets), self.total_s, self.observed
        out = _family(
            "lumbung_http_requests_total",
            "counter",
            "HTTP requests this hub process answered, by method and status.",
            ((({"method": m, "status": str(s)}), n) for (m, s), n in counts),
        )
        out += [
            "# HELP lumbung_http_request_duration_seconds Time to answer a request.",
            "# TYPE lumbung_http_request_duration_seconds histogram",
        ]
        for bound, count in zip(BUCKETS_S, buckets, strict=True):
            out.append(f'lumbung_http_request_duration_seconds_bucket{{le="{bound}"}} {count}')
        out += [
            f'lumbung_http_request_duration_seconds_bucket{{le="+Inf"}} {observed}',
            f"lumbung_http_request_duration_seconds_sum {total_s:.6f}",
            f"lumbung_http_request_duration_seconds_count {observed}",
        ]
        return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(
    name: str, kind: str, text: str, samples: Iterable[tuple[Mapping[str, str], int | float]]
) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
        lines.append(f"{name}{{{inner}}} {value}" if inner else f"{name} {value}")
    return lines


def database_lines(engine: Engine) -> list[str]:
    counts = queries.counts(engine, today=hub_today())
    return [
        *_family(
            "lumbung_ingest_events_stored_total",
            "counter",
            "Station events stored in the hub's database, by type.",
            (({"type": kind}, n) for kind, n in sorted(counts.events_by_type.items())),
        ),
        *_family(
            "lumbung_ingest_dead_letters_total",
            "counter",
            "Messages the hub refused and kept in dead_letters with the reason.",
            [({}, counts.dead_letters)],
        ),
        *_family(
            "lumbung_stations",
            "gauge",
            "Registered stations by their last reported state (unknown: never reported).",
            (({"state": state}, n) for state, n in counts.stations_by_state.items()),
        ),
        *_family(
            "lumbung_station_backlog_events",
            "gauge",
            "Events waiting in a station's outbox, as the station last reported.",
            (({"station": s}, n) for s, n in sorted(counts.backlog_by_station.items())),
        ),
        *_family(
            "lumbung_weighings_today",
            "gauge",
            "Weighings since midnight WIB, voids left out.",
            [({}, counts.weighings_today)],
        ),
        *_family(
            "lumbung_weighed_net_grams_today",
            "gauge",
            "Net grams weighed since midnight WIB, voids left out.",
            [({}, counts.net_g_today)],
        ),
    ]


def print_queue_lines(engine: Engine) -> list[str]:
    """The label print queue by job state; every state is reported, zeros included."""
    query = select(PrintJobRow.status, func.count()).group_by(PrintJobRow.status)
    with engine.connect() as connection:
        jobs: dict[str, int] = {status: n for status, n in connection.execute(query)}
    return _family(
        "lumbung_print_jobs",
        "gauge",
        "Label print jobs by state: queued and sending are still to print; failed gave up.",
        (({"state": state.value}, jobs.get(state.value, 0)) for state in JobStatus),
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus metrics (role: viewer)",
    dependencies=[Depends(require_role(Role.VIEWER))],
)
def metrics(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> PlainTextResponse:
    process: RequestMetrics = request.app.state.request_metrics
    lines = database_lines(engine) + print_queue_lines(engine) + process.lines()
    text = "\n".join(lines) + "\n"
    return PlainTextResponse(text, media_type=CONTENT_TYPE)
