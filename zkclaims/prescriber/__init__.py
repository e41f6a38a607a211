"""Prescriber side: commit to a prescription, sign the commitment, trust prescribers.

The prescriber's software (docs/design.md §1-§2):

1. canonicalises and packs the prescription (:func:`zkclaims.domain.packing.pack_prescription`)
   and commits to it and to the patient (INS and birth date) with a fresh blinding from
   :mod:`secrets` (:mod:`.opening`, commitment v2 of :mod:`zkclaims.commitment`);
2. signs an :class:`~zkclaims.domain.attestation.Attestation` (v2) over its canonical bytes
   with an Ed25519 or ECDSA P-256 key, optionally with its X.509 certificate chain
   (:mod:`.sign`, keys in :mod:`.keys`);
3. hands the :class:`Opening` (prescription, patient, blinding; secret: written with mode
   0600, :mod:`.storage`) and the
   attestation to the patient, on paper as a QR code if need be (:mod:`.qr`); the optician
   imports them; the attestation goes to the insurer inside the claim bundle.

The insurer trusts prescribers through its :class:`TrustedPrescribers` file: keys with
validity windows and revocation, and X.509 roots and CRLs (:mod:`.trust`, :mod:`.pki`), and
checks attestations with :func:`verify_attestation`. ``docs/prescribers.md`` has the whole
trust model and the formats.
"""

from zkclaims.domain.attestation import (
    ATTESTATION_FORMAT,
    Attestation,
    AttestationKind,
    SignatureAlgorithm,
    attestation_message,
    attestation_message_v2,
)
from zkclaims.prescriber.keys import (
    generate_key,
    key_id,
    load_private_key,
    load_public_key_text,
    parse_public_key,
    public_key_hex,
    public_key_pem,
    save_private_key,
)
from zkclaims.prescriber.opening import (
    BLINDING_BITS,
    OPENING_FORMAT,
    Opening,
    commit,
    commitment_of,
    prescribe,
)
from zkclaims.prescriber.pki import PkiTrust, SubjectProfile, default_profile
from zkclaims.prescriber.sign import sign_attestation, verify_signature
from zkclaims.prescriber.storage import read_opening, write_opening, write_private_file
from zkclaims.prescriber.trust import (
    TRUSTED_FORMAT,
    RevocationReason,
    Signer,
    TrustedKey,
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
    "AttestationKind",
    "SignatureAlgorithm",
    "TrustedKey",
    "TrustedPrescriber",
    "TrustedPrescribers",
    "RevocationReason",
    "Signer",
    "PkiTrust",
    "SubjectProfile",
    "default_profile",
    "commit",
    "commitment_of",
    "attestation_message",
    "attestation_message_v2",
    "prescribe",
    "sign_attestation",
    "verify_signature",
    "generate_key",
    "save_private_key",
    "load_private_key",
    "load_public_key_text",
    "parse_public_key",
    "public_key_hex",
    "public_key_pem",
    "key_id",
    "write_opening",
    "read_opening",
    "write_private_file",
    "verify_attestation",
]
