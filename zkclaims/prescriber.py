"""Prescriber side: commit to a prescription, sign the commitment, manage prescriber keys.

The prescriber's software (DESIGN §1-§2):

1. canonicalises and packs the prescription (:func:`zkclaims.domain.claim.pack_prescription`);
2. commits: ``C = poseidon.hash2(packed, r, domain=COMMITMENT_TAG)`` with a fresh 248-bit
   blinding ``r`` from :mod:`secrets` (:func:`commit`);
3. signs an :class:`Attestation` with Ed25519 over :func:`attestation_message`, the canonical
   bytes of (C, prescriber id, prescriber kind, prescription day);
4. hands the :class:`Opening` (prescription + blinding) to the patient, who gives it to the
   optician; the attestation goes to the insurer inside the claim bundle.

Both are versioned JSON (``format`` field). The insurer trusts prescriber keys listed in a
:class:`TrustedPrescribers` file (``zkclaims-trusted-prescribers/v1``) and checks attestations
with :func:`verify_attestation`.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import field_validator

from zkclaims import poseidon
from zkclaims.domain.base import Model, MutableModel
from zkclaims.domain.claim import (
    ATTESTATION_FORMAT,
    COMMITMENT_TAG,
    Attestation,
    _field_element,
    attestation_message,
    pack_prescription,
)
from zkclaims.domain.models import PrescriberKind, Prescription
from zkclaims.errors import AttestationError, InvalidInputError
from zkclaims.field import R

__all__ = [
    "BLINDING_BITS",
    "OPENING_FORMAT",
    "ATTESTATION_FORMAT",
    "TRUSTED_FORMAT",
    "Opening",
    "Attestation",
    "TrustedPrescriber",
    "TrustedPrescribers",
    "commit",
    "commitment_of",
    "attestation_message",
    "prescribe",
    "generate_key",
    "save_private_key",
    "load_private_key",
    "public_key_hex",
    "verify_attestation",
]

#: Bits of the commitment blinding (DESIGN §4).
BLINDING_BITS = 248
OPENING_FORMAT = "zkclaims-opening/v1"
TRUSTED_FORMAT = "zkclaims-trusted-prescribers/v1"

def commitment_of(prescription: Prescription, blinding: int) -> int:
    """Return ``hash2(pack(prescription), blinding, domain=COMMITMENT_TAG)``."""
    if isinstance(blinding, bool) or not isinstance(blinding, int) or not 0 <= blinding < R:
        raise InvalidInputError("blinding", blinding, "must be an int in [0, r)")
    return poseidon.hash2(pack_prescription(prescription), blinding, domain=COMMITMENT_TAG)


def commit(prescription: Prescription) -> tuple[int, int]:
    """Commit with a fresh 248-bit blinding; return ``(commitment, blinding)``."""
    blinding = secrets.randbits(BLINDING_BITS)
    return commitment_of(prescription, blinding), blinding


class Opening(Model):
    """What the patient hands to the optician: the canonical prescription and the blinding.

    Secret: it reveals the prescription. ``commitment`` is repeated for convenience;
    :meth:`check` recomputes it.
    """

    format: Literal["zkclaims-opening/v1"] = OPENING_FORMAT
    prescription: Prescription
    blinding: str
    commitment: str

    @field_validator("blinding", "commitment", mode="before")
    @classmethod
    def _fe(cls, v: Any, info: Any) -> str:
        return _field_element(v, info.field_name)

    @property
    def blinding_int(self) -> int:
        """The blinding as an int."""
        return int(self.blinding)

    @property
    def commitment_int(self) -> int:
        """The commitment as an int."""
        return int(self.commitment)

    @property
    def packed(self) -> int:
        """The packed canonical prescription (layout of :mod:`zkclaims.domain.claim`)."""
        return pack_prescription(self.prescription)

    def check(self) -> None:
        """Raise :class:`InvalidInputError` when the opening does not open its commitment."""
        c = commitment_of(self.prescription, self.blinding_int)
        if c != self.commitment_int:
            raise InvalidInputError(
                "opening.commitment",
                self.commitment,
                "the prescription and blinding do not open it",
            )


def prescribe(
    prescription: Prescription, key: Ed25519PrivateKey, prescriber_id: str
) -> tuple[Opening, Attestation]:
    """Canonicalise, commit (fresh blinding) and sign; return ``(opening, attestation)``."""
    canon = prescription.canonical()
    pack_prescription(canon)  # validates the packing ranges (raises naming the field)
    c, r = commit(canon)
    msg = attestation_message(c, prescriber_id, canon.prescriber_kind, canon.issued_on)
    att = Attestation(
        commitment=str(c),
        prescriber_id=prescriber_id,
        prescriber_kind=canon.prescriber_kind,
        prescription_day=canon.issued_on,
        signature=key.sign(msg).hex(),
    )
    return Opening(prescription=canon, blinding=str(r), commitment=str(c)), att


# ---------------------------------------------------------------------------------------------
# Keys and the trusted-prescribers file
# ---------------------------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    """Return a fresh Ed25519 private key (OS CSPRNG, via ``cryptography``)."""
    return Ed25519PrivateKey.generate()


def save_private_key(key: Ed25519PrivateKey, path: str | Path) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by the owner only (mode 0600).

    Refuses to overwrite an existing file.
    """
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key written by :func:`save_private_key`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError("key", str(path), f"cannot read: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            "key", str(path), f"not an unencrypted PEM private key: {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInputError("key", str(path), f"not an Ed25519 key ({type(key).__name__})")
    return key


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return the raw 32-byte public key in hex."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


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
        """Read a trusted-prescribers file.

        Raises :class:`~zkclaims.errors.ValidationError` naming the path when the file cannot
        be read, pydantic's ``InvalidInputError`` (a ``ValueError``) naming the field when it
        is not a valid trusted-prescribers document.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise InvalidInputError(
                "trusted_prescribers", str(path), f"cannot read: {why}"
            ) from None
        return cls.model_validate_json(text)

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
