"""The early-renewal statement for the 2020 rules (``optique-renouvellement-2020``).

Written only with the public frontend API (:mod:`zkclaims.circuit`). docs/design.md §3,
docs/rules.md §5 and docs/renewal.md:

* public: ``previous_commitment`` (the commitment of the previous reimbursed equipment, from
  the insurer's ledger), ``new_commitment`` (the equipment proof's), ``criteria`` (the mask of
  the criteria the insurer accepts, :class:`~zkclaims.domain.vision_change.RenewalCriterion`),
  ``claim_context`` (the equipment claim's);
* private: ``previous_packed``, ``new_packed`` (the two prescriptions, 70-bit layout of
  :mod:`zkclaims.domain.packing`), ``patient`` (one field element for both: the same-patient
  proof), ``previous_blinding``, ``new_blinding``.

It proves:

1. ``previous_commitment == commit_v2(previous_packed, patient, previous_blinding)`` and
   ``new_commitment == commit_v2(new_packed, patient, new_blinding)`` with the **same**
   ``patient``: both prescriptions were committed for the same person;
2. both packings are well formed (``< 2**70``; per eye: sphere field != 0, axis <= 180,
   axis = 0 iff cylinder = 0);
3. at least one criterion of spec §5 in the public mask holds between the two prescriptions
   (:func:`zkclaims.domain.vision_change.criteria_met_q`, the clear-text rule).

Nothing else is public: not which criterion holds, not on which lens, not the prescription days
(the verifier orders the prescriptions from the days their prescribers signed). The mask is
an input, so an insurer, or a later rules version, switches a criterion on or off without a
new circuit.

How the rule is computed (per lens, deltas of the canonical fields): a delta ``d`` is classified
by two flags, ``d != 0`` (``is_zero``) and ``|d| >= 2`` (``is_zero(d (d - 1) (d + 1))``): exact
for any integer, no range check needed, since a field element ``d`` with ``d^3 = d`` is one of
-1, 0, 1. The axis change compares ``|a1 - a0|`` with the band threshold ``T`` of the new
cylinder: more than ``T`` and less than ``180 - T`` degrees. The criteria are then boolean
formulas over these flags; the mask check is ``prod_i (1 - m_i c_i) == 0``.

:class:`RenewalRuleCircuit` runs the rule alone (with the range checks of the packing), and
:class:`EyeChangeCircuit` one lens, so that both can be evaluated on whole grids in batch mode.
"""

from __future__ import annotations

from typing import NamedTuple

from zkclaims.circuit import Builder, Circuit, LinearCombination, gadget, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.commitment import COMMITMENT_TAG_V2
from zkclaims.domain.packing import (
    ADDITION_BITS,
    AXIS_BITS,
    CYLINDER_BITS,
    EYE_BITS,
    PACKED_BITS,
    SPHERE_BITS,
)
from zkclaims.domain.vision_change import (
    AXIS_BANDS,
    CRITERIA_BITS,
    EACH_LENS_Q,
    ONE_LENS_Q,
    RenewalCriterion,
)

__all__ = [
    "CIRCUIT_NAME",
    "EyeFields",
    "EyeFlags",
    "eye_checks",
    "unpack",
    "delta_flags",
    "axis_change",
    "eye_change",
    "criteria_flags",
    "assert_accepted",
    "EyeChangeCircuit",
    "RenewalRuleCircuit",
    "RenewalCircuit",
    "open_commitment",
    "change_of_vision",
]

LC = LinearCombination

#: Name of the statement (and of its artifacts folder).
CIRCUIT_NAME = "optique-renouvellement-2020"

# The gadgets below are written for these thresholds (0.25 D and 0.50 D): the flags of a delta
# are "d != 0" and "|d| >= 2".
assert (EACH_LENS_Q, ONE_LENS_Q) == (1, 2)
(_BAND1_MAX_Q, _T1), (_BAND2_MAX_Q, _T2), (_, _T3) = AXIS_BANDS
assert _BAND1_MAX_Q is not None and _BAND2_MAX_Q is not None and _T1 > _T2 > _T3 > 0


