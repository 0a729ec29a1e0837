"""EPCIS 2.0 JSON-LD for partners: what the hub knows, as GS1 traceability events.  Pure.

Rules:

1. One document per period: ``EPCISDocument``, schema version 2.0, the GS1 2.0.0 context.
2. Events, in time order:

   =================  ======================  ==========  ===============================
   fact               event                   action      bizStep
   =================  ======================  ==========  ===============================
   weighing           ObjectEvent             ADD         commissioning (harvest delivered)
   lot close          AggregationEvent        ADD         packing (crates into the lot)
   dispatch + SSCC    AggregationEvent        ADD         packing (lots onto the pallet)
   dispatch           ObjectEvent             OBSERVE     shipping (disposition in_transit)
   hub receipt        ObjectEvent             OBSERVE     receiving (hub re-weighed nets)
   =================  ======================  ==========  ===============================

   Voided weighings are left out.  Lots never merge in Lumbung, so no TransformationEvent is
   written.
3. Quantities are class-level (``quantityList``) in kilograms, ``uom`` ``KGM``.  A product and
   grade with a GTIN is named by GS1 Digital Link (``https://id.gs1.org/01/{gtin}`` and, for a
   lot, ``/10/{lot}``); without one, and for stations, the hub and lots as containers, by a URN
   under the hub's ``base_uri``.  An SSCC is named by Digital Link (``/00/{sscc}``).
4. Times carry the hub's zone (WIB, ``+07:00``).  ``eventID`` is a UUID derived from the source
   record, so exporting the same period twice gives the same ids.  Members are not named: a
   farmer's identity stays at the hub.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final
from urllib.parse import quote

from hub.domain.projection import HUB_TZ, LotRecord, WeighingRecord
from hub.domain.trace import DispatchRecord, ReceiptRecord

CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
DIGITAL_LINK: Final = "https://id.gs1.org"
KGM: Final = "KGM"
ZONE_OFFSET: Final = "+07:00"
_NAMESPACE: Final = uuid.UUID("6f1d3a8e-2a53-4c1b-9a57-4c756d62756e")

Json = dict[str, object]


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything one export covers."""

    weighings: Sequence[WeighingRecord]
    lots: Sequence[LotRecord]
    lot_contents: Mapping[str, Mapping[tuple[str, str], int]]
    """Lot → (product, grade) → net grams packed, for the lots the events name."""
    dispatches: Sequence[DispatchRecord]
    receipts: Sequence[ReceiptRecord]
    receipt_products: Mapping[int, tuple[str, str]]
    """Weighing id → (product, grade), for the crates the receipts name."""


def _part(text: str) -> str:
    return quote(text, safe="-._~")


@dataclass(frozen=True, slots=True)
class Names:
    """How the export names things (rule 3)."""

    base_uri: str
    gtins: Mapping[tuple[str, str], str]

    def product_class(self, product: str, grade: str, lot: str | None) -> str:
        gtin = self.gtins.get((product, grade))
        if gtin is not None:
            suffix = f"/10/{_part(lot)}" if lot else ""
            return f"{DIGITAL_LINK}/01/{gtin}{suffix}"
        name = f"{self.base_uri}:class:{_part(product)}:{_part(grade)}"
        return f"{name}:{_part(lot)}" if lot else name

    def station(self, station: str) -> str:
        return f"{self.base_uri}:station:{_part(station)}"

    def hub(self) -> str:
        return f"{self.base_uri}:hub"

    def lot(self, lot: str) -> str:
        return f"{self.base_uri}:lot:{_part(lot)}"

    @staticmethod
    def sscc(sscc: str) -> str:
        return f"{DIGITAL_LINK}/00/{sscc}"


def kilograms(grams: int) -> float:
    """JSON has only binary numbers; 3 decimals of kg are exact in shortest-repr floats."""
    return float(Decimal(grams).scaleb(-3))


def _time(moment: datetime) -> str:
    return moment.astimezone(HUB_TZ).isoformat(timespec="milliseconds")


