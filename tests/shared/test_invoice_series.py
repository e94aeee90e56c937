"""Invoice and credit-note numbering: GST's 16 characters, financial years, per-terminal series."""

from __future__ import annotations

import dataclasses
import string
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import GallaError, InvoiceNumberError
from shared.invoice_series import (
    MAX_INVOICE_NUMBER_LENGTH,
    FinancialYear,
    InvoiceNumber,
    InvoiceSeries,
    SeriesKind,
    financial_year,
    format_number,
    next_number,
    parse_invoice_number,
    validate_invoice_number,
)

FY2526 = FinancialYear(2025)


def series(
    store: str = "BLR1",
    terminal: str = "T1",
    kind: SeriesKind = SeriesKind.INVOICE,
    fy: FinancialYear = FY2526,
) -> InvoiceSeries:
    return InvoiceSeries(store_code=store, terminal_code=terminal, kind=kind, fy=fy)


# --------------------------------------------------------------------------- the GST rule


@pytest.mark.parametrize(
    "text", ["A", "INV-2025/0001", "a1b2c3d4e5f6g7h8", "BLR1T1/26/000123", "Z/-"]
)
def test_numbers_that_follow_the_gst_rule_are_returned_unchanged(text: str) -> None:
    assert validate_invoice_number(text) == text


def test_a_16_character_number_is_allowed() -> None:
    assert len(validate_invoice_number("A" * 16)) == MAX_INVOICE_NUMBER_LENGTH == 16


def test_a_17_character_number_is_rejected_with_its_length() -> None:
    with pytest.raises(InvoiceNumberError, match="is 17 characters long; GST allows at most 16"):
        validate_invoice_number("BLR1T1/26/0001234")


def test_a_very_long_number_is_cut_short_in_the_message() -> None:
    with pytest.raises(InvoiceNumberError) as caught:
        validate_invoice_number("A" * 1000)

    assert "1000 characters long" in str(caught.value)
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize(
    ("text", "char", "position"),
    [
        ("INV 001", " ", 4),
        ("INV#001", "#", 4),
        ("INV_001", "_", 4),
        ("INV.001", ".", 4),
        ("INV\\001", "\\", 4),
        ("INV:001", ":", 4),
        ("INV001\n", "\n", 7),
        ("INVé01", "é", 4),
        ("INV٣01", "٣", 4),
        ("İNV001", "İ", 1),
    ],
)
def test_each_character_gst_does_not_allow_is_named_with_its_position(
    text: str, char: str, position: int
) -> None:
    with pytest.raises(InvoiceNumberError, match=f"at position {position}") as caught:
        validate_invoice_number(text)

    assert repr(char) in str(caught.value)
    assert "only letters, digits, '/' and '-'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "first"), [("0001", "0"), ("/A1", "/"), ("-A1", "-"), ("9Z", "9")]
)
def test_a_number_must_start_with_a_letter(text: str, first: str) -> None:
    with pytest.raises(
        InvoiceNumberError, match=f"starts with {first!r}; it must start with a letter"
    ):
        validate_invoice_number(text)


def test_an_empty_number_is_rejected() -> None:
    with pytest.raises(InvoiceNumberError, match="empty"):
        validate_invoice_number("")


def test_invoice_number_errors_belong_to_the_shared_family() -> None:
    with pytest.raises(GallaError) as caught:
        validate_invoice_number("")

    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- financial years


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 4, 1), 2025),
        (date(2025, 3, 31), 2024),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
        (date(2024, 2, 29), 2023),
    ],
)
def test_the_financial_year_rolls_over_on_1_april(day: date, start_year: int) -> None:
    assert financial_year(day) == FinancialYear(start_year)


def test_a_datetime_is_read_as_its_date() -> None:
    assert financial_year(datetime(2026, 3, 31, 23, 59, 59)) == FinancialYear(2025)


def test_a_financial_year_knows_its_days_and_labels() -> None:
    assert FY2526.first_day == date(2025, 4, 1)
    assert FY2526.last_day == date(2026, 3, 31)
    assert FY2526.label == "2025-26"
    assert str(FY2526) == "2025-26"
    assert FY2526.token == "26"


