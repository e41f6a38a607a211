"""Request bodies: read within a size limit before any parsing, then parse naming the field.

:func:`read_body` refuses a declared ``Content-Length`` above the limit before reading a byte,
and counts the bytes of a streamed (chunked) body as they come, stopping at the limit: an
oversized body is never held whole in memory nor parsed. :func:`parse_bundle` and
:func:`parse_batch` turn the bytes into claim bundles with pydantic's JSON parser (nesting
depth capped), and every failure names the field (``claim.delivered_on``,
``bundles[3].proof``, ...). A body must arrive within a deadline (408).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request

from zkclaims.domain.base import error_line
from zkclaims.domain.claim import ClaimBundle
from zkclaims.errors import InvalidInputError, ZkClaimsError

__all__ = ["BodyError", "read_body", "parse_bundle", "parse_batch", "ParsedBatch"]


class BodyError(InvalidInputError):
    """A body the service refuses: HTTP ``status``, Problem ``code``, ``field``, ``message``."""

    def __init__(self, status: int, code: str, field: str | None, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        self.field = field  # type: ignore[assignment]
        self.value = None
        ZkClaimsError.__init__(self, message)


async def read_body(request: Request, limit: int, timeout_s: float = 30) -> bytes:
    """Read the body, refusing more than ``limit`` bytes (413) before parsing anything.

    A body not received whole within ``timeout_s`` seconds is refused (408): a client that
    trickles its bytes cannot hold a worker forever.
    """
    try:
        async with asyncio.timeout(timeout_s):
            return await _read_body(request, limit)
    except TimeoutError:
        raise BodyError(408, "body_timeout", "body",
                        f"body: not received whole within {timeout_s:g} s") from None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BodyError(400, "malformed", "Content-Length",
                            f"Content-Length: not a number of bytes (got {declared[:40]!r})")
        if int(declared) > limit:
            raise BodyError(413, "body_too_large", "body",
                            f"body: {int(declared)} bytes declared, the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(413, "body_too_large", "body",
                            f"body: more than {limit} bytes (the limit), stopped reading")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise BodyError(422, "malformed", "body", "body: empty; expected a JSON document")
    return body


def _retired(exc: pydantic.ValidationError) -> BodyError | None:
    """Return the error of a retired bundle format (``retired_circuit``; never reinterpreted)."""
    retired = _retired_formats()
    for err in exc.errors():
        value = err.get("input")
        if err["loc"] == ("format",) and isinstance(value, str) and value in retired:
            return BodyError(422, "retired_circuit", "format",
                             f"format: {value} is retired: {retired[value]}")
    return None


def _retired_formats() -> dict[str, str]:
    try:
        from zkclaims.domain.bundle import RETIRED_BUNDLE_FORMATS  # statement v2
    except ImportError:
        return {}
    return dict(RETIRED_BUNDLE_FORMATS)


def _problem(exc: pydantic.ValidationError, root: str = "") -> BodyError:
    retired = _retired(exc)
    if retired is not None:
        return retired
    field, _value, line = error_line(exc, root)
    field = field or "body"
    if not line.startswith(field):
        line = f"{field}: {line}"
    return BodyError(422, "malformed", field, line)


def _document_problem(exc: InvalidInputError, root: str) -> BodyError:
    """Return the JSON reader's refusal (not JSON, too deep, a huge number...) as a 422."""
    doc = ClaimBundle.__name__
    field, text = exc.field or doc, str(exc)
    if field == doc:
        field, text = root or "body", f"{root or 'body'}{text.removeprefix(doc)}"
    elif root:
        field, text = f"{root}.{field}", f"{root}.{text}"
    return BodyError(422, "malformed", field, text)


def parse_bundle(body: bytes, root: str = "") -> ClaimBundle:
    """Parse one claim bundle (JSON); raises :class:`BodyError` (422) naming the field.

    ``root`` prefixes the field paths (``bundles[3]`` for a bundle of a batch).
    """
    try:
        return ClaimBundle.model_validate_json(body)
    except InvalidInputError as exc:
        cause = exc.__cause__
        if isinstance(cause, pydantic.ValidationError):
            raise _problem(cause, root) from None
        raise _document_problem(exc, root) from None


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    bundles: list[ClaimBundle]


@dataclass
class ParsedBatch:
    """A batch: each bundle parsed, or the problem that made it unreadable."""

    bundles: list[ClaimBundle | None]
    problems: dict[int, BodyError]


def parse_batch(body: bytes, max_items: int) -> ParsedBatch:
    """Parse ``{"bundles": [...]}``; a bad bundle is reported alone, a bad envelope is a 422.

    More than ``max_items`` bundles is a 413 naming ``bundles`` and the limit.
    """
    from zkclaims.jsonio import loads

    try:
        doc = loads(body, "", max_bytes=len(body) + 1, error=InvalidInputError)
    except InvalidInputError as exc:
        field = exc.field if exc.field and exc.field != "(document)" else "body"
        raise BodyError(422, "malformed", field, str(exc).replace("(document)", "body", 1)
                        ) from None
    if not isinstance(doc, dict) or set(doc) != {"bundles"} or not isinstance(
            doc["bundles"], list):
        raise BodyError(422, "malformed", "bundles",
                        'body: expected {"bundles": [bundle, ...]} and nothing else')
    items = doc["bundles"]
    if not items:
        raise BodyError(422, "malformed", "bundles", "bundles: empty; give at least one bundle")
    if len(items) > max_items:
        raise BodyError(413, "too_many_bundles", "bundles",
                        f"bundles: {len(items)} bundles, the limit is {max_items} per request")
    try:
        return ParsedBatch(list(_Batch.model_validate_json(body).bundles), {})
    except pydantic.ValidationError:
        pass  # some bundle is bad: read them one by one to name each problem
    bundles: list[ClaimBundle | None] = []
    problems: dict[int, BodyError] = {}
    for i, item in enumerate(items):
        try:
            bundles.append(parse_bundle(_dump(item).encode(), f"bundles[{i}]"))
        except BodyError as exc:
            problems[i] = exc
            bundles.append(None)
    return ParsedBatch(bundles, problems)


def _dump(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))
