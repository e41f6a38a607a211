"""Groth16 over BLS12-381: keys, proofs, verification, and (lazily loaded) setup and prover.

The verify side (:mod:`.keys`, :mod:`.verification`, :mod:`.snarkjs`) is imported eagerly; the prove
side (:mod:`.qap`, :mod:`.keygen`, :mod:`.proving`) is loaded only when one of its names is first
used, so ``from zkclaims.groth16 import verify`` loads no prover, QAP or setup code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zkclaims.groth16.keys import (
    FORMAT_VERSION,
    PROOF_SIZE,
    SETUP_CEREMONY,
    SETUP_DEV,
    SETUP_IMPORTED,
    SETUP_ONE_PARTY,
    PreparedVerifyingKey,
    Proof,
    ProvingKey,
    VerifyingKey,
    prepare_verifying_key,
)
from zkclaims.groth16.verification import find_invalid, verify, verify_batch

if TYPE_CHECKING:  # pragma: no cover
    from zkclaims.groth16.keygen import (  # noqa: F401
        Phase1Params,
        build_keys,
        contribute_delta,
        setup,
    )
    from zkclaims.groth16.proving import prove, rerandomize, start_proof  # noqa: F401
    from zkclaims.groth16.qap import QAP  # noqa: F401
    from zkclaims.groth16.workers import prover_threads  # noqa: F401

_LAZY = {
    "prove": "zkclaims.groth16.proving",
    "rerandomize": "zkclaims.groth16.proving",
    "start_proof": "zkclaims.groth16.proving",
    "prover_threads": "zkclaims.groth16.workers",
    "QAP": "zkclaims.groth16.qap",
    "setup": "zkclaims.groth16.keygen",
    "build_keys": "zkclaims.groth16.keygen",
    "contribute_delta": "zkclaims.groth16.keygen",
    "Phase1Params": "zkclaims.groth16.keygen",
}

__all__ = [
    "FORMAT_VERSION", "PROOF_SIZE", "SETUP_CEREMONY", "SETUP_DEV", "SETUP_IMPORTED",
    "SETUP_ONE_PARTY", "PreparedVerifyingKey", "Proof", "ProvingKey", "VerifyingKey",
    "prepare_verifying_key", "verify", "verify_batch", "find_invalid", *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Load prove-side names on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zkclaims.groth16' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
