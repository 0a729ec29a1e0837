"""Who may do what at the hub: operator accounts and roles, sign-in sessions, API tokens,
lock-out, the security audit trail, and the stations' broker credentials.

Layout: ``domain`` holds the rules as plain Python (roles, lock-out, secrets, names);
``passwords`` wraps argon2; ``store`` applies the rules to the database, one transaction per
use case, auditing as it goes; ``provisioning`` gives a station its broker account and
config; ``deps`` is the only module that knows FastAPI: ``require_role`` and the CSRF check.

Exception tree (``hub.auth.domain``); ``deps`` maps them to HTTP 401/403 (409/422 for account
input)::

    AuthError
    ├── NotAuthenticated     no credentials, or unknown, expired or revoked ones      401
    ├── Forbidden            signed in, but the role is below the one required        403
    │   └── CsrfRejected     a form posted without this session's CSRF token          403
    ├── SignInRefused        wrong username or password (one message for both)        401
    │   └── LockedOut        too many failures: refused until a time, even if right   401
    ├── InvalidInput         a username, password, role, station field that breaks a rule 422
    ├── UnknownRecord        no such account, token or station                        404
    ├── AccountConflict      the username is taken; the token is already revoked      409
    └── ProvisioningUnavailable   no ``mosquitto_passwd`` to hash a station password    503
"""
