"""The operators' pages on SQLite and PostgreSQL: what each shows of a day at two Batu
stations, in Bahasa Indonesia and in English, and the catalogues behind every word."""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from hub.auth.domain import Role
from hub.db.models import AuditEntry
from hub.web.i18n import catalogue, kilograms

from .conftest import Hub, csrf_of
from .web_world import LOT, seed_today

WEB = Path(__file__).resolve().parents[2] / "hub" / "web"


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_today(hub.engine)
    return hub


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each body row of the table with ``table_id``."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
        if (cells := re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S))
    ]


def test_the_dashboard_shows_stations_todays_kilograms_by_village_and_the_latest_weighings(
    seeded: Hub,
) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'id="stations-online">1 / 2<' in html
    assert 'id="weighings-today">5<' in html
    assert 'id="kg-today">66,750<' in html
    stations = cells(html, "station-status")
    assert [row[0].split()[0] for row in stations] == ["punten-1", "tulungrejo-1"]
    assert stations[0][1:] == ["daring", "1 menit lalu", "2"]
    assert stations[1][1:] == ["luring", "3 jam lalu", "0"]
    assert cells(html, "kg-by-village") == [
        ["kdmp-punten", "Apel Manalagi", "3", "31,750"],
        ["kdmp-punten", "Kentang Granola", "1", "20,000"],
        ["kdmp-tulungrejo", "Apel Manalagi", "1", "15,000"],
    ]
    weighings = cells(html, "weighings")
    assert [row[3] for row in weighings] == [
        "KRT-10001", "KRT-00004", "KRT-00003", "KRT-00002", "KRT-00001",
    ]  # fmt: skip
    live = client.get("/dashboard/live")
    assert live.status_code == 200 and "<html" not in live.text and 'id="weighings"' in live.text


def test_every_page_speaks_the_accounts_language_and_the_choice_is_kept(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.ADMIN)
    assert "Penimbangan terbaru" in client.get("/").text
    response = client.post(
        "/settings/language",
        data={"language": "en", "next": "/stations", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/stations"
    pages = {
        "/": "Latest weighings",
        "/stations": "Last seen",
        "/trace": "Trace a label code",
        "/stock": "Earliest best-before first",
        "/audit": "Audit trail",
        "/tokens": "API tokens",
        "/accounts": "Create account",
        "/stations/new": "Register a new station",
    }
    for path, words in pages.items():
        html = client.get(path).text
        assert words in html, path
        assert '<html lang="en">' in html
    assert client.get("/api/v1/me").json()["language"] == "en"
    assert 'id="kg-today">66.750<' in client.get("/").text
    assert 'id="kg-today">66,750<' in client.get("/?lang=id").text


def test_the_trace_page_walks_a_lot_back_to_farmers_and_forward_to_the_hub(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    html = client.get("/trace", params={"code": LOT}).text
    assert f"{LOT}: lot" in html
    assert [row[2] for row in cells(html, "trace-weighings")] == [
        "KRT-00001",
        "KRT-00002",
        "KRT-00003",
    ]
    assert "Ibu Sulastri" in html and "Pak Wahyudi" in html
    assert cells(html, "trace-lots")[0][0] == LOT
    assert cells(html, "trace-dispatches")[0][3] == "N 1234 AB"
    receipts = cells(html, "trace-receipts")
    assert receipts[0][1:] == ["budi", "31,750", "31,750", "0,000"]
    crate = client.get("/trace", params={"code": "KRT-00002"}).text
    assert "KRT-00002: krat" in crate and len(cells(crate, "trace-weighings")) == 1


def test_an_unknown_code_is_said_to_be_unknown(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    response = client.get("/trace", params={"code": "KRT-99999"})
    assert response.status_code == 404
    assert "Kode KRT-99999 tidak dikenal." in response.text


def test_the_stock_page_lists_the_received_lot_at_the_hub_and_the_rest_at_the_stations(
    seeded: Hub,
) -> None:
    client, _csrf = seeded.signed_in(Role.VIEWER)
    at_hub = cells(client.get("/stock").text, "stock")
    assert [(row[0], row[4], row[6], row[7]) for row in at_hub] == [
        ("hub", LOT, "31,750", "tersedia")
    ]
    everywhere = cells(client.get("/stock", params={"location": ""}).text, "stock")
    assert {row[0] for row in everywhere} == {"hub", "station/punten-1", "station/tulungrejo-1"}
    assert client.get("/stock", params={"location": "gudang"}).status_code == 422


def test_the_stations_page_shows_health_clock_and_outbox(seeded: Hub) -> None:
    client, _csrf = seeded.signed_in(Role.OPERATOR)
    html = client.get("/stations").text
    rows = cells(html, "stations")
    assert rows[0][1] == "daring" and rows[0][4] == "tersinkron" and rows[0][7] == "1 %"
    assert rows[1][1] == "luring" and rows[1][4] == "belum tersinkron"
    assert "Daftarkan stasiun baru" not in html


def test_the_audit_page_merges_sign_ins_lockouts_tokens_and_the_cores_stock_audit(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.ADMIN)
    seeded.account(Role.VIEWER, "ratna")
    stranger = seeded.client()
    for _attempt in range(5):
        form = csrf_of(stranger.get("/login").text)
        stranger.post("/login", data={"username": "ratna", "password": "x", "csrf_token": form})
    client.post("/tokens", data={"name": "prometheus", "role": "viewer", "csrf_token": csrf})
    with seeded.engine.begin() as connection:
        connection.execute(
            insert(AuditEntry),
            {"at": datetime(2020, 1, 1, tzinfo=UTC), "actor": "budi", "action": "adjust",
             "subject": "kdmp-punten/apel/A", "detail": {"delta_g": -500}},
        )  # fmt: skip
    html = client.get("/audit").text
    actions = re.findall(r'<tr data-action="([a-z_]+)">', html)
    assert actions[0] == "token_created"
    assert {"sign_in", "account_created", "sign_in_failed", "lockout"} <= set(actions)
    assert {"dispatch", "receive"} <= set(actions)
    assert actions[-1] == "adjust" and "penyesuaian stok" in html and "delta_g=-500" in html


def test_both_catalogues_hold_the_same_keys_with_the_same_placeholders() -> None:
    indonesian, english = catalogue("id"), catalogue("en")
    assert indonesian.keys() == english.keys()
    fields = string.Formatter()
    for key in indonesian:
        names = [
            {f for _, f, _, _ in fields.parse(text) if f}
            for text in (indonesian[key], english[key])
        ]
        assert names[0] == names[1], key
    raw = json.loads((WEB / "locales" / "id.json").read_text(encoding="utf-8"))
    assert list(raw) == list(indonesian)


def test_every_message_key_a_template_names_is_in_the_catalogues() -> None:
    known = catalogue("id")
    used = set()
    prefixes = set()
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""", text))
        prefixes |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+\.)["']\s*~""", text))
    assert used and not used - known.keys()
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in known), prefix


def test_kilograms_use_the_readers_decimal_mark_and_thousands() -> None:
    assert kilograms(1_234_500, "id") == "1.234,500"
    assert kilograms(1_234_500, "en") == "1,234.500"
    assert kilograms(None, "id") == "—"
