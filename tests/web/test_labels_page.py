"""The labels page on SQLite and PostgreSQL: an operator chooses a lot, previews its label,
prints it to a raw-port printer on loopback that receives the ZPL, and watches the queue; a
reprint needs a reason, said in words; a viewer previews but prints nothing; ``/metrics``
counts the queue by state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from loopback_printer import LoopbackPrinter

from hub.auth.domain import Role
from hub.printing.service import PrintService
from hub.printing.worker import PrintWorker

from .conftest import Hub
from .operations_world import add_printer, seed_labels
from .test_observability import samples
from .web_world import LOT

pytestmark = pytest.mark.pg

PRINTER = "zebra-hub"


@pytest.fixture
def printer() -> Iterator[LoopbackPrinter]:
    server = LoopbackPrinter()
    yield server
    server.stop()


@pytest.fixture
def seeded(hub: Hub, printer: LoopbackPrinter) -> Hub:
    seed_labels(hub.engine)
    add_printer(hub.engine, PRINTER, port=printer.port)
    return hub


def send_due_jobs(hub: Hub) -> int:
    """One round of the print worker, as ``lumbung hub serve`` runs it on its thread."""
    return PrintWorker(PrintService(hub.engine)).run_once()


def print_lot(client: TestClient, csrf: str, **more: str) -> object:
    data = {"label": f"lot:{LOT}", "printer": PRINTER, "copies": "1", "csrf_token": csrf, **more}
    return client.post("/labels/print", data=data, follow_redirects=False)


def job_states(html: str) -> dict[int, str]:
    return {
        int(job): state
        for job, state in re.findall(r'data-job-id="(\d+)" data-status="(\w+)"', html)
    }


def test_an_operator_prints_a_lots_label_and_the_printer_receives_its_zpl(
    seeded: Hub, printer: LoopbackPrinter
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    page = client.get("/labels").text
    assert f'value="lot:{LOT}"' in page and 'id="recent-dispatches"' in page
    assert "Belum ada pekerjaan cetak." in page

    chosen = client.get("/labels", params={"label": f"lot:{LOT}"}).text
    preview = f"/api/v1/labels/lot/{LOT}.png?lang=id"
    assert f'src="{preview}"' in chosen and 'id="print-form"' in chosen
    image = client.get(preview)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    response = print_lot(client, csrf)
    assert response.status_code == 303
    assert response.headers["location"] == f"/labels?label=lot%3A{LOT}&queued=1"
    queued = client.get(response.headers["location"]).text
    assert "Masuk antrean cetak: pekerjaan #1." in queued
    assert job_states(queued) == {1: "queued"}

    assert send_due_jobs(seeded) == 1
    (zpl,) = printer.received(1)
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    assert LOT.encode() in zpl
    live = client.get("/labels/jobs")
    assert "<html" not in live.text and job_states(live.text) == {1: "printed"}
    assert "tercetak" in live.text
    english = client.get("/labels/jobs", params={"lang": "en"}).text
    assert "printed" in english and "Printed " in english


def test_a_reprint_without_a_reason_is_refused_in_words_and_one_with_a_reason_is_audited(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    assert print_lot(client, csrf).status_code == 303
    send_due_jobs(seeded)

    again = client.get(f"/labels?label=lot:{LOT}").text
    assert "sudah pernah dicetak" in again
    refused = print_lot(client, csrf)
    assert refused.status_code == 409
    assert (
        f"Tidak dicetak: lot {LOT} sudah pernah dicetak. Cetak ulang perlu alasan; tulis "
        "alasannya lalu cetak lagi."
    ) in refused.text
    assert 'id="print-form"' in refused.text and len(job_states(refused.text)) == 1

    reprinted = print_lot(client, csrf, reason="label robek saat dimuat", copies="2")
    assert reprinted.status_code == 303
    page = client.get(reprinted.headers["location"]).text
    assert job_states(page) == {2: "queued", 1: "printed"}
    assert "cetak ulang: label robek saat dimuat" in page
    admin, _csrf = seeded.signed_in(Role.ADMIN)
    assert 'data-action="label_reprint"' in admin.get("/audit").text


def test_a_refused_print_names_what_is_at_fault(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    unknown = client.post(
        "/labels/print",
        data={"label": "lot:LOT-TIDAK-ADA", "printer": PRINTER, "csrf_token": csrf},
    )
    assert unknown.status_code == 404
    assert "Tidak ada lot LOT-TIDAK-ADA untuk dibuatkan label." in unknown.text
    no_printer = print_lot(client, csrf, printer="epson-lama")
    assert no_printer.status_code == 404
    assert "Tidak ada printer bernama epson-lama." in no_printer.text
    copies = print_lot(client, csrf, copies="0")
    assert copies.status_code == 422 and "Jumlah salinan harus 1 sampai 100." in copies.text
    nothing = client.post("/labels/print", data={"printer": PRINTER, "csrf_token": csrf})
    assert nothing.status_code == 422 and "Pilih dulu label yang akan dicetak." in nothing.text
    typed = client.get("/labels", params={"kind": "lot", "ids": f"{LOT}\nKRT-00001\n"})
    assert typed.status_code == 200
    assert 'data-label="lot:KRT-00001"' in typed.text and f'data-label="lot:{LOT}"' in typed.text


def test_a_failed_job_shows_why_and_metrics_count_the_queue_by_state(
    seeded: Hub, tmp_path: Path
) -> None:
    add_printer(seeded.engine, "spool-gone", spool=tmp_path / "no-such-directory")
    client, csrf = seeded.signed_in(Role.OPERATOR)
    assert print_lot(client, csrf, printer="spool-gone").status_code == 303
    send_due_jobs(seeded)
    page = client.get("/labels").text
    assert job_states(page) == {1: "failed"}
    assert "Tidak tercetak: " in page
    client.post(
        "/labels/print",
        data={"label": "crate:KRT-00001", "printer": PRINTER, "csrf_token": csrf},
    )
    viewer = {"Authorization": f"Bearer {seeded.token(Role.VIEWER)}"}
    found = samples(seeded.client().get("/metrics", headers=viewer).text)
    assert found['lumbung_print_jobs{state="failed"}'] == 1
    assert found['lumbung_print_jobs{state="queued"}'] == 1
    assert found['lumbung_print_jobs{state="printed"}'] == 0
    assert found['lumbung_print_jobs{state="sending"}'] == 0


def test_a_viewer_previews_labels_but_has_no_print_form_and_cannot_print(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.VIEWER)
    page = client.get("/labels", params={"label": f"lot:{LOT}"})
    assert page.status_code == 200
    assert f"/api/v1/labels/lot/{LOT}.png" in page.text
    assert 'id="print-form"' not in page.text and 'id="print-jobs' not in page.text
    assert "mencetak perlu peran operator" in page.text
    assert print_lot(client, csrf).status_code == 403
    assert client.get("/labels/jobs").status_code == 403
    assert PrintService(seeded.engine).jobs() == []
