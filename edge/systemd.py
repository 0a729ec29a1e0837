"""Telling systemd the agent is ready and alive (``sd_notify``), with the standard library.

The unit runs with ``Type=notify`` and ``WatchdogSec``: if the agent's main loop stops
turning, systemd stops getting ``WATCHDOG=1`` and restarts the service.  Outside systemd
(``NOTIFY_SOCKET`` unset) every call does nothing.
"""

from __future__ import annotations

import os
import socket


def notify(message: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto(message.encode(), address)
        except OSError:
            return False
    return True
