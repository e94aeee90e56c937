"""GSTIN validation: format, state code and the mod-36 check character."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import (
    GallaError,
    GstinChecksumError,
    GstinError,
    GstinFormatError,
    GstinStateCodeError,
)
from shared.gstin import (
    GSTIN_LENGTH,
    STATE_CODES,
    Gstin,
    GstinKind,
    gstin_check_character,
    state_name,
    validate_gstin,
)

# Real GSTINs published as examples, verified against the checksum in the team's reference.
KNOWN_VALID = ("27AAPFU0939F1ZV", "29AAACH7409R1ZX", "32AADCK5978M1Z0")
ALNUM = string.digits + string.ascii_uppercase


def with_check(first14: str) -> str:
    return first14 + gstin_check_character(first14)


# --------------------------------------------------------------------------- valid GSTINs


@pytest.mark.parametrize("text", KNOWN_VALID)
def test_published_gstins_are_valid(text: str) -> None:
    assert validate_gstin(text).value == text


def test_a_valid_gstin_exposes_its_state_pan_and_kind() -> None:
    gstin = validate_gstin("27AAPFU0939F1ZV")

    assert gstin == Gstin(
        value="27AAPFU0939F1ZV",
        state_code="27",
        state_name="Maharashtra",
        pan="AAPFU0939F",
        kind=GstinKind.REGULAR,
    )
    assert str(gstin) == "27AAPFU0939F1ZV"


def test_surrounding_whitespace_and_lower_case_are_normalised() -> None:
    assert validate_gstin("  29aaach7409r1zx\n").value == "29AAACH7409R1ZX"


def test_the_validated_value_is_frozen() -> None:
    gstin = validate_gstin(KNOWN_VALID[0])

    with pytest.raises(AttributeError):
        gstin.value = "x"  # type: ignore[misc]


@pytest.mark.parametrize("marker", ["Z", "1", "9", "A", "B", "E", "J"])
def test_a_regular_taxpayer_may_carry_any_marker_gstn_allows_at_position_14(marker: str) -> None:
    gstin = validate_gstin(with_check(f"27AAPFU0939F1{marker}"))

    assert gstin.kind is GstinKind.REGULAR


@pytest.mark.parametrize(
    ("first14", "kind", "pan"),
    [
        ("07AAACT1234F1C", GstinKind.TAX_COLLECTOR, "AAACT1234F"),
        ("07DELA12345B1D", GstinKind.TAX_DEDUCTOR, None),
        ("07AAACT1234F1D", GstinKind.TAX_DEDUCTOR, "AAACT1234F"),
        ("07DELH12345A1Z", GstinKind.GOVERNMENT, None),
        ("0717UNO00157UN", GstinKind.UN_BODY, None),
        ("0717USA00001ON", GstinKind.UN_BODY, None),
        ("0718USA00001NR", GstinKind.NON_RESIDENT, None),
        ("9917USA00029OS", GstinKind.OIDAR, None),
    ],
)
def test_special_registration_types_are_accepted_and_classified(
    first14: str, kind: GstinKind, pan: str | None
) -> None:
    gstin = validate_gstin(with_check(first14))

    assert gstin.kind is kind
    assert gstin.pan == pan


def test_an_oidar_gstin_belongs_to_the_centre_jurisdiction() -> None:
    assert validate_gstin(with_check("9917USA00029OS")).state_name == "Centre Jurisdiction"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("38", "Ladakh"),
        ("97", "Other Territory"),
        ("99", "Centre Jurisdiction"),
        ("37", "Andhra Pradesh"),
    ],
)
def test_newer_and_special_state_codes_are_accepted(code: str, name: str) -> None:
    gstin = validate_gstin(with_check(f"{code}AAPFU0939F1Z"))

    assert (gstin.state_code, gstin.state_name) == (code, name)


# --------------------------------------------------------------------------- state table


def test_the_state_table_holds_every_code_from_01_to_38_and_the_special_ones() -> None:
    expected = {f"{n:02d}" for n in range(1, 39)} | {"96", "97", "99"}

    assert set(STATE_CODES) == expected


def test_the_state_table_cannot_be_changed_at_runtime() -> None:
    with pytest.raises(TypeError):
        STATE_CODES["40"] = "Nowhere"  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("07", "Delhi"),
        (7, "Delhi"),
        (" 26 ", "Dadra and Nagar Haveli and Daman and Diu"),
        ("36", "Telangana"),
        ("37", "Andhra Pradesh"),
        ("38", "Ladakh"),
        ("96", "Other Countries"),
        ("97", "Other Territory"),
        ("99", "Centre Jurisdiction"),
    ],
)
def test_state_name_reads_the_table(code: str | int, name: str) -> None:
    assert state_name(code) == name


@pytest.mark.parametrize("code", ["00", "39", "98", "7", 0, 100, ""])
def test_state_name_of_an_unknown_code_is_a_state_code_error(code: str | int) -> None:
    with pytest.raises(GstinStateCodeError, match="not a GST state or union-territory code"):
        state_name(code)


# --------------------------------------------------------------------------- check character


@pytest.mark.parametrize("text", KNOWN_VALID)
def test_the_check_character_of_published_gstins_matches(text: str) -> None:
    assert gstin_check_character(text[:14]) == text[14]


def test_the_check_character_accepts_lower_case() -> None:
    assert gstin_check_character("27aapfu0939f1z") == "V"


@pytest.mark.parametrize("first14", ["27AAPFU0939F1", "27AAPFU0939F1ZV", "27AAPFU0939F1-", ""])
def test_the_check_character_needs_exactly_14_letters_and_digits(first14: str) -> None:
    with pytest.raises(GstinFormatError, match="14 letters and digits"):
        gstin_check_character(first14)


# --------------------------------------------------------------------------- format errors


@pytest.mark.parametrize(
    ("text", "length"),
    [("27AAPFU0939F1Z", 14), ("27AAPFU0939F1ZVX", 16), ("", 0), ("   ", 0)],
)
def test_a_gstin_of_the_wrong_length_is_a_format_error_giving_the_length(
    text: str, length: int
) -> None:
    with pytest.raises(GstinFormatError, match=f"15 characters; .* has {length}$"):
        validate_gstin(text)


def test_a_very_long_input_is_cut_short_in_the_message() -> None:
    with pytest.raises(GstinFormatError) as caught:
        validate_gstin("A" * 500)

    assert len(str(caught.value)) < 120
    assert "has 500" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "position", "char"),
    [
        ("27AAPFU0939F1Z#", 15, "#"),
        ("27AAPFU 939F1ZV", 8, " "),
        ("27AAPFU0939F-ZV", 13, "-"),
        # Non-ASCII letters that upper-case to ASCII ones must not sneak through.
        ("27AAPFU0939F1ZV".replace("A", "ı", 1), 3, "ı"),
        ("27AAPFU0939F1Zß", 15, "ß"),
        ("٢7AAPFU0939F1ZV", 1, "٢"),
    ],
)
def test_a_character_that_is_not_a_letter_or_digit_is_named_with_its_position(
    text: str, position: int, char: str
) -> None:
    with pytest.raises(GstinFormatError, match=f"character {position} of the GSTIN is") as caught:
        validate_gstin(text)

    assert repr(char) in str(caught.value)


@pytest.mark.parametrize("text", ["A7AAPFU0939F1ZV", "2AAAPFU0939F1ZV"])
def test_a_gstin_must_start_with_two_digits(text: str) -> None:
    with pytest.raises(GstinFormatError, match="starts with the two-digit state code"):
        validate_gstin(text)


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("271APFU0939F1ZV", 3, "a letter"),
        ("27AAPFU09Z9F1ZV", 10, "a digit"),
        ("27AAPFU093991ZV", 12, "a letter"),
    ],
)
def test_a_broken_pan_part_names_the_position_and_what_belongs_there(
    text: str, position: int, expected: str
) -> None:
    with pytest.raises(GstinFormatError) as caught:
        validate_gstin(text)

    message = str(caught.value)
    assert f"character {position} of GSTIN" in message
    assert f"should be {expected}" in message
    assert "PAN" in message


def test_entity_number_zero_is_a_format_error() -> None:
    with pytest.raises(GstinFormatError, match=r"character 13 .* '0' .*entity number"):
        validate_gstin("27AAPFU0939F0ZV")


@pytest.mark.parametrize("marker", ["X", "K", "Y", "0"])
def test_an_unknown_registration_type_marker_at_position_14_is_a_format_error(marker: str) -> None:
    with pytest.raises(GstinFormatError, match=r"character 14 .*registration-type marker"):
        validate_gstin(f"27AAPFU0939F1{marker}V")


def test_a_mistyped_un_body_uin_is_explained_as_a_uin() -> None:
    with pytest.raises(GstinFormatError, match=r"character 12 .*for a UN body"):
        validate_gstin("0717UNO0015XUNO")


def test_a_mistyped_tax_deductor_gstin_is_explained_as_a_tds_registration() -> None:
    with pytest.raises(GstinFormatError, match=r"character 8 .*for a tax deductor"):
        validate_gstin("07DELA1X345B1DV")


def test_an_oidar_gstin_outside_state_99_is_a_format_error() -> None:
    with pytest.raises(GstinFormatError, match="always registered under state code 99, not 07"):
        validate_gstin(with_check("0717USA00029OS"))


def test_format_is_checked_before_the_state_code() -> None:
    with pytest.raises(GstinFormatError):
        validate_gstin("00AAPFU09Z9F1ZV")


# --------------------------------------------------------------------------- state code errors


@pytest.mark.parametrize("code", ["00", "39", "40", "95", "98"])
def test_an_unknown_state_code_is_a_state_code_error(code: str) -> None:
    text = with_check(f"{code}AAPFU0939F1Z")

    with pytest.raises(GstinStateCodeError, match=f"unknown state code: {code} is not"):
        validate_gstin(text)


def test_96_other_countries_is_never_the_start_of_a_gstin() -> None:
    with pytest.raises(GstinStateCodeError, match="96 \\(Other Countries\\) is a place-of-supply"):
        validate_gstin(with_check("96AAPFU0939F1Z"))


def test_the_state_code_is_checked_before_the_checksum() -> None:
    with pytest.raises(GstinStateCodeError):
        validate_gstin("00AAPFU0939F1ZV")


# --------------------------------------------------------------------------- checksum errors


def test_a_wrong_check_character_is_a_checksum_error_naming_the_expected_one() -> None:
    with pytest.raises(GstinChecksumError, match="15th character should be 'V', not 'W'"):
        validate_gstin("27AAPFU0939F1ZW")


def test_a_mistyped_pan_letter_is_caught_by_the_checksum() -> None:
    with pytest.raises(GstinChecksumError):
        validate_gstin("27AAPFV0939F1ZV")


# --------------------------------------------------------------------------- error family


@pytest.mark.parametrize(
    ("text", "error", "reason"),
    [
        ("27AAPFU0939F1Z", GstinFormatError, "format"),
        ("00AAPFU0939F1ZV", GstinStateCodeError, "state_code"),
        ("27AAPFU0939F1ZW", GstinChecksumError, "checksum"),
    ],
)
def test_every_failure_says_which_rule_failed_and_keeps_the_input(
    text: str, error: type[GstinError], reason: str
) -> None:
    with pytest.raises(error) as caught:
        validate_gstin(text)

    assert caught.value.reason == reason
    assert caught.value.gstin == text
    assert isinstance(caught.value, GstinError)
    assert isinstance(caught.value, GallaError)
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- properties

GSTIN_STATE_CODES = sorted(set(STATE_CODES) - {"96"})
letters = st.sampled_from(string.ascii_uppercase)
digits = st.sampled_from(string.digits)


@st.composite
def regular_bodies(draw: st.DrawFn) -> str:
    """The first 14 characters of a well-formed regular-taxpayer GSTIN."""
    state = draw(st.sampled_from(GSTIN_STATE_CODES))
    pan = "".join(draw(st.lists(letters, min_size=5, max_size=5)))
    pan += "".join(draw(st.lists(digits, min_size=4, max_size=4))) + draw(letters)
    entity = draw(st.sampled_from(ALNUM[1:]))
    marker = draw(st.sampled_from("Z123456789ABDEFGHIJ"))
    return state + pan + entity + marker


@given(body=regular_bodies())
def test_any_well_formed_body_with_its_computed_check_character_validates(body: str) -> None:
    gstin = validate_gstin(with_check(body))

    assert gstin.value[:14] == body
    assert gstin.pan == body[2:12]
    assert len(gstin.value) == GSTIN_LENGTH


@given(body=regular_bodies(), other=st.sampled_from(ALNUM))
def test_any_other_15th_character_fails_the_checksum(body: str, other: str) -> None:
    correct = gstin_check_character(body)
    if other == correct:
        other = ALNUM[(ALNUM.index(correct) + 1) % len(ALNUM)]

    with pytest.raises(GstinChecksumError):
        validate_gstin(body + other)


@given(
    body=regular_bodies(),
    position=st.integers(min_value=0, max_value=13),
    replacement=st.sampled_from(ALNUM),
)
def test_a_single_mistyped_character_never_validates(
    body: str, position: int, replacement: str
) -> None:
    text = with_check(body)
    if text[position] == replacement:
        replacement = ALNUM[(ALNUM.index(replacement) + 1) % len(ALNUM)]
    typo = text[:position] + replacement + text[position + 1 :]

    with pytest.raises(GstinError):
        validate_gstin(typo)


@given(body=regular_bodies())
def test_the_check_character_is_always_one_of_0_to_9_and_a_to_z(body: str) -> None:
    assert gstin_check_character(body) in ALNUM


@given(text=st.text(max_size=30))
def test_arbitrary_text_either_validates_or_raises_a_gstin_error(text: str) -> None:
    try:
        gstin = validate_gstin(text)
    except GstinError:
        return
    assert gstin.value == text.strip().upper()


# --------------------------------------------------------------------------- not stricter than GSTN


@pytest.mark.parametrize(("code", "words"), [("25", "Daman and Diu"), ("28", "Andhra Pradesh")])
def test_gstins_issued_under_retired_state_codes_still_validate(code: str, words: str) -> None:
    gstin = validate_gstin(with_check(f"{code}AAPFU0939F1Z"))

    assert words in gstin.state_name


def test_a_mistyped_tax_collector_gstin_is_explained_as_a_tcs_registration() -> None:
    with pytest.raises(GstinFormatError, match=r"character 13 .*entity number .*tax collector"):
        validate_gstin("07AAACT1234F0CV")


def test_a_special_registration_is_normalised_like_any_other() -> None:
    text = with_check("0717UNO00157UN")

    gstin = validate_gstin(f"\t{text.lower()} ")

    assert (gstin.value, gstin.kind, gstin.state_name) == (text, GstinKind.UN_BODY, "Delhi")
