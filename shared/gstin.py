"""GSTIN (GST identification number) validation.

A GSTIN has 15 characters. For a regular taxpayer they read::

    27 AAPFU0939F 1 Z V
    │  │          │ │ └ check character (mod-36, see :func:`gstin_check_character`)
    │  │          │ └── registration-type marker: ``Z`` by default
    │  │          └──── entity number for this PAN in this state: 1-9, then A-Z
    │  └─────────────── the holder's PAN: five letters, four digits, one letter
    └────────────────── state or union-territory code (:data:`STATE_CODES`)

GSTN issues other registration types whose characters 3-14 follow other shapes; they are
accepted and reported as :class:`GstinKind` (regular expressions from the GSTN API, as
collected by india-compliance ``gst_india/constants``):

=================  ==========================  ==========================================
kind               characters 1-14             example shape
=================  ==========================  ==========================================
regular            ``SS PAN E [Z1-9ABD-J]``    ``27AAPFU0939F1Z``
government         ``SS LLLL DDDDD L D Z``     a department id instead of a PAN
UN body (UIN)      ``SS DD LLL DDDDD [UO] N``  UN bodies, embassies
non-resident       ``SS DD LLL DDDDD N R``     non-resident taxable persons
OIDAR              ``99 DD LLL DDDDD O S``     online services supplied from abroad
tax deductor       ``SS LLLL A DDDD L E D``    TDS registrations (a TAN or a PAN)
tax collector      ``SS PAN E C``              TCS registrations (e-commerce operators)
=================  ==========================  ==========================================

The 15th character is judged only by the checksum: the published patterns differ on which
characters may stand there, but a check character is whatever the checksum makes it, and a
stricter rule would reject numbers that GSTN really issued.

Validation answers the first rule that fails, in this order: format (length, characters,
shape), state code, checksum. Each has its own error in :mod:`shared.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from shared.errors import GstinChecksumError, GstinFormatError, GstinStateCodeError

__all__ = (
    "GSTIN_LENGTH",
    "STATE_CODES",
    "Gstin",
    "GstinKind",
    "gstin_check_character",
    "state_name",
    "validate_gstin",
)

GSTIN_LENGTH: Final = 15

_DIGITS: Final = "0123456789"
_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The checksum works on each character's index in this alphabet.
_CODE_POINTS: Final = _DIGITS + _LETTERS
_MOD: Final = len(_CODE_POINTS)
_ASCII_ALNUM: Final = frozenset(_CODE_POINTS + _LETTERS.lower())

STATE_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "01": "Jammu and Kashmir",
        "02": "Himachal Pradesh",
        "03": "Punjab",
        "04": "Chandigarh",
        "05": "Uttarakhand",
        "06": "Haryana",
        "07": "Delhi",
        "08": "Rajasthan",
        "09": "Uttar Pradesh",
        "10": "Bihar",
        "11": "Sikkim",
        "12": "Arunachal Pradesh",
        "13": "Nagaland",
        "14": "Manipur",
        "15": "Mizoram",
        "16": "Tripura",
        "17": "Meghalaya",
        "18": "Assam",
        "19": "West Bengal",
        "20": "Jharkhand",
        "21": "Odisha",
        "22": "Chhattisgarh",
        "23": "Madhya Pradesh",
        "24": "Gujarat",
        # Merged into 26 in January 2020; GSTINs issued before the merger still turn up on
        # old purchase invoices, so the code stays valid.
        "25": "Daman and Diu (before the 2020 merger)",
        "26": "Dadra and Nagar Haveli and Daman and Diu",
        "27": "Maharashtra",
        # GST started after the 2014 division, so 37 is Andhra Pradesh; 28 stays in GSTN's
        # table and a GSTIN carrying it is not malformed.
        "28": "Andhra Pradesh (before the 2014 division)",
        "29": "Karnataka",
        "30": "Goa",
        "31": "Lakshadweep",
        "32": "Kerala",
        "33": "Tamil Nadu",
        "34": "Puducherry",
        "35": "Andaman and Nicobar Islands",
        "36": "Telangana",
        "37": "Andhra Pradesh",
        "38": "Ladakh",
        "96": "Other Countries",
        "97": "Other Territory",
        "99": "Centre Jurisdiction",
    }
)
"""GST state and union-territory codes (the first two digits of a GSTIN) and their names."""

# 96 is a place-of-supply code for a buyer abroad; GSTN never issues a GSTIN under it.
_NOT_GSTIN_STATE_CODES: Final = frozenset({"96"})


class GstinKind(StrEnum):
    """The registration type a GSTIN's shape reveals."""

    REGULAR = "regular"
    GOVERNMENT = "government"
    UN_BODY = "un_body"
    NON_RESIDENT = "non_resident"
    OIDAR = "oidar"
    TAX_DEDUCTOR = "tax_deductor"
    TAX_COLLECTOR = "tax_collector"


