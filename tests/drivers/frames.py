"""Scale frames as manufacturers document them, with the manual and section each comes from.

Frames marked "constructed" were built from the documented layout (checksums computed);
"captured" frames are hex dumps or logs published from real devices.
Tests derive corrupt variants from these good ones rather than inventing new frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.drivers.base import ReadingKind

W, OL, UL, ERR, ACK = (
    ReadingKind.WEIGHT,
    ReadingKind.OVERLOAD,
    ReadingKind.UNDERLOAD,
    ReadingKind.ERROR,
    ReadingKind.ACK,
)


@dataclass(frozen=True)
class Expect:
    """What one frame must decode to; ``weight`` is the Decimal's text."""

    kind: ReadingKind
    weight: str | None = None
    unit: str | None = None
    grams: int | None = None
    stable: bool | None = None
    net: bool = False
    tare_g: int | None = None


@dataclass(frozen=True)
class Case:
    protocol: str
    frame: bytes
    expect: Expect
    source: str
    settings: tuple[tuple[str, object], ...] = ()


# --- A&D (AD-4406 manual 13.2/13.3; AD-4402 data sheet; EK-L 9-2; GH-252 10.6; T-Scale) ----
AND_NET = b"ST,NT,+0012.34kg\r\n"  # AD-4402/4404 data sheet "A&D Data Format"
AND_GROSS_SPACE_HEADER = b"ST,G ,+01234.5kg\r\n"  # AD4329A-DLC manual 9.1
AND_OVERLOAD = b"OL,GS,+    .  kg\r\n"  # AD-4406 manual 13.2 (out of range: spaces, point kept)
AND_BALANCE = b"ST,+001234.5  g\r\n"  # A&D EK-L manual 9-2
AND_BALANCE_OVERLOAD = b"OL,+999999.9  g\r\n"  # A&D EK-L manual 9-2
AND_BALANCE_UNSTABLE = b"US,-00183.96  g\r\n"  # A&D GH-252/202 manual 10.6
AND_BALANCE_ERROR = b"EC,E01\r\n"  # A&D FX-i manual, Acknowledge code and error codes
AND_ACK = b"\x06\r\n"  # A&D FX-i manual, Acknowledge code (AK)
TSCALE_NHB = bytes.fromhex("53 54 2C 47 53 20 20 20 20 32 30 2E 37 67 20 20 0D 0A")  # captured
TSCALE_QHW = bytes.fromhex(
    "53 54 2C 47 53 2C 20 20 20 32 34 35 2E 36 20 67 0D 0A"
)  # captured (T-Scale QHW)
TSCALE_UNSTABLE = b"US,GS    20.7g  \r\n"  # captured (T-Scale NHB)

# --- CAS (CI-400 / CI-150A / CI-600D manuals, Data format appendices), constructed ----------
CAS_22_STABLE = b"ST,GS,1\xe4,000013.5 kg\r\n"
CAS_22_UNSTABLE = b"US,GS,1\xa4,000013.4 kg\r\n"
CAS_22_NET = b"ST,NT,1\xe2,000010.0 kg\r\n"
CAS_10 = b"000013.5\r\n"

# --- MT-SICS (MT-SICS Reference Manual; Atlantis-Software mt-sics test fixtures) -------------
SICS_STABLE = b"S S     100.00 g\r\n"  # fixture, manual "Response format with weight value"
SICS_DYNAMIC = b"S D     129.07 g\r\n"  # fixture
SICS_NEGATIVE = b"S S    -100.00 g\r\n"  # manual example
SICS_KG = b"S S      1.234 kg\r\n"  # constructed with the 10-character field
SICS_OVERLOAD = b"S +\r\n"  # manual, command S
SICS_UNDERLOAD = b"S -\r\n"  # manual, command S
SICS_BUSY = b"S I\r\n"  # manual, command S
SICS_SYNTAX_ERROR = b"ES\r\n"  # manual, error messages
SICS_ZEROED = b"Z A\r\n"  # manual, command Z
SICS_TARE_VALUE = b"TA A      2.486 g\r\n"  # manual, command TA
SICS_TARE_CLEARED = b"TAC A\r\n"  # manual, command TAC

