"""Audit: soundness of the equipment statement v2 and of the builder, by forged witnesses.

Attacker model. In this frontend a witness variable is one of: an input (public or private),
a hint output (``api.hint``: bits, inverses, quotients), or the output of a multiplication
(``api.mul``), which the constraint ``a * b == out`` fixes once ``a`` and ``b`` are fixed. So a
cheating prover's whole freedom is (inputs, hint outputs). :func:`forge` runs ``define`` in
witness mode *without checks*, with any input values (including values the honest prover
would refuse: design 2, near 2, axis 200, packed >= 2**70, class r - 1, another patient) and
with any hint outputs replaced; multiplications are then recomputed as the attacker must.
Whatever comes out is checked with ``R1CS.is_satisfied`` of the compiled (deployed) system.

Soundness property checked: every forged witness that satisfies the R1CS has, as public lens
classes, the classes that spec §2 (``../shared/spec/regulation.md``) gives for the committed
prescription, the *public* design of each lens and the far/near choice in the witness (an
independent row-by-row reference below, not the circuit's formula), every packed field in
range, and as public patient tag the tag of the committed patient for the public claim context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from zkclaims.circuits.equipment import EquipmentClaimCircuit, LensClassCircuit

from zkclaims.circuit import Builder, Circuit, gadgets, private, public
from zkclaims.circuit.builder import batch_inverse
from zkclaims.commitment import commit_v2, patient_tag
from zkclaims.domain import EyePrescription, LensUsage, Patient, Prescription, classify_lens
from zkclaims.domain.packing import (
    EYE_BITS,
    PACKED_BITS,
    SPHERE_OFFSET,
    day_number,
    pack_prescription,
)
from zkclaims.errors import AssignmentMissingError, CircuitError
from zkclaims.field import R

R1CS_EQ = EquipmentClaimCircuit().compile()
#: (public design, private near) of each lens kind
FAR, NEAR, PROG = (0, 0), (0, 1), (1, 0)
DAY = dt.date(2025, 3, 10)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1)).field_element()
OTHER = Patient(ins="2 85 02 75 012 345 21", birth_date=dt.date(1968, 6, 1)).field_element()

# An override: (hint label, input values, honest outputs) -> outputs, or None to keep them.
Override = Callable[[str, list[int], list[int]], "list[int] | None"]


class _ForgingBuilder(Builder):
    """Witness-mode builder that never checks a constraint and lets a test rewrite hints."""

    def __init__(self, override: Override | None) -> None:
        super().__init__(compiling=False, check=False)
        self.override = override
        self.hint_labels: list[str] = []

    def hint(self, fn, *inputs, n_out=1, name=None):  # noqa: ANN001, ANN201 - Builder.hint
        label = f"{self._path()}:hint:{name or getattr(fn, '__name__', 'fn')}"
        vals = [self.value(x) for x in inputs]
        res = fn(*vals)
        res = [res] if n_out == 1 and not isinstance(res, list | tuple) else list(res)
        res = [int(v) % R for v in res]
        if self.override is not None:
            new = self.override(label, vals, list(res))
            if new is not None:
                assert len(new) == n_out
                res = [int(v) % R for v in new]
        self.hint_labels.append(label)
        return [self._new_var(f"{label}[{i}]", v) for i, v in enumerate(res)]


def forge(
    assignment: dict[str, int], override: Override | None = None, circuit: Circuit | None = None
) -> tuple[list[int], list[str]]:
    """Return the attacker's witness for ``assignment`` and hint overrides, and hint labels."""
    circuit = circuit or EquipmentClaimCircuit()
    b = circuit._run(_ForgingBuilder(override), assignment)
    return [int(v) % R for v in b.values], b.hint_labels


# --- independent reference of spec §2 (row by row, quarter-dioptres) -------------------------
def spec_class(sphere_q: int, cylinder_q: int, multifocal: bool) -> int:
    """Class code (0 simple, 1 complex, 2 very complex) of a lens, table of spec §2 row by row."""
    s, c, big = sphere_q, cylinder_q, sphere_q + cylinder_q
    if not multifocal:
        if c == 0:
            return 0 if -24 <= s <= 24 else 1
        if -24 <= s <= 0:
            return 0 if c <= 16 else 1
        if s < -24:
            return 1
        return 0 if big <= 24 else 1
    if c == 0:
        return 1 if -16 <= s <= 16 else 2
    if -32 <= s <= 0:
        return 1 if c <= 16 else 2
    if s < -32:
        return 2
    return 1 if big <= 32 else 2


