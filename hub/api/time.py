"""Times in requests: ISO 8601; one without a zone is read in the hub's zone (WIB)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.domain.projection import HUB_TZ


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=HUB_TZ) if moment.tzinfo is None else moment


def required(moment: datetime) -> datetime:
    return moment.replace(tzinfo=HUB_TZ) if moment.tzinfo is None else moment


def hub_today() -> date:
    return datetime.now(UTC).astimezone(HUB_TZ).date()
