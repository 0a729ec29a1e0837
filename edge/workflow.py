"""The packing-station workflow: scans and settled weights in, weighing events out.  Pure.

Rules (the transition table ``TRANSITIONS`` is the whole truth; this is its summary):

1. A weighing needs the scans the station's config requires (member card, product-grade code,
   crate id), in any order.  Scanning a kind again replaces the earlier code.
2. A settled weight counts only when every required scan is present and the net weight (gross
   minus tare) reaches ``min_net_g``.  Tare comes from a scanned crate type, else the configured
   default, else the scale's own tare.
3. A placement is captured once: after a capture the load must come off the scale
   (``LoadRemoved``) before the next capture, so one crate is never weighed twice.
4. Half-finished weighings reset after ``timeout_s`` without input.
5. A supervisor code voids the last weighing; closing the lot emits the crate list and totals.
   Voids and lot closes are new events; nothing is edited in place.

The machine never performs I/O.  ``Station.handle`` returns ``Output`` values that the agent
carries out: events to commit to the outbox (``Capture``, ``Void``, ``CloseLot``) and messages
for the display (``Notice``, by message key).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Final

from edge.config import ScanKind, WorkflowSection


class State(enum.Enum):
    IDLE = "idle"
    SCANNING = "scanning"
    READY = "ready"
    AWAIT_UNLOAD = "await_unload"


class WorkflowError(Exception):
    """An event arrived that the current state does not accept."""

    def __init__(self, event: object, state: State) -> None:
        super().__init__(f"event {type(event).__name__} is not allowed in state {state.name}")
        self.event = event
        self.state = state


# ---- events (inputs) ----


@dataclass(frozen=True, slots=True)
class Scanned:
    code: str


@dataclass(frozen=True, slots=True)
class WeightSettled:
    """The stability filter agreed the load is steady at ``gross_g``."""

    gross_g: int
    raw_weight: str | None = None
    raw_unit: str | None = None
    scale_tare_g: int | None = None


@dataclass(frozen=True, slots=True)
class LoadRemoved:
    """The scale came back near zero."""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed; ``now_s`` is monotonic seconds."""

    now_s: float


Event = Scanned | WeightSettled | LoadRemoved | Tick


# ---- outputs ----


@dataclass(frozen=True, slots=True)
class Capture:
    crate: str | None
    member: str | None
    product: str | None
    gross_g: int
    tare_g: int
    net_g: int
    raw_weight: str | None
    raw_unit: str | None


@dataclass(frozen=True, slots=True)
class Void:
    """Void the last capture, ``capture``, on a supervisor's authority."""

    supervisor: str
    capture: Capture


