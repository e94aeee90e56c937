"""Invoice and credit-note numbering under GST (CGST Rule 46(b) and Rule 53).

GST wants each number to be at most 16 characters of ``A-Z a-z 0-9 / -``, consecutive within a
series, and unique per GSTIN per financial year (1 April to 31 March); Galla also requires it
to start with a letter, as the e-invoice portal does. Every terminal owns its own series, so
an offline till never needs the server to get a number and two tills never collide.

**Format.** Sixteen characters leave no room for separators between four variable fields,
so the terminal code has a fixed width of two and the financial year is written as its two
closing digits, the "FY26" shorthand Indian accounts use for 1 April 2025 - 31 March 2026::

    BLR1T1/26/000123      invoice 123 of store BLR1, terminal T1, FY 2025-26
    BLR1T1/26/C00007      credit note 7 of the same terminal and year
    └──┘└┘ └┘ └────┘
    store  FY  sequence (credit notes: 'C' and five digits)
       terminal

=================  ==================================================  ===================
part               rule                                                width
=================  ==================================================  ===================
store code         letters and digits, starting with a letter          1-4
terminal code      letters and digits                                  exactly 2
financial year     the last two digits of the year it ends in          2
sequence           invoices: six digits; credit notes: ``C`` + five    6
=================  ==================================================  ===================

The longest number is therefore 4 + 2 + 1 + 2 + 1 + 6 = 16 characters. A terminal can issue
at most 999,999 invoices and 99,999 credit notes in one financial year; the next one raises
:class:`~shared.errors.InvoiceNumberError` instead of overflowing or wrapping. Letters are
upper-cased, so ``blr1`` and ``BLR1`` can never be two different series.

A new financial year restarts each series at 1; the year is part of the number, so a
number is never issued twice. Cancelled numbers stay used (they are reported in GSTR-1
Table 13); that bookkeeping belongs to the till, which only asks :func:`next_number` for
the number after the last one it reserved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Final

from shared.errors import InvoiceNumberError

__all__ = (
    "MAX_INVOICE_NUMBER_LENGTH",
    "FinancialYear",
    "InvoiceNumber",
    "InvoiceSeries",
    "SeriesKind",
    "financial_year",
    "format_number",
    "next_number",
    "parse_invoice_number",
    "validate_invoice_number",
)

MAX_INVOICE_NUMBER_LENGTH: Final = 16
"""CGST Rule 46(b): a serial number has at most 16 characters."""

_UPPER: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS: Final = frozenset(_UPPER + _UPPER.lower())
_DIGITS: Final = frozenset("0123456789")
_NUMBER_CHARS: Final = _LETTERS | _DIGITS | frozenset("/-")

_MAX_STORE_CODE: Final = 4
_TERMINAL_CODE: Final = 2
# GST began on 1 July 2017, inside FY 2017-18; a two-digit year token is unambiguous until
# FY 2098-99 closes.
_FIRST_GST_YEAR: Final = 2017
_LAST_TOKEN_YEAR: Final = 2098
_CREDIT_NOTE_MARK: Final = "C"
_SHOWN_MAX: Final = 32


@dataclass(frozen=True, slots=True, order=True)
class FinancialYear:
    """An Indian financial year, 1 April of ``start_year`` to 31 March of the next year.

    Attributes:
        start_year: the calendar year in which the financial year begins.
    """

    start_year: int

    def __post_init__(self) -> None:
        year = self.start_year
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998:
            raise InvoiceNumberError(
                f"a financial year starts in a calendar year from 1 to 9998; got {year!r}"
            )

    @property
    def first_day(self) -> date:
        """1 April that opens the year."""
        return date(self.start_year, 4, 1)

    @property
    def last_day(self) -> date:
        """31 March that closes the year."""
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        """The year as reports print it, for example ``"2025-26"``."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def token(self) -> str:
        """The two digits invoice numbers carry: the closing year, ``"26"`` for 2025-26."""
        return f"{(self.start_year + 1) % 100:02d}"

    def contains(self, day: date) -> bool:
        """Tell whether ``day`` falls inside this financial year."""
        return self.first_day <= day <= self.last_day

    @classmethod
    def from_token(cls, token: str) -> FinancialYear:
        """Read the two-digit token of an invoice number (``"26"`` is FY 2025-26).

        Raises:
            InvoiceNumberError: the token is not two digits.
        """
        if len(token) != 2 or not set(token) <= _DIGITS:
            raise InvoiceNumberError(
                f"the financial year in an invoice number is two digits; got {token!r}"
            )
        return cls(2000 + int(token) - 1)

    def __str__(self) -> str:
        return self.label


def financial_year(day: date) -> FinancialYear:
    """Return the financial year a day belongs to (the year rolls over on 1 April).

    Args:
        day: the invoice date (a ``datetime`` is read as its date).

    Returns:
        31 March 2026 is in FY 2025-26; 1 April 2026 is in FY 2026-27.
    """
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