@dataclass(frozen=True, slots=True)
class Gstin:
    """A GSTIN that passed every rule.

    Attributes:
        value: the 15 characters, upper case, no surrounding whitespace.
        state_code: the first two digits, for example ``"27"``.
        state_name: the state or union territory of ``state_code``.
        pan: characters 3-12 when they are the holder's PAN, else ``None`` (government
            departments, UN bodies, non-residents and TAN-based deductors have no PAN there).
        kind: the registration type the shape shows.
    """

    value: str
    state_code: str
    state_name: str
    pan: str | None
    kind: GstinKind

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class _Slot:
    """What one position of a GSTIN shape accepts, and how to say so."""

    allowed: frozenset[str]
    expected: str
    part: str


@dataclass(frozen=True, slots=True)
class _Shape:
    """Characters 3-14 of one registration type."""

    kind: GstinKind
    name: str
    slots: tuple[_Slot, ...]
    state_code: str | None = None

    def mismatch(self, value: str) -> int | None:
        """Return the 0-based index of the first character the shape rejects, or ``None``."""
        for offset, slot in enumerate(self.slots):
            if value[2 + offset] not in slot.allowed:
                return 2 + offset
        return None


_SHAPE_CODES: Final = {
    "D": (_DIGITS, "a digit"),
    "L": (_LETTERS, "a letter"),
    "A": (_CODE_POINTS, "a letter or digit"),
    "E": (_CODE_POINTS[1:], "1-9 or A-Z (0 is never used)"),
}


def _slots(spec: str, part: str) -> tuple[_Slot, ...]:
    return tuple(_Slot(frozenset(_SHAPE_CODES[c][0]), _SHAPE_CODES[c][1], part) for c in spec)


def _literal(chars: str, expected: str, part: str) -> tuple[_Slot, ...]:
    return (_Slot(frozenset(chars), expected, part),)


_PAN = "the holder's PAN (five letters, four digits, one letter)"
_ENTITY = "the entity number"
_TYPE = "the registration-type marker"

# Order matters: the first shape that fits names the kind. TDS comes before REGULAR
# because the regular pattern also admits a 'D' at position 14.
_SHAPES: Final = (
    _Shape(
        GstinKind.UN_BODY,
        "a UN body (UIN)",
        _slots("DDLLLDDDDD", "the UIN body (two digits, three letters, five digits)")
        + _literal("UO", "'U' or 'O'", _TYPE)
        + _literal("N", "'N'", _TYPE),
    ),
    _Shape(
        GstinKind.NON_RESIDENT,
        "a non-resident taxable person",
        _slots("DDLLLDDDDD", "the registration body (two digits, three letters, five digits)")
        + _literal("N", "'N'", _TYPE)
        + _literal("R", "'R'", _TYPE),
    ),
    _Shape(
        GstinKind.OIDAR,
        "an OIDAR supplier (online services from abroad)",
        _slots("DDLLLDDDDD", "the registration body (two digits, three letters, five digits)")
        + _literal("O", "'O'", _TYPE)
        + _literal("S", "'S'", _TYPE),
        state_code="99",
    ),
    _Shape(
        GstinKind.TAX_COLLECTOR,
        "a tax collector (TCS)",
        _slots("LLLLLDDDDL", _PAN) + _slots("E", _ENTITY) + _literal("C", "'C'", _TYPE),
    ),
    _Shape(
        GstinKind.TAX_DEDUCTOR,
        "a tax deductor (TDS)",
        _slots("LLLLADDDDL", "the deductor's TAN or PAN")
        + _slots("E", _ENTITY)
        + _literal("D", "'D'", _TYPE),
    ),
    _Shape(
        GstinKind.GOVERNMENT,
        "a government department",
        _slots("LLLLDDDDDL", "the department id (four letters, five digits, one letter)")
        + _slots("D", _ENTITY)
        + _literal("Z", "'Z'", _TYPE),
    ),
    _Shape(
        GstinKind.REGULAR,
        "a regular taxpayer",
        _slots("LLLLLDDDDL", _PAN)
        + _slots("E", _ENTITY)
        + _literal(
            "Z123456789ABDEFGHIJ",
            "'Z' (or 1-9, A, B, D-J; 'C' and 'D' mark tax collectors and deductors)",
            _TYPE,
        ),
    ),
)
_REGULAR: Final = _SHAPES[-1]
_SHAPE_BY_KIND: Final = {shape.kind: shape for shape in _SHAPES}
# Which shape to explain a failure against, chosen by the registration-type marker the text
# carries, so a mistyped UN-body UIN is not explained as if it were a regular GSTIN.
_SHAPE_BY_MARKER: Final = {
    "UN": GstinKind.UN_BODY,
    "ON": GstinKind.UN_BODY,
    "NR": GstinKind.NON_RESIDENT,
    "OS": GstinKind.OIDAR,
}
_SHAPE_BY_TYPE_CHAR: Final = {"C": GstinKind.TAX_COLLECTOR, "D": GstinKind.TAX_DEDUCTOR}


