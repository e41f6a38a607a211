"""Optician side: turn an opening, an attestation, an equipment and a claim into a claim bundle.

:func:`prove_claim` checks the opening against the attestation, runs the shared pre-check
(:func:`zkclaims.domain.checks.precheck_claim`, the insurer's calendar checks) **before any
proving work**, classifies each lens with the rules engine (spec §2), builds the invoice
(designs, classes, grouping codes) and checks it as the insurer will
(:func:`zkclaims.domain.invoice.check_invoice`), then computes the claim context, the
per-claim patient tag and the witness of the equipment statement (``circuits/equipment.py``)
and proves it with Groth16 using the shipped proving key (:func:`check_claim` and
:func:`prove_checked` are the two halves; a renewal claim adds a :class:`RenewalPart`, proven
in the same proof: :mod:`zkclaims.prover_renewal`). The bundle holds no prescription,
no patient identity, no blinding and no far/near usage.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from zkclaims.circuits import circuit_info, proving_statement
from zkclaims.circuits.equipment import CIRCUIT_NAME, EquipmentClaimCircuit, lens_inputs
from zkclaims.circuits.renewal_claim import CIRCUIT_NAME as RENEWAL_CLAIM_NAME
from zkclaims.circuits.renewal_claim import RenewalClaimCircuit
from zkclaims.commitment import patient_tag
from zkclaims.domain.attestation import Attestation
from zkclaims.domain.bundle import ClaimBundle, PublicInputs, claim_context
from zkclaims.domain.checks import precheck_claim, price_invoice
from zkclaims.domain.invoice import Claim, check_invoice, invoice_for
from zkclaims.domain.lpp import TariffTable
from zkclaims.domain.models import Equipment, LensClass, LensDesign
from zkclaims.domain.packing import day_number
from zkclaims.domain.renewal import RenewalClaimEvidence
from zkclaims.domain.rules import RULES_2020, Rules
from zkclaims.errors import (
    InvalidInputError,
    ProofError,
    UnsatisfiedConstraintError,
)
from zkclaims.prescriber import Opening

# check_claim, prove_checked, CheckedClaim and RenewalPart are prove_claim's two halves, for
# zkclaims.prover_renewal; not part of the public API.
__all__ = ["ClaimBundle", "prove_claim", "equipment_witness", "equipment_assignment",
           "statement"]


def statement() -> tuple[Any, Any, Any]:
    """``(r1cs, qap, proving_key)`` of the equipment statement (checked against each other)."""
    return proving_statement(EquipmentClaimCircuit(), CIRCUIT_NAME)


def equipment_witness(
    opening: Opening,
    *,
    designs: Sequence[LensDesign | str],
    nears: Sequence[int],
    classes: Sequence[LensClass | str],
    context: int,
) -> list[int]:
    """Return the full witness of the equipment statement for the claimed lenses.

    ``designs`` (public), ``nears`` (private: 1 for a unifocal lens for near vision) and
    ``classes`` (public) are (right, left). Raises :class:`ProofError` naming the lens and the
    constraint when the statement does not hold, e.g. when a claimed class is not the class
    the rules give for that design (the circuit computes it).
    """
    d = [LensDesign(x) for x in designs]
    c = [LensClass(x) for x in classes]
    return _witness(EquipmentClaimCircuit(), equipment_assignment(
        opening, designs=d, nears=nears, classes=c, context=context), d, c, nears)


def _witness(circuit: Any, assignment: dict[str, int], designs: Sequence[LensDesign],
             classes: Sequence[LensClass], nears: Sequence[int]) -> list[int]:
    """``circuit``'s witness, or :class:`ProofError` naming the lenses and the constraint."""
    try:
        return circuit.witness(assignment)
    except UnsatisfiedConstraintError as exc:
        d, c = designs, classes
        raise ProofError(
            f"claim: the statement {circuit.name} does not hold for ({d[0].value} {c[0].value},"
            f" {d[1].value} {c[1].value}) with near flags {tuple(nears)}: {exc}"
        ) from None


