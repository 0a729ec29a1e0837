"""Station config: one TOML file per packing station, validated into ``StationConfig``.

A technician edits this file on the Pi; when it is wrong they need every mistake at once, each
named by file, line and field (``stations/punten.toml:12: scale.protocol: unknown …``).  So the
loader never stops at the first error: TOML syntax, unknown keys (with the nearest known key
suggested), wrong types and values, and cross-file problems (two files claiming one station id)
are all collected into one ``ConfigError``.

``tomllib`` gives no positions, so ``_KeyLines`` finds the line of each dotted key by reading
the file's table headers and ``key =`` lines; that is all a station file uses.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from edge.drivers.base import DriverError
from edge.drivers.registry import DRIVERS, make_parser
from edge.wire import IDENTIFIER_PATTERN


class ScanKind(StrEnum):
    MEMBER = "member"
    PRODUCT = "product"
    CRATE = "crate"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StationSection(_Section):
    id: Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
    coop: Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
    name: Annotated[str, Field(min_length=1)]
    kecamatan: str | None = None
    language: Literal["id", "en"] = "id"


class ScaleSection(_Section):
    port: Annotated[str, Field(min_length=1)]
    protocol: str
    baudrate: int | None = None
    bytesize: Literal[7, 8] | None = None
    parity: Literal["N", "E", "O"] | None = None
    stopbits: Literal[1, 2] | None = None
    unit: Literal["kg", "g", "lb", "oz"] = "kg"
    poll_ms: Annotated[int, Field(ge=50, le=10_000)] = 200
    settle_ms: Annotated[int, Field(ge=0, le=10_000)] = 600
    settle_span_g: Annotated[int, Field(ge=0)] = 20
    zero_band_g: Annotated[int, Field(ge=0)] = 50
    options: dict[str, str | int | bool | list[str]] = {}
    """Protocol settings, e.g. the ``generic`` protocol's ``pattern``."""

    @model_validator(mode="after")
    def _options_fit_the_protocol(self) -> ScaleSection:
        if self.protocol in DRIVERS:
            try:
                make_parser(self.protocol, **self.parser_settings())
            except DriverError as exc:
                raise ValueError(f"options: {exc}") from None
        return self

    def parser_settings(self) -> dict[str, object]:
        """What ``make_parser`` gets: the options, and the unit where the protocol takes one."""
        settings: dict[str, object] = dict(self.options)
        if "unit" in DRIVERS[self.protocol].options:
            settings.setdefault("unit", self.unit)
        return settings

    @field_validator("protocol")
    @classmethod
    def _known_protocol(cls, value: str) -> str:
        if value not in DRIVERS:
            raise ValueError(f"unknown protocol {value!r}; known: {', '.join(sorted(DRIVERS))}")
        return value

    @field_validator("baudrate")
    @classmethod
    def _standard_baudrate(cls, value: int | None) -> int | None:
        standard = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
        if value is not None and value not in standard:
            raise ValueError(
                f"{value} is not a standard baud rate ({', '.join(map(str, standard))})"
            )
        return value


class ScannerSection(_Section):
    kind: Literal["serial", "hid"]
    device: Annotated[str, Field(min_length=1)]
    baudrate: int = 9600
    suffix: Literal["cr", "lf", "crlf", "tab"] = "cr"
    layout: Literal["us", "de", "fr"] = "us"


class WorkflowSection(_Section):
    require: list[ScanKind] = [ScanKind.CRATE]
    min_net_g: Annotated[int, Field(ge=0)] = 100
    default_tare_g: Annotated[int, Field(ge=0)] = 0
    crate_tares_g: dict[str, Annotated[int, Field(ge=0)]] = {}
    timeout_s: Annotated[int, Field(ge=5, le=3600)] = 120
    supervisor_codes: list[str] = []

    @field_validator("require")
    @classmethod
    def _no_repeats(cls, value: list[ScanKind]) -> list[ScanKind]:
        if len(set(value)) != len(value):
            raise ValueError("each scan may be required once")
        return value


class MqttSection(_Section):
    url: Annotated[str, Field(pattern=r"^mqtts?://[^/\s:]+(:\d+)?/?$")]
    username: str | None = None
    password_file: str | None = None
    tls: bool = False
    ca_file: str | None = None
    inflight: Annotated[int, Field(ge=1, le=1000)] = 100
    resend_after_s: Annotated[int, Field(ge=5)] = 60

    @model_validator(mode="after")
    def _tls_matches_scheme(self) -> MqttSection:
        if self.url.startswith("mqtts://") and not self.tls:
            raise ValueError("url uses mqtts:// but tls is false")
        return self


OFFLINE_DAYS_REQUIRED = 30