class EyeFields(NamedTuple):
    """One eye's packed fields (range-checked) and whether its cylinder is zero."""

    sphere_off: LC
    cylinder: LC
    axis: LC
    addition: LC
    cylinder_zero: LC


class EyeFlags(NamedTuple):
    """The change of one lens as boolean flags (see :func:`eye_change`)."""

    far_any: LC
    far_big: LC
    add_any: LC
    add_big: LC
    near_any: LC
    near_big: LC
    axis: LC


@gadget
def eye_checks(
    api: Builder, sphere_off: LC, cylinder: LC, axis: LC, addition: LC
) -> EyeFields:
    """Check one eye's fields as the equipment statement does; return them with a flag.

    PRECONDITION: the four fields come from ``to_bits`` / ``from_bits`` with the widths of the
    packing (8, 6, 8, 5 bits). Constrains: sphere field != 0 (sphere >= -31.75 D); axis <= 180;
    axis = 0 iff cylinder = 0. Returns the fields and ``cylinder_zero`` (known boolean).

    Cost: 14 constraints.
    """
    g.assert_nonzero(api, sphere_off)
    g.assert_less_or_equal_unchecked(api, axis, 180, bits=AXIS_BITS)
    cylinder_zero = g.is_zero(api, cylinder)
    api.assert_equal(g.is_zero(api, axis), cylinder_zero)
    return EyeFields(sphere_off, cylinder, axis, addition, cylinder_zero)


@gadget
def unpack(api: Builder, packed: LC) -> tuple[EyeFields, EyeFields]:
    """Decompose a packed prescription (``< 2**70``) and check both eyes' fields.

    Cost: 98 constraints (70 bits, 14 per eye).
    """
    bits = g.to_bits(api, packed, PACKED_BITS)
    eyes = []
    for lo in (0, EYE_BITS):
        fields = []
        i = lo
        for width in (SPHERE_BITS, CYLINDER_BITS, AXIS_BITS, ADDITION_BITS):
            fields.append(g.from_bits(api, bits[i : i + width]))
            i += width
        eyes.append(eye_checks(api, *fields))
    return eyes[0], eyes[1]


@gadget
def delta_flags(api: Builder, d: LC) -> tuple[LC, LC]:
    """Return ``(d != 0, |d| >= 2)`` for a field element read as a signed integer.

    Exact for every integer ``d`` with ``|d| < r / 2`` (no range precondition): ``d^3 - d``
    vanishes exactly on -1, 0, 1. Cost: 6 constraints (two ``is_zero``, two products).
    """
    nonzero = g.not_(api, g.is_zero(api, d))
    d_sq = api.mul(d, d)
    small = g.is_zero(api, api.mul(d, d_sq - 1))  # |d| <= 1
    return nonzero, g.not_(api, small)


@gadget
def axis_change(api: Builder, previous: EyeFields, new: EyeFields) -> LC:
    """Return 1 when criterion 4 holds on this lens (spec §5), else 0.

    Both cylinders non-zero, and the angular difference of the axes more than the threshold
    ``T`` of the **new** cylinder's band (20° up to 1.00 D, 10° up to 4.00 D, 5° above). With
    both axes in 1..180, the difference on the circle exceeds ``T`` iff ``T < |a1 - a0| <
    180 - T``.

    PRECONDITION: fields from :func:`eye_checks` (axes and cylinders range-checked).
    Cost: 45 constraints.
    """
    both = g.and_(api, g.not_(api, previous.cylinder_zero), g.not_(api, new.cylinder_zero))
    # |a1 - a0| in 0..180
    negative = g.less_than_unchecked(api, new.axis, previous.axis, bits=AXIS_BITS)
    diff = new.axis - previous.axis
    magnitude = diff - 2 * api.mul(negative, diff)
    # the band of the new cylinder: T = T1 - (T1 - T2) [c > B1] - (T2 - T3) [c > B2]
    above1 = g.less_than_unchecked(api, _BAND1_MAX_Q, new.cylinder, bits=CYLINDER_BITS)
    above2 = g.less_than_unchecked(api, _BAND2_MAX_Q, new.cylinder, bits=CYLINDER_BITS)
    threshold = _T1 - (_T1 - _T2) * above1 - (_T2 - _T3) * above2
    more = g.less_than_unchecked(api, threshold, magnitude, bits=AXIS_BITS)
    less = g.less_than_unchecked(api, magnitude, 180 - threshold, bits=AXIS_BITS)
    return g.and_(api, both, g.and_(api, more, less))


