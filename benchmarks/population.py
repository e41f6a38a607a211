"""A synthetic population of spectacle prescriptions: categories a–f and what the insurer learns.

Run: ``python -m benchmarks.population [--n 200000] [--seed 1] [--json out.json]``

Draws adults' prescriptions (both eyes, addition by age, lens usage), classifies every lens
with the vectorised rules (:func:`zkclaims.domain.classify_lens_grid`, spec §2), derives the
equipment category (spec §3), and reports:

* the share of each category a–f (with the floor and ceiling that apply);
* what the insurer receives per claim today (the prescription: sphere, cylinder, axis,
  addition per eye, and the lens design through the detailed codes) and with zkclaims (the
  two lens classes, hence the category, and a commitment with a proof), as field lists and as
  bits of information about the correction, measured on the synthetic population.

Where the numbers come from
---------------------------
Calibrated to the age-standardised prevalences of the European Eye Epidemiology (E3)
consortium: Williams K.M. et al., "Prevalence of refractive error in Europe: the European Eye
Epidemiology (E3) Consortium", Eur J Epidemiol 30:305–315 (2015), doi:10.1007/s10654-015-0010-0
(61,946 adults aged 25–90, 15 studies): myopia (spherical equivalent ≤ −0.75 D) 30.6 %, high
myopia (≤ −6 D) 2.7 %, hyperopia (≥ +1 D) 25.2 %, astigmatism (cylinder ≥ 1 D) 23.9 %. The
model reproduces those four figures by construction (the report prints model vs source).

**Illustrative, not from that source** (plain assumptions, change them freely): the shapes
inside each band (exponential tails, a flat middle), the hyperopic tail scale, the
distribution of cylinders below 1 D, the axis (uniform), the difference between the two eyes
(normal, 0.5 D), the age distribution of buyers (uniform 25–85), the addition by age (a
clinical rule of thumb: none before 45, then +1.25 D at 45, +1.75 at 50, +2.25 at 55, +2.50
from 60), and the choice of lenses when there is an addition (progressive 60 %, near-only
25 %, distance-only 15 %). E3 excluded people after cataract or refractive surgery; so does
this model. Everyone drawn is a claimant (buys a pair of glasses).

Only the draws use floating point; they are rounded once to integer quarter-dioptres, and
every rule then works on integers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zkclaims.domain import CATEGORIES, LensUsage, classify_lens_grid

#: Source prevalences (Williams et al. 2015, age-standardised, adults 25–90).
E3_MYOPIA = 0.306  # SE <= -0.75 D
E3_HIGH_MYOPIA = 0.027  # SE <= -6.00 D
E3_HYPEROPIA = 0.252  # SE >= +1.00 D
E3_ASTIGMATISM = 0.239  # cylinder >= 1.00 D
SOURCE = ("Williams K.M. et al., Prevalence of refractive error in Europe: the European Eye "
          "Epidemiology (E3) Consortium, Eur J Epidemiol 30:305-315 (2015), "
          "doi:10.1007/s10654-015-0010-0")

# Illustrative parameters (see the module docstring).
MYOPIC_TAIL_D = 5.25 / math.log(E3_MYOPIA / E3_HIGH_MYOPIA)  # P(SE <= -6 | myopic) from E3
HYPEROPIC_TAIL_D = 1.0
ANISOMETROPIA_SD_D = 0.5
CYL_TAIL_D = 0.75
CYL_ZERO_SHARE_BELOW_1D = 0.5
AGE_RANGE = (25, 85)
ADDITION_BY_AGE_Q = ((45, 5), (50, 7), (55, 9), (60, 10))  # from age, addition in quarters
USAGE_WITH_ADDITION = ((LensUsage.PROGRESSIVE, 0.60), (LensUsage.NEAR, 0.25),
                       (LensUsage.FAR, 0.15))

#: Category from the two class codes (spec §3), indexed [min code][max code].
_CATEGORY_BY_CODES = {(0, 0): "a", (0, 1): "b", (1, 1): "c", (0, 2): "d", (1, 2): "e",
                      (2, 2): "f"}

#: What the insurer receives per claim today (tiers payant with the prescription and the
#: detailed LPP codes, which insurers still ask for: spec §7).
DISCLOSED_TODAY: tuple[str, ...] = (
    "claim: insurer, claim id, optician, delivery day, patient birth date",
    "invoice: price and classe A/B of each lens and of the frame, AMO shares",
    "prescription day and prescriber (identity, kind)",
    "right eye: sphere, cylinder, axis, addition",
    "left eye: sphere, cylinder, axis, addition",
    "lens design per eye (unifocal / progressive, via the detailed LPP codes)",
)
#: What a zkclaims bundle discloses (``zkclaims.domain.claim.ClaimBundle``).
DISCLOSED_ZKCLAIMS: tuple[str, ...] = (
    "claim: insurer, claim id, optician, delivery day, patient birth date",
    "invoice: price and classe A/B of each lens and of the frame, AMO shares",
    "prescription day and prescriber (identity, kind, Ed25519 signature)",
    "lens class of each lens (simple / complex / very complex), hence the category",
    "commitment C (Poseidon, hiding: reveals nothing about the correction)",
    "Groth16 proof (192 bytes, zero knowledge) and circuit id",
)


@dataclass(frozen=True)
class Population:
    """One synthetic population: per person, integer quarter-dioptres and lens usages."""

    age: np.ndarray
    sphere_q: np.ndarray  # (n, 2): right, left; canonical positive-cylinder sphere
    cylinder_q: np.ndarray  # (n, 2), >= 0
    axis: np.ndarray  # (n, 2), 0 when no cylinder, else 1..180
    addition_q: np.ndarray  # (n,), same for both eyes
    usage: np.ndarray  # (n,) of LensUsage values (same for both lenses of one pair)
    se_q: np.ndarray  # (n, 2) spherical equivalent, quarter-dioptres (for calibration)

    @property
    def n(self) -> int:
        """Number of people."""
        return int(self.age.shape[0])


def _q(x: np.ndarray) -> np.ndarray:
    """Round dioptres to integer quarter-dioptres."""
    return np.rint(np.asarray(x) * 4).astype(np.int64)


def draw(n: int, seed: int = 1) -> Population:
    """Draw ``n`` people (see the module docstring for the model and its sources)."""
    if n < 1:
        raise ValueError(f"n: must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    # spherical equivalent of the right eye: three bands with E3's shares
    band = rng.choice(3, size=n, p=[E3_MYOPIA, 1 - E3_MYOPIA - E3_HYPEROPIA, E3_HYPEROPIA])
    se = np.empty(n)
    m = band == 0
    se[m] = -0.75 - rng.exponential(MYOPIC_TAIL_D, m.sum())
    m = band == 1
    se[m] = rng.uniform(-0.625, 0.875, m.sum())  # rounds to -0.50 .. +0.75
    m = band == 2
    se[m] = 1.0 + rng.exponential(HYPEROPIC_TAIL_D, m.sum())
    se_q = np.empty((n, 2), dtype=np.int64)
    se_q[:, 0] = _q(se)
    se_q[:, 1] = _q(se + rng.normal(0, ANISOMETROPIA_SD_D, n))
    # cylinder (positive form): E3's share at >= 1 D, illustrative below
    cyl_q = np.empty((n, 2), dtype=np.int64)
    for eye in range(2):
        astig = rng.random(n) < E3_ASTIGMATISM
        high = 4 + _q(rng.exponential(CYL_TAIL_D, n))
        low = np.where(rng.random(n) < CYL_ZERO_SHARE_BELOW_1D, 0, rng.integers(1, 4, n))
        cyl_q[:, eye] = np.where(astig, high, low)
    cyl_q = np.clip(cyl_q, 0, 63)
    # sphere in positive-cylinder form: SE = sphere + cylinder / 2, rounded down to a quarter
    sph_q = np.clip(se_q - cyl_q // 2, -127, 127)
    axis = np.where(cyl_q > 0, rng.integers(1, 181, (n, 2)), 0)
    # age, addition, usage
    age = rng.integers(AGE_RANGE[0], AGE_RANGE[1] + 1, n)
    add_q = np.zeros(n, dtype=np.int64)
    for from_age, q in ADDITION_BY_AGE_Q:
        add_q[age >= from_age] = q
    usage = np.full(n, LensUsage.FAR.value, dtype=object)
    has_add = add_q > 0
    choices = [u.value for u, _ in USAGE_WITH_ADDITION]
    probs = [p for _, p in USAGE_WITH_ADDITION]
    usage[has_add] = rng.choice(choices, size=int(has_add.sum()), p=probs)
    return Population(age, sph_q, cyl_q, axis, add_q, usage, se_q)


def classify(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Class codes (n, 2) of every lens and the category letter (n,) of every equipment."""
    codes = np.empty((pop.n, 2), dtype=np.int8)
    for u in LensUsage:
        sel = pop.usage == u.value
        if not sel.any():
            continue
        for eye in range(2):
            codes[sel, eye] = classify_lens_grid(
                u, sphere_q=pop.sphere_q[sel, eye], cylinder_q=pop.cylinder_q[sel, eye],
                addition_q=pop.addition_q[sel],
            )
    lo, hi = codes.min(axis=1), codes.max(axis=1)
    letters = np.array([_CATEGORY_BY_CODES[(int(a), int(b))] for a, b in zip(lo, hi,
                                                                              strict=True)])
    return codes, letters