def state_name(code: str | int) -> str:
    """Return the name of a GST state or union-territory code.

    Args:
        code: the two-digit code, as text (``"07"``) or a number (``7``).

    Returns:
        The state or union territory, for example ``"Delhi"``.

    Raises:
        GstinStateCodeError: the code is not in :data:`STATE_CODES`.
    """
    key = f"{code:02d}" if isinstance(code, int) else code.strip()
    try:
        return STATE_CODES[key]
    except KeyError:
        raise GstinStateCodeError(
            str(code), f"{key!r} is not a GST state or union-territory code"
        ) from None


def gstin_check_character(first14: str) -> str:
    """Compute the 15th (check) character of a GSTIN from its first 14 characters.

    The mod-36 Luhn scheme: each character's index in ``0-9A-Z`` is multiplied by 1 and 2
    alternately from the left (so the 14th character is doubled), each product is folded to
    ``product // 36 + product % 36``, and the check character is the one whose index makes
    the folded sum a multiple of 36. Any single mistyped character changes the result.

    Args:
        first14: exactly 14 characters of ``0-9A-Z`` (lower case is accepted).

    Returns:
        The check character, one of ``0-9A-Z``.

    Raises:
        GstinFormatError: not 14 letters and digits.
    """
    body = first14.upper()
    if len(first14) != GSTIN_LENGTH - 1 or not set(first14) <= _ASCII_ALNUM:
        raise GstinFormatError(
            first14,
            f"the check character is computed from 14 letters and digits; got {first14!r}",
        )
    total = 0
    for index, char in enumerate(body):
        product = _CODE_POINTS.index(char) * (1 if index % 2 == 0 else 2)
        total += product // _MOD + product % _MOD
    return _CODE_POINTS[(_MOD - total % _MOD) % _MOD]


def validate_gstin(text: str) -> Gstin:
    """Check a GSTIN and return it normalised.

    Surrounding whitespace is ignored and lower-case letters are accepted (and upper-cased).

    Args:
        text: the GSTIN as typed, scanned or imported.

    Returns:
        The validated :class:`Gstin`.

    Raises:
        GstinFormatError: wrong length, a character that is not a letter or digit, or a
            shape no registration type has; the message names the position.
        GstinStateCodeError: the first two digits are not a state or UT code.
        GstinChecksumError: the 15th character does not match the other 14.
    """
    stripped = text.strip()
    if len(stripped) != GSTIN_LENGTH:
        shown = f"{stripped[:40]!r}..." if len(stripped) > 40 else repr(stripped)
        raise GstinFormatError(
            text,
            f"a GSTIN has {GSTIN_LENGTH} characters; {shown} has {len(stripped)}",
        )
    for position, char in enumerate(stripped, start=1):
        if char not in _ASCII_ALNUM:
            raise GstinFormatError(
                text,
                f"character {position} of the GSTIN is {char!r}; "
                "a GSTIN has only the letters A-Z and the digits 0-9",
            )
    value = stripped.upper()
    if not (value[0] in _DIGITS and value[1] in _DIGITS):
        raise GstinFormatError(
            text,
            f"a GSTIN starts with the two-digit state code; {value!r} starts with {value[:2]!r}",
        )
    kind = _match_shape(text, value)
    code = value[:2]
    if code not in STATE_CODES or code in _NOT_GSTIN_STATE_CODES:
        if code in STATE_CODES:
            detail = f"{code} ({STATE_CODES[code]}) is a place-of-supply code, never a GSTIN's"
        else:
            detail = f"{code} is not a GST state or union-territory code"
        raise GstinStateCodeError(text, f"GSTIN {value} has an unknown state code: {detail}")
    expected = gstin_check_character(value[:14])
    if value[14] != expected:
        raise GstinChecksumError(
            text,
            f"GSTIN {value} fails its checksum: the 15th character should be {expected!r}, "
            f"not {value[14]!r} (a character is mistyped somewhere)",
        )
    pan = value[2:12] if _shape_fits(_REGULAR, value, stop=12) else None
    return Gstin(value=value, state_code=code, state_name=STATE_CODES[code], pan=pan, kind=kind)


def _shape_fits(shape: _Shape, value: str, stop: int) -> bool:
    mismatch = shape.mismatch(value)
    return mismatch is None or mismatch >= stop


def _match_shape(text: str, value: str) -> GstinKind:
    for shape in _SHAPES:
        if shape.mismatch(value) is None and shape.state_code in (None, value[:2]):
            return shape.kind
    kind = _SHAPE_BY_MARKER.get(value[12:14]) or _SHAPE_BY_TYPE_CHAR.get(value[13])
    shape = _SHAPE_BY_KIND[kind] if kind else _REGULAR
    index = shape.mismatch(value)
    if index is None:
        # Only the OIDAR shape fits everything but the state code.
        raise GstinFormatError(
            text,
            f"GSTIN {value} is shaped like {shape.name}, which is always registered under "
            f"state code {shape.state_code}, not {value[:2]}",
        )
    slot = shape.slots[index - 2]
    raise GstinFormatError(
        text,
        f"character {index + 1} of GSTIN {value} is {value[index]!r} but should be "
        f"{slot.expected}: it is part of {slot.part} (for {shape.name})",
    )
