"""The renewal claim statement (circuits/renewal_claim.py): counts, shipped keys, and that it
holds exactly when the equipment statement and the renewal statement both hold over the same
opening of the new commitment (batch mode, hypothesis over whole prescription pairs)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from r1cs_batch import unsatisfied_rows
from test_renewal_circuit import NEW, PREV, prescription_pairs
from zkclaims.circuits import circuit_info, load_verifying_key
from zkclaims.circuits.build import constraint_counts, describe, part_counts
from zkclaims.circuits.equipment import EquipmentClaimCircuit, lens_inputs
from zkclaims.circuits.renewal import RenewalCircuit
from zkclaims.circuits.renewal_claim import CIRCUIT_NAME, RenewalClaimCircuit

from zkclaims.commitment import commit_v2, patient_tag
from zkclaims.domain import LensUsage, Patient
from zkclaims.domain.packing import pack_prescription
from zkclaims.domain.rules import classify_lens
from zkclaims.domain.vision_change import vision_change_allows_early_renewal
from zkclaims.errors import UnsatisfiedConstraintError
from zkclaims.field import R

ROOT = Path(__file__).resolve().parents[1]

# Pinned exact counts. Changing the statement changes these on purpose.
RENEWAL_CLAIM_CONSTRAINTS = 1410
SCOPES = {
    # the equipment statement's
    "commitment": 295, "patient_tag": 241, "unpack": 71, "lens.right": 64, "lens.left": 64,
    # the renewal relation over the same opening
    "commitment.previous": 295, "unpack.previous": 98, "unpack.new": 98, "change.right": 71,
    "change.left": 71, "criteria": 28, "accepted": 14,
}
PUBLIC = ["commitment", "patient_tag", "design_right", "class_right", "design_left",
          "class_left", "prescription_day", "claim_context", "previous_commitment", "criteria"]

PATIENT = Patient(ins="2 84 05 2A 004 012 69", birth_date=dt.date(1984, 5, 1))
OTHER = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))


def test_constraint_counts_are_pinned_per_scope_and_within_budget():
    r1cs = RenewalClaimCircuit().compile(check_unused=True)
    assert r1cs.n_constraints == RENEWAL_CLAIM_CONSTRAINTS < 2000
    assert part_counts(r1cs) == dict(sorted(SCOPES.items()))
    assert sum(SCOPES.values()) == RENEWAL_CLAIM_CONSTRAINTS
    # one commitment opening fewer than the two statements apart
    separate = EquipmentClaimCircuit().compile().n_constraints + (
        RenewalCircuit().compile().n_constraints)
    assert separate - RENEWAL_CLAIM_CONSTRAINTS == SCOPES["commitment"] + 1  # + context row
    # rows = constraints + public inputs + 1: a 2^11 domain, hence the 2^11 phase 1
    assert 1 << 10 < r1cs.n_constraints + r1cs.n_public + 1 <= 1 << 11
    pinned = json.loads((ROOT / "circuits" / "constraint_counts.json").read_text())
    assert pinned == constraint_counts()
    assert pinned[CIRCUIT_NAME] == RENEWAL_CLAIM_CONSTRAINTS


def test_shipped_artifacts_match_the_circuit_compiled_now():
    info, now = circuit_info(CIRCUIT_NAME), describe(CIRCUIT_NAME)
    assert info["circuit_id"] == now["circuit_id"], (
        "circuits/artifacts is stale: run `zkclaims circuits build --ceremony`")
    assert info["public_inputs"] == now["public_inputs"] == PUBLIC
    assert info["setup"] == "mpc" and info["contributions"] >= 4
    assert info["phase1_contributions"] >= 4 and len(info["transcript_sha256"]) == 64
    vk = load_verifying_key(CIRCUIT_NAME)
    assert vk.circuit_id == info["circuit_id"] and vk.n_public == len(PUBLIC)


def test_the_equipment_statement_is_its_prefix():
    """Its first 735 constraints are the equipment statement's, constraint for constraint and
    name for name, once variables are renumbered: so every audit of the equipment statement
    (tests/test_audit_circuit.py, tests/test_equipment_circuit.py) holds for it too."""
    eq, joint = EquipmentClaimCircuit().compile(), RenewalClaimCircuit().compile()
    extra_public, extra_private = joint.n_public - eq.n_public, 2  # previous_packed, _blinding
    first_private = 1 + eq.n_public
    n_private_inputs = 5  # packed, patient, blinding, near_right, near_left

    def renumber(v: int) -> int:
        if v < first_private:  # one, then the eight public inputs: the same
            return v
        if v < first_private + n_private_inputs:
            return v + extra_public
        return v + extra_public + extra_private

    assert joint.names[: eq.n_constraints] == eq.names
    for i, row in enumerate(eq.constraints):
        moved = tuple({renumber(v): c for v, c in lc.items()} for lc in row)
        assert moved == tuple(joint.constraints[i]), eq.names[i]
    # and the rest is the renewal relation: the previous commitment, then the rule's scopes
    assert joint.names[eq.n_constraints].startswith("commitment.previous/")


def _assignment(prev=PREV, new=NEW, *, mask=15, usages=(LensUsage.FAR, LensUsage.FAR),
                previous_patient=PATIENT, context=987654321, class_shift=0):
    """The joint assignment, and the equipment and renewal assignments it is made of."""
    canon, canon_prev = new.canonical(), prev.canonical()
    classes = [classify_lens(canon.right, usage=usages[0]),
               classify_lens(canon.left, usage=usages[1])]
    lenses = [lens_inputs(u) for u in usages]
    fe, pfe = PATIENT.field_element(), previous_patient.field_element()
    packed, previous_packed = pack_prescription(canon), pack_prescription(canon_prev)
    equipment = {
        "commitment": commit_v2(packed, fe, 2222),
        "patient_tag": patient_tag(fe, context),
        "design_right": lenses[0][0],
        "class_right": (classes[0].code + class_shift) % 3,
        "design_left": lenses[1][0],
        "class_left": classes[1].code,
        "prescription_day": (canon.issued_on - dt.date(1970, 1, 1)).days,
        "claim_context": context,
        "packed": packed, "patient": fe, "blinding": 2222,
        "near_right": lenses[0][1], "near_left": lenses[1][1],
    }
    previous = {"previous_commitment": commit_v2(previous_packed, pfe, 1111), "criteria": mask,
                "previous_packed": previous_packed, "previous_blinding": 1111}
    renewal = {"previous_commitment": previous["previous_commitment"],
               "new_commitment": equipment["commitment"], "criteria": mask,
               "claim_context": context, "previous_packed": previous_packed,
               "new_packed": packed, "patient": fe, "previous_blinding": 1111,
               "new_blinding": 2222}
    return {**equipment, **previous}, equipment, renewal


def test_honest_witness_and_public_inputs():
    joint, equipment, _ = _assignment()
    sol = RenewalClaimCircuit().solve(joint)
    assert sol.r1cs.is_satisfied(sol.witness)
    assert sol.public_inputs == [joint[k] for k in PUBLIC]
    # the prover's path (Poseidon natively) gives the same witness
    assert RenewalClaimCircuit().witness(joint) == [v % R for v in sol.witness]
    # its first eight public inputs are the equipment statement's, for the same claim
    assert sol.public_inputs[:8] == EquipmentClaimCircuit().solve(equipment).public_inputs


@pytest.mark.parametrize("change, scope", [
    ({"previous_patient": OTHER}, "commitment.previous"),  # another patient's prescription
    ({"class_shift": 1}, "lens.right"),  # a class the rules do not give
    ({"new": PREV.model_copy(update={"issued_on": NEW.issued_on})}, "accepted"),  # no change
    ({"mask": 8}, "accepted"),  # a change, but not of the accepted axis criterion
])
def test_each_relation_is_enforced_and_named(change, scope):
    joint, _, _ = _assignment(**change)
    with pytest.raises(UnsatisfiedConstraintError, match=scope):
        RenewalClaimCircuit().solve(joint)
    with pytest.raises(UnsatisfiedConstraintError, match=scope):
        RenewalClaimCircuit().witness(joint)


@pytest.mark.parametrize("field, value", [
    ("previous_commitment", 1), ("criteria", 0), ("criteria", 32), ("previous_blinding", 1112),
    ("patient", OTHER.field_element()),
])
def test_tampered_renewal_inputs_are_unsatisfiable(field, value):
    joint, _, _ = _assignment()
    with pytest.raises(UnsatisfiedConstraintError):
        RenewalClaimCircuit().solve({**joint, field: value})


def _satisfied(circuit, rows: list[dict]) -> list[bool]:
    batch = {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}
    sol = circuit.solve(batch, check=False)
    return list(~unsatisfied_rows(sol.r1cs, sol.witness, len(rows)))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(cases=st.lists(st.tuples(prescription_pairs(), st.integers(1, 31), st.integers(0, 3)),
                      min_size=24, max_size=24))
def test_holds_exactly_when_both_statements_hold(cases):
    """Whole prescription pairs, random masks, and one claimed class in four wrong: the joint
    statement is satisfiable exactly when the equipment statement and the renewal statement
    are, over the same opening, and that is the clear-text rule with the right class."""
    joints, equipments, renewals, expected = [], [], [], []
    for (prev, new), mask, wrong in cases:
        shift = 1 if wrong == 0 else 0
        j, e, r = _assignment(prev, new, mask=mask, class_shift=shift)
        joints.append(j)
        equipments.append(e)
        renewals.append(r)
        allowed, _ = vision_change_allows_early_renewal(prev, new=new, criteria=mask)
        expected.append(allowed and not shift)
    both = [a and b for a, b in zip(_satisfied(EquipmentClaimCircuit(), equipments),
                                    _satisfied(RenewalCircuit(), renewals), strict=True)]
    assert _satisfied(RenewalClaimCircuit(), joints) == both == expected
