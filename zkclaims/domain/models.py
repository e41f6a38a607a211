"""Pydantic v2 models of the optical claim domain (prescriptions, lenses, equipment, decisions).

Units (spec §1, ``docs/rules.md``): powers are exact multiples of 0.25 D, kept
as :class:`~decimal.Decimal` on the model and exposed as integer quarter-dioptres
(``sphere_q`` ...); money is integer cents. Floats are rejected: ``-2.3`` typed as a float
cannot be told apart from a typo, and ``0.1`` is not exact in binary, so give a string
(``"-2.25"`` or the French ``"-2,25"``), an int or a :class:`~decimal.Decimal`.

Model constructors raise :class:`~zkclaims.errors.InvalidInputError` (a
:class:`~zkclaims.errors.ZkClaimsError` and a :class:`ValueError`) naming the offending field
(dotted path, e.g. ``right.sphere``), the value and what would be accepted; the rule functions
raise :mod:`zkclaims.errors` classes too.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from zkclaims.domain.base import Model, error_line
from zkclaims.errors import echo_value

__all__ = [
    "QUARTER",
    "SPHERE_MAX_Q",
    "CYLINDER_MAX_Q",
    "ADDITION_MAX_Q",
    "parse_power_q",
    "EyePrescription",
    "PrescriberKind",
    "Prescription",
    "LensUsage",
    "LensDesign",
    "Classe",
    "Lens",
    "Frame",
    "Equipment",
    "LensClass",
    "Category",
    "ElementPayment",
    "Decision",
]

QUARTER = Decimal("0.25")
#: Largest |sphere| in quarter-dioptres (31.75 D), canonical sphere included (packing: 8 bits).
SPHERE_MAX_Q = 127
#: Largest |cylinder| in quarter-dioptres (15.75 D; packing: 6 bits).
CYLINDER_MAX_Q = 63
#: Largest addition in quarter-dioptres (7.75 D; packing: 5 bits).
ADDITION_MAX_Q = 31

def _pydantic_error_line(exc: PydanticValidationError, root: str = "") -> str:
    """One line for pydantic's first error (see :func:`zkclaims.domain.base.error_line`)."""
    return error_line(exc, root)[2]


def _fmt_q(q: int) -> str:
    """Format quarter-dioptres as a signed dioptre string (``-9`` -> ``"-2.25"``)."""
    d = Decimal(q) / 4
    return f"{d:+.2f}"


def _quarter_hint(value: float) -> str:
    """Return the accepted strings nearest to a float power.

    The float itself when it is a multiple of 0.25 D, else both neighbours (``-3.3`` ->
    ``'-3.50' or '-3.25'``).
    """
    if value != value or value in (float("inf"), float("-inf")):
        return "'-2.25'"
    q = Decimal(repr(value)) * 4
    lo = q.to_integral_value(rounding="ROUND_FLOOR")
    hi = q.to_integral_value(rounding="ROUND_CEILING")
    if lo == hi:
        return f"'{Decimal(lo) / 4:.2f}'"
    return f"'{Decimal(lo) / 4:.2f}' or '{Decimal(hi) / 4:.2f}'"


#: Powers of this many dioptres or more are refused before any arithmetic (the ranges are far
#: lower; a huge number would otherwise cost time and memory to convert).
_POWER_LIMIT_D = 10_000


