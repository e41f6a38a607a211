"""Export the keys of a ``.zkey`` as zkclaims Groth16 keys (and snarkjs's JSON).

The ``.zkey`` and :class:`~zkclaims.groth16.ProvingKey` hold the same points (this project
adopted snarkjs's QAP rows and H query), so export is a change of encoding: Montgomery affine
points become ZCash-compressed ones. The keys are labelled with the circuit id (the R1CS
digest) and ``setup = "mpc"``. Export does not verify the transcript:
:func:`zkclaims.ceremony.verify_zkey` does (the CLI's ``phase2 export`` runs it first).
"""

from __future__ import annotations

from typing import Any

from zkclaims.ceremony.zkey import Zkey
from zkclaims.errors import MalformedInputError
from zkclaims.groth16.keys import SETUP_CEREMONY, ProvingKey, VerifyingKey

__all__ = ["export_keys"]


def _c(points: list[Any]) -> tuple[bytes, ...]:
    return tuple(bytes(p.to_compressed_bytes()) for p in points)


def export_keys(z: Zkey, circuit_id: str, setup: str = SETUP_CEREMONY
                ) -> tuple[ProvingKey, VerifyingKey]:
    """Return the proving and verifying keys of ``z``, labelled with ``circuit_id``."""
    if not z.contributions:
        raise MalformedInputError("zkey: no phase-2 contribution (delta = 1): not exportable")
    vk = VerifyingKey(
        bytes(z.alpha_g1.to_compressed_bytes()), bytes(z.beta_g2.to_compressed_bytes()),
        bytes(z.gamma_g2.to_compressed_bytes()), bytes(z.delta_g2.to_compressed_bytes()),
        _c(z.ic), circuit_id=circuit_id, setup=setup,
    )
    pk = ProvingKey(
        vk, z.n_vars, z.domain_size, bytes(z.beta_g1.to_compressed_bytes()),
        bytes(z.delta_g1.to_compressed_bytes()), _c(z.a_g1), _c(z.b_g1), _c(z.b_g2),
        _c(z.h_g1), _c(z.l_g1),
    )
    return pk, vk
