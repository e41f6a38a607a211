"""The equipment claim: packing of a prescription, the Claim model, the invoice and the context.

Everything here is clear-text data that both the optician's prover and the insurer's verifier
need, so it lives in the domain (``docs/design.md`` §3-§5) and imports no cryptographic
backend.

Prescription packing (docs/design.md §4, layout version 1)
---------------------------------------------------
A canonical (positive-cylinder, spec §1) prescription becomes one integer below ``2**70``.
Fields are laid out from the **least significant bit** upwards, right eye first::

    bits  0..7   right sphere_q + 128     (8 bits, 1..255: sphere -31.75..+31.75 D)
    bits  8..13  right cylinder_q         (6 bits, 0..63: 0..+15.75 D)
    bits 14..21  right axis               (8 bits, 0 without cylinder, else 1..180)
    bits 22..26  right addition_q         (5 bits, 0..31: 0..+7.75 D)
    bits 27..53  left eye, same four fields in the same order
    bits 54..69  prescription day         (16 bits, days since 1970-01-01)

:func:`pack_prescription` / :func:`unpack_prescription` convert; the equipment circuit
(``circuits/equipment.py``) decomposes the same integer with the same constants.

The commitment to a packed prescription is ``poseidon.hash2(packed, blinding,
domain=COMMITMENT_TAG)``. The tag names the layout version: it is SHA-256 of the ASCII string
``COMMITMENT_TAG_NAME`` (``"zkclaims/prescription-commitment/packing-v1"``), big-endian,
shifted right by 8 bits (248 bits, so below r). A new layout gets a new name, hence a new tag.

Claim context
-------------
:func:`claim_context` is SHA-256 over a canonical byte string of the claim fields (insurer,
claim id, optician, delivery day, patient birth date), the invoice (prices, classe A/B, lens
classes) and the circuit id, reduced modulo the scalar field order r. It is a public input of
the proof, so a proof made for one claim cannot be replayed on another.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import struct
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from zkclaims.domain.base import Model, check_type
from zkclaims.domain.models import (
    ADDITION_MAX_Q,
    CYLINDER_MAX_Q,
    SPHERE_MAX_Q,
    Classe,
    Decision,
    Equipment,
    EyePrescription,
    LensClass,
    PrescriberKind,
    Prescription,
    _cents,
)
from zkclaims.domain.rules import (
    RULES_2020,
    Guarantee,
    Rules,
    Violation,
    check_contract,
    reimburse_elements,
)
from zkclaims.errors import InvalidInputError, echo_value
from zkclaims.field import R

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
    "COMMITMENT_TAG_NAME",
    "COMMITMENT_TAG",
    "day_number",
    "day_from_number",
    "pack_eye",
    "unpack_eye",
    "pack_prescription",
    "unpack_prescription",
    "Claim",
    "InvoiceLine",
    "Invoice",
    "invoice_for",
    "reimburse_invoice",
    "claim_context_bytes",
    "claim_context",
    "Attestation",
    "attestation_message",
    "Contract",
    "PublicInputs",
    "ClaimBundle",
    "BUNDLE_FORMAT",
    "bundle_json_schema",
]

#: Day 0 of the packed prescription day.
EPOCH = _dt.date(1970, 1, 1)
#: Added to the canonical sphere (quarter-dioptres) so that it is a non-negative 8-bit field.
SPHERE_OFFSET = 128
SPHERE_BITS = 8
CYLINDER_BITS = 6
AXIS_BITS = 8
ADDITION_BITS = 5
#: Bits of one eye (sphere, cylinder, axis, addition).
EYE_BITS = SPHERE_BITS + CYLINDER_BITS + AXIS_BITS + ADDITION_BITS
DAY_BITS = 16
#: Total width of a packed prescription (2 eyes + day): 70 bits.
PACKED_BITS = 2 * EYE_BITS + DAY_BITS
#: Name and width of each packed field, least significant first (the layout, version 1).
PACKING_LAYOUT: tuple[tuple[str, int], ...] = (
    ("right.sphere_q+128", SPHERE_BITS),
    ("right.cylinder_q", CYLINDER_BITS),
    ("right.axis", AXIS_BITS),
    ("right.addition_q", ADDITION_BITS),
    ("left.sphere_q+128", SPHERE_BITS),
    ("left.cylinder_q", CYLINDER_BITS),
    ("left.axis", AXIS_BITS),
    ("left.addition_q", ADDITION_BITS),
    ("issued_on (days since 1970-01-01)", DAY_BITS),
)

#: Versioned name of the packing layout; its hash is the Poseidon capacity element (domain tag).
COMMITMENT_TAG_NAME = "zkclaims/prescription-commitment/packing-v1"
#: Domain tag of the commitment: SHA-256(COMMITMENT_TAG_NAME) >> 8 (248 bits, < r).
COMMITMENT_TAG = int.from_bytes(hashlib.sha256(COMMITMENT_TAG_NAME.encode()).digest(), "big") >> 8

assert SPHERE_MAX_Q + SPHERE_OFFSET < 1 << SPHERE_BITS
assert CYLINDER_MAX_Q < 1 << CYLINDER_BITS
assert ADDITION_MAX_Q < 1 << ADDITION_BITS


def day_number(day: _dt.date, field: str = "day") -> int:
    """Return ``day`` as days since 1970-01-01; it must fit the 16-bit packed field."""
    n = (day - EPOCH).days
    if not 0 <= n < 1 << DAY_BITS:
        raise InvalidInputError(
            field, day.isoformat(), "must lie between 1970-01-01 and 2149-06-06"
        )
    return n


def day_from_number(n: int, field: str = "day") -> _dt.date:
    """Inverse of :func:`day_number`."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 1 << DAY_BITS:
        raise InvalidInputError(field, n, f"day number must be an int in [0, {1 << DAY_BITS})")
    return EPOCH + _dt.timedelta(days=n)