def lens_spec_class(sphere_q: int, cylinder_q: int, addition_q: int, design: int,
                    near: int) -> int | None:
    """Spec class of a lens of public ``design`` and private ``near``, None when refused."""
    if (design, near) == FAR:
        return spec_class(sphere_q, cylinder_q, False)
    if (design, near) not in (NEAR, PROG) or addition_q == 0:
        return None  # near and multifocal need an addition (spec §2, DESIGN §3)
    if (design, near) == NEAR:
        return spec_class(sphere_q + addition_q, cylinder_q, False)
    return spec_class(sphere_q, cylinder_q, True)


def eye_fields_of(packed: int, side: int) -> dict[str, int]:
    e = (packed >> (side * EYE_BITS)) & ((1 << EYE_BITS) - 1)
    return {
        "sphere_off": e & 0xFF,
        "cylinder": (e >> 8) & 0x3F,
        "axis": (e >> 14) & 0xFF,
        "addition": e >> 22,
    }


def expected_classes(assignment: dict[str, int]) -> tuple[int, int] | None:
    """Spec classes implied by a (possibly forged) assignment, None when it is out of range."""
    packed = assignment["packed"]
    if not 0 <= packed < 1 << PACKED_BITS:
        return None
    out = []
    for side, name in ((0, "right"), (1, "left")):
        f = eye_fields_of(packed, side)
        if f["sphere_off"] == 0 or f["axis"] > 180 or (f["axis"] == 0) != (f["cylinder"] == 0):
            return None
        cls = lens_spec_class(f["sphere_off"] - SPHERE_OFFSET, f["cylinder"], f["addition"],
                              assignment[f"design_{name}"], assignment[f"near_{name}"])
        if cls is None:
            return None
        out.append(cls)
    return out[0], out[1]


def rx(right: tuple, left: tuple) -> Prescription:
    def eye(t):
        s, c, a, add = t
        return EyePrescription.from_quarters(s, c, a, add)

    return Prescription(right=eye(right), left=eye(left), issued_on=DAY)


def assignment_for(
    prescription: Prescription, lenses: tuple[tuple[int, int], tuple[int, int]],
    classes: tuple[int, int] | None = None, *, blinding: int = 12345, context: int = 777,
    patient: int = PATIENT,
) -> dict[str, int]:
    packed = pack_prescription(prescription.canonical())
    a = {
        "commitment": commit_v2(packed, patient, blinding),
        "patient_tag": patient_tag(patient, context),
        "design_right": lenses[0][0],
        "class_right": 0,
        "design_left": lenses[1][0],
        "class_left": 0,
        "prescription_day": day_number(DAY),
        "claim_context": context,
        "packed": packed,
        "patient": patient,
        "blinding": blinding,
        "near_right": lenses[0][1],
        "near_left": lenses[1][1],
    }
    if classes is None:
        classes = expected_classes(a)
        assert classes is not None
    a["class_right"], a["class_left"] = classes
    return a


def with_packed(a: dict[str, int], packed: int) -> dict[str, int]:
    """Same assignment with another packed value, the commitment and day fixed up to match."""
    out = dict(a, packed=packed)
    out["commitment"] = commit_v2(packed % R, a["patient"], a["blinding"])
    out["prescription_day"] = (packed >> (2 * EYE_BITS)) % (1 << 16)
    return out


def satisfied(a: dict[str, int], override: Override | None = None) -> bool:
    return R1CS_EQ.is_satisfied(forge(a, override)[0])


# A prescription with additions and cylinders on both eyes, so every usage is allowed:
# right -2.00 (+1.00) 90 add 2.00; left +5.00 add 2.50 (near: +7.50, complex).
RX_MAIN = rx((-8, 4, 90, 8), (20, 0, None, 10))


# ---------------------------------------------------------------------------------------------
# the harness is not vacuous
# ---------------------------------------------------------------------------------------------


def test_forge_without_tampering_gives_the_honest_witness():
    a = assignment_for(RX_MAIN, (PROG, NEAR))
    w, labels = forge(a)
    assert w == EquipmentClaimCircuit().witness(a)
    assert R1CS_EQ.is_satisfied(w)
    assert labels and all(":hint:" in x for x in labels)


