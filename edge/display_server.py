"""The station display: a small local web page the agent serves, shown full-screen on the Pi.

Why a web page and not a terminal UI: the Pi's attached screen is read from a step away by
packers with gloves on, so it needs big type and colour (green for TERSIMPAN, red for a fault),
which a browser in kiosk mode draws on any HDMI or touch screen; a supervisor can also open it
from a phone on the station's network.  It costs no dependency (the standard library serves
it) and never blocks weighing: the page polls ``screen.json``, a snapshot the agent's main
thread produces, on the server's own threads.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

PAGE = (Path(__file__).resolve().parent / "display_page.html").read_bytes()


class DisplayServer:
    def __init__(self, bind: str, port: int, snapshot: Callable[[], dict[str, object]]) -> None:
        page = PAGE

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path in ("/", "/index.html"):
                    self._send(200, "text/html; charset=utf-8", page)
                elif self.path == "/screen.json":
                    body = json.dumps(snapshot(), ensure_ascii=False).encode()
                    self._send(200, "application/json; charset=utf-8", body)
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("display: " + format, *args)

        self._server = ThreadingHTTPServer((bind, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="display", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        log.info("station display at http://%s:%d/", *self._server.server_address[:2])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
