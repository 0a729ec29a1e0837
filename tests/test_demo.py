"""``lumbung demo``, the README's first command: a broker, the hub and simulated stations whose
weighings an operator sees after signing in with the credentials the demo prints."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.broker import free_port

pytestmark = pytest.mark.slow


def read_until(process: subprocess.Popen[str], pattern: str, timeout_s: float) -> re.Match[str]:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if found := re.search(pattern, line):
            return found
    raise AssertionError(f"the demo never printed {pattern!r}; it printed:\n{''.join(seen)}")


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, form.text
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf[1]}
    )
    assert answer.status_code == 303, answer.text


def test_the_demo_shows_weighings_to_the_admin_it_prints_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "lumbung.cli", "demo", "--stations", "2"]
    demo = subprocess.Popen(
        [*command, "--port", str(port), "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        credentials = read_until(demo, r"sign in as '(\w+)' with password '([^']+)'", 90)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert client.get("/api/v1/weighings").status_code == 401
            sign_in(client, credentials[1], credentials[2])
            deadline = time.monotonic() + 90
            items: list[dict[str, object]] = []
            while time.monotonic() < deadline and len({i["station"] for i in items}) < 2:
                time.sleep(1)
                items = client.get("/api/v1/weighings").json()["items"]
            assert len({i["station"] for i in items}) == 2, items
            assert all(isinstance(i["net_g"], int) and i["net_g"] > 0 for i in items)
            assert "Penimbangan terbaru" in client.get("/").text
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0, output
    assert "every process it started has ended" in output
    assert (tmp_path / "admin-password").stat().st_mode & 0o077 == 0
