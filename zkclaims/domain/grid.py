"""Vectorised lens classification over whole numpy arrays (spec §2).

Input convention (all integer arrays of quarter-dioptres, broadcast together):

- ``sphere_q``, ``cylinder_q``: the *canonical positive-cylinder* prescription (spec §1;
  ``cylinder_q >= 0``), i.e. ``EyePrescription.canonical()``'s ``sphere_q``/``cylinder_q``.
- ``addition_q``: the addition (>= 0). For ``far`` it is ignored; for ``near`` the lens sphere
  is ``sphere_q + addition_q`` (unifocal); for ``progressive`` the lens is the prescription
  with a multifocal design.
- ``near``/``progressive`` need ``addition_q > 0``. By default a zero addition raises
  :class:`~zkclaims.errors.RuleError` (like :func:`~zkclaims.domain.classify_lens`); with
  ``missing_addition="sentinel"`` those points get :data:`GRID_INVALID` (-1) instead.

The result holds :attr:`LensClass.code` values (0 simple, 1 complex, 2 very complex) as int8;
:func:`lens_row_grid` gives the spec §2 row numbers (1..14) instead.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from zkclaims.domain.models import LensUsage
from zkclaims.domain.rules import LENS_ROWS
from zkclaims.errors import RuleError, ValidationError

__all__ = ["GRID_INVALID", "classify_lens_grid", "lens_row_grid"]

#: Value given to grid points that cannot be classified (near/progressive without addition).
GRID_INVALID = -1

# Row number -> class code, index 0 is the invalid marker.
_ROW_CODE = np.array([GRID_INVALID] + [r.lens_class.code for r in LENS_ROWS], dtype=np.int8)


def _ints(name: str, a: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        raise ValidationError(name, arr.dtype, "must be an integer array of quarter-dioptres")
    return arr.astype(np.int64)


def lens_row_grid(
    usage: LensUsage | str,
    sphere_q: npt.ArrayLike,
    cylinder_q: npt.ArrayLike,
    addition_q: npt.ArrayLike = 0,
    *,
    missing_addition: Literal["raise", "sentinel"] = "raise",
) -> np.ndarray:
    """Spec §2 row (1..14, int8) of every grid point; 0 marks a missing addition (sentinel)."""
    try:
        usage = LensUsage(usage)
    except ValueError:
        raise ValidationError("usage", usage, "must be 'far', 'near' or 'progressive'") from None
    s = _ints("sphere_q", sphere_q)
    c = _ints("cylinder_q", cylinder_q)
    a = _ints("addition_q", addition_q)
    s, c, a = np.broadcast_arrays(s, c, a)
    if (c < 0).any():
        raise ValidationError("cylinder_q", int(c.min()), "must be >= 0 (positive-cylinder form)")
    if (a < 0).any():
        raise ValidationError("addition_q", int(a.min()), "must be >= 0")
    missing = np.zeros(s.shape, dtype=bool)
    if usage is not LensUsage.FAR:
        missing = a == 0
        if missing.any() and missing_addition == "raise":
            raise RuleError(
                f"addition_q: a {usage.value} lens needs an addition > 0 "
                f"({int(missing.sum())} grid points have 0)"
            )
    if usage is LensUsage.NEAR:
        s = s + a
    spherical = c == 0
    neg = s <= 0
    total = s + c
    if usage is LensUsage.PROGRESSIVE:
        rows = np.where(
            spherical,
            np.where((s >= -16) & (s <= 16), 8, 9),
            np.where(
                neg,
                np.where(s >= -32, np.where(c <= 16, 10, 11), 12),
                np.where(total <= 32, 13, 14),
            ),
        )
    else:
        rows = np.where(
            spherical,
            np.where((s >= -24) & (s <= 24), 1, 2),
            np.where(
                neg,
                np.where(s >= -24, np.where(c <= 16, 3, 4), 5),
                np.where(total <= 24, 6, 7),
            ),
        )
    rows = rows.astype(np.int8)
    rows[missing] = 0
    return rows


def classify_lens_grid(
    usage: LensUsage | str,
    sphere_q: npt.ArrayLike,
    cylinder_q: npt.ArrayLike,
    addition_q: npt.ArrayLike = 0,
    *,
    missing_addition: Literal["raise", "sentinel"] = "raise",
) -> np.ndarray:
    """Lens class codes (int8: 0 simple, 1 complex, 2 very complex) over a whole grid.

    Equal to ``classify_lens(...).code`` on every point; see the module docstring for the
    input convention (canonical positive-cylinder powers; near adds the addition).
    """
    rows = lens_row_grid(usage, sphere_q, cylinder_q, addition_q, missing_addition=missing_addition)
    return _ROW_CODE[rows]
