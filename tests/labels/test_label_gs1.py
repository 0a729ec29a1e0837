"""GS1 data: check digits, element validation, weights, SSCC, element strings, Digital Link."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import biip
import pytest
from label_vectors import (
    CHECK_DIGIT_EXAMPLES,
    DIGITAL_LINK_EXAMPLES,
    MISSING_SEPARATOR,
    SSCC_EXAMPLES,
)

from labels import gs1
from labels.gs1 import (
    GS,
    CheckDigitError,
    Element,
    Gs1DateError,
    Gs1Error,
    Gs1FormatError,
    Gs1MessageError,
    Gs1WeightError,
    UnknownAiError,
)


def _hri_elements(hri: str) -> list[Element]:
    """``(01)…(10)…`` split back into elements (test helper for the published examples)."""
    parts = hri.split("(")[1:]
    return [Element(*part.split(")")) for part in parts]


@pytest.mark.parametrize(("number", "source"), CHECK_DIGIT_EXAMPLES)
def test_published_numbers_have_the_check_digit_gs1_computes(number: str, source: str) -> None:
    assert gs1.check_digit(number[:-1]) == int(number[-1]), source


@pytest.mark.parametrize(("number", "source"), CHECK_DIGIT_EXAMPLES)
def test_every_single_digit_error_in_a_published_number_is_caught(number: str, source: str) -> None:
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                corrupt = number[:position] + digit + number[position + 1 :]
                assert gs1.check_digit(corrupt[:-1]) != int(corrupt[-1]), source


def test_a_gtin_with_a_wrong_check_digit_is_refused_naming_ai_01() -> None:
    with pytest.raises(CheckDigitError) as caught:
        gs1.gtin("18995555000011")
    assert caught.value.ai == "01"
    assert caught.value.rule == "check-digit"
    assert str(caught.value).startswith("(01) GTIN:")
    assert "check digit is 0" in str(caught.value)


@pytest.mark.parametrize("value", ["1234567", "12345678901", "123456789012345", "1899555500001A"])
def test_a_gtin_that_is_not_8_12_13_or_14_digits_is_refused(value: str) -> None:
    with pytest.raises(Gs1FormatError) as caught:
        gs1.gtin(value)
    assert (caught.value.ai, caught.value.rule) == ("01", "gtin-length")


@pytest.mark.parametrize(
    ("short", "full"),
    [("96385074", "00000096385074"), ("614141000036", "00614141000036"),
     ("8995555000013", "08995555000013")],
)  # fmt: skip
def test_short_gtins_are_widened_to_fourteen_digits(short: str, full: str) -> None:
    assert gs1.gtin(short).value == full


def test_a_lot_longer_than_twenty_characters_is_refused_naming_ai_10() -> None:
    with pytest.raises(Gs1FormatError) as caught:
        Element("10", "A" * 21)
    assert (caught.value.ai, caught.value.rule) == ("10", "length")
    assert "needs 1 to 20" in str(caught.value)


@pytest.mark.parametrize("lot", ["A#1", "LOT 7", "Ä1", "a~b", "x@y", "AB\x1d"])
def test_a_lot_with_characters_outside_set_82_is_refused(lot: str) -> None:
    with pytest.raises(Gs1FormatError) as caught:
        Element("10", lot)
    assert (caught.value.ai, caught.value.rule) == ("10", "charset")
    assert "GS1 character set 82" in str(caught.value)


def test_every_character_of_set_82_is_a_valid_lot_character() -> None:
    for start in range(0, 82, 20):
        chunk = "".join(sorted(gs1.CSET82))[start : start + 20]
        assert Element("10", chunk).value == chunk


@pytest.mark.parametrize(
    ("ai", "value", "ok"),
    [
        ("13", "250715", True),
        ("13", "250700", True),  # day 00: last day of the month, allowed for 11/13/15/16/17
        ("15", "240229", True),
        ("15", "250229", False),
        ("17", "251301", False),
        ("11", "250431", False),
        ("7007", "250700", False),  # harvest date is YYMMDD: no day 00
        ("7007", "250701250715", True),
        ("7007", "2507", False),
    ],
)
def test_dates_are_calendar_dates(ai: str, value: str, ok: bool) -> None:
    if ok:
        assert Element(ai, value).value == value
    else:
        with pytest.raises(Gs1DateError) as caught:
            Element(ai, value)
        assert caught.value.ai == ai


def test_an_ai_outside_the_table_is_refused() -> None:
    with pytest.raises(UnknownAiError) as caught:
        Element("8200", "https://example.com")
    assert caught.value.ai == "8200"


@pytest.mark.parametrize(
    ("weight", "element"),
    [
        (12_500, "(3103)012500"),
        (Decimal("12.50"), "(3102)001250"),
        (Decimal("12.5"), "(3101)000125"),
        (Decimal("12"), "(3100)000012"),
        (Decimal("0.00125"), "(3105)000125"),
        (1_234_500, "(3102)123450"),  # 1234.500 kg: a trailing zero goes to fit six digits
        (Decimal("12.5000000"), "(3104)125000"),
    ],
)
def test_net_weight_takes_its_decimals_from_the_weights_precision(
    weight: Decimal | int, element: str
) -> None:
    made = gs1.net_weight_kg(weight)
    assert str(made) == element
    read = biip.parse("]C1" + "0118995555000010" + made.ai + made.value)
    assert read.gs1_message is not None
    decimal = read.gs1_message.element_strings[-1].decimal
    expected = Decimal(weight) / 1000 if isinstance(weight, int) else weight
    assert decimal == expected


def test_gross_weight_uses_the_330n_family() -> None:
    assert str(gs1.gross_weight_kg(Decimal("540.00"))) == "(3302)054000"


@pytest.mark.parametrize(
    "weight", [12.5, True, -1, 0, Decimal("-0.5"), Decimal("NaN"), Decimal("1234.567"),
               Decimal("0.000001"), 1_000_000_001],
)  # fmt: skip
def test_weights_that_do_not_fit_310n_are_refused(weight: object) -> None:
    with pytest.raises(Gs1WeightError) as caught:
        gs1.net_weight_kg(weight)  # type: ignore[arg-type]
    assert caught.value.ai == "310n"


@pytest.mark.parametrize(("parts", "sscc"), SSCC_EXAMPLES)
def test_an_sscc_is_built_from_extension_prefix_and_serial(
    parts: tuple[int, str, int], sscc: str
) -> None:
    assert gs1.build_sscc(*parts) == sscc
    assert biip.parse(sscc).sscc is not None


@pytest.mark.parametrize(
    ("extension", "prefix", "serial", "rule"),
    [
        (10, "8995555", 1, "sscc-extension"),
        (0, "899", 1, "company-prefix"),
        (0, "8995555000000", 1, "company-prefix"),
        (0, "89955A5", 1, "company-prefix"),
        (0, "8995555", 1_000_000_000, "serial-reference"),
        (0, "8995555", -1, "serial-reference"),
    ],
)
def test_sscc_parts_of_the_wrong_length_are_refused(
    extension: int, prefix: str, serial: int, rule: str
) -> None:
    with pytest.raises(Gs1FormatError) as caught:
        gs1.build_sscc(extension, prefix, serial)
    assert (caught.value.ai, caught.value.rule) == ("00", rule)


@pytest.mark.parametrize(
    ("prefix", "serial", "body"),
    [("899555555", 1_234_567, "38995555551234567"), ("899555555512", 42, "38995555555120042")],
)
def test_the_serial_reference_fills_the_digits_the_prefix_leaves(
    prefix: str, serial: int, body: str
) -> None:
    made = gs1.build_sscc(3, prefix, serial)
    assert made[:-1] == body
    assert biip.parse(made).sscc is not None


def test_predefined_length_elements_need_no_separator() -> None:
    items = [gs1.gtin("09506000134352"), Element("17", "251231"), Element("10", "ABC123")]
    assert gs1.element_string(items) == "010950600013435217251231" + "10ABC123"


def test_a_variable_length_element_followed_by_another_is_separated() -> None:
    items = [gs1.gtin("09506000134352"), Element("10", "ABC123"), Element("17", "251231")]
    assert gs1.element_string(items) == "0109506000134352" + "10ABC123" + GS + "17251231"


def test_sorting_puts_fixed_length_elements_first_and_saves_the_separator() -> None:
    items = [Element("10", "ABC123"), gs1.gtin("09506000134352"), Element("17", "251231")]
    ordered = gs1.sort_elements(items)
    assert [e.ai for e in ordered] == ["01", "17", "10"]
    assert GS not in gs1.element_string(ordered)


def test_country_of_origin_is_fixed_length_but_still_separated() -> None:
    items = gs1.sort_elements([gs1.gtin("18995555000010"), Element("422", "360"),
                               Element("10", "BTU")])  # fmt: skip
    assert gs1.element_string(items) == "0118995555000010" + "422360" + GS + "10BTU"


def test_a_missing_separator_would_swallow_the_expiry_date_into_the_lot() -> None:
    data, wrong_lot = MISSING_SEPARATOR
    message = biip.parse("]C1" + data).gs1_message
    assert message is not None
    assert message.element_strings[-1].value == wrong_lot
    items = [gs1.gtin("09506000134352"), Element("10", "ABC123"), Element("17", "251231")]
    fixed = biip.parse("]C1" + gs1.element_string(items)).gs1_message
    assert fixed is not None
    assert [(e.ai.ai, e.value) for e in fixed.element_strings] == [
        ("01", "09506000134352"),
        ("10", "ABC123"),
        ("17", "251231"),
    ]


def test_the_human_readable_form_puts_each_ai_in_parentheses() -> None:
    items = [gs1.gtin("18995555000010"), Element("13", "250715"), Element("10", "BTU-2507-A1")]
    assert gs1.hri(items) == "(01)18995555000010(13)250715(10)BTU-2507-A1"


def test_gs1_128_refuses_more_than_48_data_characters() -> None:
    items = [gs1.gtin("18995555000010"), Element("10", "A" * 20), Element("21", "B" * 20)]
    with pytest.raises(Gs1MessageError) as caught:
        gs1.check_gs1_128(items)
    assert caught.value.rule == "gs1-128-length"


@pytest.mark.parametrize(("hri", "uri"), DIGITAL_LINK_EXAMPLES)
def test_digital_link_uris_match_the_published_examples(hri: str, uri: str) -> None:
    items = _hri_elements(hri)
    assert gs1.digital_link_uri(items) == uri
    parsed = biip.parse(uri).gs1_digital_link_uri
    assert parsed is not None
    assert [(e.ai.ai, e.value) for e in parsed.element_strings] == [(e.ai, e.value) for e in items]


def test_digital_link_puts_qualifiers_in_the_standards_order() -> None:
    items = [Element("21", "S1"), Element("10", "L1"), gs1.gtin("09521234543213")]
    assert gs1.digital_link_uri(items).endswith("/01/09521234543213/10/L1/21/S1")


def test_digital_link_percent_encodes_reserved_characters() -> None:
    items = [gs1.gtin("09521234543213"), Element("10", "AB/12&3?x=%'")]
    uri = gs1.digital_link_uri(items, resolver="example.com/produk")
    assert uri == "https://example.com/produk/01/09521234543213/10/AB%2F12%263%3Fx%3D%25%27"
    parsed = biip.parse(uri).gs1_digital_link_uri
    assert parsed is not None
    assert parsed.element_strings[1].value == "AB/12&3?x=%'"


def test_digital_link_widens_a_gtin_13_to_fourteen_digits() -> None:
    assert gs1.digital_link_uri([gs1.gtin("9521234543213")]).endswith("/01/09521234543213")


@pytest.mark.parametrize(
    ("items", "rule"),
    [
        ([Element("10", "L1")], "dl-primary-key"),
        ([gs1.gtin("09521234543213"), gs1.sscc("106141411234567897")], "dl-primary-key"),
        ([gs1.sscc("106141411234567897"), Element("21", "S1")], "dl-attribute"),
    ],
)
def test_a_digital_link_without_exactly_one_primary_key_is_refused(
    items: list[Element], rule: str
) -> None:
    with pytest.raises(Gs1MessageError) as caught:
        gs1.digital_link_uri(items)
    assert caught.value.rule == rule


@pytest.mark.parametrize("resolver", ["https://id.gs1.org", "id.gs1.org/", "", "a b.org"])
def test_a_resolver_must_be_a_bare_domain_with_optional_path(resolver: str) -> None:
    with pytest.raises(Gs1MessageError):
        gs1.digital_link_uri([gs1.gtin("09521234543213")], resolver=resolver)


@pytest.mark.parametrize(
    ("items", "ai", "rule"),
    [
        ([gs1.gtin("18995555000010", ai="02")], "02", "requires"),
        ([gs1.net_weight_kg(12_500)], "3103", "requires"),
        ([gs1.gtin("18995555000010", ai="02"), Element("37", "40")], "37", "requires"),
        ([gs1.gtin("18995555000010"), gs1.gtin("18995555000010", ai="02"),
          Element("37", "4"), gs1.sscc("089955550000000013")], "01", "excludes"),
        ([gs1.gtin("18995555000010"), gs1.net_weight_kg(12_500),
          gs1.net_weight_kg(Decimal("12.51"))], "3102", "duplicate"),
        ([gs1.gtin("18995555000010"), Element("10", "A"), Element("10", "B")], "10",
         "duplicate"),
    ],
)  # fmt: skip
def test_pairing_rules_are_checked_over_the_whole_item(
    items: list[Element], ai: str, rule: str
) -> None:
    with pytest.raises(Gs1MessageError) as caught:
        gs1.check_pairings(items)
    assert (caught.value.ai, caught.value.rule) == (ai, rule)


def test_the_same_element_in_two_symbols_of_one_label_is_fine() -> None:
    gtin = gs1.gtin("18995555000010")
    gs1.check_pairings([gtin, gs1.net_weight_kg(12_500), gtin, Element("10", "BTU")])


def test_a_pallet_message_with_sscc_content_and_count_passes() -> None:
    gs1.check_pairings(
        [gs1.sscc("089955550000000013"), gs1.gtin("18995555000010", ai="02"), Element("37", "40")]
    )


def test_every_gs1_error_is_a_label_error_naming_its_ai() -> None:
    with pytest.raises(Gs1Error) as caught:
        gs1.date_element("10", date(2025, 1, 1))
    assert caught.value.ai == "10"
    assert isinstance(caught.value, ValueError)
