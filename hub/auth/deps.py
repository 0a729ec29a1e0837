"""Access control for FastAPI routes: who is asking, and may they.

Every route states the role it needs, with one of these in its signature or its
``dependencies=[…]``::

    RequireViewer / RequireOperator / RequireAdmin    JSON API and page reads
    FormViewer / FormOperator / FormAdmin            form posts: the role and the CSRF token

or ``Depends(require_role(Role.X))`` directly.  ``require_role`` returns one object per role,
so FastAPI resolves the principal once per request however many routes' dependencies ask.

Who is asking: an ``Authorization: Bearer lbg_…`` API token if the request carries one (a
wrong one is refused, never ignored), else the session cookie.  A form post must also carry its
session's CSRF token in the ``csrf_token`` field, so an API token, which has no session, can
never post a form.  The sign-in form, which has no session yet, is protected by a
double-submit cookie instead (``LOGIN_CSRF_COOKIE``).
"""

from __future__ import annotations

import hmac
from functools import cache
from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.auth.domain import (
    AccountConflict,
    AuthError,
    CsrfRejected,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    Principal,
    ProvisioningUnavailable,
    Role,
    SignInRefused,
    UnknownRecord,
)
from hub.auth.provisioning import Provisioner
from hub.auth.store import AuthStore

SESSION_COOKIE: Final = "lumbung_session"
LOGIN_CSRF_COOKIE: Final = "lumbung_login_csrf"
CSRF_FIELD: Final = "csrf_token"

STATUS: Final[tuple[tuple[type[AuthError], int], ...]] = (
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (SignInRefused, 401),
    (InvalidInput, 422),
    (UnknownRecord, 404),
    (AccountConflict, 409),
    (ProvisioningUnavailable, 503),
)
"""Most specific first, as ``hub.api.errors.STATUS``."""


def status_of(exc: AuthError) -> int:
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 403)


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="api_token",
    description="An API token from `lumbung hub create-token` or the hub's token page.",
)


def get_auth_store(request: Request) -> AuthStore:
    store: AuthStore = request.app.state.auth_store
    return store


def get_provisioner(request: Request) -> Provisioner:
    provisioner: Provisioner = request.app.state.provisioner
    return provisioner


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The token's or the session's principal; ``None`` for an anonymous request."""
    store = get_auth_store(request)
    principal: Principal | None = None
    if credentials is not None:
        principal = store.token_principal(credentials.credentials)
        if principal is None:
            raise NotAuthenticated("unknown or revoked API token")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        principal = store.session_principal(cookie)
    request.state.principal = principal
    return principal


def _allowed(principal: Principal | None, role: Role) -> Principal:
    if principal is None:
        raise NotAuthenticated("sign in, or send an API token as 'Authorization: Bearer …'")
    if not principal.role.allows(role):
        raise Forbidden(f"this needs the {role} role; {principal.name} is a {principal.role}")
    return principal


class RoleRequirement:
    """A dependency that lets through principals holding ``role`` or a higher one."""

    def __init__(self, role: Role) -> None:
        self.role = role

    def __call__(
        self, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        return _allowed(principal, self.role)


class FormRequirement:
    """``RoleRequirement`` for a form post, which must also carry the session's CSRF token."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(
        self,
        request: Request,
        principal: Annotated[Principal | None, Depends(current_principal)],
    ) -> Principal:
        allowed = _allowed(principal, self.role)
        sent = (await request.form()).get(CSRF_FIELD)
        if not isinstance(sent, str) or not _same_secret(sent, allowed.csrf_token):
            raise CsrfRejected("this form was not sent from a page of this session; reload it")
        return allowed


@cache
def require_role(role: Role) -> RoleRequirement:
    """The dependency for routes that need ``role``: ``Depends(require_role(Role.ADMIN))``."""
    return RoleRequirement(role)


@cache
def require_form(role: Role) -> FormRequirement:
    return FormRequirement(role)


RequireViewer = Annotated[Principal, Depends(require_role(Role.VIEWER))]
RequireOperator = Annotated[Principal, Depends(require_role(Role.OPERATOR))]
RequireAdmin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
FormViewer = Annotated[Principal, Depends(require_form(Role.VIEWER))]
FormOperator = Annotated[Principal, Depends(require_form(Role.OPERATOR))]
FormAdmin = Annotated[Principal, Depends(require_form(Role.ADMIN))]


def login_csrf_ok(request: Request, sent: str) -> bool:
    """The sign-in form's double-submit check: the hidden field equals the cookie."""
    return _same_secret(sent, request.cookies.get(LOGIN_CSRF_COOKIE))


def _same_secret(sent: str, expected: str | None) -> bool:
    """Compared in constant time, as bytes: a form may send any text, not only ASCII."""
    return bool(expected) and hmac.compare_digest(sent.encode(), (expected or "").encode())
