"""Every route of the hub's application states the role it needs, and the roles hold.

The tests enumerate the application's routes rather than a list of them, so a router added
later is covered the day it is included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from hub.auth.deps import FormRequirement, RoleRequirement
from hub.auth.domain import Role

from .conftest import Hub

PUBLIC: Final = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
"""Routes anyone may call: probes, the sign-in form and the API's own description."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    role: Role | None
    """The role its dependencies require; ``None`` if none does."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def url(self) -> str:
        """The path with every parameter filled in (``1`` parses as any type)."""
        return re.sub(r"\{[^}]+\}", "1", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _required_role(dependant: Dependant) -> Role | None:
    found: list[Role] = []
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleRequirement | FormRequirement):
            found.append(sub.call.role)
        elif (inner := _required_role(sub)) is not None:
            found.append(inner)
    return max(found, key=lambda role: role.rank) if found else None


def _routes(app: FastAPI) -> Iterator[Any]:
    """Every route, through the routers the application includes."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    yield from iterate(app.routes) if iterate else app.routes


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for route in _routes(app):
        methods = getattr(route, "methods", None)
        if not methods:
            continue
        dependant = getattr(route, "dependant", None)
        role = _required_role(dependant) if dependant is not None else None
        found += [Endpoint(m, route.path, role) for m in sorted(methods) if m != "HEAD"]
    return found


def _check(found: list[str], what: str) -> None:
    assert not found, f"{what}:\n" + "\n".join(sorted(found))


def test_every_route_states_the_role_it_needs_or_is_public(hub: Hub) -> None:
    routes = endpoints(hub.app)
    assert len(routes) > 40
    missing = [str(e) for e in routes if e.role is None and e.key not in PUBLIC]
    _check(missing, "routes with no role")
    changes = [e for e in routes if e.method != "GET" and e.key not in PUBLIC and e.role]
    assert all(e.role is not Role.VIEWER or not e.path.startswith("/api/") for e in changes)


def test_a_viewer_token_cannot_change_anything(hub: Hub) -> None:
    client = hub.client()
    viewer = {"Authorization": f"Bearer {hub.token(Role.VIEWER)}"}
    answered = {}
    for endpoint in endpoints(hub.app):
        if endpoint.method == "GET":
            continue
        response = client.request(endpoint.method, endpoint.url(), headers=viewer)
        answered[str(endpoint)] = response.status_code
        if endpoint.path.startswith("/api/") and response.status_code == 403:
            assert set(response.json()["error"]) == {"code", "message", "field"}
    assert len(answered) > 15
    wrong = [f"{route} answered {status}" for route, status in answered.items() if status != 403]
    _check(wrong, "a viewer token changed, or reached, these")


def test_an_anonymous_request_to_the_api_gets_401_with_the_error_body(hub: Hub) -> None:
    client = hub.client()
    answered = {}
    for endpoint in endpoints(hub.app):
        if not endpoint.path.startswith("/api/") and endpoint.path != "/metrics":
            continue
        response = client.request(endpoint.method, endpoint.url())
        answered[str(endpoint)] = response.status_code
        if response.status_code == 401:
            body = response.json()
            assert body["error"]["code"] == "not_authenticated"
            assert set(body["error"]) == {"code", "message", "field"}
    assert len(answered) > 25
    _check(
        [route for route, status in answered.items() if status != 401],
        "these API routes answered an anonymous request",
    )


def test_an_anonymous_browser_is_sent_to_sign_in_from_every_page(hub: Hub) -> None:
    client = hub.client()
    pages = [
        e
        for e in endpoints(hub.app)
        if not e.path.startswith("/api/") and e.key not in PUBLIC and e.path != "/metrics"
    ]
    assert len(pages) > 10
    for endpoint in pages:
        response = client.request(endpoint.method, endpoint.url(), follow_redirects=False)
        assert response.status_code == 303, endpoint
        assert response.headers["location"].startswith("/login?next="), endpoint


def test_a_viewer_reads_every_viewer_page_and_is_refused_the_admin_ones(hub: Hub) -> None:
    client, _csrf = hub.signed_in(Role.VIEWER)
    for endpoint in endpoints(hub.app):
        if endpoint.method != "GET" or endpoint.role is None:
            continue
        response = client.get(endpoint.url(), follow_redirects=False)
        if endpoint.role is Role.VIEWER:
            assert response.status_code not in (401, 403), endpoint
        else:
            assert response.status_code == 403, endpoint
            if not endpoint.path.startswith("/api/"):
                assert "Tidak diizinkan" in response.text


def test_an_operator_is_refused_what_only_an_admin_may_do(hub: Hub) -> None:
    client, csrf = hub.signed_in(Role.OPERATOR)
    for endpoint in endpoints(hub.app):
        if endpoint.role is not Role.ADMIN:
            continue
        data = {"csrf_token": csrf} if endpoint.method == "POST" else None
        response = client.request(endpoint.method, endpoint.url(), data=data)
        assert response.status_code == 403, endpoint
