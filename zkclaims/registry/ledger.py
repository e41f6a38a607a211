"""The ledger's own rules: the beneficiary's history and duplicates by statement.

Pure functions over what one transaction read (a :class:`MemberState`), so the store can apply
them under its lock and the tests can check them without a database.

* History for the verifier (spec §5 renewal): the paid claim with the latest delivery day
  gives ``last_delivery`` and ``previous_commitment``.
* Duplicates by statement, never by proof bytes (a Groth16 proof is malleable: flipping sign
  bits of A and B gives another valid proof of the same statement): a claim whose equipment
  proof is about a commitment already paid for the same beneficiary, inside the renewal period
  (2 years from 16, 1 year under 16; spec §5, with the beneficiary's birth date from the
  insurer's record), is ``duplicate_equipment``. The same prescription may serve again once
  the period is over. This overrides an acceptance and the verifier's ``renewal_too_early``
  (the more specific reason); any other rejection stands.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from zkclaims.domain.patient import Beneficiary
from zkclaims.domain.rules import next_renewal_date
from zkclaims.registry.records import ClaimFacts, LedgerHistory, Verdict

__all__ = ["Paid", "MemberState", "history_of", "apply_ledger_rules"]


@dataclass(frozen=True)
class Paid:
    """One paid equipment of a beneficiary (a row of ``payments``)."""

    claim_id: str
    commitment: str
    delivered_on: _dt.date


@dataclass(frozen=True)
class MemberState:
    """What the ledger knows of a beneficiary when a claim is decided.

    ``paid`` is kept latest delivery first (then claim id), whatever order it came in, so two
    reads of the same state compare equal.
    """

    beneficiary: Beneficiary | None
    paid: tuple[Paid, ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.paid, key=lambda p: (p.delivered_on, p.claim_id),
                               reverse=True))
        object.__setattr__(self, "paid", ordered)

    @property
    def history(self) -> LedgerHistory:
        """The history handed to the verifier."""
        return history_of(self.paid)


def history_of(paid: tuple[Paid, ...]) -> LedgerHistory:
    """Return the :class:`LedgerHistory` of paid equipment (any order)."""
    if not paid:
        return LedgerHistory()
    last = max(paid, key=lambda p: (p.delivered_on, p.claim_id))
    return LedgerHistory(last.delivered_on, last.commitment, len(paid))


def _within_period(a: _dt.date, b: _dt.date, birth_date: _dt.date) -> bool:
    """Tell whether the later of two deliveries falls inside the renewal period of the earlier."""
    lo, hi = min(a, b), max(a, b)
    return hi < next_renewal_date(lo, day=hi, patient_birth_date=birth_date)


def apply_ledger_rules(facts: ClaimFacts, verdict: Verdict, state: MemberState) -> Verdict:
    """Return the verdict to record once the ledger's duplicate rule is applied."""
    if state.beneficiary is None or not (
        verdict.accepted or verdict.reason == "renewal_too_early"
    ):
        return verdict
    birth = state.beneficiary.birth_date
    for p in sorted(state.paid, key=lambda p: (p.delivered_on, p.claim_id)):
        if p.commitment == facts.commitment and _within_period(
            p.delivered_on, facts.delivered_on, birth
        ):
            lo = min(p.delivered_on, facts.delivered_on)
            again = next_renewal_date(lo, day=max(p.delivered_on, facts.delivered_on),
                                      patient_birth_date=birth)
            return Verdict.reject(
                "duplicate_equipment",
                f"attestation.commitment: the prescription of this claim was already paid for"
                f" member {facts.member_id} (claim {p.claim_id!r}, delivered"
                f" {p.delivered_on.isoformat()}); the same prescription is covered again from"
                f" {again.isoformat()} (spec §5)",
            )
    return verdict
