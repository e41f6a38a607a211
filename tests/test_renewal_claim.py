"""An early renewal end to end: prover -> bundle with ``renewal`` -> verifier with the ledger.

The prover makes one proof of the renewal claim statement (``zkclaims-renewal/v2``); the
two-proof form (``v1``: an equipment proof and a separate renewal proof) is still accepted.
Each attack on the renewal path is a test, on both forms where it applies: a bundle without
justification, a justification against another previous prescription, a proof moved from
another claim, a proof under other criteria, a tampered proof, an untrusted previous
prescriber, a change that meets no criterion, another patient's previous prescription, a
delivery under one year from 16; and, for the one-proof form, a member taken off or swapped
between the forms, a proof whose previous prescription or criteria are not the ledger's and
the insurer's, a wrong proof where no justification is needed, a bundle whose proof is of the
renewal statement alone.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zkclaims.domain import (
    Beneficiary,
    ClaimHistory,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    Patient,
    Prescription,
)
from zkclaims.domain.invoice import Claim
from zkclaims.domain.vision_change import RenewalCriterion
from zkclaims.errors import ClaimRejected, InvalidInputError
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
from zkclaims.prover import prove_claim
from zkclaims.prover_renewal import prove_claim_with_renewal, prove_renewal
from zkclaims.verifier import Verifier

PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
OTHER = Patient(ins="2 84 05 2A 004 012 69", birth_date=dt.date(1984, 5, 1))
RECORD = Beneficiary(member_id="MBR-1", ins=PATIENT.ins, birth_date=PATIENT.birth_date)
CHILD = Patient(ins="1 12 03 75 056 789 57", birth_date=dt.date(2012, 3, 5))
CHILD_RECORD = Beneficiary(member_id="MBR-2", ins=CHILD.ins, birth_date=CHILD.birth_date)

LAST_DELIVERY = dt.date(2024, 2, 1)
DELIVERY = dt.date(2025, 4, 2)  # 14 months after the last delivery: early for an adult
TODAY = dt.date(2025, 4, 10)


def eye(s, c="0", axis=None, add="0"):
    return EyePrescription(sphere=s, cylinder=c, axis=axis, addition=add)


PREV_RX = Prescription(right=eye("-2.00", "-1.00", 180), left=eye("-1.50"),
                       issued_on=dt.date(2024, 1, 10))
#: right sphere -2.00 -> -2.50 (0.50 D on one lens: criterion 1)
NEW_RX = Prescription(right=eye("-2.50", "-1.00", 180), left=eye("-1.50"),
                      issued_on=dt.date(2025, 3, 10))
#: right sphere -2.25 only (0.25 D on one lens): no criterion
SMALL_RX = Prescription(right=eye("-2.25", "-1.00", 180), left=eye("-1.50"),
                        issued_on=dt.date(2025, 3, 10))


def equipment(delivered=DELIVERY):
    return Equipment(
        right=Lens(usage="far", price_cents=15000, classe="B", grouping_code="VU1"),
        left=Lens(usage="far", price_cents=15000, classe="B", grouping_code="VU1"),
        frame=Frame(price_cents=9000, classe="B"),
        delivered_on=delivered,
    )


def claim(claim_id="R-1", delivered=DELIVERY, member="MBR-1"):
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", beneficiary=member,
                 delivered_on=delivered)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def trusted(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    return t


@pytest.fixture(scope="module")
def verifier(trusted):
    return Verifier(trusted, insurer="AMC-1")


@pytest.fixture(scope="module")
def previous(key):
    return prescribe(PREV_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")


@pytest.fixture(scope="module")
def new(key):
    return prescribe(NEW_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")


@pytest.fixture(scope="module")
def history(previous):
    return ClaimHistory(last_delivery=LAST_DELIVERY, previous_commitment=previous[0].commitment)


@pytest.fixture(scope="module")
def bundle(previous, new):
    """The renewal claim as the prover makes it: one proof (``zkclaims-renewal/v2``)."""
    return prove_claim_with_renewal(
        new[0], attestation=new[1], equipment=equipment(), claim=claim(),
        previous_opening=previous[0], previous_attestation=previous[1], today=TODAY)


@pytest.fixture(scope="module")
def plain(new):
    """The same claim proven with the equipment statement alone: no justification."""
    return prove_claim(new[0], attestation=new[1], equipment=equipment(), claim=claim(),
                       today=TODAY)


@pytest.fixture(scope="module")
def bundle_v1(previous, plain, new):
    """The two-proof form: the equipment proof and a separate renewal proof (``v1``)."""
    evidence = prove_renewal(previous[0], previous_attestation=previous[1], new_opening=new[0],
                             claim_context=plain.context(), criteria=15)
    return plain.model_copy(update={"renewal": evidence})


@pytest.fixture(params=["bundle", "bundle_v1"])
def either(request):
    """Each form of a justified renewal claim in turn."""
    return request.getfixturevalue(request.param)


def check(v, bundle, history, record=RECORD, today=TODAY):
    return v.verify(bundle, beneficiary=record, history=history, today=today)


def reason(v, bundle, history, **kw):
    with pytest.raises(ClaimRejected) as exc:
        check(v, bundle, history, **kw)
    return exc.value.reason, str(exc.value)


def test_an_early_renewal_with_its_proof_is_accepted(verifier, bundle, history):
    from zkclaims.circuits import circuit_info

    ren = bundle.renewal
    assert ren.format == "zkclaims-renewal/v2" and ren.criteria == 15  # the 2020 criteria
    assert bundle.circuit_id == circuit_info(
        "optique-equipement-renouvellement-2020")["circuit_id"]
    d = check(verifier, bundle, history)
    assert any("early renewal" in r and "criteria 1, 2, 3, 4" in r for r in d.reasons)
    # what the insurer received: no prescription, no patient, no criterion that held
    text = bundle.model_dump_json()
    for secret in ("-2.50", "-2.00", PATIENT.ins, "sphere", "SPHERE_CYLINDER"):
        assert secret not in text
    # the same JSON round-trips to the same decision
    assert check(verifier, text, history) == d


def test_the_two_proof_form_is_still_accepted(verifier, bundle_v1, history):
    ren = bundle_v1.renewal
    assert ren.format == "zkclaims-renewal/v1" and ren.public_inputs.criteria == 15
    assert ren.public_inputs.new_commitment == bundle_v1.attestation.commitment
    assert ren.public_inputs.claim_context == str(bundle_v1.context())
    d = check(verifier, bundle_v1, history)
    assert any("early renewal" in r and "criteria 1, 2, 3, 4" in r for r in d.reasons)


def test_the_same_claim_without_justification_is_too_early(verifier, plain, history):
    bare = plain
    r, msg = reason(verifier, bare, history)
    assert r == "renewal_too_early" and "2026-02-01" in msg
    # after two years it is due, with or without the proof (the proof is then not needed)
    late = {"last_delivery": dt.date(2023, 4, 1), "previous_commitment":
            history.previous_commitment}
    d = check(verifier, bare, ClaimHistory(**late))
    assert not any("early renewal" in x for x in d.reasons)
    # no earlier equipment on record: nothing to justify
    check(verifier, bare, None)


def test_under_one_year_from_16_even_with_a_proof(verifier, either, history):
    recent = history.model_copy(update={"last_delivery": dt.date(2024, 4, 3)})
    r, msg = reason(verifier, either, recent)
    assert r == "renewal_too_early" and "one year" in msg


def test_another_previous_prescription_is_refused(verifier, either, history, key):
    # the ledger's previous equipment was made from another prescription than the one the
    # optician compares with: the justification is not about what the insurer paid for
    other, _ = prescribe(PREV_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    ledger = history.model_copy(update={"previous_commitment": other.commitment})
    assert reason(verifier, either, ledger)[0] == "renewal_not_justified"
    # no commitment on record for the previous equipment: nothing to compare with
    blind = history.model_copy(update={"previous_commitment": None})
    r, msg = reason(verifier, either, blind)
    assert r == "renewal_not_justified" and "previous_commitment" in msg


def test_a_proof_under_other_criteria_is_refused(trusted, either, history):
    axis_only = Verifier(trusted, insurer="AMC-1", renewal_criteria=RenewalCriterion.AXIS)
    r, msg = reason(axis_only, either, history)
    assert r == "renewal_not_justified" and "criteria 4" in msg
    assert "renewal.criteria" in msg or "renewal.public_inputs.criteria" in msg
    with pytest.raises(InvalidInputError, match="renewal_criteria"):
        Verifier(trusted, insurer="AMC-1", renewal_criteria=0)


def test_a_tampered_renewal_proof_is_refused(verifier, bundle_v1, history):
    bundle = bundle_v1
    proof = bytearray(bytes.fromhex(bundle.renewal.proof))
    proof[:48] = bytes.fromhex(bundle.proof)[:48]  # another valid G1 point as A
    forged = bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"proof": proof.hex()})})
    r, msg = reason(verifier, forged, history)
    assert r == "invalid_proof" and msg.startswith("invalid_proof: renewal.proof")


def test_a_tampered_renewal_claim_proof_is_refused(verifier, bundle, bundle_v1, history):
    proof = bytearray(bytes.fromhex(bundle.proof))
    proof[:48] = bytes.fromhex(bundle_v1.proof)[:48]  # another valid G1 point as A
    forged = bundle.model_copy(update={"proof": proof.hex()})
    r, msg = reason(verifier, forged, history)
    assert r == "invalid_proof" and msg.startswith("invalid_proof: proof")


def test_a_renewal_proof_moved_to_another_claim_is_refused(verifier, bundle_v1, history, new):
    bundle = bundle_v1
    other = prove_claim(new[0], attestation=new[1], equipment=equipment(),
                        claim=claim("R-2"), today=TODAY)
    moved = other.model_copy(update={"renewal": bundle.renewal})
    r, msg = reason(verifier, moved, history)
    assert r == "context_mismatch" and "claim_context" in msg
    # relabelled with the new claim's context, the proof no longer verifies
    pub = bundle.renewal.public_inputs.model_copy(update={"claim_context":
                                                          str(other.context())})
    relabelled = other.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"public_inputs": pub})})
    assert reason(verifier, relabelled, history)[0] == "invalid_proof"


def test_a_renewal_claim_proof_moved_to_another_claim_is_refused(verifier, bundle, history):
    # the claim and the public inputs rewritten for claim R-2: the context differs
    moved = bundle.model_copy(update={"claim": claim("R-2")})
    r, msg = reason(verifier, moved, history)
    assert r == "context_mismatch" and "claim_context" in msg
    pub = bundle.public_inputs.model_copy(update={"claim_context": str(moved.context())})
    relabelled = moved.model_copy(update={"public_inputs": pub})
    assert reason(verifier, relabelled, history)[0] in ("wrong_patient", "invalid_proof")


def test_the_two_forms_do_not_mix(verifier, bundle, bundle_v1, plain, history):
    # the one-proof member without the renewal claim proof proves no change of vision
    r, msg = reason(verifier, plain.model_copy(update={"renewal": bundle.renewal}), history)
    assert r == "renewal_not_justified" and "proves no change of vision" in msg
    # the renewal claim proof without its member, or with a two-proof member
    for member, got in ((None, "no renewal member"),
                        (bundle_v1.renewal, "zkclaims-renewal/v1")):
        r, msg = reason(verifier, bundle.model_copy(update={"renewal": member}), history)
        assert r == "renewal_not_justified" and got in msg


def test_a_renewal_claim_is_checked_against_the_ledger_not_the_member(
        verifier, bundle, history, key, new):
    # a proof against another previous prescription B, presented with the ledger's A
    other = prescribe(PREV_RX.model_copy(update={"issued_on": dt.date(2024, 1, 11)}),
                      patient=PATIENT, key=key, prescriber_id="RPPS-1")
    against_b = prove_claim_with_renewal(
        new[0], attestation=new[1], equipment=equipment(), claim=claim("R-3"),
        previous_opening=other[0], previous_attestation=other[1], today=TODAY)
    d = check(verifier, against_b, history.model_copy(
        update={"previous_commitment": other[0].commitment}))
    assert any("early renewal" in r for r in d.reasons)
    swapped = against_b.model_copy(update={"renewal": bundle.renewal})
    assert reason(verifier, swapped, history)[0] == "invalid_proof"
    # a member that names the insurer's criteria over a proof made under others
    axis_only = Verifier(verifier.trusted, insurer="AMC-1",
                         renewal_criteria=RenewalCriterion.AXIS)
    relabelled = bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"criteria": int(RenewalCriterion.AXIS)})})
    assert reason(axis_only, relabelled, history)[0] == "invalid_proof"


def test_a_renewal_claim_the_ledger_does_not_need_is_checked_as_a_claim(
        verifier, bundle, history, key, previous):
    # no earlier equipment on record, or the period over: the proof still proves the
    # equipment (whatever its last two inputs), so it is checked with the member's own and the
    # claim paid as an equipment claim; a wrong proof is still refused
    due = history.model_copy(update={"last_delivery": dt.date(2023, 4, 1)})
    proof = bytearray(bytes.fromhex(bundle.proof))
    proof[:48] = bytes.fromhex(bundle.proof)[144:]  # C as A: a valid point, a wrong proof
    broken = bundle.model_copy(update={"proof": proof.hex()})
    for ledger in (None, due):
        d = check(verifier, bundle, ledger)
        assert not any("early renewal" in r for r in d.reasons)
        assert reason(verifier, broken, ledger)[0] == "invalid_proof"
        results = verifier.verify_many([bundle, broken], beneficiaries=[RECORD] * 2,
                                       histories=None if ledger is None else [ledger] * 2,
                                       today=TODAY)
        assert results[0].accepted and results[1].reason == "invalid_proof"
    # nothing of the member is relied on then: not even the previous prescriber's signature
    unsigned = bundle.renewal.previous_attestation.model_copy(update={"prescriber_id": "RPPS-9"})
    odd = bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"previous_attestation": unsigned})})
    check(verifier, odd, None)
    assert reason(verifier, odd, history)[0] == "untrusted_prescriber"  # needed: checked
    # a medical situation: accepted without delay, the proof checked the same way
    flagged = prescribe(NEW_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1",
                        medical_situation=True)
    b = prove_claim_with_renewal(flagged[0], attestation=flagged[1], equipment=equipment(),
                                 claim=claim("M-2"), previous_opening=previous[0],
                                 previous_attestation=previous[1], today=TODAY)
    d = check(verifier, b, history)
    assert any("medical situation" in r for r in d.reasons)


def test_a_bundle_proven_with_the_renewal_statement_alone_is_refused(verifier, bundle_v1,
                                                                     history):
    ren = bundle_v1.renewal
    swapped = bundle_v1.model_copy(update={"circuit_id": ren.circuit_id, "proof": ren.proof})
    r, msg = reason(verifier, swapped, history)
    assert r == "unknown_circuit" and "not a claim statement" in msg


def test_an_untrusted_previous_prescriber_is_refused(either, history, key):
    bundle = either
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    ok = Verifier(t, insurer="AMC-1")
    check(ok, bundle, history)
    other_key = generate_key()
    t2 = TrustedPrescribers()
    t2.add("RPPS-1", other_key)
    # both attestations fail then; the equipment's is checked first
    assert reason(Verifier(t2, insurer="AMC-1"), bundle, history)[0] in (
        "bad_signature", "untrusted_prescriber")
    bad = bundle.renewal.previous_attestation.model_copy(update={"prescriber_id": "RPPS-9"})
    forged = bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"previous_attestation": bad})})
    r, msg = reason(ok, forged, history)
    assert r == "untrusted_prescriber" and msg.startswith(
        "untrusted_prescriber: renewal.previous_attestation")


def test_the_prover_refuses_a_change_that_meets_no_criterion(previous, key):
    small = prescribe(SMALL_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    with pytest.raises(ClaimRejected) as exc:
        prove_claim_with_renewal(
            small[0], attestation=small[1], equipment=equipment(), claim=claim(),
            previous_opening=previous[0], previous_attestation=previous[1], today=TODAY)
    assert exc.value.reason == "renewal_not_justified"
    # and the circuit refuses it too when the clear-text check is bypassed
    from zkclaims.errors import ProofError
    from zkclaims.prover_renewal import renewal_witness

    with pytest.raises(ProofError, match="accepted"):
        renewal_witness(previous[0], small[0], criteria=15, claim_context=1)
    # accepted under criterion 3? no: no addition, no presbyopia. Nothing proves it.
    with pytest.raises(ClaimRejected):
        prove_renewal(previous[0], previous_attestation=previous[1], new_opening=small[0],
                      claim_context=1, criteria=31)


def test_the_prover_refuses_another_patients_previous_prescription(key, new):
    theirs = prescribe(PREV_RX, patient=OTHER, key=key, prescriber_id="RPPS-1")
    with pytest.raises(InvalidInputError, match="previous_opening.patient"):
        prove_renewal(theirs[0], previous_attestation=theirs[1], new_opening=new[0],
                      claim_context=1, criteria=15)
    # bypassing the check: no single patient opens both commitments
    from zkclaims.errors import ProofError
    from zkclaims.prover_renewal import renewal_witness

    with pytest.raises(ProofError, match="commitment"):
        renewal_witness(theirs[0], new[0], criteria=15, claim_context=1)


def test_the_prover_refuses_prescriptions_in_the_wrong_order(previous, new):
    with pytest.raises(ClaimRejected) as exc:
        prove_renewal(new[0], previous_attestation=new[1], new_opening=previous[0],
                      claim_context=1, criteria=15)
    assert exc.value.reason == "renewal_not_justified"


def test_a_child_renews_without_delay(key):
    prev_rx = PREV_RX.model_copy(update={"issued_on": dt.date(2025, 1, 2)})
    new_rx = NEW_RX.model_copy(update={"issued_on": dt.date(2025, 3, 1)})
    prev = prescribe(prev_rx, patient=CHILD, key=key, prescriber_id="RPPS-1")
    now = prescribe(new_rx, patient=CHILD, key=key, prescriber_id="RPPS-1")
    b = prove_claim_with_renewal(
        now[0], attestation=now[1], equipment=equipment(), claim=claim("K-1", member="MBR-2"),
        previous_opening=prev[0], previous_attestation=prev[1], today=TODAY)
    bare = prove_claim(now[0], attestation=now[1], equipment=equipment(),
                       claim=claim("K-1", member="MBR-2"), today=TODAY)
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    v = Verifier(t, insurer="AMC-1")
    h = ClaimHistory(last_delivery=dt.date(2025, 1, 15), previous_commitment=prev[0].commitment)
    d = check(v, b, h, record=CHILD_RECORD)  # 2.5 months later, 13 years old
    assert any("early renewal" in r for r in d.reasons)
    assert reason(v, bare, h, record=CHILD_RECORD)[0] == "renewal_too_early"


def test_verify_many_checks_renewal_proofs_in_batch(verifier, bundle_v1, plain, history):
    bundle = bundle_v1
    proof = bytearray(bytes.fromhex(bundle.renewal.proof))
    proof[:48] = bytes.fromhex(bundle.proof)[:48]
    forged = bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"proof": proof.hex()})})
    results = verifier.verify_many([bundle, forged, plain], beneficiaries=[RECORD] * 3,
                                   histories=[history] * 3, today=TODAY)
    assert results[0].accepted
    assert (results[1].reason, results[2].reason) == ("invalid_proof", "renewal_too_early")


def test_verify_many_checks_renewal_claim_proofs_in_batch(verifier, bundle, history, new,
                                                          previous):
    second = prove_claim_with_renewal(
        new[0], attestation=new[1], equipment=equipment(), claim=claim("R-4"),
        previous_opening=previous[0], previous_attestation=previous[1], today=TODAY)
    proof = bytearray(bytes.fromhex(bundle.proof))
    proof[:48] = bytes.fromhex(second.proof)[:48]
    forged = bundle.model_copy(update={"proof": proof.hex()})
    unchecked = second.model_copy(update={"renewal": None})
    results = verifier.verify_many([bundle, forged, unchecked, second],
                                   beneficiaries=[RECORD] * 4, histories=[history] * 4,
                                   today=TODAY)
    assert results[0].accepted
    assert [r.reason for r in results[1:3]] == ["invalid_proof", "renewal_not_justified"]
    # same prescription, already accepted in this batch: one payment per prescription
    assert results[3].reason == "duplicate_equipment"
    alone = verifier.verify_many([second], beneficiaries=[RECORD], histories=[history],
                                 today=TODAY)
    assert alone[0].accepted


def _bad_point_proof(bundle):
    """The renewal proof with A replaced by a point that is not on the curve."""
    from zkclaims.groth16.snarkjs import _fp_sqrt

    x = 1
    while _fp_sqrt(x**3 + 4) is not None:
        x += 1
    off_curve = bytes([0x80 | (x >> 376)]) + (x % (1 << 376)).to_bytes(47, "big")
    proof = off_curve + bytes.fromhex(bundle.renewal.proof)[48:]
    return bundle.model_copy(update={"renewal": bundle.renewal.model_copy(
        update={"proof": proof.hex()})})


def test_a_malformed_renewal_proof_is_named(verifier, bundle_v1, history):
    from zkclaims.errors import MalformedInputError

    bundle = bundle_v1
    bad = _bad_point_proof(bundle)
    with pytest.raises(MalformedInputError, match=r"^renewal\.proof\.a: "):
        check(verifier, bad, history)
    results = verifier.verify_many([bad, bundle], beneficiaries=[RECORD] * 2,
                                   histories=[history] * 2, today=TODAY)
    assert results[0].reason == "malformed" and "renewal." in results[0].message
    assert results[1].accepted


# ---------------------------------------------------------------------------------------------
# medical situation and optician's adaptation (attestation v2)
# ---------------------------------------------------------------------------------------------


def test_a_medical_situation_waives_the_delay_without_a_proof(verifier, key, history):
    flagged = prescribe(NEW_RX, patient=PATIENT, key=key, prescriber_id="RPPS-1",
                        medical_situation=True)
    b = prove_claim(flagged[0], attestation=flagged[1], equipment=equipment(),
                    claim=claim("M-1"), today=TODAY)
    d = check(verifier, b, history)
    assert any("medical situation" in r for r in d.reasons)
    # three months after the last delivery, still no delay
    soon = history.model_copy(update={"last_delivery": dt.date(2025, 1, 2)})
    check(verifier, b, soon)
    # a flag on a prescription older than the last delivery waives nothing
    old = history.model_copy(update={"last_delivery": dt.date(2025, 3, 20)})
    assert reason(verifier, b, old)[0] == "renewal_too_early"


def _rx(rx, **changes):
    """``rx`` with ``changes``, validated (model_copy would not validate them)."""
    return Prescription.model_validate({**rx.model_dump(), **changes})


@pytest.fixture(scope="module")
def optician():
    return generate_key()


@pytest.fixture(scope="module")
def adaptation_setup(key, optician):
    """A physician's prescription of 2023, adapted by an optician in 2024 (sphere -0.50)."""
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    t.add("OPT-1", optician, "optician")
    original = prescribe(PREV_RX.model_copy(update={"issued_on": dt.date(2023, 6, 1)}),
                         patient=PATIENT, key=key, prescriber_id="RPPS-1")
    adapted_rx = _rx(NEW_RX, issued_on=dt.date(2024, 9, 1), prescriber_kind="optician")
    adapted = prescribe(adapted_rx, patient=PATIENT, key=optician, prescriber_id="OPT-1")
    assert adapted[1].kind.value == "optician_adaptation"
    history = ClaimHistory(last_delivery=dt.date(2023, 7, 1),
                           previous_commitment=original[0].commitment)
    return Verifier(t, insurer="AMC-1"), original, adapted, history


