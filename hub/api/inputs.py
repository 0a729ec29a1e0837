"""What the JSON API accepts as text, numbers and times, refused with the field's name before
anything reaches the database.

PostgreSQL refuses a NUL character in text and any integer beyond BIGINT, and a time near year 1
or 9999 cannot be moved into another zone; each of those would otherwise surface as a 500.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Final, TypeVar

from fastapi import Path
from pydantic import AfterValidator

T = TypeVar("T")

MAX_ROW_ID: Final = 2**63 - 1
"""The largest id a database row can have (a signed 64-bit integer)."""

MAX_GRAMS: Final = 10**12
"""A thousand tonnes: more than any single move of produce, far below BIGINT sums."""

EARLIEST_YEAR: Final = 1970
LATEST_YEAR: Final = 9998


def _refusing(characters: str, message: str) -> AfterValidator:
    """A validator that refuses text holding any of ``characters`` (a regex class)."""
    found = re.compile(f"[{characters}]").search

    def check(value: T) -> T:
        if isinstance(value, str) and found(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _a_calendar_year_we_can_store(value: T) -> T:
    if isinstance(value, datetime) and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must be a time between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


OneLine: Final = _refusing(
    r"\x00-\x1f\x7f", "may not hold control characters (tabs, line breaks, NUL)"
)
"""For ids, codes and names: ``Annotated[str, Field(max_length=64), OneLine]``."""

Prose: Final = _refusing(
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f",
    "may not hold control characters other than tabs and line breaks",
)
"""For reasons and notes, which may span lines."""

ScannedCode: Final = _refusing(
    r"\x00-\x1c\x1e\x1f\x7f",
    "may not hold control characters other than GS (FNC1 in a GS1 code)",
)
"""For what a scanner read: GS1 element strings separate variable-length fields with GS."""

StorableTime: Final = AfterValidator(_a_calendar_year_we_can_store)

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
