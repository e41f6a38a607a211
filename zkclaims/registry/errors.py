"""Errors of the ledger, in the :class:`~zkclaims.errors.ZkClaimsError` tree."""

from __future__ import annotations

from zkclaims.errors import InvalidInputError, ZkClaimsError

__all__ = ["RegistryError", "RegistryConfigError", "SchemaVersionError", "RegistryBusyError"]


class RegistryError(ZkClaimsError):
    """Base class of the ledger's errors."""


class RegistryConfigError(RegistryError, InvalidInputError):
    """A ledger setting (database URL, option) cannot be used; ``field`` names the setting."""


class SchemaVersionError(RegistryError):
    """The database is not at the schema revision this package expects.

    The message says which revision it is at and what to run (``zkclaims registry migrate``).
    """


class RegistryBusyError(RegistryError):
    """The ledger could not record a claim in time (lock contention); nothing was recorded.

    Safe to retry: ingestion is idempotent by (insurer, claim id).
    """
