"""Early renewal for a change of vision: the four criteria of spec §5, exact, in clear text.

Spec §5 (``docs/rules.md`` §5, ``docs/renewal.md``; LPP, arrêté of 3 December 2018, as quoted by
insurers' guides): from 16, an equipment may be renewed after one year instead of two when the
new prescription differs from the previous one, **both read in the positive-cylinder
convention**, by at least one of the criteria below. Each criterion is a bit of
:class:`RenewalCriterion`; a rules version (:attr:`zkclaims.domain.Rules.renewal_criteria`)
and an insurer (the public mask of the renewal statement) switch each one on or off, so that
a later reading of the text changes a setting, not the circuit.

Definitions, per lens (right, left), in integer quarter-dioptres of the canonical form
(``EyePrescription.canonical()``), previous ``0`` and new ``1``:

* ``far``  = max(|sphere1 - sphere0|, |cylinder1 - cylinder0|): the change of the far-vision
  correction of the lens (criterion 1 counts sphere or cylinder);
* ``near`` = |(sphere1 + addition1) - (sphere0 + addition0)|: the change of the near-vision
  sphere (the near lens is sphere + addition, as in spec §2; its cylinder is the far one,
  already counted in ``far``);
* ``add``  = |addition1 - addition0|;
* *presbyopia*: the new prescription has an addition on at least one lens;
* *a change for far vision*: ``far >= 0.25 D`` on at least one lens (axis-only changes are
  criterion 4's and do not count here: the text measures these changes in dioptres).

The criteria (bit values of :class:`RenewalCriterion`):

1. ``SPHERE_CYLINDER`` (1): ``far >= 0.50 D`` on one lens, or ``far >= 0.25 D`` on each lens.
2. ``ADDITION`` (2): presbyopia, no change for far vision, and ``add >= 0.50 D`` on one lens
   or ``add >= 0.25 D`` on each lens.
3. ``FAR_NEAR_SUM`` (4): presbyopia, a change for far vision, and ``far + near >= 0.50 D`` on
   one lens ("the sum of the absolute changes for far and for near").
4. ``AXIS`` (8): on one lens with a cylinder in both prescriptions, the angular difference of
   the axes on the 0-180° circle (``min(|a1 - a0|, 180 - |a1 - a0|)``, so 170° -> 5° is 15°)
   is more than 20° when the **new** cylinder is <= 1.00 D, more than 10° when it is 1.25 to
   4.00 D, more than 5° above 4.00 D. The new cylinder picks the band: the tolerance to an
   axis error grows as the cylinder shrinks, and the lens to be made carries the new one. A
   cylinder that appears or vanishes (0 on one side) has no axis change: it is a cylinder
   change, criterion 1's.
5. ``FAR_ADDITION_SUM`` (16): the other reading of criterion 3, where "near" is the change of
   the addition: presbyopia, a change for far vision, and ``far + add >= 0.50 D`` on one lens.
   Off in the 2020 rules (see ``docs/renewal.md``); an insurer or a later rules version may
   switch it on without a new circuit.

Criteria 2 and 3 rest on insurers' quotations of the LPP alone (the LPP text itself was not
retrieved); criterion 4 is also printed verbatim in an insurer's guide. The 2020 rules switch
criteria 1 to 4 on (:data:`RULES_2020_CRITERIA`).

The core, :func:`criteria_met_q`, works on integers or on whole numpy arrays with the same code:
the renewal circuit is checked against it on every grid of changes (``tests/``).
"""

from __future__ import annotations

from enum import IntFlag
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from zkclaims.domain.models import EyePrescription, Prescription
from zkclaims.errors import InvalidInputError

__all__ = [
    "RenewalCriterion",
    "CRITERIA_BITS",
    "ALL_CRITERIA",
    "RULES_2020_CRITERIA",
    "CRITERION_TEXT",
    "ONE_LENS_Q",
    "EACH_LENS_Q",
    "AXIS_BANDS",
    "criteria_mask",
    "axis_difference",
    "axis_threshold",
    "EyeChange",
    "eye_change_q",
    "criteria_met_q",
    "renewal_criteria_met",
    "vision_change_allows_early_renewal",
]


class RenewalCriterion(IntFlag):
    """The change-of-vision criteria of spec §5, one bit each (the renewal statement's mask)."""

    SPHERE_CYLINDER = 1
    ADDITION = 2
    FAR_NEAR_SUM = 4
    AXIS = 8
    FAR_ADDITION_SUM = 16


#: Width of the criteria mask (public input of the renewal statement).
CRITERIA_BITS = 5
#: Every criterion the circuit knows.
ALL_CRITERIA = RenewalCriterion((1 << CRITERIA_BITS) - 1)
#: The criteria of the 2020 rules: 1 to 4 as quoted by insurers' guides (spec §5).
RULES_2020_CRITERIA = (
    RenewalCriterion.SPHERE_CYLINDER
    | RenewalCriterion.ADDITION
    | RenewalCriterion.FAR_NEAR_SUM
    | RenewalCriterion.AXIS
)

