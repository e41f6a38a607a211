"""Field encodings of the claim data: day numbers, the packed prescription, field elements.

Everything here is clear-text data that both the optician's prover and the insurer's verifier
need, so it lives in the domain and imports no cryptographic backend.

Prescription packing (layout version 1, unchanged by the commitment v2)
------------------------------------------------------------------------
A canonical (positive-cylinder, spec §1) prescription becomes one integer below ``2**70``.
Fields are laid out from the **least significant bit** upwards, right eye first::

    bits  0..7   right sphere_q + 128     (8 bits, 1..255: sphere -31.75..+31.75 D)
    bits  8..13  right cylinder_q         (6 bits, 0..63: 0..+15.75 D)
    bits 14..21  right axis               (8 bits, 0 without cylinder, else 1..180)
    bits 22..26  right addition_q         (5 bits, 0..31: 0..+7.75 D)
    bits 27..53  left eye, same four fields in the same order
    bits 54..69  prescription day         (16 bits, days since 1970-01-01)

:func:`pack_prescription` / :func:`unpack_prescription` convert; the equipment circuit
(``circuits/equipment.py``) decomposes the same integer with the same constants. The
commitment to a packed prescription and its patient is :func:`zkclaims.commitment.commit_v2`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from zkclaims.domain.models import (
    ADDITION_MAX_Q,
    CYLINDER_MAX_Q,
    SPHERE_MAX_Q,
    EyePrescription,
    PrescriberKind,
    Prescription,
)
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

__all__ = [
    "EPOCH",
    "SPHERE_OFFSET",
    "SPHERE_BITS",
    "CYLINDER_BITS",
    "AXIS_BITS",
    "ADDITION_BITS",
    "EYE_BITS",
    "DAY_BITS",
    "PACKED_BITS",
    "PACKING_LAYOUT",
    "day_number",
    "day_from_number",
    "pack_eye",
    "unpack_eye",
    "pack_prescription",
    "unpack_prescription",
    "field_element_text",
]

#: Day 0 of the packed prescription day.
EPOCH = _dt.date(1970, 1, 1)
#: Added to the canonical sphere (quarter-dioptres) so that it is a non-negative 8-bit field.
SPHERE_OFFSET = 128
SPHERE_BITS = 8
CYLINDER_BITS = 6
AXIS_BITS = 8
ADDITION_BITS = 5
#: Bits of one eye (sphere, cylinder, axis, addition).
EYE_BITS = SPHERE_BITS + CYLINDER_BITS + AXIS_BITS + ADDITION_BITS
DAY_BITS = 16
#: Total width of a packed prescription (2 eyes + day): 70 bits.
PACKED_BITS = 2 * EYE_BITS + DAY_BITS
#: Name and width of each packed field, least significant first (the layout, version 1).
PACKING_LAYOUT: tuple[tuple[str, int], ...] = (
    ("right.sphere_q+128", SPHERE_BITS),
    ("right.cylinder_q", CYLINDER_BITS),
    ("right.axis", AXIS_BITS),
    ("right.addition_q", ADDITION_BITS),
    ("left.sphere_q+128", SPHERE_BITS),
    ("left.cylinder_q", CYLINDER_BITS),
    ("left.axis", AXIS_BITS),
    ("left.addition_q", ADDITION_BITS),
    ("issued_on (days since 1970-01-01)", DAY_BITS),
)

assert SPHERE_MAX_Q + SPHERE_OFFSET < 1 << SPHERE_BITS
assert CYLINDER_MAX_Q < 1 << CYLINDER_BITS
assert ADDITION_MAX_Q < 1 << ADDITION_BITS


def day_number(day: _dt.date, field: str = "day") -> int:
    """Return ``day`` as days since 1970-01-01; it must fit the 16-bit packed field."""
    n = (day - EPOCH).days
    if not 0 <= n < 1 << DAY_BITS:
        raise InvalidInputError(
            field, day.isoformat(), "must lie between 1970-01-01 and 2149-06-06"
        )
    return n


def day_from_number(n: int, field: str = "day") -> _dt.date:
    """Inverse of :func:`day_number`."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 1 << DAY_BITS:
        raise InvalidInputError(field, n, f"day number must be an int in [0, {1 << DAY_BITS})")
    return EPOCH + _dt.timedelta(days=n)


