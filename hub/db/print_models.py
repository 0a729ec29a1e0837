"""Tables of label printing: the printers the hub knows and the queue of print jobs.

Rules:

1. A print job holds the bytes it prints, rendered when it was asked for, so a retry (or the
   same job after a hub restart) prints exactly what the operator saw and a pallet keeps the
   SSCC it was given.
2. A job names its label as it was asked for (``kind`` + ``label_id``: a crate id, a lot id, a
   dispatch id or code, an SSCC) and by what the label says (``label_key``: one crate
   weighing, one lot, one SSCC), so ``dispatch/7`` and ``pallet/0899…`` are the same label.
   An earlier job for the same ``label_key`` that did not fail makes a new one a reprint.
3. ``printer_name`` is kept with the job so its history reads the same after the printer is
   deleted (which clears ``printer_id``).
4. Same ``Base`` as ``hub.db.models``; these are created by migration ``0005``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


def _serial() -> BigInteger:
    return BigInteger().with_variant(Integer, "sqlite")


class PrinterRow(Base):
    """A label printer: ``target`` is ``host[:port]`` (raw9100), a CUPS queue (cups) or a
    directory (spool); ``template`` and ``partner``, when set, say what stock it is loaded
    with and whose labels it prints."""

    __tablename__ = "printers"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    backend: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    dpi: Mapped[int] = mapped_column(Integer)
    template: Mapped[str | None] = mapped_column(String(16))
    partner: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PrintJobRow(Base):
    """One label to print ``copies`` times; ``status`` is queued, sending, printed or failed."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("copies > 0", name="ck_print_jobs_copies"),
        Index("ix_print_jobs_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id"), index=True)
    printer_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    label_id: Mapped[str] = mapped_column(String(128))
    label_key: Mapped[str] = mapped_column(String(200), index=True)
    format: Mapped[str] = mapped_column(String(8))
    dpi: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8))
    copies: Mapped[int] = mapped_column(Integer)
    copies_printed: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reference: Mapped[str | None] = mapped_column(String(500))
    reprint: Mapped[bool] = mapped_column(Boolean)
    reprint_reason: Mapped[str | None] = mapped_column(Text)
