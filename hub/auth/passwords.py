"""Password hashing with argon2id (``argon2-cffi``'s defaults: RFC 9106's low-memory profile).

A sign-in for an unknown username still verifies against a fixed hash, so the time taken does
not tell whether the account exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return _HASHER.hash("no account has this password")


def spend_verification_time(password: str) -> None:
    """Verify against a decoy, for an unknown username."""
    verify_password(_decoy_hash(), password)