def test_the_honest_classes_are_the_spec_reference():
    for usages in [(FAR, FAR), (NEAR, NEAR), (PROG, PROG), (FAR, PROG)]:
        a = assignment_for(RX_MAIN, usages)
        sol = EquipmentClaimCircuit().solve(a)
        assert (sol.output("class_right"), sol.output("class_left")) == expected_classes(a)
        names = {FAR: LensUsage.FAR, NEAR: LensUsage.NEAR, PROG: LensUsage.PROGRESSIVE}
        ref = tuple(
            classify_lens(e, usage=names[u]).code
            for e, u in ((RX_MAIN.right, usages[0]), (RX_MAIN.left, usages[1]))
        )
        assert ref == expected_classes(a)


# ---------------------------------------------------------------------------------------------
# claiming another class or design: every other public value, with honest hints
# ---------------------------------------------------------------------------------------------


def _lens(a: dict[str, int], side: str, lens: tuple[int, int]) -> dict[str, int]:
    return dict(a, **{f"design_{side}": lens[0], f"near_{side}": lens[1]})


@pytest.mark.parametrize("lenses", [(FAR, FAR), (NEAR, PROG), (PROG, NEAR)])
def test_no_other_public_class_is_satisfiable(lenses):
    a = assignment_for(RX_MAIN, lenses)
    honest = (a["class_right"], a["class_left"])
    assert satisfied(a)
    for cr in (0, 1, 2, 3, R - 1, R - 2):
        for cl in (0, 1, 2, 3, R - 1):
            if (cr, cl) != honest:
                assert not satisfied(dict(a, class_right=cr, class_left=cl)), (cr, cl)


def test_the_public_design_admits_exactly_the_spec_classes():
    """For each lens, every public (design, class) pair and every private near value the
    attacker may pick: satisfiable iff spec §2 gives that class to that design (far or near
    for a unifocal lens) for the committed prescription."""
    base = assignment_for(RX_MAIN, (FAR, FAR))
    canon = RX_MAIN.canonical()
    for side, eye in (("right", canon.right), ("left", canon.left)):
        spec = {(0, classify_lens(eye, usage=LensUsage.FAR).code),
                (0, classify_lens(eye, usage=LensUsage.NEAR).code),
                (1, classify_lens(eye, usage=LensUsage.PROGRESSIVE).code)}
        found = set()
        for design in (0, 1, 2):
            for near in (0, 1, R - 1):
                for cls in (0, 1, 2):
                    a = dict(_lens(base, side, (design, near)), **{f"class_{side}": cls})
                    if satisfied(a):
                        found.add((design, cls))
        assert found == spec, side


def test_design_and_near_outside_bits_are_rejected():
    """design 2 (or r - 1) would scale the multifocal limit; near 2 would add the addition
    twice; design = near = 1 would be a "near multifocal" lens: all refused."""
    a = assignment_for(RX_MAIN, (FAR, FAR))
    for bad in ((2, 0), (0, 2), (1, 1), (R - 1, 0), (0, R - 1), (3, 0), (1 << 70, 0)):
        for cr in (0, 1, 2):
            forged = dict(_lens(a, "right", bad), class_right=cr)
            assert not satisfied(forged), (bad, cr)


def test_near_or_multifocal_without_addition_is_rejected():
    no_add = rx((-8, 4, 90, 0), (20, 0, None, 0))
    a = assignment_for(no_add, (FAR, FAR))
    for lens in (NEAR, PROG):
        for cr in (0, 1, 2):
            assert not satisfied(dict(_lens(a, "right", lens), class_right=cr))
            assert not satisfied(dict(_lens(a, "left", lens), class_left=cr))


# ---------------------------------------------------------------------------------------------
# the patient: the commitment binds it, the tag is its tag for this claim
# ---------------------------------------------------------------------------------------------


