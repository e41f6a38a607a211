"""The one JSON reader of zkclaims: size, nesting and number limits checked before parsing.

Every document zkclaims reads from outside — claim bundles, proofs and keys, snarkjs files,
contracts, trusted-prescriber lists, every file the CLI opens — goes through :func:`loads`
(text or bytes), :func:`load_file` (a path) or :func:`check_tree` (a dict or list built in
Python). They guarantee that no input crashes or hangs the process:

* the size is checked first (:data:`MAX_BYTES` by default);
* the nesting depth is measured by a linear scan of the brackets outside strings **before**
  the parser recurses (:data:`MAX_DEPTH`): a 200 kB ``[[[[...`` is refused in microseconds,
  whatever the interpreter's recursion limit;
* the text must be UTF-8 (the byte offset of the first bad byte is named);
* integers of more than :data:`MAX_INT_DIGITS` digits, ``NaN``, ``Infinity``, numbers that
  overflow a float, duplicate keys and lone UTF-16 surrogates are refused, naming the path of
  the value inside the document (``bundle.invoice.right.price_cents``).

Errors are :class:`~zkclaims.errors.MalformedInputError` (format documents: proofs, keys,
bundles) or the :class:`~zkclaims.errors.InvalidInputError` subclass the caller names
(``error=``); file errors are :class:`~zkclaims.errors.InputFileError` naming the file's role
and its path. Values are never echoed whole (:func:`~zkclaims.errors.echo_value`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from os import PathLike
from typing import Any

from zkclaims.errors import InputFileError, InvalidInputError, MalformedInputError, echo_value

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "check_tree",
    "document",
    "load_file",
    "loads",
    "nesting_depth",
    "parse_file",
    "path_key",
    "read_file",
]

#: Largest document read by default (bytes of UTF-8). A claim bundle is about 2 kB; a caller
#: reading larger documents (a proving key as JSON) passes its own ``max_bytes``.
MAX_BYTES = 8 * 2**20
#: Deepest nesting of arrays and objects accepted (our documents nest at most 5 levels).
MAX_DEPTH = 32
#: Longest integer accepted, in decimal digits (a BLS12-381 scalar has 77; cents have < 12).
MAX_INT_DIGITS = 100
_MAX_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))

ErrorType = type[MalformedInputError] | type[InvalidInputError]

# A JSON string: a quote, then anything but a quote or a backslash, or an escaped character.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(raw: bytes) -> int:
    """Return the deepest nesting of ``[``/``{`` in JSON text, counting brackets outside strings.

    Linear in ``len(raw)`` with no recursion (a regular expression, then a running sum in
    numpy), so it is safe and fast on any input; exact for well-formed JSON.
    """
    import numpy as np

    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    # '[' = 0x5b, '{' = 0x7b open; ']' = 0x5d, '}' = 0x7d close: bit 1 tells them apart.
    steps = (np.frombuffer(brackets, dtype=np.uint8) & 2).view(np.int8) - 1
    return int(np.cumsum(steps, dtype=np.int64).max())


class _Bad:
    """A value refused while parsing, kept in place so the walk can name its path."""

    __slots__ = ("problem",)

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _parse_int(text: str) -> int | _Bad:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Bad(f"an integer of {digits} digits (at most {MAX_INT_DIGITS} accepted)")
    return int(text)


def _parse_float(text: str) -> float | _Bad:
    if len(text) > MAX_INT_DIGITS + 20:
        return _Bad(f"a number of {len(text)} characters (at most {MAX_INT_DIGITS + 20})")
    value = float(text)
    if not math.isfinite(value):
        return _Bad(f"the number {echo_value(text)[1:-1]} overflows a float")
    return value


def _parse_constant(name: str) -> _Bad:
    return _Bad(f"{name} is not JSON (only finite numbers are accepted)")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            out[key] = _Bad(f"the key {echo_value(key)} appears twice in one object")
        else:
            out[key] = value
    return out


ZkError = MalformedInputError | InvalidInputError


def _fail(error: ErrorType, field: str, value: object, problem: str) -> ZkError:
    field = field or "(document)"
    if len(field) > 120:  # a path 32 levels deep: keep its start and its end
        field = f"{field[:60]}...{field[-57:]}"
    line = f"{field}: {problem}"
    if issubclass(error, InvalidInputError):
        return error.from_line(field, value, line)
    return error(line)


def path_key(key: object) -> str:
    """Show a key in a field path, cut short when long or not printable."""
    text = key if isinstance(key, str) else repr(key)
    if len(text) > 40 or not text.isprintable():
        return echo_value(text)[:44]
    return text


def check_tree(
    obj: Any, what: str, *, max_depth: int = MAX_DEPTH, error: ErrorType = MalformedInputError
) -> Any:
    """Check a parsed document (or a dict / list built in Python) without recursing.

    Refuses nesting deeper than ``max_depth`` (a cycle counts as infinitely deep), non-string
    keys, integers beyond :data:`MAX_INT_DIGITS` digits, non-finite floats and strings that
    are not valid Unicode (lone surrogates). Returns ``obj``. Errors name ``what`` and the
    path of the value (``bundle.claim.claim_id``); with ``what=""`` the path starts at the
    first key (``claim.claim_id``), as in pydantic's errors.
    """
    stack: list[tuple[Any, str, int]] = [(obj, what, 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict | list | tuple):
            if depth >= max_depth:
                raise _fail(error, path, "...", f"nested deeper than {max_depth} levels")
            if isinstance(node, dict):
                for k, v in node.items():
                    if not isinstance(k, str):
                        raise _fail(error, path, k, f"keys must be strings (got {echo_value(k)})")
                    _check_str(k, f"{path} key", error)
                    key = path_key(k)
                    stack.append((v, f"{path}.{key}" if path else key, depth + 1))
            else:
                stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
        elif isinstance(node, str):
            _check_str(node, path, error)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if node.bit_length() > _MAX_INT_BITS:
                raise _fail(
                    error, path, f"an int of {node.bit_length()} bits",
                    f"an integer of {node.bit_length()} bits (at most {MAX_INT_DIGITS} digits"
                    " accepted)",
                )
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise _fail(error, path, node, f"{node} is not a finite number")
        elif isinstance(node, _Bad):
            raise _fail(error, path, "...", node.problem)
    return obj


def _check_str(text: str, path: str, error: ErrorType) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _fail(
            error, path, text, f"not valid Unicode (lone surrogate at character {exc.start})"
        ) from None


def loads(
    data: str | bytes | bytearray | memoryview,
    what: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    error: ErrorType = MalformedInputError,
    root: str | None = None,
) -> Any:
    """Parse JSON text or UTF-8 bytes into Python objects, within the limits above.

    ``what`` names the document in errors (``"bundle"``, ``"vk"``, ``"contract.json"``);
    ``root`` (default ``what``) starts the path of a value inside it (``""``: the path alone,
    ``right.price_cents``, as pydantic's errors write it).
    """
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise _fail(error, what, f"{len(data)} characters",
                        f"larger than {max_bytes} bytes ({len(data)} characters)")
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _fail(error, what, "...", "not valid Unicode (lone surrogate at character "
                        f"{exc.start})") from None
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise _fail(error, what, type(data).__name__,
                    f"expected JSON text or bytes (got {type(data).__name__})")
    if len(raw) > max_bytes:
        raise _fail(error, what, f"{len(raw)} bytes", f"larger than {max_bytes} bytes "
                    f"({len(raw)} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(error, what, "...", f"not UTF-8 text (byte {exc.start})") from None
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise _fail(error, what, "...", f"JSON nested deeper than {max_depth} levels")
    try:
        obj = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise _fail(error, what, "...", f"not JSON: {exc.msg} at line {exc.lineno} column "
                    f"{exc.colno}") from None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - the scan prevents these
        raise _fail(error, what, "...", f"not JSON: {type(exc).__name__}") from None
    return check_tree(obj, what if root is None else root, max_depth=max_depth + 1, error=error)


def document(
    obj: Any,
    what: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    error: ErrorType = MalformedInputError,
) -> Any:
    """Return a checked document from JSON text, bytes, or a dict / list built in Python."""
    if isinstance(obj, str | bytes | bytearray | memoryview):
        return loads(obj, what, max_bytes=max_bytes, max_depth=max_depth, error=error)
    if isinstance(obj, dict | list):
        return check_tree(obj, what, max_depth=max_depth, error=error)
    raise _fail(error, what, type(obj).__name__,
                f"expected JSON text, bytes or a dict (got {type(obj).__name__})")


def read_file(
    path: str | PathLike[str], what: str, *, max_bytes: int = MAX_BYTES,
    opener: Callable[..., Any] = open,
) -> bytes:
    """Read a file's bytes (``"-"``: standard input), at most ``max_bytes``.

    At most ``max_bytes + 1`` bytes are read, so a huge or endless file (``/dev/zero``) is
    refused without being loaded. Errors are :class:`InputFileError` naming ``what`` and the
    path.
    """
    import sys

    shown = str(path)
    try:
        if shown == "-":
            raw = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with opener(path, "rb") as f:
                raw = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(what, shown, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputFileError(what, shown, f"larger than {max_bytes} bytes")
    return raw


def parse_file(
    raw: bytes, path: str | PathLike[str], what: str, *, max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """:func:`loads` for a file's bytes; errors are :class:`InputFileError` (role, path, field)."""
    try:
        return loads(raw, "", max_bytes=max_bytes, max_depth=max_depth, error=InvalidInputError)
    except InvalidInputError as exc:
        message = str(exc).removeprefix("(document): ")
        raise InputFileError(what, str(path), message) from None


def load_file(
    path: str | PathLike[str], what: str, *, max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Read and parse a JSON file (``"-"``: standard input) within the limits above.

    Errors are :class:`InputFileError` naming ``what`` (the file's role, e.g. ``--contract``),
    the path, and the field inside the document when there is one.
    """
    raw = read_file(path, what, max_bytes=max_bytes)
    return parse_file(raw, path, what, max_bytes=max_bytes, max_depth=max_depth)
