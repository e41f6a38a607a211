"""The 2020 "contrat responsable" optical rules, exact and in clear text.

Every rule cites its section of ``docs/rules.md`` ("spec §N"). Powers are integer
quarter-dioptres, money integer cents, dates :class:`datetime.date`; no floats anywhere.

Date arithmetic: a period of N years (months) starting on day D ends on the day with the same
number N years (months) later; when that day does not exist (29 February, 31st), it is the last
day of that month (the rule of art. 641 of the Code de procédure civile). A prescription is valid
up to and including its end day; a renewal is allowed from its end day on.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ConfigDict, field_validator

from zkclaims.domain.base import Model, check_date, check_type
from zkclaims.domain.models import (
    Category,
    Classe,
    Decision,
    ElementPayment,
    Equipment,
    EyePrescription,
    LensClass,
    LensUsage,
    PrescriberKind,
    Prescription,
    _cents,
)
from zkclaims.domain.vision_change import (
    RULES_2020_CRITERIA,
    RenewalCriterion,
    vision_change_allows_early_renewal,
)
from zkclaims.errors import InvalidInputError, RuleError

__all__ = [
    "LensRow",
    "LENS_ROWS",
    "CATEGORIES",
    "Guarantee",
    "Violation",
    "Rules",
    "RULES_2020",
    "RULES_BY_VERSION",
    "rules_in_force",
    "lens_power_q",
    "lens_row_q",
    "lens_row",
    "classify_lens",
    "equipment_category",
    "check_contract",
    "PricedElement",
    "reimburse",
    "reimburse_elements",
    "add_years",
    "add_months",
    "age_on",
    "validity_end",
    "valid_on",
    "prescription_validity_end",
    "prescription_valid_on",
    "next_renewal_date",
    "renewal_due",
    "vision_change_allows_early_renewal",
]

S, C, V = LensClass.SIMPLE, LensClass.COMPLEX, LensClass.VERY_COMPLEX


# ---------------------------------------------------------------------------------------------
# spec §2: lens class
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LensRow:
    """One row of the spec §2 table (``number`` 1..14, top to bottom)."""

    number: int
    multifocal: bool
    spherical: bool
    condition: str
    lens_class: LensClass

    def __str__(self) -> str:
        design = "multifocal/progressive" if self.multifocal else "unifocal"
        form = "spherical" if self.spherical else "sphero-cyl"
        return f"spec §2 row {self.number}: {design}, {form}, {self.condition}"


#: The 14 rows of spec §2, in the order of the table (LENS_ROWS[n - 1].number == n).
LENS_ROWS: tuple[LensRow, ...] = (
    LensRow(1, False, True, "-6.00 <= sphere <= +6.00", S),
    LensRow(2, False, True, "sphere < -6.00 or sphere > +6.00", C),
    LensRow(3, False, False, "-6.00 <= sphere <= 0 and cylinder <= +4.00", S),
    LensRow(4, False, False, "-6.00 <= sphere <= 0 and cylinder > +4.00", C),
    LensRow(5, False, False, "sphere < -6.00", C),
    LensRow(6, False, False, "sphere > 0 and S <= +6.00", S),
    LensRow(7, False, False, "sphere > 0 and S > +6.00", C),
    LensRow(8, True, True, "-4.00 <= sphere <= +4.00", C),
    LensRow(9, True, True, "sphere < -4.00 or sphere > +4.00", V),
    LensRow(10, True, False, "-8.00 <= sphere <= 0 and cylinder <= +4.00", C),
    LensRow(11, True, False, "-8.00 <= sphere <= 0 and cylinder > +4.00", V),
    LensRow(12, True, False, "sphere < -8.00", V),
    LensRow(13, True, False, "sphere > 0 and S <= +8.00", C),
    LensRow(14, True, False, "sphere > 0 and S > +8.00", V),
)

# Thresholds of spec §2 in quarter-dioptres.
_UNI_SPH = 24  # 6.00 D: unifocal sphere and S bound
_MULTI_SPHERICAL = 16  # 4.00 D: multifocal spherical bound
_MULTI_CYL_SPH = 32  # 8.00 D: multifocal sphero-cylindrical sphere and S bound
_CYL = 16  # 4.00 D: cylinder bound


def lens_row_q(multifocal: bool, sphere_q: int, cylinder_q: int) -> int:
    """Row of spec §2 (1..14) for a lens power in *canonical positive-cylinder* quarter-dioptres.

    ``cylinder_q`` must be >= 0 (transpose first, spec §1). Bounds are inclusive ("comprise
    entre", spec §1); for a positive sphere only S = sphere + cylinder counts.
    """
    if cylinder_q < 0:
        raise InvalidInputError("cylinder_q", cylinder_q, "must be >= 0 (positive-cylinder form)")
    s, c = sphere_q, cylinder_q
    if not multifocal:
        if c == 0:
            return 1 if -_UNI_SPH <= s <= _UNI_SPH else 2
        if s <= 0:
            if s >= -_UNI_SPH:
                return 3 if c <= _CYL else 4
            return 5
        return 6 if s + c <= _UNI_SPH else 7
    if c == 0:
        return 8 if -_MULTI_SPHERICAL <= s <= _MULTI_SPHERICAL else 9
    if s <= 0:
        if s >= -_MULTI_CYL_SPH:
            return 10 if c <= _CYL else 11
        return 12
    return 13 if s + c <= _MULTI_CYL_SPH else 14


def _usage(usage: object) -> LensUsage:
    try:
        return LensUsage(usage)
    except ValueError:
        raise InvalidInputError("usage", usage, "must be 'far', 'near' or 'progressive'") from None


def _lens_class(value: object, field: str) -> LensClass:
    try:
        return LensClass(value)
    except ValueError:
        raise InvalidInputError(
            field, value, "must be 'simple', 'complex' or 'very_complex'"
        ) from None


def lens_power_q(
    eye: EyePrescription, *, usage: LensUsage | str, side: str | None = None
) -> tuple[bool, int, int]:
    """Design and canonical power of the lens made for ``usage`` (spec §2, docs/design.md §3).

    Returns ``(multifocal, sphere_q, cylinder_q)``: the canonical prescription for ``far``;
    sphere + addition for ``near``; the canonical prescription with a multifocal design for
    ``progressive``. ``near`` and ``progressive`` need an addition > 0 (:class:`RuleError`,
    naming the eye ``side`` when given: ``"right.addition: ..."``).
    """
    check_type(eye, EyePrescription, "eye")
    usage = _usage(usage)
    can = eye.canonical()
    if usage is LensUsage.FAR:
        return False, can.sphere_q, can.cylinder_q
    if can.addition_q <= 0:
        where = f"{side}.addition" if side else "addition"
        raise RuleError(
            f"{where}: a {usage.value} lens needs an addition > 0 (got {eye.addition:+.2f});"
            " accepted: a prescription with an addition, or a far lens"
        )
    if usage is LensUsage.NEAR:
        return False, can.sphere_q + can.addition_q, can.cylinder_q
    return True, can.sphere_q, can.cylinder_q


def lens_row(
    eye: EyePrescription, *, usage: LensUsage | str, side: str | None = None
) -> LensRow:
    """Return the spec §2 row that decides the class of the lens made for ``usage``."""
    return LENS_ROWS[lens_row_q(*lens_power_q(eye, usage=usage, side=side)) - 1]


def classify_lens(
    eye: EyePrescription, *, usage: LensUsage | str, side: str | None = None
) -> LensClass:
    """Lens class (spec §2) of the lens made for ``usage`` from the prescription ``eye``.

    The lens power is the canonical prescription for ``far``, sphere + addition for ``near``,
    the prescription with a multifocal design for ``progressive``; ``near`` and
    ``progressive`` with addition 0 raise :class:`~zkclaims.errors.RuleError` (naming the eye
    ``side`` when given).
    """
    return lens_row(eye, usage=usage, side=side).lens_class


# ---------------------------------------------------------------------------------------------
# spec §3: equipment category, floors and ceilings
# ---------------------------------------------------------------------------------------------
def _cat(code: str, a: LensClass, b: LensClass, floor: int, ceil: int, emp: int) -> Category:
    return Category(
        code=code, lenses=(a, b), floor_cents=floor, ceiling_cents=ceil, floor_employer_cents=emp
    )


#: The six categories of spec §3 (floors raised by CSS D911-1 in ``floor_employer_cents``).
CATEGORIES: dict[str, Category] = {
    "a": _cat("a", S, S, 5_000, 42_000, 10_000),
    "b": _cat("b", S, C, 12_500, 56_000, 15_000),
    "c": _cat("c", C, C, 20_000, 70_000, 20_000),
    "d": _cat("d", S, V, 12_500, 61_000, 15_000),
    "e": _cat("e", C, V, 20_000, 75_000, 20_000),
    "f": _cat("f", V, V, 20_000, 80_000, 20_000),
}
_BY_PAIR = {frozenset(c.lenses): c for c in CATEGORIES.values()}


def equipment_category(right: LensClass, left: LensClass) -> Category:
    """Category of an equipment from its two lens classes, in either order (spec §3)."""
    return _BY_PAIR[frozenset((_lens_class(right, "right"), _lens_class(left, "left")))]


class Guarantee(Model):
    """A contract's classe B guarantee for one category (cents, AMO share included, spec §3).

    ``equipment_cents``: the most the contract (with the AMO) pays for an equipment;
    ``frame_cents``: the most of it that may go to the frame.
    """

    equipment_cents: int
    frame_cents: int = 10_000

    @field_validator("equipment_cents", "frame_cents", mode="before")
    @classmethod
    def _cents(cls, v: Any, info: Any) -> int:
        return _cents(v, info.field_name)


class Violation(Model):
    """One way a contract breaks the rules: category code, rule cited, message."""

    model_config = ConfigDict(frozen=True)

    category: str
    rule: str
    message: str


def _guarantee_for(guarantees: Mapping[Any, Any], code: str) -> Guarantee | None:
    for key, value in guarantees.items():
        k = key.code if isinstance(key, Category) else str(key)
        if k == code:
            return value if isinstance(value, Guarantee) else Guarantee.model_validate(value)
    return None


def check_contract(
    guarantees: Mapping[Any, Guarantee | Mapping[str, int]],
    *,
    employer_mandatory: bool = False,
) -> list[Violation]:
    """Return the violations of a contract's classe B guarantees per category (spec §3, D911-1).

    ``guarantees`` maps a category code (or :class:`Category`) to a :class:`Guarantee`. Checks,
    for each of the six categories: a guarantee exists, is at least the floor (the D911-1 floor
    when ``employer_mandatory``), at most the ceiling, and its frame share at most 100 € (and
    at most the equipment guarantee). An empty list means the contract complies.
    """
    known = {k.code if isinstance(k, Category) else str(k) for k in guarantees}
    out: list[Violation] = [
        Violation(category=k, rule="spec §3", message=f"category: unknown category code {k!r}")
        for k in sorted(known - set(CATEGORIES))
    ]
    for code, cat in CATEGORIES.items():
        g = _guarantee_for(guarantees, code)
        if g is None:
            out.append(Violation(category=code, rule="spec §3", message="no guarantee given"))
            continue
        floor = cat.floor_for(employer_mandatory)
        if g.equipment_cents < floor:
            rule = "spec §3, CSS D911-1 floor" if employer_mandatory else "spec §3 floor"
            out.append(Violation(category=code, rule=rule, message=(
                f"equipment_cents: {g.equipment_cents} is below the floor {floor}")))
        if g.equipment_cents > cat.ceiling_cents:
            out.append(Violation(category=code, rule="spec §3 ceiling", message=(
                f"equipment_cents: {g.equipment_cents} is above the ceiling {cat.ceiling_cents}")))
        if g.frame_cents > cat.frame_cap_cents:
            out.append(Violation(category=code, rule="spec §3 frame cap", message=(
                f"frame_cents: {g.frame_cents} is above the frame cap {cat.frame_cap_cents}")))
        if g.frame_cents > g.equipment_cents:
            out.append(Violation(category=code, rule="spec §3 frame cap", message=(
                f"frame_cents: {g.frame_cents} exceeds equipment_cents {g.equipment_cents}")))
    return out


_ELEMENTS = ("right", "left", "frame")


def _per_element(value: Mapping[str, int | None] | None, name: str) -> dict[str, int | None]:
    value = dict(value or {})
    unknown = set(value) - set(_ELEMENTS)
    if unknown:
        raise InvalidInputError(name, sorted(unknown), "keys must be 'right', 'left', 'frame'")
    out: dict[str, int | None] = {}
    for e in _ELEMENTS:
        v = value.get(e)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise InvalidInputError(f"{name}.{e}", v, "must be integer cents >= 0")
        out[e] = v
    return out


class PricedElement(Protocol):
    """What the money rules read of an element: its price and its 100 % Santé classe.

    :class:`~zkclaims.domain.Lens`, :class:`~zkclaims.domain.Frame` and the insurer's
    :class:`~zkclaims.domain.claim.InvoiceLine` all qualify; no lens usage is needed once the
    lens classes are known (spec §3-§4 depend only on prices, classes A/B and lens classes).
    """

    @property
    def price_cents(self) -> int:
        """Price in integer cents, AMO share included."""
        ...

    @property
    def classe(self) -> Classe:
        """100 % Santé class, A or B (spec §4)."""
        ...


def _rules(rules: object) -> Rules:
    """Check the ``rules`` argument: a :class:`Rules` (default :data:`RULES_2020`)."""
    if rules is None:
        return RULES_2020
    return check_type(rules, Rules, "rules")


def reimburse(
    equipment: Equipment,
    *,
    amo_paid: Mapping[str, int],
    guarantees: Mapping[Any, Guarantee | Mapping[str, int]] | Guarantee | None = None,
    lens_classes: tuple[LensClass, LensClass] | None = None,
    prescription: Prescription | None = None,
    plv: Mapping[str, int | None] | None = None,
    rules: Rules | None = None,
) -> Decision:
    """Decide what the complementary insurer pays for ``equipment`` (spec §3 and §4).

    - ``amo_paid``: the public insurer's (AMO) payment per element, ``{"right", "left",
      "frame"}`` in cents (missing keys count as 0).
    - ``guarantees``: the contract's classe B :class:`Guarantee` per category code, or one
      :class:`Guarantee`, or ``None`` for a contract paying up to the legal ceiling.
    - the lens classes come from ``lens_classes`` (e.g. a proof's public inputs) or are
      computed from ``prescription`` and each lens's usage (spec §2); give exactly one.
    - ``plv``: the legal price cap (cents) of each classe A element; required for those.

    The money rules themselves are :func:`reimburse_elements`, which needs no lens usage.
    """
    check_type(equipment, Equipment, "equipment")
    check_type(prescription, Prescription, "prescription", none_ok=True)
    rules = _rules(rules)
    if (lens_classes is None) == (prescription is None):
        raise InvalidInputError(
            "lens_classes", lens_classes, "give exactly one of lens_classes or prescription"
        )
    if lens_classes is None:
        assert prescription is not None
        lens_classes = (
            rules.classify_lens(prescription.right, usage=equipment.right.usage, side="right"),
            rules.classify_lens(prescription.left, usage=equipment.left.usage, side="left"),
        )
    elements = {"right": equipment.right, "left": equipment.left, "frame": equipment.frame}
    return reimburse_elements(elements, lens_classes=lens_classes, amo_paid=amo_paid,
                              guarantees=guarantees, plv=plv, rules=rules)


def _priced(elements: Mapping[str, PricedElement]) -> tuple[dict[str, int], dict[str, Classe]]:
    """Validate ``elements`` (exactly right, left, frame) into prices and classes."""
    if not isinstance(elements, Mapping) or set(elements) != set(_ELEMENTS):
        keys = sorted(elements) if isinstance(elements, Mapping) else elements
        raise InvalidInputError("elements", keys, "keys must be exactly 'right', 'left', 'frame'")
    price: dict[str, int] = {}
    classe: dict[str, Classe] = {}
    for e in _ELEMENTS:
        p = getattr(elements[e], "price_cents", None)
        if isinstance(p, bool) or not isinstance(p, int) or p < 0:
            raise InvalidInputError(f"elements.{e}.price_cents", p, "must be integer cents >= 0")
        c = getattr(elements[e], "classe", None)
        try:
            classe[e] = Classe(c)
        except ValueError:
            raise InvalidInputError(f"elements.{e}.classe", c, "must be 'A' or 'B'") from None
        price[e] = p
    return price, classe


def reimburse_elements(
    elements: Mapping[str, PricedElement],
    *,
    lens_classes: tuple[LensClass | str, LensClass | str],
    amo_paid: Mapping[str, int | None] | None = None,
    guarantees: Mapping[Any, Guarantee | Mapping[str, int]] | Guarantee | None = None,
    plv: Mapping[str, int | None] | None = None,
    rules: Rules | None = None,
) -> Decision:
    """Decide what the complementary insurer pays for three priced elements (spec §3 and §4).

    This is what the insurer can compute: ``elements`` maps ``"right"``, ``"left"``,
    ``"frame"`` to a :class:`PricedElement` (price and classe A/B, no lens usage);
    ``lens_classes`` are the (right, left) lens classes, e.g. a proof's public inputs.
    ``amo_paid``, ``guarantees`` and ``plv`` are as in :func:`reimburse`.

    Rules applied: a classe A element is paid in full within its PLV (spec §4); classe B
    elements share the classe B limit = min(guarantee, ceiling) less what the classe A elements
    cost (spec §4), with the frame's share (AMO included) at most 100 € and the contract's frame
    guarantee (spec §3), the frame served first, then the lenses evenly. Floors and ceilings
    bind only when an element is classe B (spec §3). The insurer never pays more than
    price - AMO per element, never a negative amount, and never above a ceiling.
    """
    rules = _rules(rules)
    price, classe = _priced(elements)
    amo = _per_element(amo_paid, "amo_paid")
    caps = _per_element(plv, "plv")
    if not isinstance(lens_classes, tuple | list) or len(lens_classes) != 2:
        raise InvalidInputError("lens_classes", lens_classes, "must be a (right, left) pair")
    lens_classes = (_lens_class(lens_classes[0], "lens_classes[0]"),
                    _lens_class(lens_classes[1], "lens_classes[1]"))
    cat = rules.equipment_category(*lens_classes)
    a_amo = {e: (amo[e] or 0) for e in _ELEMENTS}
    for e in _ELEMENTS:
        if a_amo[e] > price[e]:
            raise InvalidInputError(f"amo_paid.{e}", a_amo[e], f"exceeds the price {price[e]}")

    reasons: list[str] = [
        f"lens classes {lens_classes[0].value} + {lens_classes[1].value}: category {cat.code} "
        f"(spec §3; floor {cat.floor_cents / 100:.2f} €, ceiling {cat.ceiling_cents / 100:.2f} €)"
    ]
    total: dict[str, int] = {}  # reimbursed amount per element, AMO included
    cost_a = 0
    for e in _ELEMENTS:
        if classe[e] is Classe.A:
            cap = caps[e]
            if cap is None:
                raise InvalidInputError(f"plv.{e}", None, "a classe A element needs its PLV")
            covered = min(price[e], cap)
            total[e] = max(covered, a_amo[e])
            cost_a += covered
            reasons.append(
                f"{e}: classe A, paid in full within its PLV {cap / 100:.2f} € (spec §4)"
                + ("" if price[e] <= cap else f"; {(price[e] - cap) / 100:.2f} € above the PLV")
            )

    limit: int | None = None
    b_elems = [e for e in _ELEMENTS if classe[e] is Classe.B]
    if b_elems:
        if guarantees is None:
            g = Guarantee(equipment_cents=cat.ceiling_cents, frame_cents=cat.frame_cap_cents)
            reasons.append(f"no contract guarantee given: the legal ceiling of category {cat.code}")
        elif isinstance(guarantees, Guarantee):
            g = guarantees
        else:
            found = _guarantee_for(guarantees, cat.code)
            if found is None:
                raise InvalidInputError("guarantees", cat.code, "no guarantee for this category")
            g = found
        limit = min(g.equipment_cents, cat.ceiling_cents)
        if g.equipment_cents > cat.ceiling_cents:
            reasons.append(f"guarantee above the ceiling: capped at {limit / 100:.2f} € (spec §3)")
        if g.equipment_cents < cat.floor_cents:
            reasons.append(f"warning: guarantee below the floor {cat.floor_cents / 100:.2f} € "
                           "(spec §3; see check_contract)")
        budget = max(0, limit - cost_a)
        if cost_a:
            reasons.append(f"classe B limit {limit / 100:.2f} € less classe A cost "
                           f"{cost_a / 100:.2f} € = {budget / 100:.2f} € (spec §4)")
        # The AMO share of each classe B element counts inside the limit; the insurer then
        # adds its own share: the frame first (up to its cap), then the lenses evenly.
        budget = max(0, budget - sum(a_amo[e] for e in b_elems))
        extra: dict[str, int] = {}
        if "frame" in b_elems:
            frame_cap = min(cat.frame_cap_cents, g.frame_cents)
            extra["frame"] = min(max(0, min(price["frame"], frame_cap) - a_amo["frame"]), budget)
            budget -= extra["frame"]
            if price["frame"] > frame_cap:
                reasons.append(f"frame: share capped at {frame_cap / 100:.2f} € (spec §3)")
        lenses = [e for e in ("right", "left") if e in b_elems]
        need = {e: price[e] - a_amo[e] for e in lenses}
        if len(lenses) == 2:
            # Even split; a lens needing less than half leaves the rest to the other.
            small = min(lenses, key=lambda e: (need[e], e == "left"))
            other = "left" if small == "right" else "right"
            extra[small] = min(need[small], budget // 2 if need[other] > budget // 2 else budget)
            extra[other] = min(need[other], budget - extra[small])
        else:
            for e in lenses:
                extra[e] = min(need[e], budget)
        for e in b_elems:
            total[e] = a_amo[e] + extra[e]
        reasons.append(
            f"classe B elements ({', '.join(b_elems)}) within {limit / 100:.2f} € "
            f"(min of guarantee and ceiling, AMO included, spec §3)"
        )
    else:
        reasons.append("all elements classe A: floors and ceilings do not bind (spec §3)")

    payments = []
    for e in _ELEMENTS:
        insurer = total[e] - a_amo[e]
        payments.append(ElementPayment(
            element=e, classe=classe[e], price_cents=price[e], amo_cents=a_amo[e],
            insurer_cents=insurer, patient_cents=price[e] - total[e],
        ))
    return Decision(
        rules_version=rules.version,
        category=cat,
        lens_classes=lens_classes,
        payments=tuple(payments),  # type: ignore[arg-type]
        insurer_total_cents=sum(p.insurer_cents for p in payments),
        amo_total_cents=sum(p.amo_cents for p in payments),
        patient_remainder_cents=sum(p.patient_cents for p in payments),
        limit_cents=limit,
        reasons=tuple(reasons),
    )


# ---------------------------------------------------------------------------------------------
# dates: spec §5 and §6
# ---------------------------------------------------------------------------------------------
def add_months(day: _dt.date, months: int) -> _dt.date:
    """``day`` plus ``months`` months; a missing day becomes the month's last (art. 641 CPC)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


def add_years(day: _dt.date, years: int) -> _dt.date:
    """``day`` plus ``years`` years; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def age_on(birth_date: _dt.date, day: _dt.date) -> int:
    """Return the age in completed years on ``day``.

    Someone born on 29 February turns a year older on 28 February in common years, consistent
    with :func:`add_years`.
    """
    if day < birth_date:
        raise InvalidInputError("patient_birth_date", birth_date, f"is after {day.isoformat()}")
    age = day.year - birth_date.year
    if add_years(birth_date, age) > day:
        age -= 1
    return age


def _prescriber_kind(value: object) -> PrescriberKind:
    try:
        return PrescriberKind(value)
    except ValueError:
        raise InvalidInputError(
            "prescriber_kind", value, "must be 'physician' or 'orthoptist'"
        ) from None


def validity_end(
    *, issued_on: _dt.date, prescriber_kind: PrescriberKind | str, patient_birth_date: _dt.date
) -> _dt.date:
    """Last day of validity of a glasses prescription from the facts the insurer knows (spec §6).

    Only the day of issue, the prescriber kind and the patient's birth date count (CSP
    D4362-12, D4362-12-1): physician 1 year under 16, 5 years from 16 to 42, 3 years over 42
    (age in completed years on ``issued_on``); orthoptist 2 years. Keyword-only, since three
    of the arguments are dates.
    """
    kind = _prescriber_kind(prescriber_kind)
    if kind is PrescriberKind.OPTICIAN:
        raise InvalidInputError(
            "prescriber_kind", kind.value, "an optician's adaptation (CSP D4362-12-1) has no"
            " validity period of its own: it stands under the adapted prescription's"
        )
    if kind is PrescriberKind.ORTHOPTIST:
        years = 2
    else:
        age = age_on(patient_birth_date, issued_on)
        years = 1 if age < 16 else 5 if age <= 42 else 3
    return add_years(issued_on, years)


def valid_on(
    day: _dt.date,
    *,
    issued_on: _dt.date,
    prescriber_kind: PrescriberKind | str,
    patient_birth_date: _dt.date,
) -> bool:
    """Tell whether a prescription of ``issued_on`` is valid on ``day`` (spec §6).

    Valid from ``issued_on`` up to and including :func:`validity_end`. This needs no eye:
    it is the check the insurer runs from the attestation and the claim.
    """
    end = validity_end(
        issued_on=issued_on, prescriber_kind=prescriber_kind,
        patient_birth_date=patient_birth_date,
    )
    return issued_on <= day <= end


def prescription_validity_end(
    prescription: Prescription, *, patient_birth_date: _dt.date
) -> _dt.date:
    """Last day of validity of ``prescription`` (spec §6); see :func:`validity_end`."""
    return validity_end(
        issued_on=prescription.issued_on, prescriber_kind=prescription.prescriber_kind,
        patient_birth_date=patient_birth_date,
    )


def prescription_valid_on(
    prescription: Prescription, *, day: _dt.date, patient_birth_date: _dt.date
) -> bool:
    """Tell whether ``prescription`` is valid on ``day`` (spec §6); see :func:`valid_on`."""
    return valid_on(
        day, issued_on=prescription.issued_on, prescriber_kind=prescription.prescriber_kind,
        patient_birth_date=patient_birth_date,
    )


def next_renewal_date(
    last_delivery: _dt.date,
    *,
    day: _dt.date,
    patient_birth_date: _dt.date,
    vision_changed: bool = False,
    medical_situation: bool = False,
    frame_no_longer_fits: bool = False,
    require_frame_fit_under_6: bool = True,
) -> _dt.date:
    """First day a new equipment may be covered after ``last_delivery`` (spec §5).

    The age is taken on ``day`` (the day of the new delivery). From 16: 2 years, or 1 year on a
    change of vision; under 16: 1 year, no minimum on a change of vision; under 6: 6 months when
    the frame no longer fits (sources disagree whether that condition is required:
    ``require_frame_fit_under_6=False`` drops it). ``medical_situation`` (glaucoma, AMD, ...,
    on a new ophthalmologist's prescription): no minimum.
    """
    check_date(last_delivery, "last_delivery")
    check_date(day, "day")
    check_date(patient_birth_date, "patient_birth_date")
    if day < last_delivery:
        raise InvalidInputError("day", day, f"is before last_delivery {last_delivery.isoformat()}")
    age = age_on(patient_birth_date, day)
    if medical_situation:
        return last_delivery
    if age >= 16:
        return add_years(last_delivery, 1 if vision_changed else 2)
    if vision_changed:
        return last_delivery
    if age < 6 and (frame_no_longer_fits or not require_frame_fit_under_6):
        return add_months(last_delivery, 6)
    return add_years(last_delivery, 1)


def renewal_due(
    last_delivery: _dt.date,
    *,
    day: _dt.date,
    patient_birth_date: _dt.date,
    vision_changed: bool = False,
    medical_situation: bool = False,
    frame_no_longer_fits: bool = False,
    require_frame_fit_under_6: bool = True,
) -> bool:
    """Tell whether a new equipment delivered on ``day`` may be covered (spec §5).

    See :func:`next_renewal_date` for the periods and options.
    """
    return day >= next_renewal_date(
        last_delivery, day=day, patient_birth_date=patient_birth_date,
        vision_changed=vision_changed,
        medical_situation=medical_situation, frame_no_longer_fits=frame_no_longer_fits,
        require_frame_fit_under_6=require_frame_fit_under_6,
    )


# ---------------------------------------------------------------------------------------------
# the versioned rules object
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rules:
    """One version of the regulation: its tables and rule functions, in force from a date.

    ``renewal_criteria`` switches each change-of-vision criterion of spec §5 on or off
    (:class:`~zkclaims.domain.vision_change.RenewalCriterion`): the renewal circuit proves any
    subset, so a new reading of the text is a new rules version, not a new circuit.
    """

    version: str
    in_force_from: _dt.date
    lens_rows: tuple[LensRow, ...]
    categories: Mapping[str, Category]
    frame_cap_cents: int
    functions: Mapping[str, Any] = field(default_factory=dict)
    #: Early-renewal criteria of spec §5 in force (each one a switch; see
    #: :mod:`zkclaims.domain.vision_change`). An insurer accepts a subset of them.
    renewal_criteria: RenewalCriterion = RULES_2020_CRITERIA

    def classify_lens(
        self, eye: EyePrescription, *, usage: LensUsage | str, side: str | None = None
    ) -> LensClass:
        """See :func:`classify_lens`."""
        return self.functions["classify_lens"](eye, usage=usage, side=side)

    def lens_row(
        self, eye: EyePrescription, *, usage: LensUsage | str, side: str | None = None
    ) -> LensRow:
        """See :func:`lens_row`."""
        return self.functions["lens_row"](eye, usage=usage, side=side)

    def equipment_category(self, right: LensClass, left: LensClass) -> Category:
        """See :func:`equipment_category`."""
        return self.functions["equipment_category"](right, left)

    def __repr__(self) -> str:
        """Short form (the tables are long): ``Rules('2020')``."""
        return f"Rules({self.version!r})"

    def in_force_on(self, day: _dt.date) -> bool:
        """Tell whether this version applies to a delivery on ``day``."""
        return day >= self.in_force_from

    def __getattr__(self, name: str) -> Any:
        """Give the other rule functions as attributes (``RULES_2020.reimburse``)."""
        if name != "functions" and name in self.functions:
            return self.functions[name]
        raise AttributeError(name)


#: The rules in force since 2020-01-01 (CSS R871-2 3°, D911-1; CSP D4362-12).
RULES_2020 = Rules(
    version="2020",
    in_force_from=_dt.date(2020, 1, 1),
    lens_rows=LENS_ROWS,
    categories=CATEGORIES,
    frame_cap_cents=10_000,
    # Criteria 1-4 of spec §5; 2 and 3 rest on insurers' quotations of the LPP (docs/renewal.md).
    renewal_criteria=RULES_2020_CRITERIA,
    functions={
        "classify_lens": classify_lens,
        "lens_row": lens_row,
        "equipment_category": equipment_category,
        "check_contract": check_contract,
        "reimburse": reimburse,
        "reimburse_elements": reimburse_elements,
        "validity_end": validity_end,
        "valid_on": valid_on,
        "prescription_validity_end": prescription_validity_end,
        "prescription_valid_on": prescription_valid_on,
        "renewal_due": renewal_due,
        "vision_change_allows_early_renewal": vision_change_allows_early_renewal,
    },
)

#: Every rules version by name.
RULES_BY_VERSION: dict[str, Rules] = {RULES_2020.version: RULES_2020}


def rules_in_force(day: _dt.date) -> Rules:
    """Return the rules version in force on ``day`` (the latest one already in force)."""
    live = [r for r in RULES_BY_VERSION.values() if r.in_force_on(day)]
    if not live:
        raise RuleError(f"day: no optical rules version in force on {day.isoformat()}")
    return max(live, key=lambda r: r.in_force_from)