def test_the_tag_of_another_patient_is_unsatisfiable():
    """Another patient's prescription claimed for this beneficiary: the insurer expects the tag
    of its record; a prover holding the other patient's opening cannot give that tag."""
    other_rx = assignment_for(RX_MAIN, (PROG, PROG), patient=OTHER)
    assert satisfied(other_rx)
    victim_tag = patient_tag(PATIENT, other_rx["claim_context"])
    assert not satisfied(dict(other_rx, patient_tag=victim_tag))
    # ... nor by swapping the patient inside the witness: the commitment binds it
    assert not satisfied(dict(other_rx, patient=PATIENT, patient_tag=victim_tag))
    # the same patient with another birth date is another patient
    younger = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1990, 6, 1))
    a = assignment_for(RX_MAIN, (FAR, FAR))
    assert not satisfied(dict(a, patient=younger.field_element(),
                              patient_tag=patient_tag(younger.field_element(), 777)))


def test_the_tag_is_bound_to_the_claim_context():
    a = assignment_for(RX_MAIN, (FAR, FAR))
    assert not satisfied(dict(a, claim_context=778))
    assert satisfied(dict(a, claim_context=778, patient_tag=patient_tag(PATIENT, 778)))


# ---------------------------------------------------------------------------------------------
# out-of-range packed fields, with the commitment recomputed to match (attacker's own opening)
# ---------------------------------------------------------------------------------------------


def _set_field(packed: int, side: int, shift: int, width: int, value: int) -> int:
    pos = side * EYE_BITS + shift
    return (packed & ~(((1 << width) - 1) << pos)) | (value << pos)


@pytest.mark.parametrize("axis", [181, 200, 255])
def test_axis_above_180_is_rejected(axis):
    a = assignment_for(RX_MAIN, (FAR, FAR))
    forged = with_packed(a, _set_field(a["packed"], 0, 14, 8, axis))
    for cr in (0, 1, 2):
        assert not satisfied(dict(forged, class_right=cr))


def test_axis_zero_with_cylinder_and_axis_without_cylinder_are_rejected():
    a = assignment_for(RX_MAIN, (FAR, FAR))
    no_axis = with_packed(a, _set_field(a["packed"], 0, 14, 8, 0))  # cylinder 4, axis 0
    assert not satisfied(no_axis)
    left_axis = with_packed(a, _set_field(a["packed"], 1, 14, 8, 45))  # cylinder 0, axis 45
    assert not satisfied(left_axis)


def test_sphere_field_zero_is_rejected():
    """Sphere field 0 would be -32.00 D, outside the packing's -31.75..+31.75."""
    a = assignment_for(RX_MAIN, (FAR, FAR))
    forged = with_packed(a, _set_field(a["packed"], 0, 0, 8, 0))
    for cr in (0, 1, 2):
        assert not satisfied(dict(forged, class_right=cr))


@pytest.mark.parametrize("extra", [1 << 70, 1 << 71, 1 << 200, R - (1 << 70)])
def test_packed_at_or_above_2_pow_70_is_rejected(extra):
    """A packed value >= 2**70 whose low 70 bits are a valid prescription is refused.

    Also the honest bit decomposition of ``packed mod 2**70`` is offered (the attacker's best
    try): the top bit then is not boolean.
    """
    a = assignment_for(RX_MAIN, (FAR, FAR))
    target = (a["packed"] + extra) % R
    forged = with_packed(a, target)
    forged["prescription_day"] = a["prescription_day"]
    assert not satisfied(forged)

    def low_bits(label, vals, honest):
        if label.startswith("unpack/to_bits"):
            return [(a["packed"] >> i) & 1 for i in range(len(honest))]
        return None

    assert not satisfied(forged, low_bits)


def test_packed_day_must_equal_the_public_day():
    a = assignment_for(RX_MAIN, (FAR, FAR))
    for day in (a["prescription_day"] + 1, a["prescription_day"] + (1 << 16), R - 1):
        assert not satisfied(dict(a, prescription_day=day % R))


def test_commitment_binds_packed_and_blinding():
    a = assignment_for(RX_MAIN, (FAR, FAR))
    assert not satisfied(dict(a, blinding=a["blinding"] + 1))
    assert not satisfied(dict(a, commitment=(a["commitment"] + 1) % R))
    # another valid prescription under the same commitment
    other = assignment_for(rx((-9, 4, 90, 8), (20, 0, None, 10)), (FAR, FAR))
    assert not satisfied(dict(other, commitment=a["commitment"]))
    # the same prescription for another patient under the same commitment
    assert not satisfied(dict(a, patient=OTHER, patient_tag=patient_tag(OTHER, 777)))


