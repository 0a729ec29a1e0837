"""Plain-text views for a person at a terminal (``lumbung hub trace``).

Kilograms are printed with three decimals; times in the hub's zone (WIB).  A trace is printed
whole: the totals by member and by product first, then every weighing.
"""

from __future__ import annotations

from datetime import datetime

from hub.domain.projection import HUB_TZ
from hub.domain.reports import kilograms
from hub.domain.trace import ReceiptTally, Trace


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(HUB_TZ).strftime("%Y-%m-%d %H:%M WIB")


def render_trace(trace: Trace) -> str:
    back, fwd = trace.backward, trace.forward
    names = {m.id: m.name for m in back.members}
    stations = {s.id: s.name for s in back.stations}
    total = back.total
    lines = [
        f"Trace of {trace.code} ({trace.matched})",
        "",
        f"BACKWARD: {total.crates} crate(s), {kilograms(total.net_g)} kg net, "
        f"{len(back.member_ids)} member(s), {len(back.stations)} station(s)"
        + (f", {total.weighings - total.crates} voided" if total.weighings > total.crates else ""),
    ]
    for by_member in back.by_member:
        who = by_member.member
        member = f"{who} {names.get(who, '')}".strip() if who else "no member"
        lines.append(
            f"  {member} at {by_member.station}: {by_member.tally.crates} crate(s), "
            f"{kilograms(by_member.tally.net_g)} kg"
        )
    for by_product in back.by_product:
        lines.append(
            f"  {by_product.product} {by_product.grade}: {by_product.tally.crates} crate(s), "
            f"{kilograms(by_product.tally.net_g)} kg"
        )
    lines.append("")
    for w in back.weighings:
        member = f"{w.member} {names.get(w.member or '', '')}".strip() if w.member else "-"
        reading = f"{w.raw_weight} {w.raw_unit}" if w.raw_weight else "-"
        lines.append(
            f"  {_when(w.weighed_at)}  crate {w.crate or '-'}  {w.product} {w.grade}  "
            f"net {kilograms(w.net_g)} kg (gross {kilograms(w.gross_g)}, tare "
            f"{kilograms(w.tare_g)}; scale {reading}, {w.driver or '-'}"
            f"{', stable' if w.stable else ''})  member {member}  "
            f"station {w.station} {stations.get(w.station, '')}".rstrip()
            + ("  [VOIDED]" if w.voided_by_event_id else "")
            + ("" if w.time_source == "station" else f"  [time: {w.time_source}]")
        )
    lines += [
        "",
        f"FORWARD: {len(fwd.lots)} lot(s), {len(fwd.dispatches)} dispatch(es), "
        f"{len(fwd.receipts)} receipt(s), {len(fwd.picks)} pick(s)",
    ]
    for lot in fwd.lots:
        lines.append(
            f"  lot {lot.id}: closed {_when(lot.closed_at)} at {lot.station}, packed "
            f"{lot.pack_date}, {lot.crate_count} crate(s), {kilograms(lot.net_g)} kg"
        )
    for d in fwd.dispatches:
        lines.append(
            f"  dispatch {d.code}{f' SSCC {d.sscc}' if d.sscc else ''}: left {d.station} "
            f"{_when(d.departed_at)}, due {_when(d.due_at)}, lots {', '.join(d.lots)}"
        )
    for r in fwd.receipts:
        received = fwd.receipt_totals.get(r.id, ReceiptTally())
        lines.append(
            f"  receipt {r.id}: {_when(r.received_at)} by {r.operator}, {received.crates} "
            f"crate(s), village {kilograms(received.village_net_g)} kg, hub "
            f"{kilograms(received.hub_net_g)} kg, shrinkage {kilograms(received.shrinkage_g)} kg"
        )
    orders = {o.id: o for o in fwd.orders}
    for p in fwd.picks:
        order = orders.get(p.order_id or "")
        trip = f", trip {order.trip_id}" if order and order.trip_id else ""
        lines.append(
            f"  picked {_when(p.at)}: {kilograms(p.quantity_g)} kg of lot {p.lot} for "
            f"{p.partner} (order {p.order_id or '-'}{trip})"
        )
    for t in fwd.trips:
        lines.append(f"  trip {t.id}: {t.day}, vehicle {t.vehicle}, {len(t.stops)} stop(s)")
    if fwd.partners:
        lines.append(f"  partners: {', '.join(fwd.partners)}")
    return "\n".join(lines) + "\n"
