"""Verify proofs of *different* statements together: one multi-pairing, one final exponentiation.

A claim with an early renewal in the two-proof form (``zkclaims-renewal/v1``) carries two
proofs, each for its own verifying key (the equipment statement and the renewal
statement). Checked one by one they cost two products of three Miller loops and two final
exponentiations. :func:`verify_together` checks them at once:
proof ``i`` satisfies ``e(A_i, B_i) e(vk_x_i, -gamma_i) e(C_i, -delta_i) e(alpha_i, -beta_i) = 1``;
the equations are multiplied together, each (but the first) raised to a fresh random 128-bit
power ``rho_i`` from :mod:`secrets` (carried on the G1 side), so that one invalid proof cannot
be compensated by another (error at most about 2^-128). Pairs that share their G2 point are
merged (every key of a zkclaims setup has ``gamma = 1``, the G2 generator: the ``vk_x`` terms
share one Miller loop), and the first key's ``e(alpha, beta)`` is the precomputed one of its
prepared key. For two proofs: six Miller loops and one final exponentiation instead of six and
two.

Same contract as :func:`zkclaims.groth16.verify`: False for well-formed proofs that fail,
:class:`~zkclaims.errors.MalformedInputError` naming ``items[i]`` for malformed input.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16.keys import PreparedVerifyingKey, Proof, VerifyingKey, check_public_inputs
from zkclaims.groth16.verification import BATCH_COEFFICIENT_BITS, _check_proof, _prepared
from zkclaims.groups.base import GroupBackend

__all__ = ["verify_together"]

Item = tuple[VerifyingKey | PreparedVerifyingKey, Sequence[int], Proof]


def verify_together(
    items: Sequence[Item], *, backend: GroupBackend | str | None = None
) -> bool:
    """Check ``(key, public_inputs, proof)`` triples, each against its own key, at once.

    Returns True when every proof is valid (an empty sequence is vacuously valid), False
    when at least one is not (use :func:`zkclaims.groth16.verify` on each to name it).
    All keys must decode on the same backend.
    """
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise MalformedInputError(f"items: expected a sequence, got {type(items).__name__}")
    checked: list[tuple[PreparedVerifyingKey, list[int], tuple[Any, Any, Any]]] = []
    for i, item in enumerate(items):
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise MalformedInputError(
                f"items[{i}]: expected (verifying key, public inputs, proof), got {item!r:.80}"
            )
        pvk = _prepared(item[0], backend)
        if checked and pvk.backend is not checked[0][0].backend:
            raise MalformedInputError(f"items[{i}]: key prepared on another backend")
        inputs = check_public_inputs(item[1], pvk.vk.n_public, f"items[{i}].public_inputs")
        checked.append((pvk, inputs, _check_proof(pvk, item[2], f"items[{i}].proof")))
    if not checked:
        return True
    be = checked[0][0].backend
    g1_terms: list[tuple[Any, Any]] = []  # (G1, G2): merged by equal G2 below
    for k, (pvk, inputs, (a, b, c)) in enumerate(checked):
        rho = 1 if k == 0 else secrets.randbits(BATCH_COEFFICIENT_BITS) | 1

        def scaled(p: Any, rho: int = rho) -> Any:
            return p if rho == 1 else be.g1_mul(p, rho % R)

        g1_terms.append((scaled(a), b))
        g1_terms.append((scaled(pvk.vk_x(inputs)), pvk.neg_gamma_g2))
        g1_terms.append((scaled(c), pvk.neg_delta_g2))
        if k:
            g1_terms.append((scaled(pvk.alpha_g1), pvk.neg_beta_g2))
    pairs: list[list[Any]] = []
    for p, q in g1_terms:
        for pair in pairs:
            if pair[1] is q or be.g2_eq(pair[1], q):
                pair[0] = be.g1_add(pair[0], p)
                break
        else:
            pairs.append([p, q])
    product = be.pairing_product([(p, q) for p, q in pairs])
    return be.gt_eq(product, checked[0][0].alpha_beta_gt)
