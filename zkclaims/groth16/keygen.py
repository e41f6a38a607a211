"""Groth16 key generation from phase-1 (powers of tau) and phase-2 (delta) parameters.

The keys are always built the way a multi-party ceremony builds them:

1. **Phase 1** (:class:`Phase1Params`, universal for every circuit whose QAP domain has size
   ``n``): in the Lagrange basis of the domain, ``L_i(tau) G1``, ``L_i(tau) G2``,
   ``alpha L_i(tau) G1``, ``beta L_i(tau) G1``; the odd Lagrange points of the doubled domain
   ``L^(2n)_(2j+1)(tau) G1`` (for the ``H`` query, as snarkjs); plus ``alpha G1``,
   ``beta G1``, ``beta G2``. (:mod:`zkclaims.ceremony` makes them in a multi-party ceremony,
   in snarkjs's ``.ptau`` / ``.zkey`` files.)
2. **Circuit keys** (:func:`build_keys`): combine the phase-1 points with the QAP's
   coefficients; ``gamma = 1`` (the G2 generator, as in snarkjs), so the public-input IC points
   need no secret; the private ``L`` and the ``H`` query are divided by the phase-2 ``delta``.
3. **Phase 2** (:func:`contribute_delta`): a contributor multiplies ``delta`` by a secret
   ``d``: ``delta_g1, delta_g2`` times ``d``, ``L`` and ``H`` queries times ``1/d``.

:func:`setup` makes the same keys for one party with fresh :mod:`secrets` randomness that is
discarded (dropped) after use, computing them directly from the secrets
(:func:`keys_from_secrets`, byte-identical to the phase-1 route, much faster); its keys say
``setup = "one-party-setup"``. The deterministic,
insecure variant for tests is :func:`zkclaims.hazmat.dev_setup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R, domain
from zkclaims.groth16.keys import (
    SETUP_CEREMONY,
    SETUP_ONE_PARTY,
    ProvingKey,
    VerifyingKey,
    get_backend_checked,
)
from zkclaims.groth16.proving import ProverPoints, _as_qap, _random_scalar, prover_points
from zkclaims.groth16.qap import QAP
from zkclaims.groups.base import GroupBackend


@dataclass(frozen=True)
class Phase1Params:
    """Powers-of-tau parameters for a domain of size ``domain_size`` (points on ``backend``).

    ``lagrange_g1[i] = L_i(tau) G1``, ``lagrange_g2[i] = L_i(tau) G2``,
    ``alpha_lagrange_g1[i] = alpha L_i(tau) G1``, ``beta_lagrange_g1[i] = beta L_i(tau) G1``,
    ``h_lagrange_g1[j] = L^(2n)_(2j+1)(tau) G1`` (``i, j < domain_size = n``). A ceremony
    supplies these (checked points); :func:`phase1_from_secrets` makes them from known secrets.
    """

    backend: GroupBackend
    domain_size: int
    h_lagrange_g1: Sequence[Any]
    lagrange_g1: Sequence[Any]
    lagrange_g2: Sequence[Any]
    alpha_lagrange_g1: Sequence[Any]
    beta_lagrange_g1: Sequence[Any]
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any

    def __post_init__(self) -> None:
        n = self.domain_size
        if n < 1 or n & (n - 1):
            raise MalformedInputError(f"phase1.domain_size: must be a power of two, got {n}")
        for name, want in (("h_lagrange_g1", n), ("lagrange_g1", n), ("lagrange_g2", n),
                           ("alpha_lagrange_g1", n), ("beta_lagrange_g1", n)):
            got = len(getattr(self, name))
            if got != want:
                raise MalformedInputError(f"phase1.{name}: expected {want} points, got {got}")


def odd_lagrange_at(n: int, tau: int) -> list[int]:
    """``[L^(2n)_(2j+1)(tau) for j < n]``: the H query's scalars (times ``1/delta``)."""
    return domain(2 * n).lagrange_at(tau)[1::2]


def _g1_fixed_base(be: GroupBackend, scalars: Sequence[int]) -> list[Any]:
    return be.g1_batch_mul(be.g1_generator(), scalars)


def _g2_fixed_base(be: GroupBackend, scalars: Sequence[int]) -> list[Any]:
    return be.g2_batch_mul(be.g2_generator(), scalars)