class OutboxSection(_Section):
    """The outbox must hold at least 30 days of the station's peak rate without the hub."""

    path: Annotated[str, Field(min_length=1)]
    capacity_events: Annotated[int, Field(ge=1000)] = 200_000
    peak_events_per_day: Annotated[int, Field(ge=1)] = 3_000
    retention_days: Annotated[int, Field(ge=0, le=365)] = 14

    @model_validator(mode="after")
    def _holds_a_month_offline(self) -> OutboxSection:
        needed = OFFLINE_DAYS_REQUIRED * self.peak_events_per_day
        if self.capacity_events < needed:
            raise ValueError(
                f"capacity_events {self.capacity_events} holds less than {OFFLINE_DAYS_REQUIRED}"
                f" days at peak_events_per_day {self.peak_events_per_day}; needs {needed}"
            )
        return self


class DisplaySection(_Section):
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    bind: str = "127.0.0.1"


class StationConfig(_Section):
    station: StationSection
    scale: ScaleSection
    scanner: ScannerSection
    workflow: WorkflowSection = WorkflowSection()
    mqtt: MqttSection
    outbox: OutboxSection
    display: DisplaySection = DisplaySection()


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one or more station files."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = list(problems)


_TABLE_RE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\s*(#.*)?$")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-\"]+(?:\s*\.\s*[A-Za-z0-9_\-\"]+)*)\s*=")


class _KeyLines:
    """Line numbers of dotted keys and tables in a TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if header := _TABLE_RE.match(line):
                table = _dotted(header.group(1))
                self._lines.setdefault(table, number)
            elif key := _KEY_RE.match(line):
                dotted = _dotted(key.group(1))
                self._lines.setdefault(f"{table}.{dotted}" if table else dotted, number)

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of the deepest key of ``path`` that the file has, else 1."""
        parts = [str(p) for p in path if isinstance(p, str)]
        while parts:
            if (found := self._lines.get(".".join(parts))) is not None:
                return found
            parts.pop()
        return 1


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip('"') for part in key.split("."))


def _model_at(path: Sequence[str | int]) -> type[BaseModel] | None:
    model: type[BaseModel] = StationConfig
    for part in path:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _explain(error: Any) -> str:
    loc: tuple[str | int, ...] = error["loc"]
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        near = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return f"unknown key{hint} (known: {', '.join(known)})"
    if error["type"] == "missing":
        return "required but missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] != "value_error" and not isinstance(error.get("input"), dict | list | None):
        return f"{message} (got {error['input']!r})"
    return message


def _parse(path: Path) -> tuple[StationConfig | None, list[ConfigProblem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [ConfigProblem(name, 0, "(file)", f"cannot read: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return None, [ConfigProblem(name, 1, "(file)", f"not UTF-8 text: {exc.reason}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        return None, [ConfigProblem(name, int(line.group(1)) if line else 1, "(toml)", str(exc))]
    return _validate(data, name, _KeyLines(text))


def _validate(
    data: dict[str, Any], name: str, lines: _KeyLines
) -> tuple[StationConfig | None, list[ConfigProblem]]:
    try:
        return StationConfig.model_validate(data), []
    except ValidationError as exc:
        problems = [
            ConfigProblem(
                name,
                lines.line_of(err["loc"]),
                ".".join(str(p) for p in err["loc"]) or "(file)",
                _explain(err),
            )
            for err in exc.errors()
        ]
        return None, sorted(problems, key=lambda problem: problem.line)


def load_configs(paths: Iterable[Path]) -> list[StationConfig]:
    """Validate every file; raise one ``ConfigError`` listing all problems in all files."""
    configs: list[StationConfig] = []
    problems: list[ConfigProblem] = []
    seen: dict[str, str] = {}
    for path in paths:
        config, found = _parse(path)
        problems.extend(found)
        if config is None:
            continue
        configs.append(config)
        station_id = config.station.id
        if station_id in seen:
            line = _KeyLines(path.read_text(encoding="utf-8")).line_of(["station", "id"])
            problems.append(
                ConfigProblem(
                    str(path),
                    line,
                    "station.id",
                    f"{station_id!r} is already used by {seen[station_id]}",
                )
            )
        else:
            seen[station_id] = str(path)
    if problems:
        raise ConfigError(problems)
    return configs


def load_config(path: Path) -> StationConfig:
    return load_configs([path])[0]


def validate_update(base: StationConfig, update: dict[str, Any], source: str) -> StationConfig:
    """Apply a remote ``config`` update to ``base`` with the same checks as the file."""
    merged = base.model_dump(mode="json")
    for section, values in update.items():
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values
    config, problems = _validate(merged, source, _KeyLines(""))
    if config is None:
        raise ConfigError(problems)
    return config


def json_schema() -> dict[str, Any]:
    schema = StationConfig.model_json_schema()
    schema["$defs"]["ScaleSection"]["properties"]["protocol"]["enum"] = sorted(DRIVERS)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Lumbung packing-station config"
    return schema
