"""The hub's tables, as SQLAlchemy 2 declarative models.

``station_events`` is the immutable log of what stations reported, one row per ``event_id``;
everything the hub derives (stock, lots, statements) is computed from it and from later moves,
never by editing it.  Weights are integer grams (``BigInteger``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Cooperative(Base):
    __tablename__ = "cooperatives"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nib: Mapped[str | None] = mapped_column(String(13), comment="NIB business registration number")


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    coop_id: Mapped[str] = mapped_column(ForeignKey("cooperatives.id"))
    name: Mapped[str] = mapped_column(String(200))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StationEvent(Base):
    __tablename__ = "station_events"
    __table_args__ = (Index("ix_station_events_station_seq", "station_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(160), unique=True)
    coop_id: Mapped[str] = mapped_column(String(64))
    station_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(16))
    crate: Mapped[str | None] = mapped_column(String(128), index=True)
    member: Mapped[str | None] = mapped_column(String(128))
    product: Mapped[str | None] = mapped_column(String(128))
    gross_g: Mapped[int | None] = mapped_column(BigInteger)
    tare_g: Mapped[int | None] = mapped_column(BigInteger)
    net_g: Mapped[int | None] = mapped_column(BigInteger)
    raw_weight: Mapped[str | None] = mapped_column(String(32))
    raw_unit: Mapped[str | None] = mapped_column(String(8))
    stable: Mapped[bool | None] = mapped_column(Boolean)
    driver: Mapped[str | None] = mapped_column(String(40))
    voids_event_id: Mapped[str | None] = mapped_column(String(160))
    lot: Mapped[str | None] = mapped_column(String(128), index=True)
    lot_net_g: Mapped[int | None] = mapped_column(BigInteger)
    station_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    monotonic_ms: Mapped[int] = mapped_column(BigInteger)
    boot: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    payload: Mapped[str] = mapped_column(Text)


class StationProgress(Base):
    """Per station: the highest contiguous ``seq`` stored (what the ``ack`` topic says)."""

    __tablename__ = "station_progress"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contiguous_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class StationStatusRow(Base):
    __tablename__ = "station_status"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    backlog: Mapped[int] = mapped_column(BigInteger, default=0)
    clock_synced: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[str] = mapped_column(Text)


class DeadLetter(Base):
    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    topic: Mapped[str] = mapped_column(String(512))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