def equipment_assignment(
    opening: Opening,
    *,
    designs: Sequence[LensDesign],
    nears: Sequence[int],
    classes: Sequence[LensClass],
    context: int,
) -> dict[str, int]:
    """Return the equipment statement's inputs by name (:func:`equipment_witness`'s)."""
    d, c = designs, classes
    tag = patient_tag(opening.patient_element, context)
    return {
        "commitment": opening.commitment_int,
        "patient_tag": tag,
        "design_right": d[0].code,
        "class_right": c[0].code,
        "design_left": d[1].code,
        "class_left": c[1].code,
        "prescription_day": day_number(opening.prescription.issued_on, "issued_on"),
        "claim_context": context,
        "packed": opening.packed,
        "patient": opening.patient_element,
        "blinding": opening.blinding_int,
        "near_right": nears[0],
        "near_left": nears[1],
    }


def _check_opening(opening: Opening, attestation: Attestation) -> None:
    opening.check()
    rx = opening.prescription
    if attestation.commitment != opening.commitment:
        raise InvalidInputError(
            "attestation.commitment", attestation.commitment, "differs from the opening's"
        )
    if attestation.prescription_day != rx.issued_on:
        raise InvalidInputError(
            "attestation.prescription_day",
            attestation.prescription_day.isoformat(),
            f"differs from the prescription's issue day {rx.issued_on.isoformat()}",
        )
    if attestation.prescriber_kind is not rx.prescriber_kind:
        raise InvalidInputError(
            "attestation.prescriber_kind",
            attestation.prescriber_kind.value,
            f"differs from the prescription's {rx.prescriber_kind.value}",
        )


def prove_claim(
    opening: Opening,
    *,
    attestation: Attestation,
    equipment: Equipment,
    claim: Claim,
    rules: Rules = RULES_2020,
    backend: str | None = None,
    today: _dt.date | None = None,
    tariffs: TariffTable | None = None,
) -> ClaimBundle:
    """Prove that ``equipment`` falls in the bracket its lens designs and classes give.

    In order, before any proving work: the opening opens its commitment and matches the
    attestation (commitment, day, prescriber kind) and the claim's delivery day is the
    equipment's (:class:`~zkclaims.errors.InvalidInputError` naming the field); the shared
    pre-check with the patient's birth date from the opening and ``today`` (default: the
    local date) raises :class:`~zkclaims.errors.ClaimRejected` with the insurer's reason
    (``delivery_in_future``, ``delivery_before_prescription``, ``rules_not_in_force``,
    ``prescription_not_valid``); lens classes come from ``rules.classify_lens`` (a near or
    progressive lens without addition raises :class:`~zkclaims.errors.RuleError`); the
    invoice's grouping codes are checked (``ClaimRejected`` ``grouping_code_mismatch``); with
    ``tariffs`` (the LPP table the insurer uses, :func:`zkclaims.domain.lpp.load_tariffs`)
    the law's classe A price caps too (``classe_a_price_above_cap``, naming the element and
    the cap). The attestation's signature and the insurer's deadline are the insurer's to
    check, and it checks the caps again against its own table
    (:class:`zkclaims.verifier.Verifier`).
    """
    return prove_checked(check_claim(opening, attestation=attestation, equipment=equipment,
                                     claim=claim, rules=rules, today=today, tariffs=tariffs),
                         backend=backend)


class CheckedClaim(NamedTuple):
    """An equipment claim past the prover's checks: what its proof needs."""

    opening: Opening
    attestation: Attestation
    claim: Claim
    invoice: Any
    classes: tuple[LensClass, LensClass]
    usages: tuple[Any, Any]


class RenewalPart(NamedTuple):
    """What a renewal claim proves beyond the equipment.

    The previous opening (checked by :mod:`zkclaims.prover_renewal`), its signed attestation
    and the accepted criteria mask.
    """

    previous_opening: Opening
    previous_attestation: Attestation
    criteria: int


