"""The equipment claim end to end: prover -> bundle v2 -> verifier, every rejection reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zkclaims.verifier
from zkclaims.commitment import patient_tag
from zkclaims.domain import (
    RULES_2020,
    Beneficiary,
    ClaimHistory,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    LensDesign,
    Patient,
    Prescription,
    age_on,
    classify_lens,
    prescription_valid_on,
    reimburse,
)
from zkclaims.domain.bundle import ClaimBundle
from zkclaims.domain.contract import Contract
from zkclaims.domain.invoice import Claim
from zkclaims.errors import (
    ClaimRejected,
    InvalidInputError,
    MalformedInputError,
    ProofError,
    RuleError,
)
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
from zkclaims.prover import equipment_witness, prove_claim
from zkclaims.verifier import BATCH_REASONS, REASONS, Verifier

DAY = dt.date(2025, 3, 10)
DELIVERY = dt.date(2025, 4, 2)
TODAY = dt.date(2025, 4, 10)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
RECORD = Beneficiary(member_id="MBR-1", ins=PATIENT.ins, birth_date=PATIENT.birth_date)
#: the law's AMO share of a classe B element (60 % of the 0.05 € tariff), per element
AMO_B = {"right": 3, "left": 3, "frame": 3}


def eye(s, c="0", axis=None, add="0"):
    return EyePrescription(sphere=s, cylinder=c, axis=axis, addition=add)


def _code(usage: str, classe: str) -> str | None:
    if classe == "A":
        return None
    return "VM1" if usage == "progressive" else "VU1"


def equipment(ur, ul, *, prices=(20000, 21000, 9000), classes=("B", "B", "B"),
              delivered=DELIVERY):
    return Equipment(
        right=Lens(usage=ur, price_cents=prices[0], classe=classes[0],
                   grouping_code=_code(ur, classes[0])),
        left=Lens(usage=ul, price_cents=prices[1], classe=classes[1],
                  grouping_code=_code(ul, classes[1])),
        frame=Frame(price_cents=prices[2], classe=classes[2]),
        delivered_on=delivered,
    )


def claim(claim_id="C-1", delivered=DELIVERY, member="MBR-1"):
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", beneficiary=member,
                 delivered_on=delivered)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def trusted(key):
    t = TrustedPrescribers()
    t.add("RPPS-1", key)
    t.add("ORTHO-1", key, "orthoptist")
    return t


@pytest.fixture(scope="module")
def verifier(trusted):
    return Verifier(trusted, insurer="AMC-1")


def make(key, rx, eq, cl=None, pid="RPPS-1", patient=PATIENT, today=TODAY):
    opening, att = prescribe(rx, patient=patient, key=key, prescriber_id=pid)
    return prove_claim(opening, attestation=att, equipment=eq,
                       claim=cl or claim(delivered=eq.delivered_on), today=today)


def check(v, bundle, record=RECORD, **kw):
    kw.setdefault("today", TODAY)
    return v.verify(bundle, beneficiary=record, **kw)


def rules_part(d):
    """The decision without its last three reasons, which cite the law's figures per element
    (the LPP pricing's sources): what :func:`reimburse` decides from the same amounts."""
    assert [r.split(":", 1)[0] for r in d.reasons[-3:]] == ["right", "left", "frame"]
    return d.model_copy(update={"reasons": d.reasons[:-3]})


RX = Prescription(
    right=eye("-2.00", "-1.00", 180, "2.00"),
    left=eye("-5.50", "-1.00", 0, "2.00"),
    issued_on=DAY,
)


@pytest.fixture(scope="module")
def bundle(key):
    return make(key, RX, equipment("progressive", "far"))


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------

CATEGORY_CASES = {
    # category: (right eye, usage, left eye, usage)
    "a": (eye("-2.00"), "far", eye("-1.00", "+0.50", 10), "far"),
    "b": (eye("-2.00", "-1.00", 180), "far", eye("-7.00"), "far"),
    "c": (eye("+5.00", add="2.00"), "near", eye("-2.00", "+1.00", 90, "2.00"), "progressive"),
    "d": (eye("+1.00", add="1.00"), "near", eye("-5.00", add="2.00"), "progressive"),
    "e": (eye("-2.00", "+1.00", 90, "2.00"), "progressive", eye("+5.00", add="2.00"),
          "progressive"),
    "f": (eye("-9.00", "+1.00", 45, "2.50"), "progressive", eye("+9.00", add="3.00"),
          "progressive"),
}


@pytest.mark.parametrize("code", sorted(CATEGORY_CASES))
def test_round_trip_every_category(code, key, verifier):
    r_eye, ur, l_eye, ul = CATEGORY_CASES[code]
    rx = Prescription(right=r_eye, left=l_eye, issued_on=DAY)
    eq = equipment(ur, ul)
    b = make(key, rx, eq)
    d = check(verifier, b)
    assert d.category.code == code
    assert rules_part(d) == reimburse(eq, amo_paid=AMO_B, guarantees=None, prescription=rx)
    # the designs are public and proven, the far/near usage is not in the bundle
    designs = tuple(LensDesign(b.invoice.lines()[s].design) for s in ("right", "left"))
    assert designs == (eq.right.usage.design, eq.left.usage.design)
    assert (b.public_inputs.design_right, b.public_inputs.design_left) == tuple(
        x.code for x in designs)
    text = b.model_dump_json()
    for word in ('"usage"', "progressive", "near", "sphere", "addition", "1680675",
                 "1968-06-01", "birth"):
        assert word not in text, word


def test_round_trip_with_contract_and_a_classe_a_frame(key, trusted):
    contract = Contract(guarantees={c: {"equipment_cents": g} for c, g in zip(
        "abcdef", (30000, 45000, 55000, 50000, 60000, 65000), strict=True)})
    rx = Prescription(right=eye("-2.00"), left=eye("-7.00"), issued_on=DAY)
    eq = equipment("far", "far", prices=(20000, 21000, 3000), classes=("B", "B", "A"))
    b = make(key, rx, eq)
    assert b.invoice.frame.grouping_code == "M01"
    d = check(Verifier(trusted, insurer="AMC-1", contract=contract), b)
    assert d.category.code == "b" and d.limit_cents == 45000
    # the law's figures: classe A adult frame cap 30 €, tariff 9 € (AMO 5.40 €)
    assert rules_part(d) == reimburse(eq, amo_paid={"right": 3, "left": 3, "frame": 540},
                                      guarantees=contract.guarantees, prescription=rx,
                                      plv={"frame": 3000})
    assert d.payment("frame").patient_cents == 0


def test_orthoptist_prescription(key, trusted):
    rx = Prescription(right=eye("-1.00"), left=eye("-1.25"), issued_on=DAY,
                      prescriber_kind="orthoptist")
    v = Verifier(trusted, insurer="AMC-1")
    b = make(key, rx, equipment("far", "far"), pid="ORTHO-1")
    assert check(v, b).category.code == "a"
    # two years later (a physician's would be valid 5 years): refused before proving
    late = dt.date(2027, 3, 11)
    with pytest.raises(ClaimRejected, match="prescription_not_valid"):
        make(key, rx, equipment("far", "far", delivered=late), pid="ORTHO-1",
             today=dt.date(2027, 4, 1))


# ---------------------------------------------------------------------------------------------
# each rejection reason
# ---------------------------------------------------------------------------------------------


def tamper(b: ClaimBundle | dict, path: str, value) -> dict:
    data = json.loads(b.model_dump_json()) if isinstance(b, ClaimBundle) else json.loads(
        json.dumps(b))
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return data


def matching(data: dict, patient: Patient = PATIENT) -> dict:
    """The public inputs recomputed to match a tampered bundle (what a forger does)."""
    b = ClaimBundle.model_validate(data)
    tag = patient_tag(patient.field_element(), b.context())
    data["public_inputs"] = b.expected_public_inputs(patient_tag=tag).model_dump(mode="json")
    return data


def reason_of(verifier, data, **kw) -> str:
    with pytest.raises(ClaimRejected) as ei:
        check(verifier, data, **kw)
    return ei.value.reason


def test_valid_bundle_is_accepted_from_json(bundle, verifier):
    d = check(verifier, bundle.model_dump_json())
    assert d.lens_classes == (LensClass.COMPLEX, LensClass.COMPLEX) and d.category.code == "c"


def test_rejection_retired_circuit(bundle, verifier):
    """A bundle of statement version 1 (no patient binding) is refused saying why, never
    reinterpreted; so is the v1 circuit id inside a v2 bundle."""
    v1 = tamper(bundle, "format", "zkclaims-claim-bundle/v1")
    for data in (v1, json.dumps(v1)):
        with pytest.raises(ClaimRejected) as e:
            check(verifier, data)
        assert e.value.reason == "retired_circuit" and "binds no patient" in str(e.value)
    old_id = "adad4e2c01620030f577d8516bcf91b4b2d11c23de21b7f6ab4dfa9926550115"
    with pytest.raises(ClaimRejected) as e:
        check(verifier, tamper(bundle, "circuit_id", old_id))
    assert e.value.reason == "retired_circuit" and "binds no patient" in str(e.value)


def test_rejection_unknown_circuit(bundle, verifier, trusted):
    assert reason_of(verifier, tamper(bundle, "circuit_id", "0" * 64)) == "unknown_circuit"
    rules_2030 = dataclasses.replace(RULES_2020, version="2030")
    with pytest.raises(ClaimRejected, match="does not implement rules 2030"):
        check(Verifier(trusted, insurer="AMC-1", rules=rules_2030), bundle)
    # the insurer pins another key than the shipped one: the shipped key is refused
    pinned = Verifier(trusted, insurer="AMC-1",
                      pinned_keys={"optique-equipement-2020": "ab" * 32})
    with pytest.raises(ClaimRejected) as e:
        check(pinned, bundle)
    assert e.value.reason == "unknown_circuit" and "pinned_keys" in str(e.value)
    with pytest.raises(InvalidInputError, match="pinned_keys"):
        Verifier(trusted, insurer="AMC-1", pinned_keys={"optique-equipement-2020": "label"})


def test_rejection_wrong_insurer_and_beneficiary(bundle, trusted, verifier):
    assert check(Verifier(trusted, insurer="AMC-1"), bundle).category.code == "c"
    with pytest.raises(ClaimRejected) as info:
        check(Verifier(trusted, insurer="AMC-2"), bundle)
    assert info.value.reason == "wrong_insurer"
    assert "claim.insurer: 'AMC-1'" in str(info.value) and "AMC-2" in str(info.value)
    other = Beneficiary(member_id="MBR-2", ins=PATIENT.ins, birth_date=PATIENT.birth_date)
    with pytest.raises(ClaimRejected) as info:
        check(verifier, bundle, record=other)
    assert info.value.reason == "wrong_beneficiary" and "'MBR-1'" in str(info.value)


def test_the_insurer_is_required(trusted):
    with pytest.raises(TypeError):
        Verifier(trusted)  # the insurer is a required keyword
    with pytest.raises(TypeError):
        Verifier(trusted, RULES_2020, None, insurer="AMC-1")  # keyword-only after trusted
    for bad in ("", " AMC", None):
        with pytest.raises(InvalidInputError, match="insurer"):
            Verifier(trusted, insurer=bad)
    with pytest.raises(InvalidInputError, match="contract"):
        Verifier(trusted, insurer="AMC-1", contract={"guarantees": {}})
    with pytest.raises(InvalidInputError, match="rules"):
        Verifier(trusted, insurer="AMC-1", rules=Contract(guarantees={
            c: {"equipment_cents": 30000} for c in "abcdef"}))


def test_rejection_invoice(bundle, verifier):
    assert reason_of(verifier, tamper(bundle, "invoice.total_cents", 1)) == "inconsistent_invoice"
    assert reason_of(verifier, tamper(bundle, "invoice.left.design", None)) == (
        "inconsistent_invoice")
    assert reason_of(verifier, tamper(bundle, "invoice.frame.grouping_code", "M01")) == (
        "grouping_code_mismatch")
    # the right lens is proven multifocal: a unifocal label is refused
    assert reason_of(verifier, tamper(bundle, "invoice.right.grouping_code", "VU1")) == (
        "grouping_code_mismatch")


def test_rejection_untrusted_prescriber_and_bad_signature(bundle, key):
    with pytest.raises(ClaimRejected, match="untrusted_prescriber"):
        check(Verifier(TrustedPrescribers(), insurer="AMC-1"), bundle)
    other = TrustedPrescribers()
    other.add("RPPS-1", generate_key())
    with pytest.raises(ClaimRejected, match="bad_signature"):
        check(Verifier(other, insurer="AMC-1"), bundle)


def test_rejection_clock(bundle, trusted, verifier):
    """A delivery in the future, or older than the insurer's claim deadline, is refused."""
    assert reason_of(verifier, bundle, today=DELIVERY - dt.timedelta(days=1)) == (
        "delivery_in_future")
    assert check(verifier, bundle, today=DELIVERY).category.code == "c"
    deadline = Verifier(trusted, insurer="AMC-1", claim_deadline_days=30)
    assert check(deadline, bundle, today=DELIVERY + dt.timedelta(days=30))
    with pytest.raises(ClaimRejected) as e:
        check(deadline, bundle, today=DELIVERY + dt.timedelta(days=31))
    assert e.value.reason == "claim_too_late" and "30 days" in str(e.value)
    with pytest.raises(InvalidInputError, match="claim_deadline_days"):
        Verifier(trusted, insurer="AMC-1", claim_deadline_days=-1)
    with pytest.raises(InvalidInputError, match="today"):
        check(verifier, bundle, today=dt.datetime(2025, 4, 10))


def test_rejection_delivery_before_prescription(key, verifier):
    # a bundle proved honestly for the day after (the prover's pre-check refuses the early
    # one), then re-dated by hand: the verifier refuses it as well
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=DAY)
    with pytest.raises(ClaimRejected, match="delivery_before_prescription"):
        make(key, rx, equipment("far", "far", delivered=DAY - dt.timedelta(days=1)))
    b = make(key, rx, equipment("far", "far", delivered=DAY))
    early = matching(tamper(b, "claim.delivered_on", (DAY - dt.timedelta(days=1)).isoformat()))
    assert reason_of(verifier, early) == "delivery_before_prescription"


