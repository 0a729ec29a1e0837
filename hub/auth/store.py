"""Accounts, sessions, API tokens and the security audit trail on the hub's database.

Each public method is one use case and one transaction, and writes its audit entry in that
transaction.  A refused sign-in commits what it learnt (the failure count, the lock-out, the
audit entry) before it raises, so an attacker cannot roll a lock-out back.  The clock is a
parameter so tests can step past a lock-out without sleeping.

Reading a session or token on each request is one indexed lookup; its last-use time is written
at most once a minute (``SESSION_TOUCH_EVERY``), so a page that polls does not write on every
poll.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from hub.auth.domain import (
    SESSION_TOUCH_EVERY,
    USERNAME_PATTERN,
    AccountConflict,
    InvalidInput,
    LockedOut,
    Principal,
    Role,
    SignInRefused,
    SignInState,
    UnknownRecord,
    check_language,
    check_password,
    check_plain_text,
    check_username,
    digest,
    new_api_token,
    new_secret,
    session_expiry,
)
from hub.auth.passwords import (
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from hub.db.auth_models import Account, ApiToken, AuthSession, SecurityAuditEntry

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; the hub stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    username: str
    role: Role
    language: str
    created_at: datetime
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: ``cookie`` is the only copy of its secret."""

    cookie: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    subject: str
    remote: str | None
    detail: Mapping[str, object]


def write_audit(
    connection: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    remote: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    connection.execute(
        insert(SecurityAuditEntry),
        {
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "remote": remote,
            "detail": dict(detail or {}),
        },
    )


def _account(row: Any) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        language=row.language,
        created_at=utc(row.created_at),
        locked_until=_utc_or_none(row.locked_until),
        last_sign_in_at=_utc_or_none(row.last_sign_in_at),
        disabled=row.disabled,
    )


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        created_at=utc(row.created_at),
        created_by=row.created_by,
        last_used_at=_utc_or_none(row.last_used_at),
        revoked_at=_utc_or_none(row.revoked_at),
        revoked_by=row.revoked_by,
    )


