"""The insurer's trusted prescribers and the check of an attestation's signature."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import field_validator

from zkclaims.domain.base import Model, MutableModel
from zkclaims.domain.claim import Attestation
from zkclaims.domain.models import PrescriberKind
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.prescriber.keys import public_key_hex

__all__ = ["TRUSTED_FORMAT", "TrustedPrescriber", "TrustedPrescribers", "verify_attestation"]

TRUSTED_FORMAT = "zkclaims-trusted-prescribers/v1"


@lru_cache(maxsize=1024)
def _public_key(hexkey: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hexkey))


class TrustedPrescriber(Model):
    """One trusted prescriber: raw Ed25519 public key (hex) and the kind the key may attest."""

    public_key: str
    kind: PrescriberKind = PrescriberKind.PHYSICIAN

    @field_validator("public_key", mode="before")
    @classmethod
    def _key(cls, v: Any) -> str:
        try:
            raw = bytes.fromhex(v) if isinstance(v, str) else b""
            Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise ValueError(
                f"public_key: expected 64 hex digits of an Ed25519 key ({v!r})"
            ) from None
        return raw.hex()

    def key(self) -> Ed25519PublicKey:
        """Return the public key object (parsed once per key)."""
        return _public_key(self.public_key)


class TrustedPrescribers(MutableModel):
    """The insurer's list of prescriber keys, by prescriber id (JSON file format v1)."""

    format: Literal["zkclaims-trusted-prescribers/v1"] = TRUSTED_FORMAT
    prescribers: dict[str, TrustedPrescriber] = {}

    @classmethod
    def load(cls, path: str | Path) -> TrustedPrescribers:
        """Read a trusted-prescribers file through the shared JSON reader (:mod:`zkclaims.jsonio`).

        Raises :class:`~zkclaims.errors.InputFileError` naming the path when the file cannot
        be read or is too large, :class:`~zkclaims.errors.InvalidInputError` naming the field
        when it is not a valid trusted-prescribers document.
        """
        from zkclaims.jsonio import read_file

        return cls.model_validate_json(read_file(path, "trusted_prescribers"))

    def save(self, path: str | Path) -> None:
        """Write the file (pretty JSON)."""
        Path(path).write_text(
            json.dumps(self.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"
        )

    def add(
        self,
        prescriber_id: str,
        key: Ed25519PublicKey | Ed25519PrivateKey | str,
        kind: PrescriberKind = PrescriberKind.PHYSICIAN,
    ) -> None:
        """Trust ``key`` for ``prescriber_id`` (replaces an earlier entry for that id)."""
        if (
            not isinstance(prescriber_id, str) or not prescriber_id
            or prescriber_id != prescriber_id.strip() or len(prescriber_id.encode()) > 255
        ):
            raise InvalidInputError(
                "prescriber_id", prescriber_id,
                "must be non-empty, without surrounding spaces, at most 255 bytes in UTF-8",
            )
        hexkey = key if isinstance(key, str) else public_key_hex(key)
        self.prescribers[prescriber_id] = TrustedPrescriber(public_key=hexkey, kind=kind)


def verify_attestation(attestation: Attestation, trusted: TrustedPrescribers) -> None:
    """Check that a trusted prescriber signed ``attestation``.

    Raises :class:`AttestationError` with ``reason`` ``"untrusted_prescriber"`` (unknown id, or
    a kind the key is not registered for) or ``"bad_signature"``.
    """
    entry = trusted.prescribers.get(attestation.prescriber_id)
    if entry is None:
        raise _att_error(
            "untrusted_prescriber",
            f"prescriber_id: {attestation.prescriber_id!r} is not in the trusted prescribers",
        )
    if entry.kind is not attestation.prescriber_kind:
        raise _att_error(
            "untrusted_prescriber",
            f"prescriber_kind: {attestation.prescriber_id!r} is trusted as {entry.kind.value},"
            f" the attestation says {attestation.prescriber_kind.value}",
        )
    try:
        entry.key().verify(bytes.fromhex(attestation.signature), attestation.message())
    except InvalidSignature:
        raise _att_error(
            "bad_signature",
            f"signature: does not verify under the key of {attestation.prescriber_id!r}",
        ) from None


def _att_error(reason: str, message: str) -> AttestationError:
    err = AttestationError(f"{reason}: {message}")
    err.reason = reason  # type: ignore[attr-defined]
    return err

