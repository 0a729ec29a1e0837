"""A structural check of EPCIS 2.0 JSON-LD documents, written from the rules of GS1's
EPCIS 2.0 JSON Schema (gs1/EPCIS, ``EPCIS-JSON-Schema.json``) and CBV 2.0.

GS1 publishes that schema under its IP policy, not under a licence that lets us ship a copy, so
the rules this module checks are restated here instead: required members of the document and of
each event type, the members each event type may carry, ``action`` values, CBV bizStep and
disposition words (or URIs), the ``uom`` pattern, the time zone offset pattern, quantity
elements, and that identifiers are URIs.  Returns every problem found, not just the first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

COMMON: Final = {
    "type",
    "@context",
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
}
WHERE: Final = {
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
}
ALLOWED: Final = {
    "ObjectEvent": COMMON | WHERE | {"action", "epcList", "quantityList", "ilmd"},
    "AggregationEvent": COMMON | WHERE | {"action", "parentID", "childEPCs", "childQuantityList"},
    "TransformationEvent": COMMON
    | WHERE
    | {
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        "ilmd",
    },
}
BIZ_STEPS: Final = {
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
    "sensor_reporting",
    "sampling",
}
DISPOSITIONS: Final = {
    "active",
    "container_closed",
    "damaged",
    "destroyed",
    "dispensed",
    "disposed",
    "encoded",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "no_pedigree_match",
    "non_sellable_other",
    "partially_dispensed",
    "recalled",
    "reserved",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "stolen",
    "unknown",
    "available",
    "completeness_verified",
    "completeness_inferred",
    "conformant",
    "container_open",
    "mismatch_instance",
    "mismatch_class",
    "mismatch_quantity",
    "needs_replacement",
    "non_conformant",
    "unavailable",
}
SOURCE_DEST_TYPES: Final = {"owning_party", "possessing_party", "location"}
UOM: Final = re.compile(r"^[A-Z0-9]{2,3}$")
OFFSET: Final = re.compile(r"^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$")
URI: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def _uri(problems: list[str], where: str, value: Any) -> None:
    if not isinstance(value, str) or not URI.match(value):
        problems.append(f"{where}: {value!r} is not a URI")


def _time(problems: list[str], where: str, value: Any) -> None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a date-time")
        return
    if parsed.tzinfo is None:
        problems.append(f"{where}: {value!r} has no offset")


def _quantities(problems: list[str], where: str, value: Any) -> None:
    if not isinstance(value, list):
        problems.append(f"{where}: not a list")
        return
    for i, q in enumerate(value):
        if not isinstance(q, dict) or "epcClass" not in q or "quantity" not in q:
            problems.append(f"{where}[{i}]: needs epcClass and quantity")
            continue
        _uri(problems, f"{where}[{i}].epcClass", q["epcClass"])
        if isinstance(q["quantity"], bool) or not isinstance(q["quantity"], int | float):
            problems.append(f"{where}[{i}].quantity: not a number")
        if "uom" in q and not (isinstance(q["uom"], str) and UOM.match(q["uom"])):
            problems.append(f"{where}[{i}].uom: {q['uom']!r} is not a Rec 20 code")


def _vocab(problems: list[str], where: str, value: Any, words: set[str]) -> None:
    if value not in words:
        _uri(problems, where, value)
        if isinstance(value, str) and ":" in value and not value.startswith(("http", "urn")):
            problems.append(f"{where}: {value!r} is neither a CBV word nor a full URI")


def _non_empty(event: dict[str, Any], *names: str) -> bool:
    return any(isinstance(event.get(n), list) and event[n] for n in names)


def check_event(event: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    kind = event.get("type")
    if kind not in ALLOWED:
        return [f"{where}: type {kind!r} is not an event type this check knows"]
    for name in sorted(set(event) - ALLOWED[kind]):
        problems.append(f"{where}: {kind} may not carry {name!r}")
    for name in ("eventTime", "eventTimeZoneOffset"):
        if name not in event:
            problems.append(f"{where}: {name} is required")
    if "eventTime" in event:
        _time(problems, f"{where}.eventTime", event["eventTime"])
    if "eventTimeZoneOffset" in event and not OFFSET.match(str(event["eventTimeZoneOffset"])):
        problems.append(f"{where}.eventTimeZoneOffset: {event['eventTimeZoneOffset']!r}")
    if "eventID" in event:
        _uri(problems, f"{where}.eventID", event["eventID"])
    if kind in ("ObjectEvent", "AggregationEvent") and event.get("action") not in (
        "ADD",
        "OBSERVE",
        "DELETE",
    ):
        problems.append(f"{where}.action: {event.get('action')!r}")
    if kind == "ObjectEvent":
        if "epcList" not in event and not _non_empty(event, "quantityList"):
            problems.append(f"{where}: an ObjectEvent needs epcList or quantityList")
        if "ilmd" in event and event.get("action") != "ADD":
            problems.append(f"{where}: ilmd only on ADD")
    if (
        kind == "AggregationEvent"
        and event.get("action") != "DELETE"
        and not _non_empty(event, "childEPCs", "childQuantityList")
    ):
        problems.append(f"{where}: an AggregationEvent needs childEPCs or childQuantityList")
    if kind == "TransformationEvent" and not (
        "transformationID" in event
        or (
            _non_empty(event, "inputEPCList", "inputQuantityList")
            and _non_empty(event, "outputEPCList", "outputQuantityList")
        )
    ):
        problems.append(f"{where}: a TransformationEvent needs inputs and outputs")
    for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        for i, epc in enumerate(event.get(name, [])):
            _uri(problems, f"{where}.{name}[{i}]", epc)
    for name in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        if name in event:
            _quantities(problems, f"{where}.{name}", event[name])
    if "parentID" in event:
        _uri(problems, f"{where}.parentID", event["parentID"])
    if "bizStep" in event:
        _vocab(problems, f"{where}.bizStep", event["bizStep"], BIZ_STEPS)
    if "disposition" in event:
        _vocab(problems, f"{where}.disposition", event["disposition"], DISPOSITIONS)
    for name in ("readPoint", "bizLocation"):
        if name in event:
            value = event[name]
            if not isinstance(value, dict) or set(value) != {"id"}:
                problems.append(f"{where}.{name}: must be {{'id': URI}}")
            else:
                _uri(problems, f"{where}.{name}.id", value["id"])
    for name, member in (("sourceList", "source"), ("destinationList", "destination")):
        for i, item in enumerate(event.get(name, [])):
            if not isinstance(item, dict) or set(item) != {"type", member}:
                problems.append(f"{where}.{name}[{i}]: must have exactly type and {member}")
                continue
            _vocab(problems, f"{where}.{name}[{i}].type", item["type"], SOURCE_DEST_TYPES)
            _uri(problems, f"{where}.{name}[{i}].{member}", item[member])
    return problems


def check_document(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for name in ("@context", "type", "schemaVersion", "creationDate", "epcisBody"):
        if name not in document:
            problems.append(f"document: {name} is required")
    if document.get("type") != "EPCISDocument":
        problems.append(f"document: type {document.get('type')!r}")
    if "creationDate" in document:
        _time(problems, "document.creationDate", document["creationDate"])
    events = document.get("epcisBody", {}).get("eventList")
    if not isinstance(events, list):
        return [*problems, "document: epcisBody.eventList is required"]
    for i, event in enumerate(events):
        problems.extend(check_event(event, f"eventList[{i}]"))
    return problems