# ---------------------------------------------------------------------------------------------
# tampered hints: bit decompositions (comparator wrap-around) and inverses
# ---------------------------------------------------------------------------------------------


def _hint_positions(a: dict[str, int], suffix: str) -> list[int]:
    """Call positions (in define order) of the hints whose label ends with ``suffix``."""
    return [i for i, x in enumerate(forge(a)[1]) if x.endswith(suffix)]


def _at_position(pos: int, edit: Callable[[list[int], list[int]], list[int] | None]) -> Override:
    counter = [0]

    def ov(label, vals, honest):
        i = counter[0]
        counter[0] += 1
        return edit(vals, honest) if i == pos else None

    return ov


def test_every_bit_decomposition_resists_the_top_bit_flip():
    """For every to_bits(x, n) in the statement (range checks and comparators), offer the low
    bits of ``x -/+ 2**(n-1)`` mod r — the wrap-around that would flip the comparator's answer
    or let an out-of-range x pass — and check the forged witness fails."""

    needs = []

    def flip(vals, honest):
        x, k = vals[0], len(honest)
        other_top = 1 - ((x >> k) & 1)
        # the low part the other top bit needs: must be < 2**k, it never is (no wrap-around)
        need = (x - other_top * (1 << k)) % R
        needs.append((need, k))
        low = need % (1 << k)
        if low == x % (1 << k):
            low ^= 1  # truncation gave the honest bits back: offer a neighbour instead
        return [(low >> i) & 1 for i in range(k)]

    for lenses in [(FAR, NEAR), (PROG, PROG)]:
        a = assignment_for(RX_MAIN, lenses)
        positions = _hint_positions(a, ":hint:bits")
        # packed (1) + per eye: axis <= 180 (1), 4 comparators = 11
        assert len(positions) == 11
        for pos in positions:
            w, _ = forge(a, _at_position(pos, flip))
            assert w != forge(a)[0]
            assert not R1CS_EQ.is_satisfied(w), pos
    assert len(needs) == 22 and all(n >= 1 << k for n, k in needs)


def test_inverse_hints_cannot_fake_is_zero():
    """is_zero(x) with x != 0: a hinted inverse of 0 (claim "x == 0") or a wrong inverse fails.

    The addition of both eyes is non-zero; faking "addition is zero" or "cylinder is zero"
    would change the class or the allowed lenses.
    """
    a = assignment_for(RX_MAIN, (PROG, NEAR))
    positions = _hint_positions(a, ":hint:inverse")
    assert len(positions) == 8
    honest_w, _ = forge(a)
    tampered = 0
    for pos in positions:
        for fake in (0, 1, 2, R - 1):

            def edit(vals, honest, fake=fake):
                return None if vals[0] == 0 or honest[0] == fake else [fake]

            w, _ = forge(a, _at_position(pos, edit))
            if w != honest_w:
                tampered += 1
                assert not R1CS_EQ.is_satisfied(w), (pos, fake)
    assert tampered >= 8


def test_the_only_free_hint_is_the_inverse_of_zero_and_it_changes_nothing():
    """is_zero(0) accepts any inverse: a harmless degree of freedom (outputs unchanged)."""
    a = assignment_for(rx((-8, 0, None, 0), (20, 0, None, 0)), (FAR, FAR))

    def ov(label, vals, honest):
        return [987654321] if label.endswith(":hint:inverse") and vals[0] == 0 else None

    w, _ = forge(a, ov)
    assert w != forge(a)[0]
    assert R1CS_EQ.is_satisfied(w)
    assert w[1 : 1 + R1CS_EQ.n_public] == forge(a)[0][1 : 1 + R1CS_EQ.n_public]


_EYE = st.tuples(
    st.integers(1, 255),  # sphere field
    st.integers(0, 63),  # cylinder
    st.integers(0, 255),  # axis (out of range sometimes)
    st.integers(0, 31),  # addition
)


