"""What the law allows for each invoiced element: the AMO share and the classe A cap.

:func:`price_elements` is what the verifier calls: from each element's grouping code, classe
and price, the delivery day, the patient's birth date and AMO regime (the insurer's own
beneficiary record), and the rules table of the LPP download when loaded, it returns per
element the public insurer's (AMO) share and, for a classe A element, the legal price cap
(PLV) to give :func:`~zkclaims.domain.reimburse_elements` — never the optician's numbers.

Several LPP rows per code (``docs/lpp.md``, "Several rows per code"): the power band of a lens
is hidden from the insurer, so a classe A code may have several rows in force for the
patient's age. A price above the highest cap of those rows is refused; otherwise the rows
whose cap is at least the price are the ones consistent with an honest invoice, and the AMO
share is taken on the highest tariff among them: the insurer then pays price - AMO, which is
at most what the law allows under any consistent row.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import Field

from zkclaims.domain.base import Model
from zkclaims.domain.lpp.codes import (
    CHILD_SPLIT_CANDIDATES,
    CodeInfo,
    accepted_codes_text,
    code_info,
)
from zkclaims.domain.lpp.codes import SERVICE_CODES as _SERVICES
from zkclaims.domain.lpp.table import TariffRow, TariffTable
from zkclaims.domain.models import Classe
from zkclaims.domain.rules import age_on
from zkclaims.errors import ClaimRejected, InvalidInputError

__all__ = [
    "AMO_RATE_PERCENT",
    "CLASSE_B_TARIFF_CENTS",
    "ADULT_FRAME_A_PLV_CENTS",
    "ADULT_FRAME_A_TARIFF_CENTS",
    "NO_TABLE_CLASSE_A_BOUND_CENTS",
    "GroupedLine",
    "ElementPricing",
    "round_half_up_percent",
    "amo_share_cents",
    "price_elements",
    "reimbursement_inputs",
]

AmoRegime = Literal["general", "alsace_moselle"]
#: AMO rate for optics, percent of the LPP tariff, by regime (docs/lpp.md: [sec] both).
AMO_RATE_PERCENT: dict[str, int] = {"general": 60, "alsace_moselle": 90}
#: Classe B LPP tariff per frame and per lens, cents (docs/lpp.md: [sec]).
CLASSE_B_TARIFF_CENTS = 5
#: Classe A adult frame (M01) price cap, cents (docs/lpp.md: [sec]).
ADULT_FRAME_A_PLV_CENTS = 3_000
#: Classe A adult frame (M01) LPP tariff, cents (docs/lpp.md: [one]).
ADULT_FRAME_A_TARIFF_CENTS = 900
#: Without a loaded table, the highest price accepted for a classe A lens or child frame:
#: no public copy of their caps was found, so the only bound that cannot overpay is zero.
NO_TABLE_CLASSE_A_BOUND_CENTS = 0

_ELEMENTS = ("right", "left", "frame")
_LOAD_HINT = ("load the public insurer's LPP download: 'zkclaims tariffs import LPP.zip --out "
              "tariffs.json', then give the verifier tariffs=load_tariffs('tariffs.json')")


class GroupedLine(Protocol):
    """What pricing reads of an invoiced element (the v2 ``InvoiceLine`` qualifies)."""

    @property
    def price_cents(self) -> int:
        """Price in integer cents."""
        ...

    @property
    def classe(self) -> Classe | str:
        """100 % Santé classe, ``"A"`` or ``"B"``."""
        ...

    @property
    def grouping_code(self) -> str:
        """Grouping code of spec §7 (V01, VU3, M02, ...)."""
        ...


class ElementPricing(Model):
    """The law's figures for one element (cents), and where they come from.

    ``amo_cents`` is the AMO share (``amo_rate_percent`` of ``tariff_cents``, rounded half up,
    at most the price); ``plv_cents`` the cap of a classe A element (None for classe B);
    ``lpp_codes`` the LPP rows used (empty for a built-in figure); ``source`` one line citing
    the rows or the built-in figure, for the decision's reasons.
    """

    element: Literal["right", "left", "frame"]
    grouping_code: str
    classe: Classe
    price_cents: int = Field(ge=0)
    age: int = Field(ge=0)
    tariff_cents: int = Field(ge=0)
    amo_rate_percent: int
    amo_cents: int = Field(ge=0)
    plv_cents: int | None = None
    lpp_codes: tuple[str, ...] = ()
    source: str


def round_half_up_percent(percent: int, cents: int) -> int:
    """Return ``percent`` % of ``cents``, rounded half up to the cent (60 % of 3049 -> 1829)."""
    return (percent * cents + 50) // 100


def amo_share_cents(tariff_cents: int, percent: int, price_cents: int) -> int:
    """Return the AMO share: ``percent`` % of the tariff, rounded half up, at most the price."""
    return min(price_cents, round_half_up_percent(percent, tariff_cents))


def _eur(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def _line(lines: Mapping[str, GroupedLine], e: str) -> tuple[int, Classe, str]:
    line = lines[e]
    price = getattr(line, "price_cents", None)
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise InvalidInputError(f"{e}.price_cents", price, "must be integer cents >= 0")
    raw = getattr(line, "classe", None)
    try:
        classe = Classe(raw)
    except ValueError:
        raise InvalidInputError(f"{e}.classe", raw, "must be 'A' or 'B'") from None
    code = getattr(line, "grouping_code", None)
    if not isinstance(code, str):
        raise InvalidInputError(f"{e}.grouping_code", code, "must be a grouping code string "
                                f"such as 'V01' ({accepted_codes_text()})")
    return price, classe, code


def _code(e: str, code: str, classe: Classe) -> CodeInfo:
    """Return the code's facts, or refuse (``grouping_code_mismatch``) naming what is accepted."""
    kind = "frame" if e == "frame" else "lens"
    info = code_info(code)
    if info is None:
        what = "a service code, not an element" if code in _SERVICES else \
            "not a grouping code zkclaims prices (other kinds, such as the myopia-control " \
            "lenses with their own tariff since 2025, are refused rather than guessed)"
        raise ClaimRejected("grouping_code_mismatch", f"{e}.grouping_code: {code[:20]!r} is "
                            f"{what}; accepted for a {kind}: {accepted_codes_text(kind)}")
    if info.kind != kind:
        raise ClaimRejected("grouping_code_mismatch", f"{e}.grouping_code: {code} is a "
                            f"{info.kind} code ({info.label}); accepted for a {kind}: "
                            f"{accepted_codes_text(kind)}")
    if info.classe is not classe:
        raise ClaimRejected("grouping_code_mismatch", f"{e}.classe: {code} is a classe "
                            f"{info.classe.value} code ({info.label}), the invoice says classe "
                            f"{classe.value}")
    return info


