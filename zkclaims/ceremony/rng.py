"""The deterministic random generators of snarkjs, bit for bit: ChaCha20 and ``fromRng``.

snarkjs derives everything a verifier must recompute from a ChaCha20 stream
(ffjavascript's ``ChaCha``: the 20-round block function, key = 8 words, counter in words
12..15, no nonce): the point ``g2_sp`` a proof of knowledge is checked against
(``hashToG2``), and every secret of a *beacon* contribution (iterated SHA-256 of a public
value). These functions reproduce ffjavascript's ``fromRng`` exactly:

* a field element: ``n64`` 64-bit words (each two 32-bit draws, high first), word ``i``
  shifted by ``64 i``, masked to the field's bit length, redrawn while ``>= p``; the value is
  then read as a **Montgomery** representation, so the element is ``v / 2^(64 n64) mod p``;
* a G1 / G2 point: ``x`` from the field, one boolean draw for the sign of ``y``, redrawn
  until ``x^3 + b`` is a square; ``y`` is the root whose "sign" (see
  :func:`fq_is_negative`) matches the boolean; the point is multiplied by the full cofactor.

Fresh contributions draw their ChaCha key from ``secrets`` mixed with optional user entropy
(:func:`entropy_rng`), like ``snarkjs ... contribute``.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Sequence

from zkclaims.ceremony.fq import (
    FQ_BITS,
    G1_COFACTOR,
    G2_COFACTOR,
    MONT_FQ_INV,
    Q,
    fq2_is_negative,
    fq2_neg,
    fq2_sqrt,
    fq_is_negative,
    fq_sqrt,
    g1_from_affine,
    g1_mul_int,
    g2_from_affine,
    g2_mul_int,
)
from zkclaims.errors import MalformedInputError
from zkclaims.field import R

__all__ = [
    "ChaCha", "fr_from_rng", "fq_from_rng", "g1_from_rng", "g2_from_rng", "hash_to_g2",
    "beacon_rng", "entropy_rng", "seed_from_hash", "MAX_BEACON_EXP", "MIN_BEACON_EXP",
]

_M32 = 0xFFFFFFFF
_SIGMA_WORDS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
MONT_FR_INV = pow(1 << 256, -1, R)  #: 2^-256 mod r: Montgomery form -> value
_R_BITS = R.bit_length()
MIN_BEACON_EXP = 10  #: snarkjs accepts beacon iteration exponents in [10, 63]
MAX_BEACON_EXP = 63


def _block(state: list[int]) -> list[int]:
    x = list(state)

    def qr(a: int, b: int, c: int, d: int) -> None:
        x[a] = (x[a] + x[b]) & _M32
        x[d] ^= x[a]
        x[d] = ((x[d] << 16) | (x[d] >> 16)) & _M32
        x[c] = (x[c] + x[d]) & _M32
        x[b] ^= x[c]
        x[b] = ((x[b] << 12) | (x[b] >> 20)) & _M32
        x[a] = (x[a] + x[b]) & _M32
        x[d] ^= x[a]
        x[d] = ((x[d] << 8) | (x[d] >> 24)) & _M32
        x[c] = (x[c] + x[d]) & _M32
        x[b] ^= x[c]
        x[b] = ((x[b] << 7) | (x[b] >> 25)) & _M32

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(1, 5, 9, 13)
        qr(2, 6, 10, 14)
        qr(3, 7, 11, 15)
        qr(0, 5, 10, 15)
        qr(1, 6, 11, 12)
        qr(2, 7, 8, 13)
        qr(3, 4, 9, 14)
    return [(x[i] + state[i]) & _M32 for i in range(16)]


class ChaCha:
    """ffjavascript's ChaCha20 stream of 32-bit words, seeded by 8 words."""

    def __init__(self, seed: Sequence[int]) -> None:
        if len(seed) != 8 or any(not 0 <= w <= _M32 for w in seed):
            raise ValueError("ChaCha seed: expected 8 words of 32 bits")
        self._state = [*_SIGMA_WORDS, *seed, 0, 0, 0, 0]
        self._buf: list[int] = []
        self._idx = 16

    def next_u32(self) -> int:
        """Return the next 32-bit word."""
        if self._idx == 16:
            self._buf = _block(self._state)
            self._idx = 0
            for i in range(12, 16):  # 128-bit little-endian counter
                self._state[i] = (self._state[i] + 1) & _M32
                if self._state[i]:
                    break
        w = self._buf[self._idx]
        self._idx += 1
        return w

    def next_u64(self) -> int:
        """Return ``hi * 2^32 + lo`` from two draws (high first, as ffjavascript)."""
        hi = self.next_u32()
        return (hi << 32) | self.next_u32()

    def next_bool(self) -> bool:
        """Return the low bit of the next word."""
        return bool(self.next_u32() & 1)


