"""zkclaims.prescriber: commitment v2, opening v2, attestation, keys, trusted prescribers."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from zkclaims.commitment import commit_v2
from zkclaims.domain import EyePrescription, Patient, PrescriberKind, Prescription
from zkclaims.domain.attestation import Attestation, attestation_message
from zkclaims.domain.packing import pack_prescription
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.prescriber import (
    BLINDING_BITS,
    Opening,
    TrustedPrescribers,
    commit,
    commitment_of,
    generate_key,
    load_private_key,
    prescribe,
    public_key_hex,
    save_private_key,
    verify_attestation,
)

RX = Prescription(
    right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180, addition="2.00"),
    left=EyePrescription(sphere="+1.25"),
    issued_on=dt.date(2025, 3, 10),
)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
OTHER = Patient(ins="2 85 02 75 012 345 21", birth_date=dt.date(1968, 6, 1))


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def signed(key):
    return prescribe(RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")


@pytest.fixture(scope="module")
def trusted(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    return t


def test_commit_v2_binds_the_prescription_to_the_patient():
    c1, r1 = commit(RX, patient=PATIENT)
    c2, r2 = commit(RX, patient=PATIENT)
    assert r1 != r2 and c1 != c2
    assert 0 <= r1 < 1 << BLINDING_BITS
    assert c1 == commit_v2(pack_prescription(RX), PATIENT.field_element(), r1)
    assert commitment_of(RX, patient=PATIENT, blinding=r1) == c1
    # the same prescription and blinding for another patient, or another birth date
    assert commitment_of(RX, patient=OTHER, blinding=r1) != c1
    younger = Patient(ins=PATIENT.ins, birth_date=dt.date(1990, 6, 1))
    assert commitment_of(RX, patient=younger, blinding=r1) != c1
    with pytest.raises(InvalidInputError, match="patient"):
        commitment_of(RX, patient="1 68 06 75 123 456 49", blinding=r1)


def test_opening_is_canonical_and_checks(signed):
    opening, att = signed
    assert opening.prescription == RX.canonical()
    assert opening.prescription.right.cylinder > 0
    opening.check()
    assert att.commitment == opening.commitment
    assert att.prescription_day == RX.issued_on
    assert att.prescriber_kind is PrescriberKind.PHYSICIAN
    # JSON round trip of both documents, versioned
    assert Opening.model_validate_json(opening.model_dump_json()) == opening
    assert Attestation.model_validate_json(att.model_dump_json()) == att
    assert opening.model_dump()["format"] == "zkclaims-opening/v2"
    assert opening.patient == PATIENT
    assert att.model_dump()["format"] == "zkclaims-attestation/v1"


def test_opening_with_another_blinding_does_not_open(signed):
    opening, _ = signed
    bad = opening.model_copy(update={"blinding": str(opening.blinding_int + 1)})
    with pytest.raises(InvalidInputError, match="opening.commitment"):
        bad.check()
    other = opening.model_copy(
        update={"prescription": RX.model_copy(update={"issued_on": dt.date(2025, 3, 11)})}
    )
    with pytest.raises(InvalidInputError, match="opening.commitment"):
        other.check()
    # the opening of another patient (or of a forged birth date) does not open it
    for patient in (OTHER, Patient(ins=PATIENT.ins, birth_date=dt.date(1990, 6, 1))):
        with pytest.raises(InvalidInputError, match="opening.commitment"):
            opening.model_copy(update={"patient": patient}).check()


def test_field_elements_are_validated():
    with pytest.raises(InvalidInputError, match="blinding"):
        Opening(prescription=RX, patient=PATIENT, blinding="-1", commitment="0")
    with pytest.raises(InvalidInputError, match="commitment"):
        Opening(prescription=RX, patient=PATIENT, blinding="1", commitment=str(2**255))
    with pytest.raises(InvalidInputError, match="commitment"):
        Opening(prescription=RX, patient=PATIENT, blinding="1", commitment="007")


def test_openings_v1_are_retired(signed):
    """An opening v1 (prescription and blinding, no patient) is refused with why."""
    opening, _ = signed
    doc = opening.model_dump(mode="json")
    del doc["patient"]
    doc["format"] = "zkclaims-opening/v1"
    with pytest.raises(InvalidInputError) as e:
        Opening.model_validate(doc)
    assert e.value.field == "format" and "retired" in str(e.value)
    assert "binds no patient" in str(e.value)


def test_prescribe_takes_keyword_arguments_and_checks_the_patient(key):
    with pytest.raises(TypeError):
        prescribe(RX, key, "RPPS-1")  # the v1 positional form is gone
    with pytest.raises(TypeError):
        commit(RX, PATIENT)  # keyword-only after the first
    unborn = Patient(ins=PATIENT.ins, birth_date=dt.date(2025, 3, 11))
    with pytest.raises(InvalidInputError) as e:
        prescribe(RX, patient=unborn, key=key, prescriber_id="RPPS-1")
    assert e.value.field == "patient.birth_date"


def test_attestation_verifies_and_each_field_is_signed(signed, trusted):
    _, att = signed
    verify_attestation(att, trusted)
    tampered = {
        "commitment": str(int(att.commitment) ^ 1),
        "prescription_day": dt.date(2025, 3, 11),
        "signature": ("00" if att.signature[:2] != "00" else "11") + att.signature[2:],
    }
    for field, value in tampered.items():
        bad = att.model_copy(update={field: value})
        with pytest.raises(AttestationError, match="bad_signature") as ei:
            verify_attestation(bad, trusted)
        assert ei.value.reason == "bad_signature"


def test_untrusted_prescriber_and_kind(signed, trusted, key):
    _, att = signed
    other = att.model_copy(update={"prescriber_id": "RPPS-2"})
    with pytest.raises(AttestationError, match="untrusted_prescriber"):
        verify_attestation(other, trusted)
    # trusted as physician, attestation claims orthoptist (and vice versa)
    ortho = att.model_copy(update={"prescriber_kind": PrescriberKind.ORTHOPTIST})
    with pytest.raises(AttestationError, match="prescriber_kind"):
        verify_attestation(ortho, trusted)
    # the same id under another key: signature fails
    t2 = TrustedPrescribers()
    t2.add("RPPS-1", generate_key())
    with pytest.raises(AttestationError, match="bad_signature"):
        verify_attestation(att, t2)


def test_attestation_message_is_injective_on_id_and_kind():
    day = dt.date(2025, 1, 1)
    a = attestation_message(5, "ab", PrescriberKind.PHYSICIAN, day)
    b = attestation_message(5, "a", PrescriberKind.PHYSICIAN, day)
    c = attestation_message(5, "ab", PrescriberKind.ORTHOPTIST, day)
    assert len({a, b, c}) == 3
    assert a.startswith(b"zkclaims/attestation/v1\x00")
    with pytest.raises(InvalidInputError, match="prescriber_id"):
        attestation_message(5, "", PrescriberKind.PHYSICIAN, day)


def test_key_files(tmp_path, key):
    path = tmp_path / "k.pem"
    save_private_key(key, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert public_key_hex(load_private_key(path)) == public_key_hex(key)
    with pytest.raises(FileExistsError):
        save_private_key(key, path)
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(InvalidInputError, match="key"):
        load_private_key(tmp_path / "bad.pem")


def test_trusted_file_round_trip(tmp_path, key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key, PrescriberKind.ORTHOPTIST)
    t.save(tmp_path / "t.json")
    back = TrustedPrescribers.load(tmp_path / "t.json")
    assert back == t
    assert back.prescribers["RPPS-1"].kind is PrescriberKind.ORTHOPTIST
    with pytest.raises(InvalidInputError, match="public_key"):
        TrustedPrescribers.model_validate(
            {"prescribers": {"x": {"public_key": "00" * 31, "kind": "physician"}}}
        )


def test_prescribe_refuses_what_cannot_be_packed(key):
    old = RX.model_copy(update={"issued_on": dt.date(1969, 12, 31)})
    with pytest.raises(InvalidInputError, match="issued_on"):
        prescribe(old, patient=PATIENT, key=key, prescriber_id="RPPS-1")


def test_missing_files_and_bad_ids_raise_naming_the_field(tmp_path, key):
    with pytest.raises(InvalidInputError) as info:
        load_private_key(tmp_path / "missing.pem")
    assert info.value.field == "key" and "cannot read" in str(info.value)
    with pytest.raises(InvalidInputError) as info:
        TrustedPrescribers.load(tmp_path / "missing.json")
    assert info.value.field == "trusted_prescribers" and "missing.json" in str(info.value)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        TrustedPrescribers.load(tmp_path / "bin.json")
    for bad in ("", " RPPS-1", "x" * 256):
        with pytest.raises(InvalidInputError) as info:
            TrustedPrescribers().add(bad, key)
        assert info.value.field == "prescriber_id" and info.value.value == bad


def test_attestation_day_must_fit_the_packing(signed):
    _, att = signed
    data = att.model_dump(mode="json")
    for day in ("1969-12-31", "2149-06-07"):
        with pytest.raises(InvalidInputError, match=f"prescription_day.*{day}"):
            Attestation.model_validate({**data, "prescription_day": day})
