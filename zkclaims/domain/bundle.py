"""The claim bundle: what the optician sends the insurer, and the claim context it proves for.

A bundle (format ``zkclaims-claim-bundle/v2``) holds the claim, the invoice, the prescriber's
attestation, the public inputs of the equipment statement (``optique-equipement-2020``,
statement version 2) and the Groth16 proof; for an early renewal, the proof is of the renewal
claim statement (``optique-equipement-renouvellement-2020``), whose further public inputs come
from the ``renewal`` member. Everything in it is public to the insurer; the
prescription, the patient's identity, the blinding and whether a unifocal lens is for far or
near vision are not in it.

Claim context
-------------
:func:`claim_context` is SHA-256 over ``zkclaims/claim-context/v2``, a NUL byte and compact
JSON (sorted keys, ASCII) of ``{"circuit_id", "claim", "invoice"}``, big-endian, reduced
modulo the scalar field order r. It is a public input of the proof, so a proof made for one
claim cannot be replayed on another; and it enters the per-claim patient tag
(:func:`zkclaims.commitment.patient_tag`), so the tag changes with every claim.

Retired formats
---------------
Bundles ``zkclaims-claim-bundle/v1`` (statement version 1) bind no patient: they are refused
with reason ``retired_circuit`` (:data:`RETIRED_BUNDLE_FORMATS`), never reinterpreted.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, field_validator

from zkclaims.domain.attestation import Attestation
from zkclaims.domain.base import Model, error_line
from zkclaims.domain.invoice import Claim, Invoice
from zkclaims.domain.packing import DAY_BITS, day_number, field_element_text
from zkclaims.domain.renewal import RenewalClaimEvidence, RenewalEvidence
from zkclaims.errors import ClaimRejected, InvalidInputError, MalformedInputError
from zkclaims.field import R

__all__ = [
    "BUNDLE_FORMAT",
    "RETIRED_BUNDLE_FORMATS",
    "CLAIM_CONTEXT_PREFIX",
    "claim_context_bytes",
    "claim_context",
    "PublicInputs",
    "ClaimBundle",
    "bundle_json_schema",
    "load_bundle",
]

#: Format tag of a claim bundle (bumped on any incompatible change).
BUNDLE_FORMAT = "zkclaims-claim-bundle/v2"
#: Earlier bundle formats, refused with reason ``retired_circuit``: format -> why.
RETIRED_BUNDLE_FORMATS: dict[str, str] = {
    "zkclaims-claim-bundle/v1": (
        "statement version 1 binds no patient (any patient's prescription could be claimed"
        " for any beneficiary); ask the optician to prove the claim again with a prescription"
        " signed under commitment v2"
    ),
}
#: Domain separation of the claim context hash (versioned).
CLAIM_CONTEXT_PREFIX = b"zkclaims/claim-context/v2\x00"


def claim_context_bytes(claim: Claim, invoice: Invoice, circuit_id: str) -> bytes:
    """Return the canonical byte string hashed into the claim context.

    The prefix ``zkclaims/claim-context/v2`` and a NUL byte, then compact JSON with sorted
    keys, ASCII only, of ``{"circuit_id", "claim": {...}, "invoice": {...}}`` (dates ISO 8601,
    money in integer cents, enums by value). Any change of a field changes the bytes.
    """
    doc = {
        "circuit_id": circuit_id,
        "claim": claim.model_dump(mode="json"),
        "invoice": invoice.model_dump(mode="json"),
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return CLAIM_CONTEXT_PREFIX + text.encode("ascii")


def claim_context(claim: Claim, invoice: Invoice, circuit_id: str) -> int:
    """SHA-256 of :func:`claim_context_bytes`, big-endian, reduced mod r (a field element)."""
    digest = hashlib.sha256(claim_context_bytes(claim, invoice, circuit_id)).digest()
    return int.from_bytes(digest, "big") % R


class PublicInputs(Model):
    """The proof's public inputs, in circuit order, as the bundle carries them.

    Design codes: unifocal 0, multifocal 1; class codes: simple 0, complex 1, very complex 2;
    the prescription day in days since 1970-01-01; field elements as decimal strings.
    """

    commitment: str
    patient_tag: str
    design_right: int = Field(ge=0, le=1, strict=True)
    class_right: int = Field(ge=0, le=2, strict=True)
    design_left: int = Field(ge=0, le=1, strict=True)
    class_left: int = Field(ge=0, le=2, strict=True)
    prescription_day: int = Field(ge=0, lt=1 << DAY_BITS, strict=True)
    claim_context: str

    @field_validator("commitment", "patient_tag", "claim_context", mode="before")
    @classmethod
    def _fe(cls, v: Any, info: Any) -> str:
        return field_element_text(v, info.field_name)

    def as_list(self) -> list[int]:
        """Return the eight values in circuit order (``circuits/equipment.py``)."""
        return [
            int(self.commitment),
            int(self.patient_tag),
            self.design_right,
            self.class_right,
            self.design_left,
            self.class_left,
            self.prescription_day,
            int(self.claim_context),
        ]


class ClaimBundle(Model):
    """What the optician sends the insurer: claim, invoice, attestation, public inputs, proof.

    Everything here is public to the insurer. ``proof`` is the 192-byte Groth16 proof in hex
    (A | B | C, ZCash compressed encodings). The JSON Schema is
    ``schemas/claim-bundle.schema.json``.
    """

    format: Literal["zkclaims-claim-bundle/v2"] = BUNDLE_FORMAT
    circuit_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    claim: Claim
    invoice: Invoice
    attestation: Attestation
    public_inputs: PublicInputs
    proof: str = Field(pattern=r"^[0-9a-f]{384}$")
    #: Early renewal (issue 11): the previous prescription's attestation, with the criteria
    #: of this bundle's renewal claim proof (``zkclaims-renewal/v2``) or a separate proof of the
    #: renewal statement (``v1``); None when the claim does not need one (docs/renewal.md).
    renewal: Annotated[RenewalClaimEvidence | RenewalEvidence,
                       Field(discriminator="format")] | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        if isinstance(v, str) and v in RETIRED_BUNDLE_FORMATS:
            raise ValueError(f"format: {v} is retired: {RETIRED_BUNDLE_FORMATS[v]}")
        return v

    def context(self) -> int:
        """Return the claim context of this bundle's claim, invoice and circuit id (recomputed)."""
        return claim_context(self.claim, self.invoice, self.circuit_id)

    def expected_public_inputs(self, *, patient_tag: int | str | None = None) -> PublicInputs:
        """Return the public inputs the other fields imply (claim context recomputed).

        The commitment and prescription day come from the attestation, the designs and classes
        from the invoice; the patient tag is ``patient_tag`` when given (the insurer computes
        it from its beneficiary record: :func:`zkclaims.commitment.patient_tag`), else the
        bundle's own. Raises :class:`~zkclaims.errors.InvalidInputError` when a lens line lacks
        its design or class.
        """
        designs, classes = self.invoice.designs(), self.invoice.lens_classes()
        tag = self.public_inputs.patient_tag if patient_tag is None else patient_tag
        return PublicInputs(
            commitment=self.attestation.commitment,
            patient_tag=tag,
            design_right=designs[0].code,
            class_right=classes[0].code,
            design_left=designs[1].code,
            class_left=classes[1].code,
            prescription_day=day_number(self.attestation.prescription_day, "prescription_day"),
            claim_context=str(self.context()),
        )