# --- Toledo continuous (WILDCAT Technical Manual, Appendix 2, tables 6-8 to 6-11) -------------
MTC_GROSS = b"\x02-0 012345000000\r%"  # constructed, checksum 0x25
MTC_NET = b"\x02-1 010000002345\r$"  # constructed, tare 2.345 kg
MTC_MOTION = b"\x02<8 001250000000\r\x15"  # constructed, SWB 0x38 motion
MTC_OVERLOAD = b"\x02<4 000000000000\r!"  # constructed, SWB bit 2 out of range, positive

# --- Toledo 8217 (DIVA Service Manual, host interface 6.1.3-6.1.4; Odoo IoT driver) ----------
T8217_GROSS = b"\x0201.234\r"
T8217_NET = b"\x0212.500N\r"
T8217_MOTION = b"\x02?A\r"
T8217_OVER = b"\x02?B\r"
T8217_UNDER = b"\x02?D\r"
T8217_ECHO = b"\x02E\r"
T8217_AT_8N1 = bytes.fromhex("8230b12eb233b48d")  # \x0201.234\r sent 7E1, read 8N1

# --- SMA (Cardinal 190 manual; Fairbanks FB2550 Appendix III), constructed -------------------
SMA_STABLE = b"\n 1G      12.345kg \r"
SMA_MOTION = b"\n 1GM     12.340kg \r"
SMA_ZERO = b"\nZ1G       0.000kg \r"
SMA_OVER = b"\nO1G      60.010kg \r"
SMA_ZERO_ERROR = b"\nE1G  ----------kg \r"
SMA_UNKNOWN = b"\n?\r"

# --- NCI (Ohaus Aviator 7000 service manual; DIVA manual 6.1.4) -------------------------------
NCI_SCP02 = b"\n01.234KG\r\nS00\r\x03"
NCI_SCP01 = b"\n0001.25LB\r\n00\r\x03"
NCI_MOTION = b"\nS10\r\x03"
NCI_OVER = b"\nS02\r\x03"
NCI_AT_ZERO = b"\nS20\r\x03"
NCI_UNKNOWN = b"\n?\r\x03"

# --- Ohaus (Defender 3000 manual 5.2; captured in public log notes) ---------------------------
OHAUS_GROSS = bytes.fromhex("20 20 20 20 32 30 2E 30 20 6B 67 20 20 20 20 47 0D 0A")  # captured
OHAUS_UNSTABLE = b"    19.8 kg   ?G\r\n"  # captured
OHAUS_NET_NEGATIVE = b"-  1.640 kg    N\r\n"  # captured, Defender 3000

# --- Sartorius SBI (CP/LE/CB operating instructions, Data Output Format) ----------------------
SBI_16 = b"+   1255.7 g  \r\n"  # manual example
SBI_22_NET = b"N     +   1255.7 g  \r\n"  # constructed: ID code in front
SBI_UNSTABLE = b"+   1255.7    \r\n"  # constructed: unit blank while not stable

# --- Rinstrum (R320 reference manual 9.4), constructed ---------------------------------------
RIN_FMT1 = b"\x02  12.345G\x03"
RIN_FMT2 = b"\x02-  1.234NM - kg\x03"
RIN_FMT2_OVER = b"\x02  99.999O  -   \x03"

