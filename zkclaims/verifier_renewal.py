"""Insurer side of the renewal period and of an early renewal (spec §5), for the verifier.

:class:`~zkclaims.verifier.Verifier` calls :func:`plan_renewal` once a bundle passed its checks
(signature, calendar, prices, context, patient tag), verifies the bundle's proof with what the
plan says (:func:`verify_claim_proofs`), and applies the plan after the proofs
(:func:`apply_plan`). A justification comes in one of two forms:

* a renewal claim (``zkclaims-renewal/v2``): the bundle's one proof is of the renewal claim
  statement (equipment and change of vision); its last two public inputs are the ledger's
  previous commitment and the criteria **this insurer** accepts (:attr:`RenewalPlan.suffix`);
* the two-proof form (``zkclaims-renewal/v1``): an equipment proof and a separate proof of the
  renewal statement, whose public inputs the verifier rebuilds (the ledger's previous
  commitment, the equipment proof's commitment, the insurer's criteria, the claim's context),
  both checked in one multi-pairing and one final exponentiation.

Everything comes from the insurer's own records or from signatures, never from the optician:

* ``history`` (:class:`~zkclaims.domain.checks.ClaimHistory`, from the ledger) gives the last
  delivery and the commitment of the previous reimbursed equipment;
* the beneficiary record gives the birth date (age rules);
* the new prescription's attestation (signed) gives its kind, day and medical-situation flag;
* the bundle's ``renewal`` member gives the previous prescription's attestation (its signature
  is checked, its commitment must be the ledger's).

Reasons: ``renewal_too_early`` (inside the period and no justification, or under one year
from 16 even with one), ``renewal_not_justified`` (the justification does not hold: no
previous commitment on record, another previous prescription, a proof under other criteria,
a renewal claim proof without its member or a member without its proof, prescriptions in the
wrong order, an optician's adaptation that may not stand), the signature reasons of the
previous attestation (``untrusted_prescriber``, ``revoked_key``, ``bad_signature``),
``unknown_circuit`` / ``retired_circuit`` for a separate renewal proof's circuit,
``context_mismatch`` for its public inputs bound to another claim, ``invalid_proof`` for a
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
    RenewalClaimEvidence,
    RenewalEvidence,
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

__all__ = ["RENEWAL_STATEMENT", "RENEWAL_CLAIM_STATEMENT", "RenewalPlan", "is_renewal_claim",
           "plan_renewal", "proof_public_inputs", "verify_claim_proofs",
           "verify_renewal_batch", "apply_plan", "accepted_criteria", "criteria_names"]

#: Name of the early-renewal statement, before its rules version (``circuits/renewal.py``;
#: not imported from there: the verifier loads no circuit code).
RENEWAL_STATEMENT = "optique-renouvellement"
#: Name of the renewal claim statement (equipment and renewal in one proof,
#: ``circuits/renewal_claim.py``), before its rules version.
RENEWAL_CLAIM_STATEMENT = "optique-equipement-renouvellement"


def is_renewal_claim(verifier: Any, bundle: ClaimBundle) -> bool:
    """Tell whether ``bundle``'s proof is of the renewal claim statement of these rules."""
    name = find_by_circuit_id(bundle.circuit_id)
    return name == f"{RENEWAL_CLAIM_STATEMENT}-{verifier.rules.version}"


