"""The equipment claim end to end: prover -> bundle -> verifier (issue 5 "Tests")."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims.domain import (
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    LensClass,
    LensUsage,
    Prescription,
    classify_lens,
    prescription_valid_on,
    reimburse,
)
from zkclaims.domain.claim import Claim, ClaimBundle, Contract
from zkclaims.errors import (
    ClaimRejected,
    InvalidInputError,
    MalformedInputError,
    ProofError,
    RuleError,
)
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
from zkclaims.prover import equipment_witness, prove_claim
from zkclaims.verifier import REASONS, Verifier

DAY = dt.date(2025, 3, 10)
DELIVERY = dt.date(2025, 4, 2)
BIRTH = dt.date(1968, 6, 1)
AMO = {"right": 5, "left": 5, "frame": 3}


def eye(s, c="0", axis=None, add="0"):
    return EyePrescription(sphere=s, cylinder=c, axis=axis, addition=add)


def equipment(ur, ul, *, prices=(20000, 21000, 9000), classes=("B", "B", "B"),
              delivered=DELIVERY):
    return Equipment(
        right=Lens(usage=ur, price_cents=prices[0], classe=classes[0]),
        left=Lens(usage=ul, price_cents=prices[1], classe=classes[1]),
        frame=Frame(price_cents=prices[2], classe=classes[2]),
        delivered_on=delivered,
    )


def claim(claim_id="C-1", delivered=DELIVERY, birth=BIRTH):
    return Claim(insurer="AMC-1", claim_id=claim_id, optician="FINESS-1", delivered_on=delivered,
                 patient_birth_date=birth)


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
    return Verifier(trusted)


def make(key, rx, eq, cl=None, pid="RPPS-1", **kw):
    opening, att = prescribe(rx, key, pid)
    return prove_claim(opening, att, eq, cl or claim(delivered=eq.delivered_on), **kw)


RX = Prescription(
    right=eye("-2.00", "-1.00", 180, "2.00"),
    left=eye("-5.50", "-1.00", 0, "2.00"),
    issued_on=DAY,
)


@pytest.fixture(scope="module")
def bundle(key):
    return make(key, RX, equipment("progressive", "far"), amo_cents=AMO)


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
    b = make(key, rx, eq, amo_cents=AMO)
    d = verifier.verify(b)
    assert d.category.code == code
    assert d == reimburse(eq, amo_paid=AMO, guarantees=None, prescription=rx)
    # the bundle discloses no power and no usage
    text = b.model_dump_json()
    assert '"usage"' not in text and "progressive" not in text and "sphere" not in text


def test_round_trip_with_contract_and_classe_a(key, trusted):
    contract = Contract(guarantees={c: {"equipment_cents": g} for c, g in zip(
        "abcdef", (30000, 45000, 55000, 50000, 60000, 65000), strict=True)})
    rx = Prescription(right=eye("-2.00"), left=eye("-7.00"), issued_on=DAY)
    eq = equipment("far", "far", classes=("A", "B", "B"))
    b = make(key, rx, eq, amo_cents=AMO, plv_cents={"right": 15000})
    d = Verifier(trusted, contract=contract).verify(b)
    assert d.category.code == "b" and d.limit_cents == 45000
    assert d == reimburse(eq, amo_paid=AMO, guarantees=contract.guarantees, prescription=rx,
                          plv={"right": 15000})


def test_orthoptist_prescription(key, trusted):
    rx = Prescription(right=eye("-1.00"), left=eye("-1.25"), issued_on=DAY,
                      prescriber_kind="orthoptist")
    b = make(key, rx, equipment("far", "far"), pid="ORTHO-1")
    assert Verifier(trusted).verify(b).category.code == "a"
    # two years later (physician would be 5): not valid
    late = dt.date(2027, 3, 11)
    b2 = make(key, rx, equipment("far", "far", delivered=late), pid="ORTHO-1")
    with pytest.raises(ClaimRejected, match="prescription_not_valid"):
        Verifier(trusted).verify(b2)


# ---------------------------------------------------------------------------------------------
# each rejection reason
# ---------------------------------------------------------------------------------------------


def tamper(b: ClaimBundle, path: str, value) -> dict:
    data = json.loads(b.model_dump_json())
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return data


def reason_of(verifier, data) -> str:
    with pytest.raises(ClaimRejected) as ei:
        verifier.verify(data)
    return ei.value.reason


def test_valid_bundle_is_accepted_from_json(bundle, verifier):
    d = verifier.verify(bundle.model_dump_json())
    assert d.lens_classes == (LensClass.COMPLEX, LensClass.COMPLEX) and d.category.code == "c"


def test_rejection_unknown_circuit(bundle, verifier, trusted):
    assert reason_of(verifier, tamper(bundle, "circuit_id", "0" * 64)) == "unknown_circuit"
    import dataclasses

    from zkclaims.domain import RULES_2020

    rules_2030 = dataclasses.replace(RULES_2020, version="2030")
    with pytest.raises(ClaimRejected, match="does not implement rules 2030"):
        Verifier(trusted, rules=rules_2030).verify(bundle)


def test_rejection_inconsistent_prices(bundle, verifier):
    assert reason_of(verifier, tamper(bundle, "invoice.total_cents", 1)) == "inconsistent_prices"
    assert reason_of(verifier, tamper(bundle, "invoice.frame.amo_cents", 10**6)) == (
        "inconsistent_prices"
    )


def test_rejection_untrusted_prescriber_and_bad_signature(bundle, key):
    with pytest.raises(ClaimRejected, match="untrusted_prescriber"):
        Verifier(TrustedPrescribers()).verify(bundle)
    other = TrustedPrescribers()
    other.add("RPPS-1", generate_key())
    with pytest.raises(ClaimRejected, match="bad_signature"):
        Verifier(other).verify(bundle)


def test_rejection_delivery_before_prescription(key, verifier):
    # an honest proof of a claim delivered the day before the prescription
    eq = equipment("far", "far", delivered=DAY - dt.timedelta(days=1))
    b = make(key, Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=DAY), eq)
    assert reason_of(verifier, b) == "delivery_before_prescription"


def test_rejection_prescription_not_valid(key, verifier):
    # physician, patient 56 at the prescription: valid 3 years (spec §6)
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=dt.date(2021, 3, 10))
    ok = make(key, rx, equipment("far", "far", delivered=dt.date(2024, 3, 10)))
    verifier.verify(ok)
    late = make(key, rx, equipment("far", "far", delivered=dt.date(2024, 3, 11)))
    assert reason_of(verifier, late) == "prescription_not_valid"


@settings(max_examples=60, deadline=None)
@given(delivered=st.dates(DAY, dt.date(2031, 12, 31)), birth=st.dates(dt.date(1940, 1, 1), DAY))
def test_validity_check_equals_the_clear_text_rule(bundle, verifier, delivered, birth):
    # Only the claim's dates change (no new proof needed): the verifier, which sees no eye,
    # rejects for validity exactly when the rule on the full prescription says so (spec §6).
    data = tamper(bundle, "claim.delivered_on", delivered.isoformat())
    data["claim"]["patient_birth_date"] = birth.isoformat()
    data["public_inputs"] = ClaimBundle.model_validate(data).expected_public_inputs().model_dump(
        mode="json")
    try:
        verifier.precheck(ClaimBundle.model_validate(data))
        outcome = True
    except ClaimRejected as exc:
        assert exc.reason == "prescription_not_valid", exc
        outcome = False
    assert outcome == prescription_valid_on(RX, day=delivered, patient_birth_date=birth)


def test_birth_after_the_prescription_is_a_rejection_not_a_crash(bundle, verifier):
    data = tamper(bundle, "claim.patient_birth_date", (DAY + dt.timedelta(days=1)).isoformat())
    with pytest.raises(ClaimRejected) as info:
        verifier.verify(data)
    assert info.value.reason == "prescription_not_valid"
    assert "claim.patient_birth_date: 2025-03-11" in str(info.value)


def test_rejection_rules_not_in_force(key, verifier):
    rx = Prescription(right=eye("1.00"), left=eye("1.00"), issued_on=dt.date(2019, 6, 1))
    b = make(key, rx, equipment("far", "far", delivered=dt.date(2019, 12, 31)))
    assert reason_of(verifier, b) == "rules_not_in_force"


def test_rejection_context_mismatch_and_invalid_proof(bundle, verifier):
    assert reason_of(verifier, tamper(bundle, "claim.claim_id", "C-2")) == "context_mismatch"
    with pytest.raises(ClaimRejected, match=r"public_inputs\.class_left = 2 \(expected 1\)"):
        verifier.verify(tamper(bundle, "public_inputs.class_left", 2))
    assert reason_of(verifier, tamper(bundle, "invoice.left.lens_class", "simple")) == (
        "context_mismatch"
    )
    # the same with the public inputs recomputed: the proof no longer verifies
    forged = ClaimBundle.model_validate(tamper(bundle, "invoice.left.lens_class", "simple"))
    data = tamper(forged, "public_inputs", forged.expected_public_inputs().model_dump(mode="json"))
    assert reason_of(verifier, data) == "invalid_proof"


def test_replay_under_another_claim_context(key, bundle, verifier):
    other = make(key, RX, equipment("progressive", "far"), claim("C-9"), amo_cents=AMO)
    verifier.verify(other)
    # bundle's proof transplanted into the other claim (whose inputs are self-consistent)
    replay = tamper(other, "proof", bundle.proof)
    assert reason_of(verifier, replay) == "invalid_proof"
    # or the other claim's fields under the first bundle's public inputs
    replay2 = tamper(other, "public_inputs", bundle.public_inputs.model_dump(mode="json"))
    assert reason_of(verifier, replay2) == "context_mismatch"


def test_rejection_wrong_insurer(bundle, trusted):
    # a bundle addressed to AMC-1 cannot be cashed at another insurer
    assert Verifier(trusted, insurer="AMC-1").verify(bundle).category.code == "c"
    with pytest.raises(ClaimRejected) as info:
        Verifier(trusted, insurer="AMC-2").verify(bundle)
    assert info.value.reason == "wrong_insurer"
    assert "claim.insurer: 'AMC-1'" in str(info.value) and "AMC-2" in str(info.value)


def test_rejection_birth_date_mismatch(bundle, trusted, verifier):
    """The insurer's record of the beneficiary's birth date overrides the optician's word."""
    assert verifier.verify(bundle, beneficiary_birth_date=BIRTH).category.code == "c"
    other = BIRTH + dt.timedelta(days=1)
    with pytest.raises(ClaimRejected) as info:
        verifier.verify(bundle, beneficiary_birth_date=other)
    assert info.value.reason == "birth_date_mismatch"
    assert str(info.value) == (
        "birth_date_mismatch: claim.patient_birth_date: 1968-06-01 is not the beneficiary's"
        " birth date in the insurer's records (1968-06-02)"
    )
    # its place in the check order: after wrong_insurer, before everything else
    with pytest.raises(ClaimRejected, match="^wrong_insurer"):
        Verifier(trusted, insurer="AMC-2").verify(bundle, beneficiary_birth_date=other)
    for path, value in (("invoice.total_cents", 1),  # inconsistent_prices otherwise
                        ("attestation.prescriber_id", "RPPS-9"),  # untrusted_prescriber
                        ("claim.patient_birth_date", "2025-03-11"),  # prescription_not_valid
                        ("public_inputs.class_left", 2)):  # context_mismatch
        assert reason_of(verifier, tamper(bundle, path, value)) != "birth_date_mismatch"
        with pytest.raises(ClaimRejected, match="^birth_date_mismatch"):
            verifier.verify(tamper(bundle, path, value), beneficiary_birth_date=other)
    with pytest.raises(InvalidInputError, match="beneficiary_birth_date"):
        verifier.verify(bundle, beneficiary_birth_date=dt.datetime(1968, 6, 1))
    with pytest.raises(InvalidInputError, match="beneficiary_birth_date"):
        verifier.precheck(bundle, beneficiary_birth_date="1968-06-01")
    # the batch API: one record (or None) per bundle
    results = verifier.verify_many([bundle, bundle, bundle],
                                   beneficiary_birth_dates=[BIRTH, other, None])
    assert [r.reason for r in results] == [None, "birth_date_mismatch", None]
    assert results[0].decision == results[2].decision == verifier.verify(bundle)
    with pytest.raises(InvalidInputError, match="one entry per bundle"):
        verifier.verify_many([bundle], beneficiary_birth_dates=[])