@gadget
def eye_change(api: Builder, previous: EyeFields, new: EyeFields) -> EyeFlags:
    """Return the flags of one lens's change: far (sphere or cylinder), addition, near, axis.

    ``far_any``: sphere or cylinder changed; ``far_big``: one of them by >= 0.50 D;
    ``add_*``: the addition, ``near_*``: sphere + addition, likewise; ``axis``: criterion 4 on
    this lens (:func:`axis_change`). Cost: 71 constraints (4 deltas x 6, 2 products, 45).
    """
    ds = new.sphere_off - previous.sphere_off
    dc = new.cylinder - previous.cylinder
    da = new.addition - previous.addition
    with api.scope("sphere"):
        s_any, s_big = delta_flags(api, ds)
    with api.scope("cylinder"):
        c_any, c_big = delta_flags(api, dc)
    with api.scope("addition"):
        add_any, add_big = delta_flags(api, da)
    with api.scope("near"):
        near_any, near_big = delta_flags(api, ds + da)
    with api.scope("far"):
        far_any = g.or_(api, s_any, c_any)
        far_big = g.or_(api, s_big, c_big)
    with api.scope("axis"):
        axis = axis_change(api, previous, new)
    return EyeFlags(far_any, far_big, add_any, add_big, near_any, near_big, axis)


def _one_or_each(api: Builder, big_r: LC, big_l: LC, any_r: LC, any_l: LC) -> LC:
    """``>= 0.50 D on one lens, or >= 0.25 D on each`` (3 constraints)."""
    return g.or_(api, g.or_(api, big_r, big_l), g.and_(api, any_r, any_l))


def _sum_on_one(api: Builder, r: tuple[LC, LC, LC, LC], l_: tuple[LC, LC, LC, LC]) -> LC:
    """``x + y >= 0.50 D on one lens`` from ``(x_any, x_big, y_any, y_big)`` per lens (7)."""
    out = []
    for x_any, x_big, y_any, y_big in (r, l_):
        out.append(g.or_(api, g.or_(api, x_big, y_big), g.and_(api, x_any, y_any)))
    return g.or_(api, out[0], out[1])


@gadget
def criteria_flags(
    api: Builder, right: EyeFlags, left: EyeFlags, new_addition_sum: LC
) -> list[LC]:
    """Return the five criterion flags of spec §5, in the bit order of the mask.

    ``new_addition_sum`` = right + left addition of the new prescription (both in 0..31, so it
    is zero iff neither lens has an addition: presbyopia is its being non-zero).
    Cost: 28 constraints.
    """
    presbyopia = g.not_(api, g.is_zero(api, new_addition_sum))
    far_changed = g.or_(api, right.far_any, left.far_any)
    c1 = _one_or_each(api, right.far_big, left.far_big, right.far_any, left.far_any)
    p_far = g.and_(api, presbyopia, far_changed)
    p_no_far = presbyopia - p_far  # presbyopia and not far_changed (boolean, free)
    api.mark_boolean(p_no_far)
    c2 = g.and_(
        api, p_no_far, _one_or_each(api, right.add_big, left.add_big, right.add_any, left.add_any)
    )
    c3 = g.and_(api, p_far, _sum_on_one(
        api,
        (right.far_any, right.far_big, right.near_any, right.near_big),
        (left.far_any, left.far_big, left.near_any, left.near_big),
    ))
    c4 = g.or_(api, right.axis, left.axis)
    c5 = g.and_(api, p_far, _sum_on_one(
        api,
        (right.far_any, right.far_big, right.add_any, right.add_big),
        (left.far_any, left.far_big, left.add_any, left.add_big),
    ))
    flags = [c1, c2, c3, c4, c5]
    assert [int(c) for c in RenewalCriterion] == [1 << i for i in range(len(flags))]
    return flags


