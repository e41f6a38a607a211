"""``circuits build`` / ``circuits verify``: the statements' artifacts and their setup."""

from __future__ import annotations

import argparse

from zkclaims.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    Sub,
    emit,
)


def _add_circuits(sub: Sub) -> None:
    p = sub.add_parser(
        "circuits",
        help="build the circuits' artifacts (keys, circuit ids) or verify their setup",
        description="Circuit artifacts. `zkclaims circuits build --ceremony` runs the "
        "multi-party setup (phase 1 reused when committed, phase 2 per statement, contributions "
        "in separate processes, then a beacon) and writes circuits/ceremony/ and "
        "circuits/artifacts/<name>/; without --ceremony, a quick one-party setup for "
        "development (keys marked one-party: verifiers refuse them unless opted in through "
        "zkclaims.hazmat). `zkclaims circuits verify` replays the committed transcript.",
    )
    csub = p.add_subparsers(dest="circuits_command", required=True, metavar="ACTION")
    b = csub.add_parser("build", help="compile, set up and write the artifacts",
                        description="Compile each statement and (re)build its artifacts.")
    b.add_argument("--ceremony", action="store_true",
                   help="multi-party setup in snarkjs's formats (the shipped keys)")
    b.add_argument("--new-phase1", action="store_true",
                   help="with --ceremony: run phase 1 again instead of reusing the committed one")
    b.add_argument("--contributors", type=int, default=None,
                   help="with --ceremony: contributions per phase before the beacon (default 3)")
    b.add_argument("--beacon", default=None, help="with --ceremony: the beacon value (hex); "
                   "default: SHA-256 of the contribution hashes")
    b.add_argument("--statement", action="append", default=None, metavar="NAME",
                   help="with --ceremony: only this statement (repeatable)")
    b.add_argument("--force", action="store_true",
                   help="rebuild even when the artifacts match the circuit")
    b.add_argument("--out-dir", default=None,
                   help="write elsewhere than the package's circuits/artifacts (one-party only)")
    b.set_defaults(func=_cmd_circuits_build)
    a = csub.add_parser("adopt", help="make a ceremony run elsewhere the shipped keys",
                        description="Verify a final .zkey of a statement (and, with --ptau, a "
                        "prepared phase-1 file, installed first) made by a real ceremony among "
                        "several parties, then install it as the statement's keys: the "
                        "transcript under circuits/ceremony/, the keys and circuit.json "
                        "(setup mpc, contributions, transcript digest) under circuits/artifacts/.")
    a.add_argument("name", metavar="NAME", help="the statement, e.g. optique-equipement-2020")
    a.add_argument("--zkey", required=True, help="the final .zkey of the phase-2 ceremony")
    a.add_argument("--ptau", default=None, help="the prepared .ptau it was made from (default: "
                   "the committed circuits/ceremony/phase1 file)")
    a.add_argument("--origin", required=True, help="who contributed, for TRANSCRIPT.md (e.g. "
                   "'Ceremony of March 2027: the insurer federations, the opticians' federation "
                   "and the public insurer, each on its own machine')")
    a.set_defaults(func=_cmd_circuits_adopt)
    v = csub.add_parser("verify", help="replay the committed ceremony; check the shipped keys",
                        description="Verify every statement's committed transcript (phase 1 "
                        "and phase 2, every contribution) against the circuit compiled now, and "
                        "that the shipped proving and verifying keys are exactly its output.")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.set_defaults(func=_cmd_circuits_verify)


def _cmd_circuits_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.ceremony:
        from zkclaims.circuits.ceremony_build import CONTRIBUTORS, build_ceremony
        from zkclaims.errors import InvalidInputError

        if args.out_dir:
            raise InvalidInputError("--out-dir", args.out_dir, "not with --ceremony (the "
                                    "ceremony writes the package's circuits/ folder)")
        build_ceremony(args.statement, new_phase1=args.new_phase1, beacon=args.beacon,
                       contributors=args.contributors or CONTRIBUTORS, force=args.force)
        return EXIT_OK
    from zkclaims.circuits.build import build

    build(Path(args.out_dir) if args.out_dir else None, force=args.force)
    return EXIT_OK


def _cmd_circuits_adopt(args: argparse.Namespace) -> int:
    from pathlib import Path

    from zkclaims.circuits.ceremony_build import install_phase1, install_statement

    ptau = install_phase1(Path(args.ptau), origin=args.origin) if args.ptau else None
    note = (f"multi-party Groth16 setup in snarkjs's formats (circuits/ceremony/): {args.origin}."
            " Sound if one contributor was honest.")
    install_statement(args.name, Path(args.zkey), ptau, origin=args.origin, note=note)
    return EXIT_OK


def _cmd_circuits_verify(args: argparse.Namespace) -> int:
    from zkclaims.circuits.ceremony_build import verify_shipped

    results = verify_shipped(log=(lambda s: None) if args.json else print)
    ok = all(r.ok for r in results)
    emit(args, {"valid": ok, "statements": [r.__dict__ for r in results]},
         "\n".join(f"{'VALID' if r.ok else 'INVALID'}: {r.name}: {r.message}" for r in results))
    return EXIT_OK if ok else EXIT_INVALID


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_circuits(sub)