def _check_frame_age(info: CodeInfo, age: int, day: _dt.date, table: TariffTable | None) -> None:
    limit = table.child_age_limit(day) if table is not None else None
    if limit is not None:
        ok = (info.age_group == "child") == (age < limit)
        basis = f"the LPP table ({table.source}) sets children as under {limit}"  # type: ignore[union-attr]
    else:
        lo, hi = CHILD_SPLIT_CANDIDATES
        ok = age < hi if info.age_group == "child" else age >= lo
        basis = (f"without a table that settles it the split is {lo} or {hi}: "
                 f"child codes are accepted under {hi}, adult codes from {lo}")
    if not ok:
        other = {"M01": "M02", "M02": "M01", "M03": "M04", "M04": "M03"}[info.code]
        raise ClaimRejected("grouping_code_mismatch", f"frame.grouping_code: {info.code} is "
                            f"a{'n' if info.age_group == 'adult' else ''} {info.age_group} "
                            f"frame code, the patient is {age} on {day} ({basis}); "
                            f"accepted: {other}")


def _from_table(e: str, info: CodeInfo, price: int, age: int, day: _dt.date, rate: int,
                table: TariffTable) -> tuple[int, int, int | None, tuple[str, ...], str]:
    rows = table.rows_for(info.code, day, age)
    if not rows:
        raise ClaimRejected("grouping_code_mismatch", f"{e}.grouping_code: the LPP table "
                            f"({table.source}) has no row of {info.code} in force on {day} "
                            f"for a patient aged {age}; load a download that covers that day")
    head = f"{table.source}, {len(rows)} row(s) of {info.code} for age {age} on {day}"
    if info.classe is Classe.B:
        base = max(rows, key=lambda r: (r.tariff_cents, r.lpp_code))
        amo = amo_share_cents(base.tariff_cents, rate, price)
        return base.tariff_cents, amo, None, tuple(r.lpp_code for r in rows), (
            f"{head}: AMO {rate} % of the highest tariff {_eur(base.tariff_cents)} "
            f"= {_eur(amo)} ({base.cite()})")
    capped = [r for r in rows if r.plv_cents is not None]
    if not capped:
        raise ClaimRejected("classe_a_price_above_cap", f"{e}: no row of {info.code} in force "
                            f"on {day} for age {age} carries a regulated price (PUREGLEMEN) in "
                            f"{table.source}: no classe A price can be accepted")
    top = max(capped, key=lambda r: (r.plv_cents or 0, r.lpp_code))
    cap = top.plv_cents or 0
    if price > cap:
        raise ClaimRejected("classe_a_price_above_cap", f"{e}.price_cents: {_eur(price)} is "
                            f"above the highest legal cap of {info.code} for a patient aged "
                            f"{age} on {day}, {_eur(cap)} ({top.cite()}, {table.source}); "
                            f"accepted: at most {cap} cents")
    consistent: list[TariffRow] = [r for r in capped if (r.plv_cents or 0) >= price]
    base = max(consistent, key=lambda r: (r.tariff_cents, r.lpp_code))
    amo = amo_share_cents(base.tariff_cents, rate, price)
    return base.tariff_cents, amo, cap, tuple(r.lpp_code for r in consistent), (
        f"{head}: cap {_eur(cap)} = highest PLV ({top.lpp_code}); AMO {rate} % of "
        f"{_eur(base.tariff_cents)} = {_eur(amo)}, the highest tariff among the "
        f"{len(consistent)} row(s) whose PLV is at least the price ({base.cite()})")