def phase1_from_secrets(
    domain_size: int, tau: int, alpha: int, beta: int, backend: GroupBackend | str | None = None
) -> Phase1Params:
    """Make phase-1 points from known secrets (only for :func:`setup` and the hazmat dev setup).

    Whoever knows ``tau, alpha, beta`` can forge proofs: :func:`setup` drops them after use.
    """
    be = get_backend_checked(backend)
    d = domain(domain_size)
    if d.size != domain_size:
        raise MalformedInputError(f"domain_size: must be a power of two, got {domain_size}")
    if d.vanishing_at(tau) == 0 or alpha % R == 0 or beta % R == 0:
        raise MalformedInputError("phase1 secrets: tau in the domain, or alpha/beta zero")
    lag = d.lagrange_at(tau)
    return Phase1Params(
        backend=be,
        domain_size=domain_size,
        h_lagrange_g1=_g1_fixed_base(be, odd_lagrange_at(domain_size, tau)),
        lagrange_g1=_g1_fixed_base(be, lag),
        lagrange_g2=_g2_fixed_base(be, lag),
        alpha_lagrange_g1=_g1_fixed_base(be, [alpha * x % R for x in lag]),
        beta_lagrange_g1=_g1_fixed_base(be, [beta * x % R for x in lag]),
        alpha_g1=be.g1_mul(be.g1_generator(), alpha),
        beta_g1=be.g1_mul(be.g1_generator(), beta),
        beta_g2=be.g2_mul(be.g2_generator(), beta),
    )