def check_claim(
    opening: Opening,
    *,
    attestation: Attestation,
    equipment: Equipment,
    claim: Claim,
    rules: Rules = RULES_2020,
    today: _dt.date | None = None,
    tariffs: TariffTable | None = None,
) -> CheckedClaim:
    """Every check of :func:`prove_claim`, in its order; return what the proof needs."""
    for name, value, kind in (("attestation", attestation, Attestation),
                              ("equipment", equipment, Equipment), ("claim", claim, Claim),
                              ("opening", opening, Opening)):
        if not isinstance(value, kind):
            raise InvalidInputError(name, type(value).__name__, f"must be a {kind.__name__}")
    _check_opening(opening, attestation)
    rx = opening.prescription
    if claim.delivered_on != equipment.delivered_on:
        raise InvalidInputError(
            "claim.delivered_on",
            claim.delivered_on.isoformat(),
            f"differs from equipment.delivered_on {equipment.delivered_on.isoformat()}",
        )
    birth = opening.patient.birth_date
    precheck_claim(claim.delivered_on, prescription_day=rx.issued_on,
                   prescriber_kind=rx.prescriber_kind, birth_date=birth, rules=rules,
                   today=today)
    usages = (equipment.right.usage, equipment.left.usage)
    classes = (
        rules.classify_lens(rx.right, usage=usages[0], side="right"),
        rules.classify_lens(rx.left, usage=usages[1], side="left"),
    )
    invoice = invoice_for(equipment, classes=classes, birth_date=birth)
    check_invoice(invoice)
    if tariffs is not None:  # the law's caps; the AMO regime changes amounts, not caps
        if not isinstance(tariffs, TariffTable):
            raise InvalidInputError("tariffs", type(tariffs).__name__,
                                    "must be a TariffTable (zkclaims.domain.lpp.load_tariffs)")
        price_invoice(invoice, delivered_on=claim.delivered_on, birth_date=birth,
                      tariffs=tariffs)
    return CheckedClaim(opening, attestation, claim, invoice, classes, usages)


def prove_checked(
    checked: CheckedClaim, *, backend: str | None = None, renewal: RenewalPart | None = None
) -> ClaimBundle:
    """Build the witness of a checked claim, prove it, return the bundle.

    With ``renewal``, the statement is the renewal claim statement (equipment and change of
    vision in one proof) and the bundle's ``renewal`` member is a
    :class:`~zkclaims.domain.renewal.RenewalClaimEvidence`.
    """
    from zkclaims.groth16.proving import start_proof

    opening, attestation, claim, invoice, classes, usages = checked
    circuit = EquipmentClaimCircuit() if renewal is None else RenewalClaimCircuit()
    name = CIRCUIT_NAME if renewal is None else RENEWAL_CLAIM_NAME
    r1cs, qap, pk = proving_statement(circuit, name)
    # proving_statement checked once that the shipped id is r1cs.digest(): no re-hash per proof
    circuit_id = circuit_info(name)["circuit_id"]
    context = claim_context(claim, invoice, circuit_id)
    lenses = [lens_inputs(u) for u in usages]
    designs = [LensDesign.from_code(d) for d, _ in lenses]
    nears = [n for _, n in lenses]
    assignment = equipment_assignment(opening, designs=designs, nears=nears, classes=classes,
                                      context=context)
    member = None
    if renewal is not None:
        previous = renewal.previous_opening
        assignment.update(previous_commitment=previous.commitment_int,
                          criteria=int(renewal.criteria), previous_packed=previous.packed,
                          previous_blinding=previous.blinding_int)
        member = RenewalClaimEvidence(previous_attestation=renewal.previous_attestation,
                                      criteria=int(renewal.criteria))
    witness = _witness(circuit, assignment, designs, classes, nears)
    pending = start_proof(pk, qap, witness, backend=backend)  # the MSMs run on worker threads
    rx = opening.prescription
    public = PublicInputs(
        commitment=opening.commitment,
        patient_tag=str(witness[2]),
        design_right=lenses[0][0],
        class_right=classes[0].code,
        design_left=lenses[1][0],
        class_left=classes[1].code,
        prescription_day=day_number(rx.issued_on, "issued_on"),
        claim_context=str(context),
    )
    suffix = [] if member is None else member.public_suffix()
    if public.as_list() + suffix != witness[1 : 1 + r1cs.n_public]:  # pragma: no cover
        raise ProofError("public_inputs: the witness's public inputs differ from the bundle's")

    return ClaimBundle(
        circuit_id=circuit_id,
        claim=claim,
        invoice=invoice,
        attestation=attestation,
        public_inputs=public,
        proof=pending.result().to_bytes().hex(),
        renewal=member,
    )
