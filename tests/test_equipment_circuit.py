"""The equipment statement v2 (circuits/equipment.py): counts, artifacts, pins, exhaustive
equivalence of the lens part with the rules (design public, class public, near private)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from r1cs_batch import unsatisfied_rows
from zkclaims.circuits import circuit_info, load_verifying_key
from zkclaims.circuits.build import (
    STATEMENTS,
    constraint_counts,
    describe,
    part_counts,
    verifying_key_digest,
)
from zkclaims.circuits.equipment import (
    CIRCUIT_NAME,
    EquipmentClaimCircuit,
    LensClassCircuit,
    eye_fields,
    lens_class,
    lens_inputs,
)

from zkclaims import pins
from zkclaims.circuit import Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.commitment import commit_v2, patient_tag
from zkclaims.domain import (
    GRID_INVALID,
    EyePrescription,
    LensUsage,
    Patient,
    Prescription,
    classify_lens,
    classify_lens_grid,
)
from zkclaims.domain.packing import pack_prescription
from zkclaims.errors import UnsatisfiedConstraintError
from zkclaims.field import R

ROOT = Path(__file__).resolve().parents[1]

# Pinned exact counts (bellman style). Changing the statement changes these on purpose.
EQUIPMENT_CONSTRAINTS = 735
EQUIPMENT_PARTS = {  # top-level scope -> constraints
    "commitment": 295,  # Poseidon hash3 (t = 5) 294 + equality
    "patient_tag": 241,  # Poseidon hash2 (t = 3) 240 + equality
    "unpack": 71,  # 70 bits + the day equality
    "lens.right": 64,  # eye_fields 14 + lens_class 49 + class equality
    "lens.left": 64,
}
LENS_CLASS_CIRCUIT_CONSTRAINTS = 70
LENS_CLASS_GADGET = 49
EYE_FIELDS_GADGET = 14


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def grid():
    s, c = np.meshgrid(np.arange(-127, 128), np.arange(0, 64), indexing="ij")
    return s.ravel().astype(np.int64), c.ravel().astype(np.int64)


# ---------------------------------------------------------------------------------------------
# constraint counts, artifacts, pins
# ---------------------------------------------------------------------------------------------


def _drift(pinned: dict[str, int], now: dict[str, int]) -> list[str]:
    return [f"scope {k}: {now.get(k)} constraints now, {pinned.get(k)} pinned"
            for k in sorted(set(pinned) | set(now)) if pinned.get(k) != now.get(k)]


def test_constraint_counts_are_pinned_per_scope():
    r1cs = EquipmentClaimCircuit().compile(check_unused=True)
    assert r1cs.n_public == 8
    parts = part_counts(r1cs)
    assert not _drift(EQUIPMENT_PARTS, parts), _drift(EQUIPMENT_PARTS, parts)
    assert r1cs.n_constraints == EQUIPMENT_CONSTRAINTS == sum(EQUIPMENT_PARTS.values()) <= 1000
    assert LensClassCircuit().compile(check_unused=True).n_constraints == (
        LENS_CLASS_CIRCUIT_CONSTRAINTS
    )
    names = r1cs.names
    assert sum(1 for n in names if n.startswith("lens.right/lens_class")) == LENS_CLASS_GADGET
    assert sum(1 for n in names if n.startswith("lens.left/eye_fields")) == EYE_FIELDS_GADGET
    # the committed file: every statement, every scope, the per-lens part
    pinned = json.loads((ROOT / "circuits" / "constraint_counts.json").read_text())
    drift = _drift(pinned, constraint_counts())
    assert not drift, ("circuits/constraint_counts.json differs from the circuits compiled now"
                       f" ({'; '.join(drift)}): run `zkclaims circuits build`")
    expected = {CIRCUIT_NAME: EQUIPMENT_CONSTRAINTS, "lens-class-2020": 70,
                **{f"{CIRCUIT_NAME}/{k}": v for k, v in EQUIPMENT_PARTS.items()}}
    assert {k: v for k, v in pinned.items() if k in expected} == expected


def test_drift_names_the_scope():
    pinned = dict(constraint_counts())
    pinned[f"{CIRCUIT_NAME}/lens.left"] += 1
    assert _drift(pinned, constraint_counts()) == [
        f"scope {CIRCUIT_NAME}/lens.left: 64 constraints now, 65 pinned"]


def test_gadget_costs_match_docstrings():
    class One(Circuit):
        k = public()
        d = public()
        s = private()
        c = private()
        a = private()
        n = private()

        def define(self, api):
            api.assert_equal(lens_class(api, self.s, self.c, self.a, self.d, self.n), self.k)

    class Eye(Circuit):
        x = private()

        def define(self, api):
            bits = g.to_bits(api, self.x, 27)
            eye_fields(api, bits)

    assert One().compile().n_constraints == LENS_CLASS_GADGET + 1
    assert Eye().compile().n_constraints == 27 + EYE_FIELDS_GADGET
    assert f"Cost: {LENS_CLASS_GADGET} constraints" in lens_class.__doc__
    assert f"Cost: {EYE_FIELDS_GADGET} constraints" in eye_fields.__doc__


def test_shipped_artifacts_match_the_circuit_compiled_now():
    info = circuit_info(CIRCUIT_NAME)
    now = describe(CIRCUIT_NAME)
    assert info["circuit_id"] == now["circuit_id"], (
        "circuits/artifacts is stale: the circuit changed since the keys were built; "
        "run `zkclaims circuits build`"
    )
    for k in ("n_public", "public_inputs", "n_constraints", "n_vars", "protocol", "curve",
              "statement_version"):
        assert info[k] == now[k], k
    assert info["statement_version"] == 2
    assert info["public_inputs"] == ["commitment", "patient_tag", "design_right", "class_right",
                                     "design_left", "class_left", "prescription_day",
                                     "claim_context"]
    # The shipped keys come from the multi-party ceremony (tests/test_ceremony_shipped.py
    # replays it): at least three contributions and a beacon in each phase.
    assert info["setup"] == "mpc" and info["contributions"] >= 4
    assert info["phase1_contributions"] >= 4 and len(info["transcript_sha256"]) == 64
    vk = load_verifying_key(CIRCUIT_NAME)
    assert vk.circuit_id == info["circuit_id"] and vk.n_public == 8


def test_every_shipped_key_is_pinned_by_digest():
    """zkclaims/pins.py (outside the artifacts folder) holds the SHA-256 of each statement's
    whole verifying key, written by `zkclaims circuits build`."""
    assert set(pins.VERIFYING_KEY_SHA256) == set(STATEMENTS)
    for name in STATEMENTS:
        vk = load_verifying_key(name)
        assert pins.VERIFYING_KEY_SHA256[name] == verifying_key_digest(vk), (
            f"zkclaims/pins.py does not pin the shipped key of {name}: run"
            " `zkclaims circuits build`")
    assert "artifacts" not in Path(pins.__file__).parts


# ---------------------------------------------------------------------------------------------
# exhaustive equivalence with classify_lens_grid (batch witness of the per-lens sub-circuit)
# ---------------------------------------------------------------------------------------------


def _same_except_klass(w1: list, w2: list) -> bool:
    """True when two batch witnesses differ at most in variable 1 (the claimed class)."""
    return len(w1) == len(w2) and all(
        np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object))
        for i, (x, y) in enumerate(zip(w1, w2, strict=True))
        if i != 1
    )


#: (public design, private near) -> the usage of spec §2 it is, None when the pair is refused.
LENS_KINDS = {(0, 0): LensUsage.FAR, (0, 1): LensUsage.NEAR, (1, 0): LensUsage.PROGRESSIVE,
              (1, 1): None}


@pytest.mark.parametrize("add", [0, 1, 31])
def test_lens_class_equals_rules_on_the_whole_grid(add):
    """Every sphere -31.75..+31.75 x cylinder 0..+15.75, for an addition of 0, 0.25, 7.75 D.

    For each public design and private near flag, the batch witness is evaluated constraint
    by constraint. Given its inputs the gadget's witness is fixed (bit decompositions of
    in-range values are unique, ``is_zero`` fixes its output; forged hints are the audit's
    job, tests/test_audit_circuit.py), so the set of public (design, class) pairs the statement
    admits at a grid point is exactly {(design, class output) : the other constraints hold}.
    It must be the rules' set: a unifocal lens of the far power, a unifocal lens of sphere +
    addition and a multifocal lens when the addition is > 0 (classify_lens_grid); every
    other (design, class) pair is unsatisfiable.
    """
    s, c = grid()
    n = s.size
    r1cs = LensClassCircuit().compile()
    klass_rows = [i for i, row in enumerate(r1cs.constraints) if any(1 in x for x in row)]
    other_rows = [i for i in range(r1cs.n_constraints) if i not in set(klass_rows)]
    assert klass_rows == [r1cs.n_constraints - 1]  # only the final class equality uses it
    a = np.full(n, add, dtype=np.int64)
    fields = {"sphere_off": s + 128, "cylinder": c, "addition": a}
    # admitted[d][k]: the statement is satisfiable with public design d and class k
    admitted = np.zeros((2, 3, n), dtype=bool)
    for (design, near), usage in LENS_KINDS.items():
        inputs = {**fields, "design": np.full(n, design, dtype=np.int64),
                  "near": np.full(n, near, dtype=np.int64)}
        base = LensClassCircuit().solve({**inputs, "klass": np.zeros(n, dtype=np.int64)},
                                        check=False)
        ok = ~unsatisfied_rows(r1cs, base.witness, n, other_rows)
        if usage is None or (usage is not LensUsage.FAR and add == 0):
            assert not ok.any(), (design, near)  # refused whatever the class
            continue
        assert ok.all(), (design, near)
        expected = classify_lens_grid(usage, sphere_q=s, cylinder_q=c,
                                      addition_q=a).astype(np.int64)
        out = base.output("class").astype(np.int64)
        assert np.array_equal(out, expected), usage
        # the honest witness: satisfied everywhere (check=True raises on the first failure)
        sol = LensClassCircuit().solve({**inputs, "klass": expected})
        assert not unsatisfied_rows(r1cs, sol.witness, n, klass_rows).any()
        # claiming either other class: every element's forged witness fails the class row
        for shift in (1, 2):
            forged = LensClassCircuit().solve({**inputs, "klass": (expected + shift) % 3},
                                              check=False)
            assert _same_except_klass(sol.witness, forged.witness)
            assert unsatisfied_rows(r1cs, forged.witness, n, klass_rows).all()
        admitted[design, expected, np.arange(n)] = True
    # the admitted (design, class) pairs are exactly the rules' ones at every grid point
    rules = np.zeros((2, 3, n), dtype=bool)
    rules[0, classify_lens_grid(LensUsage.FAR, sphere_q=s, cylinder_q=c, addition_q=a),
          np.arange(n)] = True
    if add > 0:
        rules[0, classify_lens_grid(LensUsage.NEAR, sphere_q=s, cylinder_q=c, addition_q=a),
              np.arange(n)] = True
        rules[1, classify_lens_grid(LensUsage.PROGRESSIVE, sphere_q=s, cylinder_q=c,
                                    addition_q=a), np.arange(n)] = True
    else:
        for usage in (LensUsage.NEAR, LensUsage.PROGRESSIVE):
            sentinel = classify_lens_grid(usage, sphere_q=s, cylinder_q=c, addition_q=a,
                                          missing_addition="sentinel")
            assert (sentinel == GRID_INVALID).all()
    assert np.array_equal(admitted, rules)
    assert not admitted[1, 0].any() and not admitted[0, 2].any()  # never multifocal simple,
    # never unifocal very complex (spec §2)


def test_unsatisfied_mask_agrees_with_is_satisfied():
    # the vectorised checker against R1CS.is_satisfied on a few random forged witnesses
    rng = np.random.default_rng(5)
    r1cs = LensClassCircuit().compile()
    m = 60
    s = rng.integers(-127, 128, m)
    c = rng.integers(0, 64, m)
    a = rng.integers(0, 32, m)
    d = rng.integers(0, 2, m)
    nr = rng.integers(0, 2, m)
    k = rng.integers(0, 3, m)
    sol = LensClassCircuit().solve(
        {"klass": k, "design": d, "sphere_off": s + 128, "cylinder": c, "addition": a,
         "near": nr}, check=False)
    mask = unsatisfied_rows(r1cs, sol.witness, m)
    assert mask.any() and not mask.all()
    for i in range(m):
        assert mask[i] == (not r1cs.is_satisfied(sol.witness_at(i)))


def test_out_of_range_fields_are_unsatisfiable():
    # sphere field 0 (-32.00 D), cylinder 64, addition 32, design 2, near 2: each refused
    base = {"klass": 0, "design": 0, "sphere_off": 128, "cylinder": 0, "addition": 0,
            "near": 0}
    LensClassCircuit().solve(base)
    for field, value in (("sphere_off", 0), ("cylinder", 64), ("addition", 32), ("design", 2),
                         ("near", 2), ("design", R - 1), ("near", R - 1)):
        for klass in (0, 1, 2):
            with pytest.raises(UnsatisfiedConstraintError):
                LensClassCircuit().solve({**base, field: value, "klass": klass})


# ---------------------------------------------------------------------------------------------
# the full statement
# ---------------------------------------------------------------------------------------------

RX = Prescription(
    right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180),
    left=EyePrescription(sphere="+1.25", addition="2.00"),
    issued_on=dt.date(2025, 3, 1),
)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))


def _assignment(rx=RX, usages=(LensUsage.FAR, LensUsage.PROGRESSIVE), blinding=12345,
                patient=PATIENT, context=987654321):
    canon = rx.canonical()
    classes = [classify_lens(canon.right, usage=usages[0]), classify_lens(canon.left,
                                                                          usage=usages[1])]
    lenses = [lens_inputs(u) for u in usages]
    fe = patient.field_element()
    return {
        "commitment": commit_v2(pack_prescription(canon), fe, blinding),
        "patient_tag": patient_tag(fe, context),
        "design_right": lenses[0][0],
        "class_right": classes[0].code,
        "design_left": lenses[1][0],
        "class_left": classes[1].code,
        "prescription_day": (canon.issued_on - dt.date(1970, 1, 1)).days,
        "claim_context": context,
        "packed": pack_prescription(canon),
        "patient": fe,
        "blinding": blinding,
        "near_right": lenses[0][1],
        "near_left": lenses[1][1],
    }


def test_full_statement_honest_witness_and_outputs():
    a = _assignment()
    sol = EquipmentClaimCircuit().solve(a)
    assert sol.output("class_right") == 0 and sol.output("class_left") == 1
    assert sol.r1cs.is_satisfied(sol.witness)
    # the prover's path (Poseidon computed natively) gives the same witness
    assert EquipmentClaimCircuit().witness(a) == [v % R for v in sol.witness]
    assert sol.public_inputs == [a[k] for k in (
        "commitment", "patient_tag", "design_right", "class_right", "design_left", "class_left",
        "prescription_day", "claim_context")]
    assert (a["design_right"], a["design_left"]) == (0, 1)


OTHER = Patient(ins="2 85 02 75 012 345 21", birth_date=dt.date(1968, 6, 1))


@pytest.mark.parametrize(
    "field, value",
    [
        ("commitment", 1),
        ("patient_tag", 1),
        ("patient_tag", patient_tag(OTHER.field_element(), 987654321)),  # another patient
        ("patient", OTHER.field_element()),  # the commitment binds the patient
        ("design_right", 1),  # a far lens claimed multifocal
        ("design_left", 0),  # a progressive lens claimed unifocal (far +1.25: simple)
        ("class_right", 1),
        ("class_left", 2),
        ("prescription_day", 20000),
        ("claim_context", 987654322),  # the tag is for another context
        ("blinding", 12346),
        ("near_left", 1),  # a multifocal lens is never "near"
        ("near_right", 2),
    ],
)
def test_full_statement_refuses_each_tampered_input(field, value):
    a = _assignment()
    assert a[field] != value
    with pytest.raises(UnsatisfiedConstraintError) as symbolic:
        EquipmentClaimCircuit().solve({**a, field: value})
    with pytest.raises(UnsatisfiedConstraintError) as prover_path:  # witness-only mode
        EquipmentClaimCircuit().witness({**a, field: value})
    assert str(prover_path.value) == str(symbolic.value)
    forged = EquipmentClaimCircuit().solve({**a, field: value}, check=False)
    assert not forged.r1cs.is_satisfied(forged.witness)


def test_full_statement_rejects_bad_packed_fields():
    a = _assignment()
    good = a["packed"]
    bad_values = {
        "axis 181 on the right eye": (good & ~(0xFF << 14)) | (181 << 14),
        "axis without cylinder (left)": good | (5 << (27 + 14)),
        "cylinder without axis (right)": good & ~(0xFF << 14),
        "sphere field 0": good & ~0xFF,
        "above 2**70": good + (1 << 70),
    }
    for label, packed in bad_values.items():
        # same commitment relation: recompute it for the forged packing so only ranges fail
        c = commit_v2(packed % R, a["patient"], a["blinding"])
        with pytest.raises(UnsatisfiedConstraintError):
            EquipmentClaimCircuit().solve({**a, "packed": packed % R, "commitment": c})
        assert label


def test_claim_context_is_bound_to_a_constraint():
    r1cs = EquipmentClaimCircuit().compile()
    ctx_var = 8  # 1, commitment, tag, design, class, design, class, day, claim_context
    assert [i.name for i in EquipmentClaimCircuit.inputs()][ctx_var - 1] == "claim_context"
    assert any(ctx_var in a or ctx_var in b or ctx_var in c for a, b, c in r1cs.constraints)


def test_a_circuit_other_than_the_shipped_one_is_refused_before_proving():
    """Artifacts built for another version of a statement are never used to prove."""
    from zkclaims.circuits import proving_statement
    from zkclaims.circuits.renewal import RenewalCircuit

    from zkclaims.errors import MalformedInputError

    with pytest.raises(MalformedInputError, match=r"circuit_id: .*circuits build"):
        proving_statement(RenewalCircuit(), CIRCUIT_NAME)
    r1cs, qap, pk = proving_statement(EquipmentClaimCircuit(), CIRCUIT_NAME)
    assert pk.circuit_id == r1cs.digest() == qap.circuit_id
    # cached for the shipped circuit, never handed to another one under the same name
    assert proving_statement(EquipmentClaimCircuit(), CIRCUIT_NAME)[2] is pk
    with pytest.raises(MalformedInputError, match=r"circuit_id: .*circuits build"):
        proving_statement(RenewalCircuit(), CIRCUIT_NAME)
