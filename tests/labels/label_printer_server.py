"""A raw-port (9100) label printer on loopback, for printer and CLI tests."""

from __future__ import annotations

import socket
import threading
import time


class RawPrinterServer:
    """A raw-port label printer on loopback: accepts connections, keeps every job's bytes."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
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
                while chunk := connection.recv(4096):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.close()

    def wait_for_jobs(self, count: int) -> list[bytes]:
        deadline = time.monotonic() + 5
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.jobs
