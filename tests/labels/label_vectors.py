"""Published GS1 and PTI examples the label tests check against, with where each comes from.

GS1 General Specifications section numbers are those of Release 18 (Jan 2018):
§7.9.1 the mod-10 check digit, §7.8.4 concatenation and the predefined-length table
(figure 7.8.4-2), §5.4.4.3 the GS1-128 length limits, figure 7.11-1 character set 82.
Examples marked "constructed" are ours, on GS1 Indonesia's prefix 899, cross-checked with biip.
"""

from __future__ import annotations

from datetime import date

# (number with its check digit, source)
CHECK_DIGIT_EXAMPLES: list[tuple[str, str]] = [
    ("09506000134352", "GTIN 09506000134352: example GTIN of the GS1 Digital Link standard"),
    ("09521234543213", "GTIN 09521234543213: BWIPP wiki Digital Link examples (prefix 952, demo)"),
    ("10850510002011", "GTIN-14 of the PTI voice pick example (TEKLYNX KA-02292)"),
    ("106141411234567897", "SSCC 106141411234567897: BWIPP wiki Digital Link examples"),
    ("089955550000000013", "SSCC with GS1 Indonesia prefix 8995555 (constructed; biip)"),
    ("8995555000013", "GLN with GS1 Indonesia prefix 8995555 (constructed; biip)"),
    ("18995555000010", "GTIN-14, indicator 1, GS1 Indonesia prefix (constructed; biip)"),
]

# (SSCC parts: extension digit, company prefix, serial reference) -> SSCC
SSCC_EXAMPLES: list[tuple[tuple[int, str, int], str]] = [
    ((1, "0614141", 123456789), "106141411234567897"),
    ((0, "8995555", 1), "089955550000000013"),
]

# (HRI, Digital Link URI at id.gs1.org): BWIPP wiki "GS1 Digital Link URIs" and GS1 DL 1.2.
DIGITAL_LINK_EXAMPLES: list[tuple[str, str]] = [
    (
        "(01)09521234543213(10)ABC123(17)261231",
        "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
    ),
    (
        "(01)09521234543213(10)ABC123(21)12345",
        "https://id.gs1.org/01/09521234543213/10/ABC123/21/12345",
    ),
    ("(00)106141411234567897", "https://id.gs1.org/00/106141411234567897"),
]

# Why separators matter (GS1 General Specifications §7.8.4): without GS after a variable-length
# lot, the (17) that follows is read as part of the lot and the expiry date is lost.
MISSING_SEPARATOR = ("0109506000134352" + "10ABC123" + "17251231", "ABC12317251231")

# (GTIN, lot, pack date or None) -> voice pick code. Sources: TEKLYNX knowledge base KA-02292
# (first two) and the unit tests of the open-source rust_voicecode crate (last three).
# Three GTINs have wrong check digits on purpose: the hash does not validate them.
VOICE_PICK_EXAMPLES: list[tuple[str, str, date | None, str]] = [
    ("10850510002011", "46587443HG234", None, "6359"),
    ("65457886676767", "2", date(2010, 1, 26), "5836"),
    ("12345678901244", "LOT123", date(2003, 1, 2), "6991"),
    ("61414100734933", "32ABCD", date(2001, 1, 1), "1085"),
    ("61414100734933", "32abcd", date(2003, 1, 2), "8079"),
]
