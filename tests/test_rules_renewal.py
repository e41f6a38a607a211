"""Early renewal in clear text (spec §5): one test per criterion and per trap, the axis band
choice, each criterion as a switch, and the age, medical-situation and adaptation rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from zkclaims.domain import RULES_2020, EyePrescription, Prescription
from zkclaims.domain.renewal import (
    PrescriptionFacts,
    early_renewal_earliest,
    early_renewal_problem,
    medical_situation_applies,
    optician_adaptation_problems,
    renewal_status,
)
from zkclaims.domain.vision_change import (
    ALL_CRITERIA,
    RULES_2020_CRITERIA,
    RenewalCriterion,
    axis_difference,
    axis_threshold,
    criteria_mask,
    criteria_met_q,
    renewal_criteria_met,
    vision_change_allows_early_renewal,
)
from zkclaims.errors import InvalidInputError

D = dt.date
C = RenewalCriterion


def eye(sphere, cylinder="0", axis=None, addition="0"):
    return EyePrescription(sphere=sphere, cylinder=cylinder, axis=axis, addition=addition)


NEW_DAY = D(2024, 6, 1)


def rx(right, left, day=NEW_DAY):
    return Prescription(right=right, left=left, issued_on=day)


BASE = eye("-2.00", "+1.00", 90)
PREV = rx(BASE, BASE, D(2023, 1, 10))
PRESB = eye("+1.00", addition="+2.00")
PREV_PRESB = rx(PRESB, PRESB, D(2023, 1, 10))


def met(new, prev=PREV):
    return renewal_criteria_met(prev, new=new)


# ---------------------------------------------------------------------------------------------
# criterion 1: sphere or cylinder
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("right, left, expected", [
    (eye("-2.50", "+1.00", 90), BASE, True),  # sphere 0.50 on one lens
    (BASE, eye("-2.00", "+1.50", 90), True),  # cylinder 0.50 on one lens
    (eye("+1.00", "+1.00", 90), BASE, True),  # far beyond
    (eye("-2.25", "+1.00", 90), eye("-2.00", "+1.25", 90), True),  # 0.25 on each lens
    (eye("-2.25", "+1.00", 90), BASE, False),  # trap: 0.25 on one lens, 0 on the other
    (eye("-2.25", "+1.25", 90), BASE, False),  # 0.25 sphere and 0.25 cylinder: one lens, 0.25
])
def test_criterion_1_sphere_or_cylinder(right, left, expected):
    assert bool(met(rx(right, left)) & C.SPHERE_CYLINDER) is expected


def test_criterion_1_needs_both_lenses_for_the_small_change():
    # trap: a change on each lens just under the threshold (0.00 and 0.25 -> refused;
    # 0.25 and 0.25 -> accepted; 0.25 and 0.50 -> accepted)
    small = eye("-2.25", "+1.00", 90)
    assert not vision_change_allows_early_renewal(PREV, new=rx(small, BASE))[0]
    assert vision_change_allows_early_renewal(PREV, new=rx(small, small))[0]
    assert vision_change_allows_early_renewal(PREV, new=rx(small, eye("-2.50", "+1.00", 90)))[0]


# ---------------------------------------------------------------------------------------------
# criterion 2: addition, presbyopia, no far change
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("right, left, expected", [
    (eye("+1.00", addition="+2.50"), PRESB, True),  # addition 0.50 on one lens
    (eye("+1.00", addition="+2.25"), eye("+1.00", addition="+2.25"), True),  # 0.25 on each
    (eye("+1.00", addition="+2.25"), PRESB, False),  # trap: 0.25 on one lens only
    (eye("+1.00", addition="+1.50"), PRESB, True),  # a smaller addition is a change too
    # far vision changed (left sphere 0.25): criterion 2 does not apply, even with 0.25 each
    (eye("+1.00", addition="+2.25"), eye("+1.25", addition="+2.25"), False),
])
def test_criterion_2_addition_without_far_change(right, left, expected):
    assert bool(met(rx(right, left), PREV_PRESB) & C.ADDITION) is expected


def test_criterion_2_needs_presbyopia():
    # an addition that disappears: the new prescription has none, so no presbyopia
    prev = rx(eye("+1.00", addition="+0.50"), eye("+1.00", addition="+0.50"), D(2023, 1, 1))
    new = rx(eye("+1.00"), eye("+1.00"))
    assert not met(new, prev) & C.ADDITION
    # and an addition appearing (0 -> 0.50): presbyopia, criterion 2
    assert met(prev.model_copy(update={"issued_on": D(2024, 6, 1)}),
               new.model_copy(update={"issued_on": D(2023, 1, 1)})) & C.ADDITION


# ---------------------------------------------------------------------------------------------
# criterion 3: presbyopia and a far change, far + near on one lens
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("right, left, c3, c5", [
    # sphere 0.25, addition kept: far 0.25 + near (sphere + addition) 0.25 = 0.50
    (eye("+1.25", addition="+2.00"), PRESB, True, False),
    # sphere 0.25 and addition +0.25: far 0.25 + near 0.50; addition reading 0.25 + 0.25
    (eye("+1.25", addition="+2.25"), PRESB, True, True),
    # sphere +0.25, addition -0.25: near unchanged, far 0.25 only; addition reading 0.50
    (eye("+1.25", addition="+1.75"), PRESB, False, True),
    # cylinder 0.25 appears, addition kept: far 0.25, near sphere 0: 0.25
    (eye("+1.00", "+0.25", 90, "+2.00"), PRESB, False, False),
    # no far change at all: criterion 3 does not apply (criterion 2's case)
    (eye("+1.00", addition="+2.50"), PRESB, False, False),
])
def test_criterion_3_far_plus_near_on_one_lens(right, left, c3, c5):
    m = met(rx(right, left), PREV_PRESB)
    assert bool(m & C.FAR_NEAR_SUM) is c3
    assert bool(m & C.FAR_ADDITION_SUM) is c5


def test_criterion_3_needs_presbyopia():
    # the same 0.25 sphere change without an addition: not a presbyope, refused
    prev = rx(eye("+1.00"), eye("+1.00"), D(2023, 1, 1))
    new = rx(eye("+1.25"), eye("+1.00"))
    assert met(new, prev) == 0
    assert not vision_change_allows_early_renewal(prev, new=new, criteria=ALL_CRITERIA)[0]


# ---------------------------------------------------------------------------------------------
# criterion 4: axis
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cyl, enough, not_enough", [
    ("+0.25", 111, 110), ("+1.00", 111, 110),  # <= 1.00 D: > 20°
    ("+1.25", 101, 100), ("+4.00", 101, 100),  # 1.25..4.00 D: > 10°
    ("+4.25", 96, 95), ("+8.00", 84, 85),  # above 4.00 D: > 5° (either direction)
])
def test_criterion_4_axis_thresholds(cyl, enough, not_enough):
    prev = rx(eye("-1", cyl, 90), eye("-1", cyl, 90), D(2023, 1, 1))
    for axis, allowed in ((enough, True), (not_enough, False)):
        m = met(rx(eye("-1", cyl, axis), eye("-1", cyl, 90)), prev)
        assert bool(m & C.AXIS) is allowed
        assert (m == C.AXIS) is allowed  # nothing else changed


def test_criterion_4_axis_wraps_at_180():
    # trap: 170° -> 5° is 15° on the circle, not 165°
    assert int(axis_difference(170, 5)) == 15
    assert int(axis_difference(180, 1)) == 1
    prev = rx(eye("-1", "+2.00", 170), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+2.00", 5), BASE), prev) == C.AXIS  # 15° > 10° (1.25..4.00)
    prev = rx(eye("-1", "+0.75", 170), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+0.75", 5), BASE), prev) == 0  # 15° <= 20° (<= 1.00 D)
    prev = rx(eye("-1", "+2.00", 175), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+2.00", 5), BASE), prev) == 0  # 10°: not more than 10°


def test_criterion_4_band_is_the_new_cylinders():
    # 1.00 D -> 1.25 D turned 15°: the new cylinder's band (> 10°) accepts; criterion 1 does
    # not (0.25 on one lens). The old cylinder's band (> 20°) would refuse.
    prev = rx(eye("-1", "+1.00", 10), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+1.25", 25), BASE), prev) == C.AXIS
    # 1.25 D -> 1.00 D turned 15°: the new band (> 20°) refuses; the old one would accept
    prev = rx(eye("-1", "+1.25", 10), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+1.00", 25), BASE), prev) == 0
    # the same at the 4.00 / 4.25 D edge: 8° is enough above 4.00 D only
    prev = rx(eye("-1", "+4.00", 10), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+4.25", 18), BASE), prev) == C.AXIS
    prev = rx(eye("-1", "+4.25", 10), BASE, D(2023, 1, 1))
    assert met(rx(eye("-1", "+4.00", 18), BASE), prev) == 0
    assert list(axis_threshold([4, 5, 16, 17])) == [20, 10, 10, 5]


def test_criterion_4_cylinder_zero_on_one_side():
    # trap: a cylinder appearing has no "axis change" (axis 0 vs 90 means nothing): it is a
    # 0.25 D cylinder change on one lens, refused; vanishing likewise
    plano = rx(eye("-1"), BASE, D(2023, 1, 1))
    appears = rx(eye("-1", "+0.25", 90), BASE)
    assert met(appears, plano) == 0
    assert met(plano.model_copy(update={"issued_on": D(2024, 6, 1)}),
               appears.model_copy(update={"issued_on": D(2023, 1, 1)})) == 0
    # a large cylinder appearing is criterion 1, still not criterion 4
    assert met(rx(eye("-1", "+2.00", 90), BASE), plano) == C.SPHERE_CYLINDER


# ---------------------------------------------------------------------------------------------
# transposition and the whole rule
# ---------------------------------------------------------------------------------------------


def test_minus_cylinder_writing_is_transposed_first():
    # trap: -1.00 (-1.00) 180° is -2.00 (+1.00) 90°: the same correction, no change at all
    same = rx(eye("-1.00", "-1.00", 180), eye("-1.00", "-1.00", 180))
    assert met(same) == 0
    # raw minus-cylinder numbers would show a 1.00 D sphere change and a 90° axis turn
    assert not vision_change_allows_early_renewal(PREV, new=same, criteria=ALL_CRITERIA)[0]
    # -1.00 (-1.50) 180° is -2.50 (+1.50) 90°: sphere and cylinder both 0.50 D
    changed = rx(eye("-1.00", "-1.50", 180), BASE)
    assert met(changed) == C.SPHERE_CYLINDER
    # the previous one written in minus cylinder, the new one in plus: same answer
    prev_minus = rx(eye("-1.00", "-1.00", 180), eye("-1.00", "-1.00", 180), D(2023, 1, 10))
    assert met(rx(eye("-2.50", "+1.00", 90), BASE), prev_minus) == C.SPHERE_CYLINDER


def test_reasons_name_the_lens_and_the_criterion():
    ok, reasons = vision_change_allows_early_renewal(PREV, new=rx(eye("-2.50", "+1.00", 90), BASE))
    assert ok and len(reasons) == 1
    assert reasons[0].startswith("criterion 1") and "right" in reasons[0]
    assert "spec §5" in reasons[0]
    ok, reasons = vision_change_allows_early_renewal(PREV, new=rx(BASE, BASE))
    assert (ok, reasons) == (False, [])


def test_new_prescription_must_not_be_older():
    with pytest.raises(InvalidInputError, match="new.issued_on"):
        renewal_criteria_met(rx(BASE, BASE, D(2024, 1, 2)), new=rx(BASE, BASE, D(2024, 1, 1)))


def test_scalar_and_array_forms_are_one_rule():
    # criteria_met_q on arrays gives, element by element, what it gives on ints
    rng = np.random.default_rng(7)
    n = 500
    prev = []
    for _ in range(2):
        c = rng.integers(1, 20, n)
        prev.append((rng.integers(-6, 7, n), c, rng.integers(1, 181, n), rng.integers(0, 4, n)))

    def step():
        return rng.choice([0, 0, 0, 0, 1, -1], n)

    new = [(s + step(), c + step(), (x + 25 * step() - 1) % 180 + 1, np.abs(a + step()))
           for s, c, x, a in prev]
    eyes = [prev[0], prev[1], new[0], new[1]]
    arr = criteria_met_q(*eyes)
    for i in range(0, n, 25):
        assert int(arr[i]) == int(criteria_met_q(*(tuple(int(x[i]) for x in e) for e in eyes)))
    assert arr.min() == 0 and len(set(arr.tolist())) > 8


# ---------------------------------------------------------------------------------------------
# each criterion a switch
# ---------------------------------------------------------------------------------------------

CASES = {
    C.SPHERE_CYLINDER: (PREV, rx(eye("-2.50", "+1.00", 90), BASE)),
    C.ADDITION: (PREV_PRESB, rx(eye("+1.00", addition="+2.50"), PRESB)),
    C.FAR_NEAR_SUM: (PREV_PRESB, rx(eye("+1.25", addition="+2.00"), PRESB)),
    C.AXIS: (PREV, rx(eye("-2.00", "+1.00", 120), BASE)),
    C.FAR_ADDITION_SUM: (PREV_PRESB, rx(eye("+1.25", addition="+1.75"), PRESB)),
}


@pytest.mark.parametrize("criterion", list(C))
def test_each_criterion_is_a_switch(criterion):
    prev, new = CASES[criterion]
    assert met(new, prev) == criterion  # the case meets this criterion alone
    assert vision_change_allows_early_renewal(prev, new=new, criteria=criterion)[0]
    others = ALL_CRITERIA & ~criterion
    assert not vision_change_allows_early_renewal(prev, new=new, criteria=others)[0]


def test_rules_2020_switch_criteria_1_to_4_on():
    assert RULES_2020.renewal_criteria == RULES_2020_CRITERIA == C(15)
    assert C.FAR_ADDITION_SUM not in RULES_2020.renewal_criteria
    prev, new = CASES[C.FAR_ADDITION_SUM]
    assert not RULES_2020.vision_change_allows_early_renewal(prev, new=new)[0]  # default: 2020


@pytest.mark.parametrize("value", [0, 32, -1, True, "15", 1.0])
def test_criteria_mask_refuses_what_is_not_a_set_of_criteria(value):
    with pytest.raises(InvalidInputError, match="criteria"):
        criteria_mask(value)
    with pytest.raises(InvalidInputError):
        vision_change_allows_early_renewal(PREV, new=rx(BASE, BASE), criteria=value)


# ---------------------------------------------------------------------------------------------
# age, medical situation, optician's adaptation (clear text)
# ---------------------------------------------------------------------------------------------

ADULT, CHILD = D(1980, 1, 1), D(2014, 1, 1)
DOC = PrescriptionFacts("prescription", "physician", D(2024, 6, 1))


def test_early_renewal_delay_by_age():
    last = D(2024, 1, 10)
    day = D(2024, 6, 1)
    assert early_renewal_earliest(last, day=day, patient_birth_date=ADULT) == D(2025, 1, 10)
    assert early_renewal_earliest(last, day=day, patient_birth_date=CHILD) == last  # none
    # 16 on the delivery day, not the last delivery's: one year
    assert early_renewal_earliest(last, day=day, patient_birth_date=D(2008, 5, 1)) == (
        D(2025, 1, 10))


def test_medical_situation_only_on_a_physicians_prescription():
    assert medical_situation_applies(DOC._replace(medical_situation=True))
    assert not medical_situation_applies(DOC)
    assert not medical_situation_applies(DOC._replace(medical_situation=True,
                                                      prescriber_kind="orthoptist"))
    assert not medical_situation_applies(
        PrescriptionFacts("optician_adaptation", "optician", D(2024, 6, 1), True))


def test_renewal_status():
    last = D(2024, 1, 10)
    kw = {"last_delivery": last, "patient_birth_date": ADULT, "new": DOC}
    assert renewal_status(**{**kw, "last_delivery": None}, delivered_on=D(2024, 6, 2))[0] == (
        "first")
    assert renewal_status(**kw, delivered_on=D(2026, 1, 10))[0] == "due"
    assert renewal_status(**kw, delivered_on=D(2026, 1, 9))[0] == "early"
    medical = {**kw, "new": DOC._replace(medical_situation=True)}
    assert renewal_status(**medical, delivered_on=D(2024, 6, 2))[0] == "medical"
    # a medical flag on a prescription older than the last delivery waives nothing
    old = {**kw, "new": DOC._replace(medical_situation=True, issued_on=D(2024, 1, 9))}
    assert renewal_status(**old, delivered_on=D(2024, 6, 2))[0] == "early"
    with pytest.raises(InvalidInputError, match="delivered_on"):
        renewal_status(**kw, delivered_on=D(2024, 1, 9))


def test_early_renewal_problem():
    kw = {"last_delivery": D(2024, 1, 10), "patient_birth_date": ADULT}
    prev = PrescriptionFacts("prescription", "physician", D(2023, 12, 1))
    assert early_renewal_problem(**kw, delivered_on=D(2025, 1, 10), new=DOC, previous=prev) is None
    reason, msg = early_renewal_problem(**kw, delivered_on=D(2025, 1, 9), new=DOC, previous=prev)
    assert reason == "renewal_too_early" and "2025-01-10" in msg
    child = {**kw, "patient_birth_date": CHILD}
    assert early_renewal_problem(**child, delivered_on=D(2024, 6, 2), new=DOC,
                                 previous=prev) is None
    # the "new" prescription is older than the previous one, or than the last delivery
    reason, _ = early_renewal_problem(**kw, delivered_on=D(2025, 2, 1), new=prev, previous=DOC)
    assert reason == "renewal_not_justified"
    before = DOC._replace(issued_on=D(2024, 1, 5))
    reason, msg = early_renewal_problem(**kw, delivered_on=D(2025, 2, 1), new=before,
                                        previous=prev)
    assert reason == "renewal_not_justified" and "last delivery" in msg


def test_optician_adaptation():
    original = PrescriptionFacts("prescription", "physician", D(2022, 3, 1))
    kw = {"original": original, "patient_birth_date": D(1970, 1, 1)}
    assert optician_adaptation_problems(adapted_on=D(2024, 6, 1), delivered_on=D(2024, 6, 5),
                                        **kw) == []
    # 52 at the prescription: valid 3 years, until 2025-03-01
    late = optician_adaptation_problems(adapted_on=D(2025, 3, 2), delivered_on=D(2025, 3, 5),
                                        **kw)
    assert len(late) == 2 and "2025-03-01" in late[0]
    assert optician_adaptation_problems(adapted_on=D(2025, 3, 1), delivered_on=D(2025, 3, 2),
                                        **kw)[0].endswith("delivery day 2025-03-02 (spec §6)")
    # under 16, an orthoptist's, an adaptation of an adaptation: refused
    young = optician_adaptation_problems(adapted_on=D(2024, 6, 1), delivered_on=D(2024, 6, 5),
                                         original=original._replace(issued_on=D(2024, 3, 1)),
                                         patient_birth_date=CHILD)
    assert any("from 16 only" in p for p in young)
    for kind, who in (("prescription", "orthoptist"), ("optician_adaptation", "optician")):
        probs = optician_adaptation_problems(
            adapted_on=D(2024, 6, 1), delivered_on=D(2024, 6, 5),
            original=original._replace(kind=kind, prescriber_kind=who),
            patient_birth_date=ADULT)
        assert probs and "physician's prescription only" in probs[0]
    # through the verdict
    new = PrescriptionFacts("optician_adaptation", "optician", D(2025, 3, 2))
    reason, msg = early_renewal_problem(last_delivery=D(2024, 1, 10), delivered_on=D(2025, 3, 5),
                                        patient_birth_date=D(1970, 1, 1), new=new,
                                        previous=original)
    assert reason == "renewal_not_justified" and msg.startswith("optician's adaptation")
