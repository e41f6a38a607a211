"""The insurer's contract: its classe B guarantee per equipment category (spec §3)."""

from __future__ import annotations

import os
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
        from zkclaims.errors import InputFileError, InvalidInputError
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
