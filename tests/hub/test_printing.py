"""Labels printed from the hub, on SQLite and PostgreSQL: SSCCs from the database, labels
rendered from its data and read back by zxing-cpp, configured printers, and the print queue
delivering to a real raw-port printer on loopback that is off, comes on, or never does."""

from __future__ import annotations

import io
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from hub_world import COOP, Script, setup_world, store
from loopback_printer import LoopbackPrinter
from PIL import Image
from printers_world import LOT, MIXED_LOT, Hub, labelled_hub
from sqlalchemy import Engine, func, select, update

from hub.api import labels as api_labels
from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.broker import free_port
from hub.db.models import AuditEntry, DispatchRow, GS1Settings
from hub.printing import SsccExhaustedError
from hub.printing.domain import (
    BACKENDS,
    DPIS,
    FORMATS,
    LABEL_KINDS,
    LANGUAGES,
    JobEvent,
    JobStateError,
    JobStatus,
    RetryPolicy,
    next_status,
)
from hub.printing.service import PrintService
from hub.printing.sscc import next_sscc
from hub.services.projection import project_pending
from hub.services.stock import dispatch
from labels import gs1
from labels.templates import TEMPLATES

pytestmark = pytest.mark.pg

GTIN = "18995555000010"
FIRST_SSCC = "089955550000000013"
"""Extension 0, company prefix 8995555, serial 1 and its check digit (biip reads it so)."""


@pytest.fixture
def printer_server() -> Iterator[LoopbackPrinter]:
    server = LoopbackPrinter()
    yield server
    server.stop()


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """A spool printer's directory (``tmp_path`` holds the SQLite database too)."""
    directory = tmp_path / "spool"
    directory.mkdir()
    return directory


@pytest.fixture
def hub(engine: Engine) -> Hub:
    return labelled_hub(engine)


def symbols(png: bytes) -> set[tuple[str, str]]:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), text_mode=zxingcpp.TextMode.Plain)
    assert all(result.valid for result in found)
    return {(result.symbology_identifier, result.text) for result in found}


# ---- SSCC allocation ----


def test_threads_allocating_ssccs_at_once_never_get_the_same_serial(hub: Hub) -> None:
    threads, each = 4, 15
    start = threading.Barrier(threads)
    taken: list[list[str]] = [[] for _ in range(threads)]

    def allocate(mine: list[str]) -> None:
        start.wait()
        mine.extend(next_sscc(hub.engine, COOP) for _ in range(each))

    workers = [threading.Thread(target=allocate, args=(mine,)) for mine in taken]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    every = [sscc for mine in taken for sscc in mine]
    assert len(every) == threads * each
    assert len(set(every)) == len(every)
    assert sorted(int(s[8:17]) for s in every) == list(range(1, threads * each + 1))
    assert all(gs1.sscc(s).value == s for s in every)


def test_a_prefix_whose_serials_are_used_up_says_so_and_takes_nothing(hub: Hub) -> None:
    response = hub.admin.put(
        f"/api/v1/cooperatives/{COOP}/gs1", json={"company_prefix": "899555500001"}
    )
    assert response.json()["next_serial"] == 1
    with hub.engine.begin() as connection:
        connection.execute(update(GS1Settings).values(next_serial=9_999))
    assert next_sscc(hub.engine, COOP) == "0899555500001" + "9999" + "1"
    with pytest.raises(SsccExhaustedError, match="all 10000 serials are used"):
        next_sscc(hub.engine, COOP)
    with hub.engine.connect() as connection:
        assert connection.execute(select(GS1Settings.next_serial)).scalar_one() == 10_000
    refused = hub.viewer.get(f"/api/v1/labels/dispatch/{hub.dispatch_id}.zpl")
    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "coop"
    # A dispatch numbers its pallet from the same counter: it is refused whole, nothing leaves.
    refused = hub.operator.post("/api/v1/dispatches", json={"lots": [MIXED_LOT]})
    assert refused.status_code == 409
    assert "all 10000 serials are used" in refused.json()["error"]["message"]
    candidates = hub.operator.get("/api/v1/dispatches/candidates").json()
    assert MIXED_LOT in [lot["id"] for lot in candidates], "the lot is still waiting to leave"
    with hub.engine.connect() as connection:
        assert connection.execute(select(GS1Settings.next_serial)).scalar_one() == 10_000
        assert connection.execute(select(func.count()).select_from(DispatchRow)).scalar_one() == 1


