"""The equipment claim statement for the 2020 rules (``optique-equipement-2020``).

Written only with the public frontend API (:mod:`zkclaims.circuit`). docs/design.md §3:

* public: ``commitment``, ``class_right``, ``class_left`` (lens class codes: simple 0,
  complex 1, very complex 2), ``prescription_day`` (days since 1970-01-01), ``claim_context``;
* private: ``packed`` (the prescription, layout of :mod:`zkclaims.domain.claim`), ``blinding``,
  ``usage_right``, ``usage_left`` (:data:`USAGE_CODES`: far 0, near 1, progressive 2).

It proves:

1. ``commitment == Poseidon(COMMITMENT_TAG, packed, blinding)``;
2. ``packed < 2**70`` and each field is in range: sphere field in 1..255 (sphere -31.75..+31.75),
   cylinder 0..63, addition 0..31 by their bit widths; axis <= 180, and axis = 0 iff cylinder
   = 0 (so axis >= 1 with a cylinder); the packed day equals ``prescription_day``;
3. per eye, the usage is one of far / near / progressive; near and progressive need an
   addition > 0; the lens power is the prescription (far, progressive) or sphere + addition
   (near); the design is multifocal for progressive only;
4. per eye, the class of that lens by spec §2 (``docs/rules.md``) equals the
   public class.

``claim_context`` needs no relation to the rest: as a public input it is bound by the proof,
which stops a replay under another claim. It is squared once (1 constraint, as Semaphore does
with its signal hash) so that it appears in a constraint, whatever QAP reduction the backend
uses.

The per-lens part is the gadget :func:`lens_class`; :class:`LensClassCircuit` runs it alone
(with the range checks of its inputs) so that it can be evaluated exhaustively in batch mode.
"""

from __future__ import annotations

from zkclaims.circuit import Builder, Circuit, LinearCombination, gadget, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.domain.claim import (
    ADDITION_BITS,
    AXIS_BITS,
    COMMITMENT_TAG,
    CYLINDER_BITS,
    DAY_BITS,
    EYE_BITS,
    PACKED_BITS,
    SPHERE_BITS,
    SPHERE_OFFSET,
)
from zkclaims.domain.models import LensUsage

__all__ = [
    "CIRCUIT_NAME",
    "USAGE_CODES",
    "LensClassCircuit",
    "EquipmentClaimCircuit",
    "lens_class",
    "eye_fields",
]

#: Name of the statement (and of its artifacts folder).
CIRCUIT_NAME = "optique-equipement-2020"

#: Private usage codes: 2 bits ``(near, progressive)``, never both set.
USAGE_CODES: dict[LensUsage, int] = {
    LensUsage.FAR: 0,
    LensUsage.NEAR: 1,
    LensUsage.PROGRESSIVE: 2,
}

# Spec §2 thresholds in quarter-dioptres.
_UNIFOCAL_LIMIT_Q = 24  # ±6.00 D: unifocal simple / complex, spherical or sphero-cylindrical
_MULTI_SPHERICAL_LIMIT_Q = 16  # ±4.00 D: multifocal spherical complex / very complex
_MULTI_CYL_LIMIT_Q = 32  # -8.00 D and S +8.00 D: multifocal sphero-cylindrical
_CYLINDER_LIMIT_Q = 16  # +4.00 D cylinder (both designs, sphere <= 0)
# Bit width that bounds every offset sphere compared below: lens sphere + 128 <= 255 + 31 = 286,
# plus cylinder (<= 63) or a limit (<= 32): at most 349 < 2**9.
_CMP_BITS = 9


@gadget
def lens_class(
    api: Builder,
    sphere_off: LinearCombination,
    cylinder: LinearCombination,
    addition: LinearCombination,
    usage: LinearCombination,
) -> LinearCombination:
    """Return the lens class code (0 simple, 1 complex, 2 very complex) of spec §2.

    PRECONDITIONS (the caller range-checks them, as :func:`eye_fields` does): ``sphere_off``
    in ``[1, 255]`` (canonical sphere + 128), ``cylinder`` in ``[0, 63]``, ``addition`` in
    ``[0, 31]``. The usage is constrained here: ``usage = near + 2 * progressive`` with two
    bits never both set; near and progressive require ``addition > 0``.

    The table of spec §2 reduces to one formula. With the lens sphere ``s`` (the
    prescription's, or sphere + addition for near), the cylinder ``c``, ``S = s + c`` and a
    limit ``L`` = 6.00 D (unifocal), 4.00 D (multifocal spherical), 8.00 D (multifocal
    sphero-cylindrical), the lens is in the lower class of its design iff
    ``(s <= 0 and s >= -L and c <= +4.00)`` or ``(s > 0 and S <= L)``; the class is then
    ``multifocal + (0 if lower else 1)``. Spherical lenses (``c = 0``) fall in the same
    formula: ``c <= 4.00`` holds and ``S = s``.

    Cost: 49 constraints.
    """
    with api.scope("usage"):
        near, progressive = g.to_bits(api, usage, 2)  # usage < 4
        api.assert_mul(near, progressive, 0)  # not both: usage in {0, 1, 2}
        addition_zero = g.is_zero(api, addition)
        # near or progressive => addition > 0 (spec §2, docs/design.md §3)
        api.assert_mul(near + progressive, addition_zero, 0)
    with api.scope("power"):
        lens_sphere = sphere_off + api.mul(near, addition)  # near: sphere + addition
        cylinder_zero = g.is_zero(api, cylinder)
        limit = (
            _UNIFOCAL_LIMIT_Q
            + (_MULTI_CYL_LIMIT_Q - _UNIFOCAL_LIMIT_Q) * progressive
            - (_MULTI_CYL_LIMIT_Q - _MULTI_SPHERICAL_LIMIT_Q) * api.mul(progressive, cylinder_zero)
        )
    with api.scope("class"):
        # s <= 0  <=>  s + 128 < 129
        minus = g.less_than_unchecked(api, lens_sphere, SPHERE_OFFSET + 1, bits=_CMP_BITS)
        # s >= -L  <=>  not (s + 128 + L < 128)
        below = g.less_than_unchecked(api, lens_sphere + limit, SPHERE_OFFSET, bits=_CMP_BITS)
        cyl_ok = g.less_or_equal_unchecked(api, cylinder, _CYLINDER_LIMIT_Q, bits=CYLINDER_BITS)
        # S <= L  <=>  s + 128 + c <= 128 + L
        s_ok = g.less_or_equal_unchecked(
            api, lens_sphere + cylinder, SPHERE_OFFSET + limit, bits=_CMP_BITS
        )
        minus_ok = g.and_(api, g.not_(api, below), cyl_ok)
        lower = g.select(api, minus, minus_ok, s_ok)
        return progressive + 1 - lower


