"""Batch input for commands that take many documents (``zkclaims verify a.json b.json``).

An input is a file, a folder (its ``*.json`` files, sorted by name, not recursive) or ``-``:
standard input, holding one JSON document or several in JSON Lines (one per line). Each
document is read through :mod:`zkclaims.jsonio` (size limit) and kept as bytes with its source
and SHA-256 digest; a document that cannot be read keeps its error instead, so one bad file
does not stop the batch.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from zkclaims.errors import InputFileError, InvalidInputError, ZkClaimsError
from zkclaims.jsonio import MAX_BYTES, loads, read_file

__all__ = ["Document", "expand_inputs"]

#: Standard input may carry many bundles (JSON Lines): it is read up to this size.
MAX_STDIN_BYTES = 64 * MAX_BYTES


@dataclass(frozen=True)
class Document:
    """One input document: where it came from, its bytes (or why there are none)."""

    source: str
    raw: bytes | None
    error: ZkClaimsError | None = None

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the bytes as read (hex), the bundle's digest in batch reports."""
        return None if self.raw is None else hashlib.sha256(self.raw).hexdigest()


def _stdin(what: str) -> Iterator[Document]:
    raw = read_file("-", what, max_bytes=MAX_STDIN_BYTES)
    lines = [line for line in raw.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            loads(raw, "-", error=InvalidInputError)
        except InvalidInputError:
            # not one document: JSON Lines, one document per non-empty line
            for n, line in enumerate(raw.splitlines(), 1):
                if line.strip():
                    yield Document(f"-:{n}", line)
            return
    if not lines:
        yield Document("-", None, InputFileError(what, "-", "standard input is empty"))
        return
    yield Document("-", raw)


def _file(path: str, what: str) -> Document:
    try:
        return Document(path, read_file(path, what))
    except InputFileError as exc:
        return Document(path, None, exc)


def expand_inputs(inputs: Sequence[str], what: str = "bundle") -> list[Document]:
    """Expand files, folders and ``-`` into documents, in the order given.

    ``-`` may appear once. A folder gives its ``*.json`` files sorted by name; a folder with
    none is an error document. Reading errors are kept per document.
    """
    if list(inputs).count("-") > 1:
        raise InvalidInputError(what, "-", "standard input (-) may be given once")
    out: list[Document] = []
    for item in inputs:
        if item == "-":
            out.extend(_stdin(what))
        elif os.path.isdir(item):
            names = sorted(n for n in os.listdir(item) if n.endswith(".json")
                           and os.path.isfile(os.path.join(item, n)))
            if not names:
                out.append(Document(item, None, InputFileError(
                    what, item, "a folder without any *.json file")))
            out.extend(_file(os.path.join(item, n), what) for n in names)
        else:
            out.append(_file(item, what))
    return out
