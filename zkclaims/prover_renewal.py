"""Optician side of an early renewal: prove the change of vision between two prescriptions.

:func:`prove_renewal` takes the opening of the prescription of the previous reimbursed
equipment with its signed attestation, and the opening of the new one, and proves the renewal
statement (``circuits/renewal.py``, ``optique-renouvellement-2020``): both commitments open
for the same patient and a criterion of spec §5 that the insurer accepts holds. Before any
proving work it checks, in clear text, what the insurer would refuse
(:class:`~zkclaims.errors.ClaimRejected`, reason ``renewal_not_justified``): a change that
meets none of the accepted criteria, a new prescription not later than the previous one, an
optician's adaptation that may not stand (:mod:`zkclaims.domain.renewal`).

:func:`prove_claim_with_renewal` is what a tiers-payant claim uses: the same checks, then
**one** proof of the renewal claim statement (``circuits/renewal_claim.py``,
``optique-equipement-renouvellement-2020``: the equipment statement and the renewal relation
over one opening of the new commitment); the bundle then carries ``renewal``
(:class:`~zkclaims.domain.renewal.RenewalClaimEvidence`): the previous attestation and the
criteria mask. :func:`prove_renewal`'s separate proof (``zkclaims-renewal/v1``) is still
accepted beside an equipment proof; it costs more. Neither prescription, nor the patient, nor
which criterion holds is in a bundle.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from zkclaims.circuits import circuit_info, proving_statement
from zkclaims.circuits.renewal import CIRCUIT_NAME, RenewalCircuit
from zkclaims.domain.attestation import Attestation
from zkclaims.domain.bundle import ClaimBundle
from zkclaims.domain.invoice import Claim
from zkclaims.domain.lpp import TariffTable
from zkclaims.domain.models import Equipment
from zkclaims.domain.renewal import (
    OPTICIAN_ADAPTATION,
    PrescriptionFacts,
    RenewalEvidence,
    RenewalPublicInputs,
    optician_adaptation_problems,
)
from zkclaims.domain.rules import RULES_2020, Rules
from zkclaims.domain.vision_change import (
    CRITERION_TEXT,
    RenewalCriterion,
    criteria_mask,
    renewal_criteria_met,
)
from zkclaims.errors import (
    ClaimRejected,
    InvalidInputError,
    ProofError,
    UnsatisfiedConstraintError,
)
from zkclaims.field import R
from zkclaims.prescriber import Opening

__all__ = ["renewal_statement", "renewal_witness", "prove_renewal", "prove_claim_with_renewal"]


def renewal_statement() -> tuple[Any, Any, Any]:
    """``(r1cs, qap, proving_key)`` of the renewal statement (checked against each other)."""
    return proving_statement(RenewalCircuit(), CIRCUIT_NAME)


def renewal_witness(
    previous: Opening, new: Opening, *, criteria: int, claim_context: int
) -> list[int]:
    """Return the full witness of the renewal statement.

    Raises :class:`ProofError` naming the failing constraint when the statement does not hold
    (two patients, no accepted criterion met, a bad opening).
    """
    assignment = {
        "previous_commitment": previous.commitment_int,
        "new_commitment": new.commitment_int,
        "criteria": int(criteria),
        "claim_context": claim_context,
        "previous_packed": previous.packed,
        "new_packed": new.packed,
        "patient": new.patient_element,
        "previous_blinding": previous.blinding_int,
        "new_blinding": new.blinding_int,
    }
    try:
        return RenewalCircuit().witness(assignment)
    except UnsatisfiedConstraintError as exc:
        raise ProofError(f"renewal: the statement does not hold: {exc}") from None


def _check_pair(
    previous_opening: Opening,
    previous_attestation: Attestation,
    new_opening: Opening,
    new_attestation: Attestation | None,
    criteria: RenewalCriterion,
    delivered_on: _dt.date | None,
) -> None:
    """Run the clear-text checks of an early renewal that need no ledger (prover side)."""
    for name, value, kind in (("previous_opening", previous_opening, Opening),
                              ("new_opening", new_opening, Opening),
                              ("previous_attestation", previous_attestation, Attestation)):
        if not isinstance(value, kind):
            raise InvalidInputError(name, type(value).__name__, f"must be a {kind.__name__}")
    previous_opening.check()
    new_opening.check()
    prev_rx, new_rx = previous_opening.prescription, new_opening.prescription
    att = previous_attestation
    if att.commitment != previous_opening.commitment:
        raise InvalidInputError("previous_attestation.commitment", att.commitment,
                                "is not the previous opening's commitment")
    if att.prescription_day != prev_rx.issued_on:
        raise InvalidInputError(
            "previous_attestation.prescription_day", att.prescription_day.isoformat(),
            f"differs from the previous prescription's day {prev_rx.issued_on.isoformat()}")
    if previous_opening.patient != new_opening.patient:
        raise InvalidInputError(
            "previous_opening.patient", "(not shown)",
            "is not the new opening's patient (INS and birth date): a renewal compares two"
            " prescriptions of the same patient",
        )
    if new_rx.issued_on <= prev_rx.issued_on:
        raise ClaimRejected(
            "renewal_not_justified",
            f"new_opening.prescription.issued_on: {new_rx.issued_on.isoformat()} is not later"
            f" than the previous prescription ({prev_rx.issued_on.isoformat()})",
        )
    met = renewal_criteria_met(prev_rx, new=new_rx)
    if not met & criteria:
        others = " (it meets " + ", ".join(
            CRITERION_TEXT[c].split(":")[0] for c in RenewalCriterion if c & met
        ) + ", not accepted)" if met else ""
        raise ClaimRejected(
            "renewal_not_justified",
            f"renewal: the new prescription meets none of the accepted criteria"
            f" (mask {int(criteria)}){others}: an early renewal cannot be proven (spec §5)",
        )
    if (new_attestation is not None
            and PrescriptionFacts.of(new_attestation).kind == OPTICIAN_ADAPTATION):
        problems = optician_adaptation_problems(
            adapted_on=new_attestation.prescription_day,
            delivered_on=delivered_on or new_attestation.prescription_day,
            original=PrescriptionFacts.of(att), patient_birth_date=new_opening.patient.birth_date,
        )
        if problems:
            raise ClaimRejected("renewal_not_justified",
                                "optician's adaptation: " + "; ".join(problems))


def prove_renewal(
    previous_opening: Opening,
    *,
    previous_attestation: Attestation,
    new_opening: Opening,
    claim_context: int,
    criteria: RenewalCriterion | int,
    new_attestation: Attestation | None = None,
    delivered_on: _dt.date | None = None,
    backend: str | None = None,
) -> RenewalEvidence:
    """Prove that ``new_opening`` justifies an early renewal after ``previous_opening``.

    ``criteria`` is the set of criteria the insurer accepts (its public mask; the 2020 rules:
    :data:`~zkclaims.domain.vision_change.RULES_2020_CRITERIA`); ``claim_context`` the
    equipment claim's. ``new_attestation`` and ``delivered_on``, when given, let the prover
    check an optician's adaptation as the insurer will. Raises
    :class:`~zkclaims.errors.InvalidInputError` (naming the field) for openings that do not
    match, :class:`~zkclaims.errors.ClaimRejected` (``renewal_not_justified``) before any
    proving work when the insurer would refuse the renewal.
    """
    criteria = criteria_mask(criteria, "criteria")
    _check_pair(previous_opening, previous_attestation, new_opening, new_attestation, criteria,
                delivered_on)
    if isinstance(claim_context, bool) or not isinstance(claim_context, int) or not (
        0 <= claim_context < R
    ):
        raise InvalidInputError("claim_context", claim_context, "must be an int in [0, r)")
    from zkclaims.groth16 import prove

    r1cs, qap, pk = renewal_statement()
    witness = renewal_witness(previous_opening, new_opening, criteria=int(criteria),
                              claim_context=claim_context)
    proof = prove(pk, qap, witness, backend=backend)
    public = RenewalPublicInputs(
        previous_commitment=previous_opening.commitment,
        new_commitment=new_opening.commitment,
        criteria=int(criteria),
        claim_context=str(claim_context),
    )
    if public.as_list() != witness[1 : 1 + r1cs.n_public]:  # pragma: no cover - invariant
        raise ProofError("renewal.public_inputs: differ from the witness's")

    return RenewalEvidence(
        circuit_id=circuit_info(CIRCUIT_NAME)["circuit_id"],
        previous_attestation=previous_attestation,
        public_inputs=public,
        proof=proof.to_bytes().hex(),
    )


def prove_claim_with_renewal(
    opening: Opening,
    *,
    attestation: Attestation,
    equipment: Equipment,
    claim: Claim,
    previous_opening: Opening,
    previous_attestation: Attestation,
    renewal_criteria: RenewalCriterion | int | None = None,
    rules: Rules = RULES_2020,
    backend: str | None = None,
    today: _dt.date | None = None,
    tariffs: TariffTable | None = None,
) -> ClaimBundle:
    """Prove an equipment claim and its early renewal in one proof; return the bundle.

    The renewal is checked first (nothing is proven when the insurer would refuse it), then
    the claim as by :func:`zkclaims.prover.prove_claim` (same checks, same errors); the proof
    is of the renewal claim statement (``optique-equipement-renouvellement-2020``: the
    equipment and the change of vision over one opening of the new commitment) and the
    bundle's ``renewal`` member a :class:`~zkclaims.domain.renewal.RenewalClaimEvidence`.
    ``renewal_criteria``: the insurer's accepted set (default: ``rules.renewal_criteria``);
    ``tariffs``: as for :func:`~zkclaims.prover.prove_claim`.
    """
    from zkclaims.prover import RenewalPart, check_claim, prove_checked

    criteria = criteria_mask(rules.renewal_criteria if renewal_criteria is None
                             else renewal_criteria, "renewal_criteria")
    if not isinstance(attestation, Attestation):
        raise InvalidInputError("attestation", type(attestation).__name__,
                                "must be an Attestation")
    _check_pair(previous_opening, previous_attestation, opening, attestation, criteria,
                getattr(claim, "delivered_on", None))
    checked = check_claim(opening, attestation=attestation, equipment=equipment, claim=claim,
                          rules=rules, today=today, tariffs=tariffs)
    return prove_checked(checked, backend=backend, renewal=RenewalPart(
        previous_opening, previous_attestation, int(criteria)))