def test_rejection_prescription_not_valid(key, verifier):
    # physician, patient 52 at the prescription: valid 3 years (spec §6)
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=dt.date(2021, 3, 10))
    ok = make(key, rx, equipment("far", "far", delivered=dt.date(2024, 3, 10)))
    assert check(verifier, ok)
    late = matching(tamper(ok, "claim.delivered_on", "2024-03-11"))
    assert reason_of(verifier, late) == "prescription_not_valid"


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(delivered=st.dates(DAY, dt.date(2031, 12, 31)), birth=st.dates(dt.date(1940, 1, 1), DAY))
def test_validity_check_equals_the_clear_text_rule(bundle, verifier, delivered, birth):
    # Only the delivery day and the insurer's record change (no new proof needed): the
    # verifier, which sees no eye, refuses for validity exactly when the rule on the full
    # prescription says so (spec §6), with the birth date of the insurer's record.
    record = Beneficiary(member_id="MBR-1", ins=PATIENT.ins, birth_date=birth)
    data = tamper(bundle, "claim.delivered_on", delivered.isoformat())
    if age_on(birth, delivered) < 16:  # a child's frame code (the pricing checks it)
        data = tamper(data, "invoice.frame.grouping_code", "M04")
    data = matching(data, Patient(ins=PATIENT.ins, birth_date=birth))
    try:
        verifier.precheck(ClaimBundle.model_validate(data), beneficiary=record,
                          today=dt.date(2032, 1, 1))
        outcome = True
    except ClaimRejected as exc:
        assert exc.reason == "prescription_not_valid", exc
        outcome = False
    assert outcome == prescription_valid_on(RX, day=delivered, patient_birth_date=birth)


