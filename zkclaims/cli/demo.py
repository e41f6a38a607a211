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
DEMO_EQUIPMENT: dict[str, Any] = {
    "right": {"usage": "progressive", "price_cents": 29000, "classe": "B"},
    "left": {"usage": "progressive", "price_cents": 31000, "classe": "B"},
    "frame": {"price_cents": 16000, "classe": "B"},
    "delivered_on": "2025-04-02",
}
DEMO_CLAIM: dict[str, Any] = {
    "insurer": "AMC-75000123",
    "claim_id": "2025-04-000042",
    "optician": "FINESS-750012345",
    "delivered_on": "2025-04-02",
    "patient_birth_date": "1968-06-01",
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


def _demo_claim(out: Callable[[str], None] = print) -> int:
    """Run the whole round trip on the sample data; return 0 when everything behaved."""
    import time

    from zkclaims.domain import Equipment, Prescription
    from zkclaims.domain.claim import Claim, ClaimBundle, Contract
    from zkclaims.errors import ClaimRejected
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim
    from zkclaims.verifier import Verifier

    rx = Prescription.model_validate(DEMO_PRESCRIPTION)
    equipment = Equipment.model_validate(DEMO_EQUIPMENT)
    claim = Claim.model_validate(DEMO_CLAIM)
    contract = Contract.model_validate(DEMO_CONTRACT)

    out("== zkclaims demo: an equipment claim, end to end ==")
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add(DEMO_PRESCRIBER_ID, key)
    opening, attestation = prescribe(rx, key, DEMO_PRESCRIBER_ID)
    out(f"1. prescriber {DEMO_PRESCRIBER_ID} commits to the prescription and signs "
        f"C = {attestation.commitment[:24]}...")
    t0 = time.perf_counter()
    bundle = prove_claim(opening, attestation, equipment, claim,
                         amo_cents={"right": 5, "left": 5, "frame": 3})
    t_prove = time.perf_counter() - t0
    size = len(bundle.model_dump_json())
    out(f"2. optician proves the claim in {t_prove:.2f} s (first proof includes loading the "
        f"proving key): bundle of {size} bytes, proof 192 bytes")
    verifier = Verifier(trusted, contract=contract)
    t0 = time.perf_counter()
    decision = verifier.verify(bundle)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    verifier.verify(bundle)
    t_verify = time.perf_counter() - t0
    out(f"3. insurer verifies in {t_verify * 1000:.1f} ms ({t_first * 1000:.0f} ms the first "
        f"time: loading and preparing the verifying key): ACCEPTED, category "
        f"{decision.category.code}, insurer pays {decision.insurer_total_cents / 100:.2f} €, "
        f"patient {decision.patient_remainder_cents / 100:.2f} €")
    for r in decision.reasons:
        out(f"     - {r}")

    out("")
    received = [
        f"{f}: {v if len(v) <= 40 else v[:24] + '...'}" for f, v, _ in _bundle_disclosure(bundle)
    ]
    canon = opening.prescription
    never = [
        f"right eye: {rx.right} (canonical {canon.right})",
        f"left eye:  {rx.left} (canonical {canon.left})",
        f"right lens: {equipment.right.usage.value} design",
        f"left lens:  {equipment.left.usage.value} design",
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
    ok = True
    data = bundle.model_dump(mode="json")
    # a) the optician upgrades the left lens to very complex in the invoice only
    t1 = json.loads(json.dumps(data))
    t1["invoice"]["left"]["lens_class"] = "very_complex"
    # b) ... and also rewrites the public inputs to match (new class and recomputed context)
    b2 = ClaimBundle.model_validate(t1)
    t2 = json.loads(json.dumps(t1))
    t2["public_inputs"] = b2.expected_public_inputs().model_dump(mode="json")
    # c) the same proof replayed on another claim id
    t3 = json.loads(json.dumps(data))
    t3["claim"]["claim_id"] = "2025-04-000043"
    b3 = ClaimBundle.model_validate(t3)
    t3["public_inputs"] = b3.expected_public_inputs().model_dump(mode="json")
    for label, tampered, expected in (
        ("left lens class changed to very_complex", t1, "context_mismatch"),
        ("... with public inputs recomputed to match", t2, "invalid_proof"),
        ("proof replayed on another claim id", t3, "invalid_proof"),
    ):
        try:
            verifier.verify(tampered)
            out(f"   {label}: ACCEPTED (unexpected!)")
            ok = False
        except ClaimRejected as exc:
            out(f"   {label}: REJECTED ({exc.reason})")
            ok = ok and exc.reason == expected
    return EXIT_OK if ok else EXIT_INVALID


def _add_demo_claim(sub: Sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole round trip on sample data (prescriber, optician, insurer)",
        description="Sign a sample prescription, prove the equipment claim, verify it as the "
        "insurer (what it received beside what it never saw), then reject tampered bundles. "
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
