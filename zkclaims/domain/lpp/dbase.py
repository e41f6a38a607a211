"""Reading the public insurer's monthly LPP download: a zip (or folder) of dBase tables.

The download holds, among others, ``lpp_fiche_tot<nnn>.dbf`` (one row per LPP code) and
``lpp_histo_tot<nnn>.dbf`` (dated tariff rows per code); see ``docs/lpp.md``. It is untrusted
input: every way it can be wrong (not a zip, a path-traversal or oversized member, a truncated
or corrupt table, a missing column, a value that is not a number or a date) raises one
:class:`~zkclaims.errors.InputFileError` line naming the file, the row, the column and the
value, never a traceback, and reading is bounded in size and time.

The dBase structure (header, field descriptors, deleted-row flags, code page byte) is read by
``dbfread`` in raw mode; the values are parsed here, exactly: numbers as
:class:`~decimal.Decimal` then integer cents, dates as :class:`datetime.date`, never floats.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from zkclaims.domain.lpp.codes import ELEMENT_CODES
from zkclaims.errors import InputFileError, InvalidInputError

__all__ = [
    "FICHE_PATTERN",
    "HISTO_PATTERN",
    "MAX_TABLE_BYTES",
    "MAX_ZIP_RATIO",
    "MAX_CENTS_IN_TABLE",
    "OPTICS_CHAPTER",
    "FicheRecord",
    "HistoRecord",
    "LppDownload",
    "read_lpp_download",
]

#: File names of the two tables (case-insensitive), ``<nnn>`` being the download's number.
FICHE_PATTERN = re.compile(r"^lpp_fiche_tot(\d{1,6})\.dbf$", re.IGNORECASE)
HISTO_PATTERN = re.compile(r"^lpp_histo_tot(\d{1,6})\.dbf$", re.IGNORECASE)
#: Largest table accepted (bytes, uncompressed); the real ones are a few tens of MB.
MAX_TABLE_BYTES = 256 * 1024 * 1024
#: Largest compression ratio accepted for a zip member (a zip bomb is far above).
MAX_ZIP_RATIO = 200
#: Most members a zip may list.
MAX_ZIP_MEMBERS = 10_000
#: Largest amount accepted in a table, in cents (1,000,000 EUR).
MAX_CENTS_IN_TABLE = 100_000_000
#: LPP titre II, chapitre 2 (optique médicale): ``(ARBO1, ARBO2)`` of the optical codes.
OPTICS_CHAPTER = (2, 2)

_FICHE_COLUMNS = {"CODE_TIPS": "CN", "NOM_COURT": "C", "AGE_MAX": "NFC", "DATE_FIN": "DC",
                  "ARBO1": "NFC", "ARBO2": "NFC"}
_HISTO_COLUMNS = {"CODE_TIPS": "CN", "DEBUTVALID": "DC", "FINHISTO": "DC", "NAT_PREST": "C",
                  "TARIF": "NFC", "PUREGLEMEN": "NFC"}
_NUMBER = re.compile(rb"^\d{1,12}(\.\d{1,8})?$")
_ELEMENT_BYTES = {c.encode("ascii") for c in ELEMENT_CODES}


@dataclass(frozen=True)
class FicheRecord:
    """One parsed row of ``lpp_fiche_tot``: the LPP code, its label, age limit and end."""

    code: str
    label: str
    age_max: int
    date_fin: _dt.date | None


@dataclass(frozen=True)
class HistoRecord:
    """One parsed row of ``lpp_histo_tot`` whose prestation code is an optical element code."""

    row: int
    code: str
    valid_from: _dt.date
    valid_to: _dt.date | None
    grouping_code: str
    tariff_cents: int
    plv_cents: int | None


@dataclass
class LppDownload:
    """What zkclaims keeps of one LPP download (see :func:`read_lpp_download`).

    ``histo`` holds the rows whose ``NAT_PREST`` is an element grouping code (spec §7) and
    ``fiche`` the codes those rows name; ``other_optical`` counts, per prestation code, the
    rows of the optics chapter under any other code (services, or codes zkclaims does not
    know, such as a new kind of lens).
    """

    number: str
    origin: str
    files: dict[str, str]
    encoding: str
    fiche: dict[str, FicheRecord]
    histo: list[HistoRecord]
    other_optical: dict[str, int] = field(default_factory=dict)


class _Table:
    """One dBase table, opened through dbfread in raw mode, with our structural checks."""

    def __init__(self, path: Path, name: str, origin: str, columns: dict[str, str],
                 encoding: str | None) -> None:
        import dbfread

        self.name, self.origin = name, origin
        _check_descriptors(path, self)
        try:
            self.dbf = dbfread.DBF(str(path), raw=True, ignorecase=False, encoding="ascii")
        except struct.error:
            raise self.error("not a dBase table: its header is truncated") from None
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise self.error(f"not a dBase table ({_short(exc)})") from None
        header = self.dbf.header
        if encoding is None:
            from dbfread.codepages import guess_encoding

            try:
                encoding = guess_encoding(header.language_driver) if header.language_driver \
                    else "cp1252"
            except LookupError:
                encoding = "cp1252"
        self.encoding = encoding
        fields = self.dbf.fields
        size = path.stat().st_size
        body = header.headerlen + header.numrecords * header.recordlen
        if header.recordlen != 1 + sum(f.length for f in fields) or \
                header.headerlen < 33 + 32 * len(fields):
            raise self.error("corrupt header: the field descriptors do not match the record "
                             f"length {header.recordlen} and header length {header.headerlen}")
        if size < body:
            whole = max(0, size - header.headerlen) // max(1, header.recordlen)
            raise self.error(f"truncated: the header announces {header.numrecords} rows of "
                             f"{header.recordlen} bytes, the file holds {whole} complete rows")
        if size > body + 1:
            raise self.error(f"{size - body} unexpected bytes after the last of the "
                             f"{header.numrecords} rows the header announces")
        have = {f.name.upper(): f for f in fields}
        self.columns: dict[str, str] = {}
        for column, types in columns.items():
            f = have.get(column)
            if f is None:
                raise self.error(f"column {column} is missing (columns: "
                                 f"{', '.join(sorted(have)) or 'none'})")
            if f.type not in types:
                raise self.error(f"column {column} has dBase type {f.type!r}, expected "
                                 f"{' or '.join(repr(t) for t in types)}")
            self.columns[column] = f.name

    def error(self, message: str) -> InputFileError:
        # names and values come from the file: escape control characters (one line, always)
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
        return InputFileError(self.name, self.origin, text)

    def rows(self) -> Iterator[tuple[int, dict[str, bytes]]]:
        """Yield ``(row number, {column: raw bytes})`` for every live row, then check counts."""
        live = 0
        try:
            for record in self.dbf.records:
                live += 1
                yield live, {c: record[n] for c, n in self.columns.items()}
            deleted = len(self.dbf.deleted)
        except (struct.error, ValueError, OSError) as exc:  # pragma: no cover - size checked
            raise self.error(f"unreadable row {live + 1} ({_short(exc)})") from None
        if live + deleted != self.dbf.header.numrecords:
            raise self.error(f"corrupt: {self.dbf.header.numrecords} rows announced, "
                             f"{live} live and {deleted} deleted rows found")

    # --- exact value parsers, naming the row and the column on failure ---------------------
    def bad(self, row: int, code: str, column: str, raw: bytes, message: str) -> InputFileError:
        where = f"row {row}" + (f" (CODE_TIPS {code})" if code else "")
        return self.error(f"{where}, {column}: {message} (got {_show(raw)})")

    def code(self, row: int, raw: bytes) -> str:
        text = raw.strip(b" \x00")
        if not (len(text) == 7 and text.isdigit()):
            raise self.bad(row, "", "CODE_TIPS", raw, "an LPP code is 7 digits")
        return text.decode("ascii")

    def text(self, raw: bytes) -> str:
        """Decode a label; control characters become spaces (labels end up in messages)."""
        text = raw.rstrip(b" \x00").decode(self.encoding, errors="replace")
        return "".join(" " if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in text).strip()

    def number(self, row: int, code: str, column: str, raw: bytes) -> Decimal | None:
        text = raw.strip(b" \x00")
        if not text:
            return None
        if not _NUMBER.match(text):
            raise self.bad(row, code, column, raw, "not a decimal number >= 0")
        try:
            return Decimal(text.decode("ascii"))
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise self.bad(row, code, column, raw, "not a decimal number") from None

    def cents(self, row: int, code: str, column: str, raw: bytes) -> int | None:
        value = self.number(row, code, column, raw)
        if value is None:
            return None
        cents = value * 100
        if cents != cents.to_integral_value():
            raise self.bad(row, code, column, raw, "not a whole number of cents")
        if cents > MAX_CENTS_IN_TABLE:
            raise self.bad(row, code, column, raw,
                           f"above {MAX_CENTS_IN_TABLE // 100} EUR, not an optical amount")
        return int(cents)

    def integer(self, row: int, code: str, column: str, raw: bytes) -> int | None:
        value = self.number(row, code, column, raw)
        if value is None:
            return None
        if value != value.to_integral_value() or value > 150:
            raise self.bad(row, code, column, raw, "not a whole number of years (0..150)")
        return int(value)

    def date(self, row: int, code: str, column: str, raw: bytes) -> _dt.date | None:
        text = raw.strip(b" \x00")
        if not text or text == b"00000000":
            return None
        if not (len(text) == 8 and text.isdigit()):
            raise self.bad(row, code, column, raw, "not a date YYYYMMDD")
        try:
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise self.bad(row, code, column, raw, "not a calendar date") from None


def _check_descriptors(path: Path, table: _Table) -> None:
    """Find the end of the field descriptors within the announced header, before dbfread.

    dbfread reads 32-byte descriptors until a terminator byte: on a file without one it would
    read the whole file as descriptors. The header length is a 16-bit field, so this reads at
    most 64 KiB.
    """
    with open(path, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            raise table.error("not a dBase table: its header is truncated")
        headerlen = int.from_bytes(head[8:10], "little")
        rest = f.read(max(0, headerlen - 32))
    for at in range(0, len(rest), 32):
        if rest[at:at + 1] in (b"\r", b"\n"):
            return
    raise table.error(f"not a dBase table: no end of the field descriptors within its "
                      f"{headerlen}-byte header")


def _show(raw: bytes) -> str:
    text = raw.strip(b" \x00")
    try:
        shown = repr(text.decode("ascii"))
    except UnicodeDecodeError:
        shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --- locating and extracting the two tables --------------------------------------------------
def _pick(names: list[str], origin: str) -> tuple[str, str, str]:
    """Return ``(fiche name, histo name, number)`` among member names (base names matched)."""
    found: dict[str, list[tuple[str, str]]] = {"fiche": [], "histo": []}
    for name in names:
        base = name.rsplit("/", 1)[-1]
        for kind, pattern in (("fiche", FICHE_PATTERN), ("histo", HISTO_PATTERN)):
            m = pattern.match(base)
            if m:
                found[kind].append((name, m.group(1)))
    for kind in ("fiche", "histo"):
        if not found[kind]:
            raise InputFileError("LPP download", origin, f"no lpp_{kind}_tot<nnn>.dbf table "
                                 "in it: is this the LPP download of the public insurer?")
        if len(found[kind]) > 1:
            listed = ", ".join(n for n, _ in found[kind])
            raise InputFileError("LPP download", origin,
                                 f"several lpp_{kind}_tot tables ({listed}): give one download")
    (fiche, n1), (histo, n2) = found["fiche"][0], found["histo"][0]
    if n1 != n2:
        raise InputFileError("LPP download", origin, f"{fiche} and {histo} come from different "
                             "downloads (their numbers differ)")
    return fiche, histo, n1


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return (name.startswith("/") or "\\" in name or "\x00" in name or ":" in name
            or any(p == ".." for p in parts))


def _extract(zpath: Path, origin: str, workdir: Path) -> tuple[Path, Path, str, str, str]:
    try:
        with zipfile.ZipFile(zpath) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise InputFileError("LPP download", origin,
                                     f"{len(infos)} members, more than {MAX_ZIP_MEMBERS}")
            for info in infos:
                if _unsafe(info.filename):
                    raise InputFileError("LPP download", origin, "unsafe member name "
                                         f"{info.filename[:80]!r} (absolute or '..' path)")
            by_name = {i.filename: i for i in infos if not i.is_dir()}
            fiche, histo, number = _pick(list(by_name), origin)
            paths = []
            for member, target in ((fiche, "fiche.dbf"), (histo, "histo.dbf")):
                info = by_name[member]
                if info.file_size > MAX_TABLE_BYTES:
                    raise InputFileError(member, origin, f"{info.file_size} bytes once "
                                         f"unpacked, more than {MAX_TABLE_BYTES}")
                if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) \
                        and info.file_size > 1 << 20:
                    raise InputFileError(member, origin, "compression ratio above "
                                         f"{MAX_ZIP_RATIO}: refused as a possible zip bomb")
                out = workdir / target  # our own name: nothing is written where the zip says
                written = 0
                with zf.open(info) as src, open(out, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_TABLE_BYTES:  # pragma: no cover - zipfile stops first
                            raise InputFileError(member, origin, "larger than announced")
                        dst.write(chunk)
                paths.append(out)
            return paths[0], paths[1], fiche.rsplit("/", 1)[-1], histo.rsplit("/", 1)[-1], number
    except InputFileError:
        raise
    except zipfile.BadZipFile as exc:
        raise InputFileError("LPP download", origin, f"corrupt zip archive ({_short(exc)})") \
            from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError,
            struct.error) as exc:
        raise InputFileError("LPP download", origin, f"cannot unpack ({_short(exc)})") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def read_lpp_download(path: str | os.PathLike[str], *, encoding: str | None = None
                      ) -> LppDownload:
    """Read the LPP download at ``path`` (the zip as published, or a folder of its tables).

    ``encoding`` overrides the code page of the labels (default: the table's language-driver
    byte, else cp1252). Returns the optical element rows (:class:`LppDownload`); build the
    rules table with :func:`zkclaims.domain.lpp.build_tariffs`. Raises
    :class:`~zkclaims.errors.InputFileError` on any unreadable or inconsistent input.
    """
    p = Path(path)
    origin = str(path)
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise InvalidInputError("encoding", encoding, "not a known text encoding, e.g. "
                                    "cp1252, cp850, latin-1") from None
    if p.is_dir():
        try:
            names = sorted(e.name for e in os.scandir(p) if e.is_file())
        except OSError as exc:
            raise InputFileError("LPP download", origin, f"unreadable folder ({exc.strerror})") \
                from None
        fiche, histo, number = _pick(names, origin)
        for name in (fiche, histo):
            if (p / name).stat().st_size > MAX_TABLE_BYTES:
                raise InputFileError(name, origin, f"more than {MAX_TABLE_BYTES} bytes")
        return _read_tables(p / fiche, p / histo, fiche, histo, number, origin, encoding)
    if not p.exists():
        raise InputFileError("LPP download", origin, "no such file or folder")
    if not zipfile.is_zipfile(p):
        raise InputFileError("LPP download", origin, "neither a zip archive nor a folder of "
                             "lpp_*_tot<nnn>.dbf tables")
    with tempfile.TemporaryDirectory(prefix="zkclaims-lpp-") as tmp:
        fpath, hpath, fiche, histo, number = _extract(p, origin, Path(tmp))
        return _read_tables(fpath, hpath, fiche, histo, number, origin, encoding)


def _read_tables(fpath: Path, hpath: Path, fiche_name: str, histo_name: str, number: str,
                 origin: str, encoding: str | None) -> LppDownload:
    fiche_t = _Table(fpath, fiche_name, origin, _FICHE_COLUMNS, encoding)
    histo_t = _Table(hpath, histo_name, origin, _HISTO_COLUMNS, encoding)
    # 1. every code of the fiche, raw (parsed only when a kept row needs it)
    raw_fiche: dict[str, tuple[int, dict[str, bytes]]] = {}
    duplicated: set[str] = set()
    optics: set[str] = set()
    for row, rec in fiche_t.rows():
        key = rec["CODE_TIPS"].strip(b" \x00").decode("ascii", errors="replace")
        if key in raw_fiche:
            duplicated.add(key)
        raw_fiche[key] = (row, rec)
        arbo = (rec["ARBO1"].strip(b" \x00"), rec["ARBO2"].strip(b" \x00"))
        if arbo == tuple(str(n).encode() for n in OPTICS_CHAPTER):
            optics.add(key)
    # 2. the dated rows of the element grouping codes
    histo: list[HistoRecord] = []
    other: dict[str, int] = {}
    needed: set[str] = set()
    for row, rec in histo_t.rows():
        nat = rec["NAT_PREST"].strip(b" \x00")
        key = rec["CODE_TIPS"].strip(b" \x00").decode("ascii", errors="replace")
        if nat not in _ELEMENT_BYTES:
            if key in optics:
                name = nat.decode("ascii", errors="replace")[:8] or "(blank)"
                other[name] = other.get(name, 0) + 1
            continue
        code = histo_t.code(row, rec["CODE_TIPS"])
        start = histo_t.date(row, code, "DEBUTVALID", rec["DEBUTVALID"])
        if start is None:
            raise histo_t.bad(row, code, "DEBUTVALID", rec["DEBUTVALID"],
                              "a tariff row needs the first day of its validity")
        tariff = histo_t.cents(row, code, "TARIF", rec["TARIF"])
        if tariff is None:
            raise histo_t.bad(row, code, "TARIF", rec["TARIF"], "a tariff row needs a tariff")
        plv = histo_t.cents(row, code, "PUREGLEMEN", rec["PUREGLEMEN"])
        histo.append(HistoRecord(
            row=row, code=code, valid_from=start,
            valid_to=histo_t.date(row, code, "FINHISTO", rec["FINHISTO"]),
            grouping_code=nat.decode("ascii"), tariff_cents=tariff, plv_cents=plv or None,
        ))
        needed.add(code)
    # 3. the fiche rows those tariff rows name
    fiche: dict[str, FicheRecord] = {}
    for code in sorted(needed):
        if code not in raw_fiche:
            first = next(h for h in histo if h.code == code)
            raise histo_t.bad(first.row, code, "CODE_TIPS", code.encode(),
                              f"the LPP code has no row in {fiche_name}")
        if code in duplicated:
            raise fiche_t.bad(raw_fiche[code][0], code, "CODE_TIPS", code.encode(),
                              "the LPP code has several rows")
        row, rec = raw_fiche[code]
        age = fiche_t.integer(row, code, "AGE_MAX", rec["AGE_MAX"])
        fiche[code] = FicheRecord(
            code=code, label=fiche_t.text(rec["NOM_COURT"]), age_max=age or 0,
            date_fin=fiche_t.date(row, code, "DATE_FIN", rec["DATE_FIN"]),
        )
    return LppDownload(
        number=number, origin=origin,
        files={fiche_name: _sha256(fpath), histo_name: _sha256(hpath)},
        encoding=fiche_t.encoding, fiche=fiche, histo=histo, other_optical=other,
    )