def test_the_century_turn_is_labelled_with_two_digits() -> None:
    assert FinancialYear(2099).label == "2099-00"
    assert FinancialYear(2099).token == "00"


def test_a_financial_year_contains_exactly_its_own_days() -> None:
    assert FY2526.contains(date(2025, 4, 1))
    assert FY2526.contains(date(2026, 3, 31))
    assert not FY2526.contains(date(2025, 3, 31))
    assert not FY2526.contains(date(2026, 4, 1))


def test_financial_years_are_ordered() -> None:
    assert FinancialYear(2024) < FY2526 < FinancialYear(2026)


@pytest.mark.parametrize(("token", "start_year"), [("26", 2025), ("18", 2017), ("99", 2098)])
def test_a_token_reads_back_as_its_financial_year(token: str, start_year: int) -> None:
    assert FinancialYear.from_token(token) == FinancialYear(start_year)


@pytest.mark.parametrize("token", ["2", "026", "2a", "", "٢٦"])
def test_a_token_that_is_not_two_digits_is_rejected(token: str) -> None:
    with pytest.raises(InvoiceNumberError, match="two digits"):
        FinancialYear.from_token(token)


@pytest.mark.parametrize("year", [0, -1, 9999, True, "2025"])
def test_a_financial_year_needs_a_real_calendar_year(year: object) -> None:
    with pytest.raises(InvoiceNumberError, match="calendar year from 1 to 9998"):
        FinancialYear(year)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- series


def test_series_codes_are_upper_cased() -> None:
    made = series(store="blr1", terminal="t1")

    assert (made.store_code, made.terminal_code) == ("BLR1", "T1")
    assert made == series()


def test_a_kind_given_as_text_is_read_as_the_enum() -> None:
    made = series(kind="credit_note")  # type: ignore[arg-type]

    assert made.kind is SeriesKind.CREDIT_NOTE


def test_a_series_is_a_frozen_value() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        series().store_code = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("store", "message"),
    [
        ("", "store code is 1 to 4 characters; '' has 0"),
        ("BLR12", "store code is 1 to 4 characters; 'BLR12' has 5"),
        ("1BLR", "must start with a letter"),
        ("B-1", "contains '-'"),
        ("B/1", "contains '/'"),
        ("Bß", "contains 'ß'"),
        ("Bı", "contains 'ı'"),
    ],
)
def test_a_bad_store_code_is_refused(store: str, message: str) -> None:
    with pytest.raises(InvoiceNumberError, match=message):
        series(store=store)


@pytest.mark.parametrize(
    ("terminal", "message"),
    [
        ("1", "terminal code is exactly 2 characters; '1' has 1"),
        ("T01", "terminal code is exactly 2 characters; 'T01' has 3"),
        ("T ", "contains ' '"),
    ],
)
def test_a_bad_terminal_code_is_refused(terminal: str, message: str) -> None:
    with pytest.raises(InvoiceNumberError, match=message):
        series(terminal=terminal)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvoiceNumberError, match="'debit_note' is not invoice or credit_note"):
        series(kind="debit_note")  # type: ignore[arg-type]


@pytest.mark.parametrize("start_year", [2016, 2099, 1999])
def test_a_year_outside_the_gst_era_or_the_token_range_is_refused(start_year: int) -> None:
    with pytest.raises(InvoiceNumberError, match="outside what invoice numbers can carry"):
        series(fy=FinancialYear(start_year))


def test_each_kind_has_its_own_capacity() -> None:
    assert series().max_seq == 999_999
    assert series(kind=SeriesKind.CREDIT_NOTE).max_seq == 99_999


# --------------------------------------------------------------------------- formatting


def test_an_invoice_number_carries_store_terminal_year_and_six_digits() -> None:
    assert format_number(series(), 123) == "BLR1T1/26/000123"


def test_a_credit_note_number_is_visibly_a_different_series() -> None:
    invoice = format_number(series(), 7)
    credit = format_number(series(kind=SeriesKind.CREDIT_NOTE), 7)

    assert credit == "BLR1T1/26/C00007"
    assert credit != invoice
    assert parse_invoice_number(credit).series.kind is SeriesKind.CREDIT_NOTE


