"""``demo``: the whole round trip on sample data (and ``--rules``: the rules example)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from zkclaims.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    Sub,
)
from zkclaims.cli.claim import _bundle_disclosure
from zkclaims.cli.rules import _demo_rules

# --- demo of the round trip ------------------------------------------------------------------
#: The demo's sample data (the same as examples/*.json; a test keeps them equal).
DEMO_PRESCRIPTION: dict[str, Any] = {
    "right": {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180, "addition": "+2.00"},
    "left": {"sphere": "-5.50", "cylinder": "-1.00", "axis": 0, "addition": "+2.00"},
    "issued_on": "2025-03-10",
    "prescriber_kind": "physician",
}
DEMO_PATIENT: dict[str, Any] = {"ins": "1 68 06 75 123 456 49", "birth_date": "1968-06-01"}
DEMO_BENEFICIARY: dict[str, Any] = {
    "member_id": "MBR-0042-7781",
    "ins": "168067512345649",
    "birth_date": "1968-06-01",
    "amo_regime": "general",
}
DEMO_EQUIPMENT: dict[str, Any] = {
    "right": {"usage": "progressive", "price_cents": 29000, "classe": "B", "grouping_code": "VM2"},
    "left": {"usage": "progressive", "price_cents": 31000, "classe": "B", "grouping_code": "VM2"},
    "frame": {"price_cents": 16000, "classe": "B"},
    "delivered_on": "2025-04-02",
}
DEMO_CLAIM: dict[str, Any] = {
    "insurer": "AMC-75000123",
    "claim_id": "2025-04-000042",
    "optician": "FINESS-750012345",
    "beneficiary": "MBR-0042-7781",
    "delivered_on": "2025-04-02",
}
DEMO_CONTRACT: dict[str, Any] = {
    "format": "zkclaims-contract/v1",
    "name": "Mutuelle exemple, formule responsable niveau 2",
    "employer_mandatory": False,
    "guarantees": {
        "a": {"equipment_cents": 30000, "frame_cents": 10000},
        "b": {"equipment_cents": 45000, "frame_cents": 10000},
        "c": {"equipment_cents": 55000, "frame_cents": 10000},
        "d": {"equipment_cents": 50000, "frame_cents": 10000},
        "e": {"equipment_cents": 60000, "frame_cents": 10000},
        "f": {"equipment_cents": 65000, "frame_cents": 10000},
    },
}
DEMO_PRESCRIBER_ID = "RPPS-10001234567"
#: Another patient of the same prescriber, with a very complex prescription (demo attack).
DEMO_OTHER_PATIENT: dict[str, Any] = {"ins": "2 85 02 75 012 345 21", "birth_date": "1985-02-14"}
DEMO_OTHER_PRESCRIPTION: dict[str, Any] = {
    "right": {"sphere": "-9.00", "cylinder": "+1.00", "axis": 45, "addition": "+2.50"},
    "left": {"sphere": "+9.00", "addition": "+3.00"},
    "issued_on": "2025-03-10",
    "prescriber_kind": "physician",
}


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(doc))


def _demo_claim(out: Callable[[str], None] = print) -> int:
    """Run the whole round trip on the sample data; return 0 when everything behaved."""
    import datetime as dt
    import time

    from zkclaims.commitment import patient_tag
    from zkclaims.domain import Beneficiary, Equipment, Patient, Prescription
    from zkclaims.domain.bundle import ClaimBundle
    from zkclaims.domain.contract import Contract
    from zkclaims.domain.invoice import Claim
    from zkclaims.errors import ClaimRejected
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim
    from zkclaims.verifier import Verifier

    rx = Prescription.model_validate(DEMO_PRESCRIPTION)
    patient = Patient.model_validate(DEMO_PATIENT)
    record = Beneficiary.model_validate(DEMO_BENEFICIARY)
    equipment = Equipment.model_validate(DEMO_EQUIPMENT)
    claim = Claim.model_validate(DEMO_CLAIM)
    contract = Contract.model_validate(DEMO_CONTRACT)
    today = dt.date(2025, 4, 3)  # the demo's data is dated: check it as of the next day

    out("== zkclaims demo: an equipment claim, end to end ==")
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add(DEMO_PRESCRIBER_ID, key)
    opening, attestation = prescribe(rx, patient=patient, key=key,
                                     prescriber_id=DEMO_PRESCRIBER_ID)
    out(f"1. prescriber {DEMO_PRESCRIBER_ID} commits to the prescription and the patient and "
        f"signs C = {attestation.commitment[:24]}...")
    t0 = time.perf_counter()
    bundle = prove_claim(opening, attestation=attestation, equipment=equipment, claim=claim,
                         today=today)
    t_prove = time.perf_counter() - t0
    size = len(bundle.model_dump_json())
    out(f"2. optician proves the claim in {t_prove:.2f} s (first proof includes loading the "
        f"proving key): bundle of {size} bytes, proof 192 bytes")
    verifier = Verifier(trusted, insurer=claim.insurer, contract=contract)
    t0 = time.perf_counter()
    decision = verifier.verify(bundle, beneficiary=record, today=today)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    verifier.verify(bundle, beneficiary=record, today=today)
    t_verify = time.perf_counter() - t0
    out(f"3. insurer {claim.insurer} verifies against its record of member "
        f"{record.member_id} in {t_verify * 1000:.1f} ms ({t_first * 1000:.0f} ms the first "
        f"time: loading and preparing the pinned verifying key): ACCEPTED, category "
        f"{decision.category.code}, insurer pays {decision.insurer_total_cents / 100:.2f} €, "
        f"AMO {decision.amo_total_cents / 100:.2f} € (computed from the law), patient "
        f"{decision.patient_remainder_cents / 100:.2f} €")
    for r in decision.reasons:
        out(f"     - {r}")

    out("")
    received = [
        f"{f}: {v if len(v) <= 56 else v[:40] + '...'}" for f, v, _ in _bundle_disclosure(bundle)
    ]
    canon = opening.prescription
    never = [
        f"right eye: {rx.right} (canonical {canon.right})",
        f"left eye:  {rx.left} (canonical {canon.left})",
        f"right lens usage: {equipment.right.usage.value} (public: its design only)",
        f"left lens usage:  {equipment.left.usage.value}",
        f"patient INS {patient.ins}, born {patient.birth_date}",
        "  (held in the insurer's own record, never in the bundle)",
        f"blinding: {opening.blinding[:20]}...",
    ]
    w = max(len(s) for s in received) + 2
    out(f"{'WHAT THE INSURER RECEIVED':<{w}}| WHAT IT NEVER SAW")
    for i in range(max(len(received), len(never))):
        left = received[i] if i < len(received) else ""
        right = never[i] if i < len(never) else ""
        out(f"{left:<{w}}| {right}")

    out("")
    out("4. tampered bundles:")
    data = bundle.model_dump(mode="json")
    fe = record.patient().field_element()

    def recomputed(doc: dict[str, Any]) -> dict[str, Any]:
        """Make the public inputs match the edited fields, tag included.

        The optician knows the patient's INS and birth date, so a forger can do this.
        """
        b = ClaimBundle.model_validate(doc)
        tag = patient_tag(fe, b.context())
        doc["public_inputs"] = b.expected_public_inputs(patient_tag=tag).model_dump(mode="json")
        return doc

    # a) the optician upgrades the left lens to very complex in the invoice only
    t1 = _copy(data)
    t1["invoice"]["left"]["lens_class"] = "very_complex"
    # b) ... and also rewrites the public inputs to match
    t2 = recomputed(_copy(t1))
    # c) the same proof replayed on another claim id
    t3 = _copy(data)
    t3["claim"]["claim_id"] = "2025-04-000043"
    t3 = recomputed(t3)
    # d) another patient's very complex prescription, claimed for this member
    other_rx = Prescription.model_validate(DEMO_OTHER_PRESCRIPTION)
    other = Patient.model_validate(DEMO_OTHER_PATIENT)
    o_open, o_att = prescribe(other_rx, patient=other, key=key, prescriber_id=DEMO_PRESCRIBER_ID)
    t4 = prove_claim(o_open, attestation=o_att, equipment=equipment, claim=claim, today=today)
    # e) a bundle of the retired statement version 1 (no patient binding)
    t5 = _copy(data)
    t5["format"] = "zkclaims-claim-bundle/v1"
    ok = True
    for label, tampered, expected in (
        ("left lens class changed to very_complex", t1, "context_mismatch"),
        ("... with public inputs recomputed to match", t2, "invalid_proof"),
        ("proof replayed on another claim id", t3, "invalid_proof"),
        (f"another patient's prescription (lenses {t4.invoice.right.lens_class.value}) "
         f"claimed for member {record.member_id}", t4, "wrong_patient"),
        ("a bundle of statement version 1", t5, "retired_circuit"),
    ):
        try:
            verifier.verify(tampered, beneficiary=record, today=today)
            out(f"   {label}: ACCEPTED (unexpected!)")
            ok = False
        except ClaimRejected as exc:
            out(f"   {label}: REJECTED ({exc.reason})")
            ok = ok and exc.reason == expected
    from zkclaims.cli.renewal import demo_renewal

    ok = demo_renewal(out, key=key, prescriber_id=DEMO_PRESCRIBER_ID, verifier=verifier,
                      record=record, patient=patient, opening=opening, attestation=attestation,
                      equipment=equipment, claim=claim, today=today) and ok
    return EXIT_OK if ok else EXIT_INVALID


def _add_demo_claim(sub: Sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole round trip on sample data (prescriber, optician, insurer)",
        description="Sign a sample prescription for a patient, prove the equipment claim, "
        "verify it as the insurer against its beneficiary record (what it received beside "
        "what it never saw), then reject tampered bundles, another patient's prescription "
        "among them; then an early renewal, proven in zero knowledge, accepted and refused. "
        "--rules prints the clear-text rules worked example instead.",
    )
    p.add_argument("--rules", action="store_true", help="print the rules worked example only")
    p.set_defaults(func=_cmd_demo_claim)


def _cmd_demo_claim(args: argparse.Namespace) -> int:
    if args.rules:
        _demo_rules()
        return EXIT_OK
    return _demo_claim()


#: Subcommand registrars, in the order of ``zkclaims --help``. Append new ones here.


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_demo_claim(sub)
