"""Accounts, sessions, CSRF, lock-out and API tokens, on SQLite and PostgreSQL, through the
hub's real application (FastAPI's TestClient) and the real store."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from hub.auth.domain import LockedOut, Role, SignInRefused
from hub.auth.store import AuthStore
from hub.db.auth_models import Account, ApiToken, AuthSession, SecurityAuditEntry
from hub.web.settings import WebSettings
from lumbung.cli import main as lumbung_main

from .conftest import PASSWORD, Hub, csrf_of, sign_in


class SteppingClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def step(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def store(engine: Engine, clock: SteppingClock) -> AuthStore:
    return AuthStore(engine, clock)


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(SecurityAuditEntry.action).order_by(SecurityAuditEntry.id)
            ).scalars()
        )


def test_a_password_is_stored_only_as_an_argon2id_hash(hub: Hub) -> None:
    hub.account(Role.OPERATOR, "sari")
    with hub.engine.connect() as connection:
        stored = connection.execute(select(Account.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_signing_in_sets_an_httponly_samesite_cookie_whose_value_the_hub_keeps_only_hashed(
    hub: Hub,
) -> None:
    hub.account(Role.VIEWER, "sari")
    client = hub.client()
    page = client.get("/login")
    assert "Masuk" in page.text and page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    response = client.post(
        "/login",
        data={"username": "Sari", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "lumbung_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    value = cookie.split("lumbung_session=", 1)[1].split(";", 1)[0]
    with hub.engine.connect() as connection:
        session_ids = list(connection.execute(select(AuthSession.id)).scalars())
    assert session_ids == [hashlib.sha256(value.encode()).hexdigest()]
    assert client.get("/api/v1/me").json() == {
        "name": "sari",
        "role": "viewer",
        "kind": "session",
        "language": "id",
    }
    assert audit_actions(hub.engine) == ["account_created", "sign_in"]


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(hub: Hub) -> None:
    hub.account(Role.VIEWER, "sari")
    client = hub.client()
    answers = []
    for username, password in (("sari", "salah-sekali-ini"), ("tidak-ada", PASSWORD)):
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        )
        answers.append(
            (response.status_code, "Nama pengguna atau kata sandi salah." in response.text)
        )
    assert answers == [(401, True), (401, True)]
    assert "lumbung_session" not in client.cookies


def test_five_failed_sign_ins_lock_the_account_for_fifteen_minutes_even_against_the_right_password(
    store: AuthStore, clock: SteppingClock, engine: Engine
) -> None:
    store.create_account(username="sari", password=PASSWORD, role=Role.ADMIN, actor="test")
    for _attempt in range(4):
        with pytest.raises(SignInRefused) as refused:
            store.sign_in(username="sari", password="tebak-tebakan", remote="10.0.0.9")
        assert not isinstance(refused.value, LockedOut)
        clock.step(seconds=5)
    with pytest.raises(LockedOut) as locked:
        store.sign_in(username="sari", password="tebak-tebakan", remote="10.0.0.9")
    assert locked.value.until == clock.now + timedelta(minutes=15)
    clock.step(minutes=14, seconds=59)
    with pytest.raises(LockedOut):
        store.sign_in(username="sari", password=PASSWORD)
    clock.step(seconds=1)
    assert store.sign_in(username="sari", password=PASSWORD).principal.role is Role.ADMIN
    actions = audit_actions(engine)
    assert actions.count("sign_in_failed") == 5
    assert actions[-3:] == ["lockout", "sign_in_locked", "sign_in"]


def test_a_lock_out_reaches_the_sign_in_page_in_the_readers_language(hub: Hub) -> None:
    hub.account(Role.VIEWER, "sari")
    client = hub.client()
    for _attempt in range(5):
        page = client.get("/login?lang=en")
        response = client.post(
            "/login?lang=en",
            data={"username": "sari", "password": "wrong-again!", "csrf_token": csrf_of(page.text)},
        )
    assert response.status_code == 401
    assert "This account is locked until" in response.text


def test_a_success_resets_the_count_of_failures(store: AuthStore) -> None:
    store.create_account(username="sari", password=PASSWORD, role=Role.VIEWER, actor="test")
    for _round in range(3):
        for _attempt in range(4):
            with pytest.raises(SignInRefused):
                store.sign_in(username="sari", password="hampir-benar")
        store.sign_in(username="sari", password=PASSWORD)


def test_the_sign_in_form_without_its_cookie_token_is_refused_before_the_password_is_checked(
    hub: Hub,
) -> None:
    hub.account(Role.ADMIN, "sari")
    client = hub.client()
    for forged in ("forged", "é"):
        client.cookies.set("lumbung_login_csrf", "a-cookie-token", path="/login")
        response = client.post(
            "/login", data={"username": "sari", "password": PASSWORD, "csrf_token": forged}
        )
        assert response.status_code == 403
    assert "lumbung_session" not in client.cookies
    assert audit_actions(hub.engine) == ["account_created"]


def test_a_form_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    hub: Hub,
) -> None:
    client, csrf = hub.signed_in(Role.ADMIN)
    for forged in (
        {},
        {"csrf_token": "not-the-token"},
        {"csrf_token": csrf[:-1]},
        {"csrf_token": "é"},
    ):
        response = client.post("/tokens", data={"name": "prometheus", "role": "admin", **forged})
        assert response.status_code == 403
        assert "Formulir ini tidak dikirim dari halaman sesi ini" in response.text
    with hub.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ApiToken)).scalar_one() == 0
    assert (
        client.post(
            "/tokens", data={"name": "prometheus", "role": "viewer", "csrf_token": csrf}
        ).status_code
        == 201
    )


def test_an_api_token_is_shown_once_stored_hashed_and_refused_once_revoked(hub: Hub) -> None:
    admin = {"Authorization": f"Bearer {hub.token(Role.ADMIN)}"}
    client = hub.client()
    created = client.post("/api/v1/tokens", json={"name": "mitra", "role": "viewer"}, headers=admin)
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("lbg_") and created.json()["prefix"] == token[:12]
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in item for item in listed)
    with hub.engine.connect() as connection:
        hashes = set(connection.execute(select(ApiToken.token_hash)).scalars())
    assert hashlib.sha256(token.encode()).hexdigest() in hashes and token not in hashes
    viewer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/weighings", headers=viewer).status_code == 200
    revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "token:admin test"
    refused = client.get("/api/v1/weighings", headers=viewer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert refused.headers["www-authenticate"] == "Bearer"
    again = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke", headers=admin)
    assert again.status_code == 409
    assert audit_actions(hub.engine)[-2:] == ["token_created", "token_revoked"]


def test_a_token_acts_with_its_own_role_and_no_more(hub: Hub) -> None:
    operator = {"Authorization": f"Bearer {hub.token(Role.OPERATOR)}"}
    client = hub.client()
    assert client.get("/api/v1/me", headers=operator).json()["role"] == "operator"
    refused = client.get("/api/v1/tokens", headers=operator)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "forbidden",
            "message": "this needs the admin role; token:operator test is a operator",
            "field": None,
        }
    }


def test_a_wrong_bearer_token_is_refused_even_with_a_valid_session(hub: Hub) -> None:
    client, _csrf = hub.signed_in(Role.ADMIN)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lbg_forged"})
    assert response.status_code == 401


def test_signing_out_ends_the_session_on_the_server(hub: Hub) -> None:
    client, csrf = hub.signed_in(Role.VIEWER)
    cookie = client.cookies["lumbung_session"]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with hub.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(AuthSession)).scalar_one() == 0
    stale = hub.client()
    stale.cookies.set("lumbung_session", cookie)
    assert stale.get("/api/v1/me").status_code == 401
    assert audit_actions(hub.engine)[-1] == "sign_out"


def test_a_session_ends_after_twelve_idle_hours_and_after_seven_days_in_any_case(
    store: AuthStore, clock: SteppingClock
) -> None:
    store.create_account(username="sari", password=PASSWORD, role=Role.VIEWER, actor="test")
    idle = store.sign_in(username="sari", password=PASSWORD).cookie
    clock.step(hours=11, minutes=59)
    assert store.session_principal(idle) is not None
    clock.step(hours=12)
    assert store.session_principal(idle) is None
    busy = store.sign_in(username="sari", password=PASSWORD).cookie
    for _hour in range(7 * 24 - 1):
        clock.step(hours=1)
        assert store.session_principal(busy) is not None
    clock.step(hours=1)
    assert store.session_principal(busy) is None


def test_signing_in_goes_back_to_the_page_asked_for_but_never_to_another_site(hub: Hub) -> None:
    hub.account(Role.VIEWER, "sari")
    first = hub.client().get("/trace?code=KRT-1", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Ftrace%3Fcode%3DKRT-1"
    for asked, landed in (
        ("/trace?code=KRT-1", "/trace?code=KRT-1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\r\nSet-Cookie: lumbung_session=x", "/"),
        ("/pasar-é", "/"),
    ):
        client = hub.client()
        page = client.get("/login", params={"next": asked})
        response = client.post(
            "/login",
            data={
                "username": "sari",
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": asked,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == landed


@pytest.fixture
def migrated_db(db_url: str, engine: Engine) -> Iterator[str]:
    yield db_url


def test_create_admin_and_create_token_work_from_the_command_line(
    migrated_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], hub: Hub
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    argv = ["hub", "create-admin", "--db", migrated_db, "--username", "sari"]
    assert lumbung_main([*argv, "--password-file", str(password_file)]) == 0
    assert capsys.readouterr().out == "created admin account sari\n"
    assert lumbung_main([*argv, "--password-file", str(password_file)]) == 2
    assert "username 'sari' is taken" in capsys.readouterr().err
    argv = ["hub", "create-token", "--role", "operator", "--db", migrated_db, "--name", "gudang"]
    assert lumbung_main(argv) == 0
    token = capsys.readouterr().out.split()[-1]
    me = hub.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {
        "name": "token:gudang",
        "role": "operator",
        "kind": "token",
        "language": "id",
    }
    client = hub.client()
    sign_in(client, "sari")
    assert client.get("/api/v1/me").json()["role"] == "admin"


def test_create_admin_refuses_a_short_password(
    migrated_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("pendek\n", encoding="utf-8")
    argv = ["hub", "create-admin", "--db", migrated_db, "--username", "sari"]
    assert lumbung_main([*argv, "--password-file", str(password_file)]) == 2
    assert "a password needs 10 to 1024 characters" in capsys.readouterr().err


def test_control_characters_are_refused_before_they_reach_the_database(hub: Hub) -> None:
    hub.account(Role.VIEWER, "sari")
    client = hub.client()
    form = csrf_of(client.get("/login").text)
    signed = client.post(
        "/login", data={"username": "sa\x00ri", "password": PASSWORD, "csrf_token": form}
    )
    assert signed.status_code == 401
    admin = {"Authorization": f"Bearer {hub.token(Role.ADMIN)}"}
    named = client.post("/api/v1/tokens", json={"name": "a\x00b", "role": "viewer"}, headers=admin)
    assert named.status_code == 422
    browser, csrf = hub.signed_in(Role.ADMIN)
    posted = browser.post("/tokens", data={"name": "a\x00b", "role": "viewer", "csrf_token": csrf})
    assert posted.status_code == 422 and "tanpa karakter kendali" in posted.text
    assert browser.get("/trace", params={"code": "KRT\x00"}).status_code == 404
    assert browser.get("/stock", params={"location": "hub\x00"}).status_code == 422
    assert audit_actions(hub.engine).count("sign_in_failed") == 1


@pytest.mark.parametrize("settings", [WebSettings(cookie_secure=True)])
def test_behind_tls_the_cookies_are_sent_over_tls_only(hub: Hub) -> None:
    hub.account(Role.VIEWER, "sari")
    client = TestClient(hub.app, base_url="https://hub.test")
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    response = client.post(
        "/login",
        data={"username": "sari", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    session = next(c for c in response.headers.get_list("set-cookie") if "lumbung_session=" in c)
    assert "Secure" in session and "HttpOnly" in session


def test_create_admin_asks_for_the_password_twice_without_a_password_file(
    migrated_db: str, hub: Hub
) -> None:
    command = [sys.executable, "-m", "lumbung.cli", "hub", "create-admin", "--db", migrated_db]
    differ = subprocess.run(
        [*command, "--username", "sari"],
        input=f"{PASSWORD}\nsomething-else\n",
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    assert differ.returncode == 2 and "the two passwords differ" in differ.stderr
    created = subprocess.run(
        [*command, "--username", "sari"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().endswith("created admin account sari")
    sign_in(hub.client(), "sari")
