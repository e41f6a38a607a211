"""The Groth16 prover and proof re-randomisation.

``prove`` draws fresh ``r, s`` from :mod:`secrets` and exploits the witness's sparsity: zero
values are skipped, values equal to one are added rather than multiplied, and variables absent
from a query (identity points, e.g. variables not in any ``B`` polynomial) are never touched.
The five multi-scalar multiplications of a proof run on worker threads
(:mod:`zkclaims.groth16.workers`) while the calling thread computes the quotient polynomial;
:func:`start_proof` returns as soon as they are started, so that a caller may do other work
while they run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16.keys import (
    Proof,
    ProvingKey,
    VerifyingKey,
    decode_g1s,
    decode_g2s,
    get_backend_checked,
    prepare_verifying_key,
)
from zkclaims.groth16.qap import QAP
from zkclaims.groth16.workers import executor_for
from zkclaims.groups.base import GroupBackend


@dataclass(frozen=True)
class ProverPoints:
    """A proving key decoded on one backend; queries hold only their non-identity points."""

    backend: GroupBackend
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    delta_g1: Any
    delta_g2: Any
    a_g1: tuple[list[int], list[Any]]
    b_g1: tuple[list[int], list[Any]]
    b_g2: tuple[list[int], list[Any]]
    h_g1: tuple[list[int], list[Any]]
    l_g1: tuple[list[int], list[Any]]


def prover_points(pk: ProvingKey, backend: GroupBackend) -> ProverPoints:
    """Decode ``pk`` on ``backend`` with full point checks (cached on ``pk`` per backend)."""
    cached = pk._cache.get(backend.name)
    if cached is not None:
        return cached
    be = backend
    vk = pk.vk
    pts = ProverPoints(
        backend=be,
        alpha_g1=be.g1_from_bytes(vk.alpha_g1, "pk.alpha_g1"),
        beta_g1=be.g1_from_bytes(pk.beta_g1, "pk.beta_g1"),
        beta_g2=be.g2_from_bytes(vk.beta_g2, "pk.beta_g2"),
        delta_g1=be.g1_from_bytes(pk.delta_g1, "pk.delta_g1"),
        delta_g2=be.g2_from_bytes(vk.delta_g2, "pk.delta_g2"),
        a_g1=decode_g1s(be, pk.a_g1, "pk.a_g1"),
        b_g1=decode_g1s(be, pk.b_g1, "pk.b_g1"),
        b_g2=decode_g2s(be, pk.b_g2, "pk.b_g2"),
        h_g1=decode_g1s(be, pk.h_g1, "pk.h_g1"),
        l_g1=decode_g1s(be, pk.l_g1, "pk.l_g1"),
    )
    pk._cache[be.name] = pts
    return pts


def _split_query(
    query: tuple[list[int], list[Any]], scalars: Sequence[int], offset: int = 0
) -> tuple[list[Any], list[Any], list[int]]:
    """Split a query against the witness: ``(points with scalar one, points, scalars)``.

    Zero scalars are dropped; points with scalar one are added, not multiplied.
    """
    idx, points = query
    ones, pts, ks = [], [], []
    for i, p in zip(idx, points, strict=True):
        k = scalars[i + offset]
        if k == 0:
            continue
        if k == 1:
            ones.append(p)
        else:
            pts.append(p)
            ks.append(k)
    return ones, pts, ks


class _MsmTask:
    """One query's multi-scalar multiplication, running on the prover's executor."""

    def __init__(self, executor: Executor, add: Callable[[Any, Any], Any],
                 msm: Callable[[Sequence[Any], Sequence[int]], Any],
                 query: tuple[list[int], list[Any]], scalars: Sequence[int],
                 offset: int = 0) -> None:
        self._add = add
        self._ones, pts, ks = _split_query(query, scalars, offset)
        self._future: Future[Any] | None = executor.submit(msm, pts, ks) if pts else None

    def result(self, acc: Any) -> Any:
        """``acc`` plus the query's sum (waits for the worker thread)."""
        if self._future is not None:
            acc = self._add(acc, self._future.result())
        for p in self._ones:
            acc = self._add(acc, p)
        return acc