def _adapted_bundle(original, adapted, delivered, claim_id="A-1"):
    return prove_claim_with_renewal(
        adapted[0], attestation=adapted[1], equipment=equipment(delivered),
        claim=claim(claim_id, delivered), previous_opening=original[0],
        previous_attestation=original[1], today=TODAY)


def test_an_optician_adaptation_stands_for_the_new_prescription(adaptation_setup):
    v, original, adapted, history = adaptation_setup
    b = _adapted_bundle(original, adapted, dt.date(2024, 9, 5))  # 14 months after: early
    d = check(v, b, history)
    assert any("the optician's adaptation of 2024-09-01" in r for r in d.reasons)
    # without the renewal member, or for a first equipment, it stands for nothing
    plain = prove_claim(adapted[0], attestation=adapted[1], equipment=equipment(
        dt.date(2024, 9, 5)), claim=claim("A-1", dt.date(2024, 9, 5)), today=TODAY)
    r, msg = reason(v, plain, history)
    assert r == "renewal_not_justified" and "adaptation" in msg
    assert reason(v, b.model_copy(update={"renewal": None}), history)[0] == (
        "renewal_not_justified")
    assert reason(v, b, None)[0] == "prescription_not_valid"


def test_an_adaptation_of_an_expired_prescription_is_refused(adaptation_setup):
    v, original, adapted, history = adaptation_setup
    # the physician's prescription of 2023-06-01 (patient 55): valid until 2026-06-01
    late = dt.date(2026, 6, 2)
    with pytest.raises(ClaimRejected) as exc:  # the prover refuses it, nothing is proven
        _adapted_bundle(original, adapted, late, "A-2")
    assert exc.value.reason == "renewal_not_justified" and "2026-06-01" in str(exc.value)
    # an optician's software that skips that check: the insurer refuses it all the same
    b = prove_claim(adapted[0], attestation=adapted[1], equipment=equipment(late),
                    claim=claim("A-2", late), today=dt.date(2026, 6, 3))
    evidence = prove_renewal(original[0], previous_attestation=original[1],
                             new_opening=adapted[0], claim_context=b.context(), criteria=15)
    b = b.model_copy(update={"renewal": evidence})
    r, msg = reason(v, b, history, today=dt.date(2026, 6, 3))
    assert r == "renewal_not_justified" and "2026-06-01" in msg


