"""Fixtures for the operators' side: the hub's app on both databases, accounts of each role,
signed-in clients and API tokens, and a uvicorn server for the browser and the benchmark."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.broker import free_port
from hub.web.settings import WebSettings

PASSWORD = "kopi-tubruk-2026"
"""Every test account's password (argon2 makes each hash cost ~50 ms, so they share one)."""


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the sign-in form; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@dataclass
class Hub:
    engine: Engine
    app: FastAPI
    store: AuthStore

    def account(self, role: Role, username: str | None = None) -> str:
        name = username or f"{role.value}-1"
        self.store.create_account(username=name, password=PASSWORD, role=role, actor="test")
        return name

    def token(self, role: Role) -> str:
        token, _record = self.store.create_token(name=f"{role} test", role=role, actor="test")
        return token

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://hub.test")

    def signed_in(self, role: Role) -> tuple[TestClient, str]:
        """A client signed in with a new account of ``role``, and its CSRF token."""
        client = self.client()
        return client, sign_in(client, self.account(role, f"{role.value}-{id(client)}"))


@pytest.fixture
def settings() -> WebSettings:
    return WebSettings()


@pytest.fixture
def hub(engine: Engine, settings: WebSettings) -> Hub:
    return Hub(engine, create_app(engine, settings), AuthStore(engine))


@dataclass
class Server:
    url: str
    server: uvicorn.Server


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], Server]]:
    """Serve an app with uvicorn on a free port in a thread; stopped after the test."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: FastAPI) -> Server:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        running.append((server, thread))
        return Server(f"http://127.0.0.1:{port}", server)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)
