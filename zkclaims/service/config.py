"""The service's configuration: one TOML file, then environment variables on top.

``load_config(path)`` reads the file (``zkclaims serve --config FILE``, or the file named by
``ZKCLAIMS_CONFIG``), then lets each ``ZKCLAIMS_<SETTING>`` environment variable replace the
setting of the same name (upper case): ``ZKCLAIMS_DATABASE_URL``, ``ZKCLAIMS_INSURER``,
``ZKCLAIMS_TRUSTED_PRESCRIBERS``, ``ZKCLAIMS_CONTRACT``, ``ZKCLAIMS_TARIFFS``,
``ZKCLAIMS_CLAIM_DEADLINE_DAYS``, ``ZKCLAIMS_API_KEYS_FILE``, ``ZKCLAIMS_HOST``,
``ZKCLAIMS_PORT``, ``ZKCLAIMS_MAX_BODY_BYTES``, ... — every field of :class:`ServiceConfig`;
``ZKCLAIMS_API_KEYS`` holds the keys as a JSON list (they may also come from the file's
``[[api_keys]]`` tables or from ``api_keys_file``). Relative paths in the file are read from
the file's folder. ``docs/service.md`` lists every setting; a wrong value names the
setting and where it came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from zkclaims.domain.base import Model
from zkclaims.errors import InputFileError, InvalidInputError

__all__ = ["ApiKey", "ServiceConfig", "load_config", "ENV_PREFIX"]

ENV_PREFIX = "ZKCLAIMS_"


class ApiKey(Model):
    """One caller: the SHA-256 of its key and the opticians it speaks for.

    ``name`` identifies the caller in logs (never the key). ``opticians`` are the optician
    identifiers (FINESS, ...) of the claims it may submit and read: an optician's own key names
    itself, a tiers-payant operator's key names every optician it serves. ``scopes``: ``claims``
    (submit and read claims) and ``history`` (read beneficiaries' renewal history).
    """

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    opticians: tuple[str, ...] = ()
    scopes: tuple[Literal["claims", "history"], ...] = ("claims",)


class ServiceConfig(Model):
    """Every setting of ``zkclaims serve`` (and ``zkclaims registry`` where it applies)."""

    insurer: str = Field(min_length=1, max_length=128,
                         description="this insurer's identifier (AMC number); claims name it")
    database_url: str = Field(description="sqlite:///FILE (default engine) or postgresql://...")
    trusted_prescribers: str = Field(description="trusted-prescribers JSON file")
    contract: str | None = Field(default=None, description="contract JSON file")
    tariffs: str | None = Field(default=None, description="LPP tariffs table (zkclaims tariffs)")
    claim_deadline_days: int | None = Field(default=None, ge=1, le=3650,
                                            description="refuse claims delivered longer ago")
    api_keys: tuple[ApiKey, ...] = ()
    api_keys_file: str | None = Field(default=None, description="JSON list of API keys")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_batch_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    max_batch_items: int = Field(default=256, ge=1, le=10_000)
    body_timeout_s: int = Field(default=30, ge=1, le=3600,
                                description="seconds a client has to send its whole body")
    timezone: str = Field(default="Europe/Paris", description="the insurer's calendar day")
    sqlite_synchronous: Literal["full", "normal"] = "full"
    busy_timeout_ms: int = Field(default=30_000, ge=1, le=600_000)
    migrate_on_start: bool = True
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: not an IANA time zone such as Europe/Paris (got {v!r})"
                             ) from None
        return v

    @model_validator(mode="after")
    def _keys(self) -> ServiceConfig:
        names = [k.name for k in self.all_api_keys()]
        if len(set(names)) != len(names):
            raise ValueError("api_keys: two keys have the same name")
        return self

    def all_api_keys(self) -> tuple[ApiKey, ...]:
        """Return the keys of the file and of ``api_keys_file``."""
        if self.api_keys_file is None:
            return self.api_keys
        return self.api_keys + _read_keys_file(self.api_keys_file)


def _read_keys_file(path: str) -> tuple[ApiKey, ...]:
    from zkclaims.jsonio import load_file

    data = load_file(path, "api_keys_file")
    if not isinstance(data, list):
        raise InputFileError("api_keys_file", path, "expected a JSON list of keys")
    out = []
    for i, item in enumerate(data):
        try:
            out.append(ApiKey.model_validate(item))
        except InvalidInputError as exc:
            raise InputFileError("api_keys_file", path, f"[{i}]: {exc}") from None
    return tuple(out)


_PATH_FIELDS = ("trusted_prescribers", "contract", "tariffs", "api_keys_file")
_ENV_FIELDS = [f for f in ServiceConfig.model_fields if f != "api_keys"]


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ServiceConfig:
    """Read the config file (or ``$ZKCLAIMS_CONFIG``), then the environment, then ``overrides``.

    Raises :class:`~zkclaims.errors.InputFileError` for an unreadable file and
    :class:`~zkclaims.errors.InvalidInputError` naming the setting for a bad value.
    """
    env = os.environ if env is None else env
    if path is None:
        path = env.get(f"{ENV_PREFIX}CONFIG") or None
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputFileError("--config", str(p), f"cannot read: {exc.strerror}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputFileError("--config", str(p), f"not TOML ({exc})") from None
        unknown = sorted(set(data) - set(ServiceConfig.model_fields))
        if unknown:
            raise InputFileError("--config", str(p), f"unknown setting {unknown[0]!r}; the"
                                 " settings are listed in docs/service.md")
        for key in _PATH_FIELDS:
            if isinstance(data.get(key), str) and not os.path.isabs(data[key]):
                data[key] = str(p.parent / data[key])
        url = data.get("database_url")
        if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith(
                "sqlite:////"):
            data["database_url"] = f"sqlite:///{p.parent / url.removeprefix('sqlite:///')}"
    for key in _ENV_FIELDS:
        value = env.get(f"{ENV_PREFIX}{key.upper()}")
        if value is not None:
            data[key] = _env_value(key, value)
    keys = env.get(f"{ENV_PREFIX}API_KEYS")
    if keys is not None:
        from zkclaims.jsonio import loads

        data["api_keys"] = loads(keys, f"{ENV_PREFIX}API_KEYS", error=InvalidInputError)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ServiceConfig.model_validate(data)
    except InvalidInputError as exc:
        where = f" (file {path} and ZKCLAIMS_* variables)" if path else " (ZKCLAIMS_* variables)"
        raise InvalidInputError.from_line(exc.field, exc.value, f"{exc}{where}") from None


_BOOL_FIELDS = {"migrate_on_start"}
_INT_FIELDS = {"claim_deadline_days", "port", "workers", "max_body_bytes", "max_batch_bytes",
               "max_batch_items", "busy_timeout_ms", "body_timeout_s"}


def _env_value(key: str, value: str) -> Any:
    if key in _BOOL_FIELDS:
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise InvalidInputError(f"{ENV_PREFIX}{key.upper()}", value, "expected true or false")
    if key in _INT_FIELDS and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return value