def test_rejection_rules_not_in_force(key, verifier):
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=dt.date(2019, 6, 1))
    with pytest.raises(ClaimRejected, match="rules_not_in_force"):
        make(key, rx, equipment("far", "far", delivered=dt.date(2019, 12, 31)))
    b = make(key, rx, equipment("far", "far", delivered=dt.date(2020, 1, 1)))
    old = matching(tamper(b, "claim.delivered_on", "2019-12-31"))
    assert reason_of(verifier, old) == "rules_not_in_force"


def test_rejection_classe_a_price_above_cap(key, verifier):
    """A classe A element is paid in full up to the law's cap, never the invoice's."""
    rx = Prescription(right=eye("-2.00"), left=eye("-2.00"), issued_on=DAY)
    b = make(key, rx, equipment("far", "far", prices=(20000, 21000, 3001),
                                classes=("B", "B", "A")))
    with pytest.raises(ClaimRejected) as e:
        check(verifier, b)
    assert e.value.reason == "classe_a_price_above_cap" and "invoice.frame" in str(e.value)


def test_rejection_context_mismatch_and_invalid_proof(bundle, verifier):
    assert reason_of(verifier, tamper(bundle, "claim.claim_id", "C-2")) == "context_mismatch"
    with pytest.raises(ClaimRejected, match=r"public_inputs\.class_left = 2 \(expected 1\)"):
        check(verifier, tamper(bundle, "public_inputs.class_left", 2))
    assert reason_of(verifier, tamper(bundle, "invoice.left.lens_class", "simple")) == (
        "context_mismatch")
    assert reason_of(verifier, tamper(bundle, "public_inputs.design_right", 0)) == (
        "context_mismatch")
    # the same with the public inputs recomputed: the proof no longer verifies
    forged = matching(tamper(bundle, "invoice.left.lens_class", "simple"))
    assert reason_of(verifier, forged) == "invalid_proof"


