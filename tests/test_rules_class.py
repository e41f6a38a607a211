"""Lens classes (spec §2), the grid (spec §2 on whole arrays) and categories (spec §3)."""

from fractions import Fraction

import numpy as np
import pytest
from conftest import eye_prescriptions
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.domain import (
    CATEGORIES,
    GRID_INVALID,
    LENS_ROWS,
    RULES_2020,
    EyePrescription,
    LensClass,
    LensUsage,
    classify_lens,
    classify_lens_grid,
    equipment_category,
    lens_row,
    lens_row_grid,
    lens_row_q,
)
from zkclaims.errors import InvalidInputError, RuleError

S, C, V = "simple", "complex", "very_complex"

# One case per row of spec §2, on the boundary that row includes where there is one:
# (row, usage, sphere, cylinder, axis, addition, class).
SPEC_2_ROWS = [
    (1, "far", "-6.00", "0", None, "0", S),
    (1, "far", "+6.00", "0", None, "0", S),
    (2, "far", "-6.25", "0", None, "0", C),
    (2, "far", "+6.25", "0", None, "0", C),
    (3, "far", "-6.00", "+4.00", 90, "0", S),
    (3, "far", "0", "+0.25", 10, "0", S),
    (4, "far", "0", "+4.25", 10, "0", C),
    (5, "far", "-6.25", "+0.25", 10, "0", C),
    (6, "far", "+0.25", "+5.75", 10, "0", S),
    (7, "far", "+0.25", "+6.00", 10, "0", C),
    (8, "progressive", "-4.00", "0", None, "+2.00", C),
    (8, "progressive", "+4.00", "0", None, "+2.00", C),
    (9, "progressive", "-4.25", "0", None, "+2.00", V),
    (9, "progressive", "+4.25", "0", None, "+0.25", V),
    (10, "progressive", "-8.00", "+4.00", 45, "+1.00", C),
    (11, "progressive", "-8.00", "+4.25", 45, "+1.00", V),
    (12, "progressive", "-8.25", "+0.25", 45, "+1.00", V),
    (13, "progressive", "+0.25", "+7.75", 45, "+1.00", C),
    (14, "progressive", "+0.25", "+8.00", 45, "+1.00", V),
    # near: a unifocal lens of power sphere + addition
    (1, "near", "+4.00", "0", None, "+2.00", S),
    (2, "near", "+4.25", "0", None, "+2.00", C),
    (6, "near", "-1.00", "+5.75", 5, "+1.25", S),
    (7, "near", "-1.00", "+6.00", 5, "+1.25", C),
]


@pytest.mark.parametrize("row, usage, sph, cyl, axis, add, cls", SPEC_2_ROWS)
def test_spec_2_rows(row, usage, sph, cyl, axis, add, cls):
    eye = EyePrescription(sphere=sph, cylinder=cyl, axis=axis, addition=add)
    assert classify_lens(eye, usage=usage) is LensClass(cls)
    decided = lens_row(eye, usage=usage)
    assert decided.number == row and decided.lens_class is LensClass(cls)
    assert RULES_2020.classify_lens(eye, usage=LensUsage(usage)) is LensClass(cls)
    assert f"row {row}" in str(decided)


def test_every_row_has_a_case():
    assert sorted({c[0] for c in SPEC_2_ROWS}) == list(range(1, 15))
    assert [r.number for r in LENS_ROWS] == list(range(1, 15))


# --- the traps the spec lists --------------------------------------------------------------
def test_trap_positive_sphere_ignores_cylinder_size():
    eye = EyePrescription(sphere="+0.25", cylinder="+5.75", axis=90)
    assert classify_lens(eye, usage="far") is LensClass.SIMPLE  # cylinder > 4 but S = 6.00
    # whereas at sphere 0 the cylinder size counts (row 4)
    assert classify_lens(EyePrescription(sphere="0", cylinder="+4.25", axis=90), usage="far") is C_


C_ = LensClass.COMPLEX


def test_trap_multifocal_spherical_vs_spherocylindrical():
    spherical = EyePrescription(sphere="-6.00", addition="+2")
    cyl = EyePrescription(sphere="-6.00", cylinder="+0.25", axis=90, addition="+2")
    assert classify_lens(spherical, usage="progressive") is LensClass.VERY_COMPLEX
    assert classify_lens(cyl, usage="progressive") is LensClass.COMPLEX


def test_trap_minus_cylinder_changes_branch_after_transposition():
    eye = EyePrescription(sphere="-5.50", cylinder="-1.00", axis=0)
    can = eye.canonical()
    assert (str(can.sphere), str(can.cylinder), can.axis) == ("-6.5", "1", 90)
    assert classify_lens(eye, usage="far") is LensClass.COMPLEX
    assert lens_row(eye, usage="far").number == 5
    # read naively as a positive cylinder (-5.50 within -6..0) it would have been simple
    assert lens_row_q(False, -22, 4) == 3