def parse_power_q(value: object, field: str) -> int:
    """Parse a power (str with '.' or ',', int, Decimal) into integer quarter-dioptres.

    Raises :class:`ValueError` whose message names ``field`` and the value when the value is
    a float, a bool, not a number, or not a multiple of 0.25 D.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field}: expected a power in dioptres, got {value!r}")
    if isinstance(value, float):
        raise ValueError(
            f"{field}: floats are not accepted for powers (got {value!r}); give a string"
            f" such as {_quarter_hint(value)}, an int or a Decimal"
        )
    if isinstance(value, int):
        if abs(value) >= _POWER_LIMIT_D:  # before any conversion: no 5,000-digit int to string
            raise ValueError(f"{field}: out of range (got {echo_value(value)})")
        d = Decimal(value)
    elif isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        text = value.strip().replace(",", ".").replace(" ", "")
        if text.upper().endswith("D"):
            text = text[:-1]
        try:
            if len(text) > 40:
                raise InvalidOperation
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                f"{field}: not a number of dioptres (got {echo_value(value)}); give e.g. '-2.25'"
            ) from None
    else:
        raise ValueError(f"{field}: expected str, int or Decimal, got {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"{field}: not a finite number (got {echo_value(value)})")
    if d.adjusted() >= 4:  # |d| >= 10,000 D; adjusted() needs no context (1E+999999999)
        raise ValueError(f"{field}: out of range (got {echo_value(value)})")
    if d and d.adjusted() < -2:  # 1E-999999999 would round to 0 in the context's arithmetic
        raise ValueError(f"{field}: must be a multiple of 0.25 D (got {echo_value(value)})")
    q = d * 4
    if q != q.to_integral_value():
        lo, hi = q.to_integral_value("ROUND_FLOOR") / 4, q.to_integral_value("ROUND_CEILING") / 4
        raise ValueError(
            f"{field}: must be a multiple of 0.25 D (got {echo_value(value)});"
            f" nearest accepted: '{lo:+.2f}' or '{hi:+.2f}'"
        )
    return int(q)


class EyePrescription(Model):
    """One eye of a glasses prescription: sphere, cylinder, axis, addition.

    Accepted input: str (``"-2.25"``, ``"-2,25"``, ``"+1.00"``), int or Decimal; floats are
    rejected. Ranges: sphere -31.75..+31.75, cylinder -15.75..+15.75, addition 0..+7.75
    (all multiples of 0.25 D); axis integer 0..180 in degrees, required when the cylinder is
    not 0 and set to 0 when it is. With a cylinder, axis 0 is stored as 180 (same meridian),
    so axes are always in 1..180 and transposition is an involution. The sphere of the
    positive-cylinder form (``sphere + cylinder`` for a minus cylinder) must also lie within
    ±31.75 D, since that is the form the rules and the packing use.
    """

    sphere: Decimal
    cylinder: Decimal = Decimal(0)
    axis: int | None = None
    addition: Decimal = Decimal(0)

    @field_validator("sphere", "cylinder", "addition", mode="before")
    @classmethod
    def _power(cls, v: Any, info: Any) -> Decimal:
        name = info.field_name
        q = parse_power_q(v, name)
        limit = {"sphere": SPHERE_MAX_Q, "cylinder": CYLINDER_MAX_Q, "addition": ADDITION_MAX_Q}
        lo = 0 if name == "addition" else -limit[name]
        if not lo <= q <= limit[name]:
            raise ValueError(
                f"{name}: out of range {_fmt_q(lo)}..{_fmt_q(limit[name])} D (got {v!r})"
            )
        return Decimal(q) / 4

    @field_validator("axis", mode="before")
    @classmethod
    def _axis(cls, v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or isinstance(v, float):
            raise ValueError(f"axis: expected an integer number of degrees (got {v!r})")
        if isinstance(v, str):
            text = v.strip().rstrip("°")
            if not text.isdigit():
                raise ValueError(f"axis: expected an integer number of degrees (got {v!r})")
            v = int(text)
        if isinstance(v, Decimal):
            if v != v.to_integral_value():
                raise ValueError(f"axis: expected an integer number of degrees (got {v!r})")
            v = int(v)
        if not isinstance(v, int):
            raise ValueError(f"axis: expected an integer number of degrees (got {v!r})")
        if not 0 <= v <= 180:
            raise ValueError(f"axis: out of range 0..180 degrees (got {v!r})")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EyePrescription:
        if self.cylinder == 0:
            object.__setattr__(self, "axis", 0)
        else:
            if self.axis is None:
                raise ValueError(
                    f"axis: required when the cylinder is not 0 (cylinder {self.cylinder})"
                )
            if self.axis == 0:
                object.__setattr__(self, "axis", 180)
            if self.cylinder < 0 and self.sphere_q + self.cylinder_q < -SPHERE_MAX_Q:
                raise ValueError(
                    f"sphere: the positive-cylinder sphere (sphere + cylinder = "
                    f"{_fmt_q(self.sphere_q + self.cylinder_q)}) is below -31.75 D"
                )
        return self

    # -- integer views (quarter-dioptres), used by the rules and the packing ------------------
    @property
    def sphere_q(self) -> int:
        """Sphere in quarter-dioptres (as written, not transposed)."""
        return int(self.sphere * 4)

    @property
    def cylinder_q(self) -> int:
        """Cylinder in quarter-dioptres (as written; negative for a minus-cylinder form)."""
        return int(self.cylinder * 4)

    @property
    def addition_q(self) -> int:
        """Addition in quarter-dioptres (0 when none)."""
        return int(self.addition * 4)

    @property
    def axis_deg(self) -> int:
        """Axis in degrees: 1..180 with a cylinder, 0 without."""
        return self.axis or 0

    @property
    def is_spherical(self) -> bool:
        """True when the cylinder is 0 (spec §1)."""
        return self.cylinder == 0

    @classmethod
    def from_quarters(
        cls, sphere_q: int, cylinder_q: int = 0, axis: int | None = None, addition_q: int = 0
    ) -> EyePrescription:
        """Build from integer quarter-dioptres (validated like any other input)."""
        return cls(
            sphere=Decimal(int(sphere_q)) / 4,
            cylinder=Decimal(int(cylinder_q)) / 4,
            axis=axis,
            addition=Decimal(int(addition_q)) / 4,
        )

    def transposed(self) -> EyePrescription:
        """Return the same correction written with the opposite cylinder sign (spec §1).

        sphere' = sphere + cylinder, cylinder' = -cylinder, axis' = axis ± 90 kept in 1..180.
        Without a cylinder, returns ``self``. Raises :class:`pydantic.ValidationError` when the
        transposed sphere falls outside ±31.75 D.
        """
        if self.cylinder == 0:
            return self
        axis = self.axis_deg + 90 if self.axis_deg <= 90 else self.axis_deg - 90
        return EyePrescription.from_quarters(
            self.sphere_q + self.cylinder_q, -self.cylinder_q, axis, self.addition_q
        )

    def canonical(self) -> EyePrescription:
        """Return the positive-cylinder form (spec §1), the form the law and the packing use.

        Example: -2.00 (-1.00) 180° -> -3.00 (+1.00) 90°.
        """
        return self.transposed() if self.cylinder < 0 else self

    def __str__(self) -> str:
        text = _fmt_q(self.sphere_q)
        if self.cylinder != 0:
            text += f" ({_fmt_q(self.cylinder_q)}) {self.axis_deg}°"
        if self.addition != 0:
            text += f" add {_fmt_q(self.addition_q)}"
        return text


class PrescriberKind(StrEnum):
    """Who wrote the prescription (the validity period depends on it, spec §6).

    ``optician``: an optician's adaptation of a still-valid prescription (CSP D4362-12-1),
    which starts no validity period of its own.
    """

    PHYSICIAN = "physician"
    ORTHOPTIST = "orthoptist"
    OPTICIAN = "optician"


class Prescription(Model):
    """A glasses prescription: right eye, left eye, date of issue and prescriber kind."""

    right: EyePrescription
    left: EyePrescription
    issued_on: _dt.date
    prescriber_kind: PrescriberKind = PrescriberKind.PHYSICIAN

    def canonical(self) -> Prescription:
        """Return both eyes in positive-cylinder form (spec §1)."""
        return self.model_copy(
            update={"right": self.right.canonical(), "left": self.left.canonical()}
        )


class LensUsage(StrEnum):
    """What a lens is made for; fixes the lens power and design (spec §2).

    ``far``: unifocal, the prescription's power. ``near``: unifocal, sphere + addition.
    ``progressive``: multifocal or progressive design on the prescription (addition > 0).
    """

    FAR = "far"
    NEAR = "near"
    PROGRESSIVE = "progressive"

    @property
    def multifocal(self) -> bool:
        """True for a multifocal/progressive design."""
        return self is LensUsage.PROGRESSIVE

    @property
    def design(self) -> LensDesign:
        """The lens design this usage needs: multifocal for progressive, else unifocal."""
        return LensDesign.MULTIFOCAL if self is LensUsage.PROGRESSIVE else LensDesign.UNIFOCAL


class LensDesign(StrEnum):
    """The design of a lens, as today's grouping codes disclose it (spec §1, §7).

    ``unifocal`` (single vision: for far *or* near vision) or ``multifocal`` (multifocal or
    progressive). ``code`` is the public input of the equipment statement (0, 1).
    """

    UNIFOCAL = "unifocal"
    MULTIFOCAL = "multifocal"

    @property
    def code(self) -> int:
        """Public-input code: unifocal 0, multifocal 1."""
        return 1 if self is LensDesign.MULTIFOCAL else 0

    @classmethod
    def from_code(cls, code: int) -> LensDesign:
        """Inverse of :attr:`code`; raises :class:`ValueError` naming ``code`` if unknown."""
        if isinstance(code, bool) or code not in (0, 1):
            raise ValueError(f"code: lens design code must be 0 or 1 (got {code!r})")
        return cls.MULTIFOCAL if code == 1 else cls.UNIFOCAL


class Classe(StrEnum):
    """100 % Santé class of an element (spec §4): A (regulated prices, no remainder) or B."""

    A = "A"
    B = "B"


#: The largest amount of one element accepted anywhere, in cents (100,000.00 €): far above any
#: optical price, low enough that every sum and message stays small (an invoice total may be
#: three times it).
MAX_CENTS = 10_000_000


def _cents(v: Any, field: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{field}: money must be integer cents (got {echo_value(v)})")
    if not 0 <= v <= MAX_CENTS:
        raise ValueError(
            f"{field}: must be between 0 and {MAX_CENTS} cents (got {echo_value(v)})"
        )
    return v


class Lens(Model):
    """One lens of an equipment: usage, price in cents (AMO share included), classe A/B.

    ``grouping_code`` is the code the invoice carries (spec §7): for a classe B lens the
    optician's label ``VU1``-``VU7`` (unifocal) or ``VM1``-``VM7`` (multifocal), required to
    claim it; for a classe A lens it follows from the design and class (``V01``-``V04``) and
    may be left out.
    """

    usage: LensUsage
    price_cents: int
    classe: Classe = Classe.B
    grouping_code: str | None = None

    @field_validator("price_cents", mode="before")
    @classmethod
    def _price(cls, v: Any) -> int:
        return _cents(v, "price_cents")


class Frame(Model):
    """The frame of an equipment: price in cents and classe A/B.

    ``grouping_code`` (spec §7: ``M01``/``M02`` classe A adult/child, ``M03``/``M04`` classe B
    adult/child) may be left out: the prover then picks it from the classe and the patient's
    age on the delivery day (child under 16).
    """

    price_cents: int
    classe: Classe = Classe.B
    grouping_code: str | None = None

    @field_validator("price_cents", mode="before")
    @classmethod
    def _price(cls, v: Any) -> int:
        return _cents(v, "price_cents")


class Equipment(Model):
    """An equipment (spec §3): two lenses and a frame, delivered on a given day."""

    right: Lens
    left: Lens
    frame: Frame
    delivered_on: _dt.date

    @property
    def has_classe_b(self) -> bool:
        """True when at least one element is classe B (floors and ceilings then bind, §3)."""
        return Classe.B in (self.right.classe, self.left.classe, self.frame.classe)


class LensClass(StrEnum):
    """Lens class of spec §2: simple (a), complex (c), very complex (f).

    ``code`` is the small integer the circuits use as a public input (0, 1, 2) and which
    orders the classes (``simple < complex < very_complex``).
    """

    SIMPLE = "simple"
    COMPLEX = "complex"
    VERY_COMPLEX = "very_complex"

    @property
    def code(self) -> int:
        """Stable integer code: simple=0, complex=1, very_complex=2."""
        return _CLASS_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> LensClass:
        """Inverse of :attr:`code`; raises :class:`ValueError` naming ``code`` if unknown."""
        if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 2:
            raise ValueError(f"code: lens class code must be 0, 1 or 2 (got {code!r})")
        return _CLASSES_BY_CODE[code]


_CLASS_CODES = {LensClass.SIMPLE: 0, LensClass.COMPLEX: 1, LensClass.VERY_COMPLEX: 2}
_CLASSES_BY_CODE = {v: k for k, v in _CLASS_CODES.items()}


class Category(Model):
    """Equipment category of spec §3 with its floor and ceiling (cents, AMO share included).

    ``floor_employer_cents`` is the raised floor of employer-mandatory cover (CSS D911-1).
    """

    code: Literal["a", "b", "c", "d", "e", "f"]
    lenses: tuple[LensClass, LensClass]
    floor_cents: int
    ceiling_cents: int
    floor_employer_cents: int
    frame_cap_cents: int = 10_000

    def floor_for(self, employer_mandatory: bool) -> int:
        """Return the floor that applies (D911-1 floor for employer-mandatory cover)."""
        return self.floor_employer_cents if employer_mandatory else self.floor_cents


class ElementPayment(Model):
    """What is paid for one element (right lens, left lens or frame), all in cents."""

    element: Literal["right", "left", "frame"]
    classe: Classe
    price_cents: int
    amo_cents: int
    insurer_cents: int = Field(description="paid by the complementary insurer")
    patient_cents: int = Field(description="left for the patient to pay")


class Decision(Model):
    """A reimbursement decision (spec §3-§4): per-element payments, totals and reasons."""

    rules_version: str
    category: Category
    lens_classes: tuple[LensClass, LensClass]
    payments: tuple[ElementPayment, ElementPayment, ElementPayment]
    insurer_total_cents: int
    amo_total_cents: int
    patient_remainder_cents: int
    limit_cents: int | None = Field(
        description="classe B limit applied to the equipment (AMO included), None when no classe B"
    )
    reasons: tuple[str, ...]

    def payment(self, element: str) -> ElementPayment:
        """Return the payment for ``"right"``, ``"left"`` or ``"frame"``."""
        for p in self.payments:
            if p.element == element:
                return p
        raise KeyError(element)
