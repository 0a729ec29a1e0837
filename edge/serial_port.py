"""A serial device opened by URL and kept open: the thin transport around a pure protocol.

Ports are pyserial URLs, so a station file can name ``/dev/serial/by-id/…``, ``hwgrep://…``,
``spy:///dev/ttyUSB0`` (a traffic dump for a technician), ``socket://host:port`` for
serial-over-IP indicators, or ``loop://`` in tests.

Rules: the link never gives up.  A port that cannot be opened, or fails while reading (an
unplugged USB adapter), is reported through ``on_state`` and reopened with backoff; a port
that stays silent is reported as silent.  Bytes go to ``on_data`` exactly as read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

import serial

from edge.drivers.base import LineSettings

log = logging.getLogger(__name__)


class LinkState(StrEnum):
    CONNECTING = "connecting"
    OK = "ok"
    SILENT = "silent"
    UNPLUGGED = "unplugged"


class SerialLink:
    def __init__(
        self,
        url: str,
        line: LineSettings,
        *,
        on_data: Callable[[bytes], None],
        on_state: Callable[[LinkState, str], None] = lambda _state, _why: None,
        poll: bytes | None = None,
        poll_s: float = 0.2,
        silent_after_s: float = 3.0,
        name: str = "serial",
    ) -> None:
        self.url = url
        self._line = line
        self._on_data = on_data
        self._on_state = on_state
        self._poll = poll
        self._poll_s = poll_s
        self._silent_after_s = silent_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._port: serial.Serial | None = None
        self._write_lock = threading.Lock()
        self.state = LinkState.CONNECTING

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def write(self, data: bytes) -> bool:
        """Send a command (zero, tare); False when the port is not open."""
        with self._write_lock:
            port = self._port
            if port is None:
                return False
            try:
                port.write(data)
            except (serial.SerialException, OSError):
                return False
            return True

    def _set_state(self, state: LinkState, why: str) -> None:
        if state is not self.state:
            self.state = state
            log.log(
                logging.INFO if state is LinkState.OK else logging.WARNING,
                "%s %s: %s",
                self.url,
                state.value,
                why,
            )
            self._on_state(state, why)

    def _open(self) -> serial.Serial:
        port: serial.Serial = serial.serial_for_url(
            self.url,
            baudrate=self._line.baudrate,
            bytesize=self._line.bytesize,
            parity=self._line.parity,
            stopbits=self._line.stopbits,
            timeout=0.05,
        )
        return port

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self._set_state(LinkState.UNPLUGGED, f"could not open port {self.url}: {exc}")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            with self._write_lock:
                self._port = port
            try:
                self._pump(port)
            except (serial.SerialException, OSError) as exc:
                self._set_state(LinkState.UNPLUGGED, f"port {self.url} failed: {exc}")
            finally:
                with self._write_lock:
                    self._port = None
                port.close()

    def _pump(self, port: serial.Serial) -> None:
        last_data = time.monotonic()
        next_poll = 0.0
        self._set_state(LinkState.CONNECTING, "opened; waiting for data")
        while not self._stop.is_set():
            now = time.monotonic()
            if self._poll is not None and now >= next_poll:
                port.write(self._poll)
                next_poll = now + self._poll_s
            data = port.read(max(1, port.in_waiting))
            if data:
                last_data = now
                self._set_state(LinkState.OK, "receiving")
                self._on_data(data)
            elif now - last_data > self._silent_after_s:
                self._set_state(
                    LinkState.SILENT, f"no data from {self.url} for {now - last_data:.0f} s"
                )