def seed_from_hash(digest: bytes) -> list[int]:
    """Return the 8 big-endian words of the first 32 bytes of ``digest`` (snarkjs's seeding)."""
    if len(digest) < 32:
        raise ValueError("seed: need at least 32 bytes")
    return list(struct.unpack(">8I", digest[:32]))


def _montgomery_draw(rng: ChaCha, n64: int, bits: int, p: int) -> int:
    mask = (1 << bits) - 1
    while True:
        v = 0
        for i in range(n64):
            v |= rng.next_u64() << (64 * i)
        v &= mask
        if v < p:
            return v


def fr_from_rng(rng: ChaCha) -> int:
    """``curve.Fr.fromRng``: a scalar (as an int in ``[0, r)``)."""
    return _montgomery_draw(rng, 4, _R_BITS, R) * MONT_FR_INV % R


def fq_from_rng(rng: ChaCha) -> int:
    """``curve.F1.fromRng``: an element of the base field."""
    return _montgomery_draw(rng, 6, FQ_BITS, Q) * MONT_FQ_INV % Q


def g1_from_rng(rng: ChaCha) -> object:
    """``curve.G1.fromRng``: a point of G1 (an arkworks point)."""
    while True:
        x = fq_from_rng(rng)
        greatest = rng.next_bool()
        y = fq_sqrt((x * x * x + 4) % Q)
        if y is not None:
            break
    if fq_is_negative(y) != greatest:
        y = (Q - y) % Q
    return g1_mul_int(g1_from_affine(x, y), G1_COFACTOR)


def g2_from_rng(rng: ChaCha) -> object:
    """``curve.G2.fromRng``: a point of G2 (an arkworks point)."""
    while True:
        x = (fq_from_rng(rng), fq_from_rng(rng))
        greatest = rng.next_bool()
        x3 = _fq2_cube_plus_b(x)
        y = fq2_sqrt(x3)
        if y is not None:
            break
    if fq2_is_negative(y) != greatest:
        y = fq2_neg(y)
    return g2_mul_int(g2_from_affine(x, y), G2_COFACTOR)


def _fq2_cube_plus_b(x: tuple[int, int]) -> tuple[int, int]:
    a, b = x
    # (a + b u)^2 = a^2 - b^2 + 2ab u  (u^2 = -1)
    s0, s1 = (a * a - b * b) % Q, 2 * a * b % Q
    c0, c1 = (s0 * a - s1 * b) % Q, (s0 * b + s1 * a) % Q
    return (c0 + 4) % Q, (c1 + 4) % Q  # b = 4 (1 + u)


def hash_to_g2(digest: bytes) -> object:
    """Snarkjs's ``hashToG2``: ChaCha seeded by the first 32 bytes, then ``G2.fromRng``."""
    return g2_from_rng(ChaCha(seed_from_hash(digest)))


def beacon_rng(beacon_hash: bytes, num_iterations_exp: int) -> ChaCha:
    """Return the generator of a beacon: SHA-256 iterated ``2^num_iterations_exp`` times.

    The beacon value must be 1..255 bytes and the exponent in [10, 63] (snarkjs's limits).
    """
    beacon_hash = bytes(beacon_hash)
    if not 1 <= len(beacon_hash) <= 255:
        raise MalformedInputError(
            f"beacon_hash: expected 1 to 255 bytes, got {len(beacon_hash)}"
        )
    if isinstance(num_iterations_exp, bool) or not isinstance(num_iterations_exp, int) or not (
        MIN_BEACON_EXP <= num_iterations_exp <= MAX_BEACON_EXP
    ):
        raise MalformedInputError(
            f"num_iterations_exp: expected an integer in [{MIN_BEACON_EXP}, {MAX_BEACON_EXP}], "
            f"got {num_iterations_exp!r}"
        )
    h = beacon_hash
    sha = hashlib.sha256
    for _ in range(1 << num_iterations_exp):
        h = sha(h).digest()
    return ChaCha(seed_from_hash(h))


def entropy_rng(entropy: str | bytes | None = None) -> ChaCha:
    """Return a fresh generator: BLAKE2b-512 of 64 bytes from :mod:`secrets` and the user's entropy.

    The user's text adds to, never replaces, the system randomness (as ``snarkjs ... -e``).
    """
    if isinstance(entropy, str):
        extra = entropy.encode("utf-8")
    else:
        extra = bytes(entropy or b"")
    digest = hashlib.blake2b(secrets.token_bytes(64) + extra).digest()
    return ChaCha(seed_from_hash(digest))
