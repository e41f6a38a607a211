"""Verify a phase-2 transcript (``.zkey``) against its R1CS and a prepared phase-1 file.

What is checked (names as in :data:`zkclaims.ceremony.errors.CHECKS`):

* every point canonical, on the curve and in the order-r subgroup (done when reading);
* for every contribution: its transcript hash chains from the circuit hash and the earlier
  contributions (``transcript``); its proof of knowledge of delta, against the G2 point
  hashed from that transcript (``pok_delta``); that delta moved from the previous value by the
  proven secret (``delta``); a beacon's key re-derived from its public value (``beacon``);
  no random point shared by two contributions (``reused_randomness``);
* the final key: shape and circuit hash are those of the R1CS and phase 1 (``circuit``, the
  circuit hash recomputed from the initial key); alpha, beta, gamma are phase 1's and delta
  the last contribution's in G1 and G2 (``keys``); the coefficient, A, B1, B2 and IC sections
  are what the R1CS and phase 1 imply (``queries``); L and H are phase 1's divided by delta
  (``l_query``, ``h_query``). H is checked against the odd Lagrange points of the doubled
  domain on the whole space (snarkjs compares it with the monomials on a subspace only).

Equalities of many points are checked by one random linear combination per group; pairing
equations go into one multi-pairing (:mod:`zkclaims.ceremony.batch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkclaims.ceremony.batch import (
    PairingBatch,
    first_bad,
    msm_g1,
    msm_g2,
    random_coefficients,
)
from zkclaims.ceremony.circuit import CircuitShape, compose, fold
from zkclaims.ceremony.errors import ContributionError
from zkclaims.ceremony.keys import scalar
from zkclaims.ceremony.points import G1, G2, to_u
from zkclaims.ceremony.ptau import Ptau
from zkclaims.ceremony.records import Progress, no_progress
from zkclaims.ceremony.rng import beacon_rng, fr_from_rng, g1_from_rng, hash_to_g2
from zkclaims.ceremony.verify_ptau import MAX_VERIFY_BEACON_EXP, ContributionInfo
from zkclaims.ceremony.zkey import (
    Zkey,
    ZkeyContribution,
    circuit_hash,
    initial_l_columns,
    phase1_points,
)
from zkclaims.field import R

__all__ = ["Phase2Report", "verify_zkey"]


@dataclass(frozen=True)
class Phase2Report:
    """A verified phase-2 transcript."""

    circuit_id: str
    circuit_hash: str
    n_constraints: int
    domain_size: int
    contributions: tuple[ContributionInfo, ...]


def _fail(index: int | None, c: ZkeyContribution | None, check: str, msg: str
          ) -> ContributionError:
    return ContributionError(index, c.name if c else None, check, msg, phase=2)


def _check_contributions(z: Zkey, batch: PairingBatch, max_exp: int
                         ) -> ContributionError | None:
    """Add each contribution's pairing equations to ``batch``.

    Return the first failure of a direct check (reused randomness, transcript, beacon), if any.
    """
    import hashlib

    acc = hashlib.blake2b(z.cs_hash)
    cur_delta = G1.generator()
    seen: dict[bytes, int] = {}
    pending: ContributionError | None = None
    for i, c in enumerate(z.contributions, start=1):
        try:
            _direct_checks(c, i, acc, seen, max_exp)
        except ContributionError as exc:
            pending = pending or exc
        g2_sp = hash_to_g2(c.transcript)
        batch.same_ratio(c.key.g1_s, c.key.g1_sx, g2_sp, c.key.g2_spx,
                         (i, "pok_delta", "the proof of knowledge of delta does not verify"))
        batch.same_ratio(cur_delta, c.delta_after, g2_sp, c.key.g2_spx,
                         (i, "delta", "delta does not follow the previous contribution by the "
                          "proven secret"))
        acc.update(c.pubkey_u())
        cur_delta = c.delta_after
    return pending


def _direct_checks(c: ZkeyContribution, i: int, acc: Any, seen: dict[bytes, int],
                   max_exp: int) -> None:
    key = bytes(c.key.g1_s.to_compressed_bytes())
    if key in seen:
        raise _fail(i, c, "reused_randomness", f"its random point g1_s is also used by "
                    f"contribution #{seen[key]} (a reused seed)")
    seen[key] = i
    h = acc.copy()
    h.update(to_u(G1, [c.key.g1_s, c.key.g1_sx]))
    if h.digest() != c.transcript:
        raise _fail(i, c, "transcript", "its transcript hash is not the hash of the circuit "
                    "hash, the earlier contributions and its key")
    if c.is_beacon:
        assert c.beacon_hash is not None and c.num_iterations_exp is not None
        if c.num_iterations_exp > max_exp:
            raise _fail(i, c, "beacon", f"2^{c.num_iterations_exp} iterations exceed this "
                        f"verifier's limit 2^{max_exp}")
        rng = beacon_rng(c.beacon_hash, c.num_iterations_exp)
        d = fr_from_rng(rng)
        g1_s = g1_from_rng(rng)
        if g1_s != c.key.g1_s or g1_s * scalar(d) != c.key.g1_sx:
            raise _fail(i, c, "beacon", "its key is not the one the beacon value "
                        f"{c.beacon_hash.hex()} derives")


def _check_keys(z: Zkey, ptau: Ptau, last: ZkeyContribution) -> ContributionError | None:
    expect = (("alpha G1", z.alpha_g1, ptau.alpha_tau_g1[0]),
              ("beta G1", z.beta_g1, ptau.beta_tau_g1[0]), ("beta G2", z.beta_g2, ptau.beta_g2),
              ("gamma G2", z.gamma_g2, G2.generator()), ("delta G1", z.delta_g1, last.delta_after))
    for name, got, want in expect:
        if got != want:
            return _fail(None, None, "keys", f"{name} is not "
                         f"{'the last contribution' if name == 'delta G1' else 'phase 1'}'s")
    return None


def _check_queries(z: Zkey, shape: CircuitShape, pts: dict[str, Any]) -> None:
    """Check A, B1, B2 and IC against the R1CS and the Lagrange points."""
    n, cols, n_pub = shape.domain_size, shape.columns, shape.n_public
    w_a = random_coefficients(shape.n_vars)
    w_b = random_coefficients(shape.n_vars)
    w_ic = random_coefficients(n_pub + 1)
    ic_cols = [col for col in initial_l_columns(shape, pts, 0, n_pub + 1)]
    f_l = [(x + y) % R for x, y in zip(fold(cols["a"], w_a, n), fold(cols["b"], w_b, n),
                                       strict=True)]
    f_ic: dict[int, list[int]] = {id(pts[k]): [0] * n for k in ("bl", "al", "l")}
    for w, col in zip(w_ic, ic_cols, strict=True):
        for bases, i, k in col:
            f_ic[id(bases)][i] += w * k
    lhs_pts = [*z.a_g1, *z.b_g1, *z.ic, *pts["l"], *pts["bl"], *pts["al"]]
    lhs_sc = [*w_a, *w_b, *w_ic, *[(-(x + y)) % R for x, y in zip(f_l, f_ic[id(pts["l"])],
                                                                  strict=True)],
              *[(-x) % R for x in f_ic[id(pts["bl"])]], *[(-x) % R for x in f_ic[id(pts["al"])]]]
    if msm_g1(lhs_pts, lhs_sc) != G1.identity():
        raise _fail(None, None, "queries", "the A, B1 or IC section is not what the R1CS and "
                    "phase 1 imply")
    w2 = random_coefficients(shape.n_vars)
    f2 = fold(cols["b"], w2, n)
    if msm_g2([*z.b_g2, *pts["l2"]], [*w2, *[(-x) % R for x in f2]]) != G2.identity():
        raise _fail(None, None, "queries", "the B2 section is not what the R1CS and phase 1 "
                    "imply")


def _add_l_h(z: Zkey, shape: CircuitShape, pts: dict[str, Any], batch: PairingBatch) -> None:
    """L and H times delta equal phase 1's points: two pairing equations."""
    n_pub, n = shape.n_public, shape.domain_size
    g2 = G2.generator()
    l_cols = initial_l_columns(shape, pts, n_pub + 1, shape.n_vars)
    if l_cols:
        w = random_coefficients(len(l_cols))
        acc: dict[int, list[int]] = {id(pts[k]): [0] * n for k in ("bl", "al", "l")}
        for wv, col in zip(w, l_cols, strict=True):
            for bases, i, k in col:
                acc[id(bases)][i] += wv * k
        rhs_pts = [*pts["bl"], *pts["al"], *pts["l"]]
        rhs_sc = [x % R for k in ("bl", "al", "l") for x in acc[id(pts[k])]]
        batch.same_ratio(msm_g1(rhs_pts, rhs_sc), msm_g1(z.l_g1, w), z.delta_g2, g2,
                         (None, "l_query", "the L query is not phase 1's divided by delta"))
    s = random_coefficients(n)
    batch.same_ratio(msm_g1(pts["h"], s), msm_g1(z.h_g1, s), z.delta_g2, g2,
                     (None, "h_query", "the H query is not phase 1's divided by delta"))