def pack_eye(eye: EyePrescription, field: str = "eye") -> int:
    """Pack one eye (turned into its canonical positive-cylinder form) into 27 bits."""
    c = eye.canonical()
    s, cyl, axis, add = c.sphere_q, c.cylinder_q, c.axis_deg, c.addition_q
    if not -SPHERE_MAX_Q <= s <= SPHERE_MAX_Q:
        raise InvalidInputError(f"{field}.sphere", s, "canonical sphere out of -127..127 q")
    if not 0 <= cyl <= CYLINDER_MAX_Q:
        raise InvalidInputError(f"{field}.cylinder", cyl, "canonical cylinder out of 0..63 q")
    if (cyl == 0) != (axis == 0) or not 0 <= axis <= 180:
        raise InvalidInputError(f"{field}.axis", axis, "must be 0 iff no cylinder, else 1..180")
    if not 0 <= add <= ADDITION_MAX_Q:
        raise InvalidInputError(f"{field}.addition", add, "addition out of 0..31 q")
    out = s + SPHERE_OFFSET
    out |= cyl << SPHERE_BITS
    out |= axis << (SPHERE_BITS + CYLINDER_BITS)
    out |= add << (SPHERE_BITS + CYLINDER_BITS + AXIS_BITS)
    return out


def unpack_eye(bits: int, field: str = "eye") -> EyePrescription:
    """Inverse of :func:`pack_eye`; raises :class:`InvalidInputError` on an invalid field."""
    if not 0 <= bits < 1 << EYE_BITS:
        raise InvalidInputError(field, bits, f"packed eye must be below 2**{EYE_BITS}")
    s = (bits & 0xFF) - SPHERE_OFFSET
    cyl = (bits >> SPHERE_BITS) & 0x3F
    axis = (bits >> (SPHERE_BITS + CYLINDER_BITS)) & 0xFF
    add = bits >> (SPHERE_BITS + CYLINDER_BITS + AXIS_BITS)
    if not -SPHERE_MAX_Q <= s <= SPHERE_MAX_Q:
        raise InvalidInputError(f"{field}.sphere", s, "sphere field out of -127..127 q")
    if (cyl == 0) != (axis == 0) or axis > 180:
        raise InvalidInputError(f"{field}.axis", axis, "must be 0 iff no cylinder, else 1..180")
    try:
        return EyePrescription.from_quarters(s, cyl, axis or None, add)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise InvalidInputError(field, bits, f"not a valid eye: {exc}") from None


