"""The rules of access, as plain Python: roles, principals, lock-out, secrets and names.

Rules:

1. Three roles, each allowing everything the one below it does: a viewer reads, an operator
   also changes stock (receive, dispatch, pick), an admin also manages accounts, tokens,
   stations and recalls.
2. Five failed sign-ins in a row lock an account for 15 minutes; while locked, even the right
   password is refused.  A success resets the count; the count restarts after a lock-out.
3. Secrets handed out (session cookies, API tokens) are 256 random bits; the hub keeps only
   their SHA-256.  API tokens start with ``lbg_`` so a leaked one is easy to search for.
4. A session lasts at most 7 days and ends after 12 hours without a request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

MAX_FAILED_SIGN_INS: Final = 5
LOCKOUT: Final = timedelta(minutes=15)
SESSION_MAX_AGE: Final = timedelta(days=7)
SESSION_IDLE: Final = timedelta(hours=12)
SESSION_TOUCH_EVERY: Final = timedelta(minutes=1)
"""A session's last-seen time is written at most this often, not on every request."""
TOKEN_PREFIX: Final = "lbg_"
USERNAME_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]{1,63}$"
MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024
LANGUAGES: Final = ("id", "en")
PLAIN_TEXT_PATTERN: Final = r"^[^\x00-\x1f\x7f]*$"
"""Text with no control characters: PostgreSQL refuses NUL, and no name needs the others."""


class AuthError(Exception):
    """A request the access rules refuse; ``code`` is the API error code."""

    code = "auth_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAuthenticated(AuthError):
    code = "not_authenticated"


class Forbidden(AuthError):
    code = "forbidden"


class CsrfRejected(Forbidden):
    code = "csrf_rejected"


class SignInRefused(AuthError):
    code = "sign_in_refused"


class LockedOut(SignInRefused):
    code = "locked_out"

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many failed sign-ins; locked until {until.isoformat()}")
        self.until = until


class InvalidInput(AuthError):
    code = "invalid_input"


class UnknownRecord(AuthError):
    code = "not_found"


class AccountConflict(AuthError):
    code = "conflict"


class ProvisioningUnavailable(AuthError):
    """The hub cannot make broker credentials here (``mosquitto_passwd`` is missing)."""

    code = "provisioning_unavailable"


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank

    @classmethod
    def parse(cls, value: str, *, field: str = "role") -> Role:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(role.value for role in cls)
            raise InvalidInput(f"unknown role {value!r}; known: {known}", field=field) from None


_RANKS: Final = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in account (``kind="session"``) or an API token."""

    kind: Literal["session", "token"]
    name: str
    role: Role
    language: str = "id"
    account_id: int | None = None
    token_id: int | None = None
    csrf_token: str | None = None
    """The token this session's forms must carry; ``None`` for API tokens, which have no forms."""


@dataclass(frozen=True, slots=True)
class SignInState:
    failed: int
    locked_until: datetime | None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> SignInState:
        """One more failure; the fifth in a row locks the account (rule 2)."""
        failed = 0 if self.locked_until is not None and now >= self.locked_until else self.failed
        failed += 1
        if failed >= MAX_FAILED_SIGN_INS:
            return SignInState(0, now + LOCKOUT)
        return SignInState(failed, None)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the hub stores of a secret it handed out (rule 3)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def session_expiry(*, created_at: datetime, last_seen_at: datetime) -> datetime:
    return min(created_at + SESSION_MAX_AGE, last_seen_at + SESSION_IDLE)


def check_username(username: str) -> str:
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise InvalidInput(
            f"username {username!r} must be 2 to 64 lower-case letters, digits, '.', '_' or '-',"
            " starting with a letter or digit",
            field="username",
        )
    return username


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )
    return password


def check_plain_text(value: str, *, field: str) -> str:
    if not re.fullmatch(PLAIN_TEXT_PATTERN, value):
        raise InvalidInput(f"{field} may not hold control characters", field=field)
    return value


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"unknown language {language!r}; known: {', '.join(LANGUAGES)}", field="language"
        )
    return language
