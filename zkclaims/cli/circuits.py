"""``circuits build``: the statements' artifacts."""

from __future__ import annotations

import argparse

from zkclaims.cli._common import (
    EXIT_OK,
    Sub,
)


def _add_circuits(sub: Sub) -> None:
    p = sub.add_parser(
        "circuits",
        help="build the circuits' artifacts (keys, circuit ids)",
        description="Circuit artifacts. `zkclaims circuits build` compiles each statement, runs "
        "a one-party Groth16 setup with fresh randomness (discarded) and writes "
        "circuits/artifacts/<name>/.",
    )
    csub = p.add_subparsers(dest="circuits_command", required=True, metavar="ACTION")
    b = csub.add_parser("build", help="compile, set up and write the artifacts",
                        description="Compile each statement and (re)build its artifacts.")
    b.add_argument("--force", action="store_true",
                   help="rebuild even when the artifacts match the circuit")
    b.add_argument("--out-dir", default=None,
                   help="write elsewhere than the package's circuits/artifacts")
    b.set_defaults(func=_cmd_circuits_build)


def _cmd_circuits_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from zkclaims.circuits.build import build

    build(Path(args.out_dir) if args.out_dir else None, force=args.force)
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_circuits(sub)