def pack_prescription(prescription: Prescription) -> int:
    """Pack a prescription (canonicalised first) into one integer below ``2**70``.

    Layout in the module docstring: right eye, left eye, then the issue day, least
    significant bits first.
    """
    right = pack_eye(prescription.right, "right")
    left = pack_eye(prescription.left, "left")
    day = day_number(prescription.issued_on, "issued_on")
    return right | (left << EYE_BITS) | (day << (2 * EYE_BITS))


def unpack_prescription(
    packed: int, prescriber_kind: PrescriberKind = PrescriberKind.PHYSICIAN
) -> Prescription:
    """Inverse of :func:`pack_prescription` (the prescriber kind is not packed: pass it)."""
    if isinstance(packed, bool) or not isinstance(packed, int):
        raise InvalidInputError("packed", packed, "must be an int")
    if not 0 <= packed < 1 << PACKED_BITS:
        raise InvalidInputError("packed", packed, f"must be an int in [0, 2**{PACKED_BITS})")
    mask = (1 << EYE_BITS) - 1
    return Prescription(
        right=unpack_eye(packed & mask, "right"),
        left=unpack_eye((packed >> EYE_BITS) & mask, "left"),
        issued_on=day_from_number(packed >> (2 * EYE_BITS), "issued_on"),
        prescriber_kind=prescriber_kind,
    )


# ---------------------------------------------------------------------------------------------
# Claim and invoice
# ---------------------------------------------------------------------------------------------