# --- XK3190 family ---------------------------------------------------------------------------
TF0_ZERO = bytes.fromhex("02 2B 30 30 30 30 30 30 30 31 42 03")  # captured, truck scale
TF0_1560 = bytes.fromhex("02 2B 30 30 31 35 36 30 30 31 39 03")  # captured, at 1200 baud
TF0_3290 = b"\x02+003290013\x03"  # body logged from an A9 in a public project
TF0_3260 = b"\x02+00326001C\x03"  # body logged from an A9 in a public project
TF1_REQUEST = b"\x02AB03\x03"  # A9+ manual tF=1 layout, constructed
TF1_REPLY = b"\x02AB+00156001A\x03"  # constructed
KELI_REPLY = b"\x02AB+012.34507\x03"  # KeLi XK3118K9-R appendix 1 layout, constructed
A22_ZERO_REQUEST = bytes.fromhex("02 41 30 37 31 03")  # A22 manual appendix I, both nibbles +0x30
EQ_3 = b"=000.3000"  # A26 manual, format 1 example (3.000)
EQ_MINUS_1 = b"=00.1000-"  # A26 manual, format 1 example (-1.00)
EQ_12_50 = b"=05.21000"  # constructed, 12.50
EQF_3 = b"=0003.000"  # A26 manual, format 2 example
EQF_MINUS_1 = b"=-0001.00"  # A26 manual, format 2 example
# The A12(E) manual's worked example, checksum 0x3D over bytes 1-11.
A12E_4139 = bytes.fromhex("57 47 30 30 34 2E 31 33 39 6B 67 33 44 0D 0A")
A12E_OVER = b"         OL23\r\n"  # A12(E) manual, communication mode
A12E_UNDER = b"         LO23\r\n"  # A12(E) manual, communication mode
WW_GROSS = b"ww000.000kg\r\n"  # public driver sample (mcush XK3190A12)
WW_NET = b"wn-0000.1kg\r\n"  # public driver sample
WW_TARE = b"wt000.000kg\r\n"  # public driver sample
WW_ESP32 = b"ww0003.17kg\r\n"  # Indonesian ESP32 project sample

