"""The opening: commit to a prescription (fresh blinding) and sign the commitment."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import field_validator

from zkclaims import poseidon
from zkclaims.domain.base import Model
from zkclaims.domain.claim import (
    COMMITMENT_TAG,
    Attestation,
    _field_element,
    attestation_message,
    pack_prescription,
)
from zkclaims.domain.models import Prescription
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

__all__ = ["BLINDING_BITS", "OPENING_FORMAT", "Opening", "commit", "commitment_of", "prescribe"]

#: Bits of the commitment blinding (docs/design.md §4).
BLINDING_BITS = 248
OPENING_FORMAT = "zkclaims-opening/v1"


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