@st.composite
def attacks(draw):
    """A forged assignment (raw packed fields, any design and near flag, any claimed classes,
    sometimes another patient or a tag of another context) and hint edits."""
    fields = [draw(_EYE), draw(_EYE)]
    packed = 0
    for side, (s, c, ax, add) in enumerate(fields):
        if draw(st.integers(0, 3)):  # mostly well-formed axes
            ax = 0 if c == 0 else 1 + ax % 180
        e = s | c << 8 | ax << 14 | add << 22
        packed |= e << (side * EYE_BITS)
    packed |= day_number(DAY) << (2 * EYE_BITS)
    if draw(st.integers(0, 9)) == 0:
        packed += draw(st.sampled_from([1 << 70, R - (1 << 70), 1 << 69]))
    bit = st.sampled_from([0, 1, 0, 1, 0, 1, 2, R - 1])
    design, near = draw(st.tuples(bit, bit)), draw(st.tuples(bit, bit))
    patient = draw(st.sampled_from([PATIENT, PATIENT, PATIENT, OTHER]))
    a = {
        "commitment": 0, "patient_tag": patient_tag(PATIENT, 5),
        "design_right": design[0], "class_right": 0, "design_left": design[1],
        "class_left": 0, "prescription_day": day_number(DAY),
        "claim_context": 5, "packed": packed % R, "patient": patient, "blinding": 99,
        "near_right": near[0], "near_left": near[1],
    }
    a = with_packed(a, packed % R)
    if draw(st.integers(0, 3)) == 0:  # the tag of the patient in the witness, or another
        a["patient_tag"] = patient_tag(patient, draw(st.sampled_from([5, 6])))
    a["prescription_day"] = day_number(DAY)
    cls = [0, 1, 2, 3, R - 1]
    a["class_right"] = draw(st.sampled_from(cls))
    a["class_left"] = draw(st.sampled_from(cls))
    honest = expected_classes(a)
    if honest is not None and draw(st.booleans()):  # half the time, claim the right classes
        a["class_right"], a["class_left"] = honest
    n_edits = draw(st.sampled_from([0, 0, 1, 2, 3]))
    edits = [
        (draw(st.integers(0, 22)), draw(st.sampled_from(["flipbit", "random", "plus1", "wrap"])),
         draw(st.integers(0, 1 << 20)))
        for _ in range(n_edits)
    ]
    return a, edits


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attacks())
def test_property_every_satisfying_forgery_claims_the_spec_classes(case):
    """Random raw prescriptions, designs and near flags in {0, 1, 2, r-1}, claimed classes in
    {0, 1, 2, 3, r-1}, another patient or context for the tag, and random edits of random
    hints (bit flips, random values, +1, wrap-around by r - 2**k): whenever the R1CS is
    satisfied, the public classes are spec §2's for the committed fields and public designs,
    and the public tag is the committed patient's for the public claim context."""
    a, edits = case
    counter = [0]

    def ov(label, vals, honest):
        i = counter[0]
        counter[0] += 1
        out = list(honest)
        changed = False
        for idx, mode, rnd in edits:
            if idx != i:
                continue
            changed = True
            j = rnd % len(out)
            if mode == "flipbit":
                out[j] ^= 1
            elif mode == "random":
                out[j] = (rnd * 0x9E3779B97F4A7C15) % R
            elif mode == "plus1":
                out[j] = (out[j] + 1) % R
            else:
                out[j] = (out[j] - (1 << len(out))) % R
        return out if changed else None

    w, _ = forge(a, ov)
    ok = R1CS_EQ.is_satisfied(w)
    event(f"satisfied={ok}")
    if ok:
        exp = expected_classes(a)
        assert exp is not None, a
        assert (a["class_right"], a["class_left"]) == exp
        assert a["patient_tag"] == patient_tag(a["patient"], a["claim_context"])
        assert a["commitment"] == commit_v2(a["packed"], a["patient"], a["blinding"])


# ---------------------------------------------------------------------------------------------
# every variable is constrained; every public input appears in a constraint
# ---------------------------------------------------------------------------------------------


def test_no_unconstrained_variable_and_every_public_input_used():
    for circuit in (EquipmentClaimCircuit(), LensClassCircuit()):
        r1cs = circuit.compile(check_unused=True)
        used = set()
        for a, b, c in r1cs.constraints:
            used |= set(a) | set(b) | set(c)
        assert set(range(r1cs.n_vars)) <= used
    # every hint output appears in the A or B side of some constraint (not only linearly in C)
    b = EquipmentClaimCircuit().builder()
    r1cs = b.to_r1cs("x")
    hinted = {i for i, n in enumerate(b.var_names) if ":hint:" in n}
    ab = set()
    for a, bb, _c in r1cs.constraints:
        ab |= set(a) | set(bb)
    assert hinted and hinted <= ab


