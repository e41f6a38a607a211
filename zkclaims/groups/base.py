"""The group-backend protocol: what Groth16 needs from BLS12-381, and nothing more.

Two adapters implement it (``arkworks``, native and the default; ``py_ecc``, pure-Python
reference). Encodings are the ZCash compressed format (48-byte G1, 96-byte G2) and are
byte-identical across backends; every decode checks on-curve and subgroup membership and raises
:class:`~zkclaims.errors.MalformedInputError` naming the field otherwise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

G1 = Any  #: an element of G1 in the backend's own representation
G2 = Any  #: an element of G2 in the backend's own representation


class GroupBackend(ABC):
    """BLS12-381 groups G1, G2 and the pairing check, behind one small interface.

    Elements are opaque backend objects; use only these methods on them. Scalars are Python
    ints (reduced mod r by the backend).
    """

    name: str

    # --- G1 -------------------------------------------------------------------------------
    @abstractmethod
    def g1_generator(self) -> G1:
        """The standard generator of G1."""

    @abstractmethod
    def g1_identity(self) -> G1:
        """The identity of G1."""

    @abstractmethod
    def g1_add(self, p: G1, q: G1) -> G1:
        """p + q."""

    @abstractmethod
    def g1_neg(self, p: G1) -> G1:
        """-p."""

    @abstractmethod
    def g1_mul(self, p: G1, k: int) -> G1:
        """k * p."""

    @abstractmethod
    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        """sum(k_i * P_i); raises ValueError when the two lists differ in length."""

    @abstractmethod
    def g1_eq(self, p: G1, q: G1) -> bool:
        """p == q."""

    @abstractmethod
    def g1_to_bytes(self, p: G1) -> bytes:
        """48-byte ZCash compressed encoding."""

    @abstractmethod
    def g1_from_bytes(self, data: bytes, field: str = "g1") -> G1:
        """Decode 48 compressed bytes, checking length, on-curve and subgroup (else
        MalformedInputError naming ``field``)."""

    # --- G2 -------------------------------------------------------------------------------
    @abstractmethod
    def g2_generator(self) -> G2:
        """The standard generator of G2."""

    @abstractmethod
    def g2_identity(self) -> G2:
        """The identity of G2."""

    @abstractmethod
    def g2_add(self, p: G2, q: G2) -> G2:
        """p + q."""

    @abstractmethod
    def g2_neg(self, p: G2) -> G2:
        """-p."""

    @abstractmethod
    def g2_mul(self, p: G2, k: int) -> G2:
        """k * p."""

    @abstractmethod
    def g2_msm(self, points: Sequence[G2], scalars: Sequence[int]) -> G2:
        """sum(k_i * Q_i); raises ValueError when the two lists differ in length."""

    @abstractmethod
    def g2_eq(self, p: G2, q: G2) -> bool:
        """p == q."""

    @abstractmethod
    def g2_to_bytes(self, p: G2) -> bytes:
        """96-byte ZCash compressed encoding."""

    @abstractmethod
    def g2_from_bytes(self, data: bytes, field: str = "g2") -> G2:
        """Decode 96 compressed bytes, checking length, on-curve and subgroup (else
        MalformedInputError naming ``field``)."""

    # --- pairing --------------------------------------------------------------------------
    @abstractmethod
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        """True when prod e(P_i, Q_i) == 1 in GT: Miller loops, one final exponentiation."""
