"""The prescription commitment (v2) and the per-claim patient tag, natively.

Both are Poseidon hashes over the BLS12-381 scalar field (:mod:`zkclaims.poseidon`); the
circuits compute the same values with :func:`zkclaims.circuit.gadgets.poseidon_hash3` and
:func:`~zkclaims.circuit.gadgets.poseidon_hash2`.

* **Commitment v2**: ``C = hash3(packed, patient, blinding, domain=COMMITMENT_TAG_V2)`` where
  ``packed`` is the 70-bit prescription of :func:`zkclaims.domain.claim.pack_prescription`,
  ``patient`` is :meth:`zkclaims.domain.patient.Patient.field_element` (INS and birth date)
  and ``blinding`` is 248 random bits. It binds the prescription to the patient: a
  prescription cannot be reused for someone else.
* **Patient tag**: ``T = hash2(patient, claim_context, domain=PATIENT_TAG_DOMAIN)``. The
  equipment proof shows that ``T`` is computed from the patient inside ``C``; the insurer
  recomputes ``T`` from its own beneficiary record and the claim context. ``T`` changes with
  every claim (the context does), so two claims of one patient carry unrelated tags.

Domain tags are SHA-256 of a versioned ASCII name, big-endian, shifted right by 8 bits
(248 bits, below r).
"""

from __future__ import annotations

import hashlib

from zkclaims import poseidon
from zkclaims.errors import InvalidInputError
from zkclaims.field import R

__all__ = [
    "COMMITMENT_TAG_V2_NAME",
    "COMMITMENT_TAG_V2",
    "PATIENT_TAG_NAME",
    "PATIENT_TAG_DOMAIN",
    "domain_tag",
    "commit_v2",
    "patient_tag",
]


def domain_tag(name: str) -> int:
    """Return SHA-256(``name``) as a big-endian integer shifted right by 8 bits (< r)."""
    return int.from_bytes(hashlib.sha256(name.encode("ascii")).digest(), "big") >> 8


#: Versioned name of the commitment v2 (prescription, patient, blinding).
COMMITMENT_TAG_V2_NAME = "zkclaims/prescription-commitment/v2"
#: Poseidon capacity element of the commitment v2.
COMMITMENT_TAG_V2 = domain_tag(COMMITMENT_TAG_V2_NAME)
#: Versioned name of the per-claim patient tag.
PATIENT_TAG_NAME = "zkclaims/patient-tag/v1"
#: Poseidon capacity element of the patient tag.
PATIENT_TAG_DOMAIN = domain_tag(PATIENT_TAG_NAME)


def _element(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < R:
        raise InvalidInputError(field, value, "must be an int in [0, r)")
    return value


def commit_v2(packed: int, patient: int, blinding: int) -> int:
    """Return the commitment v2 to a packed prescription, a patient and a blinding."""
    return poseidon.hash3(
        _element(packed, "packed"),
        _element(patient, "patient"),
        _element(blinding, "blinding"),
        domain=COMMITMENT_TAG_V2,
    )


def patient_tag(patient: int, claim_context: int) -> int:
    """Return the per-claim patient tag of ``patient`` (a field element) for a claim context."""
    return poseidon.hash2(
        _element(patient, "patient"),
        _element(claim_context, "claim_context"),
        domain=PATIENT_TAG_DOMAIN,
    )
