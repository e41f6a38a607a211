"""The equipment statement (circuits/equipment.py): counts, artifacts, exhaustive equivalence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from zkclaims.circuits import circuit_info, load_verifying_key
from zkclaims.circuits.build import constraint_counts, describe
from zkclaims.circuits.equipment import (
    CIRCUIT_NAME,
    USAGE_CODES,
    EquipmentClaimCircuit,
    LensClassCircuit,
    eye_fields,
    lens_class,
)

from zkclaims.circuit import Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.domain import (
    GRID_INVALID,
    EyePrescription,
    LensUsage,
    Prescription,
    classify_lens,
    classify_lens_grid,
)
from zkclaims.domain.claim import pack_prescription
from zkclaims.errors import UnsatisfiedConstraintError
from zkclaims.field import R
from zkclaims.prescriber import commitment_of

ROOT = Path(__file__).resolve().parents[1]

# Pinned exact counts (bellman style). Changing the statement changes these on purpose.
EQUIPMENT_CONSTRAINTS = 441
LENS_CLASS_CIRCUIT_CONSTRAINTS = 70
LENS_CLASS_GADGET = 49
EYE_FIELDS_GADGET = 14


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def unsatisfied_mask(r1cs, witness: list, n: int, rows=None) -> np.ndarray:
    """Per batch element: True when one of the constraints ``rows`` (default: all) fails.

    Values are taken in signed form (``x - r`` above ``r / 2``); rows whose terms are small
    are evaluated in int64, the others (inverses, huge coefficients) with Python ints mod r.
    """
    half = R // 2
    small = 1 << 30
    cols: dict[int, np.ndarray] = {}

    def col(v: int) -> np.ndarray:
        if v not in cols:
            x = witness[v]
            if isinstance(x, np.ndarray):
                x = x.astype(object) % R
            else:
                x = np.full(n, int(x) % R, dtype=object)
            x = np.where(x > half, x - R, x)
            if (np.abs(x) < small).all():
                x = x.astype(np.int64)
            cols[v] = x
        return cols[v]

    def ev(row: dict) -> np.ndarray:
        terms = [(col(v), c - R if c > half else c) for v, c in row.items()]
        if all(x.dtype == np.int64 and abs(c) < small for x, c in terms) and len(terms) < 64:
            acc = np.zeros(n, dtype=np.int64)
            for x, c in terms:
                acc += x * c  # |x * c| < 2**60 / 64 per term: no overflow
            return acc
        acc = np.zeros(n, dtype=object)
        for x, c in terms:
            acc = acc + x.astype(object) * c
        return acc % R

    bad = np.zeros(n, dtype=bool)
    for i in range(r1cs.n_constraints) if rows is None else rows:
        a, b, c = r1cs.constraints[i]
        va, vb, vc = ev(a), ev(b), ev(c)
        if va.dtype == vb.dtype == vc.dtype == np.int64 and all(
            np.abs(v).max(initial=0) < small for v in (va, vb, vc)
        ):
            bad |= va * vb != vc  # exact: |va * vb| < 2**60, |vc| < 2**30
        else:
            bad |= (va.astype(object) * vb.astype(object) - vc.astype(object)) % R != 0
    return bad


def grid():
    s, c = np.meshgrid(np.arange(-127, 128), np.arange(0, 64), indexing="ij")
    return s.ravel().astype(np.int64), c.ravel().astype(np.int64)


# ---------------------------------------------------------------------------------------------
# constraint counts and artifacts
# ---------------------------------------------------------------------------------------------


def test_constraint_counts_are_pinned_and_within_budget():
    r1cs = EquipmentClaimCircuit().compile(check_unused=True)
    assert r1cs.n_constraints == EQUIPMENT_CONSTRAINTS <= 1000
    assert r1cs.n_public == 5
    assert LensClassCircuit().compile(check_unused=True).n_constraints == (
        LENS_CLASS_CIRCUIT_CONSTRAINTS
    )
    names = r1cs.names
    assert sum(1 for n in names if n.startswith("commitment")) == 241  # Poseidon 240 + equality
    assert sum(1 for n in names if n.startswith("lens.right/lens_class")) == LENS_CLASS_GADGET
    assert sum(1 for n in names if n.startswith("lens.left/eye_fields")) == EYE_FIELDS_GADGET
    pinned = json.loads((ROOT / "circuits" / "constraint_counts.json").read_text())
    assert pinned == constraint_counts()


def test_gadget_costs_match_docstrings():
    class One(Circuit):
        k = public()
        s = private()
        c = private()
        a = private()
        u = private()

        def define(self, api):
            api.assert_equal(lens_class(api, self.s, self.c, self.a, self.u), self.k)

    class Eye(Circuit):
        x = private()

        def define(self, api):
            bits = g.to_bits(api, self.x, 27)
            eye_fields(api, bits)

    assert One().compile().n_constraints == LENS_CLASS_GADGET + 1
    assert Eye().compile().n_constraints == 27 + EYE_FIELDS_GADGET


def test_shipped_artifacts_match_the_circuit_compiled_now():
    info = circuit_info(CIRCUIT_NAME)
    now = describe(CIRCUIT_NAME)
    assert info["circuit_id"] == now["circuit_id"], (
        "circuits/artifacts is stale: the circuit changed since the keys were built; "
        "run `zkclaims circuits build`"
    )
    for k in ("n_public", "public_inputs", "n_constraints", "n_vars", "protocol", "curve"):
        assert info[k] == now[k], k
    assert info["setup"] == "one-party-setup" and "discarded" in info["setup_note"]
    vk = load_verifying_key(CIRCUIT_NAME)
    assert vk.circuit_id == info["circuit_id"] and vk.n_public == 5


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


@pytest.mark.parametrize("usage", list(LensUsage))
def test_lens_class_equals_rules_on_the_whole_grid(usage):
    """Every sphere -31.75..+31.75 x cylinder 0..+15.75 x addition {0, 0.25, 7.75}.

    The honest batch witness is checked constraint by constraint by the builder (check=True);
    its class output must equal classify_lens_grid. A forged witness claiming another class
    differs from it only in the public class (variable 1), so only the constraints that use
    variable 1 can change: they are re-evaluated for every element and one must fail.
    """
    s, c = grid()
    n = s.size
    r1cs = LensClassCircuit().compile()
    klass_rows = [i for i, row in enumerate(r1cs.constraints) if any(1 in x for x in row)]
    other_rows = [i for i in range(r1cs.n_constraints) if i not in set(klass_rows)]
    assert klass_rows == [r1cs.n_constraints - 1]  # only the final class equality uses it
    for add in (0, 1, 31):
        a = np.full(n, add, dtype=np.int64)
        expected = classify_lens_grid(usage, sphere_q=s, cylinder_q=c, addition_q=a,
                                      missing_addition="sentinel").astype(np.int64)
        inputs = {
            "sphere_off": s + 128,
            "cylinder": c,
            "addition": a,
            "usage": np.full(n, USAGE_CODES[usage], dtype=np.int64),
        }
        if usage is not LensUsage.FAR and add == 0:
            # near / progressive without addition: no class at all can be claimed
            assert (expected == GRID_INVALID).all()
            base = LensClassCircuit().solve(
                {**inputs, "klass": np.zeros(n, dtype=np.int64)}, check=False
            )
            assert unsatisfied_mask(r1cs, base.witness, n, other_rows).all()
            continue
        assert (expected >= 0).all()
        # the honest witness: satisfied everywhere (check=True raises on the first failure)
        sol = LensClassCircuit().solve({**inputs, "klass": expected})
        assert np.array_equal(sol.output("class").astype(np.int64), expected)
        assert not unsatisfied_mask(r1cs, sol.witness, n, klass_rows).any()
        # claiming either other class: every element's forged witness is unsatisfiable
        for shift in (1, 2):
            wrong = (expected + shift) % 3
            forged = LensClassCircuit().solve({**inputs, "klass": wrong}, check=False)
            assert _same_except_klass(sol.witness, forged.witness)
            assert unsatisfied_mask(r1cs, forged.witness, n, klass_rows).all()


def test_unsatisfied_mask_agrees_with_is_satisfied():
    # the vectorised checker against R1CS.is_satisfied on a few random forged witnesses
    rng = np.random.default_rng(5)
    r1cs = LensClassCircuit().compile()
    s = rng.integers(-127, 128, 40)
    c = rng.integers(0, 64, 40)
    a = rng.integers(0, 32, 40)
    u = rng.integers(0, 3, 40)
    k = rng.integers(0, 3, 40)
    sol = LensClassCircuit().solve(
        {"klass": k, "sphere_off": s + 128, "cylinder": c, "addition": a, "usage": u}, check=False
    )
    mask = unsatisfied_mask(r1cs, sol.witness, 40)
    assert mask.any() and not mask.all()
    for i in range(40):
        assert mask[i] == (not r1cs.is_satisfied(sol.witness_at(i)))


def test_out_of_range_fields_are_unsatisfiable():
    # sphere field 0 (-32.00 D), cylinder 64, addition 32, usage 3: each refused
    base = {"klass": 0, "sphere_off": 128, "cylinder": 0, "addition": 0, "usage": 0}
    LensClassCircuit().solve(base)
    for field, value in (("sphere_off", 0), ("cylinder", 64), ("addition", 32), ("usage", 3)):
        with pytest.raises(UnsatisfiedConstraintError):
            LensClassCircuit().solve({**base, field: value, "klass": 1})
        with pytest.raises(UnsatisfiedConstraintError):
            LensClassCircuit().solve({**base, field: value})


# ---------------------------------------------------------------------------------------------
# the full statement
# ---------------------------------------------------------------------------------------------

RX = Prescription(
    right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180),
    left=EyePrescription(sphere="+1.25", addition="2.00"),
    issued_on=dt.date(2025, 3, 1),
)


def _assignment(rx=RX, usages=(LensUsage.FAR, LensUsage.PROGRESSIVE), blinding=12345):
    canon = rx.canonical()
    classes = [classify_lens(canon.right, usage=usages[0]), classify_lens(canon.left,
                                                                          usage=usages[1])]
    return {
        "commitment": commitment_of(canon, blinding),
        "class_right": classes[0].code,
        "class_left": classes[1].code,
        "prescription_day": (canon.issued_on - dt.date(1970, 1, 1)).days,
        "claim_context": 987654321,
        "packed": pack_prescription(canon),
        "blinding": blinding,
        "usage_right": USAGE_CODES[usages[0]],
        "usage_left": USAGE_CODES[usages[1]],
    }


def test_full_statement_honest_witness_and_outputs():
    a = _assignment()
    sol = EquipmentClaimCircuit().solve(a)
    assert sol.output("class_right") == 0 and sol.output("class_left") == 1
    assert sol.r1cs.is_satisfied(sol.witness)
    assert sol.public_inputs == [a[k] for k in (
        "commitment", "class_right", "class_left", "prescription_day", "claim_context")]


@pytest.mark.parametrize(
    "field, value",
    [
        ("commitment", 1),
        ("class_right", 1),
        ("class_left", 2),
        ("prescription_day", 20000),
        ("blinding", 12346),
        ("usage_left", 0),  # far for a progressive claim: class changes
        ("usage_right", 3),
    ],
)
def test_full_statement_refuses_each_tampered_input(field, value):
    a = _assignment()
    assert a[field] != value
    with pytest.raises(UnsatisfiedConstraintError):
        EquipmentClaimCircuit().solve({**a, field: value})
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
        from zkclaims import poseidon
        from zkclaims.domain.claim import COMMITMENT_TAG

        c = poseidon.hash2(packed % R, a["blinding"], domain=COMMITMENT_TAG)
        with pytest.raises(UnsatisfiedConstraintError):
            EquipmentClaimCircuit().solve({**a, "packed": packed % R, "commitment": c})
        assert label


def test_claim_context_is_bound_to_a_constraint():
    r1cs = EquipmentClaimCircuit().compile()
    ctx_var = 5  # 1, commitment, class_right, class_left, prescription_day, claim_context
    assert any(ctx_var in a or ctx_var in b or ctx_var in c for a, b, c in r1cs.constraints)
