"""The hub's tables, as SQLAlchemy 2 declarative models.

``station_events`` is the immutable log of what stations reported, one row per ``event_id``;
everything the hub derives (stock, lots, statements) is computed from it and from later moves,
never by editing it.  Weights are integer grams (``BigInteger``), never floats.

``weighings`` and ``lots`` are projections of ``station_events``, written by
``hub.services.projection`` in each station's ``seq`` order; ``stock_moves`` is the
append-only ledger whose rules live in ``hub.domain.stock``.  Times are stored in UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
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
    """Per station: the highest contiguous ``seq`` stored (what the ``ack`` topic says) and the
    highest ``seq`` projected into weighings, lots and stock moves."""

    __tablename__ = "station_progress"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contiguous_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    projected_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class StationStatusRow(Base):
    __tablename__ = "station_status"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    backlog: Mapped[int] = mapped_column(BigInteger, default=0)
    clock_synced: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[str] = mapped_column(Text)


class DeadLetter(Base):
    """What ingest could not store.  ``station_id`` and ``seq`` are set (revision 0007) only for
    an event that met the wire contract and that the database refused: it stands in its
    station's contiguous ``seq`` for every worker, after any restart."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_station_seq", "station_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    topic: Mapped[str] = mapped_column(String(512))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    station_id: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(BigInteger)


# ---- revision 0002: master data, the weighing projection, the stock ledger, trace and recall ----


def _serial() -> BigInteger:
    """An auto-increment id: BIGINT on PostgreSQL, SQLite's INTEGER rowid alias."""
    return BigInteger().with_variant(Integer, "sqlite")


class Member(Base):
    """A farmer, by the code on the member card the station scans (``AGT-…``)."""

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    coop_id: Mapped[str] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    village: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    shelf_life_days: Mapped[int] = mapped_column(Integer)


class Grade(Base):
    """A product in one grade, by the product-grade code the station scans (``PRD-…``)."""

    __tablename__ = "grades"

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    grade: Mapped[str] = mapped_column(String(32))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)


class CrateType(Base):
    __tablename__ = "crate_types"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tare_g: Mapped[int] = mapped_column(BigInteger)


class Crate(Base):
    __tablename__ = "crates"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    crate_type_id: Mapped[str | None] = mapped_column(ForeignKey("crate_types.id"))
    coop_id: Mapped[str | None] = mapped_column(ForeignKey("cooperatives.id"))


class GS1Settings(Base):
    """A cooperative's GS1 identity and its SSCC serial counter, which only ever goes up."""

    __tablename__ = "sscc_counters"

    coop_id: Mapped[str] = mapped_column(ForeignKey("cooperatives.id"), primary_key=True)
    company_prefix: Mapped[str] = mapped_column(String(12))
    extension_digit: Mapped[int] = mapped_column(Integer, default=0)
    next_serial: Mapped[int] = mapped_column(BigInteger, default=1)


