"""``/api/v1/stations``: station health, and provisioning a station's broker account.

Provisioning answers once with the station's broker password and its TOML file; the password
is never stored (``hub.auth.provisioning``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from edge.wire import IDENTIFIER_PATTERN
from hub.api.deps import get_engine
from hub.auth.deps import RequireAdmin, RequireViewer, client_address, get_provisioner
from hub.auth.domain import PLAIN_TEXT_PATTERN
from hub.auth.provisioning import Provisioned, Provisioner, StationRequest
from hub.web import queries

router = APIRouter(prefix="/api/v1", tags=["stations"])
Provisioning = Annotated[Provisioner, Depends(get_provisioner)]
StationId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN)]
Text = Annotated[str, Field(pattern=PLAIN_TEXT_PATTERN)]


class StationHealthOut(BaseModel):
    id: str
    name: str
    coop: str
    kecamatan: str | None
    online: bool | None = Field(description="null: the station never reported a status")
    last_seen: datetime | None
    backlog: int | None
    clock_synced: bool | None
    oldest_unsent_s: int | None
    outbox_fill_pct: int | None
    scale: str | None
    scanner: str | None
    software: str | None
    provisioned: bool


class StationIn(BaseModel):
    station: str = Field(pattern=IDENTIFIER_PATTERN)
    coop: str = Field(pattern=IDENTIFIER_PATTERN)
    name: Text = Field(min_length=1, max_length=200)
    kecamatan: Text | None = Field(default=None, max_length=100)
    protocol: Text = Field(default="and", max_length=40)
    scale_port: Text = Field(default="/dev/ttyUSB0", min_length=1, max_length=300)
    scanner_kind: Literal["hid", "serial"] = "hid"
    scanner_device: Text = Field(
        default="/dev/input/by-id/usb-barcode-scanner-event-kbd", min_length=1, max_length=300
    )
    language: Literal["id", "en"] = "id"


class ProvisionedOut(BaseModel):
    station: str
    coop: str
    username: str
    password: str = Field(description="the station's broker password; shown only this once")
    config_toml: str
    files_written: bool = Field(description="the broker's passwd and acl files were rewritten")
    reloaded: bool = Field(description="the broker was sent SIGHUP to re-read them")

    @classmethod
    def of(cls, p: Provisioned) -> ProvisionedOut:
        return cls(
            station=p.station,
            coop=p.coop,
            username=p.username,
            password=p.password,
            config_toml=p.config_toml,
            files_written=p.files_written,
            reloaded=p.reloaded,
        )


@router.get(
    "/stations",
    response_model=list[StationHealthOut],
    summary="Stations with their last status: online, backlog, clock (role: viewer)",
)
def list_stations(
    _viewer: RequireViewer, engine: Annotated[Engine, Depends(get_engine)]
) -> list[StationHealthOut]:
    return [
        StationHealthOut(
            id=s.id,
            name=s.name,
            coop=s.coop,
            kecamatan=s.kecamatan,
            online=s.online,
            last_seen=s.last_seen,
            backlog=s.backlog,
            clock_synced=s.clock_synced,
            oldest_unsent_s=s.oldest_unsent_s,
            outbox_fill_pct=s.outbox_fill_pct,
            scale=s.scale,
            scanner=s.scanner,
            software=s.software,
            provisioned=s.provisioned,
        )
        for s in queries.station_health(engine)
    ]


@router.post(
    "/stations",
    response_model=ProvisionedOut,
    status_code=201,
    summary="Register a station with new broker credentials and get its config (role: admin)",
)
def provision_station(
    request: Request, admin: RequireAdmin, provisioner: Provisioning, body: StationIn
) -> ProvisionedOut:
    wanted = StationRequest(
        station=body.station,
        coop=body.coop,
        name=body.name,
        kecamatan=body.kecamatan or None,
        protocol=body.protocol,
        scale_port=body.scale_port,
        scanner_kind=body.scanner_kind,
        scanner_device=body.scanner_device,
        language=body.language,
    )
    result = provisioner.provision(wanted, actor=admin.name, remote=client_address(request))
    return ProvisionedOut.of(result)


@router.post(
    "/stations/{station_id}/password",
    response_model=ProvisionedOut,
    summary="Give a provisioned station a new broker password (role: admin)",
)
def rotate_password(
    request: Request, admin: RequireAdmin, provisioner: Provisioning, station_id: StationId
) -> ProvisionedOut:
    result = provisioner.rotate_password(
        station_id, actor=admin.name, remote=client_address(request)
    )
    return ProvisionedOut.of(result)


@router.get(
    "/stations/{station_id}/station.toml",
    response_class=PlainTextResponse,
    summary="A provisioned station's TOML file, without its password (role: admin)",
    responses={200: {"content": {"application/toml": {}}}},
)
def station_toml(
    _admin: RequireAdmin, provisioner: Provisioning, station_id: StationId
) -> Response:
    return PlainTextResponse(provisioner.station_toml(station_id), media_type="application/toml")
