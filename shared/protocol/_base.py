"""The base struct, field types and validation helpers that every protocol message shares.

Field types carry their limits as ``msgspec.Meta`` so msgspec enforces them while decoding
and Litestar shows them in the OpenAPI schema. Rules msgspec cannot express (decimal
quantities, sums, orderings) live in ``__post_init__``, which msgspec runs for every struct
it decodes and Python runs for every struct the apps build, so an invalid message cannot be
made either way.

Validation errors raised here are :class:`~shared.errors.MessageDecodeError` with a path
relative to the struct being checked (``$.lines[2].quantity``); the codec joins it to the
struct's own position in the message (``$.events[0].payload.lines[2].quantity``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared.errors import MessageDecodeError

__all__ = (
    "MAX_PAISE",
    "AppVersion",
    "AwareDatetime",
    "Barcode",
    "Gstin",
    "Hsn",
    "InvoiceNumber",
    "NonNegativeInt",
    "NonNegativePaise",
    "Paise",
    "Phone",
    "PositiveInt",
    "PositivePaise",
    "ProtocolStruct",
    "Role",
    "ShortText",
    "StateCode",
    "Tender",
    "Text",
    "check_decimal",
    "check_increasing",
    "check_sum",
    "check_unique",
    "fail",
)

#: The largest amount any money field may hold: Rs 1,000 crore, far inside PostgreSQL bigint.
MAX_PAISE = 10**13
_INT64_MAX = 2**63 - 1

Paise = Annotated[
    int,
    Meta(ge=-MAX_PAISE, le=MAX_PAISE, description="signed amount of money in integer paise"),
]
NonNegativePaise = Annotated[
    int, Meta(ge=0, le=MAX_PAISE, description="amount of money in integer paise, >= 0")
]
PositivePaise = Annotated[
    int, Meta(ge=1, le=MAX_PAISE, description="amount of money in integer paise, > 0")
]
PositiveInt = Annotated[int, Meta(ge=1, le=_INT64_MAX)]
NonNegativeInt = Annotated[int, Meta(ge=0, le=_INT64_MAX)]

AwareDatetime = Annotated[
    datetime, Meta(tz=True, description="RFC 3339 date-time with a UTC offset")
]
#: Text carries no NUL character: PostgreSQL text cannot store U+0000, so an event holding
#: one could never be booked (it is refused here, and quarantined, instead).
NO_NUL = r"^[^\x00]*$"
ShortText = Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)]
Text = Annotated[str, Meta(min_length=1, max_length=500, pattern=NO_NUL)]
AppVersion = Annotated[str, Meta(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")]
InvoiceNumber = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z][A-Za-z0-9/-]{0,15}$",
        description="GST document number: at most 16 of [A-Za-z0-9/-], starting with a letter",
    ),
]
Hsn = Annotated[str, Meta(pattern=r"^[0-9]{2,8}$", description="HSN/SAC code, 2 to 8 digits")]
Gstin = Annotated[
    str, Meta(pattern=r"^[0-9]{2}[0-9A-Z]{13}$", description="15-character GSTIN, upper case")
]
StateCode = Annotated[str, Meta(pattern=r"^[0-9]{2}$", description="two-digit GST state code")]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9]{6,15}$")]
Barcode = Annotated[str, Meta(pattern=r"^[\x21-\x7e]{1,48}$", description="printable ASCII")]
Tender = Literal["cash", "card", "upi"]
Role = Literal["cashier", "supervisor", "manager"]


class ProtocolStruct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every struct on the wire: immutable, keyword-only, unknown fields rejected.

    Subclasses repeat ``frozen=True, kw_only=True``: msgspec inherits them anyway, but mypy
    reads dataclass options per class and would otherwise treat the subclass as mutable.
    """


def fail(path: str, detail: str) -> MessageDecodeError:
    """Build the error for a rule broken at ``path`` (relative to the struct checking it).

    The message follows msgspec's own ``<detail> - at `<path>``` form, so errors read the
    same whether msgspec or a ``__post_init__`` found them.

    Args:
        path: a JSON path such as ``$.lines[0].quantity``.
        detail: what is wrong, in plain words.

    Returns:
        The error, for the caller to raise.
    """
    return MessageDecodeError(f"{detail} - at `{path}`", path)


def check_decimal(
    value: Decimal,
    path: str,
    *,
    places: int,
    minimum: Decimal,
    maximum: Decimal,
    minimum_inclusive: bool = True,
) -> None:
    """Check a decimal is finite, within bounds and has at most ``places`` decimal places.

    Args:
        value: the decimal to check.
        path: where it sits, for the error.
        places: the most digits allowed after the decimal point.
        minimum: the lower bound.
        maximum: the upper bound (inclusive).
        minimum_inclusive: whether ``value == minimum`` is allowed.

    Raises:
        MessageDecodeError: the value breaks one of these rules.
    """
    if not value.is_finite():
        raise fail(path, f"expected a finite decimal, got {value}")
    too_small = value < minimum if minimum_inclusive else value <= minimum
    if too_small or value > maximum:
        low = "[" if minimum_inclusive else "("
        raise fail(path, f"{value} is outside {low}{minimum}, {maximum}]")
    # by value, not by the digits written: "1.2500" is a fine quantity of 1.25
    if value.quantize(Decimal(1).scaleb(-places)) != value:
        raise fail(path, f"{value} has more than {places} decimal places")


def check_sum(path: str, name: str, total: int, parts: Iterable[int], what: str) -> None:
    """Check that a total equals the sum of its parts.

    Args:
        path: where the total sits, for the error.
        name: the total's field name.
        total: the stated total.
        parts: the parts it must equal the sum of.
        what: the parts, described for a human (for example ``"the lines' taxable_paise"``).

    Raises:
        MessageDecodeError: the total is not the sum.
    """
    expected = sum(parts)
    if total != expected:
        raise fail(path, f"{name} is {total} but {what} add up to {expected}")


def check_increasing(path: str, name: str, values: Iterable[tuple[int, int]]) -> None:
    """Check that numbers grow strictly from one list item to the next.

    Args:
        path: the path of the list; the index of the offending item is appended.
        name: the field that must grow.
        values: ``(index, value)`` pairs in list order; items may be skipped.

    Raises:
        MessageDecodeError: a value is not greater than the one before it.
    """
    before: int | None = None
    for index, value in values:
        if before is not None and value <= before:
            raise fail(
                f"{path}[{index}].{name}",
                f"{name} {value} does not follow {before}; {name} must strictly increase",
            )
        before = value


def check_unique(path: str, name: str, values: Iterable[tuple[int, object]]) -> None:
    """Check that no value repeats.

    Args:
        path: the path of the list; the index of the repeat is appended.
        name: the field that must be unique.
        values: ``(index, value)`` pairs in list order; items may be skipped.

    Raises:
        MessageDecodeError: a value appears twice.
    """
    seen: set[object] = set()
    for index, value in values:
        if value in seen:
            raise fail(f"{path}[{index}].{name}", f"{name} {value} appears twice")
        seen.add(value)