def test_rejection_wrong_patient(bundle, verifier):
    """The tag is recomputed from the insurer's record: another INS or birth date is another
    patient, even if every other field matches."""
    for record in (Beneficiary(member_id="MBR-1", ins="2 85 02 75 012 345 21",
                               birth_date=PATIENT.birth_date),
                   Beneficiary(member_id="MBR-1", ins=PATIENT.ins,
                               birth_date=dt.date(1968, 6, 2))):
        with pytest.raises(ClaimRejected) as e:
            check(verifier, bundle, record=record)
        assert e.value.reason == "wrong_patient" and "'MBR-1'" in str(e.value)
    # a tag forged for the record: the proof binds the tag to the committed patient
    assert check(verifier, bundle)
    ctx = int(bundle.public_inputs.claim_context)
    other = Patient(ins="2 85 02 75 012 345 21", birth_date=PATIENT.birth_date)
    swapped = tamper(bundle, "public_inputs.patient_tag",
                     str(patient_tag(other.field_element(), ctx)))
    record = Beneficiary(member_id="MBR-1", ins=other.ins, birth_date=other.birth_date)
    assert reason_of(verifier, swapped, record=record) == "invalid_proof"


def test_replay_under_another_claim_context(key, bundle, verifier):
    other = make(key, RX, equipment("progressive", "far"), claim("C-9"))
    check(verifier, other)
    # bundle's proof transplanted into the other claim (whose inputs are self-consistent)
    replay = tamper(other, "proof", bundle.proof)
    assert reason_of(verifier, replay) == "invalid_proof"
    # or the other claim's fields under the first bundle's public inputs
    replay2 = tamper(other, "public_inputs", bundle.public_inputs.model_dump(mode="json"))
    assert reason_of(verifier, replay2) == "context_mismatch"