#: One line per criterion, for messages and docs.
CRITERION_TEXT: dict[RenewalCriterion, str] = {
    RenewalCriterion.SPHERE_CYLINDER: (
        "criterion 1: sphere or cylinder change >= 0.50 D on one lens, or >= 0.25 D on each"),
    RenewalCriterion.ADDITION: (
        "criterion 2: presbyopia, no far change, addition change >= 0.50 D on one lens,"
        " or >= 0.25 D on each"),
    RenewalCriterion.FAR_NEAR_SUM: (
        "criterion 3: presbyopia, far change, |far change| + |near change| >= 0.50 D on one"
        " lens"),
    RenewalCriterion.AXIS: (
        "criterion 4: axis change > 20° (new cylinder <= 1.00 D), > 10° (1.25..4.00 D),"
        " > 5° (above 4.00 D)"),
    RenewalCriterion.FAR_ADDITION_SUM: (
        "criterion 3, addition reading: presbyopia, far change, |far change| + |addition"
        " change| >= 0.50 D on one lens"),
}

#: 0.50 D: the change on one lens (criteria 1 to 3).
ONE_LENS_Q = 2
#: 0.25 D: the change on each of the two lenses (criteria 1 and 2).
EACH_LENS_Q = 1
#: Axis bands of criterion 4: (largest new cylinder in quarter-dioptres or None, degrees that
#: the axis change must exceed).
AXIS_BANDS: tuple[tuple[int | None, int], ...] = ((4, 20), (16, 10), (None, 5))


def criteria_mask(value: object, field: str = "criteria") -> RenewalCriterion:
    """Check a criteria set (an int mask 1..31 or a :class:`RenewalCriterion`); return it.

    Raises :class:`InvalidInputError` naming ``field`` when the value is not an int, is 0 (no
    criterion: nothing could justify a renewal) or has bits above :data:`CRITERIA_BITS`.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(field, value, f"must be an int mask in 1..{int(ALL_CRITERIA)}")
    if not 1 <= value <= int(ALL_CRITERIA):
        raise InvalidInputError(
            field, value,
            f"must be an int mask in 1..{int(ALL_CRITERIA)} (1 sphere/cylinder, 2 addition,"
            " 4 far+near sum, 8 axis, 16 far+addition sum)",
        )
    return RenewalCriterion(value)


def axis_difference(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Angular difference of two cylinder axes on the 0-180° circle (0..90 degrees).

    ``axis_difference(170, 5) == 15``; 180 and 0 are the same meridian.
    """
    d = np.abs(np.asarray(a, dtype=np.int64) - np.asarray(b, dtype=np.int64)) % 180
    return np.minimum(d, 180 - d)


def axis_threshold(cylinder_q: npt.ArrayLike) -> np.ndarray:
    """Degrees an axis change must exceed for a (new) cylinder in quarter-dioptres (spec §5)."""
    c = np.asarray(cylinder_q, dtype=np.int64)
    (c1, t1), (c2, t2), (_, t3) = AXIS_BANDS
    return np.where(c <= c1, t1, np.where(c <= c2, t2, t3))


class EyeChange(NamedTuple):
    """The change of one lens, in quarter-dioptres (arrays in batch use).

    ``far``, ``near``, ``add``: see the module docstring; ``axis``: criterion 4 holds on this
    lens (bool).
    """

    far: Any
    near: Any
    add: Any
    axis: Any


def _eye(values: Any) -> tuple[np.ndarray, ...]:
    sphere, cylinder, axis, addition = (np.asarray(v, dtype=np.int64) for v in values)
    return sphere, cylinder, axis, addition


def eye_change_q(previous: Any, new: Any) -> EyeChange:
    """Return the change of one lens from ``previous`` to ``new``.

    Each is ``(sphere_q, cylinder_q, axis, addition_q)`` of the **canonical** form (ints or
    broadcastable int arrays).
    """
    s0, c0, x0, a0 = _eye(previous)
    s1, c1, x1, a1 = _eye(new)
    ds, dc, da = s1 - s0, c1 - c0, a1 - a0
    axis = (c0 > 0) & (c1 > 0) & (axis_difference(x0, x1) > axis_threshold(c1))
    return EyeChange(
        far=np.maximum(np.abs(ds), np.abs(dc)), near=np.abs(ds + da), add=np.abs(da), axis=axis
    )