def test_a_dispatch_gets_its_sscc_with_its_first_pallet_label_and_keeps_it(hub: Hub) -> None:
    first = hub.label(f"dispatch/{hub.dispatch_id}.zpl")
    with hub.engine.connect() as connection:
        assert connection.execute(select(DispatchRow.sscc)).scalar_one() == FIRST_SSCC
    assert hub.label(f"dispatch/DSP-{LOT}.zpl") == first
    assert hub.label(f"pallet/{FIRST_SSCC}.zpl") == first
    assert next_sscc(hub.engine, COOP)[8:17] == "000000002"


def test_a_cooperative_without_a_gs1_prefix_is_told_where_to_set_one(engine: Engine) -> None:
    uow = setup_world(engine, sscc=False)
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.close_lot(LOT, ["KRT-1"], 12_000)
    store(engine, script.events)
    project_pending(uow)
    sent = dispatch(
        uow, lots=[LOT], departed_at=datetime(2026, 11, 24, 3, tzinfo=UTC), operator="t"
    )
    token, _ = AuthStore(engine).create_token(name="v", role=Role.VIEWER, actor="test")
    client = TestClient(create_app(engine), headers={"Authorization": f"Bearer {token}"})
    response = client.get(f"/api/v1/labels/dispatch/{sent.id}.png")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["field"] == "coop"
    assert f"PUT /api/v1/cooperatives/{COOP}/gs1" in error["message"]


# ---- labels from the database ----


def test_the_crate_label_png_scans_as_its_gs1_element_string(hub: Hub) -> None:
    assert symbols(hub.label("crate/KRT-1.png")) == {("]C1", f"01{GTIN}310301200010{LOT}")}


def test_the_case_and_pallet_labels_scan_as_their_gs1_element_strings(hub: Hub) -> None:
    case = symbols(hub.label(f"lot/{LOT}.png?dpi=300&lang=en"))
    assert ("]C1", f"01{GTIN}3103022000") in case
    assert ("]C1", f"01{GTIN}1326112410{LOT}") in case
    pallet = symbols(hub.label(f"dispatch/{hub.dispatch_id}.png"))
    assert ("]C1", f"00{FIRST_SSCC}") in pallet
    assert ("]C1", f"02{GTIN}372") in pallet
    assert ("]d2", f"00{FIRST_SSCC}02{GTIN}1326112415261208372\x1d10{LOT}") in pallet


def test_labels_come_as_png_pdf_and_zpl(hub: Hub) -> None:
    png = hub.viewer.get("/api/v1/labels/crate/KRT-1.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert hub.label("crate/KRT-1.pdf").startswith(b"%PDF")
    assert hub.label("crate/KRT-1.zpl").startswith(b"^XA")


def test_an_unknown_label_is_404_with_the_error_body(hub: Hub) -> None:
    for kind, label_id, format in [
        ("crate", "KRT-404", "png"),
        ("lot", "NO-SUCH-LOT", "zpl"),
        ("dispatch", "999999", "pdf"),
        ("dispatch", "99999999999999999999999", "png"),
        ("pallet", "089955550000000099", "png"),
    ]:
        response = hub.viewer.get(f"/api/v1/labels/{kind}/{label_id}.{format}")
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "not_found",
                "message": f"no {kind} {label_id!r} to print a label for",
                "field": "id",
            }
        }


def test_labels_the_data_cannot_make_are_refused_with_the_reason(hub: Hub) -> None:
    in_no_lot = hub.viewer.get("/api/v1/labels/crate/KRT-9.png")
    assert in_no_lot.status_code == 409
    assert "no closed lot yet" in in_no_lot.json()["error"]["message"]
    mixed = hub.viewer.get(f"/api/v1/labels/lot/{MIXED_LOT}.png")
    assert mixed.status_code == 409
    assert "apel A, apel B" in mixed.json()["error"]["message"]
    wrong = hub.viewer.get("/api/v1/labels/crate/KRT-1.png?dpi=600")
    assert wrong.status_code == 422


# ---- printers and the print queue ----


