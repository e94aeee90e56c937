"""Money as integer paise, with exact arithmetic and Indian formatting.

:class:`Money` holds a whole number of paise and nothing else, so storing it, sending it and
adding it up can never drift. Rupee amounts come in as ``Decimal``, ``str`` or ``int``, never
``float``. Rounding happens only at named points, each with a named :mod:`decimal` mode:

* :meth:`Money.of_rupees` is exact by default and refuses a fraction of a paisa unless a mode
  is given;
* :meth:`Money.from_decimal_rupees` rounds a computed rupee amount (default half-up);
* :func:`round_ratio` rounds the exact quotient of two integers, which is how GST turns
  ``amount x rate / (100 + rate)`` into paise without an intermediate rounding;
* :func:`allocate` splits an amount by weights so that the parts always sum exactly.

:func:`format_inr` prints amounts the Indian way (``₹1,23,456.78``: the last three digits,
then groups of two) or in ASCII (``Rs. 1,23,456.78``) for printers that lack the rupee sign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

from shared.errors import FloatMoneyError, MoneyError

__all__ = (
    "Money",
    "allocate",
    "format_inr",
    "round_ratio",
    "sum_money",
)

PAISE_PER_RUPEE = 100

_ROUNDING_MODES = frozenset(
    {
        ROUND_05UP,
        ROUND_CEILING,
        ROUND_DOWN,
        ROUND_FLOOR,
        ROUND_HALF_DOWN,
        ROUND_HALF_EVEN,
        ROUND_HALF_UP,
        ROUND_UP,
    }
)

# Plain decimal notation only: exponents, thousands separators and underscores in text are
# far more often a mis-keyed CSV cell than a deliberate amount.
_RUPEE_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _check_rounding(rounding: str) -> None:
    if rounding not in _ROUNDING_MODES:
        raise MoneyError(
            f"unknown rounding mode {rounding!r}; use one of the decimal module's ROUND_* names"
        )


def _as_decimal(value: object, what: str) -> Decimal:
    """Turn a rupee amount given as ``Decimal``, ``str`` or ``int`` into a finite Decimal."""
    if isinstance(value, float):
        raise FloatMoneyError(
            f"{what} must not be a float (got {value!r}); pass a Decimal, a str or an int"
        )
    if isinstance(value, bool):
        raise MoneyError(f"{what} must be a Decimal, a str or an int, not {_describe(value)}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not _RUPEE_TEXT.fullmatch(text):
            raise MoneyError(f"{what} {value!r} is not a plain decimal number such as '1234.50'")
        return Decimal(text)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"{what} must be a finite number, not {value}")
        return value
    raise MoneyError(f"{what} must be a Decimal, a str or an int, not {_describe(value)}")


def _rupees_to_paise(rupees: Decimal, rounding: str | None, what: str) -> int:
    sign, digits, exponent = rupees.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by _as_decimal
    # Shifting the exponent multiplies by 100 exactly, whatever the context precision.
    paise = Decimal((sign, digits, exponent + 2))
    whole = paise.to_integral_value(rounding=rounding or ROUND_HALF_UP)
    if rounding is None and whole != paise:
        raise MoneyError(
            f"{what} {rupees} has a fraction of a paisa; round it explicitly "
            "(pass rounding=ROUND_HALF_UP or another decimal mode)"
        )
    return int(whole)


def round_ratio(numerator: int, denominator: int, rounding: str = ROUND_HALF_UP) -> int:
    """Round the exact quotient ``numerator / denominator`` to an integer.

    Nothing is rounded on the way: the quotient is classified exactly (below, at or above the
    half) and then rounded once with the named :mod:`decimal` mode, so ``ROUND_HALF_UP`` means
    halves go away from zero exactly as ``Decimal.quantize`` would do it.

    Args:
        numerator: any integer (for example paise times a rate's numerator).
        denominator: a non-zero integer.
        rounding: a :mod:`decimal` rounding mode name such as ``ROUND_HALF_UP``.

    Returns:
        The rounded quotient.

    Raises:
        MoneyError: the denominator is zero, an argument is not an int, or the mode is unknown.
    """
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise MoneyError(f"{name} must be an int, not {_describe(value)}")
    if denominator == 0:
        raise MoneyError("cannot divide an amount by zero")
    _check_rounding(rounding)
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    floor, remainder = divmod(numerator, denominator)
    # A stand-in with the same integer floor and the same side of the half as the exact
    # quotient rounds identically under every decimal mode, and it is exact to construct.
    if remainder == 0:
        quarter = 0
    elif 2 * remainder < denominator:
        quarter = 25
    elif 2 * remainder == denominator:
        quarter = 50
    else:
        quarter = 75
    hundredths = floor * 100 + quarter
    stand_in = Decimal((int(hundredths < 0), tuple(map(int, str(abs(hundredths)))), -2))
    return int(stand_in.to_integral_value(rounding=rounding))


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of Indian money: a whole number of paise.

    Immutable, hashable and ordered. Adds and subtracts with other ``Money`` and multiplies
    by an ``int``; anything that would need rounding goes through a named constructor instead.

    Attributes:
        paise: the amount in paise (1 rupee = 100 paise); negative for refunds and credits.
    """

    paise: int

    def __post_init__(self) -> None:
        value: object = self.paise
        if isinstance(value, float):
            raise FloatMoneyError(
                f"Money takes whole paise as an int, not the float {value!r}; "
                "use Money.of_rupees(Decimal(...)) for rupee amounts"
            )
        if isinstance(value, bool) or not isinstance(value, int):
            hint = "; use Money.of_rupees for rupee amounts" if isinstance(value, Decimal) else ""
            raise MoneyError(f"Money takes whole paise as an int, not {_describe(value)}{hint}")
        if type(value) is not int:
            # An int subclass (an IntEnum, say) would leak its behaviour into arithmetic.
            object.__setattr__(self, "paise", int(value))

    @classmethod
    def zero(cls) -> Money:
        """Return no money at all: ₹0.00."""
        return cls(0)

    @classmethod
    def of_rupees(cls, value: Decimal | str | int, rounding: str | None = None) -> Money:
        """Make money from a rupee amount, exactly unless a rounding mode is named.

        Args:
            value: rupees as a ``Decimal``, an ``int`` or plain decimal text like ``"1234.50"``.
            rounding: ``None`` (the default) refuses fractions of a paisa; a :mod:`decimal`
                mode such as ``ROUND_HALF_UP`` rounds them to the paisa with that mode.

        Returns:
            The amount in paise.

        Raises:
            FloatMoneyError: ``value`` is a float.
            MoneyError: ``value`` is not a finite number, has a fraction of a paisa and no
                rounding mode was given, or the mode is unknown.
        """
        if rounding is not None:
            _check_rounding(rounding)
        return cls(_rupees_to_paise(_as_decimal(value, "rupees"), rounding, "rupees"))

    @classmethod
    def from_decimal_rupees(cls, amount: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
        """Round a computed rupee amount to the paisa with a named mode (half-up by default).

        Args:
            amount: rupees as a ``Decimal`` (an ``int`` is accepted too).
            rounding: the :mod:`decimal` rounding mode.

        Returns:
            The nearest paisa under ``rounding``.

        Raises:
            FloatMoneyError: ``amount`` is a float.
            MoneyError: ``amount`` is text, not finite, or the mode is unknown.
        """
        if isinstance(amount, str):
            raise MoneyError("from_decimal_rupees takes a Decimal; use of_rupees for text")
        return cls.of_rupees(amount, rounding)

    def to_decimal(self) -> Decimal:
        """Return the amount in rupees, always with two decimal places (``Decimal('1.50')``)."""
        sign = int(self.paise < 0)
        return Decimal((sign, tuple(map(int, str(abs(self.paise)))), -2))

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.paise + other.paise)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.paise - other.paise)

    def __mul__(self, times: int) -> Money:
        if isinstance(times, float):
            raise FloatMoneyError(f"cannot multiply money by the float {times!r}")
        if isinstance(times, bool) or not isinstance(times, int):
            return NotImplemented
        return Money(self.paise * times)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.paise)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.paise))

    def __bool__(self) -> bool:
        """Return whether the amount is non-zero, so ``if discount:`` reads naturally."""
        return self.paise != 0