class SeriesKind(StrEnum):
    """Which document a series numbers; each kind has its own series and counter."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


_KIND_NOUNS: Final = {SeriesKind.INVOICE: "an invoice", SeriesKind.CREDIT_NOTE: "a credit note"}


def _check_code(value: str, what: str, lengths: range) -> str:
    if len(value) not in lengths:
        width = (
            f"exactly {lengths.start}"
            if len(lengths) == 1
            else f"{lengths.start} to {lengths.stop - 1}"
        )
        raise InvoiceNumberError(f"a {what} is {width} characters; {value!r} has {len(value)}")
    for char in value:
        # Checked before upper-casing: 'ß' and 'ı' upper-case to ASCII letters.
        if char not in _LETTERS and char not in _DIGITS:
            raise InvoiceNumberError(
                f"{what} {value!r} contains {char!r}; only letters A-Z and digits are allowed"
            )
    return value.upper()


@dataclass(frozen=True, slots=True)
class InvoiceSeries:
    """One terminal's series of one document kind in one financial year.

    Codes are upper-cased on construction.

    Attributes:
        store_code: 1-4 letters or digits, starting with a letter (so numbers do too).
        terminal_code: exactly 2 letters or digits, unique within the store.
        kind: invoices or credit notes.
        fy: the financial year the series numbers.

    Raises:
        InvoiceNumberError: on construction, when a code breaks its rule or the year is
            outside FY 2017-18 to FY 2098-99.
    """

    store_code: str
    terminal_code: str
    kind: SeriesKind
    fy: FinancialYear

    def __post_init__(self) -> None:
        store = _check_code(self.store_code, "store code", range(1, _MAX_STORE_CODE + 1))
        if store[0] not in _LETTERS:
            raise InvoiceNumberError(
                f"store code {self.store_code!r} must start with a letter, because GST "
                "invoice numbers here start with the store code and must start with a letter"
            )
        terminal = _check_code(
            self.terminal_code, "terminal code", range(_TERMINAL_CODE, _TERMINAL_CODE + 1)
        )
        try:
            kind = SeriesKind(self.kind)
        except ValueError:
            raise InvoiceNumberError(
                f"series kind {self.kind!r} is not invoice or credit_note"
            ) from None
        if not _FIRST_GST_YEAR <= self.fy.start_year <= _LAST_TOKEN_YEAR:
            raise InvoiceNumberError(
                f"financial year {self.fy.label} is outside what invoice numbers can carry "
                f"({FinancialYear(_FIRST_GST_YEAR).label} to "
                f"{FinancialYear(_LAST_TOKEN_YEAR).label})"
            )
        # A frozen dataclass can only normalise its fields through object.__setattr__.
        object.__setattr__(self, "store_code", store)
        object.__setattr__(self, "terminal_code", terminal)
        object.__setattr__(self, "kind", kind)

    @property
    def max_seq(self) -> int:
        """The last sequence number this series can issue in its year."""
        return 99_999 if self.kind is SeriesKind.CREDIT_NOTE else 999_999

    @property
    def prefix(self) -> str:
        """Everything before the sequence digits, for example ``"BLR1T1/26/"``."""
        mark = _CREDIT_NOTE_MARK if self.kind is SeriesKind.CREDIT_NOTE else ""
        return f"{self.store_code}{self.terminal_code}/{self.fy.token}/{mark}"


@dataclass(frozen=True, slots=True)
class InvoiceNumber:
    """One issued number: a series and a sequence in it.

    Attributes:
        series: the series (which carries the financial year).
        seq: the sequence number, from 1.
    """

    series: InvoiceSeries
    seq: int

    @property
    def fy(self) -> FinancialYear:
        """The financial year of the number."""
        return self.series.fy

    @property
    def text(self) -> str:
        """The number as printed, for example ``"BLR1T1/26/000123"``."""
        return format_number(self.series, self.seq)

    def __str__(self) -> str:
        return self.text


def format_number(series: InvoiceSeries, seq: int) -> str:
    """Write the number ``seq`` of a series.

    Args:
        series: the series.
        seq: 1 to ``series.max_seq``.

    Returns:
        At most 16 characters, for example ``"BLR1T1/26/000123"``.

    Raises:
        InvoiceNumberError: ``seq`` is below 1 or beyond what the series can carry.
    """
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InvoiceNumberError(f"a sequence number is a whole number; got {seq!r}")
    if seq < 1:
        raise InvoiceNumberError(f"sequence numbers start at 1; got {seq}")
    if seq > series.max_seq:
        raise InvoiceNumberError(
            f"the series {series.prefix} is exhausted: "
            f"it holds {series.max_seq:,} numbers per financial year; open a new terminal "
            "code for this till"
        )
    width = len(str(series.max_seq))
    return f"{series.prefix}{seq:0{width}d}"


def validate_invoice_number(text: str) -> str:
    """Check any invoice or credit-note number against the GST rules.

    This is the general rule, for numbers from any system (for example the original invoice
    a credit note refers to); :func:`parse_invoice_number` also checks Galla's layout.

    Args:
        text: the number exactly as it will be printed.

    Returns:
        ``text`` unchanged.

    Raises:
        InvoiceNumberError: empty, longer than 16 characters (the message gives the length),
            a character other than letters, digits, ``/`` and ``-`` (the message names it and
            its position), or a first character that is not a letter.
    """
    if not text:
        raise InvoiceNumberError("the invoice number is empty")
    shown = f"{text[:_SHOWN_MAX]!r}..." if len(text) > _SHOWN_MAX else repr(text)
    if len(text) > MAX_INVOICE_NUMBER_LENGTH:
        raise InvoiceNumberError(
            f"invoice number {shown} is {len(text)} characters long; GST allows at most "
            f"{MAX_INVOICE_NUMBER_LENGTH}"
        )
    for position, char in enumerate(text, start=1):
        if char not in _NUMBER_CHARS:
            raise InvoiceNumberError(
                f"invoice number {shown} has {char!r} at position {position}; only letters, "
                "digits, '/' and '-' are allowed"
            )
    if text[0] not in _LETTERS:
        raise InvoiceNumberError(
            f"invoice number {shown} starts with {text[0]!r}; it must start with a letter"
        )
    return text


def parse_invoice_number(text: str) -> InvoiceNumber:
    """Read a number that :func:`format_number` wrote back into its series and sequence.

    Letters may be in either case (series codes are upper case).

    Args:
        text: a number such as ``"BLR1T1/26/000123"`` or ``"BLR1T1/26/C00007"``.

    Returns:
        The series (store, terminal, kind, financial year) and the sequence.

    Raises:
        InvoiceNumberError: the text breaks a GST rule (see :func:`validate_invoice_number`)
            or is not laid out as Galla numbers are.
    """
    validate_invoice_number(text)
    parts = text.upper().split("/")
    layout = "store+terminal/FY/sequence, like BLR1T1/26/000123 or BLR1T1/26/C00007"
    if len(parts) != 3 or "-" in text:
        raise InvoiceNumberError(f"{text!r} is not a Galla invoice number ({layout})")
    head, token, tail = parts
    if tail.startswith(_CREDIT_NOTE_MARK):
        kind, digits = SeriesKind.CREDIT_NOTE, tail[1:]
    else:
        kind, digits = SeriesKind.INVOICE, tail
    width = 5 if kind is SeriesKind.CREDIT_NOTE else 6
    if len(digits) != width or not set(digits) <= _DIGITS:
        raise InvoiceNumberError(
            f"{text!r} is not a Galla invoice number: the sequence of "
            f"{_KIND_NOUNS[kind]} is {width} digits ({layout})"
        )
    if len(head) <= _TERMINAL_CODE:
        raise InvoiceNumberError(
            f"{text!r} is not a Galla invoice number: {head!r} cannot hold a store code and a "
            f"two-character terminal code ({layout})"
        )
    try:
        series = InvoiceSeries(
            store_code=head[:-_TERMINAL_CODE],
            terminal_code=head[-_TERMINAL_CODE:],
            kind=kind,
            fy=FinancialYear.from_token(token),
        )
    except InvoiceNumberError as error:
        raise InvoiceNumberError(f"{text!r} is not a Galla invoice number: {error}") from None
    seq = int(digits)
    if seq < 1:
        raise InvoiceNumberError(f"{text!r} has sequence 0; sequences start at 1")
    return InvoiceNumber(series, seq)


def next_number(series: InvoiceSeries, last_seq: int, on: date) -> InvoiceNumber:
    """Return the number to issue next for a document dated ``on``.

    Args:
        series: the series of the last number issued (or of the first, if none was).
        last_seq: the sequence of the last number issued in ``series``, 0 when none.
        on: the date of the new document, from the till's injected clock.

    Returns:
        ``last_seq + 1`` in ``series`` when ``on`` is in the series' financial year, or
        number 1 of the same store, terminal and kind in the financial year of ``on``.

    Raises:
        InvoiceNumberError: ``last_seq`` is negative; ``on`` is before the series' year (a
            clock set back must not reopen a closed year); or the series is exhausted.
    """
    if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
        raise InvoiceNumberError(
            f"the last sequence issued is a whole number from 0; got {last_seq!r}"
        )
    year = financial_year(on)
    if year < series.fy:
        raise InvoiceNumberError(
            f"the document date {on.isoformat()} is in FY {year.label}, before the series' "
            f"FY {series.fy.label}; check the till's date"
        )
    if year > series.fy:
        series, last_seq = replace(series, fy=year), 0
    format_number(series, last_seq + 1)
    return InvoiceNumber(series, last_seq + 1)