@gadget
def eye_fields(
    api: Builder, bits: list[LinearCombination]
) -> tuple[LinearCombination, LinearCombination, LinearCombination]:
    """Check one eye's 27 packed bits and return ``(sphere_off, cylinder, addition)``.

    ``bits`` are known-boolean bits (from ``to_bits``), least significant first, in the layout
    of :mod:`zkclaims.domain.claim`. Constrains: sphere field != 0 (sphere >= -31.75 D); axis
    <= 180; axis = 0 iff cylinder = 0. The bit widths bound the other fields.

    Cost: 14 constraints.
    """
    i = 0
    fields = []
    for width in (SPHERE_BITS, CYLINDER_BITS, AXIS_BITS, ADDITION_BITS):
        fields.append(g.from_bits(api, bits[i : i + width]))
        i += width
    sphere_off, cylinder, axis, addition = fields
    g.assert_nonzero(api, sphere_off)
    g.assert_less_or_equal_unchecked(api, axis, 180, bits=AXIS_BITS)
    api.assert_equal(g.is_zero(api, axis), g.is_zero(api, cylinder))
    return sphere_off, cylinder, addition


class LensClassCircuit(Circuit):
    """The per-lens part alone, for the exhaustive batch test (not a deployed statement).

    Public ``lens_class``; private ``sphere_off`` (sphere + 128), ``cylinder``, ``addition``
    (quarter-dioptres) and ``usage``. Range-checks the three fields as the packing does, then
    constrains ``lens_class(...) == lens_class``; records the output ``"class"``.
    """

    name = "lens-class-2020"

    klass = public(doc="claimed lens class code")
    sphere_off = private(doc="canonical sphere_q + 128, in 1..255")
    cylinder = private(doc="canonical cylinder_q, 0..63")
    addition = private(doc="addition_q, 0..31")
    usage = private(doc="usage code (USAGE_CODES)")

    def define(self, api: Builder) -> None:
        """Range-check the fields, compute the class, equate it to the public one."""
        with api.scope("fields"):
            g.to_bits(api, self.sphere_off, SPHERE_BITS)
            g.assert_nonzero(api, self.sphere_off)
            g.to_bits(api, self.cylinder, CYLINDER_BITS)
            g.to_bits(api, self.addition, ADDITION_BITS)
        cls = lens_class(api, self.sphere_off, self.cylinder, self.addition, self.usage)
        api.output("class", cls)
        api.assert_equal(cls, self.klass)


class EquipmentClaimCircuit(Circuit):
    """The equipment claim statement (``optique-equipement-2020``); see the module docstring."""

    name = CIRCUIT_NAME

    commitment = public(doc="Poseidon commitment signed by the prescriber")
    class_right = public(doc="lens class code of the right lens")
    class_left = public(doc="lens class code of the left lens")
    prescription_day = public(doc="prescription day, days since 1970-01-01")
    claim_context = public(doc="SHA-256 of the canonical claim fields, mod r")
    packed = private(doc="packed canonical prescription (70 bits)")
    blinding = private(doc="commitment blinding (248 random bits)")
    usage_right = private(doc="usage code of the right lens")
    usage_left = private(doc="usage code of the left lens")

    def define(self, api: Builder) -> None:
        """Constrain the commitment, field ranges, prescription day and each lens class."""
        with api.scope("commitment"):
            c = g.poseidon_hash2(api, self.packed, self.blinding, domain=COMMITMENT_TAG)
            api.assert_equal(c, self.commitment)
        with api.scope("context"):
            api.mul(self.claim_context, self.claim_context)  # binds the public input
        with api.scope("unpack"):
            bits = g.to_bits(api, self.packed, PACKED_BITS)
            day = g.from_bits(api, bits[2 * EYE_BITS : 2 * EYE_BITS + DAY_BITS])
            api.assert_equal(day, self.prescription_day)
        for side, lo, usage, klass in (
            ("right", 0, self.usage_right, self.class_right),
            ("left", EYE_BITS, self.usage_left, self.class_left),
        ):
            with api.scope(f"lens.{side}"):
                sphere_off, cylinder, addition = eye_fields(api, bits[lo : lo + EYE_BITS])
                cls = lens_class(api, sphere_off, cylinder, addition, usage)
                api.output(f"class_{side}", cls)
                api.assert_equal(cls, klass)