def test_trap_spherical_is_decided_on_the_canonical_cylinder():
    # -5.75 (-0.25) is -6.00 (+0.25): sphero-cylindrical, row 10 (complex), not row 9
    eye = EyePrescription(sphere="-5.75", cylinder="-0.25", axis=10, addition="2")
    assert lens_row(eye, usage="progressive").number == 10
    # +6.00 (-1.00) is +5.00 (+1.00): S = 6.00, row 6 (simple); +7.00 (-1.00) has S = 7: row 7
    assert lens_row(EyePrescription(sphere="+6", cylinder="-1", axis=10), usage="far").number == 6
    assert lens_row(EyePrescription(sphere="+7", cylinder="-1", axis=10), usage="far").number == 7


def test_trap_comprise_entre_is_inclusive():
    for usage, sph in (("far", "-6"), ("far", "+6"), ("progressive", "-4"), ("progressive", "4")):
        eye = EyePrescription(sphere=sph, addition="1")
        assert lens_row(eye, usage=usage).number in (1, 8)


@pytest.mark.parametrize("usage", ["near", "progressive"])
def test_addition_required_for_near_and_progressive(usage):
    with pytest.raises(RuleError, match="addition"):
        classify_lens(EyePrescription(sphere="-1"), usage=usage)


def test_finding_far_class_not_monotone_when_leaving_sphere_zero_upwards():
    # documented quirk: at sphere 0 a cylinder > 4 is complex (row 4), at +0.25 only S counts
    low = EyePrescription(sphere="0", cylinder="+4.25", axis=90)
    up = EyePrescription(sphere="+0.25", cylinder="+4.25", axis=90)
    assert classify_lens(low, usage="far").code > classify_lens(up, usage="far").code


@settings(max_examples=300, deadline=None)
@given(eye_prescriptions(), st.integers(1, 60))
def test_far_moving_sphere_away_from_zero_never_lowers_class(eye, step):
    can = eye.canonical()
    s, c = can.sphere_q, can.cylinder_q
    # same sign only: from 0 upwards the class may drop (see the test above)
    new = s - step if s <= 0 else s + step
    if not -127 <= new <= 127:
        return
    moved = EyePrescription.from_quarters(new, c, can.axis or None)
    assert classify_lens(moved, usage="far").code >= classify_lens(can, usage="far").code


# --- exhaustive grid -----------------------------------------------------------------------
def _spec_conditions(multifocal, s, c):
    """Spec §2 conditions transcribed independently (Fractions of dioptres, S = s + c)."""
    s, c = Fraction(s, 4), Fraction(c, 4)
    t = s + c
    sph, cyl = c == 0, c >= Fraction(1, 4)
    if not multifocal:
        return [
            sph and -6 <= s <= 6, sph and (s < -6 or s > 6),
            cyl and -6 <= s <= 0 and c <= 4, cyl and -6 <= s <= 0 and c > 4, cyl and s < -6,
            cyl and s > 0 and t <= 6, cyl and s > 0 and t > 6,
        ] + [False] * 7
    return [False] * 7 + [
        sph and -4 <= s <= 4, sph and (s < -4 or s > 4),
        cyl and -8 <= s <= 0 and c <= 4, cyl and -8 <= s <= 0 and c > 4, cyl and s < -8,
        cyl and s > 0 and t <= 8, cyl and s > 0 and t > 8,
    ]


ADDITIONS = (1, 8, 31)


def _grid():
    s, c = np.meshgrid(np.arange(-127, 128), np.arange(0, 64), indexing="ij")
    return s.ravel(), c.ravel()


def test_grid_total_exclusive_and_equal_to_scalar_classification():
    s, c = _grid()
    checked = 0
    for usage in LensUsage:
        for add in ADDITIONS if usage is not LensUsage.FAR else (0,):
            codes = classify_lens_grid(usage, sphere_q=s, cylinder_q=c, addition_q=add)
            rows = lens_row_grid(usage, sphere_q=s, cylinder_q=c, addition_q=add)
            assert codes.dtype == np.int8 and codes.shape == s.shape
            for si, ci, code, row in zip(s.tolist(), c.tolist(), codes.tolist(),
                                         rows.tolist(), strict=True):
                lens_s = si + add if usage is LensUsage.NEAR else si
                holds = _spec_conditions(usage is LensUsage.PROGRESSIVE, lens_s, ci)
                assert sum(holds) == 1 and holds.index(True) + 1 == row
                eye = EyePrescription.from_quarters(si, ci, 90 if ci else None, add)
                assert classify_lens(eye, usage=usage).code == code
                checked += 1
    assert checked == 255 * 64 * 7


