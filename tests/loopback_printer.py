"""A raw-port (9100) label printer on loopback, for the labels', the hub's and the pages' tests:
each connection is one job, kept whole."""

from __future__ import annotations

import socket
import threading
import time


class LoopbackPrinter:
    """Keeps the bytes of each job; ``port`` lets a test switch on a printer at an address that
    was dead until then."""

    def __init__(self, port: int = 0) -> None:
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(0.05)
        self.port: int = self._server.getsockname()[1]
        self.jobs: list[bytes] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def received(self, count: int, timeout_s: float = 10) -> list[bytes]:
        """The jobs, once ``count`` have arrived (the sender may finish before we read)."""
        deadline = time.monotonic() + timeout_s
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.jobs

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.close()
