"""``zkclaims registry ...``: the insurer's ledger from the command line.

``init`` / ``migrate`` (schema), ``beneficiaries import FILE`` (member records), ``ingest DIR``
(verify and record every bundle of a folder — or the bundle files given —, one result line
each), ``audit`` (check the hash chain). The ledger is named by ``--database URL`` or by the
``--config`` file of ``zkclaims serve`` (see docs/service.md); ``ingest`` also needs the
verifier's settings from that file (or ``--trusted``, ``--contract``, ...).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zkclaims.cli._common import EXIT_INVALID, EXIT_MALFORMED, EXIT_OK, Sub

__all__ = ["register"]


def _ledger_options(p: argparse.ArgumentParser, *, insurer: bool = False) -> None:
    p.add_argument("--config", default=None, metavar="FILE",
                   help="the service's TOML configuration (database_url, insurer, ...);"
                   " $ZKCLAIMS_CONFIG when not given")
    p.add_argument("--database", default=None, metavar="URL",
                   help="the ledger: sqlite:///FILE or postgresql://... (overrides --config)")
    if insurer:
        p.add_argument("--insurer", default=None, metavar="ID",
                       help="this insurer's identifier (overrides --config)")


def _settings(args: argparse.Namespace, *need: str) -> dict[str, Any]:
    """Return the settings from --config/$ZKCLAIMS_CONFIG and the environment, then the flags."""
    import os

    from zkclaims.errors import InvalidInputError
    from zkclaims.service.config import ENV_PREFIX, ServiceConfig

    data: dict[str, Any] = {}
    path = args.config or os.environ.get(f"{ENV_PREFIX}CONFIG")
    if path:
        from zkclaims.service.config import load_config

        data = {k: getattr(load_config(path), k) for k in ServiceConfig.model_fields}
    else:
        for key in ServiceConfig.model_fields:
            value = os.environ.get(f"{ENV_PREFIX}{key.upper()}")
            if value is not None:
                data[key] = value
    flags = {"database_url": getattr(args, "database", None),
             "insurer": getattr(args, "insurer", None)}
    data.update({k: v for k, v in flags.items() if v is not None})
    for key in need:
        if not data.get(key):
            flag = {"database_url": "--database", "insurer": "--insurer"}.get(key, "--config")
            raise InvalidInputError(flag, None, f"needed: give {flag} (or --config FILE with"
                                    f" {key})")
    return data


def _open(args: argparse.Namespace, *, migrate: bool = False) -> Any:
    from zkclaims.registry import open_registry

    s = _settings(args, "database_url")
    return open_registry(s["database_url"], migrate=migrate,
                         sqlite_synchronous=s.get("sqlite_synchronous") or "full")


def _cmd_init(args: argparse.Namespace) -> int:
    from zkclaims.registry import head_revision
    from zkclaims.registry.engines import make_engine
    from zkclaims.registry.migrate import current_revision

    s = _settings(args, "database_url")
    engine = make_engine(s["database_url"])
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current is not None:
        print(f"ledger already exists at revision {current} (zkclaims registry migrate"
              " upgrades it)")
        return EXIT_OK if current == head_revision() else EXIT_INVALID
    _open(args, migrate=True).close()
    print(f"created the ledger at revision {head_revision()}")
    return EXIT_OK


def _cmd_migrate(args: argparse.Namespace) -> int:
    from zkclaims.registry import head_revision
    from zkclaims.registry.engines import make_engine
    from zkclaims.registry.migrate import current_revision

    s = _settings(args, "database_url")
    engine = make_engine(s["database_url"])
    try:
        before = current_revision(engine)
    finally:
        engine.dispose()
    _open(args, migrate=True).close()
    print(f"ledger at revision {head_revision()} (was {before or 'empty'})")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from zkclaims.registry.beneficiaries import read_beneficiaries

    s = _settings(args, "database_url", "insurer")
    records = read_beneficiaries(args.file)
    with _open(args) as reg:
        report = reg.import_beneficiaries(s["insurer"], records)
    print(f"{report.total} members read: {report.inserted} added, {report.updated} updated,"
          f" {report.unchanged} unchanged")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    with _open(args) as reg:
        report = reg.audit()
    if args.json:
        print(json.dumps({"ok": report.ok, "rows": report.rows, "last_seq": report.last_seq,
                          "last_hash": report.last_hash, "broken_seq": report.broken_seq,
                          "problem": report.problem}, indent=2))
    else:
        print(report.line())
    return EXIT_OK if report.ok else EXIT_INVALID


def _cmd_ingest(args: argparse.Namespace) -> int:
    from zkclaims.errors import InputFileError
    from zkclaims.registry.ingest import Ingestor
    from zkclaims.service.bodies import BodyError, parse_bundle
    from zkclaims.service.config import ServiceConfig
    from zkclaims.service.state import build_verifier

    s = _settings(args, "database_url", "insurer")
    for key, flag in (("trusted_prescribers", "trusted"), ("contract", "contract"),
                      ("tariffs", "tariffs"), ("claim_deadline_days", "claim_deadline_days")):
        if getattr(args, flag) is not None:
            s[key] = getattr(args, flag)
    if not s.get("trusted_prescribers"):
        raise InputFileError("--trusted", None, "needed: the trusted prescribers (or --config)")
    config = ServiceConfig.model_validate(s)
    files: list[Path] = []
    for name in args.paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise InputFileError("PATH", name, "no such file or folder")
    if args.batch < 1:
        raise InputFileError("--batch", args.batch, "must be at least 1")
    worst = EXIT_OK
    with _open(args) as reg:
        import datetime as _dt
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(config.timezone)
        ingestor = Ingestor(reg, build_verifier(config),
                            today=lambda: _dt.datetime.now(zone).date())
        for start in range(0, len(files), args.batch):
            chunk = files[start:start + args.batch]
            parsed: list[tuple[Path, Any]] = []
            for f in chunk:
                try:
                    parsed.append((f, parse_bundle(f.read_bytes())))
                except BodyError as exc:
                    _line(args, {"file": f.name, "status": "malformed", "code": exc.code,
                                 "field": exc.field, "message": exc.message})
                    worst = EXIT_MALFORMED
                except OSError as exc:
                    _line(args, {"file": f.name, "status": "malformed", "code": "unreadable",
                                 "field": None, "message": exc.strerror})
                    worst = EXIT_MALFORMED
            outcomes = ingestor.ingest_many([b for _, b in parsed]) if parsed else []
            for (f, _b), o in zip(parsed, outcomes, strict=True):
                _line(args, {"file": f.name, "status": o.status, "claim_id": o.claim_id,
                             "reason": o.reason, "replayed": o.replayed,
                             "audit_seq": o.audit_seq, "message": o.message})
                if o.status != "accepted" and worst == EXIT_OK:
                    worst = EXIT_INVALID
    return worst


def _line(args: argparse.Namespace, doc: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, sort_keys=True), flush=True)
        return
    if doc["status"] == "malformed":
        text = f"{doc['file']}\tmalformed\t{doc['code']}\t{doc['message']}"
    else:
        tail = "replayed" if doc["replayed"] else f"audit row {doc['audit_seq']}"
        why = f"{doc['reason']}: {doc['message']}" if doc["reason"] else tail
        text = f"{doc['file']}\t{doc['status']}\t{doc['claim_id']}\t{why}"
    print(text, flush=True)


def register(sub: Sub) -> None:
    """Add ``registry`` and its subcommands."""
    p = sub.add_parser(
        "registry", help="the insurer's ledger: init, migrate, import members, ingest, audit",
        description="The insurer's claim ledger (SQLite or PostgreSQL): see docs/service.md.",
    )
    rsub = p.add_subparsers(dest="registry_command", required=True, metavar="SUBCOMMAND")

    q = rsub.add_parser("init", help="create a new ledger (tables at the current revision)",
                        description="Create the ledger's tables in an empty database.")
    _ledger_options(q)
    q.set_defaults(func=_cmd_init)

    q = rsub.add_parser("migrate", help="bring the ledger's schema to this version",
                        description="Run the ledger's migrations up to this package's"
                        " revision (an empty database gets every table).")
    _ledger_options(q)
    q.set_defaults(func=_cmd_migrate)

    q = rsub.add_parser("beneficiaries", help="the insurer's member records",
                        description="The insurer's own member records (member id, INS, birth"
                        " date, AMO regime).")
    bsub = q.add_subparsers(dest="beneficiaries_command", required=True, metavar="ACTION")
    b = bsub.add_parser("import", help="insert or update members from a file",
                        description="Insert or update members from FILE (.csv with header"
                        " member_id,ins,birth_date[,amo_regime]; .json list; .jsonl), all or"
                        " nothing: the first bad record is named and nothing is imported.")
    b.add_argument("file", metavar="FILE", help="members file (.csv, .json or .jsonl)")
    _ledger_options(b, insurer=True)
    b.set_defaults(func=_cmd_import)

    q = rsub.add_parser("ingest", help="verify and record claim bundles (files or folders)",
                        description="Verify and record the bundles given, and every *.json"
                        " bundle of the folders given (batches of --batch, proofs"
                        " batch-verified), printing one result line per bundle. Exit 0 all"
                        " accepted, 1 some rejected, 2 some malformed.")
    q.add_argument("paths", nargs="+", metavar="PATH",
                   help="a claim bundle (.json), or a folder of them")
    _ledger_options(q, insurer=True)
    q.add_argument("--trusted", default=None, metavar="FILE",
                   help="trusted-prescribers JSON (overrides --config)")
    q.add_argument("--contract", default=None, metavar="FILE",
                   help="contract JSON (overrides --config)")
    q.add_argument("--tariffs", default=None, metavar="FILE",
                   help="LPP tariffs table (overrides --config)")
    q.add_argument("--claim-deadline-days", type=int, default=None, metavar="DAYS",
                   help="refuse claims delivered more than DAYS ago (overrides --config)")
    q.add_argument("--batch", type=int, default=64, metavar="N",
                   help="bundles verified together (default 64)")
    q.add_argument("--json", action="store_true", help="one JSON object per line")
    q.set_defaults(func=_cmd_ingest)

    q = rsub.add_parser("audit", help="check the audit trail's hash chain",
                        description="Recompute every audit row's hash and link; name the first"
                        " broken row. Exit 0 intact, 1 broken.")
    _ledger_options(q)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_cmd_audit)