@dataclass(frozen=True)
class RenewalPlan:
    """What the renewal period asks of one bundle, decided before its proofs are checked.

    ``status``: ``first`` (no earlier equipment), ``due`` (period over), ``medical`` (no delay,
    signed medical situation), ``early`` (justified by the renewal proof, if it verifies);
    ``note`` goes into the decision's reasons (None: nothing to add); ``rejection`` is raised
    after the proofs (the verifier's order of reasons); ``proof`` is a separate renewal proof
    (``zkclaims-renewal/v1``) to check with the equipment proof: ``(verifying key, public
    inputs, proof)``. ``joint``: the bundle's proof is of the renewal claim statement; its
    last public inputs are then ``suffix`` (the ledger's previous commitment, the insurer's
    criteria), or None when they cannot be had (``rejection`` says why, and the proof is not
    checked).
    """

    status: str
    note: str | None = None
    rejection: ClaimRejected | None = None
    proof: tuple[Any, list[int], Proof] | None = None
    joint: bool = False
    suffix: tuple[int, int] | None = None


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
    joint = is_renewal_claim(verifier, bundle)
    try:
        status, why = renewal_status(
            last_delivery=last, delivered_on=delivered,
            patient_birth_date=beneficiary.birth_date, new=facts,
            short_renewal_under_6=getattr(verifier, "short_renewal_under_6", False),
        )
    except InvalidInputError:
        assert last is not None
        return RenewalPlan("early", joint=joint, rejection=ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {delivered.isoformat()} is before the last reimbursed"
            f" delivery {last.isoformat()} in the insurer's records"))
    adaptation = facts.kind == OPTICIAN_ADAPTATION
    if adaptation and status == "first":
        return RenewalPlan(status, joint=joint, rejection=ClaimRejected(
            "prescription_not_valid",
            "attestation.kind: an optician's adaptation stands only at a renewal, under the"
            " adapted prescription (CSP D4362-12-1), and the insurer's records hold no earlier"
            " equipment"))
    evidence = bundle.renewal
    if joint:
        return _plan_joint(verifier, bundle, beneficiary, history, today, status, why)
    if status == "medical":
        return RenewalPlan(status, why)
    if status != "early" and not adaptation:
        return RenewalPlan(status)
    if not isinstance(evidence, RenewalEvidence):
        if isinstance(evidence, RenewalClaimEvidence):
            return RenewalPlan(status, rejection=ClaimRejected(
                "renewal_not_justified",
                f"renewal: a {evidence.format} member goes with a proof of the renewal claim"
                f" statement ({RENEWAL_CLAIM_STATEMENT}-{verifier.rules.version}); this"
                f" bundle's proof is of {find_by_circuit_id(bundle.circuit_id)}, which proves"
                " no change of vision"))
        if adaptation:
            return RenewalPlan(status, rejection=ClaimRejected(
                "renewal_not_justified",
                "renewal: an optician's adaptation needs the renewal member (the adapted"
                " prescription's attestation and the proof of the change against it)"))
        return RenewalPlan(status, rejection=ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {why}; the bundle carries no early-renewal justification"
            " (renewal proof) and the prescription flags no medical situation"))
    assert history is not None
    try:
        proof = _check_evidence(verifier, bundle, history, today)
    except ClaimRejected as exc:
        return RenewalPlan(status, rejection=exc)
    return _early_plan(bundle, beneficiary, history, status, why, evidence.previous_attestation,
                       RenewalCriterion(evidence.public_inputs.criteria), proof=proof)


def _plan_joint(
    verifier: Any,
    bundle: ClaimBundle,
    beneficiary: Beneficiary,
    history: ClaimHistory | None,
    today: _dt.date | None,
    status: str,
    why: str,
) -> RenewalPlan:
    """Plan a bundle proven with the renewal claim statement (``zkclaims-renewal/v2``).

    Its proof is checked whatever the period says. When the claim needs no justification (no
    earlier equipment, the period over, a medical situation), the statement still proves the
    equipment whatever its last two public inputs, so they are the member's own and nothing
    else of the member is relied on: an optician who proved a renewal the insurer's records
    do not need is paid as for an equipment claim. Otherwise they are the ledger's previous
    commitment and the insurer's criteria, after the checks of :func:`_check_previous`.
    """
    evidence = bundle.renewal
    name = f"{RENEWAL_CLAIM_STATEMENT}-{verifier.rules.version}"
    if not isinstance(evidence, RenewalClaimEvidence):
        got = "no renewal member" if evidence is None else f"a {evidence.format} member"
        return RenewalPlan(status, joint=True, rejection=ClaimRejected(
            "renewal_not_justified",
            f"renewal: the proof is of {name}, which needs a zkclaims-renewal/v2 member (the"
            f" previous prescription's attestation and the criteria); the bundle has {got}"))
    adaptation = PrescriptionFacts.of(bundle.attestation).kind == OPTICIAN_ADAPTATION
    if status in ("first", "due", "medical") and not adaptation:
        previous_commitment, criteria = evidence.public_suffix()
        return RenewalPlan(status, why if status == "medical" else None, joint=True,
                           suffix=(previous_commitment, criteria))
    assert history is not None and history.last_delivery is not None  # early, or adaptation
    try:
        suffix = _check_previous(verifier, bundle, history, today, evidence.previous_attestation,
                                 evidence.criteria)
    except ClaimRejected as exc:
        return RenewalPlan(status, joint=True, rejection=exc)
    plan = _early_plan(bundle, beneficiary, history, status, why, evidence.previous_attestation,
                       RenewalCriterion(evidence.criteria))
    return replace(plan, joint=True, suffix=suffix)


def _early_plan(
    bundle: ClaimBundle,
    beneficiary: Beneficiary,
    history: ClaimHistory,
    status: str,
    why: str,
    previous_attestation: Any,
    accepted: RenewalCriterion,
    proof: tuple[Any, list[int], Proof] | None = None,
) -> RenewalPlan:
    """Apply the clear-text conditions of a proven change (:func:`early_renewal_problem`)."""
    facts = PrescriptionFacts.of(bundle.attestation)
    last = history.last_delivery
    assert last is not None
    problem = early_renewal_problem(
        last_delivery=last, delivered_on=bundle.claim.delivered_on,
        patient_birth_date=beneficiary.birth_date, new=facts,
        previous=PrescriptionFacts.of(previous_attestation),
    )
    if problem is not None:
        return RenewalPlan(status, rejection=ClaimRejected(*problem))
    kind = "the optician's adaptation" if facts.kind == OPTICIAN_ADAPTATION else (
        f"the {facts.prescriber_kind}'s prescription")
    change = (f"a change of vision between the previous prescription and {kind} of"
              f" {facts.issued_on.isoformat()}, proven in zero knowledge under"
              f" {criteria_names(accepted)}")
    if status == "early":
        note = f"early renewal: {why}; justified by {change}"
    else:
        note = f"renewal with an optician's adaptation of the previous prescription: {change}"
    return RenewalPlan(status, note, proof=proof)


