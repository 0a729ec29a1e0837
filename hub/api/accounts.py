"""``/api/v1/me``, ``/accounts``, ``/tokens`` and ``/audit``: who may use the hub.

Thin: each route parses, calls one ``AuthStore`` use case and shapes the answer; access
errors become ``{"error": …}`` bodies in ``hub.web.site``.  A token's secret appears in exactly
one response, the one that created it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from hub.auth.deps import RequireAdmin, RequireViewer, client_address, get_auth_store
from hub.auth.domain import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PLAIN_TEXT_PATTERN,
    USERNAME_PATTERN,
    Role,
)
from hub.auth.store import AccountRecord, AuthStore, TokenRecord

router = APIRouter(prefix="/api/v1", tags=["accounts"])
Store = Annotated[AuthStore, Depends(get_auth_store)]
RoleName = Literal["viewer", "operator", "admin"]


class MeOut(BaseModel):
    name: str
    role: RoleName
    kind: Literal["session", "token"]
    language: str


class AccountIn(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: RoleName
    language: Literal["id", "en"] = "id"


class AccountOut(BaseModel):
    id: int
    username: str
    role: RoleName
    language: str
    created_at: datetime
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    disabled: bool

    @classmethod
    def of(cls, a: AccountRecord) -> AccountOut:
        return cls(
            id=a.id,
            username=a.username,
            role=a.role.value,
            language=a.language,
            created_at=a.created_at,
            locked_until=a.locked_until,
            last_sign_in_at=a.last_sign_in_at,
            disabled=a.disabled,
        )


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=PLAIN_TEXT_PATTERN)
    role: RoleName


class TokenOut(BaseModel):
    id: int
    name: str
    role: RoleName
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @classmethod
    def of(cls, t: TokenRecord) -> TokenOut:
        return cls(
            id=t.id,
            name=t.name,
            role=t.role.value,
            prefix=t.prefix,
            created_at=t.created_at,
            created_by=t.created_by,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
            revoked_by=t.revoked_by,
        )


class NewTokenOut(TokenOut):
    token: str = Field(description="the bearer token; this is the only time it is shown")


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str
    remote: str | None
    detail: dict[str, object]


@router.get("/me", response_model=MeOut, summary="Who is asking (role: viewer)")
def me(principal: RequireViewer) -> MeOut:
    return MeOut(
        name=principal.name,
        role=principal.role.value,
        kind=principal.kind,
        language=principal.language,
    )


@router.get("/accounts", response_model=list[AccountOut], summary="Accounts (role: admin)")
def list_accounts(_admin: RequireAdmin, store: Store) -> list[AccountOut]:
    return [AccountOut.of(account) for account in store.accounts()]


@router.post(
    "/accounts", response_model=AccountOut, status_code=201, summary="Create an account (admin)"
)
def create_account(
    request: Request, admin: RequireAdmin, store: Store, body: AccountIn
) -> AccountOut:
    account = store.create_account(
        username=body.username,
        password=body.password,
        role=Role(body.role),
        language=body.language,
        actor=admin.name,
        remote=client_address(request),
    )
    return AccountOut.of(account)


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens (role: admin)")
def list_tokens(_admin: RequireAdmin, store: Store) -> list[TokenOut]:
    return [TokenOut.of(token) for token in store.tokens()]


@router.post(
    "/tokens",
    response_model=NewTokenOut,
    status_code=201,
    summary="Create an API token; the answer is the only place it appears (role: admin)",
)
def create_token(request: Request, admin: RequireAdmin, store: Store, body: TokenIn) -> NewTokenOut:
    token, record = store.create_token(
        name=body.name, role=Role(body.role), actor=admin.name, remote=client_address(request)
    )
    return NewTokenOut(**TokenOut.of(record).model_dump(), token=token)


@router.post(
    "/tokens/{token_id}/revoke", response_model=TokenOut, summary="Revoke a token (role: admin)"
)
def revoke_token(
    request: Request,
    admin: RequireAdmin,
    store: Store,
    token_id: Annotated[int, Path(ge=1, le=2**62)],
) -> TokenOut:
    record = store.revoke_token(token_id, actor=admin.name, remote=client_address(request))
    return TokenOut.of(record)


@router.get(
    "/audit",
    response_model=list[AuditOut],
    summary="Sign-ins, lock-outs, tokens, accounts, provisioning; newest first (role: admin)",
)
def audit(
    _admin: RequireAdmin,
    store: Store,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    return [
        AuditOut(
            at=r.at,
            actor=r.actor,
            action=r.action,
            subject=r.subject,
            remote=r.remote,
            detail=dict(r.detail),
        )
        for r in store.audit_trail(limit=limit)
    ]
