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
from zkclaims.domain.rules import (
    _CYL,
    _MULTI_CYL_SPH,
    _MULTI_SPHERICAL,
    _UNI_SPH,
    LENS_ROWS,
    _usage,
)
from zkclaims.errors import InvalidInputError, RuleError

__all__ = ["GRID_INVALID", "classify_lens_grid", "lens_row_grid"]

#: Value given to grid points that cannot be classified (near/progressive without addition).
GRID_INVALID = -1

# Row number -> class code, index 0 is the invalid marker.
_ROW_CODE = np.array([GRID_INVALID] + [r.lens_class.code for r in LENS_ROWS], dtype=np.int8)


def _ints(name: str, a: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        raise InvalidInputError(name, arr.dtype, "must be an integer array of quarter-dioptres")
    return arr.astype(np.int64)


def lens_row_grid(
    usage: LensUsage | str,
    *,
    sphere_q: npt.ArrayLike,
    cylinder_q: npt.ArrayLike,
    addition_q: npt.ArrayLike = 0,
    missing_addition: Literal["raise", "sentinel"] = "raise",
) -> np.ndarray:
    """Spec §2 row (1..14, int8) of every grid point; 0 marks a missing addition (sentinel)."""
    usage = _usage(usage)
    s = _ints("sphere_q", sphere_q)
    c = _ints("cylinder_q", cylinder_q)
    a = _ints("addition_q", addition_q)
    s, c, a = np.broadcast_arrays(s, c, a)
    if (c < 0).any():
        raise InvalidInputError("cylinder_q", int(c.min()), "must be >= 0 (positive-cylinder form)")
    if (a < 0).any():
        raise InvalidInputError("addition_q", int(a.min()), "must be >= 0")
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
    # The same thresholds as the scalar rule (rules.lens_row_q): rows 1-7 unifocal, 8-14
    # multifocal, each design's rows in the same order.
    if usage.multifocal:
        first, spherical_bound, cyl_sph_bound = 8, _MULTI_SPHERICAL, _MULTI_CYL_SPH
    else:
        first, spherical_bound, cyl_sph_bound = 1, _UNI_SPH, _UNI_SPH
    rows = np.where(
        c == 0,
        np.where((s >= -spherical_bound) & (s <= spherical_bound), 0, 1),
        np.where(
            s <= 0,
            np.where(s >= -cyl_sph_bound, np.where(c <= _CYL, 2, 3), 4),
            np.where(s + c <= cyl_sph_bound, 5, 6),
        ),
    ).astype(np.int8)
    rows += first
    rows[missing] = 0
    return rows


def classify_lens_grid(
    usage: LensUsage | str,
    *,
    sphere_q: npt.ArrayLike,
    cylinder_q: npt.ArrayLike,
    addition_q: npt.ArrayLike = 0,
    missing_addition: Literal["raise", "sentinel"] = "raise",
) -> np.ndarray:
    """Lens class codes (int8: 0 simple, 1 complex, 2 very complex) over a whole grid.

    Equal to ``classify_lens(...).code`` on every point; see the module docstring for the
    input convention (canonical positive-cylinder powers; near adds the addition).
    """
    rows = lens_row_grid(usage, sphere_q=sphere_q, cylinder_q=cylinder_q, addition_q=addition_q,
                         missing_addition=missing_addition)
    return _ROW_CODE[rows]
