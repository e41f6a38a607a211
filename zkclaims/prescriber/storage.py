"""Secrets on disk: private keys, openings and prescription QR codes, owner-only (mode 0600).

:func:`write_private_file` creates the file with mode 0600 and sets exactly 0600 afterwards
(a umask can only narrow ``open``'s mode; ``fchmod`` makes it exactly 0600, never wider). It
never follows a symbolic link: a path that is one is refused, with or without ``force``.
Without ``force`` an existing file is refused (``O_EXCL``); with ``force`` the new content is
written to a fresh 0600 file in the same folder and renamed over the old one, so a reader never
sees a half-written secret and an old file's wider mode is not inherited.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any

from zkclaims.errors import InputFileError

__all__ = ["PRIVATE_MODE", "write_private_file", "write_opening", "read_opening"]

#: The mode of every secret file zkclaims writes.
PRIVATE_MODE = 0o600


def write_private_file(path: str | Path, data: bytes, *, force: bool = False,
                       what: str = "file", force_hint: str = "") -> None:
    """Write ``data`` to ``path`` readable by the owner only; see the module docstring.

    Raises :class:`InputFileError` (field ``what``) when the path is a symbolic link, exists
    (without ``force``), is a folder, or cannot be written.
    """
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise InputFileError(what, path, "is a symbolic link; refusing to write a secret"
                                 " through it")
        if not force:
            raise InputFileError(what, path,
                                 f"exists already; refusing to overwrite it{force_hint}")
        if not stat.S_ISREG(st.st_mode):
            raise InputFileError(what, path, "is not a regular file")
    target = path if st is None else os.path.join(
        os.path.dirname(path) or ".", f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp"
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, PRIVATE_MODE)
    except FileExistsError:  # created meanwhile (or a dangling link appeared): do not follow
        raise InputFileError(what, path, "exists already; refusing to overwrite it") from None
    except OSError as exc:
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), PRIVATE_MODE)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target != path:
            os.replace(target, path)  # replaces the directory entry; follows no link
    except OSError as exc:
        if target != path:
            try:
                os.unlink(target)
            except OSError:
                pass
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None


def write_opening(opening: Any, path: str | Path, *, force: bool = False) -> None:
    """Write an opening (JSON) with mode 0600; refuses to overwrite unless ``force``.

    The opening holds the prescription in clear and the blinding: as secret as a private key.
    """
    text = opening.model_dump_json(indent=2) + "\n"
    write_private_file(path, text.encode("utf-8"), force=force, what="opening",
                       force_hint=" (force=True / --force replaces it)")


def read_opening(path: str | Path) -> Any:
    """Read an opening written by :func:`write_opening` and check that it opens its commitment."""
    from zkclaims.jsonio import read_file
    from zkclaims.prescriber.opening import Opening

    text = read_file(path, "opening")  # bounded: /dev/zero is refused, not read forever
    opening = Opening.model_validate_json(text)
    opening.check()
    return opening