def test_an_adaptation_under_16_is_refused_before_proving(key, optician):
    original = prescribe(PREV_RX.model_copy(update={"issued_on": dt.date(2024, 6, 1)}),
                         patient=CHILD, key=key, prescriber_id="RPPS-1")
    adapted = prescribe(_rx(NEW_RX, issued_on=dt.date(2025, 3, 1), prescriber_kind="optician"),
                        patient=CHILD, key=optician, prescriber_id="OPT-1")
    with pytest.raises(ClaimRejected) as exc:
        prove_claim_with_renewal(
            adapted[0], attestation=adapted[1], equipment=equipment(),
            claim=claim("A-3", member="MBR-2"), previous_opening=original[0],
            previous_attestation=original[1], today=TODAY)
    assert exc.value.reason == "renewal_not_justified" and "from 16" in str(exc.value)


def test_a_previous_prescription_signed_as_attestation_v1_still_counts(verifier, key, new,
                                                                        previous, history):
    """A prescription signed before attestation v2 (the previous equipment's) still verifies."""
    from zkclaims.domain.attestation import Attestation, attestation_message
    from zkclaims.prescriber.sign import sign_message

    att2 = previous[1]
    msg = attestation_message(att2.commitment_int, att2.prescriber_id, att2.prescriber_kind,
                              att2.prescription_day)
    att1 = Attestation(format="zkclaims-attestation/v1", commitment=att2.commitment,
                       prescriber_id=att2.prescriber_id, prescriber_kind=att2.prescriber_kind,
                       prescription_day=att2.prescription_day,
                       signature=sign_message(key, msg).hex())
    b = prove_claim_with_renewal(new[0], attestation=new[1], equipment=equipment(),
                                 claim=claim("V1-1"), previous_opening=previous[0],
                                 previous_attestation=att1, today=TODAY)
    assert b.renewal.previous_attestation.format == "zkclaims-attestation/v1"
    d = check(verifier, b, history)
    assert any("early renewal" in r for r in d.reasons)
