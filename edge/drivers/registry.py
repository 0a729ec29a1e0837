"""The one table of scale protocols by name.

Each entry names the parser, the factory line settings, the polling/zero/tare requests and
the manual the module follows.  ``make_parser`` is the way in for configured settings: an
unknown name fails with the known names, an unknown setting with the settings it takes.
"""

from __future__ import annotations

from typing import Any

from edge.drivers import (
    and_indicator,
    cas,
    generic,
    mt_continuous,
    mt_sics,
    nci,
    ohaus,
    rinstrum,
    sartorius_sbi,
    sma,
    toledo_8217,
    xk3190,
)
from edge.drivers.base import (
    DriverSpec,
    FrameParser,
    LineSettings,
    ProtocolSetupError,
    UnknownProtocolError,
)

__all__ = ["DRIVERS", "get_driver", "make_parser"]

_UNIT = frozenset({"unit"})
_8N1 = LineSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1)
_7E1 = LineSettings(baudrate=9600, bytesize=7, parity="E", stopbits=1)

_SPECS = (
    DriverSpec(
        name="and",
        summary="A&D standard format ST,GS,+0012.34kg: A&D indicators and balances, "
        "CAS '18 bytes for AND', T-Scale, Tiger",
        manual="A&D AD-4406 manual 13.2 Data Format, 13.3 Command Format; AD-4402/4404 data "
        "sheets 'A&D Data Format'; A&D EK-L manual 9-2 Data format",
        make_parser=and_indicator.make_parser,
        # A&D balances leave the factory at 2400 baud, 7 data bits, even parity (seen on an
        # EW); indicators are menu-set, so check the F-functions on site.
        line=LineSettings(baudrate=2400, bytesize=7, parity="E", stopbits=1),
        poll=and_indicator.encode_request(),
        zero=and_indicator.encode_zero(),
        tare=and_indicator.encode_tare(),
    ),
    DriverSpec(
        name="cas",
        summary="CAS CI-150A/CI-200/CI-400/CI-600D/NT-200 indicators: 22-byte (ST,GS,id,lamp), "
        "10-byte and 18-byte 'for AND' output",
        manual="CAS CI-400, CI-150A, CI-600D and NT-200 manuals, Data format appendices",
        make_parser=cas.make_parser,
        line=_8N1,
        options=_UNIT,
    ),
    DriverSpec(
        name="mt-sics",
        summary="Mettler Toledo MT-SICS level 0/1 (S, SI, SIR, Z, T, TA): balances, IND "
        "terminals, weigh modules",
        manual="METTLER TOLEDO MT-SICS Reference Manual: response format, commands S/SI/SIR/Z/"
        "T/TA/TAC, error messages",
        make_parser=mt_sics.make_parser,
        line=_8N1,
        poll=mt_sics.encode_weight_immediate(),
        zero=mt_sics.encode_zero(),
        tare=mt_sics.encode_tare(),
    ),
    DriverSpec(
        name="mt-continuous",
        summary="Mettler Toledo standard continuous output STX SWA SWB SWC weight tare CR "
        "(+7-bit checksum); many 'Toledo format' indicators",
        manual="METTLER TOLEDO WILDCAT Technical Manual, Appendix 2 Continuous Mode Output, "
        "tables 6-8 to 6-11",
        make_parser=mt_continuous.make_parser,
        line=_8N1,
        zero=mt_continuous.encode_zero(),
        tare=mt_continuous.encode_tare(),
        options=frozenset({"checksum"}),
    ),
    DriverSpec(
        name="toledo-8217",
        summary="Mettler Toledo 8217 ECR weight-only protocol (W, Z, T, C): Ariva-S, Viva, "
        "DIVA retail scales",
        manual="METTLER TOLEDO DIVA Service Manual, host interface 6.1.3-6.1.4",
        make_parser=toledo_8217.make_parser,
        line=_7E1,
        poll=toledo_8217.encode_weight(),
        zero=toledo_8217.encode_zero(),
        tare=toledo_8217.encode_tare(),
    ),
    DriverSpec(
        name="sma",
        summary="SMA SCP-0499 LF...CR replies: Cardinal, Fairbanks, Salter Brecknell, "
        "Weigh-Tronix ZM",
        manual="Cardinal 190 manual, Request Displayed Weight Command (SMA Format); Fairbanks "
        "FB2550 manual Appendix III SMA protocol",
        make_parser=sma.make_parser,
        line=_8N1,
        poll=sma.encode_weight(),
        zero=sma.encode_zero(),
        tare=sma.encode_tare(),
    ),
    DriverSpec(
        name="nci",
        summary="NCI / Weigh-Tronix POS protocol (W, S, Z) with status bytes: Weigh-Tronix, "
        "Ohaus Aviator, Brecknell, Adam MDW",
        manual="Ohaus Aviator 7000 service manual, NCI commands; DIVA Service Manual 6.1.4; "
        "Adam MDW manual 8.5",
        make_parser=nci.make_parser,
        line=_7E1,
        poll=nci.encode_weight(),
        zero=nci.encode_zero(),
        tare=nci.encode_tare(),
    ),
    DriverSpec(
        name="ohaus",
        summary="Ohaus print/continuous lines '  20.0 kg  ?G': Defender, Ranger, Scout, Navigator",
        manual="Ohaus Defender 3000 manual 5.2 Output Format; Ranger RC manual 5.1.4",
        make_parser=ohaus.make_parser,
        line=_8N1,
        poll=ohaus.encode_print(),
        zero=ohaus.encode_zero(),
        tare=ohaus.encode_tare(),
    ),
    DriverSpec(
        name="sartorius-sbi",
        summary="Sartorius SBI 16/22-character output '+   1255.7 g': Sartorius balances",
        manual="Sartorius CP/LE/CB operating instructions, Data Output Format; Cubis MSE "
        "operating instructions, SBI Commands",
        make_parser=sartorius_sbi.make_parser,
        # Factory setting on the CP series (operating instructions, Data Interface).
        line=LineSettings(baudrate=1200, bytesize=7, parity="O", stopbits=1),
        poll=sartorius_sbi.encode_print(),
        zero=sartorius_sbi.encode_zero(),
        tare=sartorius_sbi.encode_tare(),
        options=_UNIT,
    ),
    DriverSpec(
        name="rinstrum",
        summary="Rinstrum R320/C500 automatic output FMT_1/FMT_2 STX...ETX",
        manual="Rinstrum R320 reference manual 9.4 Auto Weight Format String",
        make_parser=rinstrum.make_parser,
        line=_8N1,
        options=_UNIT,
    ),
    DriverSpec(
        name="xk3190-tf0",
        summary="XK3190-A9/A26/DS1 continuous 12-byte STX sign digits decimals XOR ETX "
        "(no unit, no stable flag)",
        manual="XK3190-A9+ manual, continuous mode tF=0; XK3190-A26 manual format 0",
        make_parser=xk3190.make_tf0_parser,
        line=_8N1,
        options=_UNIT,
    ),
    DriverSpec(
        name="xk3190-tf1",
        summary="XK3190-A9/DS1 command mode tF=1: STX address command XOR ETX requests",
        manual="XK3190-A9+ manual, order method tF=1; Kala XK3190-DS1 manual",
        make_parser=xk3190.make_tf1_parser,
        line=_8N1,
        poll=xk3190.encode_request("B"),
        options=_UNIT,
    ),
    DriverSpec(
        name="keli-xk3118",
        summary="Keli XK3118K9 command mode: like xk3190-tf1 with the point in the value",
        manual="KeLi XK3118K9-R manual, appendix 1 command protocol",
        make_parser=xk3190.make_keli_parser,
        line=_8N1,
        poll=xk3190.encode_request("B"),
        options=_UNIT,
    ),
    DriverSpec(
        name="xk3190-eq",
        summary="XK3190 '=' big-display format, digits lowest first then sign: =05.21000 is 12.50",
        manual="XK3190-A26 manual, continuous format 1; XK3190-A22 manual appendix I",
        make_parser=xk3190.make_eq_parser,
        line=_8N1,
        options=_UNIT,
    ),
    DriverSpec(
        name="xk3190-eq-forward",
        summary="XK3190 '=' format with the sign first and digits highest first: =0012.50",
        manual="XK3190-A26 manual, continuous format 2",
        make_parser=xk3190.make_eq_forward_parser,
        line=_8N1,
        options=_UNIT,
    ),
    DriverSpec(
        name="xk3190-a12e",
        summary="XK3190-A12(E) 15-byte W format WG004.139kg + XOR checksum, OL/LO",
        manual="Yaohua XK3190-A12(E) manual, communication mode",
        make_parser=xk3190.make_a12e_parser,
        line=_8N1,
    ),
    DriverSpec(
        name="xk3190-ww",
        summary="XK3190-A12 lower-case ww000.000kg / wn / wt lines (no checksum)",
        manual="No manual found; layout from public drivers (mcush XK3190A12 module)",
        make_parser=xk3190.make_ww_parser,
        line=_8N1,
    ),
    DriverSpec(
        name="generic",
        summary="Technician-configured continuous format: a regular expression with "
        "weight/unit/stable/net groups, or fixed columns",
        manual="The indicator's own manual; settings described in edge.drivers.generic",
        make_parser=generic.make_parser,
        line=_8N1,
        options=generic.OPTIONS,
    ),
)

DRIVERS: dict[str, DriverSpec] = {spec.name: spec for spec in _SPECS}


def get_driver(name: str) -> DriverSpec:
    try:
        return DRIVERS[name]
    except KeyError:
        raise UnknownProtocolError(name, sorted(DRIVERS)) from None


def make_parser(name: str, **settings: Any) -> FrameParser:
    """A parser for protocol ``name`` with configured ``settings`` (checked by name here)."""
    spec = get_driver(name)
    unknown = sorted(set(settings) - spec.options)
    if unknown:
        takes = ", ".join(sorted(spec.options)) or "no settings"
        raise ProtocolSetupError(
            f"protocol {name!r} has no setting {unknown[0]!r}; it takes {takes}"
        )
    return spec.make_parser(**settings)
