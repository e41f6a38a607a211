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
from typing import Any

from zkclaims.errors import InputFileError, InvalidInputError, ZkClaimsError
from zkclaims.jsonio import MAX_BYTES, loads, read_file

__all__ = ["Document", "batch_exit_code", "expand_inputs", "merge_results"]

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
    none raises :class:`InputFileError`. Reading errors are kept per document.
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
            if not names:  # an operator's mistake, not a bad bundle: stop here
                raise InputFileError(what, item, "a folder without any *.json file")
            out.extend(_file(os.path.join(item, n), what) for n in names)
        else:
            out.append(_file(item, what))
    return out


def merge_results(
    documents: Sequence[Document], readable: Sequence[int], results: Sequence[Any],
) -> list[dict[str, Any]]:
    """One result per document, in order, from :meth:`Verifier.verify_many`'s results.

    ``readable`` are the indices of the documents given to ``verify_many`` (those that could
    be read), ``results`` its :class:`~zkclaims.verifier.BundleResult` list. Each result holds
    ``source``, ``bundle_sha256``, ``claim_id`` (when the bundle parses), ``valid`` and either
    ``decision`` or ``reason`` and ``message`` (``"malformed"`` for a document that cannot be
    read or parsed).
    """
    from zkclaims.verifier import load_bundle

    by_doc = dict(zip(readable, results, strict=True))
    out: list[dict[str, Any]] = []
    for i, doc in enumerate(documents):
        res: dict[str, Any] = {"source": doc.source, "bundle_sha256": doc.sha256,
                               "claim_id": None, "valid": False}
        if doc.raw is not None:
            try:
                res["claim_id"] = load_bundle(doc.raw).claim.claim_id
            except (ZkClaimsError, ValueError):
                pass
        r = by_doc.get(i)
        if r is None:
            res.update(reason="malformed", message=_line(str(doc.error)))
        elif r.decision is not None:
            res.update(valid=True, decision=r.decision.model_dump(mode="json"))
        else:
            message = str(r.message or "").removeprefix(f"{r.reason}: ")
            res.update(reason=r.reason, message=_line(message))
        out.append(res)
    return out


def batch_exit_code(results: Sequence[dict[str, Any]]) -> int:
    """0 when every document is valid, 2 when one is malformed, else 1 (one was rejected)."""
    if any(r.get("reason") == "malformed" for r in results):
        return 2
    return 0 if all(r["valid"] for r in results) else 1


def _line(text: str) -> str:
    from zkclaims.errors import echo_value

    text = " ".join(text.split())
    return text if len(text) <= 400 else echo_value(text)[1:-1]