@gadget
def assert_accepted(api: Builder, mask: LC, flags: list[LC]) -> None:
    """Constrain ``mask < 2**CRITERIA_BITS`` and that some flag ``i`` with mask bit ``i`` is 1.

    ``prod_i (1 - m_i c_i) == 0``. Cost: 14 constraints (5 bits, 5 products, 4 in the chain).
    """
    bits = g.to_bits(api, mask, CRITERIA_BITS)
    product: LC | None = None
    for i, (m, c) in enumerate(zip(bits, flags, strict=True)):
        term = 1 - api.mul(m, c)
        if product is None:
            product = term
        elif i < len(flags) - 1:
            product = api.mul(product, term)
        else:
            api.assert_mul(product, term, 0)


def _rule(
    api: Builder,
    previous: tuple[EyeFields, EyeFields],
    new: tuple[EyeFields, EyeFields],
) -> list[LC]:
    flags = []
    for side, p, n in (("right", previous[0], new[0]), ("left", previous[1], new[1])):
        with api.scope(f"change.{side}"):
            flags.append(eye_change(api, p, n))
    with api.scope("criteria"):
        return criteria_flags(api, flags[0], flags[1], new[0].addition + new[1].addition)


def _checked_eye(api: Builder, sphere_off: LC, cylinder: LC, axis: LC, addition: LC) -> EyeFields:
    """Range-check raw eye fields by the packing widths, then :func:`eye_checks` (41)."""
    for x, width in ((sphere_off, SPHERE_BITS), (cylinder, CYLINDER_BITS), (axis, AXIS_BITS),
                     (addition, ADDITION_BITS)):
        g.to_bits(api, x, width)
    return eye_checks(api, sphere_off, cylinder, axis, addition)


class EyeChangeCircuit(Circuit):
    """One lens's change alone, for the exhaustive batch test (not a deployed statement).

    Private: the previous and the new eye's fields (sphere + 128, cylinder, axis, addition),
    range-checked as the packing does; records the :class:`EyeFlags` as outputs.
    """

    name = "renewal-eye-change-2020"

    p_sphere_off = private()
    p_cylinder = private()
    p_axis = private()
    p_addition = private()
    n_sphere_off = private()
    n_cylinder = private()
    n_axis = private()
    n_addition = private()

    def define(self, api: Builder) -> None:
        """Check both eyes' fields, compute the flags, record them."""
        with api.scope("fields"):
            p = _checked_eye(api, self.p_sphere_off, self.p_cylinder, self.p_axis,
                             self.p_addition)
            n = _checked_eye(api, self.n_sphere_off, self.n_cylinder, self.n_axis,
                             self.n_addition)
        flags = eye_change(api, p, n)
        for name, value in flags._asdict().items():
            api.output(name, value)


_EYES = ("pr", "pl", "nr", "nl")  # previous right, previous left, new right, new left


