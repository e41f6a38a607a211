"""Insurer side: check a claim bundle and return a reimbursement decision.

:class:`Verifier` checks, in this order, and rejects with :class:`~zkclaims.errors.ClaimRejected`
whose ``reason`` is one of :data:`REASONS`:

1. ``unknown_circuit`` — the bundle's circuit id has no shipped verifying key (or its
   statement is not the one of the verifier's rules version); ``wrong_insurer`` — the claim
   is addressed to another insurer than the verifier's ``insurer`` (when one is set);
   ``birth_date_mismatch`` — the claim's ``patient_birth_date`` differs from the beneficiary's
   birth date in the insurer's own records (when the caller passes
   ``beneficiary_birth_date``);
2. ``inconsistent_prices`` — the invoice does not add up (total, AMO share above a price, a lens
   without class, a classe A element without its legal price cap);
3. ``untrusted_prescriber`` / ``bad_signature`` — the attestation (Ed25519) is not from a
   trusted prescriber key registered for that prescriber kind, or its signature fails;
4. ``delivery_before_prescription`` — delivered before the prescription day;
5. ``rules_not_in_force`` — the rules version does not apply on the delivery day;
   ``prescription_not_valid`` — not valid on the delivery day (spec §6: 1 / 5 / 3 years by
   age at the prescription for a physician, 2 years for an orthoptist), or the patient's
   birth date is after the prescription day;
6. ``context_mismatch`` — the public inputs differ from what the bundle's claim, invoice and
   attestation imply (the claim context is recomputed: a proof replayed on another claim lands
   here or in the next step);
7. ``invalid_proof`` — the Groth16 proof does not verify.

Otherwise :meth:`Verifier.verify` returns the :class:`~zkclaims.domain.Decision` of
:func:`~zkclaims.domain.claim.reimburse_invoice` — the rules of spec §3-§4 over the invoiced
prices, classes A/B and the proven lens classes, with no lens usage (the contract's
guarantees, or the legal ceiling without a contract); it equals
:func:`~zkclaims.domain.reimburse` on the full equipment. The validity check (step 5) is
:func:`~zkclaims.domain.valid_on` over the prescription day and prescriber kind of the
attestation and the patient's birth date: the insurer never sees an eye.

The birth date picks the validity period (spec §6: 5 years from 16 to 42, 3 years over 42),
but the bundle's ``claim.patient_birth_date`` is **the optician's declaration**: neither the
prescriber's attestation nor the proof covers it, so an optician could re-prove the same
opening with a younger birth date. The insurer knows its beneficiary's birth date from its own
records: pass it as ``beneficiary_birth_date`` (CLI ``zkclaims verify --birth-date``) and a
claim declaring another date is rejected (``birth_date_mismatch``). Without it, the verifier
takes the declared date on trust.

Malformed input raises :class:`~zkclaims.errors.MalformedInputError` naming the field and the
value: a bundle that does not parse or validate (``bundle.<field path>: ...``, from
:func:`load_bundle`), a bad point encoding, a wrong length, ...

This module imports no prover, circuit builder or setup code (``tests/test_verifier*.py``
checks it in a fresh interpreter): only the verify side of :mod:`zkclaims.groth16`, the
artifact reader :mod:`zkclaims.circuits`, the domain and :mod:`zkclaims.prescriber`'s
signature check.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from zkclaims.circuits import find_by_circuit_id, load_verifying_key
from zkclaims.domain.base import check_type
from zkclaims.domain.claim import ClaimBundle, Contract, reimburse_invoice
from zkclaims.domain.models import Decision, _pydantic_error_line
from zkclaims.domain.rules import RULES_2020, Rules, valid_on
from zkclaims.errors import AttestationError, ClaimRejected, InvalidInputError, MalformedInputError
from zkclaims.groth16 import Proof, find_invalid, verify
from zkclaims.jsonio import document
from zkclaims.prescriber import TrustedPrescribers, verify_attestation

__all__ = ["REASONS", "BundleResult", "Verifier", "load_bundle"]

#: Every rejection reason, in the order the checks run.
REASONS = (
    "unknown_circuit",
    "wrong_insurer",
    "birth_date_mismatch",
    "inconsistent_prices",
    "untrusted_prescriber",
    "bad_signature",
    "delivery_before_prescription",
    "rules_not_in_force",
    "prescription_not_valid",
    "context_mismatch",
    "invalid_proof",
)


def load_bundle(data: str | bytes | dict[str, Any] | ClaimBundle) -> ClaimBundle:
    """Parse a bundle (JSON text, UTF-8 bytes or a dict parsed from JSON).

    Raises :class:`~zkclaims.errors.MalformedInputError` when it is not a valid bundle (bad
    JSON, too deeply nested, a missing, extra or invalid field): the message names the first
    offending field as ``bundle.<path>`` and its value, and counts the others; pydantic's
    ``InvalidInputError`` is kept as ``__cause__``.
    """
    if isinstance(data, ClaimBundle):
        return data
    doc = document(data, "bundle")  # size, nesting, numbers: checked before any recursion
    try:
        return ClaimBundle.model_validate(doc)
    except InvalidInputError as exc:
        cause = exc.__cause__
        if isinstance(cause, pydantic.ValidationError):
            raise MalformedInputError(_pydantic_error_line(cause, "bundle")) from cause
        raise MalformedInputError(f"bundle: {exc}") from exc


@dataclass(frozen=True)
class BundleResult:
    """Outcome for one bundle of :meth:`Verifier.verify_many`: a decision or a rejection."""

    index: int
    decision: Decision | None
    reason: str | None = None
    message: str | None = None

    @property
    def accepted(self) -> bool:
        """True when the bundle was accepted."""
        return self.decision is not None


class Verifier:
    """The insurer's verifier: trusted prescriber keys, rules version, optional contract.

    ``trusted_prescribers`` is a :class:`~zkclaims.prescriber.TrustedPrescribers` (or a path to
    its JSON file); ``contract`` a :class:`~zkclaims.domain.claim.Contract` or None (then the
    decision pays up to the legal ceiling of the category). ``insurer``, when given, is this
    insurer's identifier: a bundle whose ``claim.insurer`` differs is rejected
    (``wrong_insurer``), so a proof made for one insurer cannot be cashed at another.
    ``backend`` picks the group backend (default: ``$ZKCLAIMS_BACKEND`` or arkworks).
    """

    def __init__(
        self,
        trusted_prescribers: TrustedPrescribers | str,
        rules: Rules = RULES_2020,
        contract: Contract | None = None,
        *,
        insurer: str | None = None,
        backend: str | None = None,
    ) -> None:
        if isinstance(trusted_prescribers, TrustedPrescribers):
            self.trusted = trusted_prescribers
        else:
            check_type(trusted_prescribers, (str, os.PathLike), "trusted_prescribers")
            self.trusted = TrustedPrescribers.load(trusted_prescribers)
        # wrong types fail here, not later as an AttributeError deep in a check
        self.rules = check_type(rules, Rules, "rules")
        self.contract = check_type(contract, Contract, "contract", none_ok=True)
        check_type(insurer, str, "insurer", none_ok=True)
        self.insurer = insurer
        self.backend = backend

    # -- the checks before the proof ----------------------------------------------------------
    def _vk(self, bundle: ClaimBundle) -> Any:
        name = find_by_circuit_id(bundle.circuit_id)
        if name is None:
            raise ClaimRejected(
                "unknown_circuit",
                f"circuit_id: {bundle.circuit_id} is not a circuit this verifier knows",
            )
        if not name.endswith(f"-{self.rules.version}"):
            raise ClaimRejected(
                "unknown_circuit",
                f"circuit_id: {name} does not implement rules {self.rules.version}",
            )
        return load_verifying_key(name)

    def precheck(
        self, bundle: ClaimBundle, *, beneficiary_birth_date: _dt.date | None = None
    ) -> tuple[Any, list[int], Proof]:
        """Run every check but the proof; return ``(verifying key, public inputs, proof)``.

        ``beneficiary_birth_date`` as in :meth:`verify`. Raises :class:`ClaimRejected`
        (reasons 1-6 of the module docstring) or :class:`MalformedInputError`.
        """
        beneficiary_birth_date = _birth_date(beneficiary_birth_date, "beneficiary_birth_date")
        vk = self._vk(bundle)
        if self.insurer is not None and bundle.claim.insurer != self.insurer:
            raise ClaimRejected(
                "wrong_insurer",
                f"claim.insurer: {bundle.claim.insurer!r} is not this insurer ({self.insurer!r})",
            )
        if (
            beneficiary_birth_date is not None
            and bundle.claim.patient_birth_date != beneficiary_birth_date
        ):
            raise ClaimRejected(
                "birth_date_mismatch",
                f"claim.patient_birth_date: {bundle.claim.patient_birth_date.isoformat()} is not"
                f" the beneficiary's birth date in the insurer's records"
                f" ({beneficiary_birth_date.isoformat()})",
            )
        problems = bundle.invoice.inconsistencies()
        if problems:
            raise ClaimRejected("inconsistent_prices", "; ".join(problems))
        att = bundle.attestation
        try:
            verify_attestation(att, self.trusted)
        except AttestationError as exc:
            reason = getattr(exc, "reason", "bad_signature")
            raise ClaimRejected(reason, str(exc).removeprefix(f"{reason}: ")) from None
        claim = bundle.claim
        if claim.delivered_on < att.prescription_day:
            raise ClaimRejected(
                "delivery_before_prescription",
                f"claim.delivered_on: {claim.delivered_on.isoformat()} is before the"
                f" prescription day {att.prescription_day.isoformat()}",
            )
        if not self.rules.in_force_on(claim.delivered_on):
            raise ClaimRejected(
                "rules_not_in_force",
                f"claim.delivered_on: rules {self.rules.version} apply from"
                f" {self.rules.in_force_from.isoformat()}",
            )
        if claim.patient_birth_date > att.prescription_day:
            raise ClaimRejected(
                "prescription_not_valid",
                f"claim.patient_birth_date: {claim.patient_birth_date.isoformat()} is after the"
                f" prescription day {att.prescription_day.isoformat()}",
            )
        if not valid_on(
            claim.delivered_on,
            issued_on=att.prescription_day,
            prescriber_kind=att.prescriber_kind,
            patient_birth_date=claim.patient_birth_date,
        ):
            raise ClaimRejected(
                "prescription_not_valid",
                f"claim.delivered_on: the {att.prescriber_kind.value}'s prescription of"
                f" {att.prescription_day.isoformat()} is no longer valid on"
                f" {claim.delivered_on.isoformat()} (spec §6, patient born"
                f" {claim.patient_birth_date.isoformat()})",
            )
        expected = bundle.expected_public_inputs()
        if expected != bundle.public_inputs:
            diff = [
                f"public_inputs.{k} = {_short(getattr(bundle.public_inputs, k))}"
                f" (expected {_short(getattr(expected, k))})"
                for k in type(expected).model_fields
                if getattr(expected, k) != getattr(bundle.public_inputs, k)
            ]
            raise ClaimRejected(
                "context_mismatch",
                f"{'; '.join(diff)}: differ from what the claim, invoice and attestation imply",
            )
        proof = Proof.from_bytes(bytes.fromhex(bundle.proof), circuit_id=bundle.circuit_id)
        return vk, expected.as_list(), proof

    def decide(self, bundle: ClaimBundle) -> Decision:
        """Return the reimbursement decision for an accepted bundle (spec §3-§4).

        Computed from the invoice alone (prices, classes A/B, AMO shares, PLVs and the proven
        lens classes) by :func:`~zkclaims.domain.claim.reimburse_invoice`: the lens usages are
        private and not needed.
        """
        guarantees = None if self.contract is None else dict(self.contract.guarantees)
        return reimburse_invoice(bundle.invoice, guarantees=guarantees, rules=self.rules)

    # -- public API -----------------------------------------------------------------------------
    def verify(
        self,
        bundle: ClaimBundle | str | bytes | dict[str, Any],
        *,
        beneficiary_birth_date: _dt.date | None = None,
    ) -> Decision:
        """Check ``bundle`` fully; return the decision or raise :class:`ClaimRejected`.

        ``beneficiary_birth_date`` is the patient's birth date from the insurer's own
        beneficiary records: when given, a claim whose ``patient_birth_date`` differs is
        rejected (``birth_date_mismatch``) before the validity period is computed from it.
        When None, the birth date declared by the optician is taken on trust (see the module
        docstring). A malformed bundle raises :class:`MalformedInputError`.
        """
        birth = _birth_date(beneficiary_birth_date, "beneficiary_birth_date")
        bundle = load_bundle(bundle)
        vk, public, proof = self.precheck(bundle, beneficiary_birth_date=birth)
        if not verify(vk, public, proof, backend=self.backend):
            raise ClaimRejected("invalid_proof", "proof: the Groth16 proof does not verify")
        return self.decide(bundle)

    def verify_many(
        self,
        bundles: Sequence[ClaimBundle | str | bytes | dict[str, Any]],
        *,
        beneficiary_birth_dates: Sequence[_dt.date | None] | None = None,
    ) -> list[BundleResult]:
        """Check many bundles; the proofs of each circuit are batch-verified together.

        Returns one :class:`BundleResult` per bundle, in order: a decision, or the reason and
        message of its rejection (a bad proof is located by bisection, so it is named even
        though proofs are checked in batches). Malformed bundles are reported with reason
        ``"malformed"``. ``beneficiary_birth_dates``, when given, has one entry per bundle:
        the beneficiary's birth date from the insurer's records (or None to trust the
        declared one), checked as ``beneficiary_birth_date`` in :meth:`verify`.
        """
        if beneficiary_birth_dates is None:
            births: list[_dt.date | None] = [None] * len(bundles)
        else:
            births = [
                _birth_date(d, f"beneficiary_birth_dates[{i}]")
                for i, d in enumerate(beneficiary_birth_dates)
            ]
            if len(births) != len(bundles):
                raise InvalidInputError(
                    "beneficiary_birth_dates",
                    len(births),
                    f"needs one entry per bundle ({len(bundles)})",
                )
        results: list[BundleResult | None] = [None] * len(bundles)
        groups: dict[str, list[tuple[int, ClaimBundle, Any, list[int], Proof]]] = {}
        for i, raw in enumerate(bundles):
            try:
                b = load_bundle(raw)
                vk, public, proof = self.precheck(b, beneficiary_birth_date=births[i])
            except ClaimRejected as exc:
                results[i] = BundleResult(i, None, exc.reason, str(exc))
                continue
            except (MalformedInputError, ValueError) as exc:
                results[i] = BundleResult(i, None, "malformed", _one_line(exc))
                continue
            groups.setdefault(b.circuit_id, []).append((i, b, vk, public, proof))
        for items in groups.values():
            vk = items[0][2]
            batch = [(public, proof) for _, _, _, public, proof in items]
            try:
                bad = set(find_invalid(vk, batch, backend=self.backend))
            except MalformedInputError:
                bad = set()
                for k, (public, proof) in enumerate(batch):
                    try:
                        if not verify(vk, public, proof, backend=self.backend):
                            bad.add(k)
                    except MalformedInputError as exc:
                        i = items[k][0]
                        results[i] = BundleResult(i, None, "malformed", _one_line(exc))
            for k, (i, b, *_rest) in enumerate(items):
                if results[i] is not None:
                    continue
                if k in bad:
                    results[i] = BundleResult(
                        i, None, "invalid_proof", "invalid_proof: proof: does not verify"
                    )
                else:
                    results[i] = BundleResult(i, self.decide(b))
        return [r for r in results if r is not None]


def _birth_date(value: object, field: str) -> _dt.date | None:
    """Check an optional birth date argument (a :class:`datetime.date`, not a datetime)."""
    if value is None:
        return None
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    raise InvalidInputError(field, value, "must be a datetime.date (or None)")


def _short(value: object) -> str:
    """Format a public input for a message, cutting long field elements to 12 digits."""
    text = str(value)
    return text if len(text) <= 16 else f"{text[:12]}...({len(text)} digits)"


def _one_line(exc: Exception) -> str:
    """Describe a malformed bundle in one line (the message names the field)."""
    return " ".join(str(exc).split())