def _event_id(kind: str, source: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{source}')}"


def _quantity(epc_class: str, grams: int) -> Json:
    return {"epcClass": epc_class, "quantity": kilograms(grams), "uom": KGM}


def _base(kind: str, source: str, moment: datetime) -> Json:
    return {
        "eventID": _event_id(kind, source),
        "eventTime": _time(moment),
        "eventTimeZoneOffset": ZONE_OFFSET,
    }


def _contents(names: Names, lot: str, contents: Mapping[tuple[str, str], int]) -> list[Json]:
    return [
        _quantity(names.product_class(product, grade, lot), grams)
        for (product, grade), grams in sorted(contents.items())
        if grams > 0
    ]


def events(facts: Facts, names: Names) -> list[Json]:
    found: list[tuple[datetime, str, Json]] = []
    for w in facts.weighings:
        if w.voided_by_event_id is not None or w.net_g <= 0:
            continue
        event: Json = {
            "type": "ObjectEvent",
            **_base("weighing", w.event_id, w.weighed_at),
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "quantityList": [_quantity(names.product_class(w.product, w.grade, w.lot), w.net_g)],
            "readPoint": {"id": names.station(w.station)},
            "bizLocation": {"id": names.station(w.station)},
        }
        found.append((w.weighed_at, w.event_id, event))
    for lot in facts.lots:
        children = _contents(names, lot.id, facts.lot_contents.get(lot.id, {}))
        if not children:
            continue
        event = {
            "type": "AggregationEvent",
            **_base("lot", lot.id, lot.closed_at),
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "in_progress",
            "parentID": names.lot(lot.id),
            "childQuantityList": children,
            "readPoint": {"id": names.station(lot.station)},
            "bizLocation": {"id": names.station(lot.station)},
        }
        found.append((lot.closed_at, lot.event_id, event))
    for d in facts.dispatches:
        shipped = [
            q for lot in d.lots for q in _contents(names, lot, facts.lot_contents.get(lot, {}))
        ]
        if not shipped:
            continue
        where = {"readPoint": {"id": names.station(d.station)}}
        if d.sscc:
            event = {
                "type": "AggregationEvent",
                **_base("pallet", d.code, d.departed_at),
                "action": "ADD",
                "bizStep": "packing",
                "disposition": "in_progress",
                "parentID": names.sscc(d.sscc),
                "childQuantityList": shipped,
                **where,
            }
            found.append((d.departed_at, f"{d.code}/0", event))
        event = {
            "type": "ObjectEvent",
            **_base("dispatch", d.code, d.departed_at),
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            **({"epcList": [names.sscc(d.sscc)]} if d.sscc else {}),
            "quantityList": shipped,
            **where,
            "sourceList": [{"type": "location", "source": names.station(d.station)}],
            "destinationList": [{"type": "location", "destination": names.hub()}],
        }
        found.append((d.departed_at, f"{d.code}/1", event))
    for r in facts.receipts:
        received: dict[tuple[str, str, str], int] = {}
        for line in r.lines:
            product, grade = facts.receipt_products.get(line.weighing_id, ("-", "-"))
            place = (product, grade, line.lot)
            received[place] = received.get(place, 0) + line.hub_net_g
        quantities = [
            _quantity(names.product_class(product, grade, lot), grams)
            for (product, grade, lot), grams in sorted(received.items())
            if grams > 0
        ]
        if not quantities:
            continue
        event = {
            "type": "ObjectEvent",
            **_base("receipt", str(r.id), r.received_at),
            "action": "OBSERVE",
            "bizStep": "receiving",
            "disposition": "in_progress",
            "quantityList": quantities,
            "readPoint": {"id": names.hub()},
            "bizLocation": {"id": names.hub()},
        }
        found.append((r.received_at, f"receipt/{r.id}", event))
    return [event for _at, _key, event in sorted(found, key=lambda item: (item[0], item[1]))]


def document(facts: Facts, names: Names, *, created: datetime) -> Json:
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created),
        "epcisBody": {"eventList": events(facts, names)},
    }