def _as_qap(r1cs_or_qap: R1CS | QAP) -> QAP:
    if isinstance(r1cs_or_qap, QAP):
        return r1cs_or_qap
    return QAP.from_r1cs(r1cs_or_qap)


def _random_scalar() -> int:
    return secrets.randbelow(R - 1) + 1


class PendingProof:
    """A proof whose multi-scalar multiplications run on worker threads.

    Made by :func:`start_proof`: the witness has been checked against every constraint and
    the quotient polynomial computed; :meth:`result` waits for the MSMs and assembles the
    proof. Meanwhile the calling thread is free (e.g. for the next witness).
    """

    def __init__(self, pk: ProvingKey, be: GroupBackend, kp: ProverPoints,
                 tasks: dict[str, _MsmTask], r: int, s: int) -> None:
        self._pk, self._be, self._kp, self._tasks = pk, be, kp, tasks
        self._r, self._s = r, s
        self._proof: Proof | None = None

    def result(self) -> Proof:
        """Return the proof (waits for its MSMs; re-raises a worker's error)."""
        if self._proof is None:
            be, kp, t, r, s = self._be, self._kp, self._tasks, self._r, self._s
            # A = alpha + sum w_i A_i(tau) + r delta
            a = be.g1_add(t["a"].result(kp.alpha_g1), be.g1_mul(kp.delta_g1, r))
            # B = beta + sum w_i B_i(tau) + s delta (in G2 for the proof, in G1 for C)
            b2 = be.g2_add(t["b2"].result(kp.beta_g2), be.g2_mul(kp.delta_g2, s))
            b1 = be.g1_add(t["b1"].result(kp.beta_g1), be.g1_mul(kp.delta_g1, s))
            # C = sum_priv w_i L_i + H(tau) Z(tau) / delta + s A + r B1 - r s delta
            c = t["h"].result(t["l"].result(be.g1_identity()))
            c = be.g1_add(c, be.g1_msm([a, b1, kp.delta_g1], [s % R, r % R, (-r * s) % R]))
            pk = self._pk
            self._proof = Proof(be.g1_to_bytes(a), be.g2_to_bytes(b2), be.g1_to_bytes(c),
                                circuit_id=pk.circuit_id, n_public=pk.n_public)
        return self._proof


def start_proof(
    pk: ProvingKey,
    r1cs_or_qap: R1CS | QAP,
    witness: Sequence[int],
    backend: GroupBackend | str | None = None,
    *,
    randomness: tuple[int, int] | None = None,
) -> PendingProof:
    """Check ``witness``, start the proof's MSMs on worker threads, return at once.

    Everything :func:`prove` raises is raised here, before any MSM starts (a witness that
    fails a constraint never reaches the key's points). ``randomness`` (``r, s``) is for
    :func:`zkclaims.hazmat.prove_with_randomness` only; by default both are fresh from
    :mod:`secrets`. The worker threads: :mod:`zkclaims.groth16.workers`.
    """
    be = get_backend_checked(backend)
    qap = _as_qap(r1cs_or_qap)
    if not isinstance(pk, ProvingKey):
        raise MalformedInputError(f"pk: expected a ProvingKey, got {type(pk).__name__}")
    if pk.circuit_id is not None and qap.circuit_id != pk.circuit_id:
        raise MalformedInputError(
            f"r1cs: circuit id {qap.circuit_id} does not match the proving key's {pk.circuit_id}"
        )
    if (pk.n_vars, pk.n_public, pk.domain_size) != (qap.n_vars, qap.n_public, qap.domain.size):
        raise MalformedInputError(
            f"r1cs: shape (n_vars={qap.n_vars}, n_public={qap.n_public}, "
            f"domain={qap.domain.size}) does not match the proving key's "
            f"({pk.n_vars}, {pk.n_public}, {pk.domain_size})"
        )
    r, s = randomness if randomness is not None else (_random_scalar(), _random_scalar())
    w, evals = qap.check_and_evaluate(witness)
    kp = prover_points(pk, be)
    ex = executor_for(be.msm_releases_gil)
    # the G2 MSM first: the longest task
    tasks = {
        "b2": _MsmTask(ex, be.g2_add, be.g2_msm, kp.b_g2, w),
        "a": _MsmTask(ex, be.g1_add, be.g1_msm, kp.a_g1, w),
        "b1": _MsmTask(ex, be.g1_add, be.g1_msm, kp.b_g1, w),
        "l": _MsmTask(ex, be.g1_add, be.g1_msm, kp.l_g1, w, offset=pk.n_public + 1),
    }
    # while the workers run those: the H term, sum_j (A B - C)(odd point j) L^(2n)_(2j+1)(tau)
    # / delta (snarkjs's H query), from the quotient's evaluations (Python, this thread)
    h = qap.quotient_evaluations(w, evals)
    tasks["h"] = _MsmTask(ex, be.g1_add, be.g1_msm, kp.h_g1, h)
    return PendingProof(pk, be, kp, tasks, r, s)


