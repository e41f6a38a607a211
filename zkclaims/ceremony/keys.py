"""Contribution keys and their proofs of knowledge (Bowe–Gabizon–Miers 2017, as in snarkjs).

A contributor with secret ``x`` publishes ``g1_s`` (a random G1 point), ``g1_sx = x g1_s``
and ``g2_spx = x g2_sp``, where ``g2_sp`` is a G2 point hashed from the transcript so far and
from ``g1_s, g1_sx``. The pairing check ``e(g1_s, g2_spx) == e(g1_sx, g2_sp)`` proves the
contributor knew ``x`` for *this* transcript (the hash binds it: a key copied from another
place or another ceremony points to another ``g2_sp``); the same ``g2_sp, g2_spx`` then show
that the accumulator moved by that same ``x``.

* Phase 1 (``.ptau``): three keys (tau, alpha, beta; personalisation bytes 0, 1, 2);
  ``g2_sp = hashToG2(BLAKE2b(personalisation || challenge || U(g1_s) || U(g1_sx)))``, where
  ``challenge`` is the previous contribution's next-challenge hash.
* Phase 2 (``.zkey``): one key (delta); ``transcript = BLAKE2b(circuit hash || every earlier
  contribution's U(delta_after) U(g1_s) U(g1_sx) U(g2_spx) transcript || U(g1_s) U(g1_sx))``
  and ``g2_sp = hashToG2(transcript)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import py_arkworks_bls12381 as _ark

from zkclaims.ceremony.points import G1, G2, to_u
from zkclaims.ceremony.rng import ChaCha, fr_from_rng, g1_from_rng, hash_to_g2
from zkclaims.field import R

__all__ = [
    "KeyPart", "PtauKey", "PTAU_KEY_NAMES", "create_ptau_key", "ptau_g2_sp", "scalar",
    "DeltaKey", "create_delta_key",
]

PTAU_KEY_NAMES = ("tau", "alpha", "beta")  #: personalisation bytes 0, 1, 2


def scalar(k: int) -> Any:
    """Return a native scalar from an int (reduced mod r)."""
    return _ark.Scalar.from_le_bytes((k % R).to_bytes(32, "little"))


@dataclass(frozen=True)
class KeyPart:
    """One public key: ``g1_s``, ``g1_sx = x g1_s``, ``g2_spx = x g2_sp`` (native points)."""

    g1_s: Any
    g1_sx: Any
    g2_spx: Any


@dataclass(frozen=True)
class PtauKey:
    """The three phase-1 public keys of a contribution."""

    tau: KeyPart
    alpha: KeyPart
    beta: KeyPart

    def parts(self) -> tuple[KeyPart, KeyPart, KeyPart]:
        """(tau, alpha, beta)."""
        return self.tau, self.alpha, self.beta

    def g1_points(self) -> list[Any]:
        """Return the six G1 points in file order: tau, alpha, beta ``g1_s, g1_sx``."""
        return [p for part in self.parts() for p in (part.g1_s, part.g1_sx)]

    def g2_points(self) -> list[Any]:
        """Return the three G2 points in file order: tau, alpha, beta ``g2_spx``."""
        return [part.g2_spx for part in self.parts()]

    def to_u(self) -> bytes:
        """Return the uncompressed form the response hash covers (six G1, then three G2)."""
        return to_u(G1, self.g1_points()) + to_u(G2, self.g2_points())


def ptau_g2_sp(personalization: int, challenge: bytes, g1_s: Any, g1_sx: Any) -> Any:
    """Snarkjs's ``getG2sp``: the G2 point a phase-1 proof of knowledge is checked against."""
    h = hashlib.blake2b(bytes([personalization]) + bytes(challenge) + to_u(G1, [g1_s, g1_sx]))
    return hash_to_g2(h.digest())


def create_ptau_key(challenge: bytes, rng: ChaCha) -> tuple[PtauKey, tuple[int, int, int]]:
    """Draw the secrets ``(tau, alpha, beta)`` from ``rng`` and their public keys.

    Returns the key and the secrets; the caller applies the secrets and drops them.
    """
    secrets_ = (fr_from_rng(rng), fr_from_rng(rng), fr_from_rng(rng))
    parts = []
    for pers, x in enumerate(secrets_):
        g1_s = g1_from_rng(rng)
        xs = scalar(x)
        g1_sx = g1_s * xs
        g2_sp = ptau_g2_sp(pers, challenge, g1_s, g1_sx)
        parts.append(KeyPart(g1_s, g1_sx, g2_sp * xs))
    return PtauKey(*parts), secrets_


@dataclass(frozen=True)
class DeltaKey:
    """A phase-2 public key and the transcript hash its ``g2_sp`` comes from."""

    part: KeyPart
    transcript: bytes


def create_delta_key(transcript_so_far: Any, rng: ChaCha) -> tuple[DeltaKey, int]:
    """Draw the secret ``d`` and ``g1_s`` from ``rng``; return the public key and ``d``.

    ``transcript_so_far`` is the running BLAKE2b hasher (circuit hash and earlier
    contributions); it is copied, not modified.
    """
    d = fr_from_rng(rng)
    g1_s = g1_from_rng(rng)
    ds = scalar(d)
    g1_sx = g1_s * ds
    h = transcript_so_far.copy()
    h.update(to_u(G1, [g1_s, g1_sx]))
    transcript = h.digest()
    g2_spx = hash_to_g2(transcript) * ds
    return DeltaKey(KeyPart(g1_s, g1_sx, g2_spx), transcript), d
