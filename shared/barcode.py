"""Retail barcodes: GS1 check digits, canonical GTINs and variable-measure codes.

**Canonical GTIN.** The catalog is keyed by one form per product, whatever the scanner sent:
EAN-13 stays 13 digits, UPC-A (12) gains a leading ``0`` (it *is* that EAN-13), EAN-8 stays 8
digits, and a GTIN-14 loses its leading ``0`` when its packaging indicator is 0 (it is then
the EAN-13 of the item itself; ``000000`` + EAN-8 becomes the EAN-8). A GTIN-14 with indicator
1-9 names a case or an outer pack and stays 14 digits. UPC-E (zero-suppressed UPC-A) is not
expanded here: scanners are expected to transmit it expanded to UPC-A.

**Variable-measure codes.** GS1 leaves EAN-13 prefixes 20-29 (and ``02``, UPC-A number system
2 written as EAN-13) to each country or retailer, and label scales print the weight or the
price inside the code. How the 13 digits are laid out is configured by a
:class:`VariableMeasureNomenclature`: for each prefix, a :class:`VariableMeasureRule` with a
13-letter layout such as ``PPIIIIIVVVVVC``:

=======  =====================================================================
letter   meaning
=======  =====================================================================
``P``    the two-digit prefix (positions 1-2)
``I``    the item code (one run), which the scale's PLU is printed as
``V``    the value (one run): grams, paise or a count, per :class:`MeasureKind`
``X``    optional price/weight verifier over a 4- or 5-digit value (GS1 GenSpecs 7.9.3/7.9.4)
``C``    the ordinary GS1 check digit (position 13)
=======  =====================================================================

The catalog keys such an item by its *lookup key*: the code with the value (and verifier)
zeroed and the check digit recomputed, the way Odoo and most retail systems store it; for
``2112345015002`` (item 12345, 1.500 kg) that is ``2112345000008``.

**Default nomenclature** (:data:`DEFAULT_NOMENCLATURE`), compatible with Odoo's default
patterns and with the common label-scale print format "flag, 5-digit PLU, 5-digit value":

* ``21`` ``PPIIIIIVVVVVC`` weight in grams (``2112345015002`` is 1.500 kg of item 12345);
* ``23`` ``PPIIIIIVVVVVC`` price in paise (``2305000123451`` is Rs 123.45 of item 05000).

Prefixes without a rule (20, 22, 24-29 by default) are plain in-store codes looked up as they
are. Stores whose scales print another format configure their own rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeAlias

from shared.errors import BarcodeCheckDigitError, BarcodeFormatError, VariableMeasureError

__all__ = (
    "DEFAULT_NOMENCLATURE",
    "MeasureKind",
    "PlainGtin",
    "Scanned",
    "VariableMeasure",
    "VariableMeasureNomenclature",
    "VariableMeasureRule",
    "gs1_check_digit",
    "gs1_price_check_digit",
    "normalize_gtin",
    "parse_scanned",
)

_DIGITS: Final = frozenset("0123456789")
_SYMBOLOGY_BY_LENGTH: Final = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
_SHOWN_MAX: Final = 32

# GS1 General Specifications 7.9.2: per-digit products for the verifier weighting factors.
# "2-": double, then units minus tens; "3": triple, units; "5+": units plus tens;
# "5-": units minus tens (all modulo 10).
_TWO_MINUS: Final = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_THREE: Final = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_FIVE_PLUS: Final = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_FIVE_MINUS: Final = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)

_RCN_PREFIXES: Final = frozenset({"02", *(str(p) for p in range(20, 30))})
_LAYOUT_LENGTH: Final = 13


def _shown(code: str) -> str:
    """Quote a code for a message, cut short so a pasted essay cannot flood a dialog."""
    if len(code) > _SHOWN_MAX:
        return f"{code[:_SHOWN_MAX]!r}..."
    return repr(code)


def _require_digits(code: str, what: str) -> None:
    for position, char in enumerate(code, start=1):
        if char not in _DIGITS:
            raise BarcodeFormatError(
                f"{what} {_shown(code)} has {char!r} at position {position}; "
                "EAN, UPC and GTIN codes are digits only"
            )


def gs1_check_digit(digits_without_check: str) -> int:
    """Compute the GS1 mod-10 check digit for the digits that precede it.

    From the rightmost digit leftwards the weights are 3, 1, 3, 1, ...; the check digit
    brings the weighted sum up to a multiple of 10. The same rule serves GTIN-8, -12, -13,
    -14 and SSCC-18.

    Args:
        digits_without_check: the code without its last (check) digit.

    Returns:
        The check digit, 0-9.

    Raises:
        BarcodeFormatError: empty, or not all ASCII digits.
    """
    if not digits_without_check:
        raise BarcodeFormatError("a check digit needs at least one digit to check")
    _require_digits(digits_without_check, "the digits")
    total = sum(
        int(char) * (3 if index % 2 == 0 else 1)
        for index, char in enumerate(reversed(digits_without_check))
    )
    return (10 - total % 10) % 10


def gs1_price_check_digit(value: str) -> int:
    """Compute the GS1 verifier digit of a 4- or 5-digit price or weight field.

    GS1 General Specifications 7.9.3 (four digits: weights 2-, 2-, 3, 5-; the sum times 3,
    units digit) and 7.9.4 (five digits: weights 5+, 2-, 5-, 5+, 2-; the digit whose "5-"
    product brings the sum to a multiple of 10). GS1's own examples: ``2875`` gives 9 and
    ``14685`` gives 6.

    Args:
        value: the four or five digits of the embedded value.

    Returns:
        The verifier digit, 0-9.

    Raises:
        BarcodeFormatError: not four or five ASCII digits.
    """
    _require_digits(value, "the embedded value")
    digits = [int(char) for char in value]
    if len(digits) == 4:
        total = _TWO_MINUS[digits[0]] + _TWO_MINUS[digits[1]] + _THREE[digits[2]]
        total += _FIVE_MINUS[digits[3]]
        return total * 3 % 10
    if len(digits) == 5:
        total = _FIVE_PLUS[digits[0]] + _TWO_MINUS[digits[1]] + _FIVE_MINUS[digits[2]]
        total += _FIVE_PLUS[digits[3]] + _TWO_MINUS[digits[4]]
        return _FIVE_MINUS.index((10 - total % 10) % 10)
    raise BarcodeFormatError(
        f"a price/weight verifier covers 4 or 5 digits; {_shown(value)} has {len(digits)}"
    )


def normalize_gtin(code: str) -> str:
    """Validate a scanned or typed EAN-13, EAN-8, UPC-A or GTIN-14 and return its catalog key.

    Surrounding whitespace (a scanner's trailing newline) is ignored.

    Args:
        code: the digits as read.

    Returns:
        The canonical form described in the module docstring: UPC-A becomes EAN-13, a
        GTIN-14 with packaging indicator 0 becomes EAN-13 (or EAN-8), the rest is unchanged.

    Raises:
        BarcodeFormatError: a character that is not a digit, or a length that is not 8, 12,
            13 or 14.
        BarcodeCheckDigitError: the last digit is not the GS1 check digit; the message names
            the symbology and the expected and given digits.
    """
    text = code.strip()
    if not text:
        raise BarcodeFormatError("the barcode is empty")
    _require_digits(text, "barcode")
    symbology = _SYMBOLOGY_BY_LENGTH.get(len(text))
    if symbology is None:
        raise BarcodeFormatError(
            f"barcode {_shown(text)} has {len(text)} digits; EAN-8 has 8, UPC-A 12, "
            "EAN-13 13 and GTIN-14 14"
        )
    expected = gs1_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise BarcodeCheckDigitError(
            f"{symbology} {text} has check digit {text[-1]}, but its other digits need "
            f"{expected}: the code was misread or mistyped"
        )
    # Leading zeros do not change a GS1 check digit (weights run from the right), so the
    # shortened forms below stay valid.
    if len(text) == 12:
        return "0" + text
    if len(text) == 14 and text.startswith("000000"):
        return text[6:]
    if len(text) == 14 and text.startswith("0"):
        return text[1:]
    return text


class MeasureKind(StrEnum):
    """What the value embedded in a variable-measure code counts."""

    WEIGHT = "weight"
    """Grams in the code; :attr:`VariableMeasure.value` is a ``Decimal`` of kilograms."""
    PRICE = "price"
    """Paise in the code; :attr:`VariableMeasure.value` is an ``int`` of paise."""
    QUANTITY = "quantity"
    """A count of units; :attr:`VariableMeasure.value` is an ``int``."""


def _single_run(layout: str, letter: str) -> tuple[int, int] | None:
    """Return the (start, stop) of the one run of ``letter`` in ``layout``, if any."""
    if letter not in layout:
        return None
    start, stop = layout.index(letter), layout.rindex(letter) + 1
    if layout[start:stop] != letter * (stop - start):
        raise VariableMeasureError(
            f"variable-measure layout {layout!r} splits its {letter!r} digits; they must be one run"
        )
    return start, stop


@dataclass(frozen=True, slots=True)
class VariableMeasureRule:
    """How the 13 digits of a variable-measure code are laid out for some prefixes.

    Attributes:
        prefixes: the two-digit prefixes this rule reads, each one of 20-29 (or ``02``,
            UPC-A number system 2 in EAN-13 form), for example ``("21",)``.
        layout: 13 letters, see the module docstring, for example ``"PPIIIIIVVVVVC"``.
        kind: whether the value is a weight, a price or a quantity.

    Raises:
        VariableMeasureError: on construction, when a prefix or the layout is unusable.
    """

    prefixes: tuple[str, ...]
    layout: str
    kind: MeasureKind

    def __post_init__(self) -> None:
        # A lone "21" would otherwise be read as the prefixes "2" and "1".
        prefixes = (self.prefixes,) if isinstance(self.prefixes, str) else tuple(self.prefixes)
        object.__setattr__(self, "prefixes", prefixes)
        if not prefixes:
            raise VariableMeasureError("a variable-measure rule needs at least one prefix")
        for prefix in prefixes:
            if prefix not in _RCN_PREFIXES:
                raise VariableMeasureError(
                    f"{prefix!r} is not a variable-measure prefix; GS1 reserves 20-29 "
                    "(and 02 for UPC-A number system 2)"
                )
        layout = self.layout
        if len(layout) != _LAYOUT_LENGTH or not layout.startswith("PP") or layout[-1] != "C":
            raise VariableMeasureError(
                f"variable-measure layout {layout!r} must be 13 letters, starting 'PP' "
                "(the prefix) and ending 'C' (the check digit)"
            )
        middle = layout[2:-1]
        if not set(middle) <= set("IVX"):
            raise VariableMeasureError(
                f"variable-measure layout {layout!r} may use only I (item), V (value) and "
                "X (verifier) between the prefix and the check digit"
            )
        if _single_run(layout, "I") is None or (value := _single_run(layout, "V")) is None:
            raise VariableMeasureError(
                f"variable-measure layout {layout!r} needs item (I) and value (V) digits"
            )
        verifiers = layout.count("X")
        if verifiers > 1 or (verifiers == 1 and value[1] - value[0] not in (4, 5)):
            raise VariableMeasureError(
                f"variable-measure layout {layout!r}: a verifier (X) is one digit, and GS1 "
                "defines it only over a 4- or 5-digit value"
            )
        try:
            # Configuration read from TOML names the kind as text.
            object.__setattr__(self, "kind", MeasureKind(self.kind))
        except ValueError:
            raise VariableMeasureError(
                f"variable-measure kind {self.kind!r} is not one of "
                f"{', '.join(k.value for k in MeasureKind)}"
            ) from None

    @property
    def item_slice(self) -> slice:
        """Where the item code sits in the 13 digits."""
        return slice(self.layout.index("I"), self.layout.rindex("I") + 1)

    @property
    def value_slice(self) -> slice:
        """Where the embedded value sits in the 13 digits."""
        return slice(self.layout.index("V"), self.layout.rindex("V") + 1)

    @property
    def verifier_index(self) -> int | None:
        """Where the price/weight verifier digit sits, or ``None`` without one."""
        return self.layout.index("X") if "X" in self.layout else None


@dataclass(frozen=True, slots=True)
class VariableMeasureNomenclature:
    """The variable-measure rules one company's scales print, at most one per prefix.

    Attributes:
        rules: the rules; no prefix may appear in two of them.

    Raises:
        VariableMeasureError: on construction, when two rules claim the same prefix.
    """

    rules: tuple[VariableMeasureRule, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            for prefix in rule.prefixes:
                if prefix in seen:
                    raise VariableMeasureError(
                        f"variable-measure prefix {prefix} has two rules; keep one"
                    )
                seen.add(prefix)

    def rule_for(self, prefix: str) -> VariableMeasureRule | None:
        """Return the rule for a two-digit prefix, or ``None`` when it has none."""
        for rule in self.rules:
            if prefix in rule.prefixes:
                return rule
        return None


DEFAULT_NOMENCLATURE: Final = VariableMeasureNomenclature(
    (
        VariableMeasureRule(("21",), "PPIIIIIVVVVVC", MeasureKind.WEIGHT),
        VariableMeasureRule(("23",), "PPIIIIIVVVVVC", MeasureKind.PRICE),
    )
)
"""Weight in grams under prefix 21, price in paise under 23 (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class PlainGtin:
    """A scan that names one product by its GTIN.

    Attributes:
        gtin: the canonical GTIN (see :func:`normalize_gtin`).
    """

    gtin: str

    @property
    def lookup_key(self) -> str:
        """The catalog key: the canonical GTIN itself."""
        return self.gtin


@dataclass(frozen=True, slots=True)
class VariableMeasure:
    """A scan of a weight-, price- or count-embedded label.

    Attributes:
        code: the 13 digits as scanned (UPC-A already in EAN-13 form).
        lookup_key: the catalog key: ``code`` with the value and verifier zeroed and the
            check digit recomputed.
        item_code: the item digits of the layout, for example the scale's PLU.
        kind: what ``value`` counts.
        value: kilograms as a ``Decimal`` with three places for a weight, paise as an
            ``int`` for a price, units as an ``int`` for a quantity.
    """

    code: str
    lookup_key: str
    item_code: str
    kind: MeasureKind
    value: Decimal | int


Scanned: TypeAlias = PlainGtin | VariableMeasure
"""What :func:`parse_scanned` returns; both variants have a ``lookup_key``."""


def _measure(kind: MeasureKind, digits: str) -> Decimal | int:
    if kind is MeasureKind.WEIGHT:
        # scaleb keeps the value exact and gives it exactly three places: 01500 -> 1.500
        return Decimal(int(digits)).scaleb(-3)
    return int(digits)


def parse_scanned(
    code: str, nomenclature: VariableMeasureNomenclature = DEFAULT_NOMENCLATURE
) -> Scanned:
    """Understand a retail scan: a plain GTIN, or a variable-measure label.

    Args:
        code: the digits as read from the scanner or typed.
        nomenclature: the company's variable-measure rules.

    Returns:
        A :class:`VariableMeasure` when the canonical code has 13 digits and its prefix has a
        rule, else a :class:`PlainGtin`.

    Raises:
        BarcodeFormatError: not the digits of an EAN-8, UPC-A, EAN-13 or GTIN-14.
        BarcodeCheckDigitError: the GS1 check digit is wrong.
        VariableMeasureError: the label's price/weight verifier digit is wrong.
    """
    gtin = normalize_gtin(code)
    rule = nomenclature.rule_for(gtin[:2]) if len(gtin) == _LAYOUT_LENGTH else None
    if rule is None:
        return PlainGtin(gtin)
    value_slice = rule.value_slice
    value_digits = gtin[value_slice]
    verifier = rule.verifier_index
    if verifier is not None:
        expected = gs1_price_check_digit(value_digits)
        if int(gtin[verifier]) != expected:
            raise VariableMeasureError(
                f"label {gtin}: the {rule.kind.value} {value_digits} needs verifier digit "
                f"{expected} at position {verifier + 1}, but the label has {gtin[verifier]}"
            )
    body = list(gtin[:-1])
    body[value_slice] = "0" * len(value_digits)
    if verifier is not None:
        body[verifier] = "0"
    zeroed = "".join(body)
    return VariableMeasure(
        code=gtin,
        lookup_key=zeroed + str(gs1_check_digit(zeroed)),
        item_code=gtin[rule.item_slice],
        kind=rule.kind,
        value=_measure(rule.kind, value_digits),
    )