CASES: tuple[Case, ...] = (
    Case("and", AND_NET, Expect(W, "12.34", "kg", 12340, True, net=True), "AD-4402 data sheet"),
    Case("and", AND_GROSS_SPACE_HEADER, Expect(W, "1234.5", "kg", 1234500, True), "AD4329A 9.1"),
    Case("and", AND_OVERLOAD, Expect(OL), "AD-4406 manual 13.2"),
    Case("and", AND_BALANCE, Expect(W, "1234.5", "g", 1235, True), "EK-L manual 9-2"),
    Case("and", AND_BALANCE_OVERLOAD, Expect(OL), "EK-L manual 9-2"),
    Case("and", AND_BALANCE_UNSTABLE, Expect(W, "-183.96", "g", -184, False), "GH-252 10.6"),
    Case("and", AND_BALANCE_ERROR, Expect(ERR), "FX-i error codes"),
    Case("and", AND_ACK, Expect(ACK), "FX-i acknowledge code"),
    Case("and", TSCALE_NHB, Expect(W, "20.7", "g", 21, True), "T-Scale NHB capture"),
    Case("and", TSCALE_QHW, Expect(W, "245.6", "g", 246, True), "T-Scale QHW capture"),
    Case("and", TSCALE_UNSTABLE, Expect(W, "20.7", "g", 21, False), "T-Scale NHB capture"),
    Case("cas", CAS_22_STABLE, Expect(W, "13.5", "kg", 13500, True), "CI-600D data format"),
    Case("cas", CAS_22_UNSTABLE, Expect(W, "13.4", "kg", 13400, False), "CI-400 data format"),
    Case("cas", CAS_22_NET, Expect(W, "10.0", "kg", 10000, True, net=True), "CI-400 data format"),
    Case("cas", CAS_10, Expect(W, "13.5", "kg", 13500, None), "CI-400 data format, 10 bytes"),
    Case("cas", AND_NET, Expect(W, "12.34", "kg", 12340, True, net=True), "CI-400 18 bytes AND"),
    Case("mt-sics", SICS_STABLE, Expect(W, "100.00", "g", 100, True), "MT-SICS S"),
    Case("mt-sics", SICS_DYNAMIC, Expect(W, "129.07", "g", 129, False), "MT-SICS SI"),
    Case("mt-sics", SICS_NEGATIVE, Expect(W, "-100.00", "g", -100, True), "MT-SICS S"),
    Case("mt-sics", SICS_KG, Expect(W, "1.234", "kg", 1234, True), "MT-SICS S"),
    Case("mt-sics", SICS_OVERLOAD, Expect(OL), "MT-SICS S"),
    Case("mt-sics", SICS_UNDERLOAD, Expect(UL), "MT-SICS S"),
    Case("mt-sics", SICS_BUSY, Expect(ERR), "MT-SICS S"),
    Case("mt-sics", SICS_SYNTAX_ERROR, Expect(ERR), "MT-SICS error messages"),
    Case("mt-sics", SICS_ZEROED, Expect(ACK), "MT-SICS Z"),
    Case("mt-sics", SICS_TARE_VALUE, Expect(ACK, "2.486", "g", 2, None, tare_g=2), "MT-SICS TA"),
    Case("mt-sics", SICS_TARE_CLEARED, Expect(ACK), "MT-SICS TAC"),
    Case("mt-continuous", MTC_GROSS, Expect(W, "12.345", "kg", 12345, True, tare_g=0), "WILDCAT"),
    Case(
        "mt-continuous",
        MTC_NET,
        Expect(W, "10.000", "kg", 10000, True, net=True, tare_g=2345),
        "WILDCAT App. 2",
    ),
    Case("mt-continuous", MTC_MOTION, Expect(W, "12.50", "kg", 12500, False, tare_g=0), "WILDCAT"),
    Case("mt-continuous", MTC_OVERLOAD, Expect(OL), "WILDCAT App. 2"),
    Case("toledo-8217", T8217_GROSS, Expect(W, "1.234", "kg", 1234, True), "DIVA 6.1.3"),
    Case("toledo-8217", T8217_NET, Expect(W, "12.500", "kg", 12500, True, net=True), "DIVA"),
    Case("toledo-8217", T8217_MOTION, Expect(W, None, None, None, False), "DIVA 6.1.4"),
    Case("toledo-8217", T8217_OVER, Expect(OL), "DIVA 6.1.4"),
    Case("toledo-8217", T8217_UNDER, Expect(UL), "DIVA 6.1.4"),
    Case("toledo-8217", T8217_ECHO, Expect(ACK), "Odoo echo probe"),
    Case("sma", SMA_STABLE, Expect(W, "12.345", "kg", 12345, True), "Cardinal 190 SMA"),
    Case("sma", SMA_MOTION, Expect(W, "12.340", "kg", 12340, False), "Cardinal 190 SMA"),
    Case("sma", SMA_ZERO, Expect(W, "0.000", "kg", 0, True), "Cardinal 190 SMA"),
    Case("sma", SMA_OVER, Expect(OL), "Fairbanks FB2550 App. III"),
    Case("sma", SMA_ZERO_ERROR, Expect(ERR), "Fairbanks FB2550 App. III"),
    Case("sma", SMA_UNKNOWN, Expect(ERR), "Fairbanks FB2550 App. III"),
    Case("nci", NCI_SCP02, Expect(W, "1.234", "kg", 1234, True), "Aviator 7000 NCI"),
    Case("nci", NCI_SCP01, Expect(W, "1.25", "lb", 567, True), "DIVA 6.1.4 NCI"),
    Case("nci", NCI_MOTION, Expect(W, None, None, None, False), "Aviator 7000 status bytes"),
    Case("nci", NCI_OVER, Expect(OL), "Aviator 7000 status bytes"),
    Case("nci", NCI_AT_ZERO, Expect(ACK), "Aviator 7000, reply to Z"),
    Case("nci", NCI_UNKNOWN, Expect(ERR), "Aviator 7000"),
    Case("ohaus", OHAUS_GROSS, Expect(W, "20.0", "kg", 20000, True), "Defender 3000 capture"),
    Case("ohaus", OHAUS_UNSTABLE, Expect(W, "19.8", "kg", 19800, False), "Defender capture"),
    Case(
        "ohaus",
        OHAUS_NET_NEGATIVE,
        Expect(W, "-1.640", "kg", -1640, True, net=True),
        "Defender 3000 capture",
    ),
    Case("sartorius-sbi", SBI_16, Expect(W, "1255.7", "g", 1256, True), "Sartorius CP manual"),
    Case(
        "sartorius-sbi",
        SBI_22_NET,
        Expect(W, "1255.7", "g", 1256, True, net=True),
        "Sartorius CP manual, 22 characters",
    ),
    Case(
        "sartorius-sbi",
        SBI_UNSTABLE,
        Expect(W, "1255.7", "g", 1256, False),
        "Sartorius CP manual, unit blank while unstable",
        settings=(("unit", "g"),),
    ),
    Case("rinstrum", RIN_FMT1, Expect(W, "12.345", "kg", 12345, True), "R320 9.4 FMT_1"),
    Case(
        "rinstrum",
        RIN_FMT2,
        Expect(W, "-1.234", "kg", -1234, False, net=True),
        "R320 9.4 FMT_2",
    ),
    Case("rinstrum", RIN_FMT2_OVER, Expect(OL), "R320 9.4 FMT_2"),
    Case("xk3190-tf0", TF0_ZERO, Expect(W, "0", "kg", 0, None), "A9+ tF=0, truck-scale capture"),
    Case("xk3190-tf0", TF0_1560, Expect(W, "1560", "kg", 1560000, None), "A9+ tF=0 capture"),
    Case("xk3190-tf0", TF0_3290, Expect(W, "3290", "kg", 3290000, None), "A9 log"),
    Case("xk3190-tf0", TF0_3260, Expect(W, "3260", "kg", 3260000, None), "A9 log"),
    Case("xk3190-tf1", TF1_REPLY, Expect(W, "1560", "kg", 1560000, None), "A9+ tF=1 layout"),
    Case("keli-xk3118", KELI_REPLY, Expect(W, "12.345", "kg", 12345, None), "XK3118K9-R app. 1"),
    Case("xk3190-eq", EQ_3, Expect(W, "3.000", "kg", 3000, None), "A26 format 1"),
    Case("xk3190-eq", EQ_MINUS_1, Expect(W, "-1.00", "kg", -1000, None), "A26 format 1"),
    Case("xk3190-eq", EQ_12_50, Expect(W, "12.50", "kg", 12500, None), "A26 format 1"),
    Case("xk3190-eq-forward", EQF_3, Expect(W, "3.000", "kg", 3000, None), "A26 format 2"),
    Case("xk3190-eq-forward", EQF_MINUS_1, Expect(W, "-1.00", "kg", -1000, None), "A26 fmt 2"),
    Case("xk3190-a12e", A12E_4139, Expect(W, "4.139", "kg", 4139, None), "A12(E) manual"),
    Case("xk3190-a12e", A12E_OVER, Expect(OL), "A12(E) manual"),
    Case("xk3190-a12e", A12E_UNDER, Expect(UL), "A12(E) manual"),
    Case("xk3190-ww", WW_GROSS, Expect(W, "0.000", "kg", 0, None), "mcush XK3190A12"),
    Case("xk3190-ww", WW_NET, Expect(W, "-0.1", "kg", -100, None, net=True), "mcush XK3190A12"),
    Case("xk3190-ww", WW_TARE, Expect(ACK, "0.000", "kg", 0, None, tare_g=0), "mcush"),
    Case("xk3190-ww", WW_ESP32, Expect(W, "3.17", "kg", 3170, None), "ESP32 YaohuaA12EParser"),
)

# Bytes after the body that end each protocol's frame (kept when a test cuts a frame short).
TRAILERS = {
    "and": 2,
    "cas": 2,
    "mt-sics": 2,
    "mt-continuous": 2,
    "toledo-8217": 1,
    "sma": 1,
    "nci": 2,
    "ohaus": 2,
    "sartorius-sbi": 2,
    "rinstrum": 1,
    "xk3190-tf0": 1,
    "xk3190-tf1": 1,
    "keli-xk3118": 1,
    "xk3190-eq": 0,
    "xk3190-eq-forward": 0,
    "xk3190-a12e": 2,
    "xk3190-ww": 2,
}
# Protocols whose every frame has a fixed length or a checksum: any byte lost breaks it.
# (8217 is not one: "01.234" losing its "2" is a valid 2-decimal pound weight.)
FIXED_LAYOUT = frozenset(TRAILERS) - {"toledo-8217", "mt-sics", "ohaus", "nci"}
# Protocols with a checksum over the frame: any byte changed breaks it.
CHECKSUMMED = frozenset({"mt-continuous", "xk3190-tf0", "xk3190-tf1", "keli-xk3118", "xk3190-a12e"})