def _columns(qap: QAP, rows: Sequence[Sequence[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    cols: list[list[tuple[int, int]]] = [[] for _ in range(qap.n_vars)]
    for i, row in enumerate(rows):
        for v, k in row:
            cols[v].append((i, k))
    return cols


def _lincomb(ops: tuple[Any, ...], terms: list[tuple[Any, int]]) -> Any:
    """Return ``sum(k * P)`` over ``terms``: additions for k = +-1, MSM only for long lists.

    The native MSM has a large fixed cost, and most QAP columns have one to three entries.
    """
    identity, add, neg, mul, msm = ops
    if len(terms) > 8:
        return msm([p for p, _ in terms], [k for _, k in terms])
    acc = identity
    for p, k in terms:
        k %= R
        if k == 1:
            acc = add(acc, p)
        elif k == R - 1:
            acc = add(acc, neg(p))
        elif k:
            acc = add(acc, mul(p, k))
    return acc


def build_keys(
    r1cs_or_qap: R1CS | QAP,
    phase1: Phase1Params,
    delta: int = 1,
    setup_kind: str = SETUP_CEREMONY,
) -> tuple[ProvingKey, VerifyingKey]:
    """Circuit-specific keys from phase-1 points, with phase-2 parameter ``delta``.

    A ceremony calls it with ``delta = 1`` and then applies :func:`contribute_delta` once per
    contributor. ``setup_kind`` is recorded in the keys (see the ``SETUP_*`` constants).
    """
    qap = _as_qap(r1cs_or_qap)
    be = phase1.backend
    n = qap.domain.size
    if phase1.domain_size != n:
        raise MalformedInputError(
            f"phase1.domain_size: {phase1.domain_size} does not match the circuit's domain {n}"
        )
    delta %= R
    if delta == 0:
        raise MalformedInputError("delta: must not be 0")
    delta_inv = pow(delta, -1, R)
    g1 = (be.g1_identity(), be.g1_add, be.g1_neg, be.g1_mul, be.g1_msm)
    g2 = (be.g2_identity(), be.g2_add, be.g2_neg, be.g2_mul, be.g2_msm)
    cols_a, cols_b, cols_c = (_columns(qap, rows) for rows in (qap.rows_a, qap.rows_b, qap.rows_c))
    a_g1, b_g1, b_g2, ic, l_g1 = [], [], [], [], []
    n_pub = qap.n_public
    for v in range(qap.n_vars):
        a_g1.append(_lincomb(g1, [(phase1.lagrange_g1[i], k) for i, k in cols_a[v]]))
        b_g1.append(_lincomb(g1, [(phase1.lagrange_g1[i], k) for i, k in cols_b[v]]))
        b_g2.append(_lincomb(g2, [(phase1.lagrange_g2[i], k) for i, k in cols_b[v]]))
        # (beta A_v + alpha B_v + C_v)(tau), divided by gamma = 1 (public) or delta (private)
        scale = 1 if v <= n_pub else delta_inv
        terms = ([(phase1.beta_lagrange_g1[i], k * scale % R) for i, k in cols_a[v]]
                 + [(phase1.alpha_lagrange_g1[i], k * scale % R) for i, k in cols_b[v]]
                 + [(phase1.lagrange_g1[i], k * scale % R) for i, k in cols_c[v]])
        (ic if v <= n_pub else l_g1).append(_lincomb(g1, terms))
    # H query: L^(2n)_(2j+1)(tau) / delta, j < n (snarkjs's)
    h_g1 = list(phase1.h_lagrange_g1)
    if delta_inv != 1:
        h_g1 = [be.g1_mul(p, delta_inv) for p in h_g1]
    delta_g1 = be.g1_mul(be.g1_generator(), delta)
    delta_g2 = be.g2_mul(be.g2_generator(), delta)
    return _assemble(be, qap, phase1.alpha_g1, phase1.beta_g1, phase1.beta_g2, be.g2_generator(),
                     delta_g1, delta_g2, ic, a_g1, b_g1, b_g2, h_g1, l_g1, setup_kind)


def _assemble(
    be: GroupBackend, qap: QAP, alpha_g1: Any, beta_g1: Any, beta_g2: Any, gamma_g2: Any,
    delta_g1: Any, delta_g2: Any, ic: list[Any], a_g1: list[Any], b_g1: list[Any],
    b_g2: list[Any], h_g1: list[Any], l_g1: list[Any], setup_kind: str,
) -> tuple[ProvingKey, VerifyingKey]:
    e1, e2 = be.g1_to_bytes, be.g2_to_bytes
    vk = VerifyingKey(e1(alpha_g1), e2(beta_g2), e2(gamma_g2), e2(delta_g2),
                      tuple(e1(p) for p in ic), circuit_id=qap.circuit_id, setup=setup_kind)
    pk = ProvingKey(
        vk, qap.n_vars, qap.domain.size, e1(beta_g1), e1(delta_g1),
        tuple(e1(p) for p in a_g1), tuple(e1(p) for p in b_g1), tuple(e2(p) for p in b_g2),
        tuple(e1(p) for p in h_g1), tuple(e1(p) for p in l_g1),
    )
    # The points were computed here on ``be``: cache them decoded (no need to re-check).
    from zkclaims.groups.encoding import G1_IDENTITY_BYTES, G2_IDENTITY_BYTES

    def nz(
        points: list[Any], encoded: tuple[bytes, ...], ident: bytes
    ) -> tuple[list[int], list[Any]]:
        idx = [i for i, raw in enumerate(encoded) if raw != ident]
        return idx, [points[i] for i in idx]

    pk._cache[be.name] = ProverPoints(
        backend=be, alpha_g1=alpha_g1, beta_g1=beta_g1, beta_g2=beta_g2, delta_g1=delta_g1,
        delta_g2=delta_g2,
        a_g1=nz(a_g1, pk.a_g1, G1_IDENTITY_BYTES), b_g1=nz(b_g1, pk.b_g1, G1_IDENTITY_BYTES),
        b_g2=nz(b_g2, pk.b_g2, G2_IDENTITY_BYTES), h_g1=nz(h_g1, pk.h_g1, G1_IDENTITY_BYTES),
        l_g1=nz(l_g1, pk.l_g1, G1_IDENTITY_BYTES),
    )
    return pk, vk


def contribute_delta(
    pk: ProvingKey, d: int, backend: GroupBackend | str | None = None,
    setup_kind: str = SETUP_CEREMONY,
) -> tuple[ProvingKey, VerifyingKey]:
    """Phase-2 contribution: multiply ``delta`` by the secret ``d`` (to be discarded after).

    ``delta_g1``, ``delta_g2`` are multiplied by ``d`` and the ``L`` and ``H`` queries by
    ``1/d``; everything else is unchanged.
    """
    be = get_backend_checked(backend)
    d %= R
    if d == 0:
        raise MalformedInputError("d: a phase-2 contribution must not be 0")
    d_inv = pow(d, -1, R)
    kp = prover_points(pk, be)
    qap_like = _Shape(pk)

    def scatter(query: tuple[list[int], list[Any]], n: int, scale: int | None) -> list[Any]:
        out = [be.g1_identity()] * n
        for i, p in zip(*query, strict=True):
            out[i] = p if scale is None else be.g1_mul(p, scale)
        return out

    b_g2 = [be.g2_identity()] * pk.n_vars
    for i, p in zip(*kp.b_g2, strict=True):
        b_g2[i] = p
    ic = [be.g1_from_bytes(p, f"pk.ic[{i}]") for i, p in enumerate(pk.vk.ic)]
    gamma_g2 = be.g2_from_bytes(pk.vk.gamma_g2, "pk.gamma_g2")
    return _assemble(
        be, qap_like, kp.alpha_g1, kp.beta_g1, kp.beta_g2, gamma_g2,
        be.g1_mul(kp.delta_g1, d), be.g2_mul(kp.delta_g2, d), ic,
        scatter(kp.a_g1, pk.n_vars, None), scatter(kp.b_g1, pk.n_vars, None), b_g2,
        scatter(kp.h_g1, pk.domain_size, d_inv),
        scatter(kp.l_g1, pk.n_vars - 1 - pk.n_public, d_inv), setup_kind,
    )


class _Shape:
    """The few QAP attributes :func:`_assemble` reads, taken from an existing key."""

    def __init__(self, pk: ProvingKey) -> None:
        self.circuit_id = pk.circuit_id
        self.n_vars = pk.n_vars

        class _D:
            size = pk.domain_size

        self.domain = _D()


def keys_from_secrets(
    r1cs_or_qap: R1CS | QAP,
    tau: int,
    alpha: int,
    beta: int,
    delta: int,
    backend: GroupBackend | str | None = None,
    setup_kind: str = SETUP_ONE_PARTY,
) -> tuple[ProvingKey, VerifyingKey]:
    """Compute keys directly from known secrets (for :func:`setup` and the dev setup only).

    They are the keys :func:`build_keys` makes from ``phase1_from_secrets(n, tau, alpha,
    beta)`` and ``delta`` (a test checks it byte for byte), but much faster: every key scalar
    is computed in the field, then all G1 points in one fixed-base batch multiplication and
    all G2 points in another.

    :func:`setup` calls it with fresh secrets and drops them; the hazmat dev setup with
    secrets derived from a seed.
    """
    qap = _as_qap(r1cs_or_qap)
    be = get_backend_checked(backend)
    d = qap.domain
    tau, alpha, beta, delta = tau % R, alpha % R, beta % R, delta % R
    if d.vanishing_at(tau) == 0 or 0 in (alpha, beta, delta):
        raise MalformedInputError("secrets: tau in the domain, or alpha/beta/delta zero")
    a, b, c = qap.polynomials_at(d.lagrange_at(tau))
    delta_inv = pow(delta, -1, R)
    n_pub, n_vars, n = qap.n_public, qap.n_vars, d.size
    lc = [(beta * a[v] + alpha * b[v] + c[v]) % R for v in range(n_vars)]
    ic = lc[: n_pub + 1]
    l_sc = [x * delta_inv % R for x in lc[n_pub + 1 :]]
    h_sc = [x * delta_inv % R for x in odd_lagrange_at(n, tau)]
    g1_scalars = [alpha, beta, delta, *ic, *a, *b, *h_sc, *l_sc]
    g1 = be.g1_batch_mul(be.g1_generator(), g1_scalars)
    g2 = be.g2_batch_mul(be.g2_generator(), [beta, delta, *b])
    alpha_g1, beta_g1, delta_g1 = g1[:3]
    pos = 3
    parts = []
    for size in (n_pub + 1, n_vars, n_vars, n, n_vars - n_pub - 1):
        parts.append(g1[pos : pos + size])
        pos += size
    ic_g1, a_g1, b_g1, h_g1, l_g1 = parts
    return _assemble(be, qap, alpha_g1, beta_g1, g2[0], be.g2_generator(), delta_g1, g2[1],
                     ic_g1, a_g1, b_g1, g2[2:], h_g1, l_g1, setup_kind)


def setup(
    r1cs: R1CS | QAP, backend: GroupBackend | str | None = None
) -> tuple[ProvingKey, VerifyingKey]:
    """One-party Groth16 setup with fresh randomness from :mod:`secrets`.

    ``tau``, ``alpha``, ``beta``, ``delta`` are drawn, used, and dropped before returning (they
    live only in this call's local variables; Python cannot guarantee they are wiped from
    memory — run it on a machine you trust, or use a multi-party ceremony). The keys record
    ``setup = "one-party-setup"``.
    """
    qap = _as_qap(r1cs)
    tau = _random_scalar()
    while qap.domain.vanishing_at(tau) == 0:
        tau = _random_scalar()
    alpha, beta, delta = _random_scalar(), _random_scalar(), _random_scalar()
    keys = keys_from_secrets(qap, tau, alpha, beta, delta, backend, SETUP_ONE_PARTY)
    del tau, alpha, beta, delta
    return keys
