"""A USB keyboard-wedge scanner read through evdev: the thin transport around ``KeyboardDecoder``.

The device is grabbed exclusively, so scans never leak into whatever has the desktop's focus,
and key events are decoded with the station's keyboard layout (``edge.scanner_input``).  Like
the serial link, it never gives up: an unplugged scanner is reported and reopened with backoff.
``evdev`` is Linux-only and imported here alone, so the rest of the agent runs anywhere.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
from collections.abc import Callable

from edge.scanner_input import KeyboardDecoder
from edge.serial_port import LinkState

log = logging.getLogger(__name__)

EV_KEY = 1


class HidScanner:
    def __init__(
        self,
        device: str,
        *,
        layout: str,
        suffix: str,
        on_scan: Callable[[str], None],
        name: str = "scanner",
    ) -> None:
        self.device = device
        self._decoder = KeyboardDecoder(layout, suffix="tab" if suffix == "tab" else "enter")
        self._on_scan = on_scan
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.state = LinkState.CONNECTING

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _set_state(self, state: LinkState, why: str) -> None:
        if state is not self.state:
            self.state = state
            level = logging.INFO if state is LinkState.OK else logging.WARNING
            log.log(level, "scanner %s %s: %s", self.device, state.value, why)

    def _run(self) -> None:
        import evdev

        backoff = 0.5
        while not self._stop.is_set():
            try:
                device = evdev.InputDevice(self.device)
                device.grab()
            except OSError as exc:
                self._set_state(LinkState.UNPLUGGED, f"could not open {self.device}: {exc}")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            self._set_state(LinkState.OK, f"grabbed {device.name}")
            try:
                while not self._stop.is_set():
                    ready, _, _ = select.select([device.fd], [], [], 0.2)
                    if not ready:
                        continue
                    for event in device.read():
                        if event.type != EV_KEY:
                            continue
                        scan = self._decoder.feed(event.code, event.value)
                        if scan:
                            self._on_scan(scan)
            except OSError as exc:
                self._set_state(LinkState.UNPLUGGED, f"{self.device} failed: {exc}")
            finally:
                with contextlib.suppress(OSError):
                    device.close()
