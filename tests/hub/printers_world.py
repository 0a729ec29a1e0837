"""What the printing tests share: a hub with labels to print (crates, a lot, a dispatch), its
API clients and print worker, and a real raw-port (9100) label printer on loopback."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hub_world import APEL_B, COOP, Script, setup_world, store
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.printing.domain import RetryPolicy
from hub.printing.service import PrintService
from hub.printing.worker import PrintWorker
from hub.services.projection import project_pending
from hub.services.stock import dispatch

LOT = "BTU-2611-A1"
MIXED_LOT = "BTU-2611-B1"

FAST = RetryPolicy(
    first_delay=timedelta(milliseconds=50),
    max_delay=timedelta(milliseconds=200),
    give_up_after=timedelta(seconds=30),
    lease=timedelta(seconds=30),
)


@dataclass
class Hub:
    engine: Engine
    admin: TestClient
    operator: TestClient
    viewer: TestClient
    dispatch_id: int

    def worker(self, policy: RetryPolicy = FAST) -> PrintWorker:
        return PrintWorker(PrintService(self.engine), policy=policy, poll_s=0.02)

    def add_printer(self, name: str, backend: str, target: str, **more: object) -> None:
        body = {"name": name, "backend": backend, "target": target, **more}
        response = self.admin.post("/api/v1/printers", json=body)
        assert response.status_code == 201, response.text

    def print(self, printer: str, *labels: tuple[str, str], **more: object) -> Any:
        body = {"printer": printer, "labels": [{"kind": k, "id": i} for k, i in labels], **more}
        return self.operator.post("/api/v1/print-jobs", json=body)

    def queue(self, printer: str, *labels: tuple[str, str], **more: object) -> list[Any]:
        response = self.print(printer, *labels, **more)
        assert response.status_code == 201, response.text
        jobs: list[Any] = response.json()
        return jobs

    def label(self, path: str) -> bytes:
        response = self.viewer.get(f"/api/v1/labels/{path}")
        assert response.status_code == 200, response.text
        return response.content

    def job(self, job_id: int) -> Any:
        return self.operator.get(f"/api/v1/print-jobs/{job_id}").json()

    def wait_for(self, job_id: int, status: str, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["status"] != status:
            assert time.monotonic() < deadline, job
            time.sleep(0.02)
        return job


def labelled_hub(engine: Engine) -> Hub:
    """Two crates in one lot that left on a dispatch before the cooperative had a GS1 prefix,
    a crate in no lot yet, and a lot of two grades."""
    uow = setup_world(engine, sscc=False)
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.weigh("KRT-2", 10_000, member="AGT-002")
    script.close_lot(LOT, ["KRT-1", "KRT-2"], 22_000)
    script.weigh("KRT-5", 8_000)
    script.weigh("KRT-6", 7_000, product=APEL_B)
    script.close_lot(MIXED_LOT, ["KRT-5", "KRT-6"], 15_000)
    script.weigh("KRT-9", 9_000, member="AGT-003")
    store(engine, script.events)
    project_pending(uow)
    sent = dispatch(
        uow, lots=[LOT], departed_at=datetime(2026, 11, 24, 3, tzinfo=UTC), operator="t"
    )
    assert sent.sscc is None
    app = create_app(engine)
    store_ = AuthStore(engine)

    def client(role: Role) -> TestClient:
        token, _ = store_.create_token(name=role.value, role=role, actor="test")
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    hub = Hub(engine, client(Role.ADMIN), client(Role.OPERATOR), client(Role.VIEWER), sent.id)
    response = hub.admin.put(f"/api/v1/cooperatives/{COOP}/gs1", json={"company_prefix": "8995555"})
    assert response.status_code == 200, response.text
    return hub