@dataclass(frozen=True, slots=True)
class CloseLot:
    lot: str
    crates: tuple[str, ...]
    net_g: int


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to show the packer: a message key and its placeholders."""

    key: str
    values: tuple[tuple[str, str | int], ...] = ()


Output = Capture | Void | CloseLot | Notice


# ---- scanned code classes ----


class CodeClass(enum.Enum):
    MEMBER = ScanKind.MEMBER
    PRODUCT = ScanKind.PRODUCT
    CRATE = ScanKind.CRATE
    CRATE_TYPE = "crate_type"
    SUPERVISOR = "supervisor"
    CLOSE_LOT = "close_lot"


CODE_PREFIXES: Final[tuple[tuple[str, CodeClass], ...]] = (
    ("AGT-", CodeClass.MEMBER),
    ("PRD-", CodeClass.PRODUCT),
    ("KRT-", CodeClass.CRATE),
    ("JNS-", CodeClass.CRATE_TYPE),
    ("SPV-", CodeClass.SUPERVISOR),
    ("LOT-", CodeClass.CLOSE_LOT),
)
"""How a scanned code tells what it is: member card ``AGT-…`` (anggota), product-grade ``PRD-…``,
crate ``KRT-…`` (krat), crate type ``JNS-…`` (jenis), supervisor ``SPV-…``, lot close ``LOT-…``.
Anything else is taken as a crate id, because crate labels are the codes most often reprinted
by hand."""


def classify(code: str) -> CodeClass:
    for prefix, kind in CODE_PREFIXES:
        if code.startswith(prefix):
            return kind
    return CodeClass.CRATE


# ---- the machine ----


@dataclass(frozen=True, slots=True)
class Session:
    """What the packer has scanned for the weighing in progress."""

    scans: tuple[tuple[ScanKind, str], ...] = ()
    crate_type: str | None = None
    last_input_s: float | None = None

    def code(self, kind: ScanKind) -> str | None:
        return dict(self.scans).get(kind)

    def with_scan(self, kind: ScanKind, code: str) -> Session:
        kept = tuple((k, c) for k, c in self.scans if k != kind)
        return replace(self, scans=(*kept, (kind, code)))


@dataclass(slots=True)
class Station:
    settings: WorkflowSection
    state: State = State.IDLE
    session: Session = field(default_factory=Session)
    lot_crates: list[str] = field(default_factory=list)
    lot_net_g: int = 0
    last_capture: Capture | None = None
    now_s: float = 0.0

    def handle(self, event: Event) -> list[Output]:
        if isinstance(event, Tick):
            self.now_s = event.now_s
            return self._on_tick()
        key = (self.state, type(event))
        handler = TRANSITIONS.get(key)
        if handler is None:
            raise WorkflowError(event, self.state)
        return handler(self, event)

    # -- helpers used by the table --

    def _missing(self) -> list[ScanKind]:
        return [kind for kind in self.settings.require if self.session.code(kind) is None]

    def _settle_state(self) -> State:
        if not self.session.scans and self.session.crate_type is None:
            return State.IDLE
        return State.SCANNING if self._missing() else State.READY

    def _scan(self, event: Event) -> list[Output]:
        assert isinstance(event, Scanned)
        code = event.code.strip()
        kind = classify(code)
        self.session = replace(self.session, last_input_s=self.now_s)
        if kind is CodeClass.SUPERVISOR:
            if code not in self.settings.supervisor_codes:
                return [Notice("void_refused", (("code", code),))]
            return self._void(code)
        if kind is CodeClass.CLOSE_LOT:
            return self._close_lot(code)
        if kind is CodeClass.CRATE_TYPE:
            crate_type = code.removeprefix("JNS-")
            if crate_type not in self.settings.crate_tares_g:
                return [Notice("unknown_crate_type", (("code", code),))]
            self.session = replace(self.session, crate_type=crate_type)
            return [Notice("crate_type", (("type", crate_type),))]
        scan_kind = ScanKind(kind.value)
        self.session = self.session.with_scan(scan_kind, code)
        if self.state is not State.AWAIT_UNLOAD:
            self.state = self._settle_state()
        missing = self._missing()
        if missing:
            return [Notice("scan_next", (("what", missing[0].value),))]
        return [Notice("place_load")]

    def _tare_g(self, settled: WeightSettled) -> int:
        if self.session.crate_type is not None:
            return self.settings.crate_tares_g[self.session.crate_type]
        if self.settings.default_tare_g:
            return self.settings.default_tare_g
        return settled.scale_tare_g or 0

    def _settled_ready(self, event: Event) -> list[Output]:
        assert isinstance(event, WeightSettled)
        tare_g = self._tare_g(event)
        net_g = event.gross_g - tare_g
        if net_g < self.settings.min_net_g:
            return [Notice("too_light", (("net_g", net_g), ("min_g", self.settings.min_net_g)))]
        capture = Capture(
            crate=self.session.code(ScanKind.CRATE),
            member=self.session.code(ScanKind.MEMBER),
            product=self.session.code(ScanKind.PRODUCT),
            gross_g=event.gross_g,
            tare_g=tare_g,
            net_g=net_g,
            raw_weight=event.raw_weight,
            raw_unit=event.raw_unit,
        )
        if capture.crate is not None:
            self.lot_crates.append(capture.crate)
        self.lot_net_g += net_g
        self.last_capture = capture
        self.state = State.AWAIT_UNLOAD
        self.session = Session(last_input_s=self.now_s)
        return [capture]

    def _settled_waiting_for_scans(self, event: Event) -> list[Output]:
        missing = self._missing()
        return [Notice("scan_first", (("what", missing[0].value if missing else "crate"),))]

    def _settled_after_capture(self, event: Event) -> list[Output]:
        return [Notice("remove_load")]

    def _removed(self, event: Event) -> list[Output]:
        if self.state is State.AWAIT_UNLOAD:
            self.state = self._settle_state()
            return [Notice("ready_next")]
        return []

    def _void(self, supervisor: str) -> list[Output]:
        capture = self.last_capture
        if capture is None:
            return [Notice("nothing_to_void")]
        if capture.crate is not None and capture.crate in self.lot_crates:
            self.lot_crates.remove(capture.crate)
        self.lot_net_g -= capture.net_g
        self.last_capture = None
        return [Void(supervisor=supervisor, capture=capture), Notice("voided")]

    def _close_lot(self, code: str) -> list[Output]:
        if not self.lot_crates and self.lot_net_g == 0:
            return [Notice("lot_empty")]
        closed = CloseLot(
            lot=code.removeprefix("LOT-"), crates=tuple(self.lot_crates), net_g=self.lot_net_g
        )
        self.lot_crates.clear()
        self.lot_net_g = 0
        self.last_capture = None
        return [closed]

    def _on_tick(self) -> list[Output]:
        started = self.session.last_input_s
        if (
            self.state in (State.SCANNING, State.READY)
            and started is not None
            and self.now_s - started >= self.settings.timeout_s
        ):
            self.session = Session()
            self.state = State.IDLE
            return [Notice("timed_out")]
        return []


Handler = Callable[[Station, Event], list[Output]]

TRANSITIONS: Final[dict[tuple[State, type], Handler]] = {
    (State.IDLE, Scanned): Station._scan,
    (State.SCANNING, Scanned): Station._scan,
    (State.READY, Scanned): Station._scan,
    (State.AWAIT_UNLOAD, Scanned): Station._scan,
    (State.IDLE, WeightSettled): Station._settled_waiting_for_scans,
    (State.SCANNING, WeightSettled): Station._settled_waiting_for_scans,
    (State.READY, WeightSettled): Station._settled_ready,
    (State.AWAIT_UNLOAD, WeightSettled): Station._settled_after_capture,
    (State.IDLE, LoadRemoved): Station._removed,
    (State.SCANNING, LoadRemoved): Station._removed,
    (State.READY, LoadRemoved): Station._removed,
    (State.AWAIT_UNLOAD, LoadRemoved): Station._removed,
}
"""(state, event type) → handler.  Ticks are handled outside the table: they are legal in every
state and only ever reset a half-finished weighing."""