def _entropy(values: Sequence[Any]) -> float:
    counts = np.array(list(Counter(values).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def information_bits(pop: Population, codes: np.ndarray) -> dict[str, float]:
    """Bits about the correction per claim: today vs with zkclaims (plug-in entropies)."""
    rows = list(zip(pop.sphere_q[:, 0], pop.cylinder_q[:, 0], pop.axis[:, 0], pop.sphere_q[:, 1],
                    pop.cylinder_q[:, 1], pop.axis[:, 1], pop.addition_q, pop.usage,
                    strict=True))
    marginals = sum(_entropy(col) for col in (
        pop.sphere_q[:, 0], pop.cylinder_q[:, 0], pop.axis[:, 0], pop.sphere_q[:, 1],
        pop.cylinder_q[:, 1], pop.axis[:, 1], pop.addition_q, pop.usage))
    return {
        "today_joint_plugin_bits": _entropy(rows),
        "today_sum_of_marginals_bits": marginals,
        "sample_limit_bits": math.log2(pop.n),
        "zkclaims_class_pair_bits": _entropy(list(zip(codes[:, 0], codes[:, 1], strict=True))),
        "zkclaims_category_bits": _entropy(
            [_CATEGORY_BY_CODES[(min(a, b), max(a, b))] for a, b in codes.tolist()]),
    }


def study(n: int = 200_000, seed: int = 1) -> dict[str, Any]:
    """Draw, classify, and summarise: calibration, category shares, information disclosed."""
    pop = draw(n, seed)
    codes, letters = classify(pop)
    se = pop.se_q[:, 0]
    cyl = pop.cylinder_q[:, 0]
    calibration = [
        {"figure": "myopia, SE <= -0.75 D", "model": float((se <= -3).mean()),
         "source": E3_MYOPIA},
        {"figure": "high myopia, SE <= -6.00 D", "model": float((se <= -24).mean()),
         "source": E3_HIGH_MYOPIA},
        {"figure": "hyperopia, SE >= +1.00 D", "model": float((se >= 4).mean()),
         "source": E3_HYPEROPIA},
        {"figure": "astigmatism, cylinder >= 1.00 D", "model": float((cyl >= 4).mean()),
         "source": E3_ASTIGMATISM},
    ]
    counts = Counter(letters.tolist())
    categories = [{"category": c, "share": counts.get(c, 0) / n, "count": counts.get(c, 0),
                   "floor_cents": CATEGORIES[c].floor_cents,
                   "ceiling_cents": CATEGORIES[c].ceiling_cents} for c in "abcdef"]
    usage_counts = Counter(pop.usage.tolist())
    return {
        "n": n, "seed": seed, "source": SOURCE, "calibration": calibration,
        "categories": categories,
        "usage_shares": {u.value: usage_counts.get(u.value, 0) / n for u in LensUsage},
        "lens_class_shares": {name: float((codes == k).mean()) for k, name in
                              enumerate(("simple", "complex", "very_complex"))},
        "disclosed_today": list(DISCLOSED_TODAY),
        "disclosed_zkclaims": list(DISCLOSED_ZKCLAIMS),
        "information": information_bits(pop, codes),
    }


def markdown(res: dict[str, Any]) -> str:
    """The study as Markdown."""
    out = [f"# Synthetic population of {res['n']:,} spectacle claims (seed {res['seed']})", "",
           f"Calibrated to {res['source']}; other parameters are illustrative (see "
           "`benchmarks/population.py`).", "", "| figure | model | source (E3) |", "|---|---|---|"]
    out += [f"| {c['figure']} | {c['model']:.1%} | {c['source']:.1%} |"
            for c in res["calibration"]]
    out += ["", "## Equipment categories (spec §3)", "",
            "| category | share | count | floor € | ceiling € |", "|---|---|---|---|---|"]
    out += [f"| {c['category']} | {c['share']:.1%} | {c['count']:,} | "
            f"{c['floor_cents'] // 100} | {c['ceiling_cents'] // 100} |"
            for c in res["categories"]]
    ls = res["lens_class_shares"]
    us = res["usage_shares"]
    out += ["", f"Lenses: {ls['simple']:.1%} simple, {ls['complex']:.1%} complex, "
            f"{ls['very_complex']:.1%} very complex. Pairs: {us['far']:.1%} distance, "
            f"{us['near']:.1%} near, {us['progressive']:.1%} progressive. Category d (a "
            "simple lens beside a very complex one) needs a unifocal lens next to a "
            "multifocal one; in this model both lenses of a pair share one usage, so d is "
            "(nearly) empty.", "",
            "## What the insurer receives per claim", "",
            "| today (prescription and detailed codes) | with zkclaims |", "|---|---|"]
    for a, b in zip(res["disclosed_today"], res["disclosed_zkclaims"], strict=True):
        out.append(f"| {a} | {b} |")
    info = res["information"]
    out += ["", "Information about the correction per claim (plug-in entropy over this "
            "population):", "",
            f"- today: {info['today_joint_plugin_bits']:.1f} bits (joint; the sample caps it at "
            f"{info['sample_limit_bits']:.1f}), up to {info['today_sum_of_marginals_bits']:.1f}"
            " bits (sum over the 8 fields);",
            f"- with zkclaims: {info['zkclaims_class_pair_bits']:.2f} bits (the pair of lens "
            f"classes; the category alone: {info['zkclaims_category_bits']:.2f} bits), which "
            "the insurer needs to apply the floor and ceiling.", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.population",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="people to draw (default 200000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    res = study(args.n, args.seed)
    print(markdown(res))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
