"""The base of every zkclaims data model: pydantic v2, frozen, strict about unknown fields.

A zkclaims model never lets pydantic's own ``ValidationError`` escape: the constructor,
:meth:`Model.model_validate` and :meth:`Model.model_validate_json` raise
:class:`~zkclaims.errors.InvalidInputError` (a :class:`~zkclaims.errors.ZkClaimsError` and a
:class:`ValueError`) whose ``field`` is the dotted path of the first offending field (e.g.
``right.sphere``), whose ``value`` is what was given, and whose message says what would be
accepted. Pydantic's error stays available as ``__cause__`` (all errors, not only the first).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from zkclaims.errors import ECHO_LIMIT, InvalidInputError, echo_value

__all__ = [
    "FROZEN", "Model", "MutableModel", "check_date", "check_type", "error_line", "invalid_input",
]

#: Configuration of the exchanged documents: immutable, unknown fields refused.
FROZEN = ConfigDict(frozen=True, extra="forbid")


def _shown(value: object) -> str:
    """Show ``value`` in a message: containers by type, anything long cut short."""
    if isinstance(value, dict | list):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    return echo_value(value)


def error_line(exc: PydanticValidationError, root: str = "") -> tuple[str, object, str]:
    """Return ``(field, value, line)`` for pydantic's first error.

    ``line`` is ``<root>.<loc>: <message> (got <value>)`` plus how many more errors there are.
    Our validators start their message with the field name: that repeat gives way to the full
    location. The value is shown (cut to :data:`ECHO_LIMIT` characters) unless the message
    already shows it.
    """
    errors = exc.errors()
    err = errors[0]
    parts = [str(p) for p in err["loc"]]
    loc = ".".join([root, *parts] if root else parts)
    msg = str(err["msg"]).removeprefix("Value error, ")
    if parts and msg.startswith(f"{parts[-1]}:"):
        msg = msg[len(parts[-1]) + 1 :].strip()
    if len(msg) > 4 * ECHO_LIMIT:
        msg = msg[: 4 * ECHO_LIMIT - 3] + "..."
    text = f"{loc}: {msg}" if loc else msg
    value = err.get("input")
    if err["type"] != "missing" and "(got " not in msg and "; got " not in msg:
        text += f" (got {_shown(value)})"
    if len(errors) > 1:
        text += f" [and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''}]"
    return loc or root, value, text


def check_type(
    value: Any, expected: type | tuple[type, ...], field: str, *, none_ok: bool = False
) -> Any:
    """Return ``value`` if it is an instance of ``expected`` (or None when ``none_ok``).

    Otherwise raise :class:`InvalidInputError` at once, naming the argument and what was given
    (a ``Contract`` passed where ``rules`` goes fails here, not later as an AttributeError).
    """
    if (value is None and none_ok) or isinstance(value, expected):
        return value
    types = expected if isinstance(expected, tuple) else (expected,)
    names = " or ".join(t.__name__ for t in types) + (" or None" if none_ok else "")
    raise InvalidInputError.from_line(
        field, value, f"{field}: expected {names}, got a {type(value).__name__}"
    )


def check_date(value: Any, field: str, *, none_ok: bool = False) -> Any:
    """Return ``value`` if it is a :class:`datetime.date` (not a datetime, not a string)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        raise InvalidInputError.from_line(
            field, value, f"{field}: expected a datetime.date, got a datetime (use .date())"
        )
    return check_type(value, dt.date, field, none_ok=none_ok)


def invalid_input(exc: PydanticValidationError, root: str = "") -> InvalidInputError:
    """Turn pydantic's error into :class:`InvalidInputError` (field, value, one line)."""
    field, value, line = error_line(exc, root)
    return InvalidInputError.from_line(field, value, line)


class Model(BaseModel):
    """Frozen pydantic model whose validation errors are :class:`InvalidInputError`."""

    model_config = FROZEN

    def __init__(self, /, **data: Any) -> None:
        from zkclaims.jsonio import check_tree

        check_tree(data, "", error=InvalidInputError)  # no 5,000-digit int reaches a validator
        try:
            super().__init__(**data)
        except PydanticValidationError as exc:
            raise invalid_input(exc) from exc

    # Only the outermost model converts the error: nested models are validated by pydantic's
    # core, not through this __init__ (which pydantic would otherwise treat as a custom init
    # and call for every nested model, losing the nested field path).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Validate a Python object (e.g. parsed JSON); raises :class:`InvalidInputError`.

        A dict or list is first checked by :func:`zkclaims.jsonio.check_tree` (nesting depth,
        huge integers, non-finite floats), without recursion.
        """
        if isinstance(obj, dict | list):
            from zkclaims.jsonio import check_tree

            check_tree(obj, "", error=InvalidInputError)  # paths as pydantic writes them
        try:
            return super().model_validate(obj, *args, **kwargs)
        except PydanticValidationError as exc:
            raise invalid_input(exc) from exc

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Any:
        """Validate JSON text or bytes; raises :class:`InvalidInputError`.

        The text is first checked by :func:`zkclaims.jsonio.loads` (size, nesting depth,
        duplicate keys, huge numbers, UTF-8, before any recursion), then validated by pydantic
        in JSON mode (dates as ISO strings, enums by value).
        """
        from zkclaims.jsonio import loads

        loads(json_data, cls.__name__, error=InvalidInputError, root="")
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except PydanticValidationError as exc:
            raise invalid_input(exc) from exc


class MutableModel(Model):
    """A :class:`Model` that may be changed in place (e.g. a trust file being edited)."""

    model_config = ConfigDict(extra="forbid", frozen=False)
