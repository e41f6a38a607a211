"""Structured logs: one JSON object per line, holding only fields known to be safe.

The service logs events (``log_event("claim.decided", claim_id=..., ...)``) and requests. A
record keeps only the fields of :data:`SAFE_FIELDS` — identifiers the insurer acts on (claim
id, member id, optician, insurer), outcomes, reasons, timings, sizes — and drops anything else,
so a proof, an opening, an INS, a birth date, a commitment or a rejection message (which may
echo a value) cannot reach a log line by accident. Exceptions are logged as their type and the
place they were raised, never their message. ``tests/service/test_service_logs.py`` sends
real bundles and greps the lines.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import sys
import traceback
from typing import IO, Any

__all__ = ["LOGGER_NAME", "SAFE_FIELDS", "JsonFormatter", "configure_logging", "log_event",
           "uvicorn_log_config"]

LOGGER_NAME = "zkclaims.service"

#: The only fields a log line may carry (besides time, level, logger and event).
SAFE_FIELDS = frozenset({
    "request_id", "method", "path", "status", "duration_ms", "bytes", "caller", "insurer",
    "claim_id", "member_id", "optician", "outcome", "reason", "replayed", "recorded",
    "audit_seq", "bundle_sha256", "items", "accepted", "rejected", "malformed", "field",
    "error", "engine", "schema_revision", "host", "port", "workers", "version",
    "exc_type", "exc_where", "server",
})


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line with the safe fields of its ``fields`` attribute."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line (no newline)."""
        doc: dict[str, Any] = {
            "time": _dt.datetime.fromtimestamp(record.created, _dt.UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields is not None:
            doc["event"] = record.getMessage()
            doc.update({k: v for k, v in fields.items() if k in SAFE_FIELDS})
        else:  # a library's record (uvicorn, sqlalchemy): its message is not ours to trust
            doc["event"] = _library_event(record)
        if record.exc_info and record.exc_info[0] is not None:
            doc["exc_type"] = record.exc_info[0].__name__
            tb = traceback.extract_tb(record.exc_info[2]) if record.exc_info[2] else []
            if tb:
                doc["exc_where"] = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}"
        return json.dumps(doc, ensure_ascii=True, default=str, separators=(",", ":"))


def _library_event(record: logging.LogRecord) -> str:
    """Return a library's message, kept only when it is one of the fixed texts known to be safe."""
    msg = record.msg if isinstance(record.msg, str) else ""
    for prefix in ("Started server process", "Waiting for application", "Application startup",
                   "Application shutdown", "Uvicorn running on", "Shutting down",
                   "Finished server process", "Exception in ASGI application"):
        if msg.startswith(prefix):
            return prefix
    return f"{record.name}.{record.levelname.lower()}"


def configure_logging(level: str = "info", stream: IO[str] | None = None) -> None:
    """Send the service's and uvicorn's logs to ``stream`` (stderr) as JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER_NAME, "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level.upper())
        lg.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def uvicorn_log_config(level: str = "info") -> dict[str, Any]:
    """Return a ``logging.config.dictConfig`` for uvicorn: JSON formatter, no access log."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level.upper(),
                              "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            LOGGER_NAME: {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with ``fields`` (only :data:`SAFE_FIELDS` are written)."""
    logger = logging.getLogger(LOGGER_NAME)
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={"fields": fields})
