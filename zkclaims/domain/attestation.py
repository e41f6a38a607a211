"""The prescriber's attestation: the signed statement "I prescribed what commitment C hides".

The attestation travels with the opening to the optician and, inside the claim bundle, to the
insurer, who checks it with :func:`zkclaims.prescriber.verify_attestation`. Two formats:

``zkclaims-attestation/v2`` (written today)
    ``kind`` (``prescription``, or ``optician_adaptation``: an optician's adaptation of a
    still-valid prescription, CSP D4362-12-1, signed by the optician), ``commitment``,
    ``prescriber_id``, ``prescriber_kind`` (physician | orthoptist | optician; the optician
    only for an adaptation), ``prescription_day``, ``medical_situation`` (the prescriber states
    a medical situation of the LPP list; physician prescriptions only), ``algorithm``
    (``ed25519`` | ``ecdsa-p256``), ``certificate_chain`` (optional: the signer's X.509
    chain, base64 DER, leaf first) and ``signature`` (hex: Ed25519, or ECDSA P-256 with
    SHA-256 as ``r || s``, 32 bytes each). The signed bytes are
    :func:`attestation_message_v2`: every field but the chain and the signature.

``zkclaims-attestation/v1`` (still read and verified)
    Ed25519 only, no kind, no medical situation, no chain; signed bytes
    :func:`attestation_message`.

The signature side (keys, algorithms, certificates, trust) is :mod:`zkclaims.prescriber`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import struct
from enum import StrEnum
from typing import Any, Literal

from pydantic import StrictBool, field_validator, model_serializer, model_validator

from zkclaims.domain.base import Model
from zkclaims.domain.models import PrescriberKind
from zkclaims.domain.packing import DAY_BITS, EPOCH, day_number, field_element_text
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

__all__ = [
    "ATTESTATION_FORMAT",
    "ATTESTATION_FORMAT_V1",
    "ATTESTATION_FORMAT_V2",
    "MAX_CHAIN_CERTIFICATES",
    "MAX_CERTIFICATE_BYTES",
    "AttestationKind",
    "SignatureAlgorithm",
    "Attestation",
    "attestation_message",
    "attestation_message_v2",
]

ATTESTATION_FORMAT_V1 = "zkclaims-attestation/v1"
ATTESTATION_FORMAT_V2 = "zkclaims-attestation/v2"
#: The format new attestations are written in.
ATTESTATION_FORMAT = ATTESTATION_FORMAT_V2
_PREFIX_V1 = b"zkclaims/attestation/v1\x00"
_PREFIX_V2 = b"zkclaims/attestation/v2\x00"
#: Most certificates an attestation's chain may hold (leaf, intermediates; the root is the
#: insurer's).
MAX_CHAIN_CERTIFICATES = 4
#: Largest DER certificate accepted in a chain.
MAX_CERTIFICATE_BYTES = 8192


class AttestationKind(StrEnum):
    """What the signer attests: a prescription, or an optician's adaptation of one."""

    PRESCRIPTION = "prescription"
    OPTICIAN_ADAPTATION = "optician_adaptation"


class SignatureAlgorithm(StrEnum):
    """The signature algorithm of an attestation (and of a trusted key)."""

    ED25519 = "ed25519"
    ECDSA_P256 = "ecdsa-p256"


def _commitment_bytes(commitment: int) -> bytes:
    if isinstance(commitment, bool) or not isinstance(commitment, int) or not 0 <= commitment < R:
        raise InvalidInputError("commitment", commitment, "must be an int in [0, r)")
    return commitment.to_bytes(32, "big")


def _short(text: str, field: str, encoding: str = "utf-8") -> bytes:
    """``len (1 byte) || text``: the length prefix makes the concatenation injective."""
    raw = text.encode(encoding)
    if not 0 < len(raw) < 256:
        raise InvalidInputError(field, text, "must be 1..255 bytes in UTF-8")
    return bytes([len(raw)]) + raw


def _day(day: _dt.date) -> bytes:
    return struct.pack(">I", day_number(day, "prescription_day"))