def _built_in(e: str, info: CodeInfo, price: int, rate: int
              ) -> tuple[int, int, int | None, tuple[str, ...], str]:
    if info.classe is Classe.B:
        amo = amo_share_cents(CLASSE_B_TARIFF_CENTS, rate, price)
        return CLASSE_B_TARIFF_CENTS, amo, None, (), (
            f"no LPP table loaded: built-in classe B tariff {_eur(CLASSE_B_TARIFF_CENTS)} per "
            f"element [sec], AMO {rate} % = {_eur(amo)} (docs/lpp.md, Built-in figures)")
    if info.code == "M01":
        if price > ADULT_FRAME_A_PLV_CENTS:
            raise ClaimRejected("classe_a_price_above_cap", f"{e}.price_cents: {_eur(price)} "
                                f"is above the adult classe A frame cap "
                                f"{_eur(ADULT_FRAME_A_PLV_CENTS)} (built-in figure [sec], "
                                f"docs/lpp.md); accepted: at most {ADULT_FRAME_A_PLV_CENTS} "
                                "cents")
        amo = amo_share_cents(ADULT_FRAME_A_TARIFF_CENTS, rate, price)
        return ADULT_FRAME_A_TARIFF_CENTS, amo, ADULT_FRAME_A_PLV_CENTS, (), (
            f"no LPP table loaded: built-in adult classe A frame cap "
            f"{_eur(ADULT_FRAME_A_PLV_CENTS)} [sec] and tariff "
            f"{_eur(ADULT_FRAME_A_TARIFF_CENTS)} [one], AMO {rate} % = {_eur(amo)} "
            "(docs/lpp.md, Built-in figures)")
    bound = NO_TABLE_CLASSE_A_BOUND_CENTS
    if price > bound:
        raise ClaimRejected("classe_a_price_above_cap", f"{e}.price_cents: {_eur(price)} for "
                            f"{info.code} ({info.label}), but no LPP table is loaded: its caps "
                            "are only in the LPP download (lpp_fiche_tot<nnn>.dbf and "
                            f"lpp_histo_tot<nnn>.dbf), and without them no price above "
                            f"{_eur(bound)} is accepted; {_LOAD_HINT}")
    return 0, 0, bound, (), (f"no LPP table loaded: price within the no-table bound "
                             f"{_eur(bound)} of {info.code} (docs/lpp.md, No table loaded)")


