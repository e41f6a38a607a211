"""Prescription validity (spec §6) and renewal periods (spec §5; early: test_rules_renewal)."""

import datetime as dt

import pytest

from zkclaims.domain import (
    EyePrescription,
    Prescription,
    add_months,
    add_years,
    age_on,
    next_renewal_date,
    prescription_valid_on,
    prescription_validity_end,
    renewal_due,
    valid_on,
    validity_end,
)
from zkclaims.errors import InvalidInputError

D = dt.date


def rx(issued, kind="physician", right=("-2",), left=("-2",)):
    def eye(t):
        sph, cyl, axis, add = (*t, "0", None, "0")[:4] if len(t) == 1 else (*t, "0")[:4]
        return EyePrescription(sphere=sph, cylinder=cyl, axis=axis, addition=add)
    return Prescription(right=eye(right), left=eye(left), issued_on=issued, prescriber_kind=kind)


def test_date_arithmetic():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_months(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2025, 1, 15), -1) == D(2024, 12, 15)
    assert age_on(D(2000, 2, 29), D(2015, 2, 28)) == 15
    assert age_on(D(2000, 2, 29), D(2015, 2, 27)) == 14
    assert age_on(D(2000, 6, 1), D(2016, 5, 31)) == 15
    with pytest.raises(InvalidInputError, match="patient_birth_date"):
        age_on(D(2020, 1, 2), D(2020, 1, 1))


# (birth, issued, kind, last valid day) -- spec §6, age at the date of the prescription
VALIDITY = [
    (D(2010, 3, 11), D(2024, 3, 10), "physician", D(2025, 3, 10)),  # 13: 1 year
    (D(2008, 3, 11), D(2024, 3, 10), "physician", D(2025, 3, 10)),  # 15, 16 the next day
    (D(2008, 3, 10), D(2024, 3, 10), "physician", D(2029, 3, 10)),  # 16 that day: 5 years
    (D(1981, 3, 10), D(2024, 3, 10), "physician", D(2027, 3, 10)),  # 43: 3 years
    (D(1981, 3, 11), D(2024, 3, 10), "physician", D(2029, 3, 10)),  # 42: 5 years
    (D(1950, 1, 1), D(2024, 3, 10), "orthoptist", D(2026, 3, 10)),  # orthoptist: 2 years
    (D(2015, 1, 1), D(2024, 3, 10), "orthoptist", D(2026, 3, 10)),
    (D(2012, 1, 1), D(2024, 2, 29), "physician", D(2025, 2, 28)),  # 29 Feb -> 28 Feb
]


@pytest.mark.parametrize("birth, issued, kind, last", VALIDITY)
def test_prescription_validity(birth, issued, kind, last):
    p = rx(issued, kind)
    assert prescription_valid_on(p, day=issued, patient_birth_date=birth)
    assert prescription_valid_on(p, day=last, patient_birth_date=birth)
    assert not prescription_valid_on(p, day=last + dt.timedelta(days=1), patient_birth_date=birth)
    assert not prescription_valid_on(p, day=issued - dt.timedelta(days=1), patient_birth_date=birth)


@pytest.mark.parametrize("birth, issued, kind, last", VALIDITY)
def test_validity_from_the_insurers_facts(birth, issued, kind, last):
    # What the insurer knows: prescription day and prescriber kind (attestation), birth date.
    facts = {"issued_on": issued, "prescriber_kind": kind, "patient_birth_date": birth}
    assert validity_end(**facts) == last == prescription_validity_end(rx(issued, kind),
                                                                      patient_birth_date=birth)
    assert valid_on(issued, **facts) and valid_on(last, **facts)
    assert not valid_on(last + dt.timedelta(days=1), **facts)
    assert not valid_on(issued - dt.timedelta(days=1), **facts)


def test_validity_facts_are_keyword_only_and_checked():
    with pytest.raises(TypeError):
        validity_end(D(2024, 1, 1), "physician", D(1990, 1, 1))  # three dates: no positions
    with pytest.raises(InvalidInputError) as info:
        valid_on(D(2024, 1, 2), issued_on=D(2024, 1, 1), prescriber_kind="optician",
                 patient_birth_date=D(1990, 1, 1))
    assert info.value.field == "prescriber_kind" and info.value.value == "optician"
    with pytest.raises(InvalidInputError, match="patient_birth_date"):
        validity_end(issued_on=D(2024, 1, 1), prescriber_kind="physician",
                     patient_birth_date=D(2024, 6, 1))


def test_validity_rejects_birth_after_prescription():
    with pytest.raises(InvalidInputError, match="patient_birth_date"):
        prescription_valid_on(rx(D(2024, 1, 1)), day=D(2024, 1, 2), patient_birth_date=D(2024, 6,
                                                                                         1))


ADULT, TEEN, CHILD = D(1980, 1, 1), D(2011, 1, 1), D(2021, 1, 1)

# (birth, last delivery, first allowed day, options) -- spec §5
RENEWAL = [
    (ADULT, D(2023, 5, 1), D(2025, 5, 1), {}),
    (ADULT, D(2023, 5, 1), D(2024, 5, 1), {"vision_changed": True}),
    (ADULT, D(2023, 5, 1), D(2023, 5, 1), {"medical_situation": True}),
    (TEEN, D(2024, 5, 1), D(2025, 5, 1), {}),
    (TEEN, D(2024, 5, 1), D(2024, 5, 1), {"vision_changed": True}),
    (CHILD, D(2025, 5, 1), D(2026, 5, 1), {}),  # under 6, frame still fits: 1 year
    (CHILD, D(2025, 5, 1), D(2025, 11, 1), {"frame_no_longer_fits": True}),
    (CHILD, D(2025, 5, 1), D(2025, 11, 1), {"require_frame_fit_under_6": False}),
    (CHILD, D(2025, 8, 31), D(2026, 2, 28), {"frame_no_longer_fits": True}),
    (TEEN, D(2024, 5, 1), D(2025, 5, 1), {"frame_no_longer_fits": True}),  # 6 months: under 6
    (D(2019, 9, 1), D(2025, 5, 1), D(2026, 5, 1), {"frame_no_longer_fits": True}),  # 6 by then
]


@pytest.mark.parametrize("birth, last, first, opts", RENEWAL)
def test_renewal_periods(birth, last, first, opts):
    assert renewal_due(last, day=first, patient_birth_date=birth, **opts)
    if first > last:
        assert not renewal_due(last, day=first - dt.timedelta(days=1), patient_birth_date=birth,
                               **opts)
    assert next_renewal_date(last, day=first, patient_birth_date=birth, **opts) == first


def test_renewal_age_is_taken_on_the_new_delivery_day():
    born = D(2009, 6, 1)  # 15 at the last delivery, 16 a year later: the 2-year period applies
    assert not renewal_due(D(2025, 1, 1), day=D(2026, 1, 2), patient_birth_date=born)
    assert renewal_due(D(2025, 1, 1), day=D(2027, 1, 1), patient_birth_date=born)


def test_renewal_rejects_day_before_last_delivery():
    with pytest.raises(InvalidInputError, match="day"):
        renewal_due(D(2025, 1, 2), day=D(2025, 1, 1), patient_birth_date=ADULT)
