"""Command-line interface: ``zkclaims <command> ...``.

Exit codes: 0 ok (or valid), 1 invalid (a well-formed input the rules or a verifier reject),
2 malformed input or usage (argparse errors included). Bad input prints one line on stderr
naming the field; no input makes the process crash with a traceback.

One module per command group, each with a ``register(sub)`` function that adds its
subcommands; :data:`GROUPS` lists them in the order of ``zkclaims --help``:

* :mod:`.rules` — ``classify``, ``category`` (the clear-text rules);
* :mod:`.prescriber` — ``keygen``, ``prescribe``, ``opening import``;
* :mod:`.trust` — ``trust add | revoke | list | add-root | add-crl | check``;
* :mod:`.claim` — ``prove``, ``verify``, ``export-snarkjs``, ``inspect``;
* :mod:`.circuits` — ``circuits build``;
* :mod:`.demo` — ``demo``;
* :mod:`.tariffs` — ``tariffs import``, ``tariffs show`` (the LPP tables);
* :mod:`.registry` — ``registry init|migrate|beneficiaries import|ingest|audit`` (the ledger);
* :mod:`.serve` — ``serve`` (the HTTP service), ``apikey``.

Helpers shared by the groups (exit codes, JSON files, option parsers) are in :mod:`._common`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from types import ModuleType

from zkclaims.cli import (
    circuits,
    claim,
    demo,
    prescriber,
    registry,
    rules,
    serve,
    tariffs,
    trust,
)
from zkclaims.cli._common import EXIT_INVALID, EXIT_MALFORMED, EXIT_OK, pydantic_line
from zkclaims.errors import ZkClaimsError, echo_value

__all__ = ["EXIT_OK", "EXIT_INVALID", "EXIT_MALFORMED", "GROUPS", "build_parser", "main"]

#: The command groups, in the order of ``zkclaims --help``. Append new ones here.
GROUPS: list[ModuleType] = [
    rules, prescriber, trust, claim, circuits, demo, tariffs, registry, serve,
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zkclaims")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse parser with every command group's subcommands."""
    parser = argparse.ArgumentParser(
        prog="zkclaims",
        description="Zero-knowledge checks of French optical 'contrat responsable' brackets.",
        epilog="Exit codes: 0 ok or valid, 1 invalid (reason printed), 2 malformed input or "
        "usage. `zkclaims COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"zkclaims {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


# A negative French-decimal value ("-5,50") is not recognised as a number by argparse and
# would be taken for an option: glue it to the preceding "--option" as "--option=-5,50".
_NEGATIVE_VALUE = re.compile(r"^-\d+[.,]\d*$")


def _glue_negative_values(argv: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tok in argv:
        if out and _NEGATIVE_VALUE.match(tok) and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={tok}"
        else:
            out.append(tok)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 invalid, 2 malformed input or usage)."""
    import pydantic

    parser = build_parser()
    argv = _glue_negative_values(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_MALFORMED
    where = f"zkclaims {args.command}"
    try:
        return int(args.func(args))
    except pydantic.ValidationError as exc:
        print(f"{where}: {pydantic_line(exc)}", file=sys.stderr)
    except (ZkClaimsError, ValueError) as exc:
        print(f"{where}: {_one_line(exc)}", file=sys.stderr)
    except OSError as exc:  # a file the command writes or reads outside the helpers
        name = exc.filename if exc.filename is not None else "file"
        print(f"{where}: {name}: {exc.strerror or exc}", file=sys.stderr)
    except RecursionError:
        print(f"{where}: input nested too deeply", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - no input may end in a traceback
        print(f"{where}: internal error {type(exc).__name__}: {_one_line(exc)} (please report"
              " it with the command that caused it)", file=sys.stderr)
    return EXIT_MALFORMED


def _one_line(exc: BaseException) -> str:
    """Return the exception's message on one line, cut short when it echoes a huge value."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 400 else echo_value(text)[1:-1]