def price_elements(
    lines: Mapping[str, GroupedLine],
    *,
    delivered_on: _dt.date,
    birth_date: _dt.date,
    amo_regime: AmoRegime | str,
    tariffs: TariffTable | None = None,
) -> dict[str, ElementPricing]:
    """Return the AMO share and classe A cap of each element, from the law (``docs/lpp.md``).

    ``lines`` maps ``"right"``, ``"left"``, ``"frame"`` to objects with ``price_cents``,
    ``classe`` and ``grouping_code``; ``birth_date`` and ``amo_regime`` (``"general"`` 60 %,
    ``"alsace_moselle"`` 90 %) come from the insurer's beneficiary record; ``tariffs`` is the
    rules table of the LPP download (:func:`~zkclaims.domain.lpp.load_tariffs`).

    Raises :class:`~zkclaims.errors.ClaimRejected` with reason ``grouping_code_mismatch`` (a
    code that is not an element code of spec §7, a lens code on the frame or the reverse, a
    classe that contradicts the code, a frame code of the other age group, a code the loaded
    table has no row for) or ``classe_a_price_above_cap`` (a classe A price above the highest
    cap of its code for the patient's age on the delivery day, or, without a table, above
    the built-in figure or the no-table bound); :class:`~zkclaims.errors.InvalidInputError`
    on malformed arguments.
    """
    if not isinstance(lines, Mapping) or set(lines) != set(_ELEMENTS):
        keys = sorted(map(str, lines)) if isinstance(lines, Mapping) else lines
        raise InvalidInputError("lines", keys, "keys must be exactly 'right', 'left', 'frame'")
    if amo_regime not in AMO_RATE_PERCENT:
        raise InvalidInputError("amo_regime", amo_regime, "must be 'general' or "
                                "'alsace_moselle'")
    if tariffs is not None and not isinstance(tariffs, TariffTable):
        raise InvalidInputError("tariffs", type(tariffs).__name__, "must be a TariffTable "
                                "(load_tariffs) or None")
    for name, day in (("delivered_on", delivered_on), ("birth_date", birth_date)):
        if not isinstance(day, _dt.date) or isinstance(day, _dt.datetime):
            raise InvalidInputError(name, day, "must be a datetime.date")
    rate = AMO_RATE_PERCENT[amo_regime]
    age = age_on(birth_date, delivered_on)
    # Every code is checked against its element and classe before any price is looked at.
    checked: dict[str, tuple[int, Classe, str, CodeInfo]] = {}
    for e in _ELEMENTS:
        price, classe, code = _line(lines, e)
        info = _code(e, code, classe)
        if info.kind == "frame":
            _check_frame_age(info, age, delivered_on, tariffs)
        checked[e] = (price, classe, code, info)
    out: dict[str, ElementPricing] = {}
    for e, (price, classe, code, info) in checked.items():
        if tariffs is not None:
            tariff, amo, plv, used, source = _from_table(e, info, price, age, delivered_on,
                                                         rate, tariffs)
        else:
            tariff, amo, plv, used, source = _built_in(e, info, price, rate)
        out[e] = ElementPricing(
            element=e, grouping_code=code, classe=classe, price_cents=price, age=age,
            tariff_cents=tariff, amo_rate_percent=rate, amo_cents=amo, plv_cents=plv,
            lpp_codes=used, source=source,
        )
    return out


def reimbursement_inputs(pricings: Mapping[str, ElementPricing]
                         ) -> tuple[dict[str, int], dict[str, int | None]]:
    """Return ``(amo_paid, plv)`` for :func:`~zkclaims.domain.reimburse_elements`."""
    return ({e: p.amo_cents for e, p in pricings.items()},
            {e: p.plv_cents for e, p in pricings.items()})
