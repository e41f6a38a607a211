"""Verify a phase-1 transcript (``.ptau``): every contribution, the accumulator, phase-2 data.

What is checked (names as in :data:`zkclaims.ceremony.errors.CHECKS`):

* every point canonical, on the curve and in the order-r subgroup (done when reading);
* for every contribution ``i`` against the one before (the blank accumulator for the first):
  the proofs of knowledge of tau, alpha and beta, bound to the previous next-challenge hash
  (``pok_*``); that tau G1, tau G2, alpha G1, beta G1 and beta G2 moved by the proven secrets
  (``tau_g1`` ... ``beta_g2``); a beacon's keys re-derived from its public value
  (``beacon``); no random point shared by two contributions (``reused_randomness``);
* for the last contribution: the accumulator starts with its points (``accumulator``), each
  section holds consecutive powers of one tau (``powers``), its response hash covers the
  previous challenge and exactly these points (``response_hash``) and its next challenge is
  their hash (``next_challenge``);
* when prepared for phase 2: sections 12–15 are the powers of tau in the Lagrange basis of
  every domain (``lagrange``), on the whole space (snarkjs leaves one direction of the top
  level of section 12 unchecked).

The pairing equations of all contributions go into one multi-pairing with random weights, the
structure of the accumulator into random linear combinations and a second one
(:mod:`zkclaims.ceremony.batch`); only when a batch fails are its equations checked one by
one, to name the first bad contribution.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from zkclaims.ceremony.batch import (
    PairingBatch,
    first_bad,
    msm_g1,
    msm_g2,
    random_coefficients,
)
from zkclaims.ceremony.errors import ContributionError
from zkclaims.ceremony.keys import PTAU_KEY_NAMES, create_ptau_key, ptau_g2_sp
from zkclaims.ceremony.points import G1, G2
from zkclaims.ceremony.ptau import Lagrange, Ptau, PtauContribution, first_challenge
from zkclaims.ceremony.rng import beacon_rng
from zkclaims.field import R, domain

__all__ = ["ContributionInfo", "Phase1Report", "verify_ptau", "MAX_VERIFY_BEACON_EXP"]

#: Largest beacon exponent verified (2^28 SHA-256 iterations: minutes). Above it, an
#: adversarial file could make verification run for years: it is refused instead.
MAX_VERIFY_BEACON_EXP = 28


@dataclass(frozen=True)
class ContributionInfo:
    """What a verified transcript says about one contribution (for the report)."""

    index: int
    name: str | None
    contribution_hash: str
    beacon: bool
    beacon_hash: str | None = None
    num_iterations_exp: int | None = None


@dataclass(frozen=True)
class Phase1Report:
    """A verified phase-1 transcript: its size, contributions and final challenge."""

    power: int
    contributions: tuple[ContributionInfo, ...]
    next_challenge: str
    prepared: bool


@dataclass(frozen=True)
class _Prev:
    tau_g1: Any
    tau_g2: Any
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    next_challenge: bytes


def _initial(power: int) -> _Prev:
    g1, g2 = G1.generator(), G2.generator()
    return _Prev(g1, g2, g1, g1, g2, first_challenge(power))


def _fail(c: PtauContribution | None, index: int | None, check: str, msg: str) -> ContributionError:
    return ContributionError(index, c.name if c else None, check, msg, phase=1)


def _check_beacon(c: PtauContribution, index: int, prev: _Prev, max_exp: int) -> None:
    assert c.num_iterations_exp is not None and c.beacon_hash is not None
    if c.num_iterations_exp > max_exp:
        raise _fail(c, index, "beacon", f"2^{c.num_iterations_exp} iterations exceed this "
                    f"verifier's limit 2^{max_exp}")
    key, _ = create_ptau_key(prev.next_challenge, beacon_rng(c.beacon_hash,
                                                                 c.num_iterations_exp))
    for name, want, got in zip(PTAU_KEY_NAMES, key.parts(), c.key.parts(), strict=True):
        for attr in ("g1_s", "g1_sx", "g2_spx"):
            if getattr(want, attr) != getattr(got, attr):
                raise _fail(c, index, "beacon", f"key {name}.{attr} is not the one the beacon "
                            f"value {c.beacon_hash.hex()} derives")


def _add_contribution(batch: PairingBatch, c: PtauContribution, index: int, prev: _Prev) -> None:
    sp = [ptau_g2_sp(pers, prev.next_challenge, part.g1_s, part.g1_sx)
          for pers, part in enumerate(c.key.parts())]
    tau, alpha, beta = c.key.parts()
    for name, part, g2_sp in zip(PTAU_KEY_NAMES, c.key.parts(), sp, strict=True):
        batch.same_ratio(part.g1_s, part.g1_sx, g2_sp, part.g2_spx,
                         (index, f"pok_{name}", f"the proof of knowledge of {name} does not "
                          "verify against the previous challenge"))
    batch.same_ratio(prev.tau_g1, c.tau_g1, sp[0], tau.g2_spx,
                     (index, "tau_g1", "tau G1 does not follow the previous contribution"))
    batch.same_ratio(tau.g1_s, tau.g1_sx, prev.tau_g2, c.tau_g2,
                     (index, "tau_g2", "tau G2 does not follow the previous contribution"))
    batch.same_ratio(prev.alpha_g1, c.alpha_g1, sp[1], alpha.g2_spx,
                     (index, "alpha_g1", "alpha G1 does not follow the previous contribution"))
    batch.same_ratio(prev.beta_g1, c.beta_g1, sp[2], beta.g2_spx,
                     (index, "beta_g1", "beta G1 does not follow the previous contribution"))
    batch.same_ratio(beta.g1_s, beta.g1_sx, prev.beta_g2, c.beta_g2,
                     (index, "beta_g2", "beta G2 does not follow the previous contribution"))


def _powers_sums(points: list[Any], msm: Any) -> tuple[Any, Any]:
    """``(sum r_i P_i, sum r_i P_(i+1))`` over ``i < n - 1`` with random ``r``."""
    n = len(points)
    if n < 2:
        return None, None
    r = random_coefficients(n - 1)
    return msm(points[:-1], r), msm(points[1:], r)


def _add_powers(batch: PairingBatch, ptau: Ptau, n: int) -> None:
    """Tau G2 (``ptau.tau_g2[1]``) relates consecutive points of every section."""
    tau_g2, tau_g1 = ptau.tau_g2[1], ptau.tau_g1[1]
    g1, g2 = G1.generator(), G2.generator()
    # Sections 2, 4, 5 (G1): sum r_i P_i paired with tau G2 equals sum r_i P_(i+1) with G2;
    # one equation for the three, with independent weights.
    pts_lo, pts_hi, r_all = [], [], []
    for pts in (ptau.tau_g1, ptau.alpha_tau_g1, ptau.beta_tau_g1):
        r = random_coefficients(len(pts) - 1)
        pts_lo += pts[:-1]
        pts_hi += pts[1:]
        r_all += r
    r1, r2 = msm_g1(pts_lo, r_all), msm_g1(pts_hi, r_all)
    batch.same_ratio(r1, r2, g2, tau_g2, (n, "powers", "the G1 sections (tau, alpha tau, "
                                          "beta tau) are not powers of the last tau"))
    q1, q2 = _powers_sums(ptau.tau_g2, msm_g2)
    if q1 is not None:
        batch.same_ratio(g1, tau_g1, q1, q2,
                         (n, "powers", "the tau G2 section is not powers of the last tau"))


def _check_accumulator(ptau: Ptau, last: PtauContribution, n: int, prev: _Prev) -> None:
    g1, g2 = G1.generator(), G2.generator()
    expect = (
        ("tauG1[0]", ptau.tau_g1[0], g1), ("tauG1[1]", ptau.tau_g1[1], last.tau_g1),
        ("tauG2[0]", ptau.tau_g2[0], g2), ("tauG2[1]", ptau.tau_g2[1], last.tau_g2),
        ("alphaTauG1[0]", ptau.alpha_tau_g1[0], last.alpha_g1),
        ("betaTauG1[0]", ptau.beta_tau_g1[0], last.beta_g1),
        ("betaG2", ptau.beta_g2, last.beta_g2),
    )
    for name, got, want in expect:
        if got != want:
            raise _fail(last, n, "accumulator", f"{name} is not the last contribution's point")


def _check_hashes(ptau: Ptau, last: PtauContribution, n: int, prev: _Prev) -> None:
    pub = last.key.to_u()
    recomputed = hashlib.blake2b(prev.next_challenge + ptau.sections_c() + pub).digest()
    response = last.response_hash()
    if recomputed != response:
        raise _fail(last, n, "response_hash", "the saved response hash is not the hash of the "
                    "previous challenge, these points and the public key")
    if hashlib.blake2b(response + ptau.sections_u()).digest() != last.next_challenge:
        raise _fail(last, n, "next_challenge", "the next challenge is not the hash of the "
                    "response hash and the points of this file")


def _check_lagrange(ptau: Ptau) -> None:
    """Check sections 12–15 against 2–5.

    Random ``s`` on the Lagrange side, ``IFFT(s)`` on the monomial side, every level of every
    section in one G1 and one G2 equality.
    """
    lag = ptau.lagrange
    assert lag is not None
    k = ptau.power
    g1_pts: list[Any] = []
    g1_sc: list[int] = []
    g2_pts: list[Any] = []
    g2_sc: list[int] = []
    plan = ((lag.tau_g1, ptau.tau_g1, k + 1, g1_pts, g1_sc),
            (lag.tau_g2, ptau.tau_g2, k, g2_pts, g2_sc),
            (lag.alpha_tau_g1, ptau.alpha_tau_g1, k, g1_pts, g1_sc),
            (lag.beta_tau_g1, ptau.beta_tau_g1, k, g1_pts, g1_sc))
    for lag_pts, mono, top, pts, sc in plan:
        mono_coef = [0] * len(mono)
        for p in range(top + 1):
            level = Lagrange.level(lag_pts, p)
            s = random_coefficients(len(level))
            c = domain(1 << p).intt(s)
            pts.extend(level)
            sc.extend(s)
            for i in range(min(len(c), len(mono))):  # the top level of 12 lacks tau^(2n-1)
                mono_coef[i] += c[i]
        pts.extend(mono)
        sc.extend((-x) % R for x in mono_coef)
    if msm_g1(g1_pts, g1_sc) != G1.identity():
        raise ContributionError(None, None, "lagrange", "a G1 section (12, 14 or 15) is not its "
                                "powers of tau in the Lagrange basis", phase=1)
    if msm_g2(g2_pts, g2_sc) != G2.identity():
        raise ContributionError(None, None, "lagrange", "section 13 (tau G2) is not the powers "
                                "of tau in the Lagrange basis", phase=1)


def verify_ptau(ptau: Ptau, *, max_beacon_exp: int = MAX_VERIFY_BEACON_EXP) -> Phase1Report:
    """Verify a parsed ``.ptau`` (:func:`~zkclaims.ceremony.ptau.read_ptau` checked its points).

    Returns a :class:`Phase1Report`; raises :class:`ContributionError` naming the first bad
    contribution and the check that failed.
    """
    contribs = ptau.contributions
    if not contribs:
        raise ContributionError(None, None, "no_contributions", "the accumulator is blank: "
                                "nobody contributed, its secrets are known", phase=1)
    seen: dict[bytes, int] = {}
    prev = _initial(ptau.power)
    batch = PairingBatch()
    prevs = []
    pending: ContributionError | None = None  # the first failure of a direct (non-batch) check
    for i, c in enumerate(contribs, start=1):
        try:
            for part in c.key.parts():
                key = bytes(part.g1_s.to_compressed_bytes())
                if key in seen:
                    raise _fail(c, i, "reused_randomness", f"its random point g1_s is also used "
                                f"by contribution #{seen[key]} (a reused seed)")
                seen[key] = i
            if c.is_beacon:
                _check_beacon(c, i, prev, max_beacon_exp)
        except ContributionError as exc:
            pending = pending or exc
        _add_contribution(batch, c, i, prev)
        prevs.append(prev)
        prev = _Prev(c.tau_g1, c.tau_g2, c.alpha_g1, c.beta_g1, c.beta_g2, c.next_challenge)
    first_bad(batch, pending, lambda i: contribs[i - 1].name, phase=1)
    n = len(contribs)
    last = contribs[-1]
    _check_accumulator(ptau, last, n, prevs[-1])
    powers = PairingBatch()
    _add_powers(powers, ptau, n)
    first_bad(powers, None, lambda i: last.name, phase=1)
    _check_hashes(ptau, last, n, prevs[-1])
    if ptau.lagrange is not None:
        _check_lagrange(ptau)
    infos = tuple(
        ContributionInfo(i, c.name, c.response_hash().hex(), c.is_beacon,
                         c.beacon_hash.hex() if c.beacon_hash else None, c.num_iterations_exp)
        for i, c in enumerate(contribs, start=1)
    )
    return Phase1Report(ptau.power, infos, last.next_challenge.hex(), ptau.lagrange is not None)
