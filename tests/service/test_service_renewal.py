"""The renewal period through the service: the ledger's history, and an early renewal proof.

A member paid for glasses 500 days ago. A new pair from a new prescription (the vision
changed) is too early without proof — one pair every two years from 16 — and accepted with the
early-renewal proof, which the verifier checks against the previous commitment the ledger
hands it, never one from the bundle.
"""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from benchmarks.service_fixtures import INSURER, OPTICIAN, PRESCRIBER_ID, _example
from zkclaims.domain import Equipment, Prescription
from zkclaims.domain.claim import Claim
from zkclaims.domain.patient import Patient
from zkclaims.prescriber import prescribe
from zkclaims.prover import prove_claim
from zkclaims.prover_renewal import prove_claim_with_renewal
from zkclaims.registry import open_registry
from zkclaims.service import create_app, load_config

from .service_helpers import auth, write_config

with warnings.catch_warnings():  # starlette now prefers httpx2 for its test client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TODAY = dt.date.today()


def rx(issued: dt.date, right_sphere: str) -> Prescription:
    doc = _example("prescription.json")
    doc["issued_on"] = issued.isoformat()
    doc["right"]["sphere"] = right_sphere
    return Prescription.model_validate(doc)


def inputs(claim_id: str, member_id: str, delivered: dt.date) -> tuple[Equipment, Claim]:
    eq = _example("equipment.json")
    eq["delivered_on"] = delivered.isoformat()
    claim = Claim(insurer=INSURER, claim_id=claim_id, optician=OPTICIAN,
                  beneficiary=member_id, delivered_on=delivered)
    return Equipment.model_validate(eq), claim


@pytest.fixture(scope="module")
def renewal_case(tmp_path_factory, sample):
    member = sample.members[21]
    patient = Patient(ins=member.ins, birth_date=member.birth_date)
    first = TODAY - dt.timedelta(days=500)
    old_open, old_att = prescribe(rx(first - dt.timedelta(days=20), "-2.00"), patient=patient,
                                  key=sample.key, prescriber_id=PRESCRIBER_ID)
    new_open, new_att = prescribe(rx(TODAY - dt.timedelta(days=40), "-2.75"), patient=patient,
                                  key=sample.key, prescriber_id=PRESCRIBER_ID)
    eq, claim = inputs("RN-1", member.member_id, first)
    paid = prove_claim(old_open, attestation=old_att, equipment=eq, claim=claim, today=TODAY)
    eq, claim = inputs("RN-2", member.member_id, TODAY - dt.timedelta(days=7))
    plain = prove_claim(new_open, attestation=new_att, equipment=eq, claim=claim, today=TODAY)
    eq, claim = inputs("RN-3", member.member_id, TODAY - dt.timedelta(days=7))
    early = prove_claim_with_renewal(new_open, attestation=new_att, equipment=eq, claim=claim,
                                     previous_opening=old_open,
                                     previous_attestation=old_att, today=TODAY)
    # a renewal proved against a prescription the insurer never paid for
    other_open, other_att = prescribe(rx(first - dt.timedelta(days=60), "-1.25"),
                                      patient=patient, key=sample.key,
                                      prescriber_id=PRESCRIBER_ID)
    eq, claim = inputs("RN-4", member.member_id, TODAY - dt.timedelta(days=7))
    unpaid = prove_claim_with_renewal(new_open, attestation=new_att, equipment=eq, claim=claim,
                                      previous_opening=other_open,
                                      previous_attestation=other_att, today=TODAY)
    folder = tmp_path_factory.mktemp("renewal")
    url = f"sqlite:///{folder / 'ledger.db'}"
    with open_registry(url, migrate=True) as reg:
        reg.import_beneficiaries(INSURER, [member])
    config = load_config(write_config(folder, url, trusted=sample.trusted_json), env={})
    with TestClient(create_app(config)) as client:
        yield client, member, paid, plain, early, unpaid


def post(client, bundle):
    return client.post("/v1/claims", headers=auth("optician"), content=bundle.model_dump_json())


def test_early_renewal_needs_its_proof(renewal_case):
    client, member, paid, plain, early, _unpaid = renewal_case
    assert post(client, paid).json()["status"] == "accepted"
    history = client.get(f"/v1/beneficiaries/{member.member_id}/history",
                         headers=auth("operator")).json()
    assert history["last_delivery"] == paid.claim.delivered_on.isoformat()
    assert history["previous_commitment"] == paid.attestation.commitment

    too_early = post(client, plain).json()
    assert (too_early["status"], too_early["reason"]) == ("rejected", "renewal_too_early")

    justified = post(client, early)
    assert justified.status_code == 201, justified.text
    doc = justified.json()
    assert doc["status"] == "accepted"
    assert any("early renewal" in r for r in doc["decision"]["reasons"])
    history = client.get(f"/v1/beneficiaries/{member.member_id}/history",
                         headers=auth("operator")).json()
    assert (history["paid_claims"], history["previous_commitment"]) == (
        2, early.attestation.commitment)


def test_a_renewal_from_a_prescription_never_paid_is_refused(renewal_case):
    """The previous commitment is the ledger's, not the bundle's: a proof of a change of
    vision from another prescription than the one paid last does not justify anything."""
    client, _member, paid, _plain, _early, unpaid = renewal_case
    assert unpaid.renewal is not None
    post(client, paid)  # recorded already, or now: the paid equipment
    r = post(client, unpaid)
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["reason"]) == ("rejected", "renewal_not_justified")
    assert "previous" in r.json()["message"]
