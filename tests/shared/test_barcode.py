"""Retail barcodes: GS1 check digits, canonical GTINs and variable-measure labels."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shared.barcode import (
    DEFAULT_NOMENCLATURE,
    MeasureKind,
    PlainGtin,
    VariableMeasure,
    VariableMeasureNomenclature,
    VariableMeasureRule,
    gs1_check_digit,
    gs1_price_check_digit,
    normalize_gtin,
    parse_scanned,
)
from shared.errors import (
    BarcodeCheckDigitError,
    BarcodeError,
    BarcodeFormatError,
    GallaError,
    VariableMeasureError,
)


def with_check(body: str) -> str:
    return body + str(gs1_check_digit(body))


# --------------------------------------------------------------------------- GS1 check digit


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("211234501500", 2),  # the reference's verified example
        ("400638133393", 1),  # EAN-13 4006381333931
        ("03600029145", 2),  # UPC-A 036000291452
        ("9638507", 4),  # EAN-8 96385074
        ("1001234567890", 2),  # GTIN-14 10012345678902
        ("00000000000", 0),
    ],
)
def test_the_gs1_check_digit_of_known_codes(body: str, check: int) -> None:
    assert gs1_check_digit(body) == check


def test_the_weights_run_from_the_right_so_leading_zeros_do_not_matter() -> None:
    assert gs1_check_digit("03600029145") == gs1_check_digit("3600029145")


def test_a_check_digit_needs_at_least_one_digit() -> None:
    with pytest.raises(BarcodeFormatError, match="at least one digit"):
        gs1_check_digit("")


@pytest.mark.parametrize("body", ["12345A", "123 45", "١٢٣"])
def test_a_check_digit_needs_ascii_digits(body: str) -> None:
    with pytest.raises(BarcodeFormatError, match="digits only"):
        gs1_check_digit(body)


# --------------------------------------------------------------------------- canonical GTIN


@pytest.mark.parametrize(
    ("scanned", "canonical"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13 stays
        ("8901030865275", "8901030865275"),  # an Indian (890) EAN-13
        ("036000291452", "0036000291452"),  # UPC-A gains its leading zero
        ("96385074", "96385074"),  # EAN-8 stays
        ("04006381333931", "4006381333931"),  # GTIN-14, indicator 0: the item itself
        ("10012345678902", "10012345678902"),  # GTIN-14, indicator 1: a case
        ("00000096385074", "96385074"),  # GTIN-14 carrying an EAN-8
        (" 4006381333931\r\n", "4006381333931"),  # a scanner's line ending
    ],
)
def test_normalize_gtin_returns_the_catalog_key(scanned: str, canonical: str) -> None:
    assert normalize_gtin(scanned) == canonical


def test_upc_a_and_its_ean_13_form_are_the_same_product() -> None:
    assert normalize_gtin("036000291452") == normalize_gtin("0036000291452")


@pytest.mark.parametrize(
    ("code", "symbology", "given_digit", "expected"),
    [
        ("4006381333932", "EAN-13", "2", "1"),
        ("036000291453", "UPC-A", "3", "2"),
        ("96385075", "EAN-8", "5", "4"),
        ("10012345678909", "GTIN-14", "9", "2"),
    ],
)
def test_a_wrong_check_digit_names_the_symbology_and_both_digits(
    code: str, symbology: str, given_digit: str, expected: str
) -> None:
    with pytest.raises(BarcodeCheckDigitError) as caught:
        normalize_gtin(code)

    message = str(caught.value)
    assert message.startswith(f"{symbology} {code} has check digit {given_digit}")
    assert f"need {expected}" in message


@pytest.mark.parametrize("length", [1, 7, 9, 10, 11, 15, 18])
def test_a_length_no_retail_symbology_has_is_a_format_error(length: int) -> None:
    with pytest.raises(BarcodeFormatError, match=f"has {length} digits; EAN-8 has 8"):
        normalize_gtin("1" * length)


def test_an_empty_scan_is_a_format_error() -> None:
    with pytest.raises(BarcodeFormatError, match="the barcode is empty"):
        normalize_gtin("  \n")


@pytest.mark.parametrize(
    ("code", "char", "position"),
    [
        ("89O1030865275", "O", 3),
        ("ABC-123", "A", 1),
        ("4006381-333931", "-", 8),
        ("٤006381333931", "٤", 1),
    ],
)
def test_a_non_digit_is_named_with_its_position(code: str, char: str, position: int) -> None:
    with pytest.raises(BarcodeFormatError, match=f"{char!r} at position {position}"):
        normalize_gtin(code)


def test_a_huge_scan_is_cut_short_in_the_message() -> None:
    with pytest.raises(BarcodeFormatError) as caught:
        normalize_gtin("1" * 10_000)

    assert len(str(caught.value)) < 150
    assert "has 10000 digits" in str(caught.value)


def test_barcode_errors_belong_to_the_shared_family() -> None:
    with pytest.raises(BarcodeError) as caught:
        normalize_gtin("4006381333932")

    assert isinstance(caught.value, GallaError)
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- price verifier


@pytest.mark.parametrize(("value", "check"), [("2875", 9), ("14685", 6), ("0000", 0), ("00000", 0)])
def test_the_price_verifier_matches_the_gs1_examples(value: str, check: int) -> None:
    assert gs1_price_check_digit(value) == check


@pytest.mark.parametrize("value", ["", "123", "123456"])
def test_the_price_verifier_covers_only_four_or_five_digits(value: str) -> None:
    with pytest.raises(BarcodeFormatError, match="4 or 5 digits"):
        gs1_price_check_digit(value)


def test_the_price_verifier_needs_digits() -> None:
    with pytest.raises(BarcodeFormatError, match="digits only"):
        gs1_price_check_digit("12a4")


# --------------------------------------------------------------------------- parse_scanned


def test_a_weighed_label_parses_to_its_item_and_kilograms() -> None:
    scanned = parse_scanned("2112345015002")

    assert scanned == VariableMeasure(
        code="2112345015002",
        lookup_key="2112345000008",
        item_code="12345",
        kind=MeasureKind.WEIGHT,
        value=Decimal("1.500"),
    )


def test_a_weight_keeps_three_decimal_places_exactly() -> None:
    scanned = parse_scanned("2100005080002")

    assert isinstance(scanned, VariableMeasure)
    assert str(scanned.value) == "8.000"
    assert scanned.lookup_key == "2100005000000"


def test_a_priced_label_parses_to_paise_as_an_integer() -> None:
    scanned = parse_scanned("2305000123451")

    assert isinstance(scanned, VariableMeasure)
    assert scanned.kind is MeasureKind.PRICE
    assert scanned.value == 12345
    assert type(scanned.value) is int
    assert scanned.item_code == "05000"
    assert scanned.lookup_key == with_check("230500000000")


def test_a_normal_product_is_a_plain_gtin_keyed_by_its_canonical_form() -> None:
    scanned = parse_scanned("036000291452")

    assert scanned == PlainGtin("0036000291452")
    assert scanned.lookup_key == "0036000291452"


@pytest.mark.parametrize("prefix", ["20", "22", "24", "29"])
def test_a_prefix_without_a_rule_is_a_plain_in_store_code(prefix: str) -> None:
    code = with_check(prefix + "1234567890")

    assert parse_scanned(code) == PlainGtin(code)


def test_an_ean_8_is_never_read_as_a_variable_measure_code() -> None:
    code = with_check("2112345")

    assert parse_scanned(code) == PlainGtin(code)


def test_a_variable_measure_label_with_a_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(BarcodeCheckDigitError):
        parse_scanned("2112345015003")


def test_a_custom_rule_reads_a_quantity() -> None:
    rule = VariableMeasureRule(("25",), "PPIIIIIIIVVVC", MeasureKind.QUANTITY)
    code = with_check("250001234012")

    scanned = parse_scanned(code, VariableMeasureNomenclature((rule,)))

    assert scanned == VariableMeasure(
        code=code,
        lookup_key=with_check("250001234000"),
        item_code="0001234",
        kind=MeasureKind.QUANTITY,
        value=12,
    )


def test_a_rule_for_upc_number_system_2_reads_the_ean_13_form_of_a_upc_scan() -> None:
    rule = VariableMeasureRule(("02",), "PPIIIIIVVVVVC", MeasureKind.PRICE)
    upc = with_check("21234500499")  # UPC-A: 2, item 12345, price 00499

    scanned = parse_scanned(upc, VariableMeasureNomenclature((rule,)))

    assert isinstance(scanned, VariableMeasure)
    assert (scanned.item_code, scanned.value) == ("12345", 499)
    assert scanned.lookup_key == with_check("021234500000")


VERIFIED = VariableMeasureNomenclature(
    (
        VariableMeasureRule(("22",), "PPIIIIXVVVVVC", MeasureKind.PRICE),
        VariableMeasureRule(("26", "27"), "PPIIIIIXVVVVC", MeasureKind.WEIGHT),
    )
)


def test_a_label_with_a_correct_price_verifier_parses() -> None:
    code = with_check("221234" + "6" + "14685")

    scanned = parse_scanned(code, VERIFIED)

    assert isinstance(scanned, VariableMeasure)
    assert scanned.value == 14685
    assert scanned.lookup_key == with_check("221234000000")


def test_a_four_digit_weight_verifier_is_checked_too() -> None:
    code = with_check("2712345" + "9" + "2875")

    scanned = parse_scanned(code, VERIFIED)

    assert isinstance(scanned, VariableMeasure)
    assert scanned.value == Decimal("2.875")


def test_a_wrong_price_verifier_is_a_variable_measure_error_naming_both_digits() -> None:
    code = with_check("221234" + "5" + "14685")

    with pytest.raises(VariableMeasureError, match=r"needs verifier digit 6 at position 7.*has 5"):
        parse_scanned(code, VERIFIED)


# --------------------------------------------------------------------------- configuration


def test_the_default_nomenclature_reads_weight_under_21_and_price_under_23() -> None:
    weight = DEFAULT_NOMENCLATURE.rule_for("21")
    price = DEFAULT_NOMENCLATURE.rule_for("23")

    assert weight is not None
    assert weight.kind is MeasureKind.WEIGHT
    assert price is not None
    assert price.kind is MeasureKind.PRICE
    assert DEFAULT_NOMENCLATURE.rule_for("20") is None


def test_a_rule_exposes_where_its_fields_are() -> None:
    rule = VariableMeasureRule(("22",), "PPIIIIXVVVVVC", MeasureKind.PRICE)

    assert (rule.item_slice, rule.value_slice, rule.verifier_index) == (
        slice(2, 6),
        slice(7, 12),
        6,
    )
    assert DEFAULT_NOMENCLATURE.rules[0].verifier_index is None


def test_a_kind_given_as_text_is_read_as_the_enum() -> None:
    rule = VariableMeasureRule(("21",), "PPIIIIIVVVVVC", "weight")  # type: ignore[arg-type]

    assert rule.kind is MeasureKind.WEIGHT


def test_a_single_prefix_given_as_text_is_one_prefix() -> None:
    rule = VariableMeasureRule("21", "PPIIIIIVVVVVC", MeasureKind.WEIGHT)  # type: ignore[arg-type]

    assert rule.prefixes == ("21",)


def test_rules_are_frozen_values() -> None:
    rule = DEFAULT_NOMENCLATURE.rules[0]

    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.layout = "PPIIIIIIIIIIC"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("prefixes", "layout", "kind", "message"),
    [
        ((), "PPIIIIIVVVVVC", "weight", "at least one prefix"),
        (("19",), "PPIIIIIVVVVVC", "weight", "'19' is not a variable-measure prefix"),
        (("30",), "PPIIIIIVVVVVC", "weight", "'30' is not"),
        (("2",), "PPIIIIIVVVVVC", "weight", "'2' is not"),
        (("21",), "PPIIIIIVVVVC", "weight", "must be 13 letters"),
        (("21",), "PIIIIIIVVVVVC", "weight", "starting 'PP'"),
        (("21",), "PPIIIIIVVVVVV", "weight", "ending 'C'"),
        (("21",), "PPIIIIIVVVVQC", "weight", "only I \\(item\\), V \\(value\\) and X"),
        (("21",), "PPIIIIIVVPVVC", "weight", "only I"),
        (("21",), "PPVIIIIIVVVVC", "weight", "splits its 'V' digits"),
        (("21",), "PPIIIVVVVVIIC", "weight", "splits its 'I' digits"),
        (("21",), "PPVVVVVVVVVVC", "weight", "needs item \\(I\\) and value \\(V\\)"),
        (("21",), "PPIIIIIIIIIIC", "weight", "needs item \\(I\\) and value \\(V\\)"),
        (("21",), "PPIIIXXVVVVVC", "weight", "a verifier \\(X\\) is one digit"),
        (("21",), "PPIIIIIIXVVVC", "weight", "only over a 4- or 5-digit value"),
        (("21",), "PPIIXVVVVVVVC", "weight", "only over a 4- or 5-digit value"),
        (("21",), "PPIIIIIVVVVVC", "volume", "'volume' is not one of weight, price, quantity"),
    ],
)
def test_an_unusable_rule_is_refused_when_it_is_configured(
    prefixes: tuple[str, ...], layout: str, kind: str, message: str
) -> None:
    with pytest.raises(VariableMeasureError, match=message):
        VariableMeasureRule(prefixes, layout, kind)  # type: ignore[arg-type]


def test_two_rules_for_one_prefix_are_refused() -> None:
    first = VariableMeasureRule(("21", "22"), "PPIIIIIVVVVVC", MeasureKind.WEIGHT)
    second = VariableMeasureRule(("22",), "PPIIIIIVVVVVC", MeasureKind.PRICE)

    with pytest.raises(VariableMeasureError, match="prefix 22 has two rules"):
        VariableMeasureNomenclature((first, second))


def test_an_empty_nomenclature_reads_every_code_as_plain() -> None:
    assert parse_scanned("2112345015002", VariableMeasureNomenclature(())) == PlainGtin(
        "2112345015002"
    )


# --------------------------------------------------------------------------- properties

digit_strings = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(body=digit_strings)
def test_any_12_digits_with_their_check_digit_round_trip(body: str) -> None:
    code = with_check(body)

    assert normalize_gtin(code) == code


@given(
    body=st.sampled_from([7, 11, 12, 13]).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
    ),
    data=st.data(),
)
def test_a_single_wrong_digit_is_always_detected(body: str, data: st.DataObject) -> None:
    code = with_check(body)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != code[position])

    with pytest.raises(BarcodeCheckDigitError):
        normalize_gtin(code[:position] + replacement + code[position + 1 :])


@given(value=st.text(alphabet="0123456789", min_size=4, max_size=5), data=st.data())
def test_a_single_wrong_digit_in_a_price_changes_its_verifier(
    value: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != value[position])

    typo = value[:position] + replacement + value[position + 1 :]

    assert gs1_price_check_digit(typo) != gs1_price_check_digit(value)


@given(
    item=st.text(alphabet="0123456789", min_size=5, max_size=5),
    grams=st.lists(st.integers(min_value=0, max_value=99_999), min_size=2, max_size=2),
)
def test_labels_of_one_item_share_a_lookup_key_that_is_itself_a_valid_gtin(
    item: str, grams: list[int]
) -> None:
    scans = [parse_scanned(with_check(f"21{item}{g:05d}")) for g in grams]

    keys = {scan.lookup_key for scan in scans}
    assert len(keys) == 1
    key = keys.pop()
    assert normalize_gtin(key) == key
    for scan, g in zip(scans, grams, strict=True):
        assert isinstance(scan, VariableMeasure)
        assert scan.value == Decimal(g) / 1000
        assert scan.item_code == item


@given(text=st.text(max_size=20))
def test_arbitrary_text_is_either_understood_or_a_barcode_error(text: str) -> None:
    try:
        scanned = parse_scanned(text)
    except BarcodeError:
        return
    assert scanned.lookup_key.isdigit()
