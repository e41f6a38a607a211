"""Helpers shared by the command modules: exit codes, JSON in and out, option parsers."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
from typing import Any

import pydantic

__all__ = [
    "EXIT_OK", "EXIT_INVALID", "EXIT_MALFORMED", "Sub", "emit", "pydantic_line", "read_json",
    "load_model", "write_json", "check_backend", "iso_date", "cents_map",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_MALFORMED = 2

Sub = Any  # argparse._SubParsersAction (private type)

def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print ``data`` as JSON when ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        print(text)


def pydantic_line(exc: pydantic.ValidationError) -> str:
    """One line for a pydantic error: ``field: message (got value)`` (+ how many more)."""
    from zkclaims.domain.models import _pydantic_error_line

    return _pydantic_error_line(exc)


def read_json(path: str, what: str) -> Any:
    """Read a JSON file (``-``: standard input) through :func:`zkclaims.jsonio.load_file`.

    A missing, unreadable, oversized, too deeply nested or unparsable file raises
    :class:`~zkclaims.errors.InputFileError` naming ``what``, the path and the field.
    """
    from zkclaims.jsonio import load_file

    return load_file(path, what)


def load_model(model: Any, path: str, what: str) -> Any:
    """Read ``path`` as JSON and validate it as ``model``; errors name the file and the field."""
    from zkclaims.errors import InputFileError, InvalidInputError

    data = read_json(path, what)
    try:
        return model.model_validate(data)
    except InvalidInputError as exc:
        raise InputFileError(what, path, f"not a valid {model.__name__}: {exc}") from None


def write_json(path: str, obj: Any, what: str, *, private: bool = False) -> None:
    """Write ``obj`` as pretty JSON; ``private``: readable by the owner only (mode 0600).

    A private file is created with mode 0600 (never wider, whatever the umask) and an
    existing file is truncated and set back to 0600, as for the prescriber's private key.
    """
    import os

    from zkclaims.errors import InputFileError

    text = json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n"
    try:
        if private:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.fchmod(f.fileno(), 0o600)  # an existing file keeps its mode: narrow it
                f.write(text)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None


def check_backend(name: str | None) -> str | None:
    """Check ``--backend`` (None: the default) before any work is done."""
    from zkclaims.errors import InvalidInputError
    from zkclaims.groups import BACKEND_NAMES

    if name is not None and name not in BACKEND_NAMES:
        raise InvalidInputError("--backend", name, f"must be one of {', '.join(BACKEND_NAMES)}")
    return name


def iso_date(text: str, what: str) -> _dt.date:
    """Parse a calendar date written ``YYYY-MM-DD`` (nothing else)."""
    from zkclaims.errors import InvalidInputError

    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise InvalidInputError(what, text, "expected a date YYYY-MM-DD")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(what, text, f"not a calendar date ({exc})") from None


def cents_map(text: str | None, what: str) -> dict[str, int]:
    """Parse ``right=500,left=500,frame=300`` (cents) into a dict."""
    from zkclaims.domain.models import MAX_CENTS
    from zkclaims.errors import InvalidInputError

    out: dict[str, int] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key = key.strip()
        value = value.strip()
        if key not in ("right", "left", "frame") or not (value.isascii() and value.isdigit()):
            raise InvalidInputError(
                what, part, "expected element=cents with element right, left or frame"
            )
        if key in out:
            raise InvalidInputError(what, part, f"{key} is given twice")
        if len(value) > len(str(MAX_CENTS)) or int(value) > MAX_CENTS:
            raise InvalidInputError(what, part, f"at most {MAX_CENTS} cents")
        out[key] = int(value)
    return out