def attestation_message(
    commitment: int, prescriber_id: str, kind: PrescriberKind, day: _dt.date
) -> bytes:
    """Return the bytes a v1 attestation signs (Ed25519).

    ``zkclaims/attestation/v1`` and a NUL byte || C (32 bytes big-endian) || len(id) (1 byte) ||
    id (UTF-8) || len(kind) (1 byte) || kind (ASCII) || day (u32 big-endian, days since
    1970-01-01). The length prefixes make the encoding injective.
    """
    return (
        _PREFIX_V1
        + _commitment_bytes(commitment)
        + _short(prescriber_id, "prescriber_id")
        + _short(PrescriberKind(kind).value, "prescriber_kind", "ascii")
        + _day(day)
    )


def attestation_message_v2(
    *,
    kind: AttestationKind | str,
    commitment: int,
    prescriber_id: str,
    prescriber_kind: PrescriberKind | str,
    prescription_day: _dt.date,
    medical_situation: bool,
    algorithm: SignatureAlgorithm | str,
) -> bytes:
    """Return the bytes a v2 attestation signs: every field but the chain and the signature.

    ``zkclaims/attestation/v2`` NUL || len || kind || C (32 bytes big-endian) || len || id
    (UTF-8) || len || prescriber kind || day (u32 big-endian, days since 1970-01-01) ||
    medical situation (1 byte, 0 or 1) || len || algorithm; each ``len`` is one byte and
    the strings are ASCII but the id. Fixed widths and length prefixes make it injective; the
    version prefix keeps it apart from the v1 message.
    """
    if not isinstance(medical_situation, bool):
        raise InvalidInputError("medical_situation", medical_situation, "must be true or false")
    return (
        _PREFIX_V2
        + _short(AttestationKind(kind).value, "kind", "ascii")
        + _commitment_bytes(commitment)
        + _short(prescriber_id, "prescriber_id")
        + _short(PrescriberKind(prescriber_kind).value, "prescriber_kind", "ascii")
        + _day(prescription_day)
        + bytes([int(medical_situation)])
        + _short(SignatureAlgorithm(algorithm).value, "algorithm", "ascii")
    )