def test_a_raw_9100_printer_receives_exactly_the_jobs_bytes(
    hub: Hub, printer_server: LoopbackPrinter
) -> None:
    hub.add_printer("zebra-1", "raw9100", f"127.0.0.1:{printer_server.port}")
    (job,) = hub.queue("zebra-1", ("crate", "KRT-1"))
    assert (job["status"], job["attempts"], job["reprint"]) == ("queued", 0, False)
    assert hub.worker().run_once() == 1
    assert printer_server.received(1) == [hub.label("crate/KRT-1.zpl")]
    done = hub.job(job["id"])
    assert (done["status"], done["attempts"], done["copies_printed"]) == ("printed", 1, 1)
    assert done["reference"] == f"127.0.0.1:{printer_server.port}"
    assert done["requested_by"] == "token:operator"


def test_an_offline_printer_is_retried_until_it_comes_on(hub: Hub) -> None:
    port = free_port()
    hub.add_printer("zebra-1", "raw9100", f"127.0.0.1:{port}")
    (job,) = hub.queue("zebra-1", ("lot", LOT), copies=2)
    worker = hub.worker()
    assert worker.run_once() == 1
    waiting = hub.job(job["id"])
    assert (waiting["status"], waiting["attempts"]) == ("queued", 1)
    assert "refused" in waiting["last_error"]
    server = LoopbackPrinter(port)
    worker.start()
    try:
        printed = hub.wait_for(job["id"], "printed")
        received = server.received(2)
    finally:
        worker.stop()
        server.stop()
    assert printed["attempts"] >= 2
    assert received == [hub.label(f"lot/{LOT}.zpl")] * 2


def test_a_printer_that_never_comes_on_fails_the_job_with_the_reason(hub: Hub) -> None:
    port = free_port()
    hub.add_printer("zebra-1", "raw9100", f"127.0.0.1:{port}")
    (job,) = hub.queue("zebra-1", ("crate", "KRT-1"))
    worker = hub.worker(
        RetryPolicy(
            first_delay=timedelta(milliseconds=20),
            max_delay=timedelta(milliseconds=50),
            give_up_after=timedelta(seconds=3),
        )
    )
    worker.start()
    try:
        failed = hub.wait_for(job["id"], "failed")
    finally:
        worker.stop()
    assert failed["attempts"] >= 2
    assert f"printer 127.0.0.1:{port}: could not send" in failed["last_error"]
    assert failed["next_attempt_at"] is None
    listed = hub.operator.get("/api/v1/print-jobs", params={"status": "failed"}).json()
    assert [j["id"] for j in listed] == [job["id"]]
    assert listed[0]["last_error"] == failed["last_error"]


def test_a_printer_found_offline_waits_out_the_round_while_others_print(
    hub: Hub, printer_server: LoopbackPrinter
) -> None:
    hub.add_printer("dead", "raw9100", f"127.0.0.1:{free_port()}")
    hub.add_printer("live", "raw9100", f"127.0.0.1:{printer_server.port}")
    first, second = hub.queue("dead", ("crate", "KRT-1"), ("crate", "KRT-2"))
    (live,) = hub.queue("live", ("lot", LOT))
    assert hub.worker().run_once() == 2
    assert [hub.job(j["id"])["attempts"] for j in (first, second, live)] == [1, 0, 1]
    assert hub.job(live["id"])["status"] == "printed"


def test_a_spool_printer_writes_one_file_per_copy(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool), format="png", dpi=300)
    (job,) = hub.queue("folder", ("crate", "KRT-1"), copies=2)
    assert (job["format"], job["dpi"]) == ("png", 300)
    hub.worker().run_once()
    files = sorted(spool.iterdir())
    assert [f.suffix for f in files] == [".png", ".png"]
    assert {f.read_bytes() for f in files} == {hub.label("crate/KRT-1.png?dpi=300")}
    done = hub.job(job["id"])
    assert (done["status"], done["copies_printed"]) == ("printed", 2)
    assert done["reference"] in {str(f) for f in files}


def test_a_cups_printer_runs_lp_with_its_queue_and_raw_zpl(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lp = bin_dir / "lp"
    lp.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$@\" > {tmp_path}/argv\n"
        f"cat > {tmp_path}/stdin\n"
        "echo 'request id is zebra_gk420d-42 (1 file(s))'\n"
    )
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    hub.add_printer("gudang", "cups", "zebra_gk420d")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    done = hub.job(job["id"])
    assert (done["status"], done["reference"]) == ("printed", "zebra_gk420d-42")
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == ["-d", "zebra_gk420d", "-t", f"crate-KRT-1-job{job['id']}", "-o", "raw"]
    assert (tmp_path / "stdin").read_bytes() == hub.label("crate/KRT-1.zpl")


