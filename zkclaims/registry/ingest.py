"""Ingestion: a claim bundle in, the ledger's answer out — the verifier wired in as the judge.

:class:`Ingestor` ties a :class:`~zkclaims.registry.store.Registry` to a
:class:`~zkclaims.verifier.Verifier`. For each bundle it takes the facts the ledger acts on
(:func:`facts_of`), and lets the registry call the verifier with the insurer's beneficiary
record and the ledger's history, read (and re-checked) in the transaction that records the
decision. :func:`verdict_of` and :func:`verdicts_of` are the only places that call the
verifier.

Digests: ``bundle_sha256`` is the SHA-256 of the bundle's canonical JSON (the parsed bundle
written back compactly, fields in the model's order, so the same bundle sent with other
spacing, key order or hex case has the same digest), recorded in the claim and its audit
row. ``claim_sha256`` is the same without the proof bytes: a Groth16 proof is malleable
(flipping sign bits gives another valid proof of the same statement), so two bundles that
differ only there are the same claim — a replay, not a conflict.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache

from zkclaims.domain.patient import Beneficiary
from zkclaims.errors import ClaimRejected, MalformedInputError
from zkclaims.registry.records import ClaimFacts, LedgerHistory, Outcome, Verdict
from zkclaims.registry.store import Registry

__all__ = ["Ingestor", "facts_of", "digests", "setup_digest", "verdict_of", "verdicts_of"]


def digests(bundle: object) -> tuple[str, str]:
    """Return ``(bundle_sha256, claim_sha256)`` of a parsed bundle (module docstring)."""
    full = bundle.model_dump_json()  # type: ignore[attr-defined]
    claim = bundle.model_dump_json(exclude={"proof"})  # type: ignore[attr-defined]
    return hashlib.sha256(full.encode()).hexdigest(), hashlib.sha256(claim.encode()).hexdigest()


@lru_cache(maxsize=64)
def setup_digest(circuit_id: str) -> str | None:
    """Return the setup digest of a shipped circuit: its ceremony transcript's, else its key's.

    ``transcript_sha256`` of ``circuit.json`` when the keys come from the multi-party
    ceremony; otherwise the SHA-256 of the verifying key's canonical bytes (the pinned
    digest). None for a circuit this package does not ship.
    """
    from zkclaims.circuits import circuit_info, find_by_circuit_id, load_verifying_key

    name = find_by_circuit_id(circuit_id)
    if name is None:
        return None
    transcript = circuit_info(name).get("transcript_sha256")
    if isinstance(transcript, str) and len(transcript) == 64:
        return transcript
    return hashlib.sha256(load_verifying_key(name).to_bytes()).hexdigest()


def facts_of(bundle: object) -> ClaimFacts:
    """Return the :class:`ClaimFacts` of a parsed :class:`~zkclaims.domain.claim.ClaimBundle`."""
    claim = bundle.claim  # type: ignore[attr-defined]
    full, without_proof = digests(bundle)
    return ClaimFacts(
        insurer=claim.insurer,
        claim_id=claim.claim_id,
        optician=claim.optician,
        member_id=claim.beneficiary,
        delivered_on=claim.delivered_on,
        commitment=bundle.attestation.commitment,  # type: ignore[attr-defined]
        circuit_id=bundle.circuit_id,  # type: ignore[attr-defined]
        bundle_sha256=full,
        claim_sha256=without_proof,
        setup_digest=setup_digest(bundle.circuit_id),  # type: ignore[attr-defined]
    )


def _no_record(verifier: object, bundle: object) -> Verdict:
    claim = bundle.claim  # type: ignore[attr-defined]
    insurer = verifier.insurer  # type: ignore[attr-defined]
    if claim.insurer != insurer:
        return Verdict.reject("wrong_insurer", f"claim.insurer: {claim.insurer!r} is not this"
                              f" insurer ({insurer!r})")
    return Verdict.reject("wrong_beneficiary", f"claim.beneficiary: {claim.beneficiary!r} is"
                          " not a member in the insurer's records")


def _history(history: LedgerHistory) -> object:
    from zkclaims.verifier import ClaimHistory

    return ClaimHistory(last_delivery=history.last_delivery,
                        previous_commitment=history.previous_commitment)


def _rejected(reason: str, text: str) -> Verdict:
    return Verdict.reject(reason, " ".join(text.removeprefix(f"{reason}: ").split()))


def verdict_of(
    verifier: object, bundle: object, beneficiary: Beneficiary | None, history: LedgerHistory,
    today: _dt.date,
) -> Verdict:
    """Return the verifier's verdict on one parsed bundle (the one call of ``Verifier.verify``)."""
    if beneficiary is None:
        return _no_record(verifier, bundle)
    try:
        decision = verifier.verify(  # type: ignore[attr-defined]
            bundle, beneficiary=beneficiary, history=_history(history), today=today
        )
    except ClaimRejected as exc:
        return _rejected(exc.reason, str(exc))
    except MalformedInputError as exc:  # e.g. a proof point off the curve
        return _rejected("malformed", str(exc))
    return Verdict.accept(decision.model_dump_json())


def verdicts_of(
    verifier: object,
    bundles: Sequence[object],
    records: Sequence[tuple[Beneficiary | None, LedgerHistory]],
    today: _dt.date,
) -> list[Verdict]:
    """Return the verifier's verdicts on many parsed bundles (one ``Verifier.verify_many`` call)."""
    out: list[Verdict | None] = [None] * len(bundles)
    batch = [i for i, (ben, _h) in enumerate(records) if ben is not None]
    for i, (ben, _h) in enumerate(records):
        if ben is None:
            out[i] = _no_record(verifier, bundles[i])
    if batch:
        results = verifier.verify_many(  # type: ignore[attr-defined]
            [bundles[i] for i in batch],
            beneficiaries=[records[i][0] for i in batch],
            histories=[_history(records[i][1]) for i in batch],
            today=today,
        )
        for i, r in zip(batch, results, strict=True):
            out[i] = (Verdict.accept(r.decision.model_dump_json()) if r.accepted
                      else _rejected(r.reason, r.message or r.reason))
    return [v for v in out if v is not None]


class Ingestor:
    """Verify and record claim bundles: a registry, a verifier, and the insurer's calendar.

    ``today`` returns the day of the checks (the service uses the insurer's time zone).
    """

    def __init__(
        self, registry: Registry, verifier: object, *, today: Callable[[], _dt.date] | None = None
    ) -> None:
        self.registry = registry
        self.verifier = verifier
        self.today = today or _dt.date.today
        self.rules_version: str = verifier.rules.version  # type: ignore[attr-defined]

    def ingest(self, bundle: object) -> Outcome:
        """Decide and record one parsed bundle."""
        day = self.today()

        def judge(ben: Beneficiary | None, hist: LedgerHistory) -> Verdict:
            return verdict_of(self.verifier, bundle, ben, hist, day)

        return self.registry.ingest(facts_of(bundle), judge, rules_version=self.rules_version)

    def ingest_many(self, bundles: Sequence[object]) -> list[Outcome]:
        """Decide and record many parsed bundles (batch verification of their proofs)."""
        day = self.today()

        def judge_many(
            items: Sequence[tuple[int, Beneficiary | None, LedgerHistory]],
        ) -> list[Verdict]:
            return verdicts_of(self.verifier, [bundles[i] for i, _b, _h in items],
                               [(b, h) for _i, b, h in items], day)

        return self.registry.ingest_many([facts_of(b) for b in bundles], judge_many,
                                         rules_version=self.rules_version)
