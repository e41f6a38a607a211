"""The early-renewal statement (circuits/renewal.py): counts, equivalence with the clear-text
rule of spec §5 in batch mode, and the full statement (same patient, commitments, mask).

Equivalence coverage (what the batch tests below evaluate):

* one lens, every sphere, cylinder and addition delta in -4.00..+4.00 D (33**3 deltas) on six
  previous lenses chosen at the ends of the ranges and around the axis bands (~90,000 points);
* one lens, every pair of axes 1..180 x 1..180 at 1-degree steps for eight (previous, new)
  cylinder pairs on both sides of the 1.00 / 1.25 D and 4.00 / 4.25 D band edges, and a
  cylinder appearing or vanishing at every axis (~260,000 points);
* two lenses: every pair of per-lens *change classes* found in the two grids above (a change
  class is what the rule reads of a lens: far, addition and near changes as 0 / 0.25 / >= 0.50
  D, the axis flag, whether the new lens has an addition), under all criteria and under the
  2020 criteria; then 40,000 random pairs of grid lenses under random masks;
* the mask gadget on all 32 masks x 32 criterion patterns;
* hypothesis over whole prescription pairs (either cylinder sign) through the full statement.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import eye_prescriptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from r1cs_batch import unsatisfied_rows
from zkclaims.circuits import circuit_info, load_verifying_key
from zkclaims.circuits.build import constraint_counts, describe
from zkclaims.circuits.renewal import (
    CIRCUIT_NAME,
    EyeChangeCircuit,
    EyeFlags,
    RenewalCircuit,
    RenewalRuleCircuit,
    assert_accepted,
    axis_change,
    criteria_flags,
    delta_flags,
    eye_change,
    eye_checks,
    unpack,
)

from zkclaims.circuit import Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.commitment import commit_v2
from zkclaims.domain import EyePrescription, Patient, Prescription
from zkclaims.domain.packing import pack_prescription
from zkclaims.domain.vision_change import (
    ALL_CRITERIA,
    RULES_2020_CRITERIA,
    criteria_met_q,
    eye_change_q,
    vision_change_allows_early_renewal,
)
from zkclaims.errors import UnsatisfiedConstraintError
from zkclaims.field import R

ROOT = Path(__file__).resolve().parents[1]

# Pinned exact counts (bellman style). Changing the statement changes these on purpose.
RENEWAL_CONSTRAINTS = 971
PARTS = {
    "commitment.previous": 295,  # Poseidon t=5 (294) + equality
    "commitment.new": 295,
    "context": 1,
    "unpack.previous": 98,  # 70 bits + 2 x 14 field checks
    "unpack.new": 98,
    "change.right": 71,  # 4 deltas x 6 + 2 + axis 45
    "change.left": 71,
    "criteria": 28,
    "accepted": 14,
}
RULE_CIRCUIT_CONSTRAINTS = 348
EYE_CHANGE_CIRCUIT_CONSTRAINTS = 153
GADGETS = {"delta_flags": 6, "axis_change": 45, "eye_change": 71, "criteria_flags": 28,
           "assert_accepted": 14, "unpack": 98, "eye_checks": 14}


# ---------------------------------------------------------------------------------------------
# constraint counts
# ---------------------------------------------------------------------------------------------


def test_constraint_counts_are_pinned_per_part_and_within_budget():
    r1cs = RenewalCircuit().compile(check_unused=True)
    assert r1cs.n_constraints == RENEWAL_CONSTRAINTS < 2000
    assert r1cs.n_public == 4
    # the QAP domain is the smallest power of two >= constraints + public inputs + 1: 2**10
    assert r1cs.n_constraints + r1cs.n_public + 1 <= 1 << 10
    for part, n in PARTS.items():
        assert sum(1 for name in r1cs.names if name.startswith(part)) == n, part
    assert sum(PARTS.values()) == RENEWAL_CONSTRAINTS
    assert RenewalRuleCircuit().compile(check_unused=True).n_constraints == (
        RULE_CIRCUIT_CONSTRAINTS)
    assert EyeChangeCircuit().compile(check_unused=True).n_constraints == (
        EYE_CHANGE_CIRCUIT_CONSTRAINTS)
    pinned = json.loads((ROOT / "circuits" / "constraint_counts.json").read_text())
    counts = constraint_counts()
    assert counts[CIRCUIT_NAME] == RENEWAL_CONSTRAINTS
    assert pinned == counts


def test_shipped_artifacts_match_the_circuit_compiled_now():
    info = circuit_info(CIRCUIT_NAME)
    now = describe(CIRCUIT_NAME)
    assert info["circuit_id"] == now["circuit_id"], (
        "circuits/artifacts is stale: the renewal circuit changed since its keys were built;"
        " run `zkclaims circuits build`"
    )
    for k in ("n_public", "public_inputs", "n_constraints", "n_vars", "protocol", "curve"):
        assert info[k] == now[k], k
    assert info["public_inputs"] == ["previous_commitment", "new_commitment", "criteria",
                                     "claim_context"]
    # The shipped keys come from the multi-party ceremony (tests/test_ceremony_shipped.py
    # replays it): at least three contributions and a beacon in each phase.
    assert info["setup"] == "mpc" and info["contributions"] >= 4
    assert info["phase1_contributions"] >= 4 and len(info["transcript_sha256"]) == 64
    vk = load_verifying_key(CIRCUIT_NAME)
    assert vk.circuit_id == info["circuit_id"] and vk.n_public == 4


def _count(build) -> int:
    class One(Circuit):
        xs = private(16)

        def define(self, api):
            build(api, list(self.xs))

    return One().compile().n_constraints


def test_gadget_costs_match_docstrings():
    def fields(api, xs, k=0):
        # known-range eye fields, as unpack gives them (their range checks are not counted)
        for x, bits in zip(xs[k : k + 4], (8, 6, 8, 5), strict=True):
            api.mark_range(x, bits)
        return xs[k : k + 4]

    def eyes(api, xs):
        p = eye_checks(api, *fields(api, xs, 0))
        n = eye_checks(api, *fields(api, xs, 4))
        return p, n

    base = _count(eyes)
    assert base == 2 * GADGETS["eye_checks"]
    assert _count(lambda api, xs: delta_flags(api, xs[0])) == GADGETS["delta_flags"]
    assert _count(lambda api, xs: axis_change(api, *eyes(api, xs))) - base == (
        GADGETS["axis_change"])
    assert _count(lambda api, xs: eye_change(api, *eyes(api, xs))) - base == (
        GADGETS["eye_change"])
    assert _count(lambda api, xs: unpack(api, xs[0])) == GADGETS["unpack"]

    def crit(api, xs):
        for x in xs[:15]:
            g.assert_bool(api, x)
        right, left = EyeFlags(*xs[:7]), EyeFlags(*xs[7:14])
        return criteria_flags(api, right, left, xs[14])

    assert _count(crit) - 15 == GADGETS["criteria_flags"]

    def acc(api, xs):
        for x in xs[1:6]:
            g.assert_bool(api, x)
        assert_accepted(api, xs[0], xs[1:6])

    assert _count(acc) - 5 == GADGETS["assert_accepted"]


# ---------------------------------------------------------------------------------------------
# one lens: the per-lens flags against the clear-text changes
# ---------------------------------------------------------------------------------------------

#: Previous lenses (canonical sphere_q, cylinder_q, axis, addition_q) the deltas start from.
BASES = [
    (0, 0, 0, 0),  # plano, no cylinder, no addition: cylinders and additions appear
    (-8, 4, 90, 1),  # -2.00 (+1.00) 90° add +0.25: cylinder at the top of the first band
    (10, 16, 45, 0),  # +2.50 (+4.00) 45°: top of the second band
    (-24, 17, 180, 2),  # -6.00 (+4.25) 180° add +0.50: bottom of the third band, axis 180
    (-127, 63, 1, 31),  # every field at an end of its range
    (127, 0, 0, 31),
]
#: (previous, new) cylinder pairs of the axis grid, around the band edges (1.00/1.25, 4.00/4.25).
AXIS_CYLINDERS = [(4, 4), (5, 5), (16, 16), (17, 17), (4, 5), (5, 4), (16, 17), (17, 16)]


def _delta_grid() -> tuple[np.ndarray, np.ndarray]:
    """Every sphere, cylinder, addition delta in -16..16 q on each base (valid lenses only).

    Then, on the bases with a cylinder, the deltas in -4..4 q again with the axis turned by
    45°, so that small changes combine with an axis change too.
    """
    prev, new = [], []
    for span, turn in ((16, 0), (4, 45)):
        d = np.arange(-span, span + 1)
        ds, dc, da = (x.ravel() for x in np.meshgrid(d, d, d, indexing="ij"))
        for s0, c0, x0, a0 in BASES:
            if turn and not c0:
                continue
            s1, c1, a1 = s0 + ds, c0 + dc, a0 + da
            ok = (np.abs(s1) <= 127) & (c1 >= 0) & (c1 <= 63) & (a1 >= 0) & (a1 <= 31)
            s1, c1, a1 = s1[ok], c1[ok], a1[ok]
            x1 = np.where(c1 > 0, (x0 + turn - 1) % 180 + 1 if c0 else 30, 0)
            n = s1.size
            prev.append(np.stack([np.full(n, s0), np.full(n, c0), np.full(n, x0),
                                  np.full(n, a0)]))
            new.append(np.stack([s1, c1, x1, a1]))
    return np.concatenate(prev, axis=1), np.concatenate(new, axis=1)


def _axis_grid() -> tuple[np.ndarray, np.ndarray]:
    """Every axis pair 1..180 x 1..180 for each cylinder pair; cylinders appearing/vanishing."""
    x0, x1 = (x.ravel() for x in np.meshgrid(np.arange(1, 181), np.arange(1, 181), indexing="ij"))
    prev, new = [], []
    n = x0.size
    for c0, c1 in AXIS_CYLINDERS:
        prev.append(np.stack([np.full(n, -4), np.full(n, c0), x0, np.full(n, 4)]))
        new.append(np.stack([np.full(n, -4), np.full(n, c1), x1, np.full(n, 4)]))
    axes = np.arange(1, 181)
    z = np.zeros(180, dtype=np.int64)
    for c in (1, 17):
        k = np.full(180, c)
        prev += [np.stack([z - 4, z, z, z + 4]), np.stack([z - 4, k, axes, z + 4])]
        new += [np.stack([z - 4, k, axes, z + 4]), np.stack([z - 4, z, z, z + 4])]
    return np.concatenate(prev, axis=1), np.concatenate(new, axis=1)


@pytest.fixture(scope="module")
def lens_grid():
    dp, dn = _delta_grid()
    ap, an = _axis_grid()
    return np.concatenate([dp, ap], axis=1), np.concatenate([dn, an], axis=1)


def _eye_inputs(prev: np.ndarray, new: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for tag, e in (("p", prev), ("n", new)):
        out[f"{tag}_sphere_off"] = e[0] + 128
        out[f"{tag}_cylinder"] = e[1]
        out[f"{tag}_axis"] = e[2]
        out[f"{tag}_addition"] = e[3]
    return out


def _expected_flags(prev: np.ndarray, new: np.ndarray) -> dict[str, np.ndarray]:
    ch = eye_change_q(prev, new)
    return {
        "far_any": ch.far >= 1, "far_big": ch.far >= 2, "add_any": ch.add >= 1,
        "add_big": ch.add >= 2, "near_any": ch.near >= 1, "near_big": ch.near >= 2,
        "axis": ch.axis,
    }


@pytest.mark.parametrize("grid", ["deltas", "axes"])
def test_lens_flags_equal_the_clear_text_changes_on_whole_grids(grid):
    prev, new = _delta_grid() if grid == "deltas" else _axis_grid()
    n = prev.shape[1]
    assert n > (70_000 if grid == "deltas" else 259_000)
    # check=True: the builder checks every constraint of every point (all satisfied)
    sol = EyeChangeCircuit().solve(_eye_inputs(prev, new))
    expected = _expected_flags(prev, new)
    for name, want in expected.items():
        got = sol.output(name).astype(np.int64)
        assert np.array_equal(got, want.astype(np.int64)), name
    if grid == "axes":
        # both sides of every threshold were reached, in both bands of each edge pair
        assert 0 < expected["axis"].mean() < 1
        for c0, c1 in AXIS_CYLINDERS:
            sel = (prev[1] == c0) & (new[1] == c1) & (prev[0] == -4)
            hits = expected["axis"][sel]
            assert 0 < hits.mean() < 1


def test_axis_band_follows_the_new_cylinder_in_the_circuit():
    # 1.00 D -> 1.25 D with a 15° turn: the new cylinder's band (> 10°) accepts it;
    # 1.25 D -> 1.00 D with the same turn: the band of 1.00 D (> 20°) does not
    prev = np.array([[-4, -4], [4, 5], [10, 10], [0, 0]])
    new = np.array([[-4, -4], [5, 4], [25, 25], [0, 0]])
    sol = EyeChangeCircuit().solve(_eye_inputs(prev, new))
    assert list(sol.output("axis")) == [1, 0]
    assert list(eye_change_q(prev, new).axis) == [True, False]


# ---------------------------------------------------------------------------------------------
# two lenses: every pair of change classes, then random pairs under random masks
# ---------------------------------------------------------------------------------------------

_EYE_KEYS = ("pr", "pl", "nr", "nl")


def _rule_inputs(pr, pl, nr, nl, mask) -> dict[str, np.ndarray]:
    out = {"criteria": np.asarray(mask, dtype=np.int64)}
    for key, e in zip(_EYE_KEYS, (pr, pl, nr, nl), strict=True):
        out[f"{key}_sphere_off"] = e[0] + 128
        out[f"{key}_cylinder"] = e[1]
        out[f"{key}_axis"] = e[2]
        out[f"{key}_addition"] = e[3]
    return out


def _change_class(prev: np.ndarray, new: np.ndarray) -> np.ndarray:
    """What the rule reads of a lens, one row per lens (8 booleans)."""
    f = _expected_flags(prev, new)
    cols = [f[k] for k in ("far_any", "far_big", "add_any", "add_big", "near_any", "near_big",
                           "axis")]
    cols.append(new[3] > 0)
    return np.stack(cols, axis=1).astype(np.int8)


def _check_rule(pr, pl, nr, nl, mask) -> None:
    """Circuit flags equal the clear-text criteria; unsatisfiable exactly when none accepted.

    Every constraint is checked at every qualifying point (the builder, ``check=True``); at the
    others the final product of the mask check fails. Each input has one witness (the hints
    are bits and inverses, fixed by their constraints up to the inverse of 0, which multiplies
    0), so no other witness satisfies them: all other rows hold there (checked on a sample).
    """
    n = pr.shape[1]
    mask = np.broadcast_to(np.asarray(mask, dtype=np.int64), (n,))
    met = criteria_met_q(tuple(pr), tuple(pl), tuple(nr), tuple(nl))
    ok = (met & mask) != 0
    assert ok.any() and not ok.all()
    inputs = _rule_inputs(pr, pl, nr, nl, mask)
    sol = RenewalRuleCircuit().solve(inputs, check=False)
    got = sum(sol.output(f"c{i + 1}").astype(np.int64) << i for i in range(5))
    assert np.array_equal(got, met)
    last = sol.r1cs.n_constraints - 1
    assert np.array_equal(unsatisfied_rows(sol.r1cs, sol.witness, n, [last]), ~ok)
    RenewalRuleCircuit().solve({k: v[ok] for k, v in inputs.items()})  # raises if one fails
    sample = np.flatnonzero(~ok)[:1000]
    rest = RenewalRuleCircuit().solve({k: v[sample] for k, v in inputs.items()}, check=False)
    assert not unsatisfied_rows(rest.r1cs, rest.witness, sample.size, range(last)).any()


@pytest.fixture(scope="module")
def representatives(lens_grid):
    prev, new = lens_grid
    classes = _change_class(prev, new)
    uniq, index = np.unique(classes, axis=0, return_index=True)
    return prev[:, index], new[:, index], uniq


def test_every_pair_of_change_classes(representatives):
    prev, new, classes = representatives
    k = classes.shape[0]
    # every class a lens can be in is reached: deltas of 0, 0.25, 0.50 D and beyond for far,
    # addition and near (small deltas suffice to reach each combination), axis flag, addition
    reachable = set()
    for ds, dc, da in itertools.product(range(-3, 4), repeat=3):
        f, a, n = max(abs(ds), abs(dc)), abs(da), abs(ds + da)
        for axis, with_addition in itertools.product((0, 1), repeat=2):
            reachable.add((f >= 1, f >= 2, a >= 1, a >= 2, n >= 1, n >= 2, axis, with_addition))
    assert {tuple(bool(x) for x in c) for c in classes} == reachable
    assert k == len(reachable) == 76
    i, j = (x.ravel() for x in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
    for mask in (int(ALL_CRITERIA), int(RULES_2020_CRITERIA)):
        _check_rule(prev[:, i], prev[:, j], new[:, i], new[:, j], mask)


def test_random_pairs_of_grid_lenses_under_random_masks(lens_grid, representatives):
    prev, new = lens_grid
    rng = np.random.default_rng(2020)
    n = 40_000
    i, j = rng.integers(0, prev.shape[1], n), rng.integers(0, prev.shape[1], n)
    mask = rng.integers(1, 32, n)
    _check_rule(prev[:, i], prev[:, j], new[:, i], new[:, j], mask)
    # the rule reads a lens only through its change class: a pair gives the same criteria as
    # the pair of its class representatives (so the class pairs above cover every pair)
    rp, rn, classes = representatives
    lookup = {tuple(c): m for m, c in enumerate(classes)}
    cls = _change_class(prev, new)
    ri = np.array([lookup[tuple(c)] for c in cls[i]])
    rj = np.array([lookup[tuple(c)] for c in cls[j]])
    assert np.array_equal(
        criteria_met_q(tuple(prev[:, i]), tuple(prev[:, j]), tuple(new[:, i]), tuple(new[:, j])),
        criteria_met_q(tuple(rp[:, ri]), tuple(rp[:, rj]), tuple(rn[:, ri]), tuple(rn[:, rj])),
    )


def test_mask_gadget_on_every_mask_and_pattern():
    class Accept(Circuit):
        mask = public()
        flags = private(5)

        def define(self, api):
            fl = list(self.flags)
            for f in fl:
                g.assert_bool(api, f)
            assert_accepted(api, self.mask, fl)

    m, f = (x.ravel() for x in np.meshgrid(np.arange(32), np.arange(32), indexing="ij"))
    sol = Accept().solve({"mask": m, "flags": [(f >> i) & 1 for i in range(5)]}, check=False)
    bad = unsatisfied_rows(sol.r1cs, sol.witness, m.size)
    assert np.array_equal(bad, (m & f) == 0)
    for mask in (32, 33, 63, R - 1):  # a mask beyond the five criteria is refused
        with pytest.raises(UnsatisfiedConstraintError):
            Accept().solve({"mask": mask, "flags": [1, 1, 1, 1, 1]})


# ---------------------------------------------------------------------------------------------
# the full statement
# ---------------------------------------------------------------------------------------------

PATIENT = Patient(ins="2 84 05 2A 004 012 69", birth_date=dt.date(1984, 5, 1))
OTHER = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))


def _rx(day, right, left):
    return Prescription(
        right=EyePrescription(**right), left=EyePrescription(**left), issued_on=day
    )


PREV = _rx(dt.date(2023, 3, 1), {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180},
           {"sphere": "-1.50"})
NEW = _rx(dt.date(2024, 6, 1), {"sphere": "-2.50", "cylinder": "-1.00", "axis": 180},
          {"sphere": "-1.50"})


def _assignment(prev=PREV, new=NEW, *, patient=PATIENT, new_patient=None, mask=15, ctx=42):
    pf = patient.field_element()
    nf = (new_patient or patient).field_element()
    pp, nn = pack_prescription(prev.canonical()), pack_prescription(new.canonical())
    return {
        "previous_commitment": commit_v2(pp, pf, 1111),
        "new_commitment": commit_v2(nn, nf, 2222),
        "criteria": mask,
        "claim_context": ctx,
        "previous_packed": pp,
        "new_packed": nn,
        "patient": pf,
        "previous_blinding": 1111,
        "new_blinding": 2222,
    }


def test_full_statement_honest_witness():
    a = _assignment()
    sol = RenewalCircuit().solve(a)
    assert sol.r1cs.is_satisfied(sol.witness)
    # the prover's path (both Poseidon openings computed natively) gives the same witness
    assert RenewalCircuit().witness(a) == [v % R for v in sol.witness]
    assert sol.public_inputs == [a[k] for k in (
        "previous_commitment", "new_commitment", "criteria", "claim_context")]


def test_two_patients_cannot_be_proven_one():
    # the new prescription was committed for another patient: no single patient opens both
    a = _assignment(new_patient=OTHER)
    with pytest.raises(UnsatisfiedConstraintError, match="commitment.new"):
        RenewalCircuit().solve(a)
    with pytest.raises(UnsatisfiedConstraintError, match="commitment.new"):
        RenewalCircuit().witness(a)  # the prover's path names the same constraint
    with pytest.raises(UnsatisfiedConstraintError, match="commitment.previous"):
        RenewalCircuit().solve({**a, "patient": OTHER.field_element()})


@pytest.mark.parametrize("field, value", [
    ("previous_commitment", 1), ("new_commitment", 1), ("previous_blinding", 1112),
    ("new_blinding", 2223), ("criteria", 8), ("criteria", 0), ("criteria", 32),
])
def test_full_statement_refuses_each_tampered_input(field, value):
    a = _assignment()
    with pytest.raises(UnsatisfiedConstraintError):
        RenewalCircuit().solve({**a, field: value})


def test_same_prescription_twice_is_no_change():
    a = _assignment(prev=PREV, new=PREV.model_copy(update={"issued_on": dt.date(2024, 6, 1)}))
    with pytest.raises(UnsatisfiedConstraintError, match="accepted"):
        RenewalCircuit().solve({**a, "criteria": int(ALL_CRITERIA)})


def test_claim_context_is_bound_to_a_constraint():
    r1cs = RenewalCircuit().compile()
    ctx_var = 4  # 1, previous, new, criteria, claim_context
    assert any(ctx_var in a or ctx_var in b for a, b, _ in r1cs.constraints)


@st.composite
def prescription_pairs(draw):
    """A previous prescription and a new one: often a small change of it, sometimes unrelated."""
    prev_r, prev_l = draw(eye_prescriptions()), draw(eye_prescriptions())

    def changed(eye: EyePrescription) -> EyePrescription:
        if draw(st.integers(0, 7)) == 0:
            return draw(eye_prescriptions())
        c = eye.canonical()
        small = st.sampled_from([0, 0, 0, 0, 0, 0, 0, 1, -1, 2, -3])
        s = max(-127, min(127, c.sphere_q + draw(small)))
        cyl = max(0, min(63, c.cylinder_q + draw(small)))
        turn = draw(st.sampled_from([0, 0, 0, 5, -6, 10, 11, -20, 21, 90, 175]))
        axis = ((c.axis_deg or 90) + turn - 1) % 180 + 1 if cyl else None
        add = max(0, min(31, c.addition_q + draw(small)))
        out = EyePrescription.from_quarters(s, cyl, axis, add)
        if cyl and s + cyl <= 127 and draw(st.booleans()):
            out = out.transposed()  # the same lens written in minus cylinder
        return out

    new_r, new_l = changed(prev_r), changed(prev_l)
    day0 = dt.date(2022, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400)))
    day1 = day0 + dt.timedelta(days=draw(st.integers(0, 900)))
    prev = Prescription(right=prev_r, left=prev_l, issued_on=day0)
    new = Prescription(right=new_r, left=new_l, issued_on=day1)
    return prev, new


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(pairs=st.lists(st.tuples(prescription_pairs(), st.integers(1, 31)),
                      min_size=40, max_size=40))
def test_full_statement_equals_the_clear_text_rule(pairs):
    """Whole prescription pairs, either cylinder sign, through the full statement (Poseidon
    included), 40 per batch-mode run: satisfiable exactly when the clear-text rule allows."""
    allowed = []
    rows = []
    for (prev, new), mask in pairs:
        ok, reasons = vision_change_allows_early_renewal(prev, new=new, criteria=mask)
        assert ok == bool(reasons)
        allowed.append(ok)
        rows.append(_assignment(prev, new, mask=mask))
    batch = {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}
    sol = RenewalCircuit().solve(batch, check=False)
    last = sol.r1cs.n_constraints - 1  # the mask product: the only row a valid pair can fail
    assert list(~unsatisfied_rows(sol.r1cs, sol.witness, len(rows), [last])) == allowed
    ok = np.flatnonzero(allowed)
    if ok.size:  # the builder checks every constraint of every allowed pair
        RenewalCircuit().solve({k: v[ok] for k, v in batch.items()})
