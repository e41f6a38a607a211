"""The audit trail: every decision, each row hash-chained to the previous one.

A row records one decision of the ledger: its sequence number (1, 2, 3, ... with no gap), the
time (UTC, ISO 8601), the insurer, the claim id, the SHA-256 of the bundle, the outcome and
reason, the package and rules versions, the circuit id and the setup digest (the ceremony
transcript's digest when the circuit has one, else the verifying key's). Its hash is

    row_hash = SHA-256( "zkclaims/audit/v1" NUL || canonical JSON of the row, prev_hash included )

(compact JSON, sorted keys, ASCII), and ``prev_hash`` is the previous row's ``row_hash`` (64
zeros for row 1). Changing, deleting or inserting a row breaks the chain at that row;
:func:`check_chain` names the first broken one. The ``audit_head`` row holds the last sequence
number and hash, so a truncated tail shows too. The database also refuses UPDATE and DELETE on
``audit`` (triggers of the first migration): the chain catches what someone with the rights to
drop those triggers does anyway. Publishing the head hash now and then (e.g. in a daily report)
anchors the chain outside the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from zkclaims.registry.schema import audit, audit_head

__all__ = [
    "AUDIT_PREFIX",
    "GENESIS_HASH",
    "AUDIT_FIELDS",
    "AuditReport",
    "row_hash",
    "check_chain",
    "check_rows",
]

#: Domain separation of the row hash (versioned).
AUDIT_PREFIX = b"zkclaims/audit/v1\x00"
#: ``prev_hash`` of the first row.
GENESIS_HASH = "0" * 64
#: The hashed fields of a row, ``prev_hash`` included, ``row_hash`` excluded.
AUDIT_FIELDS = (
    "seq",
    "at",
    "insurer",
    "claim_id",
    "bundle_sha256",
    "outcome",
    "reason",
    "package_version",
    "rules_version",
    "circuit_id",
    "setup_digest",
    "prev_hash",
)


def row_hash(row: Mapping[str, Any]) -> str:
    """Return the hex SHA-256 of a row's canonical bytes (the fields of :data:`AUDIT_FIELDS`)."""
    doc = {k: row[k] for k in AUDIT_FIELDS}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(AUDIT_PREFIX + text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class AuditReport:
    """What :func:`check_chain` found.

    ``ok`` when every row links to the previous one and hashes right and the head matches the
    last row; otherwise ``broken_seq`` is the first row that does not (None when only the head
    is off) and ``problem`` says what is wrong.
    """

    ok: bool
    rows: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    def line(self) -> str:
        """One line for a terminal."""
        if self.ok:
            return f"audit chain OK: {self.rows} rows, head {self.last_seq} {self.last_hash}"
        where = f"row {self.broken_seq}" if self.broken_seq is not None else "head"
        return f"audit chain BROKEN at {where}: {self.problem} ({self.rows} rows read)"


def check_rows(
    rows: Iterable[Mapping[str, Any]], head: tuple[int, str] | None
) -> AuditReport:
    """Check rows in ``seq`` order against each other and the head (:func:`check_chain`)."""
    expected_seq, prev = 1, GENESIS_HASH
    count = 0
    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            return AuditReport(False, count, expected_seq - 1, prev, expected_seq,
                               f"row {expected_seq} is missing (the next row is {seq})")
        if row["prev_hash"] != prev:
            return AuditReport(False, count, seq - 1, prev, seq,
                               "prev_hash is not the hash of the row before it")
        if row_hash(row) != row["row_hash"]:
            return AuditReport(False, count, seq - 1, prev, seq,
                               "row_hash does not match the row's content (the row was changed)")
        prev = row["row_hash"]
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is not None and (head[0], head[1]) != (last_seq, prev):
        return AuditReport(False, count, last_seq, prev, None,
                           f"the head says row {head[0]} {head[1][:16]}..., the last row is"
                           f" {last_seq} {prev[:16]}... (rows were removed from the end)")
    return AuditReport(True, count, last_seq, prev)


def _rows(conn: Connection, chunk: int) -> Iterator[Mapping[str, Any]]:
    last = 0
    while True:
        batch = conn.execute(
            select(audit).where(audit.c.seq > last).order_by(audit.c.seq).limit(chunk)
        ).mappings().all()
        if not batch:
            return
        yield from batch
        last = batch[-1]["seq"]


def check_chain(conn: Connection, *, chunk: int = 5000) -> AuditReport:
    """Read the whole trail in ``seq`` order (``chunk`` rows at a time) and check the chain."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.row_hash)).first()
    return check_rows(_rows(conn, chunk), None if head is None else (head[0], head[1]))