def pack_eye(eye: EyePrescription, field: str = "eye") -> int:
    """Pack one eye (turned into its canonical positive-cylinder form) into 27 bits."""
    c = eye.canonical()
    s, cyl, axis, add = c.sphere_q, c.cylinder_q, c.axis_deg, c.addition_q
    if not -SPHERE_MAX_Q <= s <= SPHERE_MAX_Q:
        raise InvalidInputError(f"{field}.sphere", s, "canonical sphere out of -127..127 q")
    if not 0 <= cyl <= CYLINDER_MAX_Q:
        raise InvalidInputError(f"{field}.cylinder", cyl, "canonical cylinder out of 0..63 q")
    if (cyl == 0) != (axis == 0) or not 0 <= axis <= 180:
        raise InvalidInputError(f"{field}.axis", axis, "must be 0 iff no cylinder, else 1..180")
    if not 0 <= add <= ADDITION_MAX_Q:
        raise InvalidInputError(f"{field}.addition", add, "addition out of 0..31 q")
    out = s + SPHERE_OFFSET
    out |= cyl << SPHERE_BITS
    out |= axis << (SPHERE_BITS + CYLINDER_BITS)
    out |= add << (SPHERE_BITS + CYLINDER_BITS + AXIS_BITS)
    return out


def unpack_eye(bits: int, field: str = "eye") -> EyePrescription:
    """Inverse of :func:`pack_eye`; raises :class:`InvalidInputError` on an invalid field."""
    if not 0 <= bits < 1 << EYE_BITS:
        raise InvalidInputError(field, bits, f"packed eye must be below 2**{EYE_BITS}")
    s = (bits & 0xFF) - SPHERE_OFFSET
    cyl = (bits >> SPHERE_BITS) & 0x3F
    axis = (bits >> (SPHERE_BITS + CYLINDER_BITS)) & 0xFF
    add = bits >> (SPHERE_BITS + CYLINDER_BITS + AXIS_BITS)
    if not -SPHERE_MAX_Q <= s <= SPHERE_MAX_Q:
        raise InvalidInputError(f"{field}.sphere", s, "sphere field out of -127..127 q")
    if (cyl == 0) != (axis == 0) or axis > 180:
        raise InvalidInputError(f"{field}.axis", axis, "must be 0 iff no cylinder, else 1..180")
    try:
        return EyePrescription.from_quarters(s, cyl, axis or None, add)
    except ValueError as exc:  # InvalidInputError is a ValueError
        raise InvalidInputError(field, bits, f"not a valid eye: {exc}") from None


def pack_prescription(prescription: Prescription) -> int:
    """Pack a prescription (canonicalised first) into one integer below ``2**70``.

    Layout in the module docstring: right eye, left eye, then the issue day, least
    significant bits first.
    """
    right = pack_eye(prescription.right, "right")
    left = pack_eye(prescription.left, "left")
    day = day_number(prescription.issued_on, "issued_on")
    return right | (left << EYE_BITS) | (day << (2 * EYE_BITS))


def unpack_prescription(
    packed: int, prescriber_kind: PrescriberKind = PrescriberKind.PHYSICIAN
) -> Prescription:
    """Inverse of :func:`pack_prescription` (the prescriber kind is not packed: pass it)."""
    if isinstance(packed, bool) or not isinstance(packed, int):
        raise InvalidInputError("packed", packed, "must be an int")
    if not 0 <= packed < 1 << PACKED_BITS:
        raise InvalidInputError("packed", packed, f"must be an int in [0, 2**{PACKED_BITS})")
    mask = (1 << EYE_BITS) - 1
    return Prescription(
        right=unpack_eye(packed & mask, "right"),
        left=unpack_eye((packed >> EYE_BITS) & mask, "left"),
        issued_on=day_from_number(packed >> (2 * EYE_BITS), "issued_on"),
        prescriber_kind=prescriber_kind,
    )


def field_element_text(v: Any, field: str) -> str:
    """Validate a field element given as a canonical decimal string (or an int); return text.

    Raises :class:`ValueError` naming ``field`` (models turn it into
    :class:`~zkclaims.errors.InvalidInputError`): no sign, no leading zero, below r; at most
    78 digits are read (r has 77), so a huge string is refused before any conversion.
    """
    if isinstance(v, bool):
        raise ValueError(f"{field}: expected a decimal string (got {v!r})")
    if isinstance(v, int):
        n = v
    elif (
        isinstance(v, str) and 0 < len(v) <= 78 and v.isascii() and v.isdigit()
        and (v == "0" or v[0] != "0")
    ):
        n = int(v)
    else:
        raise ValueError(f"{field}: expected a canonical decimal string below r (got {v!r:.90})")
    if not 0 <= n < R:
        shown = f"an int of {n.bit_length()} bits" if isinstance(v, int) else f"{v!r:.90}"
        raise ValueError(f"{field}: must be below the scalar field order r (got {shown})")
    return str(n)
