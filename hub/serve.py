"""``lumbung hub serve``: the ingest worker, the print worker and the web application in one
process."""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

import uvicorn

from hub.api.app import create_app
from hub.db.engine import make_engine, require_migrated
from hub.ingest import IngestWorker
from hub.printing.service import PrintService
from hub.printing.worker import PrintWorker

log = logging.getLogger(__name__)


def serve(
    *,
    db_url: str,
    mqtt_url: str,
    host: str,
    port: int,
    shared_group: str | None,
    client_id: str,
    username: str | None = None,
    password_file: Path | None = None,
    web: bool = True,
) -> None:
    engine = make_engine(db_url)
    require_migrated(engine)
    password = password_file.read_text(encoding="utf-8").strip() if password_file else None
    worker = IngestWorker(
        engine,
        mqtt_url,
        client_id=client_id,
        shared_group=shared_group,
        username=username,
        password=password,
    )
    printing = PrintWorker(PrintService(engine))
    worker.start()
    printing.start()
    try:
        if web:
            app = create_app(engine, ingest_ready=lambda: worker.ready)
            # Everything imported and built so far lives as long as the process; frozen, the
            # collector's full passes skip it.  Unfrozen, each pass walked some 100,000 such
            # objects and cost a trace 40-80 ms, the slowest 1 % of them (bench/trace.py).
            gc.freeze()
            log.info("hub listening on http://%s:%d/", host, port)
            uvicorn.run(app, host=host, port=port, log_level="warning")
        else:
            threading.Event().wait()
    finally:
        printing.stop()
        worker.stop()
        engine.dispose()
