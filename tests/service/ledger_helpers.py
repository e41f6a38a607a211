"""Helpers of the ledger tests: members, claim facts and a recording judge.

The judge here stands in for the verifier in the tests of the ledger's own logic (keys,
replays, conflicts, duplicates, history, locking, audit); ``test_service_e2e.py`` and
``test_ingest.py`` run the same paths with the real verifier on real bundles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from zkclaims.domain.patient import Beneficiary
from zkclaims.registry import ClaimFacts, LedgerHistory, Verdict

ENGINES = ["sqlite", "postgresql"]
INSURER = "AMC-75000123"
OPTICIAN = "FINESS-750012345"


def _decision() -> str:
    """A real reimbursement decision (the README's example), as the ledger stores it."""
    from zkclaims.domain import Equipment, Frame, Guarantee, Lens, LensClass, reimburse

    equipment = Equipment(
        right=Lens(usage="far", price_cents=15_000, classe="B"),
        left=Lens(usage="far", price_cents=32_000, classe="B"),
        frame=Frame(price_cents=18_000, classe="B"),
        delivered_on=dt.date(2025, 4, 2),
    )
    return reimburse(
        equipment, amo_paid={"right": 5, "left": 5, "frame": 3},
        guarantees={"b": Guarantee(equipment_cents=45_000, frame_cents=10_000)},
        lens_classes=(LensClass.SIMPLE, LensClass.COMPLEX),
    ).model_dump_json()


DECISION = _decision()


def ins(n: int) -> str:
    """A valid INS (NIR) number n (its key computed)."""
    body = f"1680675{n:06d}"
    return body + f"{97 - int(body) % 97:02d}"


def member(n: int, birth: dt.date = dt.date(1968, 6, 1)) -> Beneficiary:
    return Beneficiary(member_id=f"M{n:04d}", ins=ins(n), birth_date=birth)


def facts(claim_id="C-1", *, member_id="M0001", commitment="111", delivered=dt.date(2025, 4, 2),
          bundle=None, proof="p", insurer=INSURER) -> ClaimFacts:
    """Facts of a claim; ``bundle`` names its content but the proof, ``proof`` its proof."""
    claim = bundle or f"{claim_id}/{member_id}/{commitment}/{delivered}"
    return ClaimFacts(
        insurer=insurer, claim_id=claim_id, optician=OPTICIAN, member_id=member_id,
        delivered_on=delivered, commitment=commitment, circuit_id="ab" * 32,
        bundle_sha256=hashlib.sha256(f"{claim}|{proof}".encode()).hexdigest(),
        claim_sha256=hashlib.sha256(claim.encode()).hexdigest(), setup_digest="cd" * 32,
    )


class RecordingJudge:
    """Accepts (or gives ``reason``), recording what it was shown; thread-safe."""

    def __init__(self, reason: str | None = None):
        self.reason = reason
        self.calls: list[tuple[Beneficiary | None, LedgerHistory]] = []
        self.batches: list[int] = []
        self._lock = threading.Lock()

    def verdict(self, ben, hist) -> Verdict:
        with self._lock:
            self.calls.append((ben, hist))
        if ben is None:
            return Verdict.reject("wrong_beneficiary", "claim.beneficiary: unknown member")
        if self.reason:
            return Verdict.reject(self.reason, f"{self.reason}: test")
        return Verdict.accept(DECISION)

    def __call__(self, ben, hist) -> Verdict:
        return self.verdict(ben, hist)

    def many(self, items):
        with self._lock:
            self.batches.append(len(items))
        return [self.verdict(ben, hist) for _i, ben, hist in items]


def ingest_same_claim(url: str, n: int, start, results) -> None:
    """Worker of the multi-process test: ``n`` threads submit claim C-race once ``start`` opens.

    ``start`` is a barrier shared by the processes; the answers go to the ``results`` queue.
    """
    from zkclaims.registry import open_registry

    reg = open_registry(url)
    out: list[tuple[str, bool, bool]] = []
    lock = threading.Lock()

    def one():
        o = reg.ingest(facts("C-race"), RecordingJudge(), rules_version="2020")
        with lock:
            out.append((o.status, o.recorded, o.replayed))

    threads = [threading.Thread(target=one) for _ in range(n)]
    start.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reg.close()
    results.put(out)
