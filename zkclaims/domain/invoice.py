"""The claim and its invoice, as the insurer receives them (public to the insurer).

:class:`Claim` holds the administrative facts of one tiers-payant claim; :class:`Invoice` its
three elements (right lens, left lens, frame), each with its price, its 100 % Santé classe
(spec §4) and its grouping code (spec §7), and for a lens its design (unifocal / multifocal)
and lens class (spec §2) — the two facts the equipment proof makes public and proves.

The invoice carries **no AMO share and no price cap**: the insurer computes both from the law
(the LPP tables, :mod:`zkclaims.domain.lpp`), never from the optician's numbers.

:func:`check_invoice` is the insurer's structural check (same function on the prover side):
the total adds up, each line is what its element needs, and each grouping code agrees with
the element, its classe and the proven design and class — a classe A lens code (``V01``-
``V04``) follows from design and class; a classe B lens code (``VU1``-``VU7``, ``VM1``-
``VM7``) stays a declared label, never mapped to a class (spec §7), but its prefix must be the
proven design; a frame code (``M01``-``M04``) must be of its classe.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from zkclaims.domain.base import Model, check_type
from zkclaims.domain.lpp.codes import (
    ELEMENT_CODES,
    accepted_codes_text,
    classe_a_lens_code,
    code_info,
)
from zkclaims.domain.models import (
    MAX_CENTS,
    Classe,
    Decision,
    Equipment,
    LensClass,
    LensDesign,
)
from zkclaims.domain.rules import RULES_2020, Guarantee, Rules, age_on, reimburse_elements
from zkclaims.errors import ClaimRejected, InvalidInputError, echo_value

__all__ = [
    "MAX_CENTS",
    "CHILD_FRAME_AGE",
    "Claim",
    "InvoiceLine",
    "Invoice",
    "invoice_for",
    "check_invoice",
    "reimburse_invoice",
]

# MAX_CENTS (one invoiced element, 100,000 €; the total may be three times it) is the domain's
# one money bound, defined with the models (zkclaims.domain.models.MAX_CENTS).
#: A frame code is the child one (M02, M04) when the patient is under this age on the
#: delivery day, when the optician leaves the code out (the LPP's split, 16 or 18, is
#: unconfirmed: 16 is accepted under both readings; docs/claim.md).
CHILD_FRAME_AGE = 16

_MEMBER_LIMIT = 64


def _identifier(v: Any, field: str, limit: int = 128) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError(f"{field}: must be a non-empty string (got {v!r:.80})")
    if v != v.strip() or any(ord(ch) < 32 for ch in v) or len(v) > limit:
        raise ValueError(
            f"{field}: no surrounding spaces or control characters, at most {limit} characters"
            f" (got {v!r:.80})"
        )
    return v


def _money(v: Any, field: str, limit: int = MAX_CENTS) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{field}: money must be integer cents (got {echo_value(v)})")
    if not 0 <= v <= limit:
        raise ValueError(
            f"{field}: must be integer cents in 0..{limit} ({limit // 100} €)"
            f" (got {echo_value(v)})"
        )
    return v


class Claim(Model):
    """The administrative facts of one tiers-payant claim (public to the insurer).

    ``insurer`` and ``optician`` are identifiers (e.g. AMC number, FINESS number),
    ``claim_id`` is unique per insurer, ``beneficiary`` is the insurer's member number of the
    patient (an opaque string: the insurer looks up its own record with it), ``delivered_on``
    is the delivery day of the equipment. No birth date: the insurer takes it from its record.
    """

    insurer: str
    claim_id: str
    optician: str
    beneficiary: str
    delivered_on: _dt.date

    @field_validator("insurer", "claim_id", "optician", mode="before")
    @classmethod
    def _ids(cls, v: Any, info: Any) -> str:
        return _identifier(v, info.field_name)

    @field_validator("beneficiary", mode="before")
    @classmethod
    def _member(cls, v: Any) -> str:
        return _identifier(v, "beneficiary", _MEMBER_LIMIT)


_CODE = re.compile(r"[A-Z0-9]{3}")


class InvoiceLine(Model):
    """One invoiced element as the insurer sees it.

    ``grouping_code`` is the element's code of spec §7. For a lens, ``design`` (unifocal /
    multifocal) and ``lens_class`` are the proof's public inputs; both are None for the frame.
    Money is strict integer cents, at most :data:`MAX_CENTS` (``20000.0``, ``"20000"`` and
    ``true`` are refused). No AMO share and no price cap: the insurer computes them.
    """

    price_cents: int = Field(ge=0, le=MAX_CENTS, strict=True)
    classe: Classe
    grouping_code: str = Field(pattern=r"^[A-Z0-9]{3}$")
    design: LensDesign | None = None
    lens_class: LensClass | None = None

    @field_validator("price_cents", mode="before")
    @classmethod
    def _price(cls, v: Any) -> int:
        return _money(v, "price_cents")

    @field_validator("grouping_code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> str:
        if not isinstance(v, str) or not _CODE.fullmatch(v):
            raise ValueError(
                "grouping_code: three capital letters or digits, a code of spec §7 such as"
                f" V01, VU3, VM2, M01 (got {v!r:.40})"
            )
        return v


class Invoice(Model):
    """What the optician invoices: right lens, left lens, frame, and the total (cents)."""

    right: InvoiceLine
    left: InvoiceLine
    frame: InvoiceLine
    total_cents: int = Field(ge=0, le=3 * MAX_CENTS, strict=True)

    @field_validator("total_cents", mode="before")
    @classmethod
    def _total(cls, v: Any) -> int:
        return _money(v, "total_cents", 3 * MAX_CENTS)

    def lines(self) -> dict[str, InvoiceLine]:
        """Return the three lines by element name."""
        return {"right": self.right, "left": self.left, "frame": self.frame}

    def designs(self) -> tuple[LensDesign, LensDesign]:
        """Return the (right, left) lens designs (:class:`InvalidInputError` if one is missing)."""
        return (_need(self.right.design, "right.design"), _need(self.left.design, "left.design"))

    def lens_classes(self) -> tuple[LensClass, LensClass]:
        """Return the (right, left) lens classes (:class:`InvalidInputError` if one is missing)."""
        return (_need(self.right.lens_class, "right.lens_class"),
                _need(self.left.lens_class, "left.lens_class"))


def _need(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInputError(f"invoice.{field}", None, "missing for a lens")
    return value


# --- grouping codes (spec §7; the code table is zkclaims.domain.lpp.codes) ------------------
def _frame_code(classe: Classe, child: bool) -> str:
    group = "child" if child else "adult"
    return next(c for c, i in ELEMENT_CODES.items()
                if i.kind == "frame" and i.classe is classe and i.age_group == group)


def _lens_code(side: str, classe: Classe, design: LensDesign, lens_class: LensClass,
               given: str | None) -> str:
    if classe is Classe.A:
        code = classe_a_lens_code(design, lens_class)
        if given is not None and given != code:
            raise ClaimRejected(
                "grouping_code_mismatch",
                f"{side}.grouping_code: a classe A {design.value} {lens_class.value} lens is"
                f" {code} (spec §7) (got {given!r})",
            )
        return code
    if given is None:
        raise InvalidInputError(
            f"equipment.{side}.grouping_code", None,
            f"a classe B lens needs its grouping code, as on the quote: "
            f"{'VU1-VU7' if design is LensDesign.UNIFOCAL else 'VM1-VM7'} for a {design.value}"
            " lens (spec §7)",
        )
    return given


def invoice_for(
    equipment: Equipment,
    *,
    classes: tuple[LensClass, LensClass],
    birth_date: _dt.date,
) -> Invoice:
    """Build the invoice of ``equipment`` with the lens classes (right, left) the rules give.

    The design of each lens follows from its usage (progressive: multifocal, else unifocal).
    Grouping codes: a classe A lens gets ``V01``-``V04`` from its design and class (a
    different code given on the equipment raises :class:`ClaimRejected`
    ``grouping_code_mismatch``); a classe B lens needs its code on the equipment
    (``VU``/``VM`` label); a frame without a code gets M01/M02 (classe A) or M03/M04
    (classe B), the child code under :data:`CHILD_FRAME_AGE` on the delivery day
    (``birth_date`` is the patient's). :func:`check_invoice` then checks the result.
    """
    e = equipment
    lines: dict[str, InvoiceLine] = {}
    for side, lens, cls in (("right", e.right, classes[0]), ("left", e.left, classes[1])):
        design = lens.usage.design
        lens_class = LensClass(cls)
        code = _lens_code(side, lens.classe, design, lens_class, lens.grouping_code)
        lines[side] = _line(f"equipment.{side}", price_cents=lens.price_cents,
                            classe=lens.classe, grouping_code=code, design=design,
                            lens_class=lens_class)
    code = e.frame.grouping_code
    if code is None:
        code = _frame_code(e.frame.classe, age_on(birth_date, e.delivered_on) < CHILD_FRAME_AGE)
    lines["frame"] = _line("equipment.frame", price_cents=e.frame.price_cents,
                           classe=e.frame.classe, grouping_code=code)
    total = sum(line.price_cents for line in lines.values())
    return Invoice(**lines, total_cents=total)


def _line(where: str, **fields: Any) -> InvoiceLine:
    try:
        return InvoiceLine(**fields)
    except InvalidInputError as exc:
        raise InvalidInputError.from_line(f"{where}.{exc.field}", exc.value,
                                          f"{where}.{exc}") from exc


def check_invoice(invoice: Invoice) -> None:
    """Check an invoice's structure against the proven design and class of each lens.

    Raises :class:`~zkclaims.errors.ClaimRejected`:

    * ``inconsistent_invoice`` — the total is not the sum of the lines; a lens line without
      its design or class, or a frame line with one; a design and class spec §2 never pairs
      (a unifocal very complex lens, a multifocal simple one);
    * ``grouping_code_mismatch`` — not an element code of spec §7, a lens code on the frame
      or the reverse, a classe A code on a classe B element or the reverse; a classe A lens
      whose code is not the ``V01``-``V04`` of its design and class; a classe B lens whose
      ``VU``/``VM`` prefix is not its design (the label itself is never read as a class).

    The age group of a frame code and the codes' LPP rows are the pricing's to check
    (:func:`zkclaims.domain.lpp.price_elements`).
    """
    lines = invoice.lines()
    total = sum(line.price_cents for line in lines.values())
    if total != invoice.total_cents:
        raise ClaimRejected("inconsistent_invoice",
                            f"invoice.total_cents: {invoice.total_cents} is not the sum of the"
                            f" lines ({total})")
    frame = invoice.frame
    if frame.design is not None or frame.lens_class is not None:
        raise ClaimRejected("inconsistent_invoice",
                            "invoice.frame: a frame has no lens design or lens class")
    for side in ("right", "left"):
        line = lines[side]
        if line.design is None or line.lens_class is None:
            missing = "design" if line.design is None else "lens_class"
            raise ClaimRejected("inconsistent_invoice",
                                f"invoice.{side}.{missing}: missing for a lens")
        try:
            expected = classe_a_lens_code(line.design, line.lens_class)
        except InvalidInputError:
            raise ClaimRejected(
                "inconsistent_invoice",
                f"invoice.{side}: no {line.design.value} lens is {line.lens_class.value}"
                " (spec §2: unifocal lenses are simple or complex, multifocal ones complex or"
                " very complex)",
            ) from None
        code = line.grouping_code
        if line.classe is Classe.A:
            if code != expected:
                raise ClaimRejected(
                    "grouping_code_mismatch",
                    f"invoice.{side}.grouping_code: a classe A {line.design.value}"
                    f" {line.lens_class.value} lens is {expected} (spec §7) (got {code!r})",
                )
            continue
        _check_code(f"invoice.{side}", line, "lens")
        info = code_info(code)
        if info is not None and info.design != line.design:
            want = "VU1-VU7" if line.design is LensDesign.UNIFOCAL else "VM1-VM7"
            raise ClaimRejected(
                "grouping_code_mismatch",
                f"invoice.{side}.grouping_code: the lens is proven {line.design.value}, its"
                f" classe B code is {want} (spec §7) (got {code!r})",
            )
    _check_code("invoice.frame", frame, "frame")


def _check_code(where: str, line: InvoiceLine, kind: str) -> None:
    info = code_info(line.grouping_code)
    if info is None or info.kind != kind or info.classe is not line.classe:
        raise ClaimRejected(
            "grouping_code_mismatch",
            f"{where}.grouping_code: {line.grouping_code!r} is not a code of a classe"
            f" {line.classe.value} {kind}; accepted for a {kind}: {accepted_codes_text(kind)}"
            " (spec §7)",
        )


def reimburse_invoice(
    invoice: Invoice,
    *,
    amo_paid: Mapping[str, int],
    plv: Mapping[str, int | None],
    guarantees: Mapping[Any, Guarantee | Mapping[str, int]] | Guarantee | None = None,
    rules: Rules = RULES_2020,
) -> Decision:
    """Decide the reimbursement of an invoice, as the insurer sees it (spec §3 and §4).

    Reads the invoice's prices, classes A/B and the two proven lens classes; ``amo_paid`` and
    ``plv`` (per element) are the AMO share and classe A caps **the insurer computed from the
    law** (:func:`zkclaims.domain.lpp.price_elements`), never figures from the invoice. The
    decision is :func:`~zkclaims.domain.rules.reimburse_elements` of those facts, hence equal
    to :func:`~zkclaims.domain.reimburse` on the full equipment with the same lens classes and
    shares. ``guarantees`` as there (None: the legal ceiling).
    """
    check_type(invoice, Invoice, "invoice")  # a wrong type fails here, not deep in the rules
    check_type(rules, Rules, "rules")
    return reimburse_elements(invoice.lines(), lens_classes=invoice.lens_classes(),
                              amo_paid=amo_paid, guarantees=guarantees,
                              plv=plv, rules=rules)