def _check_previous(
    verifier: Any, bundle: ClaimBundle, history: ClaimHistory, today: _dt.date | None,
    previous: Any, claimed_criteria: int,
) -> tuple[int, int]:
    """Check the previous attestation and the criteria against the ledger and the insurer.

    Returns ``(previous commitment from the ledger, accepted criteria)``, the renewal public
    inputs that are not the claim's.
    """
    previous_commitment = _ledger_commitment(history)
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
    if claimed_criteria != int(accepted):
        field = ("renewal.criteria" if isinstance(bundle.renewal, RenewalClaimEvidence)
                 else "renewal.public_inputs.criteria")
        raise ClaimRejected(
            "renewal_not_justified",
            f"{field}: the proof is for {criteria_names(claimed_criteria)}"
            f" (mask {claimed_criteria}); this insurer accepts {criteria_names(accepted)} (mask"
            f" {int(accepted)}): prove under exactly that set")
    return previous_commitment, int(accepted)


def _ledger_commitment(history: ClaimHistory) -> int:
    """Return the ledger's commitment of the previous equipment (or refuse the renewal)."""
    if history.previous_commitment is None:
        raise ClaimRejected(
            "renewal_not_justified",
            "history.previous_commitment: the insurer's records hold no commitment for the"
            " previous equipment, so no change of vision can be checked against it")
    return int(history.previous_commitment)


def _check_evidence(
    verifier: Any, bundle: ClaimBundle, history: ClaimHistory, today: _dt.date | None
) -> tuple[Any, list[int], Proof]:
    """Check a separate renewal proof's member (v1) against the ledger and the claim."""
    evidence = bundle.renewal
    assert isinstance(evidence, RenewalEvidence)
    _ledger_commitment(history)  # named before the circuit's checks
    vk = verifier.verifying_key(evidence.circuit_id)
    name = find_by_circuit_id(evidence.circuit_id) or ""
    if name != f"{RENEWAL_STATEMENT}-{verifier.rules.version}":
        raise ClaimRejected("unknown_circuit", f"renewal.circuit_id: {name or 'unknown'} is not"
                            " an early-renewal statement")
    previous_commitment, accepted = _check_previous(
        verifier, bundle, history, today, evidence.previous_attestation,
        evidence.public_inputs.criteria)
    claimed = evidence.public_inputs
    expected = RenewalPublicInputs(
        previous_commitment=str(previous_commitment),
        new_commitment=bundle.attestation.commitment,
        criteria=accepted,
        claim_context=str(bundle.context()),
    )
    if expected != claimed:
        diff = [f"renewal.public_inputs.{k}" for k in type(expected).model_fields
                if getattr(expected, k) != getattr(claimed, k)]
        raise ClaimRejected("context_mismatch", f"{', '.join(diff)}: not the claim's (the"
                            " equipment proof's commitment and the claim context)")
    proof = Proof.from_bytes(bytes.fromhex(evidence.proof), circuit_id=evidence.circuit_id)
    return vk, expected.as_list(), proof


def proof_public_inputs(public: list[int], plan: RenewalPlan | None) -> list[int]:
    """Return the public inputs of the bundle's proof: the equipment ones, then ``suffix``.

    For a renewal claim statement's proof (``plan.joint``) without a suffix, raises the plan's
    rejection (the proof cannot be checked). Unchanged otherwise.
    """
    if plan is None or not plan.joint:
        return public
    if plan.suffix is None:
        assert plan.rejection is not None
        raise plan.rejection
    return [*public, *plan.suffix]


def verify_claim_proofs(
    equipment: tuple[Any, list[int], Proof], plan: RenewalPlan | None, *, backend: Any = None
) -> None:
    """Verify the bundle's proof, and a separate renewal proof of ``plan`` with it, at once.

    The bundle's proof's public inputs are :func:`proof_public_inputs` (which raises the
    plan's rejection when they cannot be had). Two proofs are checked with one
    multi-pairing and one final exponentiation
    (:func:`zkclaims.groth16.joint.verify_together`); when that fails, each proof is checked
    alone to name the bad one. Raises ``ClaimRejected("invalid_proof")``.
    """
    vk, public, proof = equipment
    equipment = (vk, proof_public_inputs(public, plan), proof)
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

