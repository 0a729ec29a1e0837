"""The JSON API against its own OpenAPI schema, with schemathesis, in process: a bounded
number of generated requests per operation, signed in with an admin token, and not one may
answer 500.  On SQLite and PostgreSQL.

It found, and now guards against: ids beyond BIGINT, NUL characters reaching PostgreSQL, a
malformed GS1 element string in a trace, and periods in year 1 that cannot change zone.
"""

from __future__ import annotations

from typing import Any, Final

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from hub.auth.domain import Role

from .conftest import Hub

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION: Final = 30


def exercise(operation: Any, headers: dict[str, str], failures: dict[str, list[str]]) -> None:
    """Send ``EXAMPLES_PER_OPERATION`` generated requests; note each that answered 500."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        try:
            status = case.call(headers=headers).status_code
        except Exception as exc:  # the in-process client re-raises the server's errors
            status, detail = 500, repr(exc)
        else:
            detail = f"{case.path_parameters} {case.query} {case.body!r}"[:300]
        if status >= 500:
            failures.setdefault(operation.label, []).append(detail)

    call()


def test_no_generated_request_makes_the_api_answer_500(hub: Hub) -> None:
    admin = {"Authorization": f"Bearer {hub.token(Role.ADMIN)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", hub.app)
    failures: dict[str, list[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25
    for operation in operations:
        exercise(operation, admin, failures)
    assert not failures, "\n".join(f"{label}: {found[0]}" for label, found in failures.items())
