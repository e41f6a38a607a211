"""Insurer side: check a claim bundle against the insurer's own records and pay by the law.

:class:`Verifier` checks, in this order, and rejects with :class:`~zkclaims.errors.ClaimRejected`
whose ``reason`` is one of :data:`REASONS`:

1. ``retired_circuit`` — the bundle is of a retired format or statement version (version 1
   binds no patient): refused, never reinterpreted; ``unknown_circuit`` — no shipped
   statement has the bundle's circuit id, or it is not a claim statement (the equipment
   statement or the renewal claim statement) of the verifier's rules version, or the
   verifying key read from the artifacts is not the pinned one (the SHA-256 of
   the whole key, :data:`zkclaims.pins.VERIFYING_KEY_SHA256`, and the insurer's
   ``pinned_keys``): a key swapped into the artifacts folder is refused, whatever its label;
2. ``wrong_insurer`` — the claim is addressed to another insurer; ``wrong_beneficiary`` — the
   claim names another member than the beneficiary record the insurer looked up;
3. ``inconsistent_invoice`` — the invoice does not add up, or a line lacks what its element
   needs; ``grouping_code_mismatch`` — a grouping code disagrees with its element, its classe
   or the proven design and class (spec §7; :func:`~zkclaims.domain.invoice.check_invoice`);
4. ``untrusted_prescriber`` / ``revoked_key`` / ``bad_signature`` — the attestation is not
   signed by a prescriber key the insurer trusts for that kind and day;
5. ``delivery_in_future``, ``claim_too_late``, ``delivery_before_prescription``,
   ``rules_not_in_force``, ``prescription_not_valid`` — the shared pre-check
   (:func:`~zkclaims.domain.checks.precheck_claim`, the same function the prover runs), with
   the birth date of the insurer's beneficiary record and the signed prescription day;
6. ``classe_a_price_above_cap`` — a classe A price above the law's cap for its code and the
   patient's age (the LPP tables; a code the tables refuse is ``grouping_code_mismatch``);
7. ``context_mismatch`` — the public inputs differ from what the claim, invoice and
   attestation imply (the claim context is recomputed: a proof replayed on another claim
   lands here or at the proof check);
8. ``wrong_patient`` — the proof's patient tag is not the one the insurer computes from its
   beneficiary record (INS and birth date) and the claim context: the prescription was signed
   for someone else;
9. ``invalid_proof`` — the Groth16 proof does not verify;
10. ``renewal_too_early`` — within the renewal period after the last reimbursed delivery of
    the insurer's ledger (spec §5: 2 years from 16, 1 year under 16; 6 months under 6 as the
    insurer's option), unless a new physician's prescription flags a medical situation or the
    bundle proves an early renewal (then one year from 16, no delay under 16);
    ``renewal_not_justified`` — that justification does not hold
    (:mod:`zkclaims.verifier_renewal`: a renewal claim's one proof, of
    ``optique-equipement-renouvellement-2020``, is checked with the ledger's previous
    commitment and the insurer's criteria as its last public inputs; a separate renewal proof
    of the older two-proof form is checked with the equipment proof in one multi-pairing).

Otherwise :meth:`Verifier.verify` returns the :class:`~zkclaims.domain.Decision`: the rules of
spec §3-§4 over the invoiced prices, classes A/B, the proven lens classes and **the AMO share
and classe A caps the insurer computes from the law**, never figures from the invoice.

What the insurer acts on comes from the proof (designs, classes, the patient), the
prescriber's signature (commitment, day, kind), the law (caps, tariffs) or its own records
(beneficiary: member id, INS, birth date, AMO regime; history) — nothing the optician alone
declares raises the amount paid. :meth:`Verifier.verify_many` also refuses, within one batch,
a second accepted bundle with the same claim id (``duplicate_claim``, or
``claim_id_conflict`` when the two bundles differ) or the same statement (commitment:
``duplicate_equipment``); across batches that is the ledger's job (:mod:`zkclaims.registry`).
In a batch, a bundle that does not parse is reported with reason ``malformed``.

Malformed input raises :class:`~zkclaims.errors.MalformedInputError` naming the field and the
value: a bundle that does not parse or validate (``bundle.<field path>: ...``, from
:func:`load_bundle`), a bad point encoding, a wrong length, ...

This module imports no prover, circuit builder or setup code (``tests/test_verifier.py``
checks it in a fresh interpreter): only the verify side of :mod:`zkclaims.groth16`, the
artifact reader :mod:`zkclaims.circuits`, the domain and :mod:`zkclaims.prescriber`'s
signature check.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from zkclaims import pins
from zkclaims import verifier_renewal as renewal
from zkclaims.circuits import (
    RETIRED_CIRCUITS,
    Provenance,
    check_setup,
    find_by_circuit_id,
    load_verifying_key,
)
from zkclaims.commitment import patient_tag
from zkclaims.domain.bundle import ClaimBundle, load_bundle
from zkclaims.domain.checks import ClaimHistory, precheck_claim, price_invoice
from zkclaims.domain.contract import Contract
from zkclaims.domain.invoice import check_invoice, reimburse_invoice
from zkclaims.domain.lpp import TariffTable
from zkclaims.domain.models import Decision
from zkclaims.domain.patient import Beneficiary
from zkclaims.domain.rules import RULES_2020, Rules
from zkclaims.domain.vision_change import RenewalCriterion, criteria_mask
from zkclaims.errors import AttestationError, ClaimRejected, InvalidInputError, MalformedInputError
from zkclaims.groth16 import Proof, find_invalid, verify
from zkclaims.prescriber import TrustedPrescribers, verify_attestation

__all__ = ["REASONS", "BATCH_REASONS", "BundleResult", "ClaimHistory", "Verifier", "load_bundle"]

#: Every rejection reason of :meth:`Verifier.verify`, in the order the checks run.
REASONS = (
    "retired_circuit",
    "unknown_circuit",
    "wrong_insurer",
    "wrong_beneficiary",
    "inconsistent_invoice",
    "grouping_code_mismatch",
    "untrusted_prescriber",
    "revoked_key",
    "bad_signature",
    "delivery_in_future",
    "claim_too_late",
    "delivery_before_prescription",
    "rules_not_in_force",
    "prescription_not_valid",
    "classe_a_price_above_cap",
    "context_mismatch",
    "wrong_patient",
    "invalid_proof",
    "renewal_too_early",
    "renewal_not_justified",
)
#: The reasons :meth:`Verifier.verify_many` adds: a second bundle of one batch with the same
#: claim id (identical, or not) or the same statement; and a bundle that does not parse.
BATCH_REASONS = ("duplicate_claim", "claim_id_conflict", "duplicate_equipment", "malformed")

_HEX64 = re.compile(r"[0-9a-f]{64}")
#: Name of the equipment statement before its rules version (the verifier loads no circuit
#: code): a bundle's proof is of it, or of the renewal claim statement.
CLAIM_STATEMENT = "optique-equipement"


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


@dataclass(frozen=True)
class _Checked:
    """A bundle past every check but the proof: what the rest of the verification needs."""

    bundle: ClaimBundle
    beneficiary: Beneficiary
    vk: Any
    public: list[int]
    proof: Proof
    amo_paid: dict[str, int]
    plv: dict[str, int | None]
    pricing: tuple[str, ...]


def _check_date(value: object, field: str) -> _dt.date | None:
    if value is None or (isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)):
        return value
    raise InvalidInputError(field, value, "must be a datetime.date (or None)")


class Verifier:
    """The insurer's verifier.

    ``trusted`` is a :class:`~zkclaims.prescriber.TrustedPrescribers` (or a path to its JSON
    file). Keyword-only: ``insurer`` (required) is this insurer's identifier — a bundle for
    another insurer is ``wrong_insurer``; ``rules`` the rules version; ``contract`` a
    :class:`~zkclaims.domain.Contract` or None (then the decision pays up to the legal
    ceiling); ``tariffs`` the LPP rules table (:func:`zkclaims.domain.lpp.load_tariffs`) or
    None (the built-in figures only: classe A lenses and child frames are then refused above
    0 €, and the message says which table to load); ``claim_deadline_days`` the insurer's
    deadline after delivery (None: none);
    ``pinned_keys`` maps a statement name to the SHA-256 of the verifying key the insurer
    accepts, on top of the package's pins; ``short_renewal_under_6`` applies the 6-month
    renewal period under 6 (spec §5); ``renewal_criteria`` the early-renewal criteria this
    insurer accepts (default: the rules version's, :class:`RenewalCriterion`); ``backend``
    picks the group backend.

    Setup provenance (:meth:`provenance`): a statement's keys must come from a multi-party
    ceremony — keys from a one-party setup raise :class:`~zkclaims.circuits.UntrustedSetupError`
    unless the caller runs inside :func:`zkclaims.hazmat.allow_one_party_setup` (tests,
    development); ``pinned_transcripts`` maps a statement name to the ceremony transcript
    digest this insurer accepts (``circuit.json`` ``transcript_sha256``): the verifier refuses
    to start when the installed keys come from another transcript.
    """

    def __init__(
        self,
        trusted: TrustedPrescribers | str,
        *,
        insurer: str,
        rules: Rules = RULES_2020,
        contract: Contract | None = None,
        tariffs: Any = None,
        claim_deadline_days: int | None = None,
        pinned_keys: Mapping[str, str] | None = None,
        backend: str | None = None,
        short_renewal_under_6: bool = False,
        pinned_transcripts: Mapping[str, str] | None = None,
        renewal_criteria: RenewalCriterion | int | None = None,
    ) -> None:
        if not isinstance(trusted, TrustedPrescribers | str | os.PathLike):
            raise InvalidInputError("trusted", type(trusted).__name__,
                                    "must be TrustedPrescribers or the path of its file")
        self.pinned_transcripts = dict(pinned_transcripts or {})
        for name, digest in self.pinned_transcripts.items():
            if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
                raise InvalidInputError(f"pinned_transcripts.{name}", digest,
                                        "must be a transcript digest, 64 hex digits")
            check_setup(name, pinned_transcript=digest)
        self.trusted = (trusted if isinstance(trusted, TrustedPrescribers)
                        else TrustedPrescribers.load(trusted))
        if not isinstance(insurer, str) or not insurer or insurer != insurer.strip():
            raise InvalidInputError("insurer", insurer, "must be this insurer's identifier")
        if not isinstance(rules, Rules):
            raise InvalidInputError("rules", type(rules).__name__,
                                    "must be a Rules version (e.g. RULES_2020)")
        if tariffs is not None and not isinstance(tariffs, TariffTable):
            raise InvalidInputError("tariffs", type(tariffs).__name__,
                                    "must be a TariffTable (zkclaims.domain.lpp.load_tariffs)")
        if contract is not None and not isinstance(contract, Contract):
            raise InvalidInputError("contract", type(contract).__name__,
                                    "must be a Contract (Contract.model_validate_json(...))")
        if claim_deadline_days is not None and (
            isinstance(claim_deadline_days, bool) or not isinstance(claim_deadline_days, int)
            or claim_deadline_days < 0
        ):
            raise InvalidInputError("claim_deadline_days", claim_deadline_days,
                                    "must be a number of days >= 0, or None")
        self.pinned_keys = dict(pinned_keys or {})
        for name, digest in self.pinned_keys.items():
            if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
                raise InvalidInputError(f"pinned_keys.{name}", digest,
                                        "must be the SHA-256 of a verifying key, 64 hex digits")
        self.insurer = insurer
        self.rules = rules
        self.contract = contract
        self.tariffs = tariffs
        self.claim_deadline_days = claim_deadline_days
        self.short_renewal_under_6 = bool(short_renewal_under_6)
        self.renewal_criteria = criteria_mask(
            rules.renewal_criteria if renewal_criteria is None else renewal_criteria,
            "renewal_criteria")
        self.backend = backend
        self._keys: dict[str, Any] = {}

    # -- the key ----------------------------------------------------------------------------
    def verifying_key(self, circuit_id: str) -> Any:
        """Return the pinned verifying key of ``circuit_id``, or raise ``ClaimRejected``.

        ``retired_circuit`` for a retired statement version; ``unknown_circuit`` when no
        shipped statement has that id, when it is not of this rules version, or when the key
        read from the artifacts is not the pinned one (SHA-256 of the whole key).
        """
        if circuit_id in self._keys:
            return self._keys[circuit_id]
        if circuit_id in RETIRED_CIRCUITS:
            why = RETIRED_CIRCUITS[circuit_id]
            raise ClaimRejected("retired_circuit", f"circuit_id: {circuit_id} is retired: {why}")
        name = find_by_circuit_id(circuit_id)
        if name is None:
            raise ClaimRejected("unknown_circuit",
                                f"circuit_id: {circuit_id} is not a circuit this verifier knows")
        if not name.endswith(f"-{self.rules.version}"):
            raise ClaimRejected("unknown_circuit",
                                f"circuit_id: {name} does not implement rules {self.rules.version}")
        check_setup(name, pinned_transcript=self.pinned_transcripts.get(name))
        vk = load_verifying_key(name)
        digest = hashlib.sha256(vk.to_bytes()).hexdigest()
        for source, expected in (("zkclaims.pins", pins.VERIFYING_KEY_SHA256.get(name)),
                                 ("pinned_keys", self.pinned_keys.get(name, digest))):
            if digest != expected:
                raise ClaimRejected(
                    "unknown_circuit",
                    f"circuit_id: the verifying key of {name} in the artifacts (SHA-256"
                    f" {digest[:16]}..., setup {vk.setup!r}) is not the one pinned in {source}"
                    f" ({(expected or 'none')[:16]}...): refusing it",
                )
        if vk.circuit_id != circuit_id:
            raise ClaimRejected("unknown_circuit",
                                f"circuit_id: the pinned key of {name} is for {vk.circuit_id}")
        self._keys[circuit_id] = vk
        return vk

    def provenance(self, name: str) -> Provenance:
        """Return which setup made statement ``name``'s keys (ceremony, contributions, digest).

        Raises :class:`~zkclaims.circuits.UntrustedSetupError` for keys this verifier refuses.
        """
        return check_setup(name, pinned_transcript=self.pinned_transcripts.get(name))

    # -- every check but the proof ------------------------------------------------------------
    def precheck(
        self, bundle: ClaimBundle, *, beneficiary: Beneficiary, today: _dt.date | None = None
    ) -> _Checked:
        """Run checks 1-8 of the module docstring; raise :class:`ClaimRejected` on the first."""
        if not isinstance(beneficiary, Beneficiary):
            raise InvalidInputError("beneficiary", type(beneficiary).__name__,
                                    "must be the insurer's Beneficiary record")
        today = _check_date(today, "today") or _dt.date.today()
        vk = self.verifying_key(bundle.circuit_id)
        name = find_by_circuit_id(bundle.circuit_id)
        version = self.rules.version
        if name not in (f"{CLAIM_STATEMENT}-{version}",
                        f"{renewal.RENEWAL_CLAIM_STATEMENT}-{version}"):
            raise ClaimRejected(
                "unknown_circuit",
                f"circuit_id: {name} is not a claim statement: a bundle's proof is of"
                f" {CLAIM_STATEMENT}-{version} or {renewal.RENEWAL_CLAIM_STATEMENT}-{version}")
        claim, att, invoice = bundle.claim, bundle.attestation, bundle.invoice
        if claim.insurer != self.insurer:
            raise ClaimRejected("wrong_insurer", f"claim.insurer: {claim.insurer!r} is not this"
                                f" insurer ({self.insurer!r})")
        if claim.beneficiary != beneficiary.member_id:
            raise ClaimRejected("wrong_beneficiary", f"claim.beneficiary: {claim.beneficiary!r}"
                                f" is not the member of the record given"
                                f" ({beneficiary.member_id!r})")
        check_invoice(invoice)
        try:
            verify_attestation(att, self.trusted, on_day=today)
        except AttestationError as exc:
            reason = getattr(exc, "reason", "bad_signature")
            raise ClaimRejected(reason, str(exc).removeprefix(f"{reason}: ")) from None
        precheck_claim(claim.delivered_on, prescription_day=att.prescription_day,
                       prescriber_kind=att.prescriber_kind, birth_date=beneficiary.birth_date,
                       rules=self.rules, today=today,
                       claim_deadline_days=self.claim_deadline_days)
        prices = price_invoice(invoice, delivered_on=claim.delivered_on,
                               birth_date=beneficiary.birth_date,
                               amo_regime=beneficiary.amo_regime, tariffs=self.tariffs)
        expected = bundle.expected_public_inputs()
        if expected != bundle.public_inputs:
            diff = [
                f"public_inputs.{k} = {_short(getattr(bundle.public_inputs, k))}"
                f" (expected {_short(getattr(expected, k))})"
                for k in type(expected).model_fields
                if getattr(expected, k) != getattr(bundle.public_inputs, k)
            ]
            raise ClaimRejected("context_mismatch", f"{'; '.join(diff)}: differ from what the"
                                " claim, invoice and attestation imply")
        tag = patient_tag(beneficiary.patient().field_element(), int(expected.claim_context))
        if str(tag) != bundle.public_inputs.patient_tag:
            raise ClaimRejected(
                "wrong_patient",
                f"public_inputs.patient_tag: not the tag of beneficiary"
                f" {beneficiary.member_id!r} (INS and birth date of the insurer's record) for"
                " this claim: the prescription was signed for another patient",
            )
        proof = Proof.from_bytes(bytes.fromhex(bundle.proof), circuit_id=bundle.circuit_id)
        return _Checked(bundle, beneficiary, vk, expected.as_list(), proof,
                        {e: p.amo_cents for e, p in prices.items()},
                        {e: p.plv_cents for e, p in prices.items()},
                        tuple(f"{e}: {p.source}" for e, p in prices.items()))

    def _after_proof(self, checked: _Checked, plan: renewal.RenewalPlan) -> Decision:
        """Check 10 (renewal, from the insurer's ledger), then decide the payment."""
        return renewal.apply_plan(plan, self.decide(checked))

    def decide(self, checked: _Checked) -> Decision:
        """Return the reimbursement decision (spec §3-§4) with the law's AMO shares and caps."""
        guarantees = None if self.contract is None else dict(self.contract.guarantees)
        d = reimburse_invoice(checked.bundle.invoice, amo_paid=checked.amo_paid,
                              plv=checked.plv, guarantees=guarantees, rules=self.rules)
        return d.model_copy(update={"reasons": d.reasons + checked.pricing})

    # -- public API -----------------------------------------------------------------------------
    def verify(
        self,
        bundle: ClaimBundle | str | bytes | dict[str, Any],
        *,
        beneficiary: Beneficiary,
        history: ClaimHistory | None = None,
        today: _dt.date | None = None,
    ) -> Decision:
        """Check ``bundle`` fully; return the decision or raise :class:`ClaimRejected`.

        ``beneficiary`` is the insurer's own record of the member the claim names (its
        ``member_id`` must be the claim's ``beneficiary``); ``history`` the ledger's
        :class:`ClaimHistory` of that member (None: no earlier equipment); ``today`` the day of
        the check (default: the local date). A malformed bundle raises
        :class:`MalformedInputError`.
        """
        bundle = load_bundle(bundle)
        checked = self.precheck(bundle, beneficiary=beneficiary, today=today)
        plan = renewal.plan_renewal(self, bundle, checked.beneficiary, history,
                                    _check_date(today, "today") or _dt.date.today())
        renewal.verify_claim_proofs((checked.vk, checked.public, checked.proof), plan,
                                    backend=self.backend)
        return self._after_proof(checked, plan)

    def verify_many(
        self,
        bundles: Sequence[ClaimBundle | str | bytes | dict[str, Any]],
        *,
        beneficiaries: Sequence[Beneficiary] | Mapping[str, Beneficiary],
        histories: Sequence[ClaimHistory | None] | Mapping[str, ClaimHistory] | None = None,
        today: _dt.date | None = None,
    ) -> list[BundleResult]:
        """Check many bundles; the proofs of each circuit are batch-verified together.

        ``beneficiaries`` is one record per bundle (a sequence) or the records by member id (a
        mapping: each claim's ``beneficiary`` is looked up; none is ``wrong_beneficiary``);
        ``histories`` likewise (None, or no entry: no earlier equipment). Returns one
        :class:`BundleResult` per bundle, in order: a decision, or the reason and message of
        its rejection (a bad proof is located by bisection). Within the batch, a bundle whose
        claim id or statement (commitment) an earlier *accepted* bundle already has is refused
        (:data:`BATCH_REASONS`): at most one payment per claim and per prescription. Malformed
        bundles are reported with reason ``"malformed"``.
        """
        today = _check_date(today, "today") or _dt.date.today()
        n = len(bundles)
        records = _per_bundle(beneficiaries, n, "beneficiaries")
        ledgers = _per_bundle(histories, n, "histories") if histories is not None else None
        results: list[BundleResult | None] = [None] * n
        parsed: dict[int, ClaimBundle] = {}
        groups: dict[str, list[tuple[int, _Checked]]] = {}
        plans: dict[int, renewal.RenewalPlan] = {}
        for i, raw in enumerate(bundles):
            try:
                b = parsed[i] = load_bundle(raw)
                record = _lookup(records, i, b, "beneficiaries")
                if record is None:
                    raise ClaimRejected("wrong_beneficiary", f"claim.beneficiary:"
                                        f" {b.claim.beneficiary!r}: no record given for it")
                checked = self.precheck(b, beneficiary=record, today=today)
                history = _lookup(ledgers, i, b, "histories") if ledgers else None
                plans[i] = renewal.plan_renewal(self, b, record, history, today)
                checked = replace(checked, public=renewal.proof_public_inputs(checked.public,
                                                                              plans[i]))
            except ClaimRejected as exc:
                results[i] = BundleResult(i, None, exc.reason, str(exc))
                continue
            except (MalformedInputError, ValueError) as exc:
                results[i] = BundleResult(i, None, "malformed", _one_line(exc))
                continue
            groups.setdefault(b.circuit_id, []).append((i, checked))
        plans = renewal.verify_renewal_batch(plans, backend=self.backend)
        for items in groups.values():
            vk = items[0][1].vk
            batch = [(c.public, c.proof) for _, c in items]
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
            for k, (i, checked) in enumerate(items):
                if results[i] is not None:
                    continue
                if k in bad:
                    results[i] = BundleResult(i, None, "invalid_proof",
                                              "invalid_proof: proof: does not verify")
                    continue
                try:
                    results[i] = BundleResult(i, self._after_proof(checked, plans[i]))
                except ClaimRejected as exc:
                    results[i] = BundleResult(i, None, exc.reason, str(exc))
        return _refuse_duplicates(parsed, [r for r in results if r is not None])


def _per_bundle(value: Any, n: int, field: str) -> Sequence[Any] | Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if len(value) != n:
            raise InvalidInputError(field, len(value), f"needs one entry per bundle ({n})")
        return value
    raise InvalidInputError(field, type(value).__name__,
                            "must be a sequence (one per bundle) or a mapping by member id")


def _lookup(table: Sequence[Any] | Mapping[str, Any] | None, i: int, bundle: ClaimBundle,
            field: str) -> Any:
    if table is None:
        return None
    if isinstance(table, Mapping):
        return table.get(bundle.claim.beneficiary)
    return table[i]


def _refuse_duplicates(
    bundles: Mapping[int, ClaimBundle], results: list[BundleResult]
) -> list[BundleResult]:
    """Refuse an accepted bundle whose claim id or commitment an earlier accepted one has.

    Two bundles are the same claim when everything but the proof bytes is equal (Groth16
    proofs are malleable: a copy with (-A, -B) is the same statement).
    """
    claims: dict[str, tuple[int, str]] = {}
    commitments: dict[str, int] = {}
    out = []
    for r in results:
        if not r.accepted:
            out.append(r)
            continue
        b = bundles[r.index]
        digest = hashlib.sha256(b.model_dump_json(exclude={"proof"}).encode()).hexdigest()
        cid, commitment = b.claim.claim_id, b.attestation.commitment
        if cid in claims:
            first, first_digest = claims[cid]
            reason = "duplicate_claim" if digest == first_digest else "claim_id_conflict"
            out.append(BundleResult(r.index, None, reason, f"{reason}: claim.claim_id:"
                                    f" {cid!r} was accepted already in this batch (bundle"
                                    f" {first})"))
        elif commitment in commitments:
            out.append(BundleResult(r.index, None, "duplicate_equipment",
                                    "duplicate_equipment: attestation.commitment: the same"
                                    " prescription was accepted already in this batch (bundle"
                                    f" {commitments[commitment]})"))
        else:
            claims[cid] = (r.index, digest)
            commitments[commitment] = r.index
            out.append(r)
    return out


def _short(value: object) -> str:
    """Format a public input for a message, cutting long field elements to 12 digits."""
    text = str(value)
    return text if len(text) <= 16 else f"{text[:12]}...({len(text)} digits)"


def _one_line(exc: Exception) -> str:
    """Describe a malformed bundle in one line (the message names the field)."""
    return " ".join(str(exc).split())
