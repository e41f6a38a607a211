"""The prescriber's attestation: the signed statement "I prescribed what commitment C hides".

The attestation travels inside the claim bundle to the insurer, who checks its signature with
:func:`zkclaims.prescriber.verify_attestation` against its trusted prescribers. The signed
bytes are :func:`attestation_message`; the signature side (keys, algorithms, certificate
chains) belongs to :mod:`zkclaims.prescriber`.
"""

from __future__ import annotations

import datetime as _dt
import struct
from typing import Any, Literal

from pydantic import field_validator

from zkclaims.domain.base import Model
from zkclaims.domain.models import PrescriberKind
from zkclaims.domain.packing import DAY_BITS, EPOCH, day_number, field_element_text
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

__all__ = ["ATTESTATION_FORMAT", "Attestation", "attestation_message"]

ATTESTATION_FORMAT = "zkclaims-attestation/v1"
_ATTESTATION_PREFIX = b"zkclaims/attestation/v1\x00"


def attestation_message(
    commitment: int, prescriber_id: str, kind: PrescriberKind, day: _dt.date
) -> bytes:
    """Return the canonical bytes the prescriber signs (Ed25519).

    ``zkclaims/attestation/v1`` and a NUL byte || C (32 bytes big-endian) || len(id) (1 byte) || id
    (UTF-8) || len(kind) (1 byte) || kind (ASCII) || day (u32 big-endian, days since
    1970-01-01). The length prefixes make the encoding injective.
    """
    if isinstance(commitment, bool) or not isinstance(commitment, int) or not 0 <= commitment < R:
        raise InvalidInputError("commitment", commitment, "must be in [0, r)")
    pid = prescriber_id.encode("utf-8")
    if not 0 < len(pid) < 256:
        raise InvalidInputError("prescriber_id", prescriber_id, "must be 1..255 bytes in UTF-8")
    k = PrescriberKind(kind).value.encode("ascii")
    return (
        _ATTESTATION_PREFIX
        + commitment.to_bytes(32, "big")
        + bytes([len(pid)])
        + pid
        + bytes([len(k)])
        + k
        + struct.pack(">I", day_number(day, "prescription_day"))
    )


class Attestation(Model):
    """The prescriber's signed statement: "I prescribed what commitment C hides, on that day".

    ``commitment`` is the commitment v2 (:func:`zkclaims.commitment.commit_v2`: prescription,
    patient, blinding). ``signature`` is the hex Ed25519 signature over
    :func:`attestation_message`; check it with :func:`zkclaims.prescriber.verify_attestation`.
    """

    format: Literal["zkclaims-attestation/v1"] = ATTESTATION_FORMAT
    commitment: str
    prescriber_id: str
    prescriber_kind: PrescriberKind
    prescription_day: _dt.date
    signature: str

    @field_validator("commitment", mode="before")
    @classmethod
    def _fe(cls, v: Any) -> str:
        return field_element_text(v, "commitment")

    @field_validator("prescription_day")
    @classmethod
    def _day(cls, v: _dt.date) -> _dt.date:
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

    @property
    def commitment_int(self) -> int:
        """The commitment as an int."""
        return int(self.commitment)

    def message(self) -> bytes:
        """Return the signed bytes (:func:`attestation_message`)."""
        return attestation_message(
            self.commitment_int, self.prescriber_id, self.prescriber_kind, self.prescription_day
        )
