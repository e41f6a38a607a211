"""Renewal before the period ends (spec §5): who may, when, on what justification — clear text.

The period itself is :func:`zkclaims.domain.rules.next_renewal_date` (2 years from 16, 1 year
under 16, 6 months under 6 when the frame no longer fits). This module holds what an insurer
checks, in clear text, around an early renewal, from facts it holds or that a prescriber
signed (:class:`PrescriptionFacts`: an attestation's kind, prescriber kind, day and
medical-situation flag), never from the optician's word:

* :func:`medical_situation_applies` — a medical situation of the LPP list (glaucoma, AMD,
  diabetic retinopathy, keratoconus, recent cataract or refractive surgery, ...) allows a
  renewal **without delay** on a new physician's prescription that says so (the flag is
  signed by the prescriber; an optician's or orthoptist's flag does not count);
* :func:`early_renewal_earliest` — with a change of vision proven (criteria of
  :mod:`zkclaims.domain.vision_change`): from 16, one year after the last delivery; under 16,
  no minimum delay (age on the day of the new delivery);
* :func:`optician_adaptation_problems` — an optician's adaptation of a still-valid
  prescription at renewal (CSP L4362-10, D4362-12-1) may stand for the new prescription: the
  patient is 16 or over, the adapted prescription is a physician's (not itself an adaptation),
  still valid (spec §6) on the adaptation day and on the delivery day;
* :func:`renewal_status` and :func:`early_renewal_problem` — the verdict the verifier applies.

The claim bundle carries the justification in its optional ``renewal`` member, in one of two
forms:

* :class:`RenewalClaimEvidence` (``zkclaims-renewal/v2``, what the prover makes): the previous
  prescription's attestation (signed, with its commitment) and the criteria mask; the bundle's
  own proof is then of the renewal claim statement (``optique-equipement-renouvellement-2020``),
  which proves the equipment and the change of vision at once;
* :class:`RenewalEvidence` (``zkclaims-renewal/v1``, two proofs): the previous attestation and a
  separate proof of the renewal statement (``optique-renouvellement-2020``) with its circuit id
  and public inputs (:class:`RenewalPublicInputs`); the bundle's proof is the equipment
  statement's. Still accepted; it costs more to prove and to verify.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BeforeValidator, Field, field_validator

from zkclaims.domain.attestation import Attestation
from zkclaims.domain.base import Model
from zkclaims.domain.packing import field_element_text
from zkclaims.domain.rules import age_on, next_renewal_date, validity_end
from zkclaims.domain.vision_change import RenewalCriterion, criteria_mask
from zkclaims.errors import InvalidInputError

__all__ = [
    "PRESCRIPTION",
    "OPTICIAN_ADAPTATION",
    "ADAPTATION_MIN_AGE",
    "PrescriptionFacts",
    "medical_situation_applies",
    "early_renewal_earliest",
    "optician_adaptation_problems",
    "renewal_status",
    "early_renewal_problem",
    "RENEWAL_FORMAT",
    "RenewalPublicInputs",
    "RenewalEvidence",
    "RENEWAL_CLAIM_FORMAT",
    "RenewalClaimEvidence",
]

#: Attestation kinds (attestation v2): a prescriber's prescription, an optician's adaptation.
PRESCRIPTION = "prescription"
OPTICIAN_ADAPTATION = "optician_adaptation"
#: An optician may adapt a prescription for patients of this age and over (CSP L4362-10).
ADAPTATION_MIN_AGE = 16


def _text(value: object) -> str:
    return str(getattr(value, "value", value))


class PrescriptionFacts(NamedTuple):
    """What a signed attestation tells the insurer about a prescription (no eye in it).

    ``kind``: ``"prescription"`` or ``"optician_adaptation"``; ``prescriber_kind``:
    ``"physician"``, ``"orthoptist"`` or ``"optician"``; ``issued_on``: the day signed;
    ``medical_situation``: the prescriber's signed flag.
    """

    kind: str
    prescriber_kind: str
    issued_on: _dt.date
    medical_situation: bool = False

    @classmethod
    def of(cls, attestation: object) -> PrescriptionFacts:
        """Read the facts of an attestation.

        A v1 attestation is a physician's or orthoptist's prescription, without the flag.
        """
        return cls(
            kind=_text(getattr(attestation, "kind", PRESCRIPTION)),
            prescriber_kind=_text(attestation.prescriber_kind),  # type: ignore[attr-defined]
            issued_on=attestation.prescription_day,  # type: ignore[attr-defined]
            medical_situation=bool(getattr(attestation, "medical_situation", False)),
        )


def medical_situation_applies(facts: PrescriptionFacts) -> bool:
    """Tell whether a new prescription waives the delay for a medical situation (spec §5).

    Only a physician's prescription counts ("a new ophthalmologist's prescription"; the trust
    store registers ophthalmologists as physicians), and only with the flag it signed.
    """
    return (
        bool(facts.medical_situation)
        and _text(facts.kind) == PRESCRIPTION
        and _text(facts.prescriber_kind) == "physician"
    )


def early_renewal_earliest(
    last_delivery: _dt.date, *, day: _dt.date, patient_birth_date: _dt.date
) -> _dt.date:
    """First day an equipment may be covered after ``last_delivery`` on a proven change.

    From 16 (age on ``day``, the new delivery): one year after the last delivery; under 16:
    no minimum delay (spec §5).
    """
    return next_renewal_date(last_delivery, day=day, patient_birth_date=patient_birth_date,
                             vision_changed=True)


def optician_adaptation_problems(
    *,
    adapted_on: _dt.date,
    delivered_on: _dt.date,
    original: PrescriptionFacts,
    patient_birth_date: _dt.date,
) -> list[str]:
    """Why an optician's adaptation of ``original`` may not stand for a new prescription.

    Empty when it may (CSP L4362-10, D4362-12-1; spec §5-§6): the patient is 16 or over on
    ``adapted_on``; ``original`` is a physician's prescription (not an adaptation, not an
    orthoptist's); it was issued before the adaptation and is still valid (spec §6, by the
    age at its issue) on the adaptation day and on the delivery day. Whether the physician
    objected to adaptations is not in the attestation: that check stays with the optician.
    """
    problems = []
    age = age_on(patient_birth_date, adapted_on)
    if age < ADAPTATION_MIN_AGE:
        problems.append(
            f"the patient is {age} on the adaptation day {adapted_on.isoformat()}: an optician"
            f" adapts prescriptions from {ADAPTATION_MIN_AGE} only (CSP L4362-10)"
        )
    if _text(original.kind) != PRESCRIPTION or _text(original.prescriber_kind) != "physician":
        problems.append(
            f"the adapted prescription is a {_text(original.prescriber_kind)}'s"
            f" {_text(original.kind).replace('_', ' ')}: an optician adapts a physician's"
            " prescription only"
        )
        return problems
    if adapted_on < original.issued_on:
        problems.append(
            f"the adaptation ({adapted_on.isoformat()}) is before the prescription it adapts"
            f" ({original.issued_on.isoformat()})"
        )
        return problems
    end = validity_end(
        issued_on=original.issued_on, prescriber_kind="physician",
        patient_birth_date=patient_birth_date,
    )
    for what, day in (("adaptation", adapted_on), ("delivery", delivered_on)):
        if day > end:
            problems.append(
                f"the physician's prescription of {original.issued_on.isoformat()} is valid"
                f" until {end.isoformat()}, not on the {what} day {day.isoformat()} (spec §6)"
            )
    return problems


def renewal_status(
    *,
    last_delivery: _dt.date | None,
    delivered_on: _dt.date,
    patient_birth_date: _dt.date,
    new: PrescriptionFacts,
    short_renewal_under_6: bool = False,
) -> tuple[Literal["first", "due", "medical", "early"], str]:
    """Where a new delivery stands against the renewal period; ``(status, explanation)``.

    ``"first"``: no earlier equipment on record; ``"due"``: the period is over; ``"medical"``:
    early, but a new physician's prescription on or after the last delivery flags a medical
    situation (no delay); ``"early"``: early, so an early-renewal justification is needed.
    ``short_renewal_under_6``: the insurer applies the 6-month period under 6 (spec §5).
    Raises :class:`InvalidInputError` when ``delivered_on`` is before ``last_delivery``.
    """
    if last_delivery is None:
        return "first", "no earlier equipment on record"
    if delivered_on < last_delivery:
        raise InvalidInputError(
            "delivered_on", delivered_on.isoformat(),
            f"is before the last delivery on record ({last_delivery.isoformat()})",
        )
    due = next_renewal_date(last_delivery, day=delivered_on, patient_birth_date=patient_birth_date,
                            require_frame_fit_under_6=not short_renewal_under_6)
    if delivered_on >= due:
        return "due", f"renewal period over on {due.isoformat()} (spec §5)"
    if medical_situation_applies(new) and new.issued_on >= last_delivery:
        return "medical", (
            f"renewal before {due.isoformat()} without delay: the physician's prescription of"
            f" {new.issued_on.isoformat()} flags a medical situation (spec §5)"
        )
    return "early", (
        f"delivered {delivered_on.isoformat()}, before the end of the renewal period on"
        f" {due.isoformat()} after the last delivery on {last_delivery.isoformat()} (spec §5)"
    )


def early_renewal_problem(
    *,
    last_delivery: _dt.date,
    delivered_on: _dt.date,
    patient_birth_date: _dt.date,
    new: PrescriptionFacts,
    previous: PrescriptionFacts,
) -> tuple[str, str] | None:
    """Clear-text conditions of an early renewal whose change of vision is proven.

    Returns None when they hold, else ``(reason, message)`` with reason
    ``"renewal_not_justified"`` (the prescriptions are not a renewal's: the new one is not
    later than the previous one, or not after the last delivery; an optician's adaptation
    that may not stand) or ``"renewal_too_early"`` (from 16, one year at least).
    """
    if new.issued_on <= previous.issued_on:
        return "renewal_not_justified", (
            f"the new prescription ({new.issued_on.isoformat()}) is not later than the"
            f" previous one ({previous.issued_on.isoformat()}): no change of vision since"
        )
    if new.issued_on < last_delivery:
        return "renewal_not_justified", (
            f"the new prescription ({new.issued_on.isoformat()}) predates the last delivery"
            f" ({last_delivery.isoformat()}): a change of vision is seen after it"
        )
    if _text(new.kind) == OPTICIAN_ADAPTATION:
        problems = optician_adaptation_problems(
            adapted_on=new.issued_on, delivered_on=delivered_on, original=previous,
            patient_birth_date=patient_birth_date,
        )
        if problems:
            return "renewal_not_justified", "optician's adaptation: " + "; ".join(problems)
    earliest = early_renewal_earliest(last_delivery, day=delivered_on,
                                      patient_birth_date=patient_birth_date)
    if delivered_on < earliest:
        return "renewal_too_early", (
            f"even with a change of vision, a patient of 16 or over renews one year after the"
            f" last delivery: not before {earliest.isoformat()} (spec §5)"
        )
    return None



# ---------------------------------------------------------------------------------------------
# the claim bundle's renewal member
# ---------------------------------------------------------------------------------------------

#: Format tag of the renewal member of a claim bundle.
RENEWAL_FORMAT = "zkclaims-renewal/v1"


def _mask_value(v: Any) -> int:
    try:
        return int(criteria_mask(v))
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from None


#: A criteria mask field (1..31, :class:`RenewalCriterion`).
CriteriaMask = Annotated[int, BeforeValidator(_mask_value), Field(strict=True)]


class RenewalPublicInputs(Model):
    """The renewal proof's public inputs, in circuit order (``circuits/renewal.py``).

    ``criteria`` is the mask of the criteria accepted (:class:`RenewalCriterion`, 1..31);
    field elements as decimal strings.
    """

    previous_commitment: str
    new_commitment: str
    criteria: CriteriaMask
    claim_context: str

    @field_validator("previous_commitment", "new_commitment", "claim_context", mode="before")
    @classmethod
    def _fe(cls, v: Any, info: Any) -> str:
        return field_element_text(v, info.field_name)

    def as_list(self) -> list[int]:
        """Return the four values in circuit order."""
        return [int(self.previous_commitment), int(self.new_commitment), self.criteria,
                int(self.claim_context)]

    @property
    def accepted(self) -> RenewalCriterion:
        """The criteria set the proof is for."""
        return RenewalCriterion(self.criteria)


class RenewalEvidence(Model):
    """The optional ``renewal`` member of a claim bundle: why an early renewal is justified.

    ``previous_attestation`` is the signed attestation of the prescription of the previous
    reimbursed equipment (its commitment must be the one in the insurer's ledger);
    ``public_inputs`` and ``proof`` (192 bytes in hex) are those of the renewal statement
    ``circuit_id``. Neither prescription is in it.
    """

    format: Literal["zkclaims-renewal/v1"] = RENEWAL_FORMAT
    circuit_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    previous_attestation: Attestation
    public_inputs: RenewalPublicInputs
    proof: str = Field(pattern=r"^[0-9a-f]{384}$")



#: Format tag of the renewal member of a bundle proven with the renewal claim statement.
RENEWAL_CLAIM_FORMAT = "zkclaims-renewal/v2"


class RenewalClaimEvidence(Model):
    """The ``renewal`` member of a bundle whose proof is of the renewal claim statement.

    The bundle's one proof (statement ``optique-equipement-renouvellement-2020``) proves the
    equipment and the change of vision together; its public inputs are the bundle's
    ``public_inputs``, then ``previous_attestation.commitment`` and ``criteria``, which the
    verifier takes from the insurer's ledger and its own accepted set, never from here.
    ``previous_attestation``: the signed attestation of the previous reimbursed equipment's
    prescription; ``criteria``: the mask the proof is for (1..31; a mismatch is named before
    any proof check). Neither prescription is in it.
    """

    format: Literal["zkclaims-renewal/v2"] = RENEWAL_CLAIM_FORMAT
    previous_attestation: Attestation
    criteria: CriteriaMask

    @property
    def accepted(self) -> RenewalCriterion:
        """The criteria set the proof is for."""
        return RenewalCriterion(self.criteria)

    def public_suffix(self) -> list[int]:
        """Return the public inputs it claims after the bundle's: commitment, criteria.

        The verifier uses its own: the ledger's previous commitment, its accepted mask.
        """
        return [int(self.previous_attestation.commitment), self.criteria]
