"""The stations page (health and clock state) and station provisioning for admins.

Provisioning answers with the one page that ever shows the station's broker password, and a
download bundle built in that same response (a ``data:`` link, so the password is never kept
on the server for a later download): the station file, the password file and a note saying
where each goes, in the admin's language.  The station file alone, which holds no secret,
can be downloaded again at any time.
"""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from edge.drivers.registry import DRIVERS
from edge.wire import IDENTIFIER_PATTERN
from hub.auth.deps import (
    FormAdmin,
    RequireAdmin,
    RequireViewer,
    client_address,
    get_provisioner,
)
from hub.auth.domain import AccountConflict, InvalidInput, Principal
from hub.auth.provisioning import PASSWORD_PATH, Provisioned, Provisioner, StationRequest
from hub.web import queries
from hub.web.i18n import describe, translate
from hub.web.pages import Db
from hub.web.render import page_language, render

router = APIRouter(include_in_schema=False)
StationId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN)]


Provisioning = Annotated[Provisioner, Depends(get_provisioner)]


def bundle(result: Provisioned, language: str) -> bytes:
    """A zip of the station file, its password file and a note on where they go."""
    note = translate(
        language,
        "provision.note",
        station=result.station,
        username=result.username,
        password=result.password,
        password_path=PASSWORD_PATH,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("station.toml", result.config_toml)
        archive.writestr("mqtt-password", result.password + "\n")
        archive.writestr(translate(language, "provision.note_file"), note + "\n")
    return out.getvalue()


def _provisioned_page(request: Request, me: Principal, result: Provisioned) -> HTMLResponse:
    archive = bundle(result, page_language(request, me))
    context = {"result": result, "bundle_b64": base64.b64encode(archive).decode("ascii")}
    return render(request, "station_provisioned.html", me, context, status_code=201, private=True)


@router.get("/stations", response_class=HTMLResponse, summary="Stations (role: viewer)")
def stations_page(request: Request, me: RequireViewer, engine: Db) -> HTMLResponse:
    return render(request, "stations.html", me, {"stations": queries.station_health(engine)})


def _form_page(
    request: Request,
    me: Principal,
    form: dict[str, str],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"form": form, "protocols": sorted(DRIVERS), "error": error}
    return render(request, "station_new.html", me, context, status_code=status_code)


@router.get("/stations/new", response_class=HTMLResponse, summary="New station (role: admin)")
def new_station_page(request: Request, me: RequireAdmin) -> HTMLResponse:
    defaults = StationRequest(station="", coop="", name="")
    form = {
        "station": "",
        "coop": "",
        "name": "",
        "kecamatan": "",
        "protocol": defaults.protocol,
        "scale_port": defaults.scale_port,
        "scanner_kind": defaults.scanner_kind,
        "scanner_device": defaults.scanner_device,
        "language": defaults.language,
    }
    return _form_page(request, me, form)


@router.post("/stations", response_class=HTMLResponse, summary="Provision (role: admin; form)")
def provision_station(
    request: Request,
    me: FormAdmin,
    provisioner: Provisioning,
    station: Annotated[str, Form(max_length=64)] = "",
    coop: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    kecamatan: Annotated[str, Form(max_length=100)] = "",
    protocol: Annotated[str, Form(max_length=40)] = "and",
    scale_port: Annotated[str, Form(max_length=300)] = "",
    scanner_kind: Annotated[Literal["hid", "serial"], Form()] = "hid",
    scanner_device: Annotated[str, Form(max_length=300)] = "",
    language: Annotated[Literal["id", "en"], Form()] = "id",
) -> HTMLResponse:
    wanted = StationRequest(
        station=station.strip(),
        coop=coop.strip(),
        name=name.strip(),
        kecamatan=kecamatan.strip() or None,
        protocol=protocol,
        scale_port=scale_port.strip(),
        scanner_kind=scanner_kind,
        scanner_device=scanner_device.strip(),
        language=language,
    )
    try:
        result = provisioner.provision(wanted, actor=me.name, remote=client_address(request))
    except (InvalidInput, AccountConflict) as exc:
        form = {
            "station": station,
            "coop": coop,
            "name": name,
            "kecamatan": kecamatan,
            "protocol": protocol,
            "scale_port": scale_port,
            "scanner_kind": scanner_kind,
            "scanner_device": scanner_device,
            "language": language,
        }
        error = describe(page_language(request, me), exc.code, exc.field, str(exc))
        status = 409 if isinstance(exc, AccountConflict) else 422
        return _form_page(request, me, form, error=error, status_code=status)
    return _provisioned_page(request, me, result)


@router.post(
    "/stations/{station_id}/password",
    response_class=HTMLResponse,
    summary="New broker password for a station (role: admin; form)",
)
def rotate_station_password(
    request: Request, me: FormAdmin, provisioner: Provisioning, station_id: StationId
) -> HTMLResponse:
    result = provisioner.rotate_password(station_id, actor=me.name, remote=client_address(request))
    return _provisioned_page(request, me, result)


@router.get("/stations/{station_id}/station.toml", summary="A station's file (role: admin)")
def station_toml(_me: RequireAdmin, provisioner: Provisioning, station_id: StationId) -> Response:
    return PlainTextResponse(
        provisioner.station_toml(station_id),
        media_type="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{station_id}.toml"'},
    )
