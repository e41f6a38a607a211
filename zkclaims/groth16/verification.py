"""Groth16 verification: one multi-pairing check per proof, batch verification, bisection.

This is the verify side: it imports no prover, QAP, builder or setup code.

Contract (docs/design.md §6): :func:`verify` returns False only for a well-formed proof that
fails the pairing equation; malformed input (bad point encoding, off-curve or outside-subgroup
point, identity for A, B or C, wrong number of public inputs, public input negative or >= r, circuit
id mismatch) raises :class:`~zkclaims.errors.MalformedInputError` naming the field.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16.keys import (
    PreparedVerifyingKey,
    Proof,
    VerifyingKey,
    check_public_inputs,
    prepare_verifying_key,
)
from zkclaims.groups.base import GroupBackend

#: Bits of the random coefficients of :func:`verify_batch` (soundness error ~2^-128 per batch).
BATCH_COEFFICIENT_BITS = 128


def _prepared(
    vk: VerifyingKey | PreparedVerifyingKey, backend: GroupBackend | str | None
) -> PreparedVerifyingKey:
    if isinstance(vk, PreparedVerifyingKey):
        if backend is not None and backend not in (vk.backend, vk.backend.name):
            return prepare_verifying_key(vk.vk, backend)
        return vk
    if not isinstance(vk, VerifyingKey):
        raise MalformedInputError(f"vk: expected a VerifyingKey, got {type(vk).__name__}")
    return prepare_verifying_key(vk, backend)


def _check_proof(pvk: PreparedVerifyingKey, proof: Proof, what: str) -> tuple[Any, Any, Any]:
    if not isinstance(proof, Proof):
        raise MalformedInputError(f"{what}: expected a Proof, got {type(proof).__name__}")
    vk = pvk.vk
    if proof.circuit_id is not None and vk.circuit_id is not None:
        if proof.circuit_id != vk.circuit_id:
            raise MalformedInputError(
                f"{what}.circuit_id: proof is for circuit {proof.circuit_id}, "
                f"verifying key is for {vk.circuit_id}"
            )
    if proof.n_public is not None and proof.n_public != vk.n_public:
        raise MalformedInputError(
            f"{what}.n_public: proof says {proof.n_public}, verifying key has {vk.n_public}"
        )
    try:
        return proof.points(pvk.backend)
    except MalformedInputError as e:
        if what == "proof":
            raise
        raise MalformedInputError(f"{what}: {e}") from None


def _vk_x(pvk: PreparedVerifyingKey, inputs: list[int]) -> Any:
    return pvk.vk_x(inputs)


def verify(
    vk: VerifyingKey | PreparedVerifyingKey,
    public_inputs: Sequence[int],
    proof: Proof,
    *,
    backend: GroupBackend | str | None = None,
) -> bool:
    """Check a Groth16 proof: ``e(A, B) e(vk_x, -gamma) e(C, -delta) == e(alpha, beta)``.

    Three Miller loops and one final exponentiation, against ``e(alpha, beta)`` precomputed in
    the prepared key (one Miller loop fewer than the 4-pair product check).

    ``vk`` may be prepared (:func:`prepare_verifying_key`); an unprepared key is prepared once
    and cached. Returns True for a valid proof, False for a well-formed proof that fails;
    raises :class:`MalformedInputError` (naming the field) for malformed input.
    """
    pvk = _prepared(vk, backend)
    inputs = check_public_inputs(public_inputs, pvk.vk.n_public, "public_inputs")
    a, b, c = _check_proof(pvk, proof, "proof")
    return _check_one(pvk, inputs, a, b, c)


def _check_one(pvk: PreparedVerifyingKey, inputs: Sequence[int], a: Any, b: Any, c: Any) -> bool:
    """Check the Groth16 equation for one decoded proof against the precomputed e(alpha, beta)."""
    be = pvk.backend
    product = be.pairing_product(
        [(a, b), (_vk_x(pvk, inputs), pvk.neg_gamma_g2), (c, pvk.neg_delta_g2)]
    )
    return be.gt_eq(product, pvk.alpha_beta_gt)


def verify_batch(
    vk: VerifyingKey | PreparedVerifyingKey,
    items: Sequence[tuple[Sequence[int], Proof]],
    *,
    backend: GroupBackend | str | None = None,
) -> bool:
    """Check many proofs for one key at once: N + 3 Miller loops, one final exponentiation.

    ``items`` is a sequence of ``(public_inputs, proof)``. Each proof's equation is weighted by
    a fresh random 128-bit coefficient from :mod:`secrets`, so a batch containing an invalid
    proof passes with probability at most about 2^-128. Returns True when all proofs are valid;
    use :func:`find_invalid` to locate the bad ones. Malformed items raise
    :class:`MalformedInputError` naming ``items[i]``. An empty batch is vacuously valid.
    """
    pvk = _prepared(vk, backend)
    be = pvk.backend
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise MalformedInputError(f"items: expected a sequence, got {type(items).__name__}")
    checked = []
    for i, item in enumerate(items):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise MalformedInputError(
                f"items[{i}]: expected (public_inputs, proof), got {item!r:.80}"
            )
        inputs = check_public_inputs(item[0], pvk.vk.n_public, f"items[{i}].public_inputs")
        checked.append((inputs, _check_proof(pvk, item[1], f"items[{i}].proof")))
    if not checked:
        return True
    if len(checked) == 1:
        inputs, (a, b, c) = checked[0]
        return _check_one(pvk, inputs, a, b, c)
    n_pub = pvk.vk.n_public
    rho = [secrets.randbits(BATCH_COEFFICIENT_BITS) | 1 for _ in checked]
    pairs = []
    ic_scalars = [0] * (n_pub + 1)
    cs = []
    for r_i, (inputs, (a, b, c)) in zip(rho, checked, strict=True):
        pairs.append((be.g1_mul(a, r_i), b))
        ic_scalars[0] += r_i
        for j, x in enumerate(inputs):
            ic_scalars[j + 1] += r_i * x
        cs.append(c)
    ic_scalars = [s % R for s in ic_scalars]
    rho_sum = ic_scalars[0]
    pairs.append((be.g1_mul(pvk.alpha_g1, rho_sum), pvk.neg_beta_g2))
    pairs.append((be.g1_msm(list(pvk.ic), ic_scalars), pvk.neg_gamma_g2))
    pairs.append((be.g1_msm(cs, rho), pvk.neg_delta_g2))
    return be.pairing_check(pairs)


def find_invalid(
    vk: VerifyingKey | PreparedVerifyingKey,
    items: Sequence[tuple[Sequence[int], Proof]],
    *,
    backend: GroupBackend | str | None = None,
) -> list[int]:
    """Return the indices of the invalid proofs in ``items`` (empty when all are valid).

    Batch-verifies, then bisects the failing halves, so ``k`` bad proofs among ``N`` cost about
    ``2 k log2(N)`` batch checks. Malformed items raise :class:`MalformedInputError`.
    """
    pvk = _prepared(vk, backend)
    items = list(items)

    def rec(lo: int, hi: int, known_bad: bool) -> list[int]:
        if not known_bad and verify_batch(pvk, items[lo:hi]):
            return []
        if hi - lo == 1:
            return [lo]
        mid = (lo + hi) // 2
        left = rec(lo, mid, False)
        # If the left half is clean, the failure is in the right half: skip re-checking it.
        right = rec(mid, hi, not left)
        return left + right

    if not items:
        return []
    return rec(0, len(items), False)