def test_every_reason_is_documented():
    assert set(REASONS) >= {
        "unknown_circuit", "untrusted_prescriber", "bad_signature", "invalid_proof",
        "context_mismatch", "prescription_not_valid", "delivery_before_prescription",
        "inconsistent_prices", "wrong_insurer", "birth_date_mismatch",
    }
    import zkclaims.verifier

    doc = zkclaims.verifier.__doc__
    assert all(f"``{r}``" in doc for r in REASONS)
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
        return 1
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    assert isinstance(value, str), path
    try:
        return (dt.date.fromisoformat(value) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        pass
    enums = {"simple": "complex", "complex": "very_complex", "very_complex": "simple",
             "A": "B", "B": "A", "physician": "orthoptist", "orthoptist": "physician"}
    if value in enums:
        return enums[value]
    if value.isdigit():
        return str(int(value) + 1)
    if path in ("proof", "circuit_id", "attestation.signature"):
        # flip one bit in the middle (proof: inside B's x coordinate, still 192 bytes)
        i = len(value) // 2
        return value[:i] + format(int(value[i], 16) ^ 1, "x") + value[i + 1:]
    return value + "x"


def test_every_field_tampered_is_rejected(bundle, verifier):
    data = json.loads(bundle.model_dump_json())
    leaves = list(_leaves(data))
    assert len(leaves) >= 30
    outcomes = {}
    for path, value in leaves:
        bad = tamper(bundle, path, _altered(path, value))
        try:
            verifier.verify(bad)
        except ClaimRejected as exc:
            outcomes[path] = exc.reason
        except MalformedInputError as exc:  # never pydantic's error: load_bundle wraps it
            outcomes[path] = type(exc).__name__
        else:
            pytest.fail(f"tampering {path} ({value!r}) was accepted")
    assert outcomes["proof"] in ("invalid_proof", "MalformedInputError")
    assert outcomes["attestation.signature"] == "bad_signature"
    assert outcomes["public_inputs.claim_context"] == "context_mismatch"


# ---------------------------------------------------------------------------------------------
# batch verification
# ---------------------------------------------------------------------------------------------


def test_verify_many_names_each_bad_bundle(key, bundle, verifier):
    b2 = make(key, RX, equipment("far", "far"), claim("C-2"))
    wrong_proof = tamper(b2, "proof", bundle.proof)
    items = [bundle, b2, wrong_proof, tamper(bundle, "claim.claim_id", "C-3"), b2,
             '{"format": "nope"}']
    results = verifier.verify_many(items)
    assert [r.index for r in results] == list(range(6))
    assert [r.accepted for r in results] == [True, True, False, False, True, False]
    assert results[2].reason == "invalid_proof"
    assert results[3].reason == "context_mismatch"
    assert results[5].reason == "malformed"
    assert "\n" not in results[5].message
    assert results[5].message.startswith("bundle.format: ") and "(got 'nope')" in results[5].message
    assert results[0].decision == verifier.verify(bundle)


# ---------------------------------------------------------------------------------------------
# the prover refuses
# ---------------------------------------------------------------------------------------------


def test_prover_refuses_a_class_the_rules_do_not_give(key):
    opening, _ = prescribe(RX, key, "RPPS-1")
    usages = (LensUsage.PROGRESSIVE, LensUsage.FAR)
    right = classify_lens(RX.right, usage=usages[0])
    left = classify_lens(RX.left, usage=usages[1])
    equipment_witness(opening, usages, (right, left), 7)
    for wrong in LensClass:
        if wrong is left:
            continue
        with pytest.raises(ProofError, match=r"lens\.left.*unsatisfied"):
            equipment_witness(opening, usages, (right, wrong), 7)


def test_prover_refuses_near_without_addition_and_mismatches(key):
    rx = Prescription(right=eye("-2.00"), left=eye("-1.00"), issued_on=DAY)
    opening, att = prescribe(rx, key, "RPPS-1")
    with pytest.raises(RuleError):
        prove_claim(opening, att, equipment("near", "far"), claim())
    # the circuit refuses it as well, whatever class is claimed
    for cls in LensClass:
        with pytest.raises(ProofError, match="lens.right"):
            equipment_witness(opening, (LensUsage.NEAR, LensUsage.FAR), (cls, LensClass.SIMPLE), 1)
    _, att2 = prescribe(rx, key, "RPPS-1")  # another blinding, another commitment
    with pytest.raises(InvalidInputError, match="attestation.commitment"):
        prove_claim(opening, att2, equipment("far", "far"), claim())
    with pytest.raises(InvalidInputError, match="claim.delivered_on"):
        prove_claim(opening, att, equipment("far", "far"), claim(delivered=DAY))


def test_prover_refuses_an_invoice_the_verifier_would_reject(key):
    opening, att = prescribe(RX, key, "RPPS-1")
    eq = equipment("progressive", "far", classes=("A", "B", "B"))
    with pytest.raises(InvalidInputError) as info:
        prove_claim(opening, att, eq, claim())  # classe A without its PLV
    assert info.value.field == "plv_cents.right"
    with pytest.raises(InvalidInputError) as info:
        prove_claim(opening, att, eq, claim(), amo_cents={"frame": 9001},
                    plv_cents={"right": 20000})
    assert info.value.field == "amo_cents.frame" and info.value.value == 9001


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
    prices = tuple(draw(st.integers(0, 80000)) for _ in range(3))
    classes = tuple(draw(st.sampled_from("AB")) for _ in range(3))
    rx = Prescription(right=right, left=left, issued_on=DAY,
                      prescriber_kind=draw(st.sampled_from(["physician", "orthoptist"])))
    eq = equipment(usages[0], usages[1], prices=prices, classes=classes)
    amo = {k: min(p, draw(st.integers(0, 3000))) for k, p in zip(AMO, prices, strict=True)}
    plv = {k: draw(st.integers(1000, 50000)) for k, c in zip(AMO, classes, strict=True)
           if c == "A"}
    return rx, eq, amo, plv


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims())
def test_decision_equals_clear_text_rules(key, verifier, case):
    rx, eq, amo, plv = case
    pid = "ORTHO-1" if rx.prescriber_kind.value == "orthoptist" else "RPPS-1"
    b = make(key, rx, eq, pid=pid, amo_cents=amo, plv_cents=plv)
    assert verifier.verify(b) == reimburse(eq, amo_paid=amo, guarantees=None, prescription=rx,
                                           plv=plv)


# ---------------------------------------------------------------------------------------------
# backends and imports
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_arkworks_proof_verifies_with_py_ecc(bundle, trusted):
    d = Verifier(trusted, backend="py_ecc").verify(bundle)
    assert d.category.code == "c"
    bad = tamper(bundle, "claim.claim_id", "C-2")
    forged = ClaimBundle.model_validate(bad)
    bad["public_inputs"] = forged.expected_public_inputs().model_dump(mode="json")
    with pytest.raises(ClaimRejected, match="invalid_proof"):
        Verifier(trusted, backend="py_ecc").verify(bad)


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
