"""A serial device opened by URL and kept open: the thin transport around a pure protocol.

Ports are pyserial URLs, so a station file can name ``/dev/serial/by-id/…``, ``hwgrep://…``,
``spy:///dev/ttyUSB0`` (a traffic dump for a technician), ``socket://host:port`` for
serial-over-IP indicators, or ``loop://`` in tests.

Rules:

1. The link never gives up.  A port that cannot be opened, or fails while reading or writing
   (an unplugged USB adapter), is reported ``UNPLUGGED`` through ``on_state`` and reopened:
   at once, then after ``retry_s``, doubling up to ``retry_max_s``.
2. A port that stays open but sends nothing for ``silent_after_s`` is ``SILENT``.  While it is
   silent, a port named by a device path is checked: if the path is gone or now leads to
   another device (a by-id link or a pty link pointing somewhere new), the old device was
   unplugged without the port noticing, and the link reopens the path.
3. Writes (polls and commands) give up after ``write_timeout_s``, so a device that stops
   taking bytes cannot hang the link; that counts as a failed port.
4. Bytes go to ``on_data`` exactly as read; the poll request, if any, goes out every
   ``poll_s`` while the port is open.
"""

from __future__ import annotations

import logging
import os
import termios
import threading
import time
from collections.abc import Callable
from enum import StrEnum

import serial

from edge.drivers.base import LineSettings

log = logging.getLogger(__name__)

_READ_TIMEOUT_S = 0.05
# What opening a port raises: pyserial's own error, the OS's, a value pyserial refuses, and a
# line setting the driver refuses (pyserial lets termios.error through).
_OPEN_ERRORS = (serial.SerialException, OSError, ValueError, termios.error)


class LinkState(StrEnum):
    CONNECTING = "connecting"
    OK = "ok"
    SILENT = "silent"
    UNPLUGGED = "unplugged"


def _identity(found: os.stat_result) -> tuple[int, int, int]:
    """What tells device nodes apart: another pty, or a node made anew for a new adapter."""
    return found.st_dev, found.st_ino, found.st_rdev


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
        retry_s: float = 0.5,
        retry_max_s: float = 10.0,
        write_timeout_s: float = 1.0,
        name: str = "serial",
    ) -> None:
        self.url = url
        self._line = line
        self._on_data = on_data
        self._on_state = on_state
        self._poll = poll
        self._poll_s = poll_s
        self._silent_after_s = silent_after_s
        self._retry_s = retry_s
        self._retry_max_s = retry_max_s
        self._write_timeout_s = write_timeout_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._port: serial.Serial | None = None
        self._write_lock = threading.Lock()
        self.state = LinkState.CONNECTING

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._write_lock:
            # Wake a read that is waiting for bytes (ports opened by URL handlers such as
            # socket:// cannot be woken, and end at the read timeout instead).
            cancel_read = getattr(self._port, "cancel_read", None)
            if cancel_read is not None:
                cancel_read()
        self._thread.join(timeout=5)

    def write(self, data: bytes) -> bool:
        """Send a command (zero, tare); False when the port is not open or did not take it."""
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
            timeout=_READ_TIMEOUT_S,
            write_timeout=self._write_timeout_s,
        )
        return port

    def _run(self) -> None:
        backoff = self._retry_s
        while not self._stop.is_set():
            try:
                port = self._open()
            except _OPEN_ERRORS as exc:
                line = self._line
                self._set_state(
                    LinkState.UNPLUGGED,
                    f"could not open port {self.url} at {line.baudrate} "
                    f"{line.bytesize}{line.parity}{line.stopbits:g}: {exc}",
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._retry_max_s)
                continue
            backoff = self._retry_s
            with self._write_lock:
                self._port = port
            try:
                gone = self._pump(port)
            except (serial.SerialException, OSError) as exc:
                gone = f"port {self.url} failed: {exc}"
            finally:
                with self._write_lock:
                    self._port = None
                port.close()
            if gone:
                self._set_state(LinkState.UNPLUGGED, gone)

    def _pump(self, port: serial.Serial) -> str | None:
        """Read until stopped (``None``) or until the device is found gone (why, rule 2)."""
        opened = None if "://" in self.url else _identity(os.fstat(port.fileno()))
        last_data = time.monotonic()
        next_poll = 0.0
        self._set_state(LinkState.CONNECTING, "opened; waiting for data")
        while not self._stop.is_set():
            now = time.monotonic()
            if self._poll is not None and now >= next_poll:
                with self._write_lock:
                    port.write(self._poll)
                next_poll = now + self._poll_s
            data = port.read(max(1, port.in_waiting))
            if data:
                last_data = now
                self._set_state(LinkState.OK, "receiving")
                self._on_data(data)
            elif now - last_data > self._silent_after_s:
                self._set_state(
                    LinkState.SILENT, f"no data from {self.url} for {now - last_data:.1f} s"
                )
                if opened is not None and not self._leads_to(opened):
                    return f"port {self.url} is gone or leads to another device now"
        return None

    def _leads_to(self, opened: tuple[int, int, int]) -> bool:
        """Does the port's path still lead to the device that was opened?"""
        try:
            return _identity(os.stat(self.url)) == opened
        except OSError:
            return False