def test_a_job_the_transport_refuses_fails_at_once(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    hub.add_printer("gudang", "cups", "zebra_gk420d")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    failed = hub.job(job["id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert "printer zebra_gk420d: could not run lp" in failed["last_error"]


def test_a_reprint_needs_a_reason_and_is_audited_with_who_and_why(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool))
    hub.queue("folder", ("crate", "KRT-1"), ("dispatch", str(hub.dispatch_id)))
    refused = hub.print("folder", ("crate", "KRT-2"), ("pallet", FIRST_SSCC))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["field"] == "reason"
    assert error["message"].startswith(f"pallet {FIRST_SSCC} was printed before")
    assert hub.operator.get("/api/v1/print-jobs").json()[0]["label_id"] != "KRT-2"

    reason = "label torn in the cold room"
    jobs = hub.queue("folder", ("crate", "KRT-2"), ("pallet", FIRST_SSCC), reason=reason)
    assert [(j["reprint"], j["reprint_reason"]) for j in jobs] == [(False, None), (True, reason)]
    with hub.engine.connect() as connection:
        audit = connection.execute(
            select(AuditEntry).where(AuditEntry.action == "label_reprint")
        ).one()
    assert (audit.actor, audit.subject) == ("token:operator", f"pallet/{FIRST_SSCC}")
    assert audit.detail["reason"] == reason
    assert audit.detail["job"] == jobs[1]["id"]
    assert audit.detail["printer"] == "folder"


def test_a_label_whose_job_failed_prints_again_without_a_reason(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    hub.add_printer("gudang", "cups", "zebra_gk420d")
    hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    (again,) = hub.queue("gudang", ("crate", "KRT-1"))
    assert again["reprint"] is False


def test_one_unprintable_label_refuses_the_whole_batch(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool))
    refused = hub.print("folder", ("crate", "KRT-1"), ("crate", "KRT-9"))
    assert refused.status_code == 409
    assert "KRT-9" in refused.json()["error"]["message"]
    assert hub.operator.get("/api/v1/print-jobs").json() == []
    assert hub.print("nowhere", ("crate", "KRT-1")).json()["error"]["field"] == "printer"
    twice = hub.print("folder", ("crate", "KRT-1"), ("crate", "KRT-1"))
    assert twice.status_code == 409
    assert twice.json()["error"]["field"] == "labels"


def test_a_printer_loaded_with_one_template_takes_only_those_labels(hub: Hub, spool: Path) -> None:
    hub.add_printer("pallets", "spool", str(spool), template="pallet")
    refused = hub.print("pallets", ("crate", "KRT-1"))
    assert refused.status_code == 409
    assert "loaded with pallet labels" in refused.json()["error"]["message"]
    hub.queue("pallets", ("dispatch", str(hub.dispatch_id)))


def test_a_test_print_goes_through_the_queue(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool), format="png", template="case")
    response = hub.operator.post("/api/v1/printers/folder/test")
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["kind"], job["label_id"]) == ("test", "folder")
    hub.worker().run_once()
    assert hub.job(job["id"])["status"] == "printed"
    (png,) = spool.iterdir()
    assert ("]C1", "01095060001343521326010110TEST") in symbols(png.read_bytes())


