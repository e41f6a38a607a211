"""Optician side: turn an opening, an attestation, an equipment and a claim into a claim bundle.

:func:`prove_claim` checks that the opening opens the attested commitment, classifies each lens
with the rules engine (spec §2), builds the invoice and the claim context, computes the witness
of the equipment statement (``circuits/equipment.py``) and proves it with Groth16 using the
shipped proving key. The resulting :class:`~zkclaims.domain.claim.ClaimBundle` holds no
prescription, blinding or lens usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from zkclaims.circuits import circuit_info, load_proving_key
from zkclaims.circuits.equipment import CIRCUIT_NAME, USAGE_CODES, EquipmentClaimCircuit
from zkclaims.domain.claim import (
    Attestation,
    Claim,
    ClaimBundle,
    PublicInputs,
    claim_context,
    day_number,
    invoice_for,
)
from zkclaims.domain.models import Classe, Equipment, LensClass, LensUsage
from zkclaims.domain.rules import RULES_2020, Rules
from zkclaims.errors import (
    InvalidInputError,
    MalformedInputError,
    ProofError,
    UnsatisfiedConstraintError,
)
from zkclaims.prescriber import Opening

__all__ = ["ClaimBundle", "prove_claim", "equipment_witness", "statement"]


@lru_cache(maxsize=1)
def statement() -> tuple[Any, Any, Any]:
    """``(r1cs, qap, proving_key)`` of the equipment statement, checked against each other.

    Raises :class:`MalformedInputError` when the shipped artifacts were built for another
    version of the circuit (run ``zkclaims circuits build``).
    """
    from zkclaims.groth16 import QAP

    r1cs = EquipmentClaimCircuit().compile()
    info = circuit_info(CIRCUIT_NAME)
    if info["circuit_id"] != r1cs.digest():
        raise MalformedInputError(
            f"circuit_id: the shipped artifacts of {CIRCUIT_NAME} are for {info['circuit_id']},"
            f" the circuit compiles to {r1cs.digest()}: run `zkclaims circuits build`"
        )
    return r1cs, QAP.from_r1cs(r1cs), load_proving_key(CIRCUIT_NAME)


def equipment_witness(
    opening: Opening,
    usages: tuple[LensUsage, LensUsage],
    classes: tuple[LensClass, LensClass],
    context: int,
) -> list[int]:
    """Return the full witness of the equipment statement for the claimed ``classes``.

    Raises :class:`ProofError` naming the lens and the constraint when the statement does not
    hold, e.g. when a claimed class is not the class the rules give (the circuit computes it).
    """
    packed = opening.packed
    assignment = {
        "commitment": opening.commitment_int,
        "class_right": LensClass(classes[0]).code,
        "class_left": LensClass(classes[1]).code,
        "prescription_day": day_number(opening.prescription.issued_on, "issued_on"),
        "claim_context": context,
        "packed": packed,
        "blinding": opening.blinding_int,
        "usage_right": USAGE_CODES[LensUsage(usages[0])],
        "usage_left": USAGE_CODES[LensUsage(usages[1])],
    }
    try:
        return EquipmentClaimCircuit().witness(assignment)
    except UnsatisfiedConstraintError as exc:
        raise ProofError(
            f"claim: the statement does not hold for classes ({LensClass(classes[0]).value},"
            f" {LensClass(classes[1]).value}) and usages ({LensUsage(usages[0]).value},"
            f" {LensUsage(usages[1]).value}): {exc}"
        ) from None


def prove_claim(
    opening: Opening,
    attestation: Attestation,
    equipment: Equipment,
    claim: Claim,
    *,
    amo_cents: Mapping[str, int] | None = None,
    plv_cents: Mapping[str, int] | None = None,
    rules: Rules = RULES_2020,
    backend: str | None = None,
) -> ClaimBundle:
    """Prove that ``equipment`` falls in the bracket its lens classes give, for ``claim``.

    Checks (each raises :class:`~zkclaims.errors.ValidationError` naming the field): the
    opening opens its commitment; the attestation is for that commitment, day and prescriber
    kind; the claim's delivery day is the equipment's. Lens classes come from
    ``rules.classify_lens`` (a near or progressive lens without addition raises
    :class:`~zkclaims.errors.RuleError`). ``amo_cents`` / ``plv_cents`` give the AMO share and
    the classe A legal price cap per element (``"right"``, ``"left"``, ``"frame"``); an AMO
    share above the price, or a classe A element without its cap, raises (the insurer would
    reject the bundle as ``inconsistent_prices``).
    The attestation signature is the insurer's to check (:class:`zkclaims.verifier.Verifier`).
    """
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
    if claim.delivered_on != equipment.delivered_on:
        raise InvalidInputError(
            "claim.delivered_on",
            claim.delivered_on.isoformat(),
            f"differs from equipment.delivered_on {equipment.delivered_on.isoformat()}",
        )
    usages = (equipment.right.usage, equipment.left.usage)
    classes = (
        rules.classify_lens(rx.right, usage=usages[0], side="right"),
        rules.classify_lens(rx.left, usage=usages[1], side="left"),
    )
    invoice = invoice_for(equipment, classes, amo_cents, plv_cents)
    for name, line in invoice.lines().items():  # what the verifier would reject as inconsistent
        if line.amo_cents > line.price_cents:
            raise InvalidInputError(
                f"amo_cents.{name}", line.amo_cents, f"exceeds the price {line.price_cents}"
            )
        if line.classe is Classe.A and line.plv_cents is None:
            raise InvalidInputError(
                f"plv_cents.{name}", None, "a classe A element needs its legal price cap (PLV)"
            )
    r1cs, qap, pk = statement()
    # statement() checked once that the shipped id is r1cs.digest(): no re-hash per proof
    circuit_id = circuit_info(CIRCUIT_NAME)["circuit_id"]
    context = claim_context(claim, invoice, circuit_id)
    witness = equipment_witness(opening, usages, classes, context)
    from zkclaims.groth16 import prove

    proof = prove(pk, qap, witness, backend=backend)
    public = PublicInputs(
        commitment=opening.commitment,
        class_right=classes[0].code,
        class_left=classes[1].code,
        prescription_day=day_number(rx.issued_on, "issued_on"),
        claim_context=str(context),
    )
    if public.as_list() != witness[1 : 1 + r1cs.n_public]:  # pragma: no cover - invariant
        raise ProofError("public_inputs: the witness's public inputs differ from the bundle's")
    return ClaimBundle(
        circuit_id=circuit_id,
        claim=claim,
        invoice=invoice,
        attestation=attestation,
        public_inputs=public,
        proof=proof.to_bytes().hex(),
    )
