"""The rules table built from the LPP download: rows keyed by grouping code, age and dates.

The insurer converts the monthly download once (:func:`build_tariffs`, or
``zkclaims tariffs import``) into a small versioned JSON document (:class:`TariffTable`,
format ``zkclaims-lpp-tariffs/v1``) that the verifier loads (:func:`load_tariffs`). Money is in
integer cents, dates are ISO dates; the document is validated on load like any untrusted input.

Which rows apply to a patient (``docs/lpp.md``, "Age groups"): a row whose ``AGE_MAX`` is
N > 0 covers patients under N (before their N-th birthday); a row without age limit covers
the patients no row of its grouping code with an age limit covers (the adults), or everybody
when its code has no such row. The table itself thus sets the adult / child split.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from zkclaims.domain.base import Model
from zkclaims.domain.lpp.codes import ELEMENT_CODES, accepted_codes_text
from zkclaims.domain.lpp.dbase import MAX_CENTS_IN_TABLE, LppDownload, read_lpp_download
from zkclaims.errors import InputFileError, InvalidInputError

__all__ = [
    "TARIFFS_FORMAT",
    "MAX_TARIFFS_BYTES",
    "TariffRow",
    "TariffTable",
    "build_tariffs",
    "import_lpp",
    "load_tariffs",
    "save_tariffs",
]

#: Format tag of the rules table document (bumped on any incompatible change).
TARIFFS_FORMAT = "zkclaims-lpp-tariffs/v1"
#: Largest rules table document accepted (bytes).
MAX_TARIFFS_BYTES = 64 * 1024 * 1024


class TariffRow(Model):
    """One dated LPP row of an element grouping code (``lpp_histo_tot`` joined to its fiche).

    ``tariff_cents`` is ``TARIF`` (the base of the AMO share), ``plv_cents`` is
    ``PUREGLEMEN`` (the regulated sale price, read as the PLV; None when the row has none),
    ``age_max`` is the fiche's ``AGE_MAX`` (0: no age limit). ``valid_to`` is the last day
    (``FINHISTO``, or the code's ``DATE_FIN`` when earlier), None when open.
    """

    lpp_code: str = Field(pattern=r"^\d{7}$")
    grouping_code: str
    label: str = Field(default="", max_length=500)
    age_max: int = Field(default=0, ge=0, le=150, strict=True)
    valid_from: _dt.date = Field(strict=True)
    valid_to: _dt.date | None = Field(default=None, strict=True)
    tariff_cents: int = Field(ge=0, le=MAX_CENTS_IN_TABLE, strict=True)
    plv_cents: int | None = Field(default=None, ge=1, le=MAX_CENTS_IN_TABLE, strict=True)

    @field_validator("grouping_code")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in ELEMENT_CODES:
            raise ValueError(f"grouping_code: unknown grouping code {v!r}; accepted: "
                             f"{accepted_codes_text()}")
        return v

    @field_validator("label")
    @classmethod
    def _printable(cls, v: str) -> str:
        if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in v):
            raise ValueError("label: control characters are not allowed")
        return v

    @model_validator(mode="after")
    def _dates(self) -> TariffRow:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to: {self.valid_to} is before valid_from {self.valid_from}")
        return self

    def valid_on(self, day: _dt.date) -> bool:
        """Whether the row is in force on ``day`` (first and last day included)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def cite(self) -> str:
        """Return a short citation: ``LPP 2100000 'label' (tariff 9.00 EUR, ...)``."""
        plv = f", PLV {self.plv_cents / 100:.2f} EUR" if self.plv_cents is not None else ""
        until = f" to {self.valid_to}" if self.valid_to else ""
        age = f", under {self.age_max}" if self.age_max else ""
        label = f" {self.label[:60]!r}" if self.label else ""
        return (f"LPP {self.lpp_code}{label} (tariff {self.tariff_cents / 100:.2f} EUR{plv}"
                f"{age}, from {self.valid_from}{until})")


class TariffTable(Model):
    """The optical rows of one LPP download, as the verifier uses them (``docs/lpp.md``).

    ``source`` names the download, ``files`` gives the SHA-256 of each table read,
    ``other_optical_codes`` counts the rows of the optics chapter under prestation codes that
    are not element grouping codes (services, or kinds zkclaims does not price).
    """

    format: Literal["zkclaims-lpp-tariffs/v1"] = TARIFFS_FORMAT
    source: str = Field(max_length=200)
    files: dict[str, str] = Field(default_factory=dict)
    encoding: str = "cp1252"
    rows: tuple[TariffRow, ...]
    other_optical_codes: dict[str, int] = Field(default_factory=dict)

    _by_code: dict[str, list[TariffRow]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index the rows by grouping code."""
        for row in self.rows:
            self._by_code.setdefault(row.grouping_code, []).append(row)

    def codes(self) -> list[str]:
        """Return the grouping codes the table has rows for, sorted."""
        return sorted(self._by_code)

    def rows_on(self, code: str, day: _dt.date) -> list[TariffRow]:
        """Return the rows of ``code`` in force on ``day`` (any age)."""
        return [r for r in self._by_code.get(code, ()) if r.valid_on(day)]

    def rows_for(self, code: str, day: _dt.date, age: int) -> list[TariffRow]:
        """Return the rows of ``code`` in force on ``day`` that cover a patient of ``age`` years.

        A row with ``age_max`` N > 0 covers ages below N; a row without limit covers the ages
        at or above the largest N of the code's rows in force that day (all ages if none).
        """
        live = self.rows_on(code, day)
        limit = max((r.age_max for r in live), default=0)
        return [r for r in live if (age < r.age_max if r.age_max else age >= limit)]

    def child_age_limit(self, day: _dt.date) -> int | None:
        """Return the adult / child split on ``day``: the largest ``AGE_MAX`` in force.

        None when no row in force has an age limit (the table does not settle the split).
        """
        limits = [r.age_max for rows in self._by_code.values() for r in rows
                  if r.age_max and r.valid_on(day)]
        return max(limits, default=None)

    def to_json(self) -> str:
        """Return the compact JSON document (one line, rows in table order)."""
        return self.model_dump_json(exclude_defaults=False)


def build_tariffs(download: LppDownload, *, strict: bool = False) -> TariffTable:
    """Build the rules table from a read download (:func:`~.dbase.read_lpp_download`).

    Each kept row's validity ends on ``FINHISTO`` or on its code's ``DATE_FIN``, whichever
    comes first; a row ending before it starts is never in force and is dropped. ``strict``
    refuses a download whose optics chapter holds a prestation code that is neither an element
    nor a service code of spec §7 (a kind zkclaims does not price, e.g. a new lens type);
    without it such codes are listed in ``other_optical_codes`` and refused when claimed.
    """
    from zkclaims.domain.lpp.codes import SERVICE_CODES

    unknown = sorted(c for c in download.other_optical if c not in SERVICE_CODES)
    if strict and unknown:
        raise InputFileError("LPP download", download.origin, "the optics chapter has rows "
                             f"under prestation code(s) {', '.join(unknown)} that are not "
                             f"grouping codes of spec §7; accepted: {accepted_codes_text()}")
    rows = []
    for h in download.histo:
        fiche = download.fiche[h.code]
        end = h.valid_to
        if fiche.date_fin is not None and (end is None or fiche.date_fin < end):
            end = fiche.date_fin
        if end is not None and end < h.valid_from:
            continue
        rows.append(TariffRow(
            lpp_code=h.code, grouping_code=h.grouping_code, label=fiche.label[:500],
            age_max=fiche.age_max, valid_from=h.valid_from, valid_to=end,
            tariff_cents=h.tariff_cents, plv_cents=h.plv_cents,
        ))
    rows.sort(key=lambda r: (r.grouping_code, r.lpp_code, r.valid_from))
    return TariffTable(
        source=f"LPP download {download.number}", files=dict(download.files),
        encoding=download.encoding, rows=tuple(rows),
        other_optical_codes=dict(sorted(download.other_optical.items())),
    )


def import_lpp(path: str | os.PathLike[str], *, encoding: str | None = None,
               strict: bool = False) -> TariffTable:
    """Read the LPP download at ``path`` (zip or folder) and build its rules table."""
    return build_tariffs(read_lpp_download(path, encoding=encoding), strict=strict)


def save_tariffs(table: TariffTable, path: str | os.PathLike[str]) -> None:
    """Write ``table`` as JSON to ``path`` (atomically: a temporary file, then a rename)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(table.to_json() + "\n", encoding="utf-8")
    os.replace(tmp, p)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__


def load_tariffs(path: str | os.PathLike[str], what: str = "tariffs") -> TariffTable:
    """Load a rules table written by :func:`save_tariffs`; raises InputFileError when bad.

    ``what`` names the file's role in messages (e.g. ``--tariffs``).
    """
    from zkclaims.jsonio import parse_file, read_file

    # the shared reader: size, nesting depth and numbers checked before parsing
    data = read_file(path, what, max_bytes=MAX_TARIFFS_BYTES)
    head = parse_file(data, path, what, max_bytes=MAX_TARIFFS_BYTES)
    if not isinstance(head, dict) or head.get("format") != TARIFFS_FORMAT:
        got = head.get("format") if isinstance(head, dict) else type(head).__name__
        raise InputFileError(what, str(path), f"not a zkclaims LPP tariffs document (format "
                             f"{str(got)[:60]!r}, expected {TARIFFS_FORMAT!r}); make one with "
                             "'zkclaims tariffs import'")
    try:
        return TariffTable.model_validate_json(data)
    except InvalidInputError as exc:
        raise InputFileError(what, str(path), str(exc)) from None
