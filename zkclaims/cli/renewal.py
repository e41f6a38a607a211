"""Early renewal on the command line: the options of ``prove`` and ``verify``, and the demo part.

``zkclaims prove ... --previous-opening FILE --previous-attestation FILE
[--renewal-criteria SET]`` proves a renewal claim (the equipment and the change of vision
in one proof);
``zkclaims verify ... --last-delivery DATE --previous-commitment C [--renewal-criteria SET]``
checks it against the insurer's record of the previous equipment. ``SET`` is the insurer's
accepted criteria: a mask (``15``) or names separated by commas (``sphere-cylinder,axis``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from zkclaims.cli._common import iso_date, load_model

__all__ = [
    "CRITERIA_HELP",
    "parse_criteria",
    "add_prove_options",
    "add_verify_options",
    "renewal_inputs",
    "history_from_options",
    "renewal_disclosure",
    "demo_renewal",
]

CRITERIA_HELP = (
    "the early-renewal criteria the insurer accepts (spec §5): a mask 1..31, or names separated "
    "by commas among sphere-cylinder (1), addition (2), far-near-sum (4), axis (8), "
    "far-addition-sum (16); default: the rules version's (criteria 1-4, mask 15)"
)


def parse_criteria(text: str | None, what: str) -> Any:
    """Parse ``--renewal-criteria`` into a RenewalCriterion (None when not given)."""
    from zkclaims.domain.vision_change import RenewalCriterion, criteria_mask
    from zkclaims.errors import InvalidInputError

    if text is None:
        return None
    text = text.strip()
    if text.isdigit():
        return criteria_mask(int(text), what)
    mask = 0
    for part in text.split(","):
        name = part.strip().upper().replace("-", "_")
        if name not in RenewalCriterion.__members__:
            raise InvalidInputError(what, part.strip(), CRITERIA_HELP.split(":", 1)[1].strip())
        mask |= RenewalCriterion[name]
    return criteria_mask(mask, what)


def add_prove_options(p: argparse.ArgumentParser) -> None:
    """Add the renewal options of ``zkclaims prove``."""
    g = p.add_argument_group("early renewal (spec §5)")
    g.add_argument("--previous-opening", default=None, metavar="FILE",
                   help="opening of the prescription of the previous reimbursed equipment: "
                   "proves, in the same zero-knowledge proof as the equipment, that the change "
                   "of vision justifies an early renewal (needs --previous-attestation)")
    g.add_argument("--previous-attestation", default=None, metavar="FILE",
                   help="the prescriber's attestation of that previous prescription")
    g.add_argument("--renewal-criteria", default=None, metavar="SET", help=CRITERIA_HELP)


def add_verify_options(p: argparse.ArgumentParser) -> None:
    """Add the renewal options of ``zkclaims verify`` (``--last-delivery`` is the claim's)."""
    g = p.add_argument_group("early renewal (spec §5)")
    g.add_argument("--previous-commitment", default=None, metavar="C",
                   help="with --last-delivery: the commitment of the previous reimbursed "
                   "equipment in the insurer's records (an early renewal is checked against "
                   "it): the number, or the previous claim's bundle or attestation file")
    g.add_argument("--renewal-criteria", default=None, metavar="SET", help=CRITERIA_HELP)


def renewal_inputs(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """``(previous opening, previous attestation)`` from the prove options, or None."""
    from zkclaims.domain.attestation import Attestation
    from zkclaims.errors import InvalidInputError
    from zkclaims.prescriber import Opening

    if args.previous_opening is None and args.previous_attestation is None:
        if args.renewal_criteria is not None:
            raise InvalidInputError("--renewal-criteria", args.renewal_criteria,
                                    "needs --previous-opening and --previous-attestation")
        return None
    if args.previous_opening is None or args.previous_attestation is None:
        given = "--previous-opening" if args.previous_opening else "--previous-attestation"
        raise InvalidInputError(given, args.previous_opening or args.previous_attestation,
                                "give both --previous-opening and --previous-attestation")
    return (load_model(Opening, args.previous_opening, "--previous-opening"),
            load_model(Attestation, args.previous_attestation, "--previous-attestation"))


def history_from_options(args: argparse.Namespace) -> Any:
    """Build the ClaimHistory of ``--last-delivery`` and ``--previous-commitment`` (or None)."""
    from zkclaims.domain.checks import ClaimHistory
    from zkclaims.errors import InvalidInputError

    if args.previous_commitment is not None and args.last_delivery is None:
        raise InvalidInputError("--previous-commitment", args.previous_commitment,
                                "goes with --last-delivery (the previous equipment's day)")
    if args.last_delivery is None:
        return None
    last = iso_date(args.last_delivery, "--last-delivery")
    commitment = args.previous_commitment
    if commitment is not None and not commitment.isdigit():
        commitment = _commitment_from_file(commitment)
    try:
        return ClaimHistory(last_delivery=last, previous_commitment=commitment)
    except InvalidInputError:
        raise InvalidInputError("--previous-commitment", args.previous_commitment,
                                "must be a commitment: a decimal field element below r, as in"
                                " the previous bundle's attestation") from None


def renewal_disclosure(bundle: Any) -> list[tuple[str, str, str]]:
    """(field, value, meaning) for what a bundle's ``renewal`` member discloses (or none)."""
    ren = getattr(bundle, "renewal", None)
    if ren is None:
        return []
    from zkclaims.circuits import find_by_circuit_id
    from zkclaims.verifier_renewal import criteria_names

    att = ren.previous_attestation
    if ren.format == "zkclaims-renewal/v2":
        return [
            ("circuit_id", bundle.circuit_id, "the renewal claim statement: "
             + (find_by_circuit_id(bundle.circuit_id) or "UNKNOWN circuit, verify will reject"
                                                          " it")),
            ("renewal.previous_attestation", f"{att.prescriber_id}, {att.prescriber_kind.value},"
             f" {att.prescription_day.isoformat()}", "who signed the previous prescription, when"),
            ("renewal.previous_attestation.commitment", att.commitment[:20] + "...",
             "its commitment: the insurer takes the one of the equipment it paid for"),
            ("renewal.criteria", f"{ren.criteria} ({criteria_names(ren.criteria)})",
             "the criteria the insurer accepts; not which one holds"),
            ("proof", bundle.proof[:16] + "...",
             "one Groth16 proof of the equipment and of the change of vision"),
        ]
    pub = ren.public_inputs
    return [
        ("renewal.circuit_id", ren.circuit_id, "the early-renewal statement: "
         + (find_by_circuit_id(ren.circuit_id) or "UNKNOWN circuit, verify will reject it")),
        ("renewal.previous_attestation", f"{att.prescriber_id}, {att.prescriber_kind.value},"
         f" {att.prescription_day.isoformat()}", "who signed the previous prescription, when"),
        ("renewal.public_inputs.previous_commitment", pub.previous_commitment[:20] + "...",
         "its commitment: the insurer checks it is the one of the equipment it paid for"),
        ("renewal.public_inputs.new_commitment", pub.new_commitment[:20] + "...",
         "the equipment proof's commitment"),
        ("renewal.public_inputs.criteria", f"{pub.criteria} ({criteria_names(pub.criteria)})",
         "the criteria the insurer accepts; not which one holds"),
        ("renewal.proof", ren.proof[:16] + "...", "Groth16 proof of the change of vision"),
    ]


def _commitment_from_file(path: str) -> Any:
    """Read the commitment of a previous bundle (``attestation.commitment``) or attestation."""
    from zkclaims.cli._common import read_json
    from zkclaims.errors import InputFileError

    doc = read_json(path, "--previous-commitment")
    if isinstance(doc, dict) and isinstance(doc.get("attestation"), dict):
        doc = doc["attestation"]
    if not isinstance(doc, dict) or not isinstance(doc.get("commitment"), str):
        raise InputFileError("--previous-commitment", path,
                             "neither a commitment nor a bundle or attestation file holding one")
    return doc["commitment"]


# --- the demo's early renewal -------------------------------------------------------------------
#: The prescription of the demo patient's previous equipment (delivered 2024-02-01): the same
#: far vision, an addition of +1.50 (the demo's new prescription has +2.00: criterion 2).
DEMO_PREVIOUS_PRESCRIPTION: dict[str, Any] = {
    "right": {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180, "addition": "+1.50"},
    "left": {"sphere": "-5.50", "cylinder": "-1.00", "axis": 0, "addition": "+1.50"},
    "issued_on": "2024-01-10",
    "prescriber_kind": "physician",
}
DEMO_LAST_DELIVERY = "2024-02-01"
#: A new prescription that differs by +0.25 D on the right addition only: no criterion.
DEMO_SMALL_CHANGE: dict[str, Any] = {
    "right": {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180, "addition": "+1.75"},
    "left": {"sphere": "-5.50", "cylinder": "-1.00", "axis": 0, "addition": "+1.50"},
    "issued_on": "2025-03-10",
    "prescriber_kind": "physician",
}


def demo_renewal(
    out: Callable[[str], None],
    *,
    key: Any,
    prescriber_id: str,
    verifier: Any,
    record: Any,
    patient: Any,
    opening: Any,
    attestation: Any,
    equipment: Any,
    claim: Any,
    today: Any,
) -> bool:
    """Print the demo's early renewal: one accepted, one refused; return True when it behaved."""
    import datetime as dt
    import itertools
    import time

    from zkclaims.domain import ClaimHistory, Prescription
    from zkclaims.errors import ClaimRejected
    from zkclaims.prescriber import prescribe
    from zkclaims.prover_renewal import prove_claim_with_renewal

    out("")
    out("5. early renewal: the member's previous equipment was delivered on "
        f"{DEMO_LAST_DELIVERY}, 14 months before this one (2 years from 16, unless the vision "
        "changed: spec §5)")
    prev_rx = Prescription.model_validate(DEMO_PREVIOUS_PRESCRIPTION)
    p_open, p_att = prescribe(prev_rx, patient=patient, key=key, prescriber_id=prescriber_id)
    history = ClaimHistory(last_delivery=dt.date.fromisoformat(DEMO_LAST_DELIVERY),
                           previous_commitment=p_open.commitment)
    renewal_claim = claim.model_copy(update={"claim_id": claim.claim_id + "-R"})
    t0 = time.perf_counter()
    bundle = prove_claim_with_renewal(
        opening, attestation=attestation, equipment=equipment, claim=renewal_claim,
        previous_opening=p_open, previous_attestation=p_att, today=today)
    t_prove = time.perf_counter() - t0
    out(f"   optician proves the claim and the change of vision in {t_prove:.2f} s (one "
        "proof of both; the first includes loading its proving key)")
    ok = True
    from zkclaims.prover import prove_claim

    bare = prove_claim(opening, attestation=attestation, equipment=equipment,
                       claim=renewal_claim, today=today)
    try:
        verifier.verify(bare, beneficiary=record, history=history, today=today)
        out("   the equipment claim alone: ACCEPTED (unexpected!)")
        ok = False
    except ClaimRejected as exc:
        out(f"   the equipment claim alone, without the change: REJECTED ({exc.reason})")
        ok = ok and exc.reason == "renewal_too_early"
    try:
        t0 = time.perf_counter()
        decision = verifier.verify(bundle, beneficiary=record, history=history, today=today)
        t_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        verifier.verify(bundle, beneficiary=record, history=history, today=today)
        t_verify = time.perf_counter() - t0
        out(f"   with it: ACCEPTED in {t_verify * 1000:.1f} ms, one proof for the equipment and"
            f" the change ({t_first * 1000:.0f} ms the first time: its key), insurer pays"
            f" {decision.insurer_total_cents / 100:.2f} €")
        out(f"     - {decision.reasons[-1]}")
    except ClaimRejected as exc:
        out(f"   with it: REJECTED ({exc.reason}) (unexpected!): {exc}")
        ok = False
    ren = bundle.renewal
    assert ren is not None
    assert ren.format == "zkclaims-renewal/v2"
    received = [
        f"circuit_id: {bundle.circuit_id[:16]}... (optique-equipement-renouvellement-2020)",
        f"renewal.previous_attestation: {ren.previous_attestation.prescriber_id},"
        f" {ren.previous_attestation.prescription_day}",
        f"  commitment {ren.previous_attestation.commitment[:16]}... (= its ledger's)",
        f"renewal.criteria: {ren.criteria} (the ones it accepts)",
        f"proof: {bundle.proof[:16]}... (192 bytes: the equipment and the change)",
        "one bit: the change meets an accepted criterion",
    ]
    canon_prev, canon_new = p_open.prescription, opening.prescription
    never = [
        f"previous right eye: {prev_rx.right} (canonical {canon_prev.right})",
        f"previous left eye:  {prev_rx.left}",
        f"new right eye:      {canon_new.right}",
        f"new left eye:       {canon_new.left}",
        "the change: addition +0.50 D on each lens, far vision unchanged",
        "which criterion holds (2: addition), on which lens",
        "that the patient is presbyopic",
        "the blindings; the patient (same in both, proven)",
    ]
    w = max(len(s) for s in received) + 2
    out(f"   {'WHAT THE INSURER RECEIVED (renewal)':<{w}}| WHAT IT NEVER SAW")
    for left, right in itertools.zip_longest(received, never, fillvalue=""):
        out(f"   {left:<{w}}| {right}")
    small_rx = Prescription.model_validate(DEMO_SMALL_CHANGE)
    s_open, s_att = prescribe(small_rx, patient=patient, key=key, prescriber_id=prescriber_id)
    try:
        prove_claim_with_renewal(
            s_open, attestation=s_att, equipment=equipment, claim=renewal_claim,
            previous_opening=p_open, previous_attestation=p_att, today=today)
        out("   a change of +0.25 D on one addition: PROVED (unexpected!)")
        ok = False
    except ClaimRejected as exc:
        out(f"   a change of +0.25 D on one addition only: REFUSED before proving"
            f" ({exc.reason}); the insurer would refuse the claim as renewal_too_early")
        ok = ok and exc.reason == "renewal_not_justified"
    other = ClaimHistory(last_delivery=history.last_delivery,
                         previous_commitment=attestation.commitment)
    try:
        verifier.verify(bundle, beneficiary=record, history=other, today=today)
        out("   against another previous prescription: ACCEPTED (unexpected!)")
        ok = False
    except ClaimRejected as exc:
        out(f"   the same proof against another prescription in the ledger: REJECTED"
            f" ({exc.reason})")
        ok = ok and exc.reason == "renewal_not_justified"
    return ok

