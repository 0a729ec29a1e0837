"""Access logging and the JSON log format.

Every request is logged once when it ends, on the ``hub.web.access`` logger: method, path,
status, duration and who asked (never a query string, which may hold a trace code typed by
mistake into the wrong box, nor any header).  With ``LUMBUNG_LOG_FORMAT=json`` each log line
the hub writes is one JSON object (``time``, ``level``, ``logger``, ``message`` and, for
requests, ``http``), for a log shipper to read without parsing text.  Log text stays English.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.web.metrics import RequestMetrics

log = logging.getLogger("hub.web.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        http = getattr(record, "http", None)
        if http is not None:
            data["http"] = http
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def use_json_logs() -> None:
    """Give every handler of the root logger the JSON format (adding one if there is none)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())


class AccessLog:
    """ASGI middleware: one log line and one metrics observation per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], status, seconds)
            principal = scope.get("state", {}).get("principal")
            http = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "client": scope["client"][0] if scope.get("client") else None,
                "user": getattr(principal, "name", None),
            }
            log.info(
                "%s %s %d %.1f ms",
                http["method"],
                http["path"],
                status,
                http["duration_ms"],
                extra={"http": http},
            )