def test_grid_broadcasts_and_matches_on_minus_cylinder_inputs_after_canonical():
    eyes = [EyePrescription(sphere="-5.50", cylinder="-1.00", axis=0, addition="2"),
            EyePrescription(sphere="+3", cylinder="-2", axis=40, addition="1")]
    can = [e.canonical() for e in eyes]
    for usage in LensUsage:
        got = classify_lens_grid(usage, sphere_q=[e.sphere_q for e in can],
                                 cylinder_q=[e.cylinder_q for e in can],
                                 addition_q=[e.addition_q for e in can])
        assert got.tolist() == [classify_lens(e, usage=usage).code for e in eyes]
    # a scalar and an array broadcast together
    assert classify_lens_grid("far", sphere_q=np.arange(-30, -20),
                              cylinder_q=0).tolist() == [1] * 6 + [0] * 4


def test_grid_missing_addition_raise_or_sentinel():
    with pytest.raises(RuleError, match="addition_q"):
        classify_lens_grid("near", sphere_q=[0, 1], cylinder_q=[0, 0], addition_q=[0, 4])
    got = classify_lens_grid("near", sphere_q=[0, 1], cylinder_q=[0, 0], addition_q=[0, 4],
                             missing_addition="sentinel")
    assert got.tolist() == [GRID_INVALID, 0]
    assert classify_lens_grid("far", sphere_q=[0], cylinder_q=[0], addition_q=[0]).tolist() == [0]


@pytest.mark.parametrize(
    "args, field",
    [(([0], [-1], [0]), "cylinder_q"), (([0], [0], [-1]), "addition_q"),
     (([0.5], [0], [0]), "sphere_q")],
)
def test_grid_rejects_bad_input(args, field):
    with pytest.raises(InvalidInputError, match=field):
        classify_lens_grid("far", **dict(zip(("sphere_q", "cylinder_q", "addition_q"), args,
                                             strict=True)))


# --- spec §3 categories ------------------------------------------------------------------
SPEC_3_ROWS = [
    ("a", S, S, 5_000, 42_000, 10_000),
    ("b", S, C, 12_500, 56_000, 15_000),
    ("c", C, C, 20_000, 70_000, 20_000),
    ("d", S, V, 12_500, 61_000, 15_000),
    ("e", C, V, 20_000, 75_000, 20_000),
    ("f", V, V, 20_000, 80_000, 20_000),
]


@pytest.mark.parametrize("code, right, left, floor, ceiling, floor_d911", SPEC_3_ROWS)
def test_spec_3_rows(code, right, left, floor, ceiling, floor_d911):
    for r, l in ((right, left), (left, right)):
        cat = equipment_category(LensClass(r), LensClass(l))
        assert (cat.code, cat.floor_cents, cat.ceiling_cents) == (code, floor, ceiling)
        assert cat.floor_for(True) == floor_d911 and cat.floor_for(False) == floor
        assert cat.frame_cap_cents == 10_000
    assert CATEGORIES[code] == RULES_2020.equipment_category(right, left)


def test_categories_cover_every_pair_once():
    pairs = {frozenset(c.lenses) for c in CATEGORIES.values()}
    assert len(pairs) == 6


def test_rules_object_versioning():
    import datetime as dt

    from zkclaims.domain import check_contract, reimburse, rules_in_force

    assert RULES_2020.version == "2020" and RULES_2020.in_force_from == dt.date(2020, 1, 1)
    assert rules_in_force(dt.date(2025, 11, 28)) is RULES_2020
    with pytest.raises(RuleError, match="day"):
        rules_in_force(dt.date(2019, 12, 31))
    assert RULES_2020.reimburse is reimburse and RULES_2020.check_contract is check_contract
    assert RULES_2020.lens_rows == LENS_ROWS and RULES_2020.categories == CATEGORIES
    with pytest.raises(AttributeError):
        RULES_2020.no_such_rule  # noqa: B018


def test_bad_usage_or_class_names_the_field():
    eye = EyePrescription(sphere="-1")
    with pytest.raises(InvalidInputError) as info:
        classify_lens(eye, usage="reading")
    assert info.value.field == "usage"
    with pytest.raises(InvalidInputError, match="usage"):
        classify_lens_grid("reading", sphere_q=[0], cylinder_q=[0])
    with pytest.raises(InvalidInputError) as info:
        equipment_category(LensClass.SIMPLE, "hard")
    assert info.value.field == "left"
