"""TEMPORARY (stmt, until ``zkclaims.domain.lpp`` lands): the law's amounts for the verifier.

!!! Delete this module when the verifier is wired to
:func:`zkclaims.domain.lpp.price_elements` (same call, same reasons). It exists only so that
the verifier's money path runs without any amount read from the invoice in the meantime. It
knows the figures of ``../shared/spec/lpp.md`` only and no LPP table:

* classe B element: tariff 0.05 €, AMO 60 % (90 % Alsace-Moselle) rounded half up, at most
  the price;
* classe A adult frame (M01): cap 30 €, tariff 9 €;
* any other classe A element (lenses, child frame): no public figure, so the only bound
  that cannot overpay is 0 € — any price above it is ``classe_a_price_above_cap``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zkclaims.domain.models import Classe
from zkclaims.errors import ClaimRejected, InvalidInputError

__all__ = ["InterimPricing", "price_elements"]

_RATE = {"general": 60, "alsace_moselle": 90}


@dataclass(frozen=True)
class InterimPricing:
    """AMO share and classe A cap of one element (cents)."""

    amo_cents: int
    plv_cents: int | None
    source: str


def price_elements(
    lines: Mapping[str, Any],
    *,
    delivered_on: _dt.date,
    birth_date: _dt.date,
    amo_regime: str,
    tariffs: Any = None,
) -> dict[str, InterimPricing]:
    """TEMPORARY stand-in for :func:`zkclaims.domain.lpp.price_elements` (see module doc)."""
    if tariffs is not None:
        raise InvalidInputError("tariffs", type(tariffs).__name__,
                                "LPP tables are not wired yet (zkclaims.domain.lpp)")
    rate = _RATE[amo_regime]
    out = {}
    for e, line in lines.items():
        if line.classe is Classe.B:
            out[e] = InterimPricing(min(line.price_cents, (rate * 5 + 50) // 100), None,
                                    f"{e}: classe B tariff 0.05 €, AMO {rate} %")
            continue
        cap, tariff = (3_000, 900) if line.grouping_code == "M01" else (0, 0)
        if line.price_cents > cap:
            raise ClaimRejected(
                "classe_a_price_above_cap",
                f"invoice.{e}.price_cents: {line.price_cents} is above the classe A cap"
                f" {cap} of {line.grouping_code} known without an LPP table",
            )
        out[e] = InterimPricing(min(line.price_cents, (rate * tariff + 50) // 100), cap,
                                f"{e}: classe A {line.grouping_code}, cap {cap / 100:.2f} €")
    return out
