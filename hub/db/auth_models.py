"""Tables of who may use the hub: operator accounts, their sign-in sessions, API tokens for
integrations, the security audit trail, and the stations' broker credentials.

Rules:

1. No secret is stored as given.  Passwords are argon2 hashes; session cookies and API tokens
   are stored as the SHA-256 of the random value handed out (they carry 256 random bits, so a
   slow hash adds nothing); a station's broker password is kept only as the hash Mosquitto's
   password file holds.
2. ``security_audit`` is written in the same transaction as what it records and never edited.
3. Same ``Base`` as ``hub.db.models``, so one Alembic history covers every table; these are
   created by migration ``0003``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


def _serial() -> BigInteger:
    return BigInteger().with_variant(Integer, "sqlite")


class Account(Base):
    """A person who signs in to the hub's pages, with one role and a page language."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class AuthSession(Base):
    """A signed-in browser: ``id`` is the SHA-256 of the cookie's value."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiToken(Base):
    """A bearer token for an integration; ``token_hash`` is the SHA-256 of the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(64))


class SecurityAuditEntry(Base):
    """Sign-ins, failures, lock-outs, tokens, accounts and station provisioning."""

    __tablename__ = "security_audit"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    remote: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON)


class StationCredential(Base):
    """A station's broker account: its username is its station id; ``password_hash`` is the
    line Mosquitto's password file holds for it (``$7$…``), never the password."""

    __tablename__ = "station_credentials"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    coop_id: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(Text)
    config_toml: Mapped[str] = mapped_column(Text)
    """The station file it was given (no secret in it), to download again."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
