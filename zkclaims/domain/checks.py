"""The checks a claim must pass before anyone proves or verifies it (one function, both sides).

:func:`precheck_claim` is run by the optician's prover (:func:`zkclaims.prover.prove_claim`,
``zkclaims prove``) **before any proving work**, so that a claim the insurer is certain to
refuse costs no proof, and by the insurer's verifier (:class:`zkclaims.verifier.Verifier`)
with the same reason codes:

* ``delivery_in_future`` — the delivery day is after ``today``;
* ``claim_too_late`` — the delivery is more than the insurer's claim deadline before
  ``today`` (a setting; None: no deadline);
* ``delivery_before_prescription`` — delivered before the prescription day;
* ``rules_not_in_force`` — the rules version does not apply on the delivery day;
* ``prescription_not_valid`` — the patient's birth date is after the prescription day, or
  the prescription is no longer valid on the delivery day (spec §6: a physician's is valid
  1 year under 16, 5 years from 16 to 42, 3 years over 42, by age at the prescription; an
  orthoptist's 2 years). An optician's adaptation has none of its own: its adapted
  prescription's validity is checked with the renewal justification it needs
  (:mod:`zkclaims.verifier_renewal`).

The birth date is the patient's: the prover reads it from the opening (the prescriber
committed to it), the verifier from its own beneficiary record (the same one when the claim
is for that patient; the proof's patient tag checks it).

:func:`check_renewal` is the insurer's renewal period (spec §5) against its own ledger
(:class:`ClaimHistory`), never against anything in the bundle.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import field_validator

from zkclaims.domain.base import Model
from zkclaims.domain.lpp import TariffTable, price_elements
from zkclaims.domain.models import PrescriberKind
from zkclaims.domain.packing import field_element_text
from zkclaims.domain.rules import RULES_2020, Rules, next_renewal_date, valid_on, validity_end
from zkclaims.errors import ClaimRejected, InvalidInputError

__all__ = ["PRECHECK_REASONS", "precheck_claim", "price_invoice", "ClaimHistory", "check_renewal"]

#: The reasons of :func:`precheck_claim`, in the order it checks them.
PRECHECK_REASONS = (
    "delivery_in_future",
    "claim_too_late",
    "delivery_before_prescription",
    "rules_not_in_force",
    "prescription_not_valid",
)


def _date(value: object, field: str) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    raise InvalidInputError(field, value, "must be a datetime.date (not a datetime or text)")


def precheck_claim(
    delivered_on: _dt.date,
    *,
    prescription_day: _dt.date,
    prescriber_kind: PrescriberKind | str,
    birth_date: _dt.date,
    rules: Rules = RULES_2020,
    today: _dt.date | None = None,
    claim_deadline_days: int | None = None,
) -> None:
    """Raise :class:`~zkclaims.errors.ClaimRejected` when the claim must be refused.

    Reasons, in this order: ``delivery_in_future``, ``claim_too_late``,
    ``delivery_before_prescription``, ``rules_not_in_force``, ``prescription_not_valid`` (see
    the module docstring). ``today`` defaults to the local date; ``claim_deadline_days`` is the
    insurer's deadline in days after delivery (None: none). Bad argument types raise
    :class:`~zkclaims.errors.InvalidInputError`.
    """
    delivered_on = _date(delivered_on, "delivered_on")
    prescription_day = _date(prescription_day, "prescription_day")
    birth_date = _date(birth_date, "birth_date")
    today = _dt.date.today() if today is None else _date(today, "today")
    if claim_deadline_days is not None and (
        isinstance(claim_deadline_days, bool) or not isinstance(claim_deadline_days, int)
        or claim_deadline_days < 0
    ):
        raise InvalidInputError("claim_deadline_days", claim_deadline_days,
                                "must be a number of days >= 0, or None for no deadline")
    if not isinstance(rules, Rules):
        raise InvalidInputError("rules", type(rules).__name__, "must be a Rules (RULES_2020)")
    kind = PrescriberKind(prescriber_kind)
    if delivered_on > today:
        raise ClaimRejected(
            "delivery_in_future",
            f"claim.delivered_on: {delivered_on.isoformat()} is after today"
            f" ({today.isoformat()})",
        )
    if claim_deadline_days is not None and (today - delivered_on).days > claim_deadline_days:
        raise ClaimRejected(
            "claim_too_late",
            f"claim.delivered_on: {delivered_on.isoformat()} is {(today - delivered_on).days}"
            f" days before today ({today.isoformat()}); the insurer's claim deadline is"
            f" {claim_deadline_days} days",
        )
    if delivered_on < prescription_day:
        raise ClaimRejected(
            "delivery_before_prescription",
            f"claim.delivered_on: {delivered_on.isoformat()} is before the prescription day"
            f" {prescription_day.isoformat()}",
        )
    if not rules.in_force_on(delivered_on):
        raise ClaimRejected(
            "rules_not_in_force",
            f"claim.delivered_on: rules {rules.version} apply from"
            f" {rules.in_force_from.isoformat()} (got {delivered_on.isoformat()})",
        )
    if birth_date > prescription_day:
        raise ClaimRejected(
            "prescription_not_valid",
            f"birth_date: the patient's birth date {birth_date.isoformat()} is after the"
            f" prescription day {prescription_day.isoformat()}",
        )
    if kind is PrescriberKind.OPTICIAN:
        # An optician's adaptation has no validity period of its own (CSP D4362-12-1): it
        # stands under the adapted prescription's, checked with the renewal justification
        # that must carry it (zkclaims.verifier_renewal, docs/renewal.md).
        return
    if not valid_on(delivered_on, issued_on=prescription_day, prescriber_kind=kind,
                    patient_birth_date=birth_date):
        end = validity_end(issued_on=prescription_day, prescriber_kind=kind,
                           patient_birth_date=birth_date)
        raise ClaimRejected(
            "prescription_not_valid",
            f"claim.delivered_on: the {kind.value}'s prescription of"
            f" {prescription_day.isoformat()} was valid up to {end.isoformat()}, not on"
            f" {delivered_on.isoformat()} (spec §6, patient born {birth_date.isoformat()})",
        )


class ClaimHistory(Model):
    """What the insurer's ledger knows of the beneficiary's last reimbursed equipment.

    ``last_delivery`` is its delivery day (None: no earlier equipment on record);
    ``previous_commitment`` the commitment of its prescription (the early-renewal proof
    compares the new prescription with it). Always from the insurer's own records (the
    registry), never from a bundle.
    """

    last_delivery: _dt.date | None = None
    previous_commitment: str | None = None

    @field_validator("previous_commitment", mode="before")
    @classmethod
    def _fe(cls, v: object) -> str | None:
        return None if v is None else field_element_text(v, "previous_commitment")


def check_renewal(
    history: ClaimHistory | None,
    *,
    delivered_on: _dt.date,
    birth_date: _dt.date,
    short_renewal_under_6: bool = False,
) -> None:
    """Raise ``ClaimRejected("renewal_too_early")`` inside the renewal period (spec §5).

    One equipment per 2 years from 16, per year under 16 (age on the new delivery day), from
    the last reimbursed delivery of the insurer's ledger. ``short_renewal_under_6``: the
    insurer applies the 6-month period under 6 (the LPP ties it to a frame that no longer
    fits; sources disagree whether that must be shown, and nothing in a claim proves it, so
    it is the insurer's setting). No history, or no earlier delivery: nothing to check. A
    justified early renewal (a change of vision) is its own proof (issue 11), not this check.
    """
    if history is None or history.last_delivery is None:
        return
    delivered_on = _date(delivered_on, "delivered_on")
    birth_date = _date(birth_date, "birth_date")
    last = history.last_delivery
    if delivered_on < last:
        raise ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {delivered_on.isoformat()} is before the last reimbursed"
            f" delivery {last.isoformat()} in the insurer's records",
        )
    first = next_renewal_date(last, day=delivered_on, patient_birth_date=birth_date,
                              require_frame_fit_under_6=not short_renewal_under_6)
    if delivered_on < first:
        raise ClaimRejected(
            "renewal_too_early",
            f"claim.delivered_on: {delivered_on.isoformat()} is before"
            f" {first.isoformat()}, the end of the renewal period after the last reimbursed"
            f" delivery {last.isoformat()} (spec §5)",
        )


def price_invoice(
    invoice: Any,
    *,
    delivered_on: _dt.date,
    birth_date: _dt.date,
    amo_regime: str = "general",
    tariffs: TariffTable | None = None,
) -> dict[str, Any]:
    """Price an invoice's elements by the law, naming the bundle's field on a rejection.

    :func:`zkclaims.domain.lpp.price_elements` of ``invoice`` (an
    :class:`~zkclaims.domain.invoice.Invoice`), its messages prefixed ``invoice.``.
    The prover calls it before proving when given the insurer's table, the verifier on every
    claim: a classe A price above the law's cap is ``classe_a_price_above_cap`` on both sides.
    """
    try:
        return price_elements(invoice.lines(), delivered_on=delivered_on, birth_date=birth_date,
                              amo_regime=amo_regime, tariffs=tariffs)
    except ClaimRejected as exc:
        message = str(exc).removeprefix(f"{exc.reason}: ")
        if message.startswith(("right", "left", "frame")):
            message = f"invoice.{message}"
        raise ClaimRejected(exc.reason, message) from None
