"""The station screen in both languages, and the page that shows it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from edge.display import Screen, catalogue, render, render_screen
from edge.display_server import DisplayServer


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    indonesian, english = catalogue("id"), catalogue("en")
    assert indonesian.keys() == english.keys()
    for key in indonesian:
        assert sorted(_placeholders(indonesian[key])) == sorted(_placeholders(english[key])), key


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "TERSIMPAN — krat KRT-000123, neto 12,430 kg"),
        ("en", "SAVED — crate KRT-000123, net 12.430 kg"),
    ],
)
def test_the_saved_confirmation_names_the_crate_and_net_weight(
    language: str, expected: str
) -> None:
    screen = Screen(language=language)
    assert screen.say("saved", crate="KRT-000123", net_g=12_430) == expected
    assert screen.tone == "ok"


@pytest.mark.parametrize(
    ("language", "key", "values", "expected"),
    [
        ("id", "scan_next", {"what": "member"}, "Pindai kartu anggota"),
        ("en", "scan_next", {"what": "member"}, "Scan the member card"),
        (
            "id",
            "too_light",
            {"net_g": 300, "min_g": 500},
            "Terlalu ringan: neto 0,300 kg, minimal 0,500 kg",
        ),
        (
            "en",
            "too_light",
            {"net_g": 300, "min_g": 500},
            "Too light: net 0.300 kg, minimum 0.500 kg",
        ),
        (
            "id",
            "outbox_full",
            {},
            "PENYIMPANAN PENUH — penimbangan TIDAK disimpan. Hubungi teknisi.",
        ),
        (
            "id",
            "scale_unplugged",
            {"detail": "could not open port /dev/ttyUSB0"},
            "Timbangan tidak tersambung: could not open port /dev/ttyUSB0",
        ),
    ],
)
def test_messages_read_naturally_in_each_language(
    language: str, key: str, values: dict[str, str | int], expected: str
) -> None:
    assert render(language, key, values) == expected


def test_the_screen_shows_weight_scans_uplink_and_warnings_in_indonesian() -> None:
    screen = Screen(
        language="id",
        live_g=-120,
        stable=False,
        scans=[("crate", "KRT-7"), ("member", "AGT-0042")],
        today_count=12,
        today_net_g=150_250,
        uplink_connected=False,
        backlog=37,
        clock_synced=False,
        outbox_fill_pct=85,
    )
    shown = render_screen(screen)
    assert shown["weight"] == "-0,120 kg"
    assert shown["stability"] == "BERGERAK"
    assert shown["scans"] == ["kode krat: KRT-7", "kartu anggota: AGT-0042"]
    assert shown["today"] == "Hari ini: 12 krat, 150,250 kg"
    assert shown["uplink"] == "Tidak terhubung ke hub — data aman tersimpan di stasiun"
    assert shown["backlog"] == "Menunggu dikirim: 37"
    assert shown["notes"] == [
        "Jam belum disetel (menunggu internet)",
        "Penyimpanan 85% penuh — periksa koneksi ke hub",
    ]


def test_the_screen_in_english_before_any_reading() -> None:
    shown = render_screen(Screen(language="en", uplink_connected=True))
    assert shown["weight"] == "No reading yet"
    assert shown["scans"] == ["Nothing scanned yet"]
    assert shown["uplink"] == "Connected to the hub"


def test_the_display_page_and_its_state_are_served_on_the_station() -> None:
    screen = Screen(language="id")
    screen.say("saved", crate="KRT-1", net_g=9_000)
    server = DisplayServer("127.0.0.1", 0, lambda: render_screen(screen))
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/"
        with urllib.request.urlopen(base, timeout=5) as response:
            assert b'fetch("screen.json"' in response.read()
        with urllib.request.urlopen(base + "screen.json", timeout=5) as response:
            state = json.load(response)
        assert state["message"] == "TERSIMPAN — krat KRT-1, neto 9,000 kg"
        assert state["tone"] == "ok"
    finally:
        server.stop()
