"""Printing labels from the hub: SSCCs, configured printers and a queue of print jobs.

What lives where:

* ``domain``: plain rules with no database or web framework in them: the printer backends
  by name, the label kinds by name, the print job's states as a table, the retry policy.
* ``sscc``: the next SSCC of a cooperative, from its GS1 company prefix and a serial counter
  that only goes up.
* ``sources``: the data a crate, lot or pallet label prints, read from the database.
* ``service``: the use cases (configure printers, render a label, queue print jobs, claim and
  settle them); each public method is one transaction, like ``hub.auth.store.AuthStore``.
* ``worker``: the thread ``lumbung hub serve`` runs to send due jobs, retrying a printer that
  is off or unreachable with backoff and giving up after a bounded time.

Exception tree (``hub.services`` errors, so ``hub.api.errors`` answers 404 or 409 with the
field at fault)::

    ServiceError
    ├── NotFoundError
    │   ├── UnknownLabelError       no crate, lot or dispatch by that id (field ``id``)
    │   ├── UnknownPrinterError     no printer by that name (field ``printer``)
    │   ├── UnknownCooperativeError no cooperative by that id (field ``coop``)
    │   └── UnknownJobError         no print job by that id
    └── ConflictError
        ├── UnprintableLabelError   the data cannot make this label: no lot yet, no GTIN,
        │                           mixed products, a GS1 rule broken (the caller's data)
        ├── ReprintReasonRequired   the label was printed before and no reason was given
        ├── PrinterConflictError    the name is taken, or the printer still has jobs to send
        └── SsccError
            ├── NoGs1IdentityError  the cooperative has no GS1 company prefix (or a bad one)
            └── SsccExhaustedError  every serial reference the prefix leaves is used
"""

from __future__ import annotations

from hub.services import ConflictError, NotFoundError

__all__ = [
    "NoGs1IdentityError",
    "PrinterConflictError",
    "ReprintReasonRequired",
    "SsccError",
    "SsccExhaustedError",
    "UnknownCooperativeError",
    "UnknownJobError",
    "UnknownLabelError",
    "UnknownPrinterError",
    "UnprintableLabelError",
]


class UnknownLabelError(NotFoundError):
    def __init__(self, kind: str, label_id: str) -> None:
        super().__init__(f"no {kind} {label_id!r} to print a label for", field="id")
        self.kind = kind
        self.label_id = label_id


class UnknownPrinterError(NotFoundError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no printer named {name!r}", field="printer")
        self.name = name


class UnknownCooperativeError(NotFoundError):
    def __init__(self, coop: str) -> None:
        super().__init__(f"no cooperative {coop!r}", field="coop")
        self.coop = coop


class UnknownJobError(NotFoundError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"no print job {job_id}", field="job_id")
        self.job_id = job_id


class UnprintableLabelError(ConflictError):
    def __init__(self, kind: str, label_id: str, reason: str, *, field: str = "id") -> None:
        super().__init__(f"cannot print the {kind} label of {label_id!r}: {reason}", field=field)
        self.kind = kind
        self.label_id = label_id


class ReprintReasonRequired(ConflictError):
    def __init__(self, labels: list[str]) -> None:
        super().__init__(
            f"{', '.join(labels)} {'was' if len(labels) == 1 else 'were'} printed before; "
            "a reprint needs a reason",
            field="reason",
        )
        self.labels = labels


class PrinterConflictError(ConflictError):
    pass


class SsccError(ConflictError):
    def __init__(self, coop: str, message: str) -> None:
        super().__init__(f"cooperative {coop}: {message}", field="coop")
        self.coop = coop


class NoGs1IdentityError(SsccError):
    def __init__(self, coop: str) -> None:
        super().__init__(
            coop,
            "has no GS1 company prefix to number pallets (SSCC) with; an admin sets it at "
            f"PUT /api/v1/cooperatives/{coop}/gs1",
        )


class SsccExhaustedError(SsccError):
    def __init__(self, coop: str, company_prefix: str, serial: int) -> None:
        width = 16 - len(company_prefix)
        super().__init__(
            coop,
            f"SSCC serial reference {serial} does not fit: company prefix {company_prefix} "
            f"leaves {width} digits, and all {10**width} serials are used; "
            "get another company prefix from GS1 Indonesia",
        )
        self.company_prefix = company_prefix
        self.serial = serial