def prove_with_randomness(
    pk: ProvingKey,
    r1cs_or_qap: R1CS | QAP,
    witness: Sequence[int],
    r: int,
    s: int,
    backend: GroupBackend | str | None = None,
) -> Proof:
    """Prove with caller-chosen blinding scalars ``r, s``. Internal: use :func:`prove`.

    Exposed to tests through :func:`zkclaims.hazmat.prove_with_randomness` only (fixed ``r, s``
    give reproducible proofs for byte-level cross-backend tests; reusing them leaks the witness).
    """
    return start_proof(pk, r1cs_or_qap, witness, backend, randomness=(r, s)).result()


def prove(
    pk: ProvingKey,
    r1cs_or_qap: R1CS | QAP,
    witness: Sequence[int],
    backend: GroupBackend | str | None = None,
) -> Proof:
    """Prove that ``witness`` satisfies the circuit of ``pk``, in zero knowledge.

    ``r1cs_or_qap`` is the circuit's :class:`R1CS` (or its :class:`QAP`, to reuse it across
    proofs); its digest must equal the key's circuit id. ``witness`` is the full assignment
    (``witness[0] == 1``, then the public inputs, then the private variables). Raises
    :class:`MalformedInputError` for a mismatched circuit or a malformed witness and
    :class:`~zkclaims.errors.ProofError` when a constraint does not hold. Fresh ``r, s`` are
    drawn from :mod:`secrets` for every proof. The multi-scalar multiplications run on
    worker threads (:mod:`zkclaims.groth16.workers`); to overlap other work with them, use
    :func:`start_proof`.
    """
    return start_proof(pk, r1cs_or_qap, witness, backend).result()


def rerandomize(
    vk: VerifyingKey, proof: Proof, backend: GroupBackend | str | None = None
) -> Proof:
    """Return a fresh proof of the same statement, unlinkable to ``proof``.

    With fresh ``t, u`` from :mod:`secrets`: ``A' = A / t``, ``B' = t B + t u delta_g2``,
    ``C' = C + u A``. A valid proof stays valid; an invalid one stays invalid. The input's
    points are checked (on-curve, subgroup, not the identity).
    """
    be = get_backend_checked(backend)
    pvk = prepare_verifying_key(vk, be)
    a, b, c = proof.points(be)
    t, u = _random_scalar(), _random_scalar()
    a2 = be.g1_mul(a, pow(t, -1, R))
    b2 = be.g2_add(be.g2_mul(b, t), be.g2_mul(pvk.delta_g2, t * u % R))
    c2 = be.g1_add(c, be.g1_mul(a, u))
    return Proof(be.g1_to_bytes(a2), be.g2_to_bytes(b2), be.g1_to_bytes(c2),
                 circuit_id=proof.circuit_id, n_public=proof.n_public)
