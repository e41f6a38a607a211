"""The grouping codes of the 2020 optical reform and what each one says (spec §7).

A grouping code ("code de regroupement", the CNAM prestation code ``NAT_PREST``) is what the
optician puts on the invoice instead of the detailed LPP code. Each element code tells its
kind (lens or frame), its 100 % Santé classe (A or B, spec §4), for a frame the age group,
for a classe A lens its design and R871-2 lens class. Classe B lens codes are labels only:
their grade words are not R871-2 classes (spec §7), so no lens class is derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zkclaims.domain.models import Classe, LensClass
from zkclaims.errors import InvalidInputError

__all__ = [
    "CodeInfo",
    "ELEMENT_CODES",
    "SERVICE_CODES",
    "CHILD_SPLIT_CANDIDATES",
    "classe_a_lens_code",
    "code_info",
    "accepted_codes_text",
]

Kind = Literal["lens", "frame"]
AgeGroup = Literal["adult", "child"]


@dataclass(frozen=True)
class CodeInfo:
    """What one element grouping code says (spec §7).

    ``design`` ("unifocal" / "multifocal") and ``lens_class`` are set for classe A lenses
    (V01-V04); ``design`` alone for classe B lenses (the VU / VM prefix); ``age_group`` for
    frames only (M01/M03 adult, M02/M04 child): a lens code does not carry the age, the LPP
    rows under it do (``AGE_MAX``).
    """

    code: str
    kind: Kind
    classe: Classe
    design: Literal["unifocal", "multifocal"] | None = None
    lens_class: LensClass | None = None
    age_group: AgeGroup | None = None
    label: str = ""


def _codes() -> dict[str, CodeInfo]:
    a, b = Classe.A, Classe.B
    s, c, v = LensClass.SIMPLE, LensClass.COMPLEX, LensClass.VERY_COMPLEX
    out = [
        CodeInfo("V01", "lens", a, "unifocal", s, label="classe A lens, unifocal, simple"),
        CodeInfo("V02", "lens", a, "unifocal", c, label="classe A lens, unifocal, complex"),
        CodeInfo("V03", "lens", a, "multifocal", c, label="classe A lens, multifocal, complex"),
        CodeInfo("V04", "lens", a, "multifocal", v,
                 label="classe A lens, multifocal, very complex"),
    ]
    for n in range(1, 8):
        out.append(CodeInfo(f"VU{n}", "lens", b, "unifocal", label="classe B lens, unifocal"))
        out.append(CodeInfo(f"VM{n}", "lens", b, "multifocal", label="classe B lens, multifocal"))
    out += [
        CodeInfo("M01", "frame", a, age_group="adult", label="classe A frame, adult"),
        CodeInfo("M02", "frame", a, age_group="child", label="classe A frame, child"),
        CodeInfo("M03", "frame", b, age_group="adult", label="classe B frame, adult"),
        CodeInfo("M04", "frame", b, age_group="child", label="classe B frame, child"),
    ]
    return {i.code: i for i in out}


#: The 22 element grouping codes of spec §7 (4 frames, 4 classe A lenses, 14 classe B lenses).
ELEMENT_CODES: dict[str, CodeInfo] = _codes()
#: The 7 service grouping codes of spec §7 (not elements: never priced here).
SERVICE_CODES: frozenset[str] = frozenset({"S01", "SV1", "SV2", "SV3", "SV4", "MS1", "MS2"})

#: The two readings of the adult / child split when no table settles it (spec: 18 before
#: 2020, 16 in the 2020 renewal rules; the 2020 price tables' split is unconfirmed). Between
#: the two (16 and 17 years old) both the adult and the child frame codes are accepted.
CHILD_SPLIT_CANDIDATES: tuple[int, int] = (16, 18)


def classe_a_lens_code(design: str, lens_class: LensClass | str) -> str:
    """Return the classe A lens grouping code (V01-V04) of a design and class (spec §7).

    There is no classe A code for a unifocal very complex lens (R871-2 has none: spec §2) nor
    for a multifocal simple one; both raise :class:`~zkclaims.errors.InvalidInputError`.
    """
    try:
        lc = LensClass(lens_class)
    except ValueError:
        raise InvalidInputError("lens_class", lens_class, "must be 'simple', 'complex' or "
                                "'very_complex'") from None
    for info in ELEMENT_CODES.values():
        if info.classe is Classe.A and info.kind == "lens" and info.design == design \
                and info.lens_class is lc:
            return info.code
    raise InvalidInputError("design", design, f"no classe A lens code for a {lc.value} lens "
                            "of this design (spec §7)")


def code_info(code: object) -> CodeInfo | None:
    """Return the :class:`CodeInfo` of an element grouping code, or None if it is not one."""
    return ELEMENT_CODES.get(code) if isinstance(code, str) else None


def accepted_codes_text(kind: Kind | None = None) -> str:
    """Return the accepted codes as text, for error messages."""
    if kind == "lens":
        return "V01-V04 (classe A lenses), VU1-VU7 / VM1-VM7 (classe B lenses)"
    if kind == "frame":
        return "M01, M02 (classe A frames), M03, M04 (classe B frames)"
    return "V01-V04, VU1-VU7, VM1-VM7 (lenses), M01-M04 (frames) (spec §7)"
