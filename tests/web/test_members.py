"""The members page on SQLite and PostgreSQL: a farmer's month, by product and grade, and the
same figures in the CSV the page links to."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from hub.api.time import hub_today
from hub.auth.domain import Role
from hub.domain.projection import HUB_TZ
from hub.web.members import month_of, month_period

from .conftest import Hub
from .test_pages import cells
from .web_world import seed_today


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_today(hub.engine)
    return hub


def weighed_month() -> str:
    """The month (WIB) of ``web_world``'s weighings, made half an hour ago."""
    moment = (datetime.now(UTC) - timedelta(minutes=29)).astimezone(HUB_TZ)
    return f"{moment.year:04d}-{moment.month:02d}"


def test_a_statement_shows_the_members_kilograms_by_product_and_grade(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    page = client.get("/members")
    assert page.status_code == 200
    assert '<optgroup label="kdmp-punten">' in page.text
    assert '<option value="AGT-101">Bu Lestari · AGT-101 · Tulungrejo</option>' in page.text
    month = weighed_month()
    response = client.get("/members", params={"member": "AGT-001", "month": month})
    assert response.status_code == 200
    html = response.text
    assert cells(html, "statement") == [
        ["Apel Manalagi", "A", "2", "21,250"],
        ["Kentang Granola", "A", "1", "20,000"],
    ]
    assert 'id="statement-crates">3<' in html and 'id="statement-net">41,250<' in html
    assert "Ibu Sulastri (AGT-001)" in html
    link = html.split('id="statement-csv"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["product"], r["grade"], r["net_g"]) for r in rows] == [
        ("apel", "A", "21250"),
        ("kentang", "A", "20000"),
        ("TOTAL", "", "41250"),
    ]
    other = client.get("/members", params={"member": "AGT-002", "month": month}).text
    assert cells(other, "statement") == [["Apel Manalagi", "A", "1", "10,500"]]


def test_the_period_is_this_month_unless_another_is_chosen(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    today = hub_today()
    html = client.get("/members", params={"member": "AGT-001"}).text
    assert f'value="{today.year:04d}-{today.month:02d}"' in html
    earlier = client.get("/members", params={"member": "AGT-001", "month": "2020-02"}).text
    assert 'id="statement-crates">0<' in earlier
    assert "Tidak ada setoran pada Februari 2020." in earlier
    english = client.get("/members", params={"member": "AGT-001", "month": "2020-02", "lang": "en"})
    assert "Nothing delivered in February 2020." in english.text


def test_an_unknown_member_or_month_is_said_to_be_so(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    unknown = client.get("/members", params={"member": "AGT-999"})
    assert unknown.status_code == 404
    assert "Anggota AGT-999 tidak dikenal." in unknown.text
    month = client.get("/members", params={"member": "AGT-001", "month": "2026-13"})
    assert month.status_code == 422
    assert "2026-13 bukan bulan" in month.text


def test_a_month_runs_from_its_first_midnight_wib_to_the_next_months() -> None:
    assert month_of("2026-12") == date(2026, 12, 1)
    assert month_of("2026-00") is None and month_of("mei") is None
    start, end = month_period(date(2026, 12, 1))
    assert start.isoformat() == "2026-12-01T00:00:00+07:00"
    assert end.isoformat() == "2027-01-01T00:00:00+07:00"
