"""The equipment claim's data, gathered from its modules (kept for ``zkclaims.domain.claim``).

The claim data is split along its concerns:

* :mod:`zkclaims.domain.packing` — day numbers, the packed prescription, field elements;
* :mod:`zkclaims.domain.invoice` — :class:`Claim`, :class:`Invoice`, grouping codes, the
  invoice check and the decision from the law's amounts;
* :mod:`zkclaims.domain.attestation` — the prescriber's signed :class:`Attestation`;
* :mod:`zkclaims.domain.contract` — the insurer's :class:`Contract`;
* :mod:`zkclaims.domain.bundle` — the claim context, :class:`PublicInputs`,
  :class:`ClaimBundle` and its JSON Schema.

Every name below is re-exported here. The commitment to a prescription is
:func:`zkclaims.commitment.commit_v2` (prescription, patient, blinding); the commitment v1 of
earlier versions (prescription and blinding only) is retired.
"""

from __future__ import annotations

import json

from zkclaims.domain.attestation import ATTESTATION_FORMAT, Attestation, attestation_message
from zkclaims.domain.bundle import (
    BUNDLE_FORMAT,
    CLAIM_CONTEXT_PREFIX,
    RETIRED_BUNDLE_FORMATS,
    ClaimBundle,
    PublicInputs,
    bundle_json_schema,
    claim_context,
    claim_context_bytes,
)
from zkclaims.domain.contract import CONTRACT_FORMAT, Contract
from zkclaims.domain.invoice import (
    CHILD_FRAME_AGE,
    MAX_CENTS,
    Claim,
    Invoice,
    InvoiceLine,
    check_invoice,
    invoice_for,
    reimburse_invoice,
)
from zkclaims.domain.lpp.codes import classe_a_lens_code
from zkclaims.domain.packing import (
    ADDITION_BITS,
    AXIS_BITS,
    CYLINDER_BITS,
    DAY_BITS,
    EPOCH,
    EYE_BITS,
    PACKED_BITS,
    PACKING_LAYOUT,
    SPHERE_BITS,
    SPHERE_OFFSET,
    day_from_number,
    day_number,
    field_element_text,
    pack_eye,
    pack_prescription,
    unpack_eye,
    unpack_prescription,
)

__all__ = [
    "EPOCH",
    "SPHERE_OFFSET",
    "SPHERE_BITS",
    "CYLINDER_BITS",
    "AXIS_BITS",
    "ADDITION_BITS",
    "EYE_BITS",
    "DAY_BITS",
    "PACKED_BITS",
    "PACKING_LAYOUT",
    "day_number",
    "day_from_number",
    "pack_eye",
    "unpack_eye",
    "pack_prescription",
    "unpack_prescription",
    "field_element_text",
    "MAX_CENTS",
    "CHILD_FRAME_AGE",
    "Claim",
    "InvoiceLine",
    "Invoice",
    "classe_a_lens_code",
    "invoice_for",
    "check_invoice",
    "reimburse_invoice",
    "CLAIM_CONTEXT_PREFIX",
    "claim_context_bytes",
    "claim_context",
    "ATTESTATION_FORMAT",
    "Attestation",
    "attestation_message",
    "CONTRACT_FORMAT",
    "Contract",
    "PublicInputs",
    "ClaimBundle",
    "BUNDLE_FORMAT",
    "RETIRED_BUNDLE_FORMATS",
    "bundle_json_schema",
]

if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(bundle_json_schema(), indent=2, sort_keys=True))
