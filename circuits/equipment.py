"""The equipment claim statement for the 2020 rules (``optique-equipement-2020``, version 2).

Written only with the public frontend API (:mod:`zkclaims.circuit`). docs/design.md §3:

* public, in this order: ``commitment`` (signed by the prescriber), ``patient_tag`` (the
  per-claim tag the insurer recomputes from its beneficiary record), ``design_right``,
  ``class_right``, ``design_left``, ``class_left`` (design: unifocal 0, multifocal 1; class:
  simple 0, complex 1, very complex 2), ``prescription_day`` (days since 1970-01-01),
  ``claim_context``;
* private: ``packed`` (the prescription, layout of :mod:`zkclaims.domain.packing`),
  ``patient`` (the patient as a field element: INS and birth date,
  :meth:`zkclaims.domain.Patient.field_element`), ``blinding``, ``near_right``,
  ``near_left`` (1 when a unifocal lens is for near vision).

It proves:

1. ``commitment == hash3(packed, patient, blinding)`` with the commitment v2 domain
   (:func:`zkclaims.commitment.commit_v2`): the prescription and the patient the prescriber
   signed for;
2. ``patient_tag == hash2(patient, claim_context)`` with the patient-tag domain
   (:func:`zkclaims.commitment.patient_tag`): the claim is for the committed patient;
3. ``packed < 2**70`` and each field is in range: sphere field in 1..255 (sphere -31.75..
   +31.75), cylinder 0..63, addition 0..31 by their bit widths; axis <= 180, and axis = 0 iff
   cylinder = 0; the packed day equals ``prescription_day``;
4. per eye: the design is 0 or 1; a multifocal lens is the prescription with a multifocal
   design and needs an addition > 0; a unifocal lens is the far power (``near = 0``) or
   sphere + addition (``near = 1``, addition > 0); a multifocal lens is never "near";
5. per eye, the class of that lens by spec §2 equals the public class.

``claim_context`` enters the patient tag's hash, so it is bound by a constraint.

The per-lens part is the gadget :func:`lens_class`; :class:`LensClassCircuit` runs it alone
(with the range checks of its inputs) so that it can be evaluated exhaustively in batch mode.
Given its inputs, every intermediate value of the gadget is fixed by the constraints (bit
decompositions of in-range values are unique; ``is_zero`` fixes its output), except the
inverse hinted for ``is_zero(0)``, which changes no output.
"""

from __future__ import annotations

from zkclaims.circuit import Builder, Circuit, LinearCombination, gadget, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.commitment import COMMITMENT_TAG_V2, PATIENT_TAG_DOMAIN
from zkclaims.domain.models import LensDesign, LensUsage
from zkclaims.domain.packing import (
    ADDITION_BITS,
    AXIS_BITS,
    CYLINDER_BITS,
    DAY_BITS,
    EYE_BITS,
    PACKED_BITS,
    SPHERE_BITS,
    SPHERE_OFFSET,
)

__all__ = [
    "CIRCUIT_NAME",
    "STATEMENT_VERSION",
    "lens_inputs",
    "LensClassCircuit",
    "EquipmentClaimCircuit",
    "lens_class",
    "eye_fields",
]

#: Name of the statement (and of its artifacts folder).
CIRCUIT_NAME = "optique-equipement-2020"
#: Version of the statement under that name (1: no patient binding, private design; retired).
STATEMENT_VERSION = 2

# Spec §2 thresholds in quarter-dioptres.
_UNIFOCAL_LIMIT_Q = 24  # ±6.00 D: unifocal simple / complex, spherical or sphero-cylindrical
_MULTI_SPHERICAL_LIMIT_Q = 16  # ±4.00 D: multifocal spherical complex / very complex
_MULTI_CYL_LIMIT_Q = 32  # -8.00 D and S +8.00 D: multifocal sphero-cylindrical
_CYLINDER_LIMIT_Q = 16  # +4.00 D cylinder (both designs, sphere <= 0)
# Bit width that bounds every offset sphere compared below: lens sphere + 128 <= 255 + 31 = 286,
# plus cylinder (<= 63) or a limit (<= 32): at most 349 < 2**9.
_CMP_BITS = 9


def lens_inputs(usage: LensUsage | str) -> tuple[int, int]:
    """Return ``(design, near)`` of the lens made for ``usage``.

    The public design code and the private near flag: far ``(0, 0)``, near ``(0, 1)``,
    progressive ``(1, 0)``.
    """
    u = LensUsage(usage)
    return u.design.code, int(u is LensUsage.NEAR)


assert lens_inputs(LensUsage.PROGRESSIVE)[0] == LensDesign.MULTIFOCAL.code == 1


