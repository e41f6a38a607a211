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
* :mod:`.ceremony` — ``ceremony phase1 ...``, ``ceremony phase2 ...`` (the multi-party setup);
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
from typing import Any, NoReturn

from zkclaims.cli import (
    ceremony,
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
    rules, prescriber, trust, claim, circuits, ceremony, demo, tariffs, registry, serve,
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zkclaims")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown (not installed)"


class _UsageError(SystemExit):
    """argparse's usage error (exit 2), carrying its message for ``--json``."""

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_MALFORMED)
        self.message = message


class _Parser(argparse.ArgumentParser):
    """The parser of ``zkclaims`` and, as argparse's default, of every subcommand under it.

    argparse hands the arguments no subcommand knows back to the top-level parser, whose
    message would say ``zkclaims: unrecognized arguments``; here the innermost command refuses
    them itself (``zkclaims circuits verify: unrecognized arguments: ...``, also in ``--json``).
    """

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        ns, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise _UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse parser with every command group's subcommands."""
    parser = _Parser(
        prog="zkclaims",
        description="Zero-knowledge checks of French optical 'contrat responsable' brackets.",
        epilog="Exit codes: 0 ok or valid, 1 invalid (reason printed), 2 malformed input or "
        "usage. `zkclaims COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"zkclaims {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    _describe_commands(parser)
    return parser


def _describe_commands(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)command without a description its one-line help as description."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                if not child.description and helps.get(name):
                    child.description = helps[name][0].upper() + helps[name][1:] + "."
                _describe_commands(child)


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
    """Run the CLI; returns the exit code (0 ok, 1 invalid, 2 malformed input or usage).

    On exit 2 one line goes to stderr; with ``--json`` a JSON object goes to stdout too:
    ``{"ok": false, "exit_code": 2, "reason": "malformed" | "usage", "field": ..., "message":
    ...}`` (and ``"valid": false`` for ``verify``), so a batch job reads one format.
    """
    parser = build_parser()
    argv = _glue_negative_values(sys.argv[1:] if argv is None else argv)
    wants_json = "--json" in argv or "--jsonl" in argv
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or usage error (2)
        code = int(exc.code) if isinstance(exc.code, int) else EXIT_MALFORMED
        if code == EXIT_MALFORMED and wants_json:
            command = next((a for a in argv if not a.startswith("-")), None)
            _json_error(command, "usage", None, getattr(exc, "message", "usage error"))
        return code
    where = f"zkclaims {args.command}"
    wants_json = bool(getattr(args, "json", False) or getattr(args, "jsonl", False))
    try:
        return int(args.func(args))
    except BaseException as exc:  # noqa: BLE001 - no input may end in a traceback
        if isinstance(exc, SystemExit | GeneratorExit):
            raise
        field, line = _describe(exc)
    print(f"{where}: {line}", file=sys.stderr)
    if wants_json:
        _json_error(args.command, "malformed", field, line)
    return EXIT_MALFORMED


def _describe(exc: BaseException) -> tuple[str | None, str]:
    """Return ``(field, one line)`` for an exception that ends a command with exit 2."""
    import pydantic

    field = getattr(exc, "field", None)
    if isinstance(exc, pydantic.ValidationError):
        return None, pydantic_line(exc)
    if isinstance(exc, ZkClaimsError | ValueError):
        return field if isinstance(field, str) else None, _one_line(exc)
    if isinstance(exc, OSError):  # a file the command writes or reads outside the helpers
        name = exc.filename if exc.filename is not None else "file"
        return None, f"{name}: {exc.strerror or exc}"
    if isinstance(exc, RecursionError):
        return None, "input nested too deeply"
    if isinstance(exc, KeyboardInterrupt):
        return None, "interrupted"
    return None, (f"internal error {type(exc).__name__}: {_one_line(exc)} (please report it "
                  "with the command that caused it)")


def _json_error(command: str | None, reason: str, field: str | None, message: str) -> None:
    import json

    data: dict[str, object] = {"ok": False, "exit_code": EXIT_MALFORMED, "reason": reason,
                               "field": field, "message": message}
    if command == "verify":
        data["valid"] = False
    print(json.dumps(data, sort_keys=True))


def _one_line(exc: BaseException) -> str:
    """Return the exception's message on one line, cut short when it echoes a huge value."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 400 else echo_value(text)[1:-1]
