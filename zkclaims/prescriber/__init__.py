"""Prescriber side: commit to a prescription, sign the commitment, manage prescriber keys.

The prescriber's software (DESIGN §1-§2):

1. canonicalises and packs the prescription (:func:`zkclaims.domain.packing.pack_prescription`);
2. commits to it and to the patient (INS and birth date, :class:`~zkclaims.domain.Patient`):
   ``C = commit_v2(packed, patient, r)`` (:mod:`zkclaims.commitment`) with a fresh 248-bit
   blinding ``r`` from :mod:`secrets` (:func:`commit`);
3. signs an :class:`Attestation` with Ed25519 over :func:`attestation_message`, the canonical
   bytes of (C, prescriber id, prescriber kind, prescription day);
4. hands the :class:`Opening` (prescription, patient, blinding) to the patient, who gives it to the
   optician; the attestation goes to the insurer inside the claim bundle.

Both are versioned JSON (``format`` field). The insurer trusts prescriber keys listed in a
:class:`TrustedPrescribers` file (``zkclaims-trusted-prescribers/v1``) and checks attestations
with :func:`verify_attestation`.
"""

from zkclaims.domain.attestation import ATTESTATION_FORMAT, Attestation, attestation_message
from zkclaims.prescriber.keys import (
    generate_key,
    load_private_key,
    public_key_hex,
    save_private_key,
)
from zkclaims.prescriber.opening import (
    BLINDING_BITS,
    OPENING_FORMAT,
    Opening,
    commit,
    commitment_of,
    prescribe,
    sign_attestation,
)
from zkclaims.prescriber.trust import (
    TRUSTED_FORMAT,
    TrustedPrescriber,
    TrustedPrescribers,
    verify_attestation,
)

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
    "sign_attestation",
    "generate_key",
    "save_private_key",
    "load_private_key",
    "public_key_hex",
    "verify_attestation",
]