@gadget
def lens_class(
    api: Builder,
    sphere_off: LinearCombination,
    cylinder: LinearCombination,
    addition: LinearCombination,
    design: LinearCombination,
    near: LinearCombination,
) -> LinearCombination:
    """Return the lens class code (0 simple, 1 complex, 2 very complex) of spec §2.

    PRECONDITIONS (the caller range-checks them, as :func:`eye_fields` does): ``sphere_off``
    in ``[1, 255]`` (canonical sphere + 128), ``cylinder`` in ``[0, 63]``, ``addition`` in
    ``[0, 31]``. Constrained here: ``design`` and ``near`` are bits, not both set (a near
    lens is unifocal); a multifocal or near lens needs ``addition > 0``.

    The table of spec §2 reduces to one formula. With the lens sphere ``s`` (the
    prescription's, or sphere + addition for near), the cylinder ``c``, ``S = s + c`` and a
    limit ``L`` = 6.00 D (unifocal), 4.00 D (multifocal spherical), 8.00 D (multifocal
    sphero-cylindrical), the lens is in the lower class of its design iff
    ``(s <= 0 and s >= -L and c <= +4.00)`` or ``(s > 0 and S <= L)``; the class is then
    ``design + (0 if lower else 1)``. Spherical lenses (``c = 0``) fall in the same formula:
    ``c <= 4.00`` holds and ``S = s``.

    Cost: 49 constraints.
    """
    with api.scope("design"):
        g.assert_bool(api, design)
        g.assert_bool(api, near)
        api.assert_mul(design, near, 0)  # a near-vision lens is unifocal
        addition_zero = g.is_zero(api, addition)
        # multifocal or near => addition > 0 (spec §2, docs/design.md §3)
        api.assert_mul(design + near, addition_zero, 0)
    with api.scope("power"):
        lens_sphere = sphere_off + api.mul(near, addition)  # near: sphere + addition
        cylinder_zero = g.is_zero(api, cylinder)
        limit = (
            _UNIFOCAL_LIMIT_Q
            + (_MULTI_CYL_LIMIT_Q - _UNIFOCAL_LIMIT_Q) * design
            - (_MULTI_CYL_LIMIT_Q - _MULTI_SPHERICAL_LIMIT_Q) * api.mul(design, cylinder_zero)
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
        return design + 1 - lower


@gadget
def eye_fields(
    api: Builder, bits: list[LinearCombination]
) -> tuple[LinearCombination, LinearCombination, LinearCombination]:
    """Check one eye's 27 packed bits and return ``(sphere_off, cylinder, addition)``.

    ``bits`` are known-boolean bits (from ``to_bits``), least significant first, in the layout
    of :mod:`zkclaims.domain.packing`. Constrains: sphere field != 0 (sphere >= -31.75 D);
    axis <= 180; axis = 0 iff cylinder = 0. The bit widths bound the other fields.

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

    Public ``klass`` and ``design``; private ``sphere_off`` (sphere + 128), ``cylinder``,
    ``addition`` (quarter-dioptres) and ``near``. Range-checks the three fields as the
    packing does, then constrains ``lens_class(...) == klass``; records the output ``"class"``.
    """

    name = "lens-class-2020"

    klass = public(doc="claimed lens class code")
    design = public(doc="lens design code: unifocal 0, multifocal 1")
    sphere_off = private(doc="canonical sphere_q + 128, in 1..255")
    cylinder = private(doc="canonical cylinder_q, 0..63")
    addition = private(doc="addition_q, 0..31")
    near = private(doc="1 for a unifocal lens for near vision")

    def define(self, api: Builder) -> None:
        """Range-check the fields, compute the class, equate it to the public one."""
        with api.scope("fields"):
            g.to_bits(api, self.sphere_off, SPHERE_BITS)
            g.assert_nonzero(api, self.sphere_off)
            g.to_bits(api, self.cylinder, CYLINDER_BITS)
            g.to_bits(api, self.addition, ADDITION_BITS)
        cls = lens_class(api, self.sphere_off, self.cylinder, self.addition, self.design,
                         self.near)
        api.output("class", cls)
        api.assert_equal(cls, self.klass)


class EquipmentClaimCircuit(Circuit):
    """The equipment claim statement (``optique-equipement-2020`` v2); see the module docstring."""

    name = CIRCUIT_NAME
    statement_version = STATEMENT_VERSION

    commitment = public(doc="commitment v2 signed by the prescriber")
    patient_tag = public(doc="per-claim patient tag: hash2(patient, claim_context)")
    design_right = public(doc="design code of the right lens: unifocal 0, multifocal 1")
    class_right = public(doc="lens class code of the right lens")
    design_left = public(doc="design code of the left lens")
    class_left = public(doc="lens class code of the left lens")
    prescription_day = public(doc="prescription day, days since 1970-01-01")
    claim_context = public(doc="SHA-256 of the canonical claim fields, mod r")
    packed = private(doc="packed canonical prescription (70 bits)")
    patient = private(doc="the patient (INS and birth date) as a field element")
    blinding = private(doc="commitment blinding (248 random bits)")
    near_right = private(doc="1 when the right lens is unifocal for near vision")
    near_left = private(doc="1 when the left lens is unifocal for near vision")

    def define(self, api: Builder) -> None:
        """Constrain the commitment, the patient tag, field ranges, the day and each lens."""
        with api.scope("commitment"):
            c = g.poseidon_hash3(api, self.packed, self.patient, self.blinding,
                                 domain=COMMITMENT_TAG_V2)
            api.assert_equal(c, self.commitment)
        with api.scope("patient_tag"):
            t = g.poseidon_hash2(api, self.patient, self.claim_context, domain=PATIENT_TAG_DOMAIN)
            api.assert_equal(t, self.patient_tag)
        with api.scope("unpack"):
            bits = g.to_bits(api, self.packed, PACKED_BITS)
            day = g.from_bits(api, bits[2 * EYE_BITS : 2 * EYE_BITS + DAY_BITS])
            api.assert_equal(day, self.prescription_day)
        for side, lo, design, near, klass in (
            ("right", 0, self.design_right, self.near_right, self.class_right),
            ("left", EYE_BITS, self.design_left, self.near_left, self.class_left),
        ):
            with api.scope(f"lens.{side}"):
                sphere_off, cylinder, addition = eye_fields(api, bits[lo : lo + EYE_BITS])
                cls = lens_class(api, sphere_off, cylinder, addition, design, near)
                api.output(f"class_{side}", cls)
                api.assert_equal(cls, klass)
