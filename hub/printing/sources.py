"""What a crate, lot or pallet label prints, read from the hub's database.

Each loader takes a connection inside the caller's transaction and answers a ``LabelSource``:
the label's data, its template and its ``key``, which names what the label says (one crate
weighing, one lot, one SSCC) so a reprint is recognised however the label was asked for.

Rules:

1. A crate label is its crate's last weighing that was not voided, in the lot it closed into:
   the label carries the lot (10), so a crate in no closed lot yet has no label.
2. A case or pallet label carries one GTIN, so everything on it is one product in one grade
   with a GTIN registered; a pallet label carries one lot (10), so its dispatch has one lot.
3. A dispatch gets its SSCC the first time its pallet label is made, if it left without one
   (the cooperative had no GS1 prefix then); the SSCC is stored with it and never changes.
4. The packer is the cooperative (its name) at the station that packed (its name and
   kecamatan): the hub keeps no postal address of its own for a cooperative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, func, select, update

from hub.db.models import (
    Cooperative,
    DispatchLot,
    DispatchRow,
    Grade,
    LotRow,
    Member,
    Product,
    Station,
    WeighingRow,
)
from hub.domain.projection import HUB_TZ
from hub.printing import UnknownLabelError, UnprintableLabelError
from hub.printing.domain import LABEL_KINDS
from hub.printing.sscc import allocate_sscc
from hub.services import ConflictError
from labels.templates import LabelData

__all__ = ["LOADERS", "LabelSource", "SsccRaced", "load"]

_MAX_ROW_ID: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class LabelSource:
    kind: str
    label_id: str
    key: str
    template: str
    data: LabelData


class SsccRaced(ConflictError):
    """Another transaction gave the dispatch its SSCC first; roll back and read it again."""

    def __init__(self, dispatch: str) -> None:
        super().__init__(
            f"dispatch {dispatch} was given its SSCC by another request just now; try again",
            field="id",
        )


@dataclass(frozen=True, slots=True)
class _Goods:
    """One product in one grade, as a case or pallet label names it (rule 2)."""

    product: str
    grade: str
    gtin: str
    best_before: date | None


def _pack_day(moment: datetime) -> date:
    """SQLite hands times back without their zone; the hub stores UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(HUB_TZ).date()


def _goods(
    connection: Connection, kind: str, label_id: str, lots: list[str], pack_date: date
) -> _Goods:
    w = WeighingRow
    pairs = connection.execute(
        select(w.product_id, w.grade)
        .distinct()
        .where(w.lot_id.in_(lots), w.voided_by_event_id.is_(None))
        .order_by(w.product_id, w.grade)
    ).all()
    if not pairs:
        raise UnprintableLabelError(kind, label_id, "it holds no weighing that was not voided")
    if len(pairs) > 1:
        mixed = ", ".join(f"{p} {g}" for p, g in pairs)
        raise UnprintableLabelError(
            kind, label_id, f"one label names one product and grade; it holds {mixed}"
        )
    ((product_id, grade),) = pairs
    return _product(connection, kind, label_id, product_id, grade, pack_date)


def _product(
    connection: Connection,
    kind: str,
    label_id: str,
    product_id: str,
    grade: str,
    pack_date: date,
) -> _Goods:
    gtin = connection.execute(
        select(Grade.gtin)
        .where(Grade.product_id == product_id, Grade.grade == grade, Grade.gtin.is_not(None))
        .order_by(Grade.code)
        .limit(1)
    ).scalar_one_or_none()
    if gtin is None:
        raise UnprintableLabelError(
            kind, label_id, f"product {product_id} grade {grade} has no GTIN registered"
        )
    product = connection.execute(
        select(Product.name, Product.shelf_life_days).where(Product.id == product_id)
    ).one_or_none()
    name = product.name if product is not None else product_id
    best_before = (
        pack_date + timedelta(days=product.shelf_life_days) if product is not None else None
    )
    return _Goods(product=name, grade=grade, gtin=gtin, best_before=best_before)


def _packer(connection: Connection, coop: str, station: str) -> tuple[str, str]:
    """(name, address) of the packer (rule 4)."""
    name = connection.execute(
        select(Cooperative.name).where(Cooperative.id == coop)
    ).scalar_one_or_none()
    where = connection.execute(
        select(Station.name, Station.kecamatan).where(Station.id == station)
    ).one_or_none()
    parts = [where.name] if where is not None else [station]
    if where is not None and where.kecamatan:
        parts.append(f"Kec. {where.kecamatan}")
    parts.append("Indonesia")
    return name or coop, ", ".join(parts)


def _villages(connection: Connection, lots: list[str]) -> str:
    """The members' village, when every crate came from one."""
    found = connection.execute(
        select(Member.village)
        .distinct()
        .join(WeighingRow, WeighingRow.member_id == Member.id)
        .where(WeighingRow.lot_id.in_(lots), WeighingRow.voided_by_event_id.is_(None))
    ).all()
    return (found[0][0] or "") if len(found) == 1 else ""


