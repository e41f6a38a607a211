"""Reading the insurer's member records from a file (``zkclaims registry beneficiaries import``).

Three formats, by extension:

* ``.csv`` — a header line ``member_id,ins,birth_date[,amo_regime]`` then one member a line
  (birth date ``YYYY-MM-DD``; ``amo_regime`` ``general`` (default) or ``alsace_moselle``);
* ``.json`` — a list of objects with those keys;
* ``.jsonl`` — one such object a line.

Every record is validated as a :class:`~zkclaims.domain.patient.Beneficiary` (INS key
checked) before anything is written; the first bad one raises
:class:`~zkclaims.errors.InputFileError` naming the line (or item) and the field, and nothing
is imported.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zkclaims.domain.patient import Beneficiary
from zkclaims.errors import InputFileError, InvalidInputError

__all__ = ["read_beneficiaries", "CSV_COLUMNS"]

CSV_COLUMNS = ("member_id", "ins", "birth_date", "amo_regime")
_MAX_BYTES = 512 * 1024 * 1024


def _record(data: object, where: str, path: str) -> Beneficiary:
    if not isinstance(data, dict):
        raise InputFileError("beneficiaries", path, f"{where}: expected an object with"
                             f" {', '.join(CSV_COLUMNS[:3])}")
    try:
        return Beneficiary.model_validate(data)
    except InvalidInputError as exc:
        raise InputFileError("beneficiaries", path, f"{where}: {exc}") from None


def read_beneficiaries(path: str) -> list[Beneficiary]:
    """Read and validate every record of ``path`` (format by extension, see the module)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl"):
        raise InputFileError("beneficiaries", path, "expected a .csv, .json or .jsonl file")
    try:
        if p.stat().st_size > _MAX_BYTES:
            raise InputFileError("beneficiaries", path, f"larger than {_MAX_BYTES} bytes")
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputFileError("beneficiaries", path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError("beneficiaries", path, f"not UTF-8 text (byte {exc.start})"
                             ) from None
    if suffix == ".csv":
        return _read_csv(text, path)
    if suffix == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                out.append(_record(_json(line, f"line {n}", path), f"line {n}", path))
        return out
    data = _json(text, "file", path)
    if not isinstance(data, list):
        raise InputFileError("beneficiaries", path, "expected a JSON list of members")
    return [_record(item, f"item {i}", path) for i, item in enumerate(data)]


def _json(text: str, where: str, path: str) -> object:
    from zkclaims.jsonio import loads

    try:
        return loads(text, "", max_bytes=_MAX_BYTES, error=InvalidInputError)
    except InvalidInputError as exc:
        message = str(exc).removeprefix("(document): ")
        raise InputFileError("beneficiaries", path, f"{where}: {message}") from None


def _read_csv(text: str, path: str) -> list[Beneficiary]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputFileError("beneficiaries", path, "empty file") from None
    except csv.Error as exc:
        raise InputFileError("beneficiaries", path, f"line 1: {exc}") from None
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise InputFileError("beneficiaries", path, f"line 1: the header must name"
                             f" {', '.join(CSV_COLUMNS[:3])} (and optionally amo_regime),"
                             f" once each (got {','.join(header)[:120]!r})")
    out = []
    try:
        for row in reader:
            n = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputFileError("beneficiaries", path, f"line {n}: {len(row)} fields,"
                                     f" the header has {len(header)}")
            data = {k: v.strip() for k, v in zip(header, row, strict=True)}
            if data.get("amo_regime") == "":
                del data["amo_regime"]
            out.append(_record(data, f"line {n}", path))
    except csv.Error as exc:
        raise InputFileError("beneficiaries", path, f"line {reader.line_num}: {exc}") from None
    return out
