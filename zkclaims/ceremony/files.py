"""Ceremony files on disk: checked reading, atomic writing, the transcript digest."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from zkclaims.ceremony.ptau import Ptau, read_ptau
from zkclaims.ceremony.records import Progress
from zkclaims.ceremony.zkey import Zkey, read_zkey
from zkclaims.errors import InputFileError

__all__ = ["read_bytes", "load_ptau", "load_zkey", "write_atomic", "transcript_digest",
           "TRANSCRIPT_DIGEST_TAG"]

#: Domain tag of :func:`transcript_digest`.
TRANSCRIPT_DIGEST_TAG = "zkclaims-mpc-transcript/v1"
MAX_FILE_BYTES = 1 << 31  #: larger files are refused before they are read


def read_bytes(path: str | Path, what: str) -> bytes:
    """Return the content of ``path``.

    A missing, unreadable or oversized file raises :class:`~zkclaims.errors.InputFileError`
    naming ``what`` and the path.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputFileError(what, str(p), f"{size} bytes is larger than the "
                                 f"{MAX_FILE_BYTES} this tool reads")
        return p.read_bytes()
    except OSError as exc:
        raise InputFileError(what, str(p), f"cannot read: {exc.strerror}") from None


def load_ptau(path: str | Path, progress: Progress | None = None) -> Ptau:
    """Read and check a ``.ptau`` file (errors name the file)."""
    return read_ptau(read_bytes(path, "ptau"), str(path), progress)


def load_zkey(path: str | Path) -> Zkey:
    """Read and check a ``.zkey`` file (errors name the file)."""
    return read_zkey(read_bytes(path, "zkey"), str(path))


def write_atomic(path: str | Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    A reader never sees half a file and a failure leaves nothing behind. An existing ``path``
    is kept unless ``overwrite``.
    """
    p = Path(path)
    if p.exists() and not overwrite:
        raise InputFileError("output", str(p), "already exists (choose another name, or pass "
                             "--force to replace it)")
    directory = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputFileError("output", str(p), f"cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputFileError("output", str(p), f"cannot write: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def transcript_digest(ptau_file: bytes, zkey_file: bytes) -> str:
    r"""Return the SHA-256 an insurer pins: of the tag, then the SHA-256 of each file, in hex lines.

    ``sha256("zkclaims-mpc-transcript/v1\\nphase1 <sha256 of .ptau>\\nphase2 <sha256 of
    .zkey>\\n")`` — recomputable with ``sha256sum`` and ``printf``.
    """
    text = (f"{TRANSCRIPT_DIGEST_TAG}\nphase1 {hashlib.sha256(ptau_file).hexdigest()}\n"
            f"phase2 {hashlib.sha256(zkey_file).hexdigest()}\n")
    return hashlib.sha256(text.encode()).hexdigest()
