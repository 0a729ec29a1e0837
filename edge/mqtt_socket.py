"""Socket options both MQTT clients (station uplink, hub ingest) set on their connections."""

from __future__ import annotations

import contextlib
import socket
from typing import Any


def disable_nagle(_client: Any, _userdata: Any, sock: Any) -> None:
    """paho ``on_socket_open``: send acknowledgements and small publishes at once.

    Nagle's algorithm holds a small packet back until the previous one is acknowledged; with
    many in flight that stalls a drain on delayed ACKs (measured: a third of the rate).
    """
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
