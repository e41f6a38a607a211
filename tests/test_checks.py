"""The shared pre-check (prover and verifier) and the renewal period from the insurer's ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkclaims.domain import (
    ClaimHistory,
    EyePrescription,
    Prescription,
    check_renewal,
    precheck_claim,
    prescription_valid_on,
    renewal_due,
)
from zkclaims.domain.checks import PRECHECK_REASONS
from zkclaims.errors import ClaimRejected, InvalidInputError

D = dt.date
EYE = EyePrescription(sphere="-1.00")


def reason(**kw) -> str | None:
    args = {"prescription_day": D(2025, 3, 10), "prescriber_kind": "physician",
            "birth_date": D(1980, 1, 1), "today": D(2025, 5, 1)}
    args.update(kw)
    delivered = args.pop("delivered_on", D(2025, 4, 2))
    try:
        precheck_claim(delivered, **args)
    except ClaimRejected as exc:
        return exc.reason
    return None


def test_each_reason_and_its_order():
    assert reason() is None
    assert reason(delivered_on=D(2025, 5, 2)) == "delivery_in_future"
    assert reason(delivered_on=D(2025, 5, 1)) is None  # today itself is fine
    assert reason(claim_deadline_days=28) == "claim_too_late"  # 29 days before today
    assert reason(claim_deadline_days=29) is None
    assert reason(delivered_on=D(2025, 3, 9)) == "delivery_before_prescription"
    assert reason(delivered_on=D(2019, 12, 31), prescription_day=D(2019, 6, 1)) == (
        "rules_not_in_force")
    assert reason(birth_date=D(2025, 3, 11)) == "prescription_not_valid"
    assert reason(prescription_day=D(2020, 4, 1)) == "prescription_not_valid"  # 5 years at 40
    # the first failing check wins, in PRECHECK_REASONS order
    assert reason(delivered_on=D(2025, 5, 2), birth_date=D(2025, 5, 1)) == "delivery_in_future"
    assert reason(delivered_on=D(2019, 12, 31), prescription_day=D(2020, 1, 1)) == (
        "delivery_before_prescription")
    assert PRECHECK_REASONS == ("delivery_in_future", "claim_too_late",
                                "delivery_before_prescription", "rules_not_in_force",
                                "prescription_not_valid")


def test_messages_name_the_field_and_the_days():
    with pytest.raises(ClaimRejected) as e:
        precheck_claim(D(2025, 4, 2), prescription_day=D(2021, 3, 10),
                       prescriber_kind="physician", birth_date=D(1975, 6, 1),
                       today=D(2025, 5, 1))
    text = str(e.value)
    assert text.startswith("prescription_not_valid: claim.delivered_on:")
    assert "valid up to 2024-03-10" in text and "born 1975-06-01" in text


def test_bad_arguments_are_invalid_input_not_rejections():
    for kw, field in (({"today": "2025-05-01"}, "today"),
                      ({"birth_date": dt.datetime(1980, 1, 1)}, "birth_date"),
                      ({"claim_deadline_days": -1}, "claim_deadline_days"),
                      ({"claim_deadline_days": True}, "claim_deadline_days"),
                      ({"rules": "2020"}, "rules")):
        with pytest.raises(InvalidInputError) as e:
            reason(**kw)
        assert e.value.field == field
    with pytest.raises(TypeError):
        precheck_claim(D(2025, 4, 2), D(2025, 3, 10), "physician", D(1980, 1, 1))


@settings(max_examples=300, deadline=None)
@given(delivered=st.dates(D(2020, 1, 1), D(2031, 12, 31)),
       issued=st.dates(D(2019, 1, 1), D(2030, 12, 31)),
       birth=st.dates(D(1930, 1, 1), D(2030, 12, 31)),
       kind=st.sampled_from(["physician", "orthoptist"]))
def test_validity_equals_the_clear_text_rule(delivered, issued, birth, kind):
    """Past the calendar checks, prescription_not_valid exactly when spec §6 says so."""
    got = reason(delivered_on=delivered, prescription_day=issued, birth_date=birth,
                 prescriber_kind=kind, today=D(2032, 1, 1))
    if delivered < issued:
        assert got == "delivery_before_prescription"
    elif birth > issued:
        assert got == "prescription_not_valid"
    else:
        rx = Prescription(right=EYE, left=EYE, issued_on=issued, prescriber_kind=kind)
        assert (got is None) == prescription_valid_on(rx, day=delivered, patient_birth_date=birth)
        assert got in (None, "prescription_not_valid")


# ---------------------------------------------------------------------------------------------
# renewal period (spec §5), from the insurer's ledger
# ---------------------------------------------------------------------------------------------


def renewal(last, delivered, birth, **kw) -> str | None:
    try:
        check_renewal(ClaimHistory(last_delivery=last), delivered_on=delivered,
                      birth_date=birth, **kw)
    except ClaimRejected as exc:
        return exc.reason
    return None


def test_renewal_periods_by_age():
    adult, child, baby = D(1980, 1, 1), D(2015, 1, 1), D(2021, 1, 1)
    last = D(2023, 4, 2)
    assert renewal(last, D(2025, 4, 1), adult) == "renewal_too_early"  # 2 years from 16
    assert renewal(last, D(2025, 4, 2), adult) is None
    assert renewal(last, D(2024, 4, 1), child) == "renewal_too_early"  # 1 year under 16
    assert renewal(last, D(2024, 4, 2), child) is None
    # under 6: 1 year, or 6 months as the insurer's option (the frame rule)
    assert renewal(last, D(2023, 10, 2), baby) == "renewal_too_early"
    assert renewal(last, D(2023, 10, 2), baby, short_renewal_under_6=True) is None
    assert renewal(last, D(2023, 10, 1), baby, short_renewal_under_6=True) == (
        "renewal_too_early")
    # the age is taken on the new delivery day: 16 on that day means 2 years
    sixteen = D(2009, 3, 1)
    assert renewal(last, D(2025, 3, 1), sixteen) == "renewal_too_early"
    # a delivery before the last one in the ledger is refused too
    assert renewal(last, D(2023, 4, 1), adult) == "renewal_too_early"
    # no history, or no earlier delivery: nothing to check
    check_renewal(None, delivered_on=D(2025, 1, 1), birth_date=adult)
    check_renewal(ClaimHistory(), delivered_on=D(2025, 1, 1), birth_date=adult)


@settings(max_examples=200, deadline=None)
@given(last=st.dates(D(2020, 1, 1), D(2026, 1, 1)), gap=st.integers(0, 1000),
       birth=st.dates(D(1940, 1, 1), D(2019, 12, 31)), short=st.booleans())
def test_renewal_equals_the_clear_text_rule(last, gap, birth, short):
    delivered = last + dt.timedelta(days=gap)
    if birth > delivered:
        return
    due = renewal_due(last, day=delivered, patient_birth_date=birth,
                      require_frame_fit_under_6=not short)
    assert (renewal(last, delivered, birth, short_renewal_under_6=short) is None) == due


def test_history_fields_are_validated():
    with pytest.raises(InvalidInputError, match="previous_commitment"):
        ClaimHistory(previous_commitment="-1")
    with pytest.raises(InvalidInputError, match="last_delivery"):
        ClaimHistory(last_delivery="yesterday")
    assert ClaimHistory.model_validate_json('{"last_delivery": "2024-01-01"}').last_delivery == (
        D(2024, 1, 1))