def test_rejection_renewal_too_early(bundle, verifier):
    """From the insurer's ledger, never from the bundle: 2 years from 16 (spec §5)."""
    last = dt.date(2023, 4, 3)
    with pytest.raises(ClaimRejected) as e:
        check(verifier, bundle, history=ClaimHistory(last_delivery=last))
    assert e.value.reason == "renewal_too_early" and "2025-04-03" in str(e.value)
    ok = ClaimHistory(last_delivery=dt.date(2023, 4, 2), previous_commitment="5")
    assert check(verifier, bundle, history=ok).category.code == "c"
    assert check(verifier, bundle, history=ClaimHistory()).category.code == "c"
    with pytest.raises(InvalidInputError, match="history"):
        check(verifier, bundle, history={"last_delivery": "2020-01-01"})


def test_every_reason_is_documented():
    assert len(set(REASONS)) == len(REASONS) == 20
    assert set(REASONS) == {
        "unknown_circuit", "retired_circuit", "wrong_insurer", "wrong_beneficiary",
        "delivery_in_future", "claim_too_late", "inconsistent_invoice",
        "grouping_code_mismatch", "classe_a_price_above_cap", "untrusted_prescriber",
        "revoked_key", "bad_signature", "delivery_before_prescription", "rules_not_in_force",
        "prescription_not_valid", "wrong_patient", "context_mismatch", "invalid_proof",
        "renewal_too_early", "renewal_not_justified"}
    doc = zkclaims.verifier.__doc__
    assert all(f"``{r}``" in doc for r in REASONS + BATCH_REASONS)
    # and in the order the checks run
    assert sorted(REASONS, key=lambda r: doc.index(f"``{r}``")) == list(REASONS)


