"""Admin pages: operator accounts and API tokens.

A new token is shown once, on the page that answers its creation (never cached); after that
only its prefix is.  Creating and revoking are audited by the store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth.deps import FormAdmin, RequireAdmin, client_address, get_auth_store
from hub.auth.domain import AccountConflict, InvalidInput, Principal, Role
from hub.auth.store import AuthStore, utc_now
from hub.web.i18n import describe, translate
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)
Store = Annotated[AuthStore, Depends(get_auth_store)]
ROLES = [role.value for role in Role]


def _tokens_page(
    request: Request,
    me: Principal,
    store: AuthStore,
    *,
    created: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"tokens": store.tokens(), "roles": ROLES, "created": created, "error": error}
    return render(
        request, "tokens.html", me, context, status_code=status_code, private=created is not None
    )


@router.get("/tokens", response_class=HTMLResponse, summary="API tokens (role: admin)")
def tokens_page(request: Request, me: RequireAdmin, store: Store) -> HTMLResponse:
    return _tokens_page(request, me, store)


@router.post("/tokens", response_class=HTMLResponse, summary="Create a token (admin; form)")
def create_token(
    request: Request,
    me: FormAdmin,
    store: Store,
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "viewer",
) -> HTMLResponse:
    try:
        token, _record = store.create_token(
            name=name, role=Role.parse(role), actor=me.name, remote=client_address(request)
        )
    except InvalidInput as exc:
        error = describe(page_language(request, me), exc.code, exc.field, str(exc))
        return _tokens_page(request, me, store, error=error, status_code=422)
    return _tokens_page(request, me, store, created=token, status_code=201)


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token (role: admin; form)")
def revoke_token(
    request: Request, me: FormAdmin, store: Store, token_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Response:
    store.revoke_token(token_id, actor=me.name, remote=client_address(request))
    return RedirectResponse("/tokens", status_code=303)


def _accounts_page(
    request: Request,
    me: Principal,
    store: AuthStore,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "accounts": store.accounts(),
        "roles": ROLES,
        "notice": notice,
        "error": error,
        "now": utc_now(),
    }
    return render(request, "accounts.html", me, context, status_code=status_code)


@router.get("/accounts", response_class=HTMLResponse, summary="Accounts (role: admin)")
def accounts_page(request: Request, me: RequireAdmin, store: Store) -> HTMLResponse:
    return _accounts_page(request, me, store)


@router.post("/accounts", response_class=HTMLResponse, summary="Create an account (admin; form)")
def create_account(
    request: Request,
    me: FormAdmin,
    store: Store,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[str, Form(max_length=16)] = "viewer",
) -> HTMLResponse:
    lang = page_language(request, me)
    try:
        account = store.create_account(
            username=username.strip().lower(),
            password=password,
            role=Role.parse(role),
            actor=me.name,
            remote=client_address(request),
        )
    except (InvalidInput, AccountConflict) as exc:
        error = describe(lang, exc.code, exc.field, str(exc))
        status = 409 if isinstance(exc, AccountConflict) else 422
        return _accounts_page(request, me, store, error=error, status_code=status)
    notice = translate(lang, "accounts.created", username=account.username)
    return _accounts_page(request, me, store, notice=notice, status_code=201)
