"""A tiny dBase III writer for the tests, and builders of small LPP downloads in its format.

Independent of the reader under test (dbfread): it lays out the bytes by the format's
definition (32-byte header, 32-byte field descriptors, 0x0D, fixed-width rows with a deletion
flag, 0x1A). The figures in the sample tables are made up for the tests, never real LPP rows.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

FICHE_FIELDS = [
    ("CODE_TIPS", "C", 7, 0), ("NOM_COURT", "C", 80, 0), ("DATE_FIN", "D", 8, 0),
    ("AGE_MAX", "N", 3, 0), ("TYPE_PREST", "C", 1, 0),
] + [(f"ARBO{i}", "N", 2, 0) for i in range(1, 11)]
HISTO_FIELDS = [
    ("CODE_TIPS", "C", 7, 0), ("DEBUTVALID", "D", 8, 0), ("FINHISTO", "D", 8, 0),
    ("NAT_PREST", "C", 3, 0), ("ENTENTE", "C", 1, 0), ("TARIF", "N", 10, 2),
    ("QTE_MAX", "N", 6, 0), ("MT_MAX", "N", 10, 2), ("PUREGLEMEN", "N", 10, 2),
]


def _cell(value, ftype, length, decimals, encoding):
    if isinstance(value, bytes):
        raw = value
    elif value is None:
        raw = b""
    elif ftype == "D":
        raw = value.strftime("%Y%m%d").encode()
    elif ftype == "N":
        text = f"{Decimal(value):.{decimals}f}" if decimals else str(value)
        raw = text.encode().rjust(length)
    else:
        raw = str(value).encode(encoding)
    if len(raw) > length:
        raise ValueError(f"value {value!r} longer than the field ({length})")
    return raw.ljust(length) if ftype != "N" or isinstance(value, bytes) else raw.rjust(length)


def dbf_bytes(fields, rows, *, language_driver=0x03, encoding="cp1252", deleted=()):
    """dBase III bytes of ``rows`` (dicts by field name) with ``fields`` (name, type, len, dec)."""
    recordlen = 1 + sum(f[2] for f in fields)
    headerlen = 32 + 32 * len(fields) + 1
    head = struct.pack("<BBBBIHH", 0x03, 125, 5, 1, len(rows), headerlen, recordlen)
    head += bytes(17) + bytes([language_driver]) + bytes(2)
    assert len(head) == 32
    out = bytearray(head)
    for name, ftype, length, decimals in fields:
        out += name.encode().ljust(11, b"\0") + ftype.encode() + bytes(4)
        out += bytes([length, decimals]) + bytes(14)
    out += b"\r"
    for i, row in enumerate(rows):
        out += b"*" if i in deleted else b" "
        for name, ftype, length, decimals in fields:
            out += _cell(row.get(name), ftype, length, decimals, encoding)
    out += b"\x1a"
    return bytes(out)


def fiche_row(code, label, *, age_max=0, date_fin=None, arbo=(2, 2, 1)):
    row = {"CODE_TIPS": code, "NOM_COURT": label, "AGE_MAX": age_max, "DATE_FIN": date_fin,
           "TYPE_PREST": "A"}
    for i in range(10):
        row[f"ARBO{i + 1}"] = arbo[i] if i < len(arbo) else 0
    return row


def histo_row(code, nat, tarif, plv=None, *, start=dt.date(2020, 1, 1), end=None):
    return {"CODE_TIPS": code, "DEBUTVALID": start, "FINHISTO": end, "NAT_PREST": nat,
            "ENTENTE": "N", "TARIF": tarif, "QTE_MAX": 0, "MT_MAX": "0",
            "PUREGLEMEN": plv if plv is not None else "0"}


# A made-up optics chapter: codes, labels, age limits and figures are test data only.
SAMPLE_FICHE = [
    fiche_row("2200001", "VERRE CLASSE A UNIFOCAL SPHERIQUE BANDE 1 ADULTE"),
    fiche_row("2200002", "VERRE CLASSE A UNIFOCAL SPHERIQUE BANDE 2 ADULTE"),
    fiche_row("2200003", "VERRE CLASSE A UNIFOCAL SPHERIQUE BANDE 1 MOINS DE 16 ANS",
              age_max=16),
    fiche_row("2200004", "VERRE CLASSE A UNIFOCAL ANCIEN", date_fin=dt.date(2021, 12, 31)),
    fiche_row("2200010", "MONTURE CLASSE A ADULTE"),
    fiche_row("2200011", "MONTURE CLASSE A MOINS DE 16 ANS", age_max=16),
    fiche_row("2200020", "MONTURE CLASSE B ADULTE"),
    fiche_row("2200021", "MONTURE CLASSE B MOINS DE 16 ANS", age_max=16),
    fiche_row("2200030", "VERRE CLASSE B UNIFOCAL SPHERIQUE"),
    fiche_row("2200040", "VERRE CLASSE B MULTIFOCAL SPHERIQUE"),
    fiche_row("2200050", "PRESTATION D'APPAIRAGE"),
    fiche_row("2200060", "VERRE FREINATION MYOPIE"),
    fiche_row("1189270", "ORTHESE, HORS CHAPITRE OPTIQUE", arbo=(2, 1, 3)),
]
SAMPLE_HISTO = [
    histo_row("2200001", "V01", "30.49", "45.00"),
    histo_row("2200002", "V01", "26.68", "60.00"),
    histo_row("2200003", "V01", "20.00", "40.00"),
    histo_row("2200004", "V01", "50.00", "90.00"),
    histo_row("2200010", "M01", "9.00", "30.00", end=dt.date(2024, 12, 31)),
    histo_row("2200010", "M01", "9.50", "32.00", start=dt.date(2025, 1, 1)),
    histo_row("2200011", "M02", "10.00", "35.00"),
    histo_row("2200020", "M03", "0.05"),
    histo_row("2200021", "M04", "0.05"),
    histo_row("2200030", "VU1", "0.05"),
    histo_row("2200040", "VM3", "0.05"),
    histo_row("2200050", "SV1", "0.00"),
    histo_row("2200060", "VX1", "12.00", "70.00"),
    histo_row("1189270", "RJT", "304.90"),
]


def write_download(folder: Path, fiche=None, histo=None, *, number="812", as_zip=True,
                   fiche_bytes=None, histo_bytes=None, extra=None, **kw) -> Path:
    """Write a small LPP download (zip by default) into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        f"lpp_fiche_tot{number}.dbf": fiche_bytes if fiche_bytes is not None else
        dbf_bytes(FICHE_FIELDS, SAMPLE_FICHE if fiche is None else fiche, **kw),
        f"lpp_histo_tot{number}.dbf": histo_bytes if histo_bytes is not None else
        dbf_bytes(HISTO_FIELDS, SAMPLE_HISTO if histo is None else histo, **kw),
    }
    files.update(extra or {})
    if not as_zip:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        return folder
    path = folder / "LPP.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path