def load_bundle(data: str | bytes | dict[str, Any] | ClaimBundle) -> ClaimBundle:
    """Parse a bundle (JSON text, UTF-8 bytes or a dict parsed from JSON).

    Raises :class:`~zkclaims.errors.MalformedInputError` when it is not a valid bundle (bad
    JSON, too deeply nested, a missing, extra or invalid field): the message names the first
    offending field as ``bundle.<path>`` and its value; pydantic's error is the
    ``__cause__``. A bundle of a retired format raises :class:`ClaimRejected`
    (``retired_circuit``), saying why.
    """
    if isinstance(data, ClaimBundle):
        return data
    from zkclaims.jsonio import document

    doc = document(data, "bundle")  # size, nesting, numbers: checked before any recursion
    try:
        return ClaimBundle.model_validate(doc)
    except InvalidInputError as exc:
        cause = exc.__cause__
        if isinstance(cause, pydantic.ValidationError):
            for err in cause.errors():
                fmt_in = err.get("input")  # any JSON value: only a string can be a format
                if err["loc"] == ("format",) and isinstance(fmt_in, str) and (
                    fmt_in in RETIRED_BUNDLE_FORMATS
                ):
                    fmt = err["input"]
                    raise ClaimRejected(
                        "retired_circuit",
                        f"bundle.format: {fmt} is retired: {RETIRED_BUNDLE_FORMATS[fmt]}",
                    ) from None
            raise MalformedInputError(error_line(cause, "bundle")[2]) from cause
        raise MalformedInputError(f"bundle: {exc}") from exc


def bundle_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of :class:`ClaimBundle` (``schemas/claim-bundle.schema.json``).

    Regenerate the file with
    ``python -m zkclaims.domain.bundle > schemas/claim-bundle.schema.json``.
    """
    schema = ClaimBundle.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://zkclaims.example/schemas/claim-bundle.schema.json"
    return schema


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(bundle_json_schema(), indent=2, sort_keys=True))
