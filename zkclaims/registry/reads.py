"""The ledger's reads outside the per-claim path (SQLAlchemy Core): records, histories, batches.

:func:`snapshots` reads what a batch of claims needs — their keys, their members' records and
paid equipment — in a few queries, where the per-claim path (:mod:`.hotpath`) would run
three statements a claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_

from zkclaims.domain.patient import Beneficiary
from zkclaims.registry.ledger import MemberState, Paid
from zkclaims.registry.records import ClaimFacts, Outcome
from zkclaims.registry.schema import beneficiaries, claims, payments

__all__ = ["Snapshot", "beneficiary_of", "paid_of", "snapshots", "claim_outcome", "CHUNK"]

#: Keys per query of a batch read.
CHUNK = 500

_BENEFICIARY = select(beneficiaries).where(beneficiaries.c.insurer == bindparam("insurer"),
                                           beneficiaries.c.member_id == bindparam("member_id"))
_PAID = (select(payments.c.claim_id, payments.c.commitment, payments.c.delivered_on)
         .where(payments.c.insurer == bindparam("insurer"),
                payments.c.member_id == bindparam("member_id"))
         .order_by(payments.c.delivered_on.desc(), payments.c.claim_id.desc()))




@dataclass(frozen=True)
class Snapshot:
    """What a claim's decision rests on: its key's row (or None) and its member's state."""

    claim: Any  # the claims row (a mapping) or None
    member: MemberState


# -- reads -----------------------------------------------------------------------------------------

def beneficiary_of(conn: Connection, insurer: str, member_id: str) -> Beneficiary | None:
    """Return the insurer's record of a member, or None."""
    row = conn.execute(_BENEFICIARY, {"insurer": insurer, "member_id": member_id}
                       ).mappings().first()
    return None if row is None else to_beneficiary(row)


def to_beneficiary(row: Any) -> Beneficiary:
    """Return the record of a ``beneficiaries`` row (validated when it was imported)."""
    return Beneficiary.model_construct(
        member_id=row["member_id"], ins=row["ins"], birth_date=row["birth_date"],
        amo_regime=row["amo_regime"],
    )


def paid_of(conn: Connection, insurer: str, member_id: str) -> tuple[Paid, ...]:
    """Return a member's paid equipment."""
    rows = conn.execute(_PAID, {"insurer": insurer, "member_id": member_id}).all()
    return tuple(Paid(r[0], r[1], r[2]) for r in rows)


def snapshots(conn: Connection, items: Sequence[ClaimFacts]) -> list[Snapshot]:
    """Return the :class:`Snapshot` of many claims, read in a few queries (``CHUNK`` keys each)."""
    rows: dict[tuple[str, str], Any] = {}
    bens: dict[tuple[str, str], Beneficiary] = {}
    paid: dict[tuple[str, str], list[Paid]] = {}
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        keys = list({(f.insurer, f.claim_id) for f in chunk})
        members = list({(f.insurer, f.member_id) for f in chunk})
        for r in conn.execute(select(claims).where(
            tuple_(claims.c.insurer, claims.c.claim_id).in_(keys)
        )).mappings():
            rows[(r["insurer"], r["claim_id"])] = r
        for r in conn.execute(select(beneficiaries).where(
            tuple_(beneficiaries.c.insurer, beneficiaries.c.member_id).in_(members)
        )).mappings():
            bens[(r["insurer"], r["member_id"])] = to_beneficiary(r)
        for r in conn.execute(
            select(payments.c.insurer, payments.c.member_id, payments.c.claim_id,
                   payments.c.commitment, payments.c.delivered_on)
            .where(tuple_(payments.c.insurer, payments.c.member_id).in_(members))
            .order_by(payments.c.delivered_on.desc(), payments.c.claim_id.desc())
        ):
            paid.setdefault((r[0], r[1]), []).append(Paid(r[2], r[3], r[4]))
    out = []
    for f in items:
        ben = bens.get((f.insurer, f.member_id))
        member = MemberState(ben, tuple(paid.get((f.insurer, f.member_id), ())) if ben else ())
        out.append(Snapshot(rows.get((f.insurer, f.claim_id)), member))
    return out


def claim_outcome(row: Any, *, replayed: bool = False) -> Outcome:
    """Return the :class:`Outcome` a ``claims`` row records."""
    return Outcome(
        row["insurer"], row["claim_id"], row["optician"], row["member_id"],
        row["bundle_sha256"], row["status"], row["reason"], row["message"], row["decision"],
        row["decided_at"], row["audit_seq"], replayed=replayed, recorded=False,
    )
