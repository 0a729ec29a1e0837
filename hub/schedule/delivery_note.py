"""Delivery notes: one page per partner stop of a trip, with its lots and pallets.  Pure.

A partner signs the note when the goods arrive and files it; a recall later starts from the
lots and the SSCCs printed on it.  Each page says who receives what, on which vehicle and trip,
and per pallet the SSCC (number and GS1-128 symbol) and its lots with cooperative, grade,
best-before, crates and net weight.  Words and numbers are in the reader's language: Bahasa
Indonesia by default, weights in kilograms with a decimal comma.

Rules:

1. A pallet carries one cooperative's lots (an SSCC is issued from that cooperative's GS1
   prefix), at most ``pallet_crates`` crates; a lot too big for the pallet's room continues
   on the next one, split at a whole crate.
2. A pallet without an SSCC (its cooperative has no GS1 prefix at the hub) says so on the note.
3. Nothing here issues numbers: the SSCCs come with the pallets, assigned when a plan is
   approved, so the same note prints the same every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.schedule.allocation import Pick
from hub.schedule.messages import Message, clock, kilograms, message
from hub.schedule.orders import Product, TimeWindow
from hub.schedule.pdf import Page, document

MARGIN = 50.0


@dataclass(frozen=True, slots=True)
class PalletLine:
    lot: str
    grade: str
    best_before: date
    net_g: int
    crates: int


@dataclass(frozen=True, slots=True)
class PalletLoad:
    cooperative: str
    lines: tuple[PalletLine, ...]
    sscc: str | None = None

    @property
    def net_g(self) -> int:
        return sum(line.net_g for line in self.lines)

    @property
    def crates(self) -> int:
        return sum(line.crates for line in self.lines)


def pallet_loads(picks: Sequence[Pick], product: Product, pallet_crates: int) -> list[PalletLoad]:
    """The picks of one order on pallets (rule 1), cooperatives in the order first picked."""
    if pallet_crates < 1:
        raise ValueError("a pallet holds at least one crate")
    cooperatives = list(dict.fromkeys(pick.cooperative for pick in picks))
    pallets: list[PalletLoad] = []
    for cooperative in cooperatives:
        lines: list[PalletLine] = []
        room = pallet_crates
        for pick in (p for p in picks if p.cooperative == cooperative):
            left = pick.quantity_g
            while left > 0:
                crates = min(product.crates_for(left), room)
                grams = min(left, crates * product.crate_net_g)
                lines.append(PalletLine(pick.lot_id, pick.grade, pick.best_before, grams, crates))
                room -= crates
                left -= grams
                if room == 0:
                    pallets.append(PalletLoad(cooperative, tuple(lines)))
                    lines, room = [], pallet_crates
        if lines:
            pallets.append(PalletLoad(cooperative, tuple(lines)))
    return pallets


@dataclass(frozen=True, slots=True)
class NoteOrder:
    """One order delivered at the stop: ``what`` it is and the pallets it travels on."""

    ref: str
    what: Message
    net_g: int
    crates: int
    gross_g: int
    pallets: tuple[PalletLoad, ...]


@dataclass(frozen=True, slots=True)
class DeliveryNote:
    number: str
    day: date | None
    hub: str
    vehicle: str
    trip: int
    stop_no: int
    arrival_s: int
    window: TimeWindow
    recipient: str
    address: str
    orders: tuple[NoteOrder, ...]


def delivery_notes_pdf(notes: Sequence[DeliveryNote], *, title: str, language: str = "id") -> bytes:
    """One A4 page per note (more when a note's pallets run past the page); a trip with no
    partner stop gets one page saying so."""
    if not notes:
        page = Page()
        heading = f"{_text('note.title', language)} {title}"
        page.text(MARGIN, page.height - 80, heading, size=16, bold=True)
        page.text(MARGIN, page.height - 110, _text("note.nothing", language))
        return document([page], title=title)
    pages: list[Page] = []
    for note in notes:
        pages += _Note(note, language).pages()
    for number, page in enumerate(pages, start=1):
        words = _text("note.page", language, page=number, pages=len(pages))
        page.text_right(page.width - MARGIN, 40, words, size=8)
    return document(pages, title=title)


def _text(key: str, language: str, **values: str | int) -> str:
    return message(key, **values).text(language)


class _Note:
    """Lays one note out top to bottom, starting a new page when the next block would not
    fit above the signature lines."""

    BOTTOM = 130.0

    def __init__(self, note: DeliveryNote, language: str) -> None:
        self.note = note
        self.language = language
        self.done: list[Page] = []
        self.page = Page()
        self.right = self.page.width - MARGIN
        self.y = self.page.height - 60
        self.columns = (
            (MARGIN + 10, self.t("note.lot"), False),
            (MARGIN + 120, self.t("note.cooperative"), False),
            (MARGIN + 225, self.t("note.grade"), False),
            (MARGIN + 265, self.t("note.best_before"), False),
            (self.right - 75, self.t("note.crates"), True),
            (self.right, self.t("note.net"), True),
        )

    def t(self, key: str, **values: str | int) -> str:
        return _text(key, self.language, **values)

    def room(self, needed: float) -> None:
        if self.y - needed < self.BOTTOM:
            self.done.append(self.page)
            self.page = Page()
            self.y = self.page.height - 60
            number = f"{self.t('note.number')} {self.note.number}"
            self.page.text_right(self.right, self.y, number, size=11, bold=True)
            self.y -= 24

    def pages(self) -> list[Page]:
        note, page = self.note, self.page
        page.text(MARGIN, self.y, self.t("note.title").upper(), size=18, bold=True)
        number = f"{self.t('note.number')} {note.number}"
        page.text_right(self.right, self.y, number, size=11, bold=True)
        self.y -= 18
        page.text(MARGIN, self.y, note.hub, size=9)
        self.y -= 26
        stop = f"{note.trip}, {self.t('note.stop').lower()} {note.stop_no}"
        facts = [
            (self.t("note.date"), note.day.isoformat() if note.day else "-"),
            (self.t("note.vehicle"), note.vehicle),
            (self.t("note.trip"), stop),
            (self.t("note.arrival"), clock(note.arrival_s)),
            (self.t("note.window"), str(note.window)),
            (self.t("note.recipient"), note.recipient),
        ]
        if note.address:
            facts.append((self.t("note.address"), note.address))
        for label, value in facts:
            page.text(MARGIN, self.y, f"{label}:", size=10, bold=True)
            page.text(MARGIN + 130, self.y, value, size=10)
            self.y -= 14
        for order in note.orders:
            self.order(order)
        self.room(40)
        y = max(self.y - 40, self.BOTTOM - 20)
        self.page.line(MARGIN, y, MARGIN + 200, y)
        self.page.line(self.right - 250, y, self.right, y)
        self.page.text(MARGIN, y - 12, self.t("note.driver"), size=8)
        self.page.text(self.right - 250, y - 12, self.t("note.received"), size=8)
        return [*self.done, self.page]

    def order(self, order: NoteOrder) -> None:
        self.room(60)
        self.y -= 16
        self.page.line(MARGIN, self.y + 10, self.right, self.y + 10)
        heading = f"{self.t('note.order')} {order.ref}: {order.what.text(self.language)}"
        self.page.text(MARGIN, self.y - 4, heading, size=11, bold=True)
        self.y -= 20
        for number, pallet in enumerate(order.pallets, start=1):
            self.pallet(pallet, number)
        self.room(20)
        self.y -= 4
        kg = self.language
        totals = (
            f"{self.t('note.total')}: {order.crates} {self.t('note.crates').lower()}, "
            f"{self.t('note.net').lower()} {kilograms(order.net_g, kg)}, "
            f"{self.t('note.gross').lower()} {kilograms(order.gross_g, kg)}"
        )
        self.page.text(MARGIN, self.y, totals, size=10, bold=True)
        self.y -= 6

    def pallet(self, pallet: PalletLoad, number: int) -> None:
        self.room(84 + 12 * len(pallet.lines))
        page = self.page
        title = self.t("note.pallet", number=number)
        if pallet.sscc:
            page.text(MARGIN, self.y, f"{title} — SSCC (00) {pallet.sscc}", size=10, bold=True)
            self.y -= 44
            _sscc_bars(page, MARGIN + 10, self.y, pallet.sscc)
            self.y -= 14
        else:
            page.text(MARGIN, self.y, title, size=10, bold=True)
            self.y -= 13
            words = self.t("note.no_sscc", coop=pallet.cooperative)
            page.text(MARGIN + 10, self.y, words, size=9)
            self.y -= 14
        for x, label, at_right in self.columns:
            if at_right:
                page.text_right(x, self.y, label, size=8, bold=True)
            else:
                page.text(x, self.y, label, size=8, bold=True)
        self.y -= 12
        for line in pallet.lines:
            cells = (
                line.lot,
                pallet.cooperative,
                line.grade,
                line.best_before.isoformat(),
                str(line.crates),
                kilograms(line.net_g, self.language),
            )
            for (x, _, at_right), cell in zip(self.columns, cells, strict=True):
                if at_right:
                    page.text_right(x, self.y, cell, size=9)
                else:
                    page.text(x, self.y, cell, size=9)
            self.y -= 12
        self.y -= 6


def _sscc_bars(page: Page, x: float, y: float, sscc: str, module: float = 1.2) -> None:
    """The SSCC as a GS1-128 symbol, 36 points high, its bottom left at (``x``, ``y``)."""
    from labels import gs1
    from labels.code128 import gs1_128

    modules = gs1_128([gs1.sscc(sscc)]).modules
    start = 0
    while start < len(modules):
        if modules[start] == "1":
            end = start
            while end < len(modules) and modules[end] == "1":
                end += 1
            page.rect(x + start * module, y, (end - start) * module, 36)
            start = end
        else:
            start += 1
