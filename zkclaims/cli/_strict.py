"""A subcommand parser that reports unknown arguments itself, naming its command.

argparse hands arguments no subcommand knows back to the top-level parser, whose message says
``zkclaims: unrecognized arguments``; with this class the innermost command says it
(``zkclaims circuits verify: unrecognized arguments: ...``), also in the ``--json`` error.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["strict_subparsers"]


def strict_subparsers(parser: argparse.ArgumentParser, **kwargs: Any) -> Any:
    """``parser.add_subparsers(**kwargs)`` whose parsers refuse unknown arguments themselves."""
    base = type(parser)

    class _Strict(base):  # type: ignore[valid-type, misc]
        def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
            ns, extras = super().parse_known_args(args, namespace)
            if extras:
                self.error(f"unrecognized arguments: {' '.join(extras)}")
            return ns, extras

    return parser.add_subparsers(parser_class=_Strict, **kwargs)