# ---------------------------------------------------------------------------------------------
# builder: compile mode and witness mode give one structure
# ---------------------------------------------------------------------------------------------


def test_structure_is_the_same_in_compile_scalar_and_batch_modes():
    """Assignments that exercise every branch of the data (zero / non-zero cylinder and
    addition, each lens kind, negative / positive spheres, the bounds) give the compiled
    digest."""
    digest = R1CS_EQ.digest()
    cases = [
        assignment_for(RX_MAIN, (FAR, FAR)),
        assignment_for(RX_MAIN, (PROG, NEAR)),
        assignment_for(rx((-127, 0, None, 0), (127, 63, 180, 31)), (FAR, NEAR)),
        assignment_for(rx((0, 0, None, 1), (-1, 1, 1, 31)), (PROG, PROG)),
    ]
    for a in cases:
        assert EquipmentClaimCircuit().solve(a).r1cs.digest() == digest
        # tampered witnesses (unchecked) record the same structure too
        b = EquipmentClaimCircuit()._run(_ForgingBuilder(lambda *x: None), dict(a, class_left=2))
        assert b.to_r1cs(EquipmentClaimCircuit.name).digest() == digest
    batch = {k: np.array([c[k] for c in cases], dtype=object) for k in cases[0]}
    sol = EquipmentClaimCircuit().solve(batch)
    assert sol.r1cs.digest() == digest
    for i, a in enumerate(cases):
        assert sol.witness_at(i) == EquipmentClaimCircuit().witness(a)


def test_value_reads_while_compiling_raise_and_hints_are_not_called():
    calls = []

    class ReadsValue(Circuit):
        x = public()

        def define(self, api):
            api.value(self.x)

    class BranchesOnValue(Circuit):
        x = public()

        def define(self, api):
            if api.mul(self.x, self.x):
                api.assert_equal(self.x, 1)

    class HintSpy(Circuit):
        x = public()
        y = private()

        def define(self, api):
            def spy(v):
                calls.append(v)
                return v

            (h,) = api.hint(spy, self.y)
            api.assert_equal(h, self.x)
            api.assert_equal(h, self.y)

    with pytest.raises(AssignmentMissingError):
        ReadsValue().compile()
    with pytest.raises(CircuitError, match="truth value"):
        BranchesOnValue().compile()
    with pytest.raises(CircuitError, match="truth value"):
        BranchesOnValue().solve({"x": 1})
    HintSpy().compile()
    assert calls == []
    HintSpy().solve({"x": 4, "y": 4})
    assert calls == [4]
    # a hint whose outputs no constraint uses is caught by check_unused
    class Forgets(Circuit):
        x = public()

        def define(self, api):
            api.hint(batch_inverse, self.x, name="lost")
            api.assert_equal(api.mul(self.x, self.x), 4)

    with pytest.raises(CircuitError, match="lost"):
        Forgets().compile(check_unused=True)


def test_constant_and_variable_operands_give_sound_gadgets():
    """Gadgets special-case constants (structure depends on constant-ness, never on values):
    a constant out of range raises when building, never produces an unsatisfiable-but-silent
    or vacuous constraint; values 0 and 1 in variables still get the full constraints."""
    with pytest.raises(CircuitError):

        class C(Circuit):
            x = public()

            def define(self, api):
                gadgets.to_bits(api, 300, 8)

        C().compile()

    class Bits(Circuit):
        x = public()

        def define(self, api):
            gadgets.to_bits(api, self.x, 8)

    r1cs = Bits().compile()
    assert r1cs.n_constraints == 8
    for v in (0, 1, 255):
        assert r1cs.is_satisfied(Bits().witness({"x": v}))
    for v in (256, R - 1, R - 256):
        w, _ = forge({"x": v}, None, Bits())
        assert not r1cs.is_satisfied(w)


# ---------------------------------------------------------------------------------------------
# design note: what the statement does not bind
# ---------------------------------------------------------------------------------------------