def _source(kind: str, label_id: str, key: str, data: LabelData) -> LabelSource:
    return LabelSource(kind, label_id, key, LABEL_KINDS[kind].template, data)


def crate(connection: Connection, kind: str, label_id: str) -> LabelSource:
    w = WeighingRow
    row = connection.execute(
        select(w)
        .where(w.crate_id == label_id, w.voided_by_event_id.is_(None))
        .order_by(w.weighed_at.desc(), w.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        raise UnknownLabelError(kind, label_id)
    if row.lot_id is None:
        raise UnprintableLabelError(
            kind,
            label_id,
            f"its weighing {row.id} is in no closed lot yet, and the label carries the lot",
        )
    pack_date = _pack_day(row.weighed_at)
    goods = _product(connection, kind, label_id, row.product_id, row.grade, pack_date)
    village = connection.execute(
        select(Member.village).where(Member.id == row.member_id)
    ).scalar_one_or_none()
    data = LabelData(
        gtin=goods.gtin,
        lot=row.lot_id,
        net_g=row.net_g,
        pack_date=pack_date,
        best_before=goods.best_before,
        product=goods.product,
        grade=goods.grade,
        village=village or "",
        crate_id=label_id,
    )
    return _source(kind, label_id, f"crate:{label_id}:weighing:{row.id}", data)


def lot(connection: Connection, kind: str, label_id: str) -> LabelSource:
    row = connection.execute(select(LotRow).where(LotRow.id == label_id)).one_or_none()
    if row is None:
        raise UnknownLabelError(kind, label_id)
    goods = _goods(connection, kind, label_id, [row.id], row.pack_date)
    packer_name, packer_address = _packer(connection, row.coop_id, row.station_id)
    data = LabelData(
        gtin=goods.gtin,
        lot=row.id,
        net_g=row.net_g,
        pack_date=row.pack_date,
        best_before=goods.best_before,
        product=goods.product,
        grade=goods.grade,
        village=_villages(connection, [row.id]),
        packer_name=packer_name,
        packer_address=packer_address,
    )
    return _source(kind, label_id, f"lot:{row.id}", data)


def _find_dispatch(connection: Connection, label_id: str) -> Any:
    d = DispatchRow
    found = connection.execute(
        select(d).where((d.sscc == label_id) | (d.code == label_id)).with_for_update()
    ).first()
    if found is None and label_id.isascii() and label_id.isdigit() and len(label_id) <= 19:
        number = int(label_id)
        if 1 <= number <= _MAX_ROW_ID:
            found = connection.execute(select(d).where(d.id == number).with_for_update()).first()
    return found


def pallet(connection: Connection, kind: str, label_id: str) -> LabelSource:
    row = _find_dispatch(connection, label_id)
    if row is None:
        raise UnknownLabelError(kind, label_id)
    sscc = row.sscc
    if sscc is None:
        sscc = allocate_sscc(connection, row.coop_id)
        given = connection.execute(
            update(DispatchRow)
            .where(DispatchRow.id == row.id, DispatchRow.sscc.is_(None))
            .values(sscc=sscc)
        )
        if given.rowcount != 1:
            raise SsccRaced(row.code)
    lots = list(
        connection.execute(
            select(DispatchLot.lot_id)
            .where(DispatchLot.dispatch_id == row.id)
            .order_by(DispatchLot.lot_id)
        ).scalars()
    )
    if len(lots) != 1:
        raise UnprintableLabelError(
            kind,
            label_id,
            f"a pallet label carries one lot (10); dispatch {row.code} carries "
            f"{', '.join(lots) or 'none'}",
        )
    (lot_row,) = connection.execute(select(LotRow).where(LotRow.id.in_(lots))).all()
    goods = _goods(connection, kind, label_id, lots, lot_row.pack_date)
    w = WeighingRow
    count = connection.execute(
        select(func.count()).where(w.lot_id.in_(lots), w.voided_by_event_id.is_(None))
    ).scalar_one()
    packer_name, packer_address = _packer(connection, row.coop_id, row.station_id)
    data = LabelData(
        gtin=goods.gtin,
        lot=lot_row.id,
        net_g=lot_row.net_g,
        pack_date=lot_row.pack_date,
        best_before=goods.best_before,
        product=goods.product,
        grade=goods.grade,
        packer_name=packer_name,
        packer_address=packer_address,
        sscc=sscc,
        count=int(count),
    )
    return _source(kind, label_id, f"sscc:{sscc}", data)


Loader = Callable[[Connection, str, str], LabelSource]

LOADERS: Final[dict[str, Loader]] = {
    "crate": crate,
    "lot": lot,
    "dispatch": pallet,
    "pallet": pallet,
}


def load(connection: Connection, kind: str, label_id: str) -> LabelSource:
    return LOADERS[kind](connection, kind, label_id)