class AuthStore:
    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    # ---- accounts ----

    def create_account(
        self,
        *,
        username: str,
        password: str,
        role: Role,
        actor: str,
        language: str = "id",
        remote: str | None = None,
    ) -> AccountRecord:
        check_username(username)
        check_password(password)
        check_language(language)
        now = self._clock()
        password_hash = hash_password(password)
        with self._engine.begin() as connection:
            taken = connection.execute(
                select(Account.id).where(Account.username == username)
            ).first()
            if taken is not None:
                raise AccountConflict(f"username {username!r} is taken", field="username")
            connection.execute(
                insert(Account),
                {
                    "username": username,
                    "password_hash": password_hash,
                    "role": role.value,
                    "language": language,
                    "created_at": now,
                    "failed_sign_ins": 0,
                    "disabled": False,
                },
            )
            write_audit(
                connection,
                at=now,
                actor=actor,
                action="account_created",
                subject=f"account/{username}",
                remote=remote,
                detail={"role": role.value},
            )
            row = connection.execute(select(Account).where(Account.username == username)).one()
        return _account(row)

    def accounts(self) -> list[AccountRecord]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(Account).order_by(Account.username)).all()
        return [_account(row) for row in rows]

    def set_language(self, account_id: int, language: str) -> None:
        check_language(language)
        with self._engine.begin() as connection:
            connection.execute(
                update(Account).where(Account.id == account_id).values(language=language)
            )

    # ---- sign-in sessions ----

    def sign_in(self, *, username: str, password: str, remote: str | None = None) -> NewSession:
        """Open a session, or raise ``SignInRefused`` / ``LockedOut`` after recording why."""
        username = username.strip().lower()
        now = self._clock()
        refusal: SignInRefused
        with self._engine.begin() as connection:

            def note(action: str, **detail: object) -> None:
                write_audit(
                    connection,
                    at=now,
                    actor=username or "-",
                    action=action,
                    subject=f"account/{username}",
                    remote=remote,
                    detail=detail,
                )

            if not re.fullmatch(USERNAME_PATTERN, username):
                username = "-"
            row = connection.execute(
                select(Account).where(Account.username == username).with_for_update()
            ).first()
            if row is None or row.disabled:
                spend_verification_time(password)
                note("sign_in_failed", reason="disabled" if row else "unknown username")
                refusal = SignInRefused("wrong username or password")
            else:
                state = SignInState(row.failed_sign_ins, _utc_or_none(row.locked_until))
                if state.locked(now):
                    assert state.locked_until is not None
                    note("sign_in_locked")
                    refusal = LockedOut(state.locked_until)
                elif verify_password(row.password_hash, password):
                    return self._open_session(connection, row, password, now, remote)
                else:
                    after = state.after_failure(now)
                    connection.execute(
                        update(Account)
                        .where(Account.id == row.id)
                        .values(failed_sign_ins=after.failed, locked_until=after.locked_until)
                    )
                    note("sign_in_failed", reason="wrong password")
                    refusal = SignInRefused("wrong username or password")
                    if after.locked_until is not None:
                        note("lockout", until=after.locked_until.isoformat())
                        refusal = LockedOut(after.locked_until)
        raise refusal

    def _open_session(
        self, connection: Connection, row: Any, password: str, now: datetime, remote: str | None
    ) -> NewSession:
        values: dict[str, object] = {
            "failed_sign_ins": 0,
            "locked_until": None,
            "last_sign_in_at": now,
        }
        if needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        connection.execute(update(Account).where(Account.id == row.id).values(values))
        connection.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        cookie, csrf = new_secret(), new_secret()
        expires_at = session_expiry(created_at=now, last_seen_at=now)
        connection.execute(
            insert(AuthSession),
            {
                "id": digest(cookie),
                "account_id": row.id,
                "csrf_token": csrf,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": expires_at,
            },
        )
        write_audit(
            connection,
            at=now,
            actor=row.username,
            action="sign_in",
            subject=f"account/{row.username}",
            remote=remote,
        )
        principal = Principal(
            kind="session",
            name=row.username,
            role=Role(row.role),
            language=row.language,
            account_id=row.id,
            csrf_token=csrf,
        )
        return NewSession(cookie=cookie, principal=principal, expires_at=expires_at)

    def session_principal(self, cookie: str) -> Principal | None:
        """The account behind a session cookie, or ``None`` if it is unknown or expired."""
        now = self._clock()
        session_id = digest(cookie)
        with self._engine.connect() as connection:
            row = connection.execute(
                select(AuthSession, Account.username, Account.role, Account.language)
                .join(Account, Account.id == AuthSession.account_id)
                .where(AuthSession.id == session_id, Account.disabled.is_(False))
            ).first()
        if row is None or utc(row.expires_at) <= now:
            return None
        last_seen = utc(row.last_seen_at)
        if now - last_seen >= SESSION_TOUCH_EVERY:
            expires_at = session_expiry(created_at=utc(row.created_at), last_seen_at=now)
            with self._engine.begin() as connection:
                connection.execute(
                    update(AuthSession)
                    .where(AuthSession.id == session_id)
                    .values(last_seen_at=now, expires_at=expires_at)
                )
        return Principal(
            kind="session",
            name=row.username,
            role=Role(row.role),
            language=row.language,
            account_id=row.account_id,
            csrf_token=row.csrf_token,
        )

    def sign_out(self, cookie: str, *, remote: str | None = None) -> None:
        now = self._clock()
        with self._engine.begin() as connection:
            row = connection.execute(
                select(Account.username)
                .join(AuthSession, AuthSession.account_id == Account.id)
                .where(AuthSession.id == digest(cookie))
            ).first()
            if row is None:
                return
            connection.execute(delete(AuthSession).where(AuthSession.id == digest(cookie)))
            write_audit(
                connection,
                at=now,
                actor=row.username,
                action="sign_out",
                subject=f"account/{row.username}",
                remote=remote,
            )

    # ---- API tokens ----

    def create_token(
        self, *, name: str, role: Role, actor: str, remote: str | None = None
    ) -> tuple[str, TokenRecord]:
        """A new token and its record; the token itself is never stored or shown again."""
        name = check_plain_text(name.strip(), field="name")
        if not 1 <= len(name) <= 100:
            raise InvalidInput("a token needs a name of 1 to 100 characters", field="name")
        now = self._clock()
        token = new_api_token()
        with self._engine.begin() as connection:
            token_id = connection.execute(
                insert(ApiToken).returning(ApiToken.id),
                {
                    "name": name,
                    "role": role.value,
                    "token_hash": digest(token),
                    "prefix": token[:12],
                    "created_at": now,
                    "created_by": actor,
                },
            ).scalar_one()
            write_audit(
                connection,
                at=now,
                actor=actor,
                action="token_created",
                subject=f"token/{token_id}",
                remote=remote,
                detail={"name": name, "role": role.value, "prefix": token[:12]},
            )
            row = connection.execute(select(ApiToken).where(ApiToken.id == token_id)).one()
        return token, _token(row)

    def tokens(self) -> list[TokenRecord]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(ApiToken).order_by(ApiToken.id.desc())).all()
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: int, *, actor: str, remote: str | None = None) -> TokenRecord:
        now = self._clock()
        with self._engine.begin() as connection:
            row = connection.execute(select(ApiToken).where(ApiToken.id == token_id)).first()
            if row is None:
                raise UnknownRecord(f"no API token has id {token_id}", field="token_id")
            if row.revoked_at is not None:
                raise AccountConflict(f"API token {token_id} is already revoked")
            connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id)
                .values(revoked_at=now, revoked_by=actor)
            )
            write_audit(
                connection,
                at=now,
                actor=actor,
                action="token_revoked",
                subject=f"token/{token_id}",
                remote=remote,
                detail={"name": row.name, "prefix": row.prefix},
            )
            row = connection.execute(select(ApiToken).where(ApiToken.id == token_id)).one()
        return _token(row)

    def token_principal(self, token: str) -> Principal | None:
        now = self._clock()
        with self._engine.connect() as connection:
            row = connection.execute(
                select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.last_used_at).where(
                    ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        if row.last_used_at is None or now - utc(row.last_used_at) >= SESSION_TOUCH_EVERY:
            with self._engine.begin() as connection:
                connection.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
                )
        return Principal(
            kind="token", name=f"token:{row.name}", role=Role(row.role), token_id=row.id
        )

    # ---- the audit trail ----

    def record(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        remote: str | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        with self._engine.begin() as connection:
            write_audit(
                connection,
                at=self._clock(),
                actor=actor,
                action=action,
                subject=subject,
                remote=remote,
                detail=detail,
            )

    def audit_trail(self, *, limit: int = 200, actions: Sequence[str] = ()) -> list[AuditRecord]:
        query = select(SecurityAuditEntry).order_by(
            SecurityAuditEntry.at.desc(), SecurityAuditEntry.id.desc()
        )
        if actions:
            query = query.where(SecurityAuditEntry.action.in_(actions))
        with self._engine.connect() as connection:
            rows = connection.execute(query.limit(limit)).all()
        return [
            AuditRecord(
                at=utc(row.at),
                actor=row.actor,
                action=row.action,
                subject=row.subject,
                remote=row.remote,
                detail=row.detail,
            )
            for row in rows
        ]