def criteria_met_q(
    previous_right: Any, previous_left: Any, new_right: Any, new_left: Any
) -> np.ndarray:
    """Return the mask of the criteria met (int64; 0 when none), spec §5.

    Each argument is ``(sphere_q, cylinder_q, axis, addition_q)`` of the canonical
    positive-cylinder form: ints, or integer arrays broadcast together (one result per
    element). This is the clear-text rule itself; :func:`vision_change_allows_early_renewal`
    calls it on :class:`~zkclaims.domain.Prescription` objects.
    """
    right = eye_change_q(previous_right, new_right)
    left = eye_change_q(previous_left, new_left)
    presbyopia = (np.asarray(new_right[3]) > 0) | (np.asarray(new_left[3]) > 0)
    far_changed = (right.far >= EACH_LENS_Q) | (left.far >= EACH_LENS_Q)

    def one_or_each(r: np.ndarray, l_: np.ndarray) -> np.ndarray:
        return (r >= ONE_LENS_Q) | (l_ >= ONE_LENS_Q) | ((r >= EACH_LENS_Q) & (l_ >= EACH_LENS_Q))

    c1 = one_or_each(right.far, left.far)
    c2 = presbyopia & ~far_changed & one_or_each(right.add, left.add)
    c3 = presbyopia & far_changed & (
        (right.far + right.near >= ONE_LENS_Q) | (left.far + left.near >= ONE_LENS_Q))
    c4 = right.axis | left.axis
    c5 = presbyopia & far_changed & (
        (right.far + right.add >= ONE_LENS_Q) | (left.far + left.add >= ONE_LENS_Q))
    out = np.zeros(np.broadcast(c1, c2, c3, c4, c5).shape, dtype=np.int64)
    for flag, bit in ((c1, 1), (c2, 2), (c3, 4), (c4, 8), (c5, 16)):
        out = out | np.where(flag, bit, 0)
    return out


def _q(eye: EyePrescription) -> tuple[int, int, int, int]:
    c = eye.canonical()
    return c.sphere_q, c.cylinder_q, c.axis_deg, c.addition_q


def renewal_criteria_met(previous: Prescription, *, new: Prescription) -> RenewalCriterion:
    """Every criterion of spec §5 that ``new`` meets against ``previous`` (either cylinder form).

    Raises :class:`InvalidInputError` when ``new`` was issued before ``previous``.
    """
    if new.issued_on < previous.issued_on:
        raise InvalidInputError(
            "new.issued_on", new.issued_on.isoformat(),
            f"is before previous.issued_on {previous.issued_on.isoformat()}; the new"
            " prescription must be the later one",
        )
    mask = criteria_met_q(_q(previous.right), _q(previous.left), _q(new.right), _q(new.left))
    return RenewalCriterion(int(mask))


def _reasons(previous: Prescription, new: Prescription, met: RenewalCriterion) -> list[str]:
    """Human-readable reasons, naming the lens: clear text for the optician, never sent."""
    out = []
    changes = {
        side: eye_change_q(_q(getattr(previous, side)), _q(getattr(new, side)))
        for side in ("right", "left")
    }
    for crit in RenewalCriterion:
        if not crit & met:
            continue
        detail = []
        for side, ch in changes.items():
            if crit is RenewalCriterion.SPHERE_CYLINDER and ch.far:
                detail.append(f"{side} sphere/cylinder change {int(ch.far) / 4:.2f} D")
            elif crit is RenewalCriterion.ADDITION and ch.add:
                detail.append(f"{side} addition change {int(ch.add) / 4:.2f} D")
            elif crit is RenewalCriterion.FAR_NEAR_SUM and ch.far + ch.near:
                detail.append(f"{side} far {int(ch.far) / 4:.2f} + near {int(ch.near) / 4:.2f} D")
            elif crit is RenewalCriterion.FAR_ADDITION_SUM and ch.far + ch.add:
                detail.append(f"{side} far {int(ch.far) / 4:.2f} + addition"
                              f" {int(ch.add) / 4:.2f} D")
            elif crit is RenewalCriterion.AXIS and bool(ch.axis):
                p, n = getattr(previous, side).canonical(), getattr(new, side).canonical()
                detail.append(f"{side} axis {p.axis_deg}° -> {n.axis_deg}°"
                              f" ({int(axis_difference(p.axis_deg, n.axis_deg))}°, new"
                              f" cylinder {n.cylinder_q / 4:+.2f} D)")
        out.append(f"{CRITERION_TEXT[crit]}: {'; '.join(detail)} (spec §5)")
    return out


def vision_change_allows_early_renewal(
    previous: Prescription,
    *,
    new: Prescription,
    criteria: RenewalCriterion | int = RULES_2020_CRITERIA,
) -> tuple[bool, list[str]]:
    """Whether ``new`` differs enough from ``previous`` for an early renewal (spec §5).

    Keyword-only after the first (two prescriptions must not be swapped). Both are compared
    in positive-cylinder form (minus-cylinder input is transposed first). ``criteria`` is
    the set of criteria accepted (default: the 2020 rules, criteria 1 to 4; see
    :class:`RenewalCriterion`). Returns ``(allowed, reasons)``: one
    reason per accepted criterion met, naming the lens (the clear text stays with the
    optician; the insurer only learns the one bit the renewal proof shows).
    """
    accepted = criteria_mask(criteria)
    met = renewal_criteria_met(previous, new=new) & accepted
    return bool(met), _reasons(previous, new, RenewalCriterion(met))
