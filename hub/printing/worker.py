"""The print worker: a thread that sends due print jobs to their printers.

Each round claims due jobs one at a time (``PrintService.claim_next``), sends each job's
copies through its printer's transport (``labels.printers``) and settles it: printed;
offline, to be tried again after ``RetryPolicy.delay`` (or failed once ``give_up_after`` has
passed since the request); or failed at once when the transport refuses the job.  A copy that
went out is recorded before the next is sent, so a retry never prints a copy twice.

Nothing is held in memory between rounds: the queue is the ``print_jobs`` table, so a
restarted hub carries on where it stopped, and several hub processes may each run a worker.
``run_once`` is the whole of a round, for tests; ``start``/``stop`` run rounds on a thread.
"""

from __future__ import annotations

import logging
import threading

from hub.printing.domain import JobEvent, JobStatus, RetryPolicy, is_offline
from hub.printing.service import Claim, PrintService
from labels.printers import PrinterError, PrinterJobError

log = logging.getLogger(__name__)

__all__ = ["PrintWorker"]


class PrintWorker:
    def __init__(
        self,
        service: PrintService,
        *,
        policy: RetryPolicy | None = None,
        poll_s: float = 1.0,
    ) -> None:
        self._service = service
        self._policy = policy or RetryPolicy()
        self._poll_s = poll_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, *, limit: int = 50) -> int:
        """Attempt due jobs, one claim at a time, until none is due or ``limit`` were tried;
        returns how many were.  A printer found offline is left alone for the rest of the
        round, so one that is off does not hold up the others for a timeout per job."""
        offline: set[str] = set()
        attempted = 0
        while attempted < limit and not self._stopping.is_set():
            claim = self._service.claim_next(lease=self._policy.lease, skip_printers=offline)
            if claim is None:
                break
            attempted += 1
            if self._attempt(claim) is JobEvent.OFFLINE:
                offline.add(claim.printer_name)
        return attempted

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the print worker is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)
        self._thread.start()
        log.info("print worker started")

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the job being sent, then stop; waits up to ``timeout`` seconds."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        log.info("print worker stopped")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:  # the database may be away for a while; keep the thread
                log.exception("print worker round failed; trying again")
            self._stopping.wait(self._poll_s)

    def _attempt(self, claim: Claim) -> JobEvent | None:
        """Send the claimed job; returns how it ended (``None``: the claim was lost)."""
        reference: str | None = None
        try:
            if claim.printer is None:
                raise PrinterJobError(claim.printer_name, "the printer was deleted")
            transport = claim.printer.transport()
            for copy in range(claim.copies_printed, claim.copies):
                reference = transport.send(claim.job())
                if not self._service.record_copy(claim, copy + 1, lease=self._policy.lease):
                    log.warning("print job %d: lost its claim while sending", claim.job_id)
                    return None
        except PrinterError as exc:
            now = self._service.now()
            event = (
                self._policy.after_offline(requested_at=claim.requested_at, now=now)
                if is_offline(exc)
                else JobEvent.REFUSED
            )
            retry_at = (
                now + self._policy.delay(claim.attempt) if event is JobEvent.OFFLINE else None
            )
            status = self._service.settle(claim, event, error=str(exc), retry_at=retry_at)
            if status is JobStatus.FAILED:
                log.warning("print job %d failed: %s", claim.job_id, exc)
            return event if status is not None else None
        status = self._service.settle(claim, JobEvent.DELIVERED, reference=reference)
        return JobEvent.DELIVERED if status is not None else None