def test_printer_configuration_is_checked_and_only_admins_change_it(hub: Hub, spool: Path) -> None:
    post = hub.admin.post
    bad = [
        {"name": "p", "backend": "raw9100", "target": "10.0.0.20:99999"},
        {"name": "p", "backend": "raw9100", "target": "10.0.0.20/path"},
        {"name": "p", "backend": "spool", "target": "relative/dir"},
        {"name": "p", "backend": "cups", "target": "queue with spaces"},
        {"name": "p", "backend": "lpd", "target": "10.0.0.20"},
        {"name": "p", "backend": "spool", "target": str(spool), "dpi": 600},
        {"name": "Not An Id", "backend": "spool", "target": str(spool)},
    ]
    for body in bad:
        response = post("/api/v1/printers", json=body)
        assert response.status_code == 422, body
        assert set(response.json()["error"]) == {"code", "message", "field"}
    good = {"name": "p", "backend": "spool", "target": str(spool)}
    assert hub.operator.post("/api/v1/printers", json=good).status_code == 403
    assert post("/api/v1/printers", json=good).status_code == 201
    taken = post("/api/v1/printers", json=good)
    assert (taken.status_code, taken.json()["error"]["field"]) == (409, "name")
    changed = hub.admin.put(
        "/api/v1/printers/p", json={"backend": "raw9100", "target": "10.0.0.20", "dpi": 300}
    )
    assert (changed.status_code, changed.json()["dpi"]) == (200, 300)
    assert [p["name"] for p in hub.operator.get("/api/v1/printers").json()] == ["p"]
    assert hub.viewer.get("/api/v1/printers").status_code == 403

    (job,) = hub.queue("p", ("crate", "KRT-1"))
    busy = hub.admin.delete("/api/v1/printers/p")
    assert (busy.status_code, busy.json()["error"]["field"]) == (409, "printer")
    hub.admin.put("/api/v1/printers/p", json={"backend": "spool", "target": str(spool)})
    hub.worker().run_once()
    assert hub.admin.delete("/api/v1/printers/p").status_code == 204
    assert hub.job(job["id"])["printer"] == "p"
    assert hub.admin.delete("/api/v1/printers/p").status_code == 404
    with hub.engine.connect() as connection:
        actions = connection.execute(
            select(AuditEntry.action).where(AuditEntry.subject == "p").order_by(AuditEntry.id)
        ).scalars()
        assert list(actions) == [
            "printer_created",
            "printer_changed",
            "printer_changed",
            "printer_deleted",
        ]


def test_a_viewer_downloads_labels_but_prints_nothing(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool))
    body = {"printer": "folder", "labels": [{"kind": "crate", "id": "KRT-1"}]}
    assert hub.viewer.post("/api/v1/print-jobs", json=body).status_code == 403
    assert hub.viewer.get("/api/v1/print-jobs").status_code == 403
    assert hub.viewer.post("/api/v1/printers/folder/test").status_code == 403
    assert hub.viewer.get("/api/v1/labels/crate/KRT-1.zpl").status_code == 200
    assert hub.operator.get("/api/v1/print-jobs/999").status_code == 404


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(hub: Hub, spool: Path) -> None:
    hub.add_printer("folder", "spool", str(spool))
    (job,) = hub.queue("folder", ("crate", "KRT-1"))
    service = PrintService(hub.engine)
    dead = service.claim_next(lease=timedelta(0))
    assert dead is not None
    again = service.claim_next(lease=timedelta(minutes=5))
    assert again is not None
    assert (again.job_id, again.attempt) == (job["id"], dead.attempt + 1)
    assert service.claim_next(lease=timedelta(minutes=5)) is None
    assert service.settle(dead, JobEvent.DELIVERED, reference="stale") is None
    assert service.settle(again, JobEvent.DELIVERED, reference="fresh") is JobStatus.PRINTED
    assert hub.job(job["id"])["reference"] == "fresh"


# ---- the rules as data ----


def test_retry_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=2), max_delay=timedelta(seconds=30))
    assert [policy.delay(n).seconds for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]
    assert policy.delay(10_000) == timedelta(seconds=30)


def test_a_job_event_its_state_does_not_allow_names_both() -> None:
    assert next_status(JobStatus.SENDING, JobEvent.OFFLINE) is JobStatus.QUEUED
    with pytest.raises(JobStateError, match="event delivered is not allowed in state printed"):
        next_status(JobStatus.PRINTED, JobEvent.DELIVERED)


def test_the_api_offers_exactly_the_registered_choices() -> None:
    assert set(get_args(api_labels.BackendName)) == set(BACKENDS)
    assert set(get_args(api_labels.LabelFormat)) == set(FORMATS)
    assert set(get_args(api_labels.LabelKind)) == set(LABEL_KINDS)
    assert set(get_args(api_labels.TemplateName)) == set(TEMPLATES)
    assert set(get_args(api_labels.Language)) == set(LANGUAGES)
    assert set(api_labels.Dpi) == set(DPIS)