def _identifier(v: Any, field: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError(f"{field}: must be a non-empty string (got {v!r})")
    if v != v.strip() or any(ord(ch) < 32 for ch in v) or len(v) > 128:
        raise ValueError(
            f"{field}: no surrounding spaces or control characters, at most 128 (got {v!r})"
        )
    return v


class Claim(Model):
    """The administrative facts of one tiers-payant claim (public to the insurer).

    ``insurer`` and ``optician`` are identifiers (e.g. AMC number, FINESS or ADELI number),
    ``claim_id`` is unique per insurer, ``delivered_on`` is the delivery day of the equipment,
    ``patient_birth_date`` serves the age-dependent calendar rules (spec §5, §6).
    """

    insurer: str
    claim_id: str
    optician: str
    delivered_on: _dt.date
    patient_birth_date: _dt.date

    @field_validator("insurer", "claim_id", "optician", mode="before")
    @classmethod
    def _ids(cls, v: Any, info: Any) -> str:
        return _identifier(v, info.field_name)

    @model_validator(mode="after")
    def _dates(self) -> Claim:
        if self.patient_birth_date > self.delivered_on:
            raise ValueError(
                f"patient_birth_date: after the delivery day {self.delivered_on}"
                f" (got {self.patient_birth_date})"
            )
        return self


class InvoiceLine(Model):
    """One invoiced element as the insurer sees it: no usage or design, only the lens class.

    ``lens_class`` is set for lenses (it is a public input of the proof) and None for the
    frame. ``amo_cents`` is the public insurer's (AMO) share of this element. Money is integer
    cents (strict, in Python and in JSON): ``20000.0``, ``"20000"`` and ``true`` are refused.
    """

    price_cents: int = Field(ge=0, strict=True)
    amo_cents: int = Field(default=0, ge=0, strict=True)
    classe: Classe
    lens_class: LensClass | None = None
    plv_cents: int | None = Field(
        default=None, ge=0, strict=True,
        description="legal sale price cap (PLV) of a classe A element",
    )

    @field_validator("price_cents", "amo_cents", "plv_cents", mode="before")
    @classmethod
    def _money(cls, v: Any, info: Any) -> Any:
        if v is None and info.field_name == "plv_cents":
            return v
        return _cents(v, info.field_name)


class Invoice(Model):
    """What the optician invoices: right lens, left lens, frame, and the total (cents)."""

    right: InvoiceLine
    left: InvoiceLine
    frame: InvoiceLine
    total_cents: int = Field(ge=0, strict=True)

    @field_validator("total_cents", mode="before")
    @classmethod
    def _money(cls, v: Any) -> int:
        return _cents(v, "total_cents")

    def lines(self) -> dict[str, InvoiceLine]:
        """Return the three lines by element name."""
        return {"right": self.right, "left": self.left, "frame": self.frame}

    def inconsistencies(self) -> list[str]:
        """Human-readable price inconsistencies (empty when the invoice adds up)."""
        out = []
        total = self.right.price_cents + self.left.price_cents + self.frame.price_cents
        if total != self.total_cents:
            out.append(f"total_cents: {self.total_cents} is not the sum of the lines ({total})")
        for name, line in self.lines().items():
            if line.amo_cents > line.price_cents:
                out.append(
                    f"{name}.amo_cents: AMO share {line.amo_cents} exceeds the price"
                    f" {line.price_cents}"
                )
        for name in ("right", "left"):
            if self.lines()[name].lens_class is None:
                out.append(f"{name}.lens_class: missing for a lens")
        if self.frame.lens_class is not None:
            out.append("frame.lens_class: a frame has no lens class")
        for name, line in self.lines().items():
            if line.classe is Classe.A and line.plv_cents is None:
                out.append(f"{name}.plv_cents: a classe A element needs its legal price cap")
        return out


def invoice_for(
    equipment: Equipment,
    classes: tuple[LensClass, LensClass],
    amo_cents: Mapping[str, int] | None = None,
    plv_cents: Mapping[str, int] | None = None,
) -> Invoice:
    """Build the invoice of ``equipment`` with the lens classes (right, left).

    ``amo_cents`` and ``plv_cents`` map ``"right"``, ``"left"``, ``"frame"`` to the AMO share
    and (classe A elements) the legal price cap; missing keys mean 0 / no cap. An unknown
    element or a value that is not integer cents >= 0 raises
    :class:`~zkclaims.errors.ValidationError` naming it (e.g. ``amo_cents.right``).
    """
    amo = dict(amo_cents or {})
    plv = dict(plv_cents or {})
    unknown = (set(amo) | set(plv)) - {"right", "left", "frame"}
    if unknown:
        raise InvalidInputError("amo_cents/plv_cents", sorted(unknown), "unknown element name")
    for what, shares in (("amo_cents", amo), ("plv_cents", plv)):
        for name, v in shares.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InvalidInputError(f"{what}.{name}", v, "money must be integer cents >= 0")
    e = equipment
    lines = {}
    for name, item, cls in (
        ("right", e.right, classes[0]),
        ("left", e.left, classes[1]),
        ("frame", e.frame, None),
    ):
        lines[name] = InvoiceLine(
            price_cents=item.price_cents,
            amo_cents=amo.get(name, 0),
            classe=item.classe,
            lens_class=cls,
            plv_cents=plv.get(name),
        )
    return Invoice(
        **lines,
        total_cents=e.right.price_cents + e.left.price_cents + e.frame.price_cents,
    )


def reimburse_invoice(
    invoice: Invoice,
    *,
    guarantees: Mapping[Any, Guarantee | Mapping[str, int]] | Guarantee | None = None,
    rules: Rules = RULES_2020,
) -> Decision:
    """Decide the reimbursement of an invoice, as the insurer sees it (spec §3 and §4).

    Reads only what the invoice carries: each element's price, classe A/B, AMO share and PLV,
    and the two lens classes (the proven public inputs); no lens usage, no prescription. The
    decision is :func:`~zkclaims.domain.rules.reimburse_elements` of those facts, hence equal
    to :func:`~zkclaims.domain.reimburse` on the full equipment with the same lens classes.
    ``guarantees`` as in :func:`~zkclaims.domain.reimburse` (None: the legal ceiling).
    """
    check_type(invoice, Invoice, "invoice")
    check_type(rules, Rules, "rules")
    lines = invoice.lines()
    classes = []
    for name in ("right", "left"):
        lens_class = lines[name].lens_class
        if lens_class is None:
            raise InvalidInputError(f"invoice.{name}.lens_class", None, "missing for a lens")
        classes.append(lens_class)
    return reimburse_elements(
        lines,
        lens_classes=(classes[0], classes[1]),
        amo_paid={k: line.amo_cents for k, line in lines.items()},
        guarantees=guarantees,
        plv={k: line.plv_cents for k, line in lines.items()},
        rules=rules,
    )


#: Domain separation of the claim context hash (versioned).
CLAIM_CONTEXT_PREFIX = b"zkclaims/claim-context/v1\x00"


def claim_context_bytes(claim: Claim, invoice: Invoice, circuit_id: str) -> bytes:
    """Return the canonical byte string hashed into the claim context.

    The prefix ``zkclaims/claim-context/v1`` and a NUL byte, then compact JSON with sorted
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


# ---------------------------------------------------------------------------------------------
# Exchanged documents: attestation, contract, claim bundle
# ---------------------------------------------------------------------------------------------

ATTESTATION_FORMAT = "zkclaims-attestation/v1"
_ATTESTATION_PREFIX = b"zkclaims/attestation/v1\x00"
#: Format tag of a claim bundle (bumped on any incompatible change).
BUNDLE_FORMAT = "zkclaims-claim-bundle/v1"
CONTRACT_FORMAT = "zkclaims-contract/v1"


def _field_element(v: Any, field: str) -> str:
    """Validate a field element given as a canonical decimal string (or an int)."""
    if isinstance(v, bool):
        raise ValueError(f"{field}: expected a decimal string (got {v!r})")
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and v.isascii() and v.isdigit() and (v == "0" or v[0] != "0"):
        if len(v) > len(str(R)):  # never convert a huge string (int-to-str limit, time)
            raise ValueError(f"{field}: must be below the scalar field order r (got a number "
                             f"of {len(v)} digits)")
        n = int(v)
    else:
        raise ValueError(f"{field}: expected a canonical decimal string (got {echo_value(v)})")
    if not 0 <= n < R:
        raise ValueError(f"{field}: must be below the scalar field order r (got {echo_value(v)})")
    return str(n)


def attestation_message(
    commitment: int, prescriber_id: str, kind: PrescriberKind, day: _dt.date
) -> bytes:
    """Return the canonical bytes the prescriber signs (Ed25519).

    ``zkclaims/attestation/v1`` and a NUL byte || C (32 bytes big-endian) || len(id) (1 byte) || id
    (UTF-8) || len(kind) (1 byte) || kind (ASCII) || day (u32 big-endian, days since
    1970-01-01). The length prefixes make the encoding injective.
    """
    if not 0 <= commitment < R:
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

    ``signature`` is the hex Ed25519 signature over :func:`attestation_message`; check it with
    :func:`zkclaims.prescriber.verify_attestation`.
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
        return _field_element(v, "commitment")

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
                f"prescriber_id: non-empty, no surrounding spaces, <= 255 bytes (got {v!r})"
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


class Contract(Model):
    """An insurer's contract: classe B guarantee per category (spec §3), employer cover flag.

    ``guarantees`` maps every category code ``"a"``..``"f"`` to a
    :class:`~zkclaims.domain.Guarantee` (``equipment_cents``, ``frame_cents``): a contract
    responsable covers each category (spec §3), so a missing one is refused here rather than
    when a claim of that category arrives. :meth:`violations` lists the floors, ceilings and
    frame caps it breaks (:func:`~zkclaims.domain.check_contract`).
    """

    format: Literal["zkclaims-contract/v1"] = CONTRACT_FORMAT
    name: str = ""
    employer_mandatory: bool = False
    guarantees: dict[Literal["a", "b", "c", "d", "e", "f"], Guarantee]

    @model_validator(mode="after")
    def _every_category(self) -> Contract:
        missing = sorted(set("abcdef") - set(self.guarantees))
        if missing:
            raise ValueError(
                f"guarantees: no guarantee for categor{'ies' if len(missing) > 1 else 'y'}"
                f" {', '.join(missing)} (spec §3; got {sorted(self.guarantees)})"
            )
        return self

    def violations(self) -> list[Violation]:
        """Return how the contract breaks spec §3 (and CSS D911-1 when employer-mandatory)."""
        return check_contract(self.guarantees, employer_mandatory=self.employer_mandatory)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, strict: bool = True) -> Contract:
        """Read a contract file (JSON) and check it against floors and ceilings.

        The file goes through the shared JSON reader (:mod:`zkclaims.jsonio`). With ``strict``
        (the default) a contract that breaks a floor, a ceiling or the frame cap of spec §3
        (CSS R871-2 3°; the D911-1 floors when ``employer_mandatory``) raises
        :class:`~zkclaims.errors.InputFileError` naming the guarantee, e.g.
        ``guarantees.b.equipment_cents: 70000 is above the ceiling 56000 (spec §3 ceiling)``,
        and how many others there are. ``strict=False`` loads a non-compliant contract for
        analysis: :meth:`violations` then lists every breach.
        """
        from zkclaims.errors import InputFileError
        from zkclaims.jsonio import load_file

        doc = load_file(path, "contract")
        try:
            contract = cls.model_validate(doc)
        except InvalidInputError as exc:
            raise InputFileError("contract", str(path), str(exc)) from None
        broken = contract.violations() if strict else []
        if broken:
            first = broken[0]
            inner, _, detail = first.message.partition(": ")
            where = f"guarantees.{first.category}" + (f".{inner}" if detail else "")
            more = f" [and {len(broken) - 1} more]" if len(broken) > 1 else ""
            raise InputFileError(
                "contract", str(path),
                f"{where}: {detail or first.message} ({first.rule}){more}; not a contrat "
                "responsable (Contract.load(path, strict=False) loads it for analysis)",
            )
        return contract


class PublicInputs(Model):
    """The proof's public inputs, in circuit order, as the bundle carries them."""

    commitment: str
    class_right: int = Field(ge=0, le=2)
    class_left: int = Field(ge=0, le=2)
    prescription_day: int = Field(ge=0, lt=1 << DAY_BITS)
    claim_context: str

    @field_validator("commitment", "claim_context", mode="before")
    @classmethod
    def _fe(cls, v: Any, info: Any) -> str:
        return _field_element(v, info.field_name)

    def as_list(self) -> list[int]:
        """Return ``[commitment, class_right, class_left, prescription_day, claim_context]``."""
        return [
            int(self.commitment),
            self.class_right,
            self.class_left,
            self.prescription_day,
            int(self.claim_context),
        ]


class ClaimBundle(Model):
    """What the optician sends the insurer: claim, invoice, attestation, public inputs, proof.

    Everything here is public to the insurer; the prescription, the blinding and the lens
    usages/designs are not in it. ``proof`` is the 192-byte Groth16 proof in hex (A | B | C,
    ZCash compressed encodings). The JSON Schema is ``schemas/claim-bundle.schema.json``.
    """

    format: Literal["zkclaims-claim-bundle/v1"] = BUNDLE_FORMAT
    circuit_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    claim: Claim
    invoice: Invoice
    attestation: Attestation
    public_inputs: PublicInputs
    proof: str = Field(pattern=r"^[0-9a-f]{384}$")

    def expected_public_inputs(self) -> PublicInputs:
        """Return the public inputs the other fields imply (claim context recomputed)."""
        return PublicInputs(
            commitment=self.attestation.commitment,
            class_right=(self.invoice.right.lens_class or LensClass.SIMPLE).code,
            class_left=(self.invoice.left.lens_class or LensClass.SIMPLE).code,
            prescription_day=day_number(self.attestation.prescription_day, "prescription_day"),
            claim_context=str(claim_context(self.claim, self.invoice, self.circuit_id)),
        )


def bundle_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of :class:`ClaimBundle` (``schemas/claim-bundle.schema.json``).

    Regenerate the file with
    ``python -m zkclaims.domain.claim > schemas/claim-bundle.schema.json``.
    """
    schema = ClaimBundle.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://zkclaims.example/schemas/claim-bundle.schema.json"
    return schema


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(bundle_json_schema(), indent=2, sort_keys=True))