def test_the_longest_codes_and_the_last_sequence_still_fit_in_16_characters() -> None:
    longest = series(store="ABCD", terminal="99", fy=FinancialYear(2098))

    assert format_number(longest, longest.max_seq) == "ABCD99/99/999999"
    assert len(format_number(longest, longest.max_seq)) == 16
    credit = dataclasses.replace(longest, kind=SeriesKind.CREDIT_NOTE)
    assert len(format_number(credit, credit.max_seq)) == 16


@pytest.mark.parametrize("kind", list(SeriesKind))
def test_an_exhausted_series_raises_instead_of_overflowing(kind: SeriesKind) -> None:
    made = series(kind=kind)

    with pytest.raises(InvoiceNumberError, match="is exhausted"):
        format_number(made, made.max_seq + 1)


@pytest.mark.parametrize("seq", [0, -1])
def test_sequences_start_at_1(seq: int) -> None:
    with pytest.raises(InvoiceNumberError, match="start at 1"):
        format_number(series(), seq)


@pytest.mark.parametrize("seq", [True, 1.0, "1"])
def test_a_sequence_must_be_a_whole_number(seq: object) -> None:
    with pytest.raises(InvoiceNumberError, match="whole number"):
        format_number(series(), seq)  # type: ignore[arg-type]


def test_an_invoice_number_value_prints_itself() -> None:
    number = InvoiceNumber(series(), 42)

    assert number.text == str(number) == "BLR1T1/26/000042"
    assert number.fy == FY2526


# --------------------------------------------------------------------------- parsing


def test_a_number_parses_back_to_its_series_and_sequence() -> None:
    number = parse_invoice_number("BLR1T1/26/000123")

    assert number == InvoiceNumber(series(), 123)
    assert number.fy == FY2526


def test_a_one_letter_store_code_parses() -> None:
    assert parse_invoice_number("A01/26/C00001") == InvoiceNumber(
        series(store="A", terminal="01", kind=SeriesKind.CREDIT_NOTE), 1
    )


def test_lower_case_input_parses_to_the_upper_case_series() -> None:
    assert parse_invoice_number("blr1t1/26/c00007").series == series(kind=SeriesKind.CREDIT_NOTE)


def test_parsing_applies_the_gst_rule_first() -> None:
    with pytest.raises(InvoiceNumberError, match="17 characters long"):
        parse_invoice_number("BLR1T1/26/0001234")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("INV-2025-0001", "not a Galla invoice number \\(store"),
        ("BLR1T1-26-000123", "not a Galla invoice number \\(store"),
        ("BLR1T1/26", "not a Galla invoice number \\(store"),
        ("BLR1/26/00012/3", "not a Galla invoice number \\(store"),
        ("BLR1T1/26/00123", "sequence of an invoice is 6 digits"),
        ("BLRT1/26/C000123", "sequence of a credit note is 5 digits"),
        ("BLR1T1/26/0001A3", "sequence of an invoice is 6 digits"),
        ("BLR1T1/26/X00123", "sequence of an invoice is 6 digits"),
        ("T1/26/000123", "cannot hold a store code and a two-character terminal code"),
        ("BLR12T1/26/00012", "sequence of an invoice is 6 digits"),
        ("BLRT1/6/000012", "financial year in an invoice number is two digits"),
        ("BLRT1/2X/000012", "financial year in an invoice number is two digits"),
        ("BLRT1/05/000012", "2004-05 is outside"),
        ("BLR1T1/26/000000", "sequence 0; sequences start at 1"),
        ("BLR1T1/26/C00000", "sequence 0; sequences start at 1"),
    ],
)
def test_text_that_is_not_a_galla_number_is_refused_with_the_reason(
    text: str, message: str
) -> None:
    with pytest.raises(InvoiceNumberError, match=message):
        parse_invoice_number(text)


# --------------------------------------------------------------------------- next number


def test_the_next_number_in_the_same_year_follows_the_last() -> None:
    assert next_number(series(), 41, date(2025, 10, 2)) == InvoiceNumber(series(), 42)


def test_the_first_number_of_a_series_is_1() -> None:
    assert next_number(series(), 0, date(2025, 4, 1)).text == "BLR1T1/26/000001"


