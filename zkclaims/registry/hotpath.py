"""The statements run for every claim, through the driver's cursor (SQLite, psycopg).

Everything else in the ledger goes through SQLAlchemy Core; these few statements — read a
claim, read a member's record and paid equipment, take the audit head, write the decision —
run once or twice per claim, where Core's statement handling (tens of microseconds each)
would cost more than the database. They run on the DBAPI cursor of the SQLAlchemy connection,
inside its transaction, with the same SQL for both engines (named ``:parameters``, rewritten
to ``%(parameters)s`` for psycopg). Dates travel as ISO text to SQLite, which stores them so
(as SQLAlchemy's ``Date`` does), and as dates to PostgreSQL.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from zkclaims.domain.patient import Beneficiary
from zkclaims.registry.audit import row_hash
from zkclaims.registry.ledger import MemberState, Paid
from zkclaims.registry.schema import audit, claims, payments

__all__ = ["HotSql", "CLAIM_COLUMNS"]

CLAIM_COLUMNS = tuple(c.name for c in claims.columns)
_AUDIT_COLUMNS = tuple(c.name for c in audit.columns)
_PAYMENT_COLUMNS = tuple(c.name for c in payments.columns)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})")


_SQL = {
    "claim": f"SELECT {', '.join(CLAIM_COLUMNS)} FROM claims"
             " WHERE insurer = :insurer AND claim_id = :claim_id",
    "member": "SELECT b.member_id, b.ins, b.birth_date, b.amo_regime,"
              " p.claim_id, p.commitment, p.delivered_on"
              " FROM beneficiaries b LEFT JOIN payments p"
              " ON p.insurer = b.insurer AND p.member_id = b.member_id"
              " WHERE b.insurer = :insurer AND b.member_id = :member_id"
              " ORDER BY p.delivered_on DESC, p.claim_id DESC",
    "head": "SELECT seq, row_hash FROM audit_head WHERE id = 1",
    "insert_claim": _insert("claims", CLAIM_COLUMNS),
    "insert_payment": _insert("payments", _PAYMENT_COLUMNS),
    "insert_audit": _insert("audit", _AUDIT_COLUMNS),
    "move_head": "UPDATE audit_head SET seq = :seq, row_hash = :row_hash WHERE id = 1",
}


def _date(value: Any) -> _dt.date:
    return value if isinstance(value, _dt.date) else _dt.date.fromisoformat(value)


class HotSql:
    """The per-claim statements for one dialect (``sqlite`` or ``postgresql``)."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"
        self.sql = {k: re.sub(r":(\w+)", r"%(\1)s", v) if self.pg else v
                    for k, v in _SQL.items()}
        if self.pg:
            self.sql["head"] += " FOR UPDATE"

    def _params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if self.pg:
            return dict(values)
        return {k: v.isoformat() if isinstance(v, _dt.date) else v for k, v in values.items()}

    def claim(self, cur: Any, insurer: str, claim_id: str) -> dict[str, Any] | None:
        """Return the claims row of (insurer, claim id) as a dict, or None."""
        cur.execute(self.sql["claim"], {"insurer": insurer, "claim_id": claim_id})
        row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip(CLAIM_COLUMNS, row, strict=True))
        out["delivered_on"] = _date(out["delivered_on"])
        return out

    def member(self, cur: Any, insurer: str, member_id: str) -> MemberState:
        """Return the member's record and paid equipment (latest delivery first)."""
        cur.execute(self.sql["member"], {"insurer": insurer, "member_id": member_id})
        rows = cur.fetchall()
        if not rows:
            return MemberState(None, ())
        r0 = rows[0]
        ben = Beneficiary.model_construct(member_id=r0[0], ins=r0[1], birth_date=_date(r0[2]),
                                          amo_regime=r0[3])
        paid = tuple(Paid(r[4], r[5], _date(r[6])) for r in rows if r[4] is not None)
        return MemberState(ben, paid)

    def head(self, cur: Any) -> tuple[int, str]:
        """Return the audit head (locked ``FOR UPDATE`` on PostgreSQL)."""
        cur.execute(self.sql["head"])
        seq, digest = cur.fetchone()
        return int(seq), digest

    def append_audit(self, cur: Any, head: tuple[int, str], fields: Mapping[str, Any]) -> int:
        """Append the audit row after ``head`` and move the head; return its seq."""
        seq = head[0] + 1
        row = {**fields, "seq": seq, "prev_hash": head[1]}
        row["row_hash"] = row_hash(row)
        cur.execute(self.sql["insert_audit"], {c: row[c] for c in _AUDIT_COLUMNS})
        cur.execute(self.sql["move_head"], {"seq": seq, "row_hash": row["row_hash"]})
        return seq

    def insert_claim(self, cur: Any, values: Mapping[str, Any]) -> None:
        """Insert a claims row (a taken key raises the driver's IntegrityError)."""
        cur.execute(self.sql["insert_claim"], self._params(values))

    def insert_payment(self, cur: Any, values: Mapping[str, Any]) -> None:
        """Insert a payments row."""
        cur.execute(self.sql["insert_payment"], self._params(values))
