"""The multi-party setup ceremony, in snarkjs's ``.ptau`` / ``.zkey`` formats (BLS12-381).

Groth16 keys are sound if one contributor to their setup was honest (Bowe–Gabizon–Miers
2017): phase 1 (powers of tau, universal up to ``2^k`` constraints) and phase 2 (delta, per
circuit) each take a chain of contributions, every one proven by a proof of knowledge bound
to the transcript so far, and may end with a *beacon*, a contribution whose secret comes from
a public random value. The files are snarkjs 0.7.6's, so every transcript has two independent
verifiers (this package and ``snarkjs powersoftau verify`` / ``snarkjs zkey verify``) and a
contributor may use either tool.

* Phase 1: :func:`new_ptau`, :func:`contribute_ptau`, :func:`beacon_ptau`,
  :func:`prepare_phase2` (the Lagrange sections phase 2 reads), :func:`verify_ptau`;
  :func:`read_ptau` / :func:`ptau_bytes`.
* Phase 2: :func:`new_zkey` (from an R1CS — ours, or an iden3 ``.r1cs`` — and a prepared
  phase-1 file), :func:`contribute_zkey`, :func:`beacon_zkey`, :func:`verify_zkey`,
  :func:`export_keys` (zkclaims Groth16 keys); :func:`read_zkey` / :func:`zkey_bytes`.
* Files: :func:`load_ptau`, :func:`load_zkey`, :func:`write_atomic`,
  :func:`transcript_digest`.

Every file is untrusted: a truncated file, a lying length, another curve, a point off the
curve or outside its subgroup raise :class:`~zkclaims.errors.MalformedInputError`; a
transcript that does not verify raises :class:`ContributionError` naming the first bad
contribution and the check (see ``docs/ceremony.md``). Fresh secrets come from
:mod:`secrets` (plus optional user entropy) and are dropped after use.
"""

from __future__ import annotations

from zkclaims.ceremony.circuit import CircuitShape, load_circuit
from zkclaims.ceremony.errors import CHECKS, CeremonyError, ContributionError
from zkclaims.ceremony.export import export_keys
from zkclaims.ceremony.files import load_ptau, load_zkey, transcript_digest, write_atomic
from zkclaims.ceremony.lagrange import prepare_phase2
from zkclaims.ceremony.ptau import (
    Ptau,
    PtauContribution,
    beacon_ptau,
    contribute_ptau,
    new_ptau,
    ptau_bytes,
    read_ptau,
)
from zkclaims.ceremony.verify_ptau import ContributionInfo, Phase1Report, verify_ptau
from zkclaims.ceremony.verify_zkey import Phase2Report, verify_zkey
from zkclaims.ceremony.zkey import (
    Zkey,
    ZkeyContribution,
    beacon_zkey,
    contribute_zkey,
    new_zkey,
    read_zkey,
    zkey_bytes,
)

__all__ = [
    "CHECKS", "CeremonyError", "CircuitShape", "ContributionError", "ContributionInfo",
    "Phase1Report", "Phase2Report", "Ptau", "PtauContribution", "Zkey", "ZkeyContribution",
    "beacon_ptau", "beacon_zkey", "contribute_ptau", "contribute_zkey", "export_keys",
    "load_circuit", "load_ptau", "load_zkey", "new_ptau", "new_zkey", "prepare_phase2",
    "ptau_bytes", "read_ptau", "read_zkey", "transcript_digest", "verify_ptau", "verify_zkey",
    "write_atomic", "zkey_bytes",
]
