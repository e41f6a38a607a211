"""The opening v2: commit to a prescription and its patient (fresh blinding), sign the commitment.

The signature side is :mod:`zkclaims.prescriber.sign` (:func:`sign_attestation`).

``C = commit_v2(pack_prescription(rx), patient.field_element(), blinding)``
(:mod:`zkclaims.commitment`): the commitment binds the canonical prescription to the patient
the prescriber reads from the patient's card (INS and birth date, :class:`Patient`), so that a
prescription cannot be claimed for someone else. Openings v1 (no patient) are retired.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import field_validator

from zkclaims.commitment import commit_v2
from zkclaims.domain.attestation import Attestation
from zkclaims.domain.base import Model
from zkclaims.domain.models import Prescription
from zkclaims.domain.packing import field_element_text, pack_prescription
from zkclaims.domain.patient import Patient
from zkclaims.errors import InvalidInputError
from zkclaims.field import R
from zkclaims.prescriber.keys import PrivateKey
from zkclaims.prescriber.sign import sign_attestation

__all__ = [
    "BLINDING_BITS",
    "OPENING_FORMAT",
    "Opening",
    "commit",
    "commitment_of",
    "sign_attestation",  # from .sign, kept importable here
    "prescribe",
]

#: Bits of the commitment blinding (docs/design.md §4).
BLINDING_BITS = 248
OPENING_FORMAT = "zkclaims-opening/v2"
_RETIRED_OPENINGS = {"zkclaims-opening/v1"}


def _patient(patient: object) -> Patient:
    if not isinstance(patient, Patient):
        raise InvalidInputError("patient", type(patient).__name__,
                                "must be a Patient (INS and birth date)")
    return patient


def commitment_of(prescription: Prescription, *, patient: Patient, blinding: int) -> int:
    """Return ``commit_v2(pack(prescription), patient.field_element(), blinding)``."""
    if isinstance(blinding, bool) or not isinstance(blinding, int) or not 0 <= blinding < R:
        raise InvalidInputError("blinding", blinding, "must be an int in [0, r)")
    return commit_v2(pack_prescription(prescription), _patient(patient).field_element(),
                     blinding)


def commit(prescription: Prescription, *, patient: Patient) -> tuple[int, int]:
    """Commit with a fresh 248-bit blinding from :mod:`secrets`; return ``(C, blinding)``."""
    blinding = secrets.randbits(BLINDING_BITS)
    return commitment_of(prescription, patient=patient, blinding=blinding), blinding


class Opening(Model):
    """What the patient hands to the optician: prescription, patient, blinding (format v2).

    Secret: it reveals the prescription and the patient's INS. ``prescription`` is canonical
    (positive cylinder); ``commitment`` is repeated for convenience and :meth:`check`
    recomputes it.
    """

    format: Literal["zkclaims-opening/v2"] = OPENING_FORMAT
    prescription: Prescription
    patient: Patient
    blinding: str
    commitment: str

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        if isinstance(v, str) and v in _RETIRED_OPENINGS:  # any JSON value may come here
            raise ValueError(
                f"format: {v} is retired: it binds no patient; ask the prescriber for a"
                f" prescription signed as {OPENING_FORMAT}"
            )
        return v

    @field_validator("blinding", "commitment", mode="before")
    @classmethod
    def _fe(cls, v: Any, info: Any) -> str:
        return field_element_text(v, info.field_name)

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
        """The packed canonical prescription (layout of :mod:`zkclaims.domain.packing`)."""
        return pack_prescription(self.prescription)

    @property
    def patient_element(self) -> int:
        """The patient as a field element (:meth:`Patient.field_element`)."""
        return self.patient.field_element()

    def check(self) -> None:
        """Raise :class:`InvalidInputError` when the opening does not open its commitment."""
        c = commitment_of(self.prescription, patient=self.patient, blinding=self.blinding_int)
        if c != self.commitment_int:
            raise InvalidInputError(
                "opening.commitment",
                self.commitment,
                "the prescription, patient and blinding do not open it",
            )


def prescribe(
    prescription: Prescription,
    *,
    patient: Patient,
    key: PrivateKey,
    prescriber_id: str,
    medical_situation: bool = False,
    certificate_chain: Sequence[object] | None = None,
) -> tuple[Opening, Attestation]:
    """Canonicalise, commit to the prescription and the patient (fresh blinding), and sign.

    Returns ``(opening, attestation)``: the opening (secret) goes to the patient, who gives it
    to the optician; the attestation goes to the insurer inside the claim bundle. A patient
    born after the prescription day raises :class:`InvalidInputError`. The signature is
    :func:`zkclaims.prescriber.sign.sign_attestation` (an Ed25519 or ECDSA P-256 ``key``; the
    medical-situation flag and the signer's certificate chain, leaf first, go into the v2
    attestation).
    """
    if not isinstance(prescription, Prescription):
        raise InvalidInputError("prescription", type(prescription).__name__,
                                "must be a Prescription")
    patient = _patient(patient)
    canon = prescription.canonical()
    if patient.birth_date > canon.issued_on:
        raise InvalidInputError(
            "patient.birth_date", patient.birth_date.isoformat(),
            f"is after the prescription day {canon.issued_on.isoformat()}",
        )
    pack_prescription(canon)  # validates the packing ranges (raises naming the field)
    c, r = commit(canon, patient=patient)
    att = sign_attestation(key, commitment=c, prescriber_id=prescriber_id,
                           prescriber_kind=canon.prescriber_kind,
                           prescription_day=canon.issued_on,
                           medical_situation=medical_situation,
                           certificate_chain=certificate_chain)
    opening = Opening(prescription=canon, patient=patient, blinding=str(r), commitment=str(c))
    return opening, att