def sum_money(amounts: Iterable[Money]) -> Money:
    """Add up amounts of money; an empty iterable sums to ₹0.00.

    Raises:
        MoneyError: an item is not ``Money`` (the built-in ``sum`` would silently mix in ints).
    """
    total = 0
    for index, amount in enumerate(amounts):
        if not isinstance(amount, Money):
            raise MoneyError(f"item {index} is {_describe(amount)}, not Money")
        total += amount.paise
    return Money(total)


def _integer_weights(weights: Sequence[int | Decimal]) -> list[int]:
    """Scale weights to integers with the same proportions, checking each one."""
    ratios: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        what = f"weight {index}"
        if isinstance(weight, float):
            raise FloatMoneyError(f"{what} must not be a float (got {weight!r})")
        if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
            raise MoneyError(f"{what} must be an int or a Decimal, not {_describe(weight)}")
        if isinstance(weight, Decimal) and not weight.is_finite():
            raise MoneyError(f"{what} must be finite, not {weight}")
        if weight < 0:
            raise MoneyError(f"{what} is negative ({weight}); weights must be zero or more")
        ratios.append(weight.as_integer_ratio())
    common = math.lcm(*(denominator for _, denominator in ratios))
    return [numerator * (common // denominator) for numerator, denominator in ratios]


def allocate(total: Money, weights: Sequence[int | Decimal]) -> list[Money]:
    """Split ``total`` in proportion to ``weights`` so that the parts sum to it exactly.

    Largest remainder: every part is first rounded towards zero, then the paise left over go
    one each to the parts with the largest exact remainders; equal remainders go to the
    earlier part, so the same input always gives the same split. Each part therefore lies
    within one paisa of its exact share, and a zero weight always gets zero. A negative total
    is split like its absolute value and negated, so ``allocate(-t, w) == [-p for p in
    allocate(t, w)]``.

    Args:
        total: the amount to split (for example a bill discount).
        weights: one non-negative ``int`` or ``Decimal`` per part (for example line values).

    Returns:
        One amount per weight, in the same order.

    Raises:
        FloatMoneyError: a weight is a float.
        MoneyError: ``total`` is not Money, there are no weights, a weight is negative or not
            a number, or every weight is zero while ``total`` is not (there is nothing to
            weigh the split by, and an even split would hand discount to zero-value lines).
    """
    if not isinstance(total, Money):
        raise MoneyError(f"the total to allocate must be Money, not {_describe(total)}")
    if len(weights) == 0:
        raise MoneyError("cannot allocate an amount over no weights")
    scaled = _integer_weights(weights)
    weight_sum = sum(scaled)
    if weight_sum == 0:
        if total.paise != 0:
            raise MoneyError(
                f"cannot allocate {format_inr(total)} when every weight is zero; "
                "there is nothing to split it by"
            )
        return [Money(0)] * len(scaled)
    magnitude = abs(total.paise)
    parts: list[int] = []
    remainders: list[int] = []
    for weight in scaled:
        part, remainder = divmod(magnitude * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    left_over = magnitude - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for index in by_remainder[:left_over]:
        parts[index] += 1
    sign = -1 if total.paise < 0 else 1
    return [Money(sign * part) for part in parts]


def _group_indian(digits: str) -> str:
    """Group an integer's digits the Indian way: 1,23,45,678."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.append(head[-2:])
        head = head[:-2]
    groups.append(head)
    return ",".join(reversed(groups)) + "," + tail


def format_inr(amount: Money, *, ascii: bool = False) -> str:
    """Format money the Indian way: ``₹1,23,456.78``, ``-₹1,234.50`` or ``Rs. 1,23,456.78``.

    Args:
        amount: the money to show.
        ascii: use ``Rs. `` instead of ``₹`` for receipt printers without the rupee sign.

    Returns:
        The sign (if negative), the currency mark, lakh/crore-grouped rupees and two-digit
        paise.

    Raises:
        MoneyError: ``amount`` is not Money.
    """
    if not isinstance(amount, Money):
        raise MoneyError(f"format_inr takes Money, not {_describe(amount)}")
    rupees, paise = divmod(abs(amount.paise), PAISE_PER_RUPEE)
    mark = "Rs. " if ascii else "₹"
    sign = "-" if amount.paise < 0 else ""
    return f"{sign}{mark}{_group_indian(str(rupees))}.{paise:02d}"