# ---------------------------------------------------------------------------------------------
# every field of a bundle tampered
# ---------------------------------------------------------------------------------------------


def _leaves(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}{k}.")
    else:
        yield prefix[:-1], obj


def _altered(path: str, value):
    if value is None:
        return "simple" if path.endswith("lens_class") else (
            "unifocal" if path.endswith("design") else 1)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 if not path.startswith("public_inputs.design") else 1 - value
    assert isinstance(value, str), path
    try:
        return (dt.date.fromisoformat(value) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        pass
    enums = {"simple": "complex", "complex": "very_complex", "very_complex": "simple",
             "unifocal": "multifocal", "multifocal": "unifocal",
             "A": "B", "B": "A", "physician": "orthoptist", "orthoptist": "physician"}
    if value in enums:
        return enums[value]
    if value.isdigit():
        return str(int(value) + 1)
    if path in ("proof", "circuit_id", "attestation.signature"):
        # flip one bit in the middle (proof: inside B's x coordinate, still 192 bytes)
        i = len(value) // 2
        return value[:i] + format(int(value[i], 16) ^ 1, "x") + value[i + 1:]
    if path.endswith("grouping_code"):
        return {"VM1": "VM2", "VU1": "VU2", "M03": "M04"}[value]
    return value + "x"


def test_every_field_tampered_is_rejected(bundle, verifier):
    data = json.loads(bundle.model_dump_json())
    leaves = list(_leaves(data))
    assert len(leaves) >= 35
    outcomes = {}
    for path, value in leaves:
        bad = tamper(bundle, path, _altered(path, value))
        try:
            check(verifier, bad)
        except ClaimRejected as exc:
            outcomes[path] = exc.reason
        except MalformedInputError as exc:  # never pydantic's error: load_bundle wraps it
            outcomes[path] = type(exc).__name__
        else:
            pytest.fail(f"tampering {path} ({value!r}) was accepted")
    assert outcomes["proof"] in ("invalid_proof", "MalformedInputError")
    assert outcomes["attestation.signature"] == "bad_signature"
    assert outcomes["public_inputs.claim_context"] == "context_mismatch"
    assert outcomes["public_inputs.patient_tag"] == "wrong_patient"
    assert outcomes["claim.beneficiary"] == "wrong_beneficiary"
    assert outcomes["invoice.right.grouping_code"] == "context_mismatch"  # a label, bound


# ---------------------------------------------------------------------------------------------
# batch verification
# ---------------------------------------------------------------------------------------------


def test_verify_many_names_each_bad_bundle(key, bundle, verifier):
    b2 = make(key, RX, equipment("far", "far"), claim("C-2"))
    wrong_proof = tamper(b2, "proof", bundle.proof)
    items = [bundle, b2, wrong_proof, tamper(bundle, "claim.claim_id", "C-3"),
             '{"format": "nope"}', tamper(bundle, "format", "zkclaims-claim-bundle/v1")]
    results = verifier.verify_many(items, beneficiaries={"MBR-1": RECORD}, today=TODAY)
    assert [r.index for r in results] == list(range(6))
    assert [r.accepted for r in results] == [True, True, False, False, False, False]
    assert [r.reason for r in results[2:]] == ["invalid_proof", "context_mismatch", "malformed",
                                               "retired_circuit"]
    assert "\n" not in results[4].message
    assert results[4].message.startswith("bundle.format: ") and "(got 'nope')" in results[4].message
    assert results[0].decision == check(verifier, bundle)
    # one record per bundle (a sequence), or by member id (a mapping)
    same = verifier.verify_many([bundle, b2], beneficiaries=[RECORD, RECORD], today=TODAY)
    assert [r.accepted for r in same] == [True, True]
    none = verifier.verify_many([bundle], beneficiaries={}, today=TODAY)
    assert none[0].reason == "wrong_beneficiary" and "no record" in none[0].message
    with pytest.raises(InvalidInputError, match="one entry per bundle"):
        verifier.verify_many([bundle], beneficiaries=[])
    hist = verifier.verify_many([bundle, b2], beneficiaries=[RECORD, RECORD], today=TODAY,
                                histories=[ClaimHistory(last_delivery=dt.date(2024, 1, 1)),
                                           None])
    assert [r.reason for r in hist] == ["renewal_too_early", None]


def test_verify_many_refuses_a_second_bundle_of_the_same_claim_or_statement(key, bundle,
                                                                          verifier):
    """Within one batch: the same claim again, a malleated copy of its proof (-A, -B), another
    bundle under the same claim id, another claim from the same signed prescription."""
    from zkclaims.circuits import load_verifying_key

    from zkclaims.groth16 import Proof
    from zkclaims.groups import get_backend

    be = get_backend()
    p = Proof.from_bytes(bytes.fromhex(bundle.proof))
    a, b_, c = p.points(be)
    mal = Proof(be.g1_to_bytes(be.g1_neg(a)), be.g2_to_bytes(be.g2_neg(b_)), be.g1_to_bytes(c))
    malleated = tamper(bundle, "proof", mal.to_bytes().hex())
    assert check(verifier, malleated)  # on its own, a malleated proof verifies
    assert load_verifying_key("optique-equipement-2020")
    opening, att = prescribe(RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    first = prove_claim(opening, attestation=att, equipment=equipment("far", "far"),
                        claim=claim("C-10"), today=TODAY)
    second = prove_claim(opening, attestation=att, equipment=equipment("far", "far"),
                         claim=claim("C-11"), today=TODAY)  # a week later, same prescription
    conflict = make(key, RX, equipment("far", "far"), claim("C-1"))
    items = [bundle, bundle, malleated, conflict, first, second]
    results = verifier.verify_many(items, beneficiaries={"MBR-1": RECORD}, today=TODAY)
    assert [r.reason for r in results] == [None, "duplicate_claim", "duplicate_claim",
                                           "claim_id_conflict", None, "duplicate_equipment"]
    assert "bundle 0" in results[1].message and "bundle 4" in results[5].message
    # a rejected first bundle does not block the next one: at most one payment each
    bad_first = tamper(bundle, "proof", second.proof)
    results = verifier.verify_many([bad_first, bundle], beneficiaries=[RECORD, RECORD],
                                   today=TODAY)
    assert [r.reason for r in results] == ["invalid_proof", None]


# ---------------------------------------------------------------------------------------------
# the prover refuses
# ---------------------------------------------------------------------------------------------


def test_prover_refuses_a_class_the_rules_do_not_give(key):
    opening, _ = prescribe(RX, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    right = classify_lens(RX.right, usage="progressive")
    left = classify_lens(RX.left, usage="far")
    lenses = {"designs": ("multifocal", "unifocal"), "nears": (0, 0)}
    equipment_witness(opening, **lenses, classes=(right, left), context=7)
    for wrong in LensClass:
        if wrong is left:
            continue
        with pytest.raises(ProofError, match=r"lens\.left.*unsatisfied"):
            equipment_witness(opening, **lenses, classes=(right, wrong), context=7)


def test_prover_refuses_near_without_addition_and_mismatches(key):
    rx = Prescription(right=eye("-2.00"), left=eye("-1.00"), issued_on=DAY)
    opening, att = prescribe(rx, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    with pytest.raises(RuleError):
        prove_claim(opening, attestation=att, equipment=equipment("near", "far"), claim=claim(),
                    today=TODAY)
    # the circuit refuses it as well, whatever class is claimed
    for cls in LensClass:
        with pytest.raises(ProofError, match="lens.right"):
            equipment_witness(opening, designs=("unifocal", "unifocal"), nears=(1, 0),
                              classes=(cls, LensClass.SIMPLE), context=1)
    _, att2 = prescribe(rx, patient=PATIENT, key=key, prescriber_id="RPPS-1")  # another C
    with pytest.raises(InvalidInputError, match="attestation.commitment"):
        prove_claim(opening, attestation=att2, equipment=equipment("far", "far"),
                    claim=claim(), today=TODAY)
    with pytest.raises(InvalidInputError, match="claim.delivered_on"):
        prove_claim(opening, attestation=att, equipment=equipment("far", "far"),
                    claim=claim(delivered=DAY), today=TODAY)
    with pytest.raises(TypeError):
        prove_claim(opening, att, equipment("far", "far"), claim())  # keyword-only


def test_a_doomed_claim_costs_no_proof(key, monkeypatch):
    """The shared pre-check runs before any proving work: no witness, no proof."""
    import zkclaims.groth16
    import zkclaims.prover as prover

    calls = []
    monkeypatch.setattr(prover, "statement", lambda: calls.append("statement") or 1 / 0)
    monkeypatch.setattr(zkclaims.groth16, "prove", lambda *a, **k: calls.append("prove"))
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=dt.date(2019, 3, 10))
    opening, att = prescribe(rx, patient=PATIENT, key=key, prescriber_id="RPPS-1")
    for delivered, today, reason in (
        (dt.date(2025, 4, 2), dt.date(2025, 4, 1), "delivery_in_future"),
        (dt.date(2019, 3, 9), TODAY, "delivery_before_prescription"),
        (dt.date(2019, 12, 31), TODAY, "rules_not_in_force"),
        (dt.date(2022, 3, 11), TODAY, "prescription_not_valid"),  # 3 years at 50
    ):
        with pytest.raises(ClaimRejected) as e:
            prove_claim(opening, attestation=att, equipment=equipment("far", "far",
                                                                      delivered=delivered),
                        claim=claim(delivered=delivered), today=today)
        assert e.value.reason == reason
    assert calls == []


# ---------------------------------------------------------------------------------------------
# hypothesis: the verifier's decision equals the clear-text rules
# ---------------------------------------------------------------------------------------------


@st.composite
def claims(draw):
    def one_eye():
        s = draw(st.integers(-127, 127))
        c = draw(st.integers(-63, 63))
        if not -127 <= s + min(c, 0):
            c = 0
        axis = draw(st.integers(1, 180)) if c else None
        add = draw(st.integers(0, 31))
        return EyePrescription.from_quarters(s, c, axis, add)

    right, left = one_eye(), one_eye()
    usages = []
    for e in (right, left):
        allowed = ["far"] + (["near", "progressive"] if e.addition_q else [])
        usages.append(draw(st.sampled_from(allowed)))
    prices = (draw(st.integers(0, 80000)), draw(st.integers(0, 80000)),
              draw(st.integers(0, 80000)))
    frame_a = draw(st.booleans())
    if frame_a:
        prices = (prices[0], prices[1], draw(st.integers(0, 3000)))
    rx = Prescription(right=right, left=left, issued_on=DAY,
                      prescriber_kind=draw(st.sampled_from(["physician", "orthoptist"])))
    eq = equipment(usages[0], usages[1], prices=prices,
                   classes=("B", "B", "A" if frame_a else "B"))
    return rx, eq


@settings(max_examples=6, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(claims())
def test_decision_equals_clear_text_rules(key, verifier, case):
    rx, eq = case
    pid = "ORTHO-1" if rx.prescriber_kind.value == "orthoptist" else "RPPS-1"
    b = make(key, rx, eq, pid=pid)
    frame_a = eq.frame.classe.value == "A"
    amo = {**AMO_B, "frame": min(eq.frame.price_cents, 540) if frame_a else 3}
    amo = {k: min(v, getattr(eq, k).price_cents) for k, v in amo.items()}
    plv = {"frame": 3000} if frame_a else {}
    assert rules_part(check(verifier, b)) == reimburse(eq, amo_paid=amo, guarantees=None,
                                                       prescription=rx, plv=plv)


# ---------------------------------------------------------------------------------------------
# backends and imports
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_arkworks_proof_verifies_with_py_ecc(bundle, trusted):
    slow = Verifier(trusted, insurer="AMC-1", backend="py_ecc")
    assert check(slow, bundle).category.code == "c"
    bad = matching(tamper(bundle, "claim.claim_id", "C-2"))
    with pytest.raises(ClaimRejected, match="invalid_proof"):
        check(slow, bad)


def test_verifier_imports_no_prover_builder_or_setup_code():
    code = (
        "import sys, zkclaims.verifier\n"
        "bad = [m for m in sys.modules if m in ('zkclaims.prover', 'zkclaims.circuit',"
        " 'zkclaims.circuit.builder', 'zkclaims.circuit.gadgets', 'zkclaims.circuits.equipment',"
        " 'zkclaims.circuits.build', 'zkclaims.groth16.keygen', 'zkclaims.groth16.proving',"
        " 'zkclaims.groth16.qap', 'zkclaims.hazmat')]\n"
        "assert 'zkclaims.groth16.verification' in sys.modules\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the verifier imported: {out.stdout.strip()}"