class WeighingRow(Base):
    """One captured weighing, projected from its ``station_events`` row (same ``id``).

    A row gains its lot when the lot closes and its void when one arrives; nothing else in it
    ever changes.  ``weighed_at`` is the best time the hub knows (see ``hub.domain.projection``).
    """

    __tablename__ = "weighings"
    __table_args__ = (
        Index("ix_weighings_member_time", "member_id", "weighed_at"),
        Index("ix_weighings_station_time", "station_id", "weighed_at"),
        Index("ix_weighings_coop_time", "coop_id", "weighed_at"),
        Index("ix_weighings_crate_time", "crate_id", "weighed_at"),
        Index("ix_weighings_time", "weighed_at"),
        Index(
            "ix_weighings_open_crates",
            "station_id",
            "crate_id",
            postgresql_where=text("lot_id IS NULL AND voided_by_event_id IS NULL"),
            sqlite_where=text("lot_id IS NULL AND voided_by_event_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(160), unique=True)
    coop_id: Mapped[str] = mapped_column(String(64))
    station_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[str | None] = mapped_column(String(128))
    product_code: Mapped[str | None] = mapped_column(String(128))
    product_id: Mapped[str] = mapped_column(String(128))
    grade: Mapped[str] = mapped_column(String(32))
    crate_id: Mapped[str | None] = mapped_column(String(128))
    gross_g: Mapped[int] = mapped_column(BigInteger)
    tare_g: Mapped[int] = mapped_column(BigInteger)
    net_g: Mapped[int] = mapped_column(BigInteger)
    raw_weight: Mapped[str | None] = mapped_column(String(32))
    raw_unit: Mapped[str | None] = mapped_column(String(8))
    stable: Mapped[bool | None] = mapped_column(Boolean)
    driver: Mapped[str | None] = mapped_column(String(40))
    station_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    weighed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    time_source: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lot_id: Mapped[str | None] = mapped_column(String(128), index=True)
    voided_by_event_id: Mapped[str | None] = mapped_column(String(160))
    voided_by: Mapped[str | None] = mapped_column(String(128))


class LotRow(Base):
    """A lot, closed at a station: the dispatch candidate of its crates."""

    __tablename__ = "lots"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    coop_id: Mapped[str] = mapped_column(String(64), index=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(160), unique=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pack_date: Mapped[date] = mapped_column(Date)
    station_net_g: Mapped[int] = mapped_column(BigInteger)
    net_g: Mapped[int] = mapped_column(BigInteger)
    crate_count: Mapped[int] = mapped_column(Integer)


class DispatchRow(Base):
    """A village dispatch: lots leaving a station for the hub, under one code (and SSCC)."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    coop_id: Mapped[str] = mapped_column(String(64), index=True)
    station_id: Mapped[str] = mapped_column(String(64))
    sscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    departed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    vehicle: Mapped[str | None] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(64))


class DispatchLot(Base):
    __tablename__ = "dispatch_lots"

    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id"), primary_key=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), primary_key=True, index=True)


class ReceiptRow(Base):
    """A hub receipt of (part of) a dispatch."""

    __tablename__ = "hub_receipts"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    operator: Mapped[str] = mapped_column(String(64))


class ReceiptLineRow(Base):
    """One crate as the hub re-weighed it: shrinkage = village net − hub net."""

    __tablename__ = "hub_receipt_lines"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("hub_receipts.id"), index=True)
    weighing_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    lot_id: Mapped[str] = mapped_column(String(128), index=True)
    village_net_g: Mapped[int] = mapped_column(BigInteger)
    hub_net_g: Mapped[int] = mapped_column(BigInteger)
    shrinkage_g: Mapped[int] = mapped_column(BigInteger)


class StockMoveRow(Base):
    """The append-only stock ledger (``hub.domain.stock``): rows are inserted, never changed."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("quantity_g > 0", name="ck_stock_moves_positive"),
        Index("ix_stock_moves_to", "to_location", "lot_id"),
        Index("ix_stock_moves_from", "from_location", "lot_id"),
    )

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    coop_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(128))
    grade: Mapped[str] = mapped_column(String(32))
    lot_id: Mapped[str | None] = mapped_column(String(128), index=True)
    from_location: Mapped[str] = mapped_column(String(200))
    to_location: Mapped[str] = mapped_column(String(200))
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(64))
    operator: Mapped[str | None] = mapped_column(String(64))
    weighing_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    dispatch_id: Mapped[int | None] = mapped_column(BigInteger)
    receipt_id: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reverses_move_id: Mapped[int | None] = mapped_column(BigInteger)


class OrderRow(Base):
    """An order: a partner's (``kind`` ``partner``) or the state programme's staples for a
    village cooperative (``kind`` ``staples``, ``partner`` holding the cooperative's id and
    ``product_id`` the staple).  ``quantity`` counts ``unit`` (grams or crates); ``quantity_g``
    is what it comes to in grams.  ``lat``/``lon`` are where to deliver, when the order says.
    Its life cycle (``status``): open → planned (on an approved trip) → in_transit →
    delivered, partly_delivered or not_delivered; ``hub.services.distribution`` owns it."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="partner")
    partner: Mapped[str] = mapped_column(String(128), index=True)
    partner_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    product_id: Mapped[str] = mapped_column(String(128))
    grade: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(8), server_default="g")
    quantity: Mapped[int | None] = mapped_column(BigInteger)
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, server_default="3")
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    trip_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64))


class TripRow(Base):
    """A trip of an approved plan: ``stops`` in driving order, each with its consignments,
    lots and pallets (``hub.schedule.stored``); ``status`` planned → departed → done."""

    __tablename__ = "trips"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vehicle: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column("date", Date, index=True)
    stops: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    plan_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    plan_trip_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), server_default="planned")
    departed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    departed_by: Mapped[str | None] = mapped_column(String(64))


class RecallRow(Base):
    """A recall: what it covers (any of lot, member, station, time range) and its state."""

    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    lot_id: Mapped[str | None] = mapped_column(String(128))
    member_id: Mapped[str | None] = mapped_column(String(128))
    station_id: Mapped[str | None] = mapped_column(String(64))
    from_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    to_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(64))


class StationStatusHistory(Base):
    """Every status a station reported, for uptime and backlog over a period."""

    __tablename__ = "station_status_history"
    __table_args__ = (Index("ix_station_status_history_station_at", "station_id", "at"),)

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    online: Mapped[bool] = mapped_column(Boolean)
    backlog: Mapped[int] = mapped_column(BigInteger)
    clock_synced: Mapped[bool | None] = mapped_column(Boolean)


class AuditEntry(Base):
    """Who did what to stock, recalls and dispatches; written with the change, never edited."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
