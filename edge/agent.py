"""``lumbung edge run``: the station agent, the process that ties the station together.

Threads: the scale link and the scanner link turn bytes into workflow events (through the
protocol parser and the stability filter, or the scanner framer) and put them on one queue;
the main thread feeds that queue to the pure workflow and carries out what it asks — commit an
event to the outbox, then tell the packer; the uplink drains the outbox on its own thread.

Rules: the agent never exits on its own because a device is missing or the broker is away: it
says so on the display and in the log, and keeps retrying.  The display says TERSIMPAN only
after the outbox committed the event.  A watchdog restarts an uplink loop that died.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from edge.config import ConfigError, StationConfig, validate_update
from edge.display import Screen, render_screen
from edge.display_server import DisplayServer
from edge.drivers.base import LineSettings, Reading, ReadingKind
from edge.drivers.registry import get_driver, make_parser
from edge.drivers.stability import CaptureGate, StabilityFilter
from edge.hid_scanner import HidScanner
from edge.outbox import Outbox, OutboxFull, OutboxStorageError, Pending
from edge.scanner_input import SerialScanFramer, split_aim
from edge.serial_port import LinkState, SerialLink
from edge.systemd import notify
from edge.uplink import Uplink
from edge.wire import (
    EventType,
    StationClock,
    StationConfigUpdate,
    StationStatus,
    WeighingEvent,
)
from edge.workflow import (
    Capture,
    CloseLot,
    Event,
    LoadRemoved,
    Notice,
    Output,
    Scanned,
    State,
    Station,
    Tick,
    Void,
    WeightSettled,
)

log = logging.getLogger(__name__)

SOFTWARE = "lumbung-edge 0.1.0"
NTP_SYNCED_FLAG = Path("/run/systemd/timesync/synchronized")
OUTBOX_WARN_PCT = 80
SCANNER_SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t"}


def clock_synced() -> bool:
    """systemd-timesyncd creates the flag file once NTP has set the clock."""
    return NTP_SYNCED_FLAG.exists()


def boot_ms() -> int:
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1_000_000


class WeightWatcher:
    """Readings in, workflow events out: a load that settled, and a load taken off.

    The stability filter (scale flag AND settling window) decides when a load is steady; the
    capture gate lets each load through once.  The steady load is remembered while it stays on
    the scale, so a crate placed *before* its code was scanned is still weighed once the scan
    arrives (``settled_load``).
    """

    def __init__(self, config: StationConfig) -> None:
        scale = config.scale
        self._filter = StabilityFilter(
            span_g=scale.settle_span_g, window_ms=max(1, scale.settle_ms)
        )
        self._gate = CaptureGate(zero_band_g=scale.zero_band_g)
        self._zero_band_g = scale.zero_band_g
        # Assume a load at start-up, so the first empty reading tells the workflow the platform
        # is clear (an agent restarted after a capture waits for exactly that).
        self._loaded = True
        self.settled: WeightSettled | None = None

    def push(self, reading: Reading, now_ms: int) -> list[Event]:
        stable = self._filter.push(reading, now_ms)
        grams = reading.grams
        events: list[Event] = []
        if reading.kind is not ReadingKind.WEIGHT or grams is None:
            self.settled = None
            return events
        if grams <= self._zero_band_g:
            self.settled = None
            if self._loaded:
                self._loaded = False
                events.append(LoadRemoved())
        else:
            self._loaded = True
            if not stable:
                self.settled = None
        if stable and grams > self._zero_band_g:
            self.settled = WeightSettled(
                gross_g=grams,
                raw_weight=None if reading.weight is None else str(reading.weight),
                raw_unit=reading.unit,
                scale_tare_g=reading.tare_g,
            )
        if self._gate.offer(reading, stable=stable) and self.settled is not None:
            events.append(self.settled)
        return events


class Agent:
    def __init__(self, config: StationConfig) -> None:
        self.config = config
        section = config.station
        self.display = Screen(language=section.language)
        self.outbox = Outbox(
            Path(config.outbox.path),
            station=section.id,
            capacity=config.outbox.capacity_events,
            retention_s=config.outbox.retention_days * 86400,
        )
        self.workflow = Station(config.workflow)
        if self.outbox.awaiting_unload:
            self.workflow.state = State.AWAIT_UNLOAD
        self.inbox: queue.Queue[Event] = queue.Queue()
        self._stopping = False
        self._last_capture_event: str | None = None
        self._config_result: str | None = None
        self._today = datetime.now().date()
        self._running = False

        self.scale = self._scale_link(config)
        self._scan_framer = SerialScanFramer(SCANNER_SUFFIXES[config.scanner.suffix])
        self.scanner: SerialLink | HidScanner
        if config.scanner.kind == "hid":
            self.scanner = HidScanner(
                config.scanner.device,
                layout=config.scanner.layout,
                suffix=config.scanner.suffix,
                on_scan=self._scanned,
            )
        else:
            self.scanner = SerialLink(
                config.scanner.device,
                LineSettings(baudrate=config.scanner.baudrate),
                on_data=self._scanner_bytes,
                silent_after_s=float("inf"),
                name="scanner",
            )
        self.uplink = Uplink(
            coop=section.coop,
            station=section.id,
            settings=config.mqtt,
            outbox=self.outbox,
            status=self.status,
            on_config=self._apply_config,
        )

    def _scale_link(self, config: StationConfig) -> SerialLink:
        """The parser, stability filter and port for the configured scale."""
        driver = get_driver(config.scale.protocol)
        self._driver_name = driver.name
        self._parser = make_parser(driver.name, **config.scale.parser_settings())
        self._watcher = WeightWatcher(config)
        line = LineSettings(
            baudrate=config.scale.baudrate or driver.line.baudrate,
            bytesize=config.scale.bytesize or driver.line.bytesize,
            parity=config.scale.parity or driver.line.parity,
            stopbits=config.scale.stopbits or driver.line.stopbits,
        )
        return SerialLink(
            config.scale.port,
            line,
            on_data=self._scale_bytes,
            on_state=self._scale_state,
            poll=driver.poll,
            poll_s=config.scale.poll_ms / 1000,
            name="scale",
        )

    def _say(self, key: str, **values: str | int) -> None:
        log.info("display: %s", self.display.say(key, **values))

    # -- device threads --

    def _scale_bytes(self, data: bytes) -> None:
        now_ms = boot_ms()
        for reading in self._parser.feed(data):
            if reading.grams is not None:
                self.display.live_g = reading.grams
                self.display.stable = bool(reading.stable)
            for event in self._watcher.push(reading, now_ms):
                self.inbox.put(event)

    def _scale_state(self, state: LinkState, why: str) -> None:
        self.display.scale = state.value
        if state is LinkState.UNPLUGGED:
            self._say("scale_unplugged", detail=why)
        elif state is LinkState.SILENT:
            self._say("scale_silent")
        elif state is LinkState.OK:
            self._say("scale_ok")

    def _scanner_bytes(self, data: bytes) -> None:
        for scan in self._scan_framer.feed(data):
            self._scanned(scan.decode("utf-8", errors="replace"))

    def _scanned(self, text: str) -> None:
        _aim, code = split_aim(text.strip())
        if code:
            self.inbox.put(Scanned(code))

    # -- status and remote config --

    def status(self, online: bool) -> StationStatus:
        stats = self.outbox.stats()
        return StationStatus(
            coop=self.config.station.coop,
            station=self.config.station.id,
            online=online,
            sent_at=datetime.now(UTC),
            clock_synced=clock_synced(),
            backlog=stats.backlog,
            oldest_unsent_s=stats.oldest_unacked_s,
            last_seq=stats.last_seq,
            scale=self.display.scale,
            scanner=self.scanner.state.value,
            outbox_fill_pct=stats.fill_pct,
            software=SOFTWARE,
            config_result=self._config_result,
        )

    def _apply_config(self, update: StationConfigUpdate) -> str:
        values = update.model_dump(exclude_none=True, exclude={"schema_"})
        try:
            updated = validate_update(self.config, values, "config from hub")
        except ConfigError as exc:
            self._config_result = f"rejected: {exc}"
            return self._config_result
        scale_changed = updated.scale != self.config.scale
        self.config = updated
        self.workflow.settings = updated.workflow
        if scale_changed and self._running:
            log.info("scale settings changed by the hub; reopening the scale")
            self.scale.stop()
            self.scale = self._scale_link(updated)
            self.scale.start()
        self._config_result = "applied"
        return self._config_result

    # -- the main thread --

    def _event(self, seq: int, event_id: str, **fields: object) -> bytes:
        clock = StationClock(
            station_time=datetime.now(UTC),
            clock_synced=clock_synced(),
            monotonic_ms=boot_ms(),
            boot=self.outbox.boot,
        )
        event = WeighingEvent(
            event_id=event_id,
            seq=seq,
            coop=self.config.station.coop,
            station=self.config.station.id,
            clock=clock,
            driver=self._driver_name,
            **fields,
        )
        return event.to_json()

    def _forget_capture(self) -> None:
        """The load came off; on a failing disk the workflow still moves on (at worst a
        restarted agent waits for one more empty reading)."""
        try:
            self.outbox.load_removed()
        except OutboxStorageError as exc:
            log.error("%s", exc)

    def _commit(self, *, capture: bool = False, **fields: object) -> Pending | None:
        try:
            pending = self.outbox.append(
                lambda seq, eid: self._event(seq, eid, **fields), capture=capture
            )
        except OutboxFull:
            self._say("outbox_full")
            return None
        except OutboxStorageError as exc:
            log.error("%s", exc)
            self._say("outbox_storage")
            return None
        self.uplink.wake()
        fill = self.outbox.stats().fill_pct
        if fill >= OUTBOX_WARN_PCT:
            log.warning("outbox %d%% full", fill)
        return pending

    def carry_out(self, output: Output) -> None:
        if isinstance(output, Notice):
            self._say(output.key, **dict(output.values))
        elif isinstance(output, Capture):
            pending = self._commit(
                capture=True,
                type=EventType.WEIGHING,
                crate=output.crate,
                member=output.member,
                product=output.product,
                gross_g=output.gross_g,
                tare_g=output.tare_g,
                net_g=output.net_g,
                raw_weight=output.raw_weight,
                raw_unit=output.raw_unit,
                stable=True,
            )
            if pending is not None:
                self._last_capture_event = pending.event_id
                self._start_day()
                self.display.today_count += 1
                self.display.today_net_g += output.net_g
                self._say("saved", crate=output.crate or "-", net_g=output.net_g)
        elif isinstance(output, Void):
            if self._last_capture_event is not None:
                self._commit(
                    type=EventType.VOID,
                    voids_event_id=self._last_capture_event,
                    voided_by=output.supervisor,
                    crate=output.capture.crate,
                    net_g=output.capture.net_g,
                )
                self.display.today_count -= 1
                self.display.today_net_g -= output.capture.net_g
                self._last_capture_event = None
        elif isinstance(output, CloseLot) and self._commit(
            type=EventType.LOT_CLOSE,
            lot=output.lot,
            lot_crates=list(output.crates),
            lot_net_g=output.net_g,
        ):
            self._say("lot_closed", lot=output.lot, crates=len(output.crates), net_g=output.net_g)

    def _start_day(self) -> None:
        """Today's count and kilograms start again at midnight, station time."""
        today = datetime.now().date()
        if today != self._today:
            self._today = today
            self.display.today_count = 0
            self.display.today_net_g = 0

    def screen(self) -> dict[str, object]:
        """A snapshot for the display page (called from its threads; reads only)."""
        display = self.display
        display.scans = [(kind.value, code) for kind, code in self.workflow.session.scans]
        display.uplink_connected = self.uplink.connected
        stats = self.outbox.stats()
        display.backlog = stats.backlog
        display.outbox_fill_pct = stats.fill_pct
        display.clock_synced = clock_synced()
        return render_screen(display)

    def stop(self, _signum: int = 0, _frame: FrameType | None = None) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info(
            "station %s/%s starting: scale %s (%s), scanner %s, broker %s",
            self.config.station.coop,
            self.config.station.id,
            self.config.scale.port,
            self._driver_name,
            self.config.scanner.device,
            self.config.mqtt.url,
        )
        try:
            display: DisplayServer | None = DisplayServer(
                self.config.display.bind, self.config.display.port, self.screen
            )
        except OSError as exc:
            log.error(
                "station display cannot listen on %s:%d: %s; weighing goes on without it",
                self.config.display.bind,
                self.config.display.port,
                exc,
            )
            display = None
        if display is not None:
            display.start()
        self.scale.start()
        self.scanner.start()
        self.uplink.start()
        next_tick = 0.0
        self._running = True
        notify("READY=1")
        try:
            while not self._stopping:
                events: list[Event] = []
                with contextlib.suppress(queue.Empty):
                    events.append(self.inbox.get(timeout=0.5))
                if (now := time.monotonic()) >= next_tick:
                    events.append(Tick(now))
                    next_tick = now + 0.5
                    notify("WATCHDOG=1")
                for event in events:
                    if isinstance(event, LoadRemoved) and self.workflow.state is State.AWAIT_UNLOAD:
                        self._forget_capture()
                    for output in self.workflow.handle(event):
                        self.carry_out(output)
                    settled = self._watcher.settled
                    if isinstance(event, Scanned) and settled is not None:
                        for output in self.workflow.handle(settled):
                            self.carry_out(output)
                if not self.uplink.alive():
                    self.uplink.restart()
        finally:
            notify("STOPPING=1")
            if display is not None:
                display.stop()
            self.uplink.stop()
            self.scale.stop()
            self.scanner.stop()
            self.outbox.close()
        return 0


def run_agent(config: StationConfig) -> int:
    return Agent(config).run()
