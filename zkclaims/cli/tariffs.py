"""``tariffs import`` and ``tariffs show``: convert the LPP download into the rules table.

The insurer converts the public insurer's monthly LPP download once; the verifier loads the
small JSON rules table it writes (``docs/lpp.md``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
from typing import Any

from zkclaims.cli._common import EXIT_OK, Sub, emit, iso_date

__all__ = ["register"]


def register(sub: Sub) -> None:
    """Add ``tariffs import`` and ``tariffs show`` to the CLI's subparsers."""
    p = sub.add_parser("tariffs", help="LPP tables: convert the public insurer's download "
                       "into the verifier's rules table (docs/lpp.md)")
    tsub = p.add_subparsers(dest="tariffs_command", required=True, metavar="ACTION")
    imp = tsub.add_parser("import", help="read the LPP download (zip or folder of .dbf "
                          "tables) and write the rules table as JSON")
    imp.add_argument("source", help="the LPP download: LPP.zip, or a folder holding "
                     "lpp_fiche_tot<nnn>.dbf and lpp_histo_tot<nnn>.dbf")
    imp.add_argument("--out", required=True, help="rules table to write (JSON)")
    imp.add_argument("--encoding", default=None, help="code page of the labels (default: the "
                     "tables' own, else cp1252)")
    imp.add_argument("--strict", action="store_true", help="refuse a download whose optics "
                     "chapter has prestation codes zkclaims does not know")
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=_cmd_import)
    show = tsub.add_parser("show", help="list the rows of a rules table")
    show.add_argument("table", help="rules table written by 'tariffs import'")
    show.add_argument("--code", default=None, help="only this grouping code (e.g. V01)")
    show.add_argument("--on", default=None, help="only rows in force on this day "
                      "(YYYY-MM-DD)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=_cmd_show)


def _summary(table: Any) -> dict[str, Any]:
    from zkclaims.domain.lpp.codes import SERVICE_CODES

    counts: dict[str, int] = {}
    for row in table.rows:
        counts[row.grouping_code] = counts.get(row.grouping_code, 0) + 1
    unknown = {c: n for c, n in table.other_optical_codes.items() if c not in SERVICE_CODES}
    return {"source": table.source, "files": table.files, "rows": len(table.rows),
            "rows_by_code": counts, "other_optical_codes": table.other_optical_codes,
            "not_priced": unknown,
            "child_age_limit_today": table.child_age_limit(_dt.date.today())}


def _cmd_import(args: argparse.Namespace) -> int:
    from zkclaims.domain.lpp import import_lpp, save_tariffs

    table = import_lpp(args.source, encoding=args.encoding, strict=args.strict)
    save_tariffs(table, args.out)
    data = _summary(table) | {"written": args.out}
    lines = [f"{table.source}: {len(table.rows)} optical rows written to {args.out}"]
    lines += [f"  {code}: {n} row(s)" for code, n in sorted(data["rows_by_code"].items())]
    limit = data["child_age_limit_today"]
    lines.append("  children (today): " + (f"under {limit}" if limit is not None else
                                            "no row with an age limit in force"))
    if data["not_priced"]:
        listed = ", ".join(f"{c} ({n} rows)" for c, n in sorted(data["not_priced"].items()))
        lines.append(f"  not priced (claims under them are refused): {listed}")
    if not table.rows:
        lines.append("  warning: no optical element row found: every classe A claim will be "
                     "refused with this table")
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from zkclaims.domain.lpp import load_tariffs

    table = load_tariffs(args.table, "table")
    day = iso_date(args.on, "--on") if args.on else None
    rows = [r for r in table.rows if (args.code is None or r.grouping_code == args.code)
            and (day is None or r.valid_on(day))]
    data = _summary(table) | {"shown": [r.model_dump(mode="json") for r in rows]}
    text = [f"{table.source}: {len(rows)} of {len(table.rows)} rows"
            + (f" of {args.code}" if args.code else "") + (f" in force on {day}" if day else "")]
    for r in rows:
        text.append(f"  {r.grouping_code} {r.cite()}")
    emit(args, data, "\n".join(text))
    return EXIT_OK
