"""Patient identity (INS/NIR), the insurer's beneficiary record, commitment v2 and patient tag."""

from __future__ import annotations

import datetime as dt

import pytest

from zkclaims import poseidon
from zkclaims.commitment import (
    COMMITMENT_TAG_V2,
    PATIENT_TAG_DOMAIN,
    commit_v2,
    domain_tag,
    patient_tag,
)
from zkclaims.domain.patient import Beneficiary, Patient, canonical_ins, patient_field_element
from zkclaims.errors import InvalidInputError, ZkClaimsError
from zkclaims.field import R

BIRTH = dt.date(1968, 6, 1)


@pytest.mark.parametrize(
    "given, canonical",
    [
        ("1 68 06 75 123 456 49", "168067512345649"),
        ("168067512345649", "168067512345649"),
        ("1.68.06.75.123.456-49", "168067512345649"),
        ("2 85 02 75 012 345 21", "285027501234521"),
        ("1 54 12 2b 123 456 42", "154122B12345642"),  # Corsica: 2B counts as 18 in the key
        ("2 69 05 2A 123 456 88", "269052A12345688"),  # and 2A as 19
    ],
)
def test_ins_canonical_form_and_key(given: str, canonical: str) -> None:
    assert canonical_ins(given) == canonical
    assert Patient(ins=given, birth_date=BIRTH).ins == canonical


@pytest.mark.parametrize(
    "bad, says",
    [
        ("1 68 06 75 123 456 48", "key 48 does not match"),  # key off by one
        ("1 68 06 75 123 456", "2-digit key"),  # no key
        ("5 68 06 75 123 456 49", "2-digit key"),  # sex digit 5 does not exist
        ("1 68 06 2C 123 456 49", "2-digit key"),  # only 2A / 2B are letters
        (1680675123456, "as a string"),
    ],
)
def test_bad_ins_is_refused_naming_the_field(bad: object, says: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Patient(ins=bad, birth_date=BIRTH)
    assert info.value.field == "ins" and says in str(info.value)
    assert isinstance(info.value, ZkClaimsError)


def test_field_element_binds_ins_and_birth_date() -> None:
    p = Patient(ins="168067512345649", birth_date=BIRTH)
    fe = p.field_element()
    assert 0 <= fe < 2**248 < R
    assert fe == patient_field_element("1 68 06 75 123 456 49", BIRTH)  # spaces do not matter
    assert fe != Patient(ins="285027501234521", birth_date=BIRTH).field_element()
    assert fe != Patient(ins="168067512345649", birth_date=dt.date(1968, 6, 2)).field_element()


def test_beneficiary_record() -> None:
    b = Beneficiary(member_id="M-000123", ins="1 68 06 75 123 456 49", birth_date=BIRTH)
    assert b.amo_regime == "general"
    assert b.patient() == Patient(ins="168067512345649", birth_date=BIRTH)
    with pytest.raises(InvalidInputError) as info:
        Beneficiary(member_id=" M-1", ins="168067512345649", birth_date=BIRTH)
    assert info.value.field == "member_id"
    with pytest.raises(InvalidInputError) as info:
        Beneficiary(member_id="M-1", ins="168067512345649", birth_date=BIRTH, amo_regime="x")
    assert info.value.field == "amo_regime"


def test_commitment_v2_and_patient_tag_are_the_specified_hashes() -> None:
    assert COMMITMENT_TAG_V2 == domain_tag("zkclaims/prescription-commitment/v2")
    assert PATIENT_TAG_DOMAIN == domain_tag("zkclaims/patient-tag/v1")
    assert commit_v2(5, 6, 7) == poseidon.permute([COMMITMENT_TAG_V2, 5, 6, 7, 0])[1]
    assert patient_tag(6, 9) == poseidon.permute([PATIENT_TAG_DOMAIN, 6, 9])[1]
    # each input matters, and the two uses are separated by their domain
    assert len({commit_v2(5, 6, 7), commit_v2(5, 7, 7), commit_v2(6, 6, 7),
                commit_v2(5, 6, 8)}) == 4
    assert patient_tag(6, 9) != patient_tag(6, 10)
    with pytest.raises(InvalidInputError, match="blinding"):
        commit_v2(5, 6, R)
    with pytest.raises(InvalidInputError, match="claim_context"):
        patient_tag(6, -1)
