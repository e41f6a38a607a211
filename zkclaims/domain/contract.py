"""The insurer's contract: its classe B guarantee per equipment category (spec §3)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from zkclaims.domain.base import Model
from zkclaims.domain.rules import Guarantee, Violation, check_contract

__all__ = ["CONTRACT_FORMAT", "Contract"]

CONTRACT_FORMAT = "zkclaims-contract/v1"


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