def test_design_note_far_or_near_is_the_provers_choice():
    """A limit of the statement, documented (docs/claim.md): the design of each lens is public
    and proven, but whether a unifocal lens is for far or near vision stays private, as the
    grouping codes never said it. For a presbyope whose near power is of a higher class, the
    same public design (unifocal) admits both classes. A far lens claimed multifocal shows
    "multifocal" to the insurer: the design is the optician's declaration, as on today's codes,
    which the public insurer receives as detailed codes."""
    far = assignment_for(RX_MAIN, (FAR, FAR))
    near = assignment_for(RX_MAIN, (FAR, NEAR))  # left +5.00 add 2.50: near +7.50 complex
    assert (far["design_left"], near["design_left"]) == (0, 0)
    assert (far["class_left"], near["class_left"]) == (0, 1)
    assert satisfied(far) and satisfied(near)
    # a multifocal claim changes the public design: the insurer sees it
    prog = assignment_for(RX_MAIN, (FAR, PROG))
    assert prog["design_left"] == 1 and satisfied(prog)
    # without an addition there is no choice: a far unifocal lens only
    no_add = assignment_for(rx((-8, 4, 90, 0), (20, 0, None, 0)), (FAR, FAR))
    for lens in (NEAR, PROG):
        for cls in (0, 1, 2):
            assert not satisfied(dict(_lens(no_add, "right", lens), class_right=cls))


def test_a_presbyopes_far_single_vision_lens_cannot_be_claimed_one_class_higher():
    """The attack of issue 9 (door 2): a presbyope fitted with single-vision far lenses claimed
    as progressive (category c instead of a). With the design public, a unifocal lens keeps
    its class: -2.00 add 2.00 is simple for far and for near; claiming it complex under the
    unifocal design it was delivered with is unsatisfiable for every private choice."""
    presbyope = rx((-8, 0, None, 8), (-6, 4, 90, 8))
    a = assignment_for(presbyope, (FAR, FAR))
    assert (a["class_right"], a["class_left"]) == (0, 0)
    for near in (0, 1):
        for side in ("right", "left"):
            for cls in (1, 2):
                forged = dict(_lens(a, side, (0, near)), **{f"class_{side}": cls})
                assert not satisfied(forged), (side, near, cls)
    # the class the attacker wanted is only reachable by declaring the lens multifocal
    assert satisfied(assignment_for(presbyope, (PROG, PROG), (1, 1)))


def test_gadgets_and_statements_never_read_values():
    """Structure cannot depend on values if the statement code never reads one: no
    ``api.value``, ``.val`` or ``.compiling`` in the gadgets or the shipped statement (hints
    are the only way to advice). The prover's witness-only fast path reads values
    (``zkclaims.circuit.native``) but records no constraint: the system always comes from
    compiling, and test_poseidon checks the fast path's witnesses equal the symbolic ones."""
    import inspect
    import re

    import zkclaims.circuits.equipment as equipment

    for module in (gadgets, equipment):
        src = inspect.getsource(module)
        assert not re.search(r"\.value\(|\.val\b|\.compiling\b|\.values\b", src), module


def test_from_bits_constrains_raw_inputs_to_booleans():
    """from_bits on variables not known boolean adds the booleanity constraints itself: a
    "bit" of 2 (or r - 1, which would cancel another bit) fails."""

    class Recompose(Circuit):
        out = public()
        bits = private(n=3)

        def define(self, api):
            api.assert_equal(gadgets.from_bits(api, self.bits), self.out)

    r1cs = Recompose().compile(check_unused=True)
    assert r1cs.n_constraints == 4  # 3 booleanity + 1 equality
    assert r1cs.is_satisfied(Recompose().witness({"out": 5, "bits": [1, 0, 1]}))
    for bits in ([2, 0, 0], [R - 1, 1, 0], [3, 1, 0], [1, 2, 0]):
        out = sum(b << i for i, b in enumerate(bits)) % R
        w, _ = forge({"out": out, "bits": bits}, None, Recompose())
        assert not r1cs.is_satisfied(w), bits


def test_lens_class_gadget_range_preconditions_hold_in_the_deployed_circuit():
    """lens_class's unchecked comparators need sphere_off < 2**8, cylinder < 2**6 and
    addition < 2**5: in EquipmentClaimCircuit they come from from_bits over to_bits outputs.
    Check it on the compiled builder: each eye's fields are recorded with those ranges."""
    b = EquipmentClaimCircuit().builder()
    widths = sorted(b._ranges.values())
    # packed (70), per eye: 4 fields (8, 6, 8, 5), and comparator internals
    for w in (70, 8, 6, 5):
        assert w in widths