def certificate_der(text: str, field: str = "certificate_chain") -> bytes:
    """Decode one chain element: canonical base64 of at most :data:`MAX_CERTIFICATE_BYTES`."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError(f"{field}: expected a base64 string (DER certificate)")
    if len(text) > 4 * (MAX_CERTIFICATE_BYTES // 3 + 1):
        raise ValueError(f"{field}: longer than {MAX_CERTIFICATE_BYTES} bytes of DER")
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{field}: not base64 (standard alphabet, padded)") from None
    if base64.b64encode(der).decode("ascii") != text or not der:
        raise ValueError(f"{field}: not canonical base64")
    return der


class Attestation(Model):
    """The signer's statement: "I prescribed (or adapted) what commitment C hides, that day".

    See the module docstring for the two formats. Build and sign one with
    :func:`zkclaims.prescriber.sign_attestation`; check it with
    :func:`zkclaims.prescriber.verify_attestation`. :meth:`message` returns the signed bytes of
    the attestation's own format.
    """

    format: Literal["zkclaims-attestation/v1", "zkclaims-attestation/v2"] = ATTESTATION_FORMAT
    kind: AttestationKind = AttestationKind.PRESCRIPTION
    commitment: str
    prescriber_id: str
    prescriber_kind: PrescriberKind
    prescription_day: _dt.date
    medical_situation: StrictBool = False
    algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519
    certificate_chain: tuple[str, ...] | None = None
    signature: str

    @field_validator("commitment", mode="before")
    @classmethod
    def _fe(cls, v: Any) -> str:
        return field_element_text(v, "commitment")

    @field_validator("prescription_day")
    @classmethod
    def _prescription_day(cls, v: _dt.date) -> _dt.date:
        if not 0 <= (v - EPOCH).days < 1 << DAY_BITS:
            raise ValueError(
                f"prescription_day: must lie between 1970-01-01 and 2149-06-06 (got {v})"
            )
        return v

    @field_validator("prescriber_id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> str:
        if not isinstance(v, str) or not v or v != v.strip() or len(v.encode()) > 255:
            raise ValueError(
                f"prescriber_id: non-empty, no surrounding spaces, <= 255 bytes (got {v!r:.80})"
            )
        return v

    @field_validator("signature", mode="before")
    @classmethod
    def _sig(cls, v: Any) -> str:
        if not isinstance(v, str) or len(v) != 128:
            raise ValueError(f"signature: expected 128 hex digits (got {v!r:.80})")
        try:
            bytes.fromhex(v)
        except ValueError:
            raise ValueError(f"signature: not hexadecimal (got {v!r:.80})") from None
        return v.lower()

    @field_validator("certificate_chain", mode="before")
    @classmethod
    def _chain(cls, v: Any) -> Any:
        if v is None:
            return None
        if not isinstance(v, list | tuple) or not 0 < len(v) <= MAX_CHAIN_CERTIFICATES:
            raise ValueError(
                f"certificate_chain: expected a list of 1 to {MAX_CHAIN_CERTIFICATES} base64"
                " DER certificates, leaf first"
            )
        from cryptography import x509

        for i, text in enumerate(v):
            der = certificate_der(text, f"certificate_chain[{i}]")
            try:
                x509.load_der_x509_certificate(der)
            except ValueError as exc:
                raise ValueError(
                    f"certificate_chain[{i}]: not a DER X.509 certificate ({exc})"
                ) from None
        return tuple(v)

    @model_validator(mode="after")
    def _consistent(self) -> Attestation:
        if self.format == ATTESTATION_FORMAT_V1:
            v2_only = {
                "kind": self.kind is not AttestationKind.PRESCRIPTION,
                "medical_situation": self.medical_situation,
                "algorithm": self.algorithm is not SignatureAlgorithm.ED25519,
                "certificate_chain": self.certificate_chain is not None,
                "prescriber_kind": self.prescriber_kind is PrescriberKind.OPTICIAN,
            }
            bad = [name for name, set_ in v2_only.items() if set_]
            if bad:
                raise ValueError(
                    f"{bad[0]}: a zkclaims-attestation/v1 is an Ed25519 physician or orthoptist"
                    " prescription without kind, medical situation or chain (use v2)"
                )
        adaptation = self.kind is AttestationKind.OPTICIAN_ADAPTATION
        if adaptation != (self.prescriber_kind is PrescriberKind.OPTICIAN):
            raise ValueError(
                "prescriber_kind: an optician_adaptation is signed by an optician, and an"
                f" optician signs only adaptations (got kind {self.kind.value} by"
                f" {self.prescriber_kind.value})"
            )
        if self.medical_situation and self.prescriber_kind is not PrescriberKind.PHYSICIAN:
            raise ValueError(
                "medical_situation: only a physician's prescription may state a medical"
                f" situation (got {self.prescriber_kind.value})"
            )
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if self.format == ATTESTATION_FORMAT_V1:  # the v1 document, exactly
            for name in ("kind", "medical_situation", "algorithm", "certificate_chain"):
                data.pop(name, None)
        elif self.certificate_chain is None:
            data.pop("certificate_chain", None)
        return data

    @property
    def commitment_int(self) -> int:
        """The commitment as an int."""
        return int(self.commitment)

    @property
    def signature_bytes(self) -> bytes:
        """The 64-byte signature."""
        return bytes.fromhex(self.signature)

    def chain_der(self) -> list[bytes]:
        """Return the certificate chain as DER, leaf first (empty without a chain)."""
        return [certificate_der(t) for t in self.certificate_chain or ()]

    def message(self) -> bytes:
        """Return the signed bytes of this attestation's format."""
        if self.format == ATTESTATION_FORMAT_V1:
            return attestation_message(
                self.commitment_int, self.prescriber_id, self.prescriber_kind,
                self.prescription_day,
            )
        return attestation_message_v2(
            kind=self.kind,
            commitment=self.commitment_int,
            prescriber_id=self.prescriber_id,
            prescriber_kind=self.prescriber_kind,
            prescription_day=self.prescription_day,
            medical_situation=self.medical_situation,
            algorithm=self.algorithm,
        )
