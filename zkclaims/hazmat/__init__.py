"""DANGER — test-only cryptographic shortcuts. Never use in production.

Everything here either knows the toxic waste of a Groth16 setup or fixes randomness that must
be fresh, so whoever uses it can forge proofs or leak witnesses:

* :func:`dev_setup` — deterministic Groth16 setup from a seed: the trapdoor is derivable by
  anyone who knows the seed. Keys are marked ``setup = "dev-setup-INSECURE-known-toxic-waste"``.
* :func:`dev_trapdoor` — the trapdoor (tau, alpha, beta, gamma, delta) of :func:`dev_setup`.
* :func:`simulate_proof` — the zero-knowledge simulator: a valid-looking proof for any public
  inputs, made with the trapdoor and no witness (used to test that simulated proofs verify).
* :func:`prove_with_randomness` — the prover with caller-fixed ``r, s`` (reproducible bytes for
  cross-backend tests; reusing ``r, s`` across two witnesses leaks them).
* :func:`synthetic_r1cs` — R1CS of any size with a satisfying witness, for benchmarks.
* :func:`allow_one_party_setup` — a context in which verifiers accept keys from a one-party
  setup (whoever ran it can forge proofs): tests and development only.
"""

from zkclaims.hazmat.groth16 import (
    Trapdoor,
    dev_setup,
    dev_trapdoor,
    prove_with_randomness,
    simulate_proof,
    synthetic_r1cs,
)
from zkclaims.hazmat.setup import allow_one_party_setup

__all__ = [
    "Trapdoor",
    "allow_one_party_setup",
    "dev_setup",
    "dev_trapdoor",
    "prove_with_randomness",
    "simulate_proof",
    "synthetic_r1cs",
]