def verify_zkey(z: Zkey, shape: CircuitShape, ptau: Ptau, *,
                max_beacon_exp: int = MAX_VERIFY_BEACON_EXP,
                progress: Progress = no_progress) -> Phase2Report:
    """Verify a parsed ``.zkey`` against the circuit and a prepared phase-1 file.

    The phase-1 file itself is not verified here (:func:`verify_ptau` does it). Returns a
    :class:`Phase2Report`; raises :class:`ContributionError` naming the first failure.
    """
    if (z.n_vars, z.n_public, z.domain_size) != (shape.n_vars, shape.n_public,
                                                 shape.domain_size):
        raise _fail(None, None, "circuit", f"the key is for {z.n_vars} variables, "
                    f"{z.n_public} public, domain {z.domain_size}; the R1CS has "
                    f"{shape.n_vars}, {shape.n_public}, {shape.domain_size}")
    if not z.contributions:
        raise _fail(None, None, "no_contributions", "no delta contribution: delta = 1, anyone "
                    "can forge proofs with this key")
    progress("verify phase 2", 0, 4)
    batch = PairingBatch()
    pending = _check_contributions(z, batch, max_beacon_exp)
    last = z.contributions[-1]
    batch.same_ratio(G1.generator(), z.delta_g1, G2.generator(), z.delta_g2,
                     (None, "keys", "delta G2 is not delta G1's"))
    pts = phase1_points(ptau, shape.power)
    _add_l_h(z, shape, pts, batch)
    progress("verify phase 2", 1, 4)
    if pending is None:
        pending = _check_keys(z, ptau, last)
    if pending is None and z.coefficients != shape.coefficients():
        pending = _fail(None, None, "queries", "the coefficient section is not the R1CS's")
    first_bad(batch, pending, lambda i: z.contributions[i - 1].name, phase=2)
    _check_queries(z, shape, pts)
    progress("verify phase 2", 2, 4)
    l_init = compose(initial_l_columns(shape, pts, shape.n_public + 1, shape.n_vars))
    progress("verify phase 2", 3, 4)
    if circuit_hash(ptau, shape.domain_size, z.ic, l_init, z.a_g1, z.b_g1, z.b_g2) != z.cs_hash:
        raise _fail(None, None, "circuit", "the circuit hash is not the hash of the initial key "
                    "this R1CS and phase 1 give")
    progress("verify phase 2", 4, 4)
    infos = tuple(
        ContributionInfo(i, c.name, c.contribution_hash().hex(), c.is_beacon,
                         c.beacon_hash.hex() if c.beacon_hash else None, c.num_iterations_exp)
        for i, c in enumerate(z.contributions, start=1)
    )
    return Phase2Report(shape.circuit_id, z.cs_hash.hex(), shape.n_constraints,
                        shape.domain_size, infos)
