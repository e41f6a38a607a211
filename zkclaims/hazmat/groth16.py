"""DANGER — Groth16 with known toxic waste, simulator, fixed prover randomness (tests only).

See :mod:`zkclaims.hazmat`. Nothing here may be used to make keys or proofs that anyone relies
on: the dev setup's trapdoor is a public function of its seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groth16.keygen import _as_qap, keys_from_secrets
from zkclaims.groth16.keys import (
    SETUP_DEV,
    Proof,
    ProvingKey,
    VerifyingKey,
    check_public_inputs,
    get_backend_checked,
    prepare_verifying_key,
)
from zkclaims.groth16.proving import prove_with_randomness as _prove_with_randomness
from zkclaims.groth16.qap import QAP
from zkclaims.groups.base import GroupBackend


@dataclass(frozen=True)
class Trapdoor:
    """INSECURE: the toxic waste of a Groth16 setup. ``gamma`` is 1 in zkclaims keys."""

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int


def _seed_bytes(seed: bytes | str | int) -> bytes:
    if isinstance(seed, bytes):
        return seed
    if isinstance(seed, str):
        return seed.encode()
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed.to_bytes((seed.bit_length() + 8) // 8, "big", signed=True)
    raise MalformedInputError(f"seed: expected bytes, str or int, got {type(seed).__name__}")


def _derive(seed: bytes, label: str) -> int:
    h = hashlib.sha512(b"zkclaims-dev-setup-INSECURE\x00" + label.encode() + b"\x00" + seed)
    return int.from_bytes(h.digest(), "big") % (R - 1) + 1


def dev_trapdoor(seed: bytes | str | int) -> Trapdoor:
    """INSECURE: the trapdoor :func:`dev_setup` derives from ``seed`` (SHA-512 of labels)."""
    s = _seed_bytes(seed)
    return Trapdoor(tau=_derive(s, "tau"), alpha=_derive(s, "alpha"), beta=_derive(s, "beta"),
                    gamma=1, delta=_derive(s, "delta"))


def dev_setup(
    r1cs: R1CS | QAP, seed: bytes | str | int, backend: GroupBackend | str | None = None
) -> tuple[ProvingKey, VerifyingKey]:
    """INSECURE, TESTS ONLY: deterministic Groth16 keys whose toxic waste is derived from ``seed``.

    Same ``(r1cs, seed)`` gives byte-identical keys on every backend. Anyone knowing the seed can
    forge proofs (:func:`simulate_proof`). The keys say
    ``setup = "dev-setup-INSECURE-known-toxic-waste"``.
    """
    qap = _as_qap(r1cs)
    t = dev_trapdoor(seed)
    if qap.domain.vanishing_at(t.tau) == 0:  # probability ~2^-240; checked all the same
        raise MalformedInputError("seed: derived tau falls in the evaluation domain; pick another")
    return keys_from_secrets(qap, t.tau, t.alpha, t.beta, t.delta, backend, SETUP_DEV)


def simulate_proof(
    vk: VerifyingKey,
    trapdoor: Trapdoor,
    public_inputs: Sequence[int],
    backend: GroupBackend | str | None = None,
    rng: random.Random | None = None,
) -> Proof:
    """INSECURE: the Groth16 simulator — a verifying proof for any public inputs, no witness.

    Picks ``a, b`` and sets ``A = a G1``, ``B = b G2``,
    ``C = ((a b - alpha beta) G1 - gamma vk_x) / delta`` where ``vk_x = IC_0 + sum x_i IC_i``.
    """
    be = get_backend_checked(backend)
    pvk = prepare_verifying_key(vk, be)
    xs = check_public_inputs(public_inputs, vk.n_public, "public_inputs")
    rnd = rng or random.SystemRandom()
    a, b = rnd.randrange(1, R), rnd.randrange(1, R)
    d_inv = pow(trapdoor.delta, -1, R)
    vk_x = be.g1_msm(list(pvk.ic), [1, *xs])
    c = be.g1_add(
        be.g1_mul(be.g1_generator(), (a * b - trapdoor.alpha * trapdoor.beta) * d_inv % R),
        be.g1_mul(vk_x, (-trapdoor.gamma * d_inv) % R),
    )
    return Proof(be.g1_to_bytes(be.g1_mul(be.g1_generator(), a)),
                 be.g2_to_bytes(be.g2_mul(be.g2_generator(), b)), be.g1_to_bytes(c),
                 circuit_id=vk.circuit_id, n_public=vk.n_public)


def prove_with_randomness(
    pk: ProvingKey,
    r1cs_or_qap: R1CS | QAP,
    witness: Sequence[int],
    r: int,
    s: int,
    backend: GroupBackend | str | None = None,
) -> Proof:
    """INSECURE: :func:`zkclaims.groth16.proving` with fixed blinding ``r, s`` (reproducible)."""
    return _prove_with_randomness(pk, r1cs_or_qap, witness, r, s, backend)


def synthetic_r1cs(
    n_constraints: int, n_public: int = 2, seed: int = 0
) -> tuple[R1CS, list[int]]:
    """Return an R1CS of exactly ``n_constraints`` constraints and a satisfying witness.

    Shape, like a real circuit: the public inputs are ``x_1..x_k``; a chain of products
    ``y_{i+1} = (y_i + x_{i mod k}) * (y_i + 3)`` mixed with boolean constraints on bits
    ``b (b - 1) = 0`` (every 4th constraint), so witnesses contain zeros, ones and full values.
    """
    if n_constraints < 1 or n_public < 1:
        raise ValueError(
            f"n_constraints, n_public: must be >= 1 (got {n_constraints}, {n_public})"
        )
    rng = random.Random(seed)
    pub = [rng.randrange(R) for _ in range(n_public)]
    w = [1, *pub]
    constraints = []
    y_var, y = 1, pub[0]
    for i in range(n_constraints):
        if i % 4 == 3:
            bit = rng.randrange(2)
            w.append(bit)
            b = len(w) - 1
            constraints.append(({b: 1}, {b: 1, 0: R - 1}, {}))
            continue
        x_var = 1 + i % n_public
        out = (y + w[x_var]) * (y + 3) % R
        w.append(out)
        o = len(w) - 1
        a_row = {y_var: 1, x_var: 1} if y_var != x_var else {y_var: 2}
        constraints.append((a_row, {y_var: 1, 0: 3}, {o: 1}))
        y_var, y = o, out
    r1cs = R1CS(n_public=n_public, n_vars=len(w), constraints=tuple(constraints),
                names=tuple(f"synthetic[{i}]" for i in range(n_constraints)),
                name=f"synthetic-{n_constraints}")
    return r1cs, w
