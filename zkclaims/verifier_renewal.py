"""Insurer side of the renewal period and of an early renewal (spec §5), for the verifier.

:class:`~zkclaims.verifier.Verifier` calls :func:`plan_renewal` once a bundle passed its checks
(signature, calendar, prices, context, patient tag), verifies the renewal proof, when one is
needed, **together with the equipment proof** (:func:`verify_claim_proofs`: one multi-pairing,
one final exponentiation), and applies the plan after the proofs (:func:`apply_plan`).

Everything comes from the insurer's own records or from signatures, never from the optician:

* ``history`` (:class:`~zkclaims.domain.checks.ClaimHistory`, from the ledger) gives the last
  delivery and the commitment of the previous reimbursed equipment;
* the beneficiary record gives the birth date (age rules);
* the new prescription's attestation (signed) gives its kind, day and medical-situation flag;
* the bundle's ``renewal`` member gives the previous prescription's attestation (its signature
  is checked, its commitment must be the ledger's) and the renewal proof, whose public inputs
  the verifier rebuilds: the ledger's previous commitment, the equipment proof's commitment,
  the criteria **this insurer** accepts, the claim's context.

Reasons: ``renewal_too_early`` (inside the period and no justification, or under one year
from 16 even with one), ``renewal_not_justified`` (the justification does not hold: no
previous commitment on record, another previous prescription, a proof under other criteria,
prescriptions in the wrong order, an optician's adaptation that may not stand), the signature
reasons of the previous attestation (``untrusted_prescriber``, ``revoked_key``,
``bad_signature``), ``unknown_circuit`` / ``retired_circuit`` for the renewal proof's circuit,
``context_mismatch`` for public inputs bound to another claim, ``invalid_proof`` for a renewal
proof that does not verify.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from zkclaims.circuits import find_by_circuit_id
from zkclaims.domain.bundle import ClaimBundle
from zkclaims.domain.checks import ClaimHistory
from zkclaims.domain.models import Decision
from zkclaims.domain.patient import Beneficiary
from zkclaims.domain.renewal import (
    OPTICIAN_ADAPTATION,
    PrescriptionFacts,
    RenewalPublicInputs,
    early_renewal_problem,
    renewal_status,
)
from zkclaims.domain.vision_change import CRITERION_TEXT, RenewalCriterion
from zkclaims.errors import (
    AttestationError,
    ClaimRejected,
    InvalidInputError,
    MalformedInputError,
)
from zkclaims.groth16 import Proof, find_invalid, verify
from zkclaims.groth16.joint import verify_together
from zkclaims.groth16.keys import get_backend_checked
from zkclaims.prescriber import verify_attestation

__all__ = ["RENEWAL_STATEMENT", "RenewalPlan", "plan_renewal", "verify_claim_proofs",
           "verify_renewal_batch", "apply_plan", "accepted_criteria", "criteria_names"]

#: Name of the early-renewal statement, before its rules version (``circuits/renewal.py``;
#: not imported from there: the verifier loads no circuit code).
RENEWAL_STATEMENT = "optique-renouvellement"


@dataclass(frozen=True)
class RenewalPlan:
    """What the renewal period asks of one bundle, decided before its proofs are checked.

    ``status``: ``first`` (no earlier equipment), ``due`` (period over), ``medical`` (no delay,
    signed medical situation), ``early`` (justified by the renewal proof, if it verifies);
    ``note`` goes into the decision's reasons (None: nothing to add); ``rejection`` is raised
    after the proofs (the verifier's order of reasons); ``proof`` is the renewal proof to
    check with the equipment proof: ``(verifying key, public inputs, proof)``.
    """

    status: str
    note: str | None = None
    rejection: ClaimRejected | None = None
    proof: tuple[Any, list[int], Proof] | None = None


def criteria_names(criteria: RenewalCriterion | int) -> str:
    """``"criteria 1, 2, 3, 4"`` for a mask (the numbers of spec §5; 16 is "3 (addition)")."""
    names = []
    for c in RenewalCriterion:
        if c & int(criteria):
            names.append(CRITERION_TEXT[c].split(":")[0].removeprefix("criterion ")
                         .replace(", addition reading", " (addition reading)"))
    return "criteria " + ", ".join(names)


def accepted_criteria(verifier: Any) -> RenewalCriterion:
    """Return the criteria the verifier's insurer accepts (default: its rules version's)."""
    value = getattr(verifier, "renewal_criteria", None)
    return RenewalCriterion(value if value is not None else verifier.rules.renewal_criteria)


def plan_renewal(
    verifier: Any,
    bundle: ClaimBundle,
    beneficiary: Beneficiary,
    history: ClaimHistory | None,
    today: _dt.date | None = None,
) -> RenewalPlan:
    """Decide what the renewal period asks of ``bundle`` (see the module docstring).

    An optician's adaptation (``optician_adaptation`` attestation) stands only at a renewal
    and under the adapted prescription: it always needs the ``renewal`` member (the previous
    prescription is the adapted one) and never stands for a first equipment. ``today`` is
    the day of the check (signatures and revocation lists are checked on it).

    Raises nothing for a claim it refuses: the refusal is the plan's ``rejection``, raised by
    :func:`apply_plan` after the proofs. Raises :class:`InvalidInputError` for a ``history``
    that is not a :class:`ClaimHistory`.
    """
    if history is not None and not isinstance(history, ClaimHistory):
        raise InvalidInputError("history", type(history).__name__,
                                "must be a ClaimHistory from the insurer's ledger")
    last = None if history is None else history.last_delivery
    facts = PrescriptionFacts.of(bundle.attestation)
    delivered = bundle.claim.delivered_on
    try:
        status, why = renewal_status(
            last_delivery=last, delivered_on=delivered,
            patient_birth_date=beneficiary.birth_date, new=facts,
            short_renewal_under_6=getattr(verifier, "short_renewal_under_6", False),
        )
    except InvalidInputError:
        assert last is not None
        return RenewalPlan("early", rejection=ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {delivered.isoformat()} is before the last reimbursed"
            f" delivery {last.isoformat()} in the insurer's records"))
    adaptation = facts.kind == OPTICIAN_ADAPTATION
    if adaptation and status == "first":
        return RenewalPlan(status, rejection=ClaimRejected(
            "prescription_not_valid",
            "attestation.kind: an optician's adaptation stands only at a renewal, under the"
            " adapted prescription (CSP D4362-12-1), and the insurer's records hold no earlier"
            " equipment"))
    if status == "medical":
        return RenewalPlan(status, why)
    if status != "early" and not adaptation:
        return RenewalPlan(status)
    evidence = bundle.renewal
    if evidence is None:
        if adaptation:
            return RenewalPlan(status, rejection=ClaimRejected(
                "renewal_not_justified",
                "renewal: an optician's adaptation needs the renewal member (the adapted"
                " prescription's attestation and the proof of the change against it)"))
        return RenewalPlan(status, rejection=ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {why}; the bundle carries no early-renewal justification"
            " (renewal proof) and the prescription flags no medical situation"))
    assert history is not None and last is not None
    try:
        proof = _check_evidence(verifier, bundle, history, today)
    except ClaimRejected as exc:
        return RenewalPlan(status, rejection=exc)
    problem = early_renewal_problem(
        last_delivery=last, delivered_on=delivered, patient_birth_date=beneficiary.birth_date,
        new=facts, previous=PrescriptionFacts.of(evidence.previous_attestation),
    )
    if problem is not None:
        return RenewalPlan(status, rejection=ClaimRejected(*problem))
    accepted = RenewalCriterion(evidence.public_inputs.criteria)
    kind = "the optician's adaptation" if adaptation else (
        f"the {facts.prescriber_kind}'s prescription")
    change = (f"a change of vision between the previous prescription and {kind} of"
              f" {facts.issued_on.isoformat()}, proven in zero knowledge under"
              f" {criteria_names(accepted)}")
    if status == "early":
        note = f"early renewal: {why}; justified by {change}"
    else:
        note = f"renewal with an optician's adaptation of the previous prescription: {change}"
    return RenewalPlan(status, note, proof=proof)


def _check_evidence(
    verifier: Any, bundle: ClaimBundle, history: ClaimHistory, today: _dt.date | None
) -> tuple[Any, list[int], Proof]:
    """Check the renewal member against the ledger and the claim; return what to verify."""
    evidence = bundle.renewal
    assert evidence is not None
    if history.previous_commitment is None:
        raise ClaimRejected(
            "renewal_not_justified",
            "history.previous_commitment: the insurer's records hold no commitment for the"
            " previous equipment, so no change of vision can be checked against it")
    vk = verifier.verifying_key(evidence.circuit_id)
    name = find_by_circuit_id(evidence.circuit_id) or ""
    if name != f"{RENEWAL_STATEMENT}-{verifier.rules.version}":
        raise ClaimRejected("unknown_circuit", f"renewal.circuit_id: {name or 'unknown'} is not"
                            " an early-renewal statement")
    previous = evidence.previous_attestation
    try:
        verify_attestation(previous, verifier.trusted, on_day=today)
    except AttestationError as exc:
        reason = getattr(exc, "reason", "bad_signature")
        raise ClaimRejected(reason, "renewal.previous_attestation: "
                            + str(exc).removeprefix(f"{reason}: ")) from None
    if previous.commitment != history.previous_commitment:
        raise ClaimRejected(
            "renewal_not_justified",
            "renewal.previous_attestation.commitment: not the commitment of the previous"
            " reimbursed equipment in the insurer's records: the change must be shown against"
            " the prescription the insurer paid for")
    accepted = accepted_criteria(verifier)
    claimed = evidence.public_inputs
    if claimed.criteria != int(accepted):
        raise ClaimRejected(
            "renewal_not_justified",
            f"renewal.public_inputs.criteria: the proof is for {criteria_names(claimed.criteria)}"
            f" (mask {claimed.criteria}); this insurer accepts {criteria_names(accepted)} (mask"
            f" {int(accepted)}): prove under exactly that set")
    expected = RenewalPublicInputs(
        previous_commitment=history.previous_commitment,
        new_commitment=bundle.attestation.commitment,
        criteria=int(accepted),
        claim_context=str(bundle.context()),
    )
    if expected != claimed:
        diff = [f"renewal.public_inputs.{k}" for k in type(expected).model_fields
                if getattr(expected, k) != getattr(claimed, k)]
        raise ClaimRejected("context_mismatch", f"{', '.join(diff)}: not the claim's (the"
                            " equipment proof's commitment and the claim context)")
    proof = Proof.from_bytes(bytes.fromhex(evidence.proof), circuit_id=evidence.circuit_id)
    return vk, expected.as_list(), proof


def verify_claim_proofs(
    equipment: tuple[Any, list[int], Proof], plan: RenewalPlan | None, *, backend: Any = None
) -> None:
    """Verify the equipment proof, and the renewal proof of ``plan`` with it, at once.

    One multi-pairing and one final exponentiation for both
    (:func:`zkclaims.groth16.joint.verify_together`); when it fails, each proof is checked
    alone to name the bad one. Raises ``ClaimRejected("invalid_proof")``.
    """
    if plan is None or plan.proof is None:
        if not verify(*equipment, backend=backend):
            raise ClaimRejected("invalid_proof", "proof: the Groth16 proof does not verify")
        return
    try:  # decode (and check) the renewal proof's points first, to name them
        plan.proof[2].points(get_backend_checked(backend))
    except MalformedInputError as exc:
        raise MalformedInputError(f"renewal.{exc}") from None
    if verify_together([equipment, plan.proof], backend=backend):
        return
    if not verify(*equipment, backend=backend):
        raise ClaimRejected("invalid_proof", "proof: the Groth16 proof does not verify")
    raise ClaimRejected("invalid_proof", "renewal.proof: the renewal proof does not verify")


def verify_renewal_batch(
    plans: Mapping[int, RenewalPlan], *, backend: Any = None
) -> dict[int, RenewalPlan]:
    """Batch-verify the renewal proofs of many plans (per key); a bad one becomes a rejection."""
    out = dict(plans)
    groups: dict[int, list[int]] = {}
    for i, plan in plans.items():
        if plan.proof is not None:
            groups.setdefault(id(plan.proof[0]), []).append(i)
    for indices in groups.values():
        vk = plans[indices[0]].proof[0]  # type: ignore[index]
        batch = [(plans[i].proof[1], plans[i].proof[2]) for i in indices]  # type: ignore[index]
        try:
            bad = {k: "invalid_proof" for k in find_invalid(vk, batch, backend=backend)}
        except MalformedInputError:  # a bad point somewhere: check them one by one
            bad = {}
            for k, (public, proof) in enumerate(batch):
                try:
                    if not verify(vk, public, proof, backend=backend):
                        bad[k] = "invalid_proof"
                except MalformedInputError as exc:
                    bad[k] = f"malformed: renewal.{exc}"
        for k, why in bad.items():
            i = indices[k]
            reason, _, detail = why.partition(": ")
            out[i] = replace(plans[i], proof=None, note=None, rejection=ClaimRejected(
                reason, detail or "renewal.proof: the renewal proof does not verify"))
    return out


def apply_plan(plan: RenewalPlan | None, decision: Decision) -> Decision:
    """Raise the plan's rejection, or return ``decision`` with its renewal note."""
    if plan is None:
        return decision
    if plan.rejection is not None:
        raise plan.rejection
    if plan.note is None:
        return decision
    return decision.model_copy(update={"reasons": (*decision.reasons, plan.note)})