class RenewalRuleCircuit(Circuit):
    """The rule alone on four eyes' fields, with the public mask (not a deployed statement).

    Public ``criteria``; private, for each of ``pr, pl, nr, nl`` (previous / new, right /
    left): ``<eye>_sphere_off``, ``<eye>_cylinder``, ``<eye>_axis``, ``<eye>_addition``.
    Range-checks the fields as the packing does, computes the five criterion flags (outputs
    ``c1`` .. ``c5``) and asserts that an accepted one holds.
    """

    name = "renewal-rule-2020"

    criteria = public(doc="mask of the accepted criteria")
    pr_sphere_off, pr_cylinder, pr_axis, pr_addition = (private() for _ in range(4))
    pl_sphere_off, pl_cylinder, pl_axis, pl_addition = (private() for _ in range(4))
    nr_sphere_off, nr_cylinder, nr_axis, nr_addition = (private() for _ in range(4))
    nl_sphere_off, nl_cylinder, nl_axis, nl_addition = (private() for _ in range(4))

    def define(self, api: Builder) -> None:
        """Range-check, compute the criteria, assert that an accepted one holds."""
        eyes = {}
        with api.scope("fields"):
            for e in _EYES:
                eyes[e] = _checked_eye(api, *(getattr(self, f"{e}_{f}") for f in (
                    "sphere_off", "cylinder", "axis", "addition")))
        flags = _rule(api, (eyes["pr"], eyes["pl"]), (eyes["nr"], eyes["nl"]))
        for i, f in enumerate(flags):
            api.output(f"c{i + 1}", f)
        with api.scope("accepted"):
            assert_accepted(api, self.criteria, flags)


class RenewalCircuit(Circuit):
    """The early-renewal statement (``optique-renouvellement-2020``); see the module docstring."""

    name = CIRCUIT_NAME
    statement_version = 1

    previous_commitment = public(doc="commitment of the previous reimbursed equipment")
    new_commitment = public(doc="commitment of the equipment claimed now")
    criteria = public(doc="mask of the criteria the insurer accepts (RenewalCriterion)")
    claim_context = public(doc="the equipment claim's context")
    previous_packed = private(doc="previous packed canonical prescription (70 bits)")
    new_packed = private(doc="new packed canonical prescription (70 bits)")
    patient = private(doc="patient field element, shared by both commitments")
    previous_blinding = private(doc="blinding of the previous commitment")
    new_blinding = private(doc="blinding of the new commitment")

    def define(self, api: Builder) -> None:
        """Open both commitments for one patient, check the packings, prove a criterion."""
        for which in ("previous", "new"):
            with api.scope(f"commitment.{which}"):
                open_commitment(api, getattr(self, f"{which}_commitment"),
                                getattr(self, f"{which}_packed"), self.patient,
                                getattr(self, f"{which}_blinding"))
        with api.scope("context"):
            api.mul(self.claim_context, self.claim_context)  # binds the public input
        change_of_vision(api, self.previous_packed, self.new_packed, self.criteria)


def open_commitment(api: Builder, commitment: LC, packed: LC, patient: LC, blinding: LC) -> None:
    """Constrain ``commitment == commit_v2(packed, patient, blinding)`` (295 constraints)."""
    c = g.poseidon_hash3(api, packed, patient, blinding, domain=COMMITMENT_TAG_V2)
    api.assert_equal(c, commitment)


def change_of_vision(api: Builder, previous_packed: LC, new_packed: LC, criteria: LC) -> None:
    """Constrain the renewal relation over two packed prescriptions.

    Both are well formed, and some criterion of the public mask ``criteria`` holds between
    them (scopes ``unpack.previous``, ``unpack.new``, ``change.right``, ``change.left``,
    ``criteria``, ``accepted``: 380 constraints). The commitments the packings open are the
    caller's to constrain.
    """
    with api.scope("unpack.previous"):
        previous = unpack(api, previous_packed)
    with api.scope("unpack.new"):
        new = unpack(api, new_packed)
    flags = _rule(api, previous, new)
    with api.scope("accepted"):
        assert_accepted(api, criteria, flags)
