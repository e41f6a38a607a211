"""The prescriber side seen from the insurer's Verifier: a claim whose attestation carries a
certificate chain is paid through the PKI alone; a revoked certificate or key, a certificate
for another prescriber, a weak key, rejected with their reasons. One proof, several
attestations of its commitment (the proof binds the commitment, not the signature)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509

from zkclaims.domain import (
    Beneficiary,
    Equipment,
    EyePrescription,
    Frame,
    Lens,
    Patient,
    Prescription,
)
from zkclaims.domain.invoice import Claim
from zkclaims.errors import ClaimRejected
from zkclaims.hazmat.pki import DemoPki
from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe, sign_attestation
from zkclaims.prescriber.pki import der_text
from zkclaims.prover import prove_claim
from zkclaims.verifier import Verifier

PID = "RPPS-10001234567"
DAY, DELIVERY, TODAY = dt.date(2025, 3, 10), dt.date(2025, 4, 2), dt.date(2025, 4, 10)
PATIENT = Patient(ins="1 68 06 75 123 456 49", birth_date=dt.date(1968, 6, 1))
RECORD = Beneficiary(member_id="MBR-1", ins=PATIENT.ins, birth_date=PATIENT.birth_date)
RX = Prescription(right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180),
                  left=EyePrescription(sphere="-3.50"), issued_on=DAY)


@pytest.fixture(scope="module")
def pki():
    return DemoPki(start=dt.date(2020, 1, 1))


@pytest.fixture(scope="module")
def signed(pki):
    key, cert = pki.issue(not_before=dt.date(2024, 1, 1), algorithm="ecdsa-p256")
    opening, att = prescribe(RX, patient=PATIENT, key=key, prescriber_id=PID,
                             certificate_chain=pki.chain(cert))
    eq = Equipment(right=Lens(usage="far", price_cents=15_000, grouping_code="VU1"),
                   left=Lens(usage="far", price_cents=15_000, grouping_code="VU1"),
                   frame=Frame(price_cents=9_000), delivered_on=DELIVERY)
    cl = Claim(insurer="AMC-1", claim_id="C-1", optician="FINESS-1", beneficiary="MBR-1",
               delivered_on=DELIVERY)
    bundle = prove_claim(opening, attestation=att, equipment=eq, claim=cl, today=TODAY)
    return bundle, cert


def pki_trust(pki, revoked=()):
    t = TrustedPrescribers()
    t.add_root(der_text(pki.root))
    t.add_crl(der_text(pki.crl(revoked, last_update=dt.date(2025, 4, 1),
                               next_update=dt.date(2025, 5, 1))))
    t.add_crl(der_text(pki.crl(last_update=dt.date(2025, 4, 1), next_update=dt.date(2025, 5, 1),
                               by_root=True)))
    return t


def with_attestation(bundle, att):
    return bundle.model_copy(update={"attestation": att})


def reason(trust, bundle) -> str:
    with pytest.raises(ClaimRejected) as info:
        Verifier(trust, insurer="AMC-1").verify(bundle, beneficiary=RECORD, today=TODAY)
    return info.value.reason


def test_a_claim_signed_under_a_certificate_is_paid_through_the_root_alone(pki, signed):
    bundle, _ = signed
    decision = Verifier(pki_trust(pki), insurer="AMC-1").verify(bundle, beneficiary=RECORD,
                                                               today=TODAY)
    assert decision.category.code == "a"


def test_a_revoked_certificate(pki, signed):
    bundle, cert = signed
    trust = pki_trust(pki, [(cert, dt.date(2025, 4, 5), x509.ReasonFlags.key_compromise)])
    assert reason(trust, bundle) == "revoked_key"
    # the CRLs must be current on the day of the check
    with pytest.raises(ClaimRejected, match="no current CRL"):
        Verifier(pki_trust(pki), insurer="AMC-1").verify(
            bundle, beneficiary=RECORD, today=dt.date(2025, 6, 1))


def test_a_certificate_for_another_prescriber(pki, signed):
    bundle, cert = signed
    att = bundle.attestation.model_copy(update={"prescriber_id": "RPPS-10009999999"})
    assert reason(pki_trust(pki), with_attestation(bundle, att)) == "untrusted_prescriber"


def test_the_same_commitment_under_trusted_keys(signed):
    """Keys instead of a PKI: a key trusted for the day, then revoked for compromise."""
    bundle, _ = signed
    key = generate_key()
    att = sign_attestation(key, commitment=bundle.attestation.commitment_int,
                           prescriber_id=PID, prescriber_kind="physician",
                           prescription_day=DAY)
    resigned = with_attestation(bundle, att)
    trust = TrustedPrescribers()
    k = trust.add(PID, key, not_before=dt.date(2025, 1, 1))
    assert Verifier(trust, insurer="AMC-1").verify(resigned, beneficiary=RECORD,
                                                   today=TODAY).category.code == "a"
    trust.revoke(PID, k.key_id, on=dt.date(2025, 4, 5))
    assert reason(trust, resigned) == "revoked_key"
    late = TrustedPrescribers()
    late.add(PID, key, not_before=dt.date(2025, 3, 11))  # the key is newer than the day
    assert reason(late, resigned) == "untrusted_prescriber"