def test_31_march_continues_the_old_year_and_1_april_restarts_at_1() -> None:
    last_of_year = next_number(series(), 5000, date(2026, 3, 31))
    first_of_next = next_number(series(), 5001, date(2026, 4, 1))

    assert last_of_year.text == "BLR1T1/26/005001"
    assert first_of_next.text == "BLR1T1/27/000001"
    assert first_of_next.series == series(fy=FinancialYear(2026))


def test_a_till_left_off_for_years_restarts_in_the_current_year() -> None:
    number = next_number(series(), 9, date(2029, 7, 1))

    assert (number.fy, number.seq) == (FinancialYear(2029), 1)


def test_a_date_before_the_series_year_is_refused() -> None:
    with pytest.raises(
        InvoiceNumberError, match="2025-03-31 is in FY 2024-25, before the series' FY 2025-26"
    ):
        next_number(series(), 3, date(2025, 3, 31))


@pytest.mark.parametrize("last_seq", [-1, True, 1.5])
def test_the_last_sequence_must_be_a_whole_number_from_0(last_seq: object) -> None:
    with pytest.raises(InvoiceNumberError, match="whole number from 0"):
        next_number(series(), last_seq, date(2025, 5, 1))  # type: ignore[arg-type]


def test_the_next_number_after_the_last_possible_one_is_refused() -> None:
    with pytest.raises(InvoiceNumberError, match="exhausted"):
        next_number(series(), 999_999, date(2025, 5, 1))


def test_the_next_number_after_the_last_possible_one_is_fine_in_a_new_year() -> None:
    assert next_number(series(), 999_999, date(2026, 4, 1)).seq == 1


def test_invoice_and_credit_note_counters_are_independent() -> None:
    invoice = next_number(series(), 120, date(2025, 6, 1))
    credit = next_number(series(kind=SeriesKind.CREDIT_NOTE), 0, date(2025, 6, 1))

    assert (invoice.text, credit.text) == ("BLR1T1/26/000121", "BLR1T1/26/C00001")


# --------------------------------------------------------------------------- properties

code_chars = string.ascii_letters + string.digits
store_codes = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(string.ascii_letters),
    st.text(alphabet=code_chars, max_size=3),
)
terminal_codes = st.text(alphabet=code_chars, min_size=2, max_size=2)
years = st.integers(min_value=2017, max_value=2098).map(FinancialYear)
all_series = st.builds(
    InvoiceSeries, store_codes, terminal_codes, st.sampled_from(SeriesKind), years
)


@st.composite
def numbers(draw: st.DrawFn) -> InvoiceNumber:
    made = draw(all_series)
    return InvoiceNumber(made, draw(st.integers(min_value=1, max_value=made.max_seq)))


@given(number=numbers())
def test_formatted_numbers_always_follow_the_gst_rule_and_parse_back(number: InvoiceNumber) -> None:
    text = format_number(number.series, number.seq)

    assert len(text) <= MAX_INVOICE_NUMBER_LENGTH
    assert validate_invoice_number(text) == text
    assert parse_invoice_number(text) == number
    assert parse_invoice_number(text).fy == number.fy


@given(first=numbers(), second=numbers())
def test_different_numbers_never_print_the_same(
    first: InvoiceNumber, second: InvoiceNumber
) -> None:
    if first != second:
        assert first.text != second.text


@given(
    start=st.dates(min_value=date(2017, 4, 1), max_value=date(2060, 1, 1)),
    gaps=st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=60),
)
def test_a_till_issuing_day_after_day_never_repeats_a_number(start: date, gaps: list[int]) -> None:
    current = series(fy=financial_year(start))
    last_seq, day, issued = 0, start, []
    for gap in gaps:
        day += timedelta(days=gap)
        number = next_number(current, last_seq, day)
        issued.append(number.text)
        assert number.fy == financial_year(day)
        current, last_seq = number.series, number.seq

    assert len(set(issued)) == len(issued)


@given(day=st.dates(min_value=date(1, 4, 1), max_value=date(9998, 12, 31)))
def test_every_day_lies_inside_its_financial_year(day: date) -> None:
    year = financial_year(day)

    assert year.contains(day)
    assert year.first_day <= day <= year.last_day
