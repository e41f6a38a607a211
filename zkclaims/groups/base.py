"""The group-backend protocol: what Groth16 needs from BLS12-381, and nothing more.

Two adapters implement it (``arkworks``, native and the default; ``py_ecc``, pure-Python
reference). Encodings are the ZCash compressed format (48-byte G1, 96-byte G2) and are
byte-identical across backends; every decode checks on-curve and subgroup membership and raises
:class:`~zkclaims.errors.MalformedInputError` naming the field otherwise.

Scalars are Python ints (or any integer with ``__index__``, e.g. numpy integers; floats raise
``TypeError``) and every backend reduces them mod r (negative values included: ``-1`` means
``r - 1``). Rejecting out-of-range *public inputs* is the Groth16 layer's job.
For repeated multi-scalar multiplications with the same scalars (the prover's witness), call
:meth:`GroupBackend.prepare_scalars` once and pass the result to ``g1_msm``/``g2_msm``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence, Sized
from typing import Any

from zkclaims.errors import MalformedInputError
from zkclaims.field import R

G1 = Any  #: an element of G1 in the backend's own representation
G2 = Any  #: an element of G2 in the backend's own representation
GT = Any  #: an element of the target group GT in the backend's own representation


class PreparedScalars:
    """Scalars already reduced mod r and converted to a backend's native form.

    Made by :meth:`GroupBackend.prepare_scalars`; accepted by ``g1_msm``/``g2_msm`` of the
    backend that made it (another backend raises ``TypeError``). Immutable.
    """

    __slots__ = ("_backend", "_items")

    def __init__(self, backend: str, items: Sequence[Any]) -> None:
        self._backend = backend
        self._items = tuple(items)

    @property
    def backend(self) -> str:
        """Name of the backend that prepared these scalars."""
        return self._backend

    @property
    def items(self) -> tuple[Any, ...]:
        """The native scalars, in order."""
        return self._items

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"PreparedScalars(backend={self._backend!r}, n={len(self._items)})"


Scalars = Sequence[int] | PreparedScalars  #: what ``g1_msm``/``g2_msm`` accept


def check_msm_lengths(points: Sequence[Any], scalars: Sized, what: str) -> None:
    """Raise :class:`MalformedInputError` (a ``ValueError``) unless both lists have one length.

    The native library silently truncates to the shorter list; we never let it.
    """
    if len(points) != len(scalars):
        raise MalformedInputError(
            f"{what}: {len(points)} points but {len(scalars)} scalars (lengths must match)"
        )


class GroupBackend(ABC):
    """BLS12-381 groups G1, G2 and the pairing check, behind one small interface.

    Elements are opaque backend objects; use only these methods on them (backend objects
    may not compare or hash like points: use ``g1_eq``/``g2_eq``, or the encodings as keys).
    Scalars are Python ints, reduced mod r by the backend.
    """

    name: str
    #: The order r of G1, G2 and GT.
    order: int = R
    #: Whether ``g1_msm``/``g2_msm`` release the GIL, so that several run at once on threads
    #: (the prover then spreads a proof's MSMs over worker threads).
    msm_releases_gil: bool = False

    # --- G1 -------------------------------------------------------------------------------
    @abstractmethod
    def g1_generator(self) -> G1:
        """Return the standard generator of G1."""

    @abstractmethod
    def g1_identity(self) -> G1:
        """Return the identity of G1."""

    @abstractmethod
    def g1_add(self, p: G1, q: G1) -> G1:
        """Return p + q."""

    @abstractmethod
    def g1_neg(self, p: G1) -> G1:
        """Return -p."""

    @abstractmethod
    def g1_mul(self, p: G1, k: int) -> G1:
        """Return k * p (k reduced mod r)."""

    @abstractmethod
    def g1_msm(self, points: Sequence[G1], scalars: Scalars) -> G1:
        """Return sum(k_i * P_i); raise ValueError when the two lists differ in length.

        ``scalars`` are ints or the result of :meth:`prepare_scalars`.
        """

    def g1_batch_mul(self, p: G1, scalars: Sequence[int]) -> list[G1]:
        """Return [k * p for k in scalars] (fixed-base batch, e.g. powers of tau in a setup)."""
        return [self.g1_mul(p, k) for k in scalars]

    def g1_is_identity(self, p: G1) -> bool:
        """Return whether p is the identity."""
        return self.g1_eq(p, self.g1_identity())

    @abstractmethod
    def g1_eq(self, p: G1, q: G1) -> bool:
        """Return whether p == q (as group elements, whatever the representation)."""

    @abstractmethod
    def g1_to_bytes(self, p: G1) -> bytes:
        """Return the 48-byte ZCash compressed encoding of p."""

    @abstractmethod
    def g1_from_bytes(self, data: bytes, field: str = "g1") -> G1:
        """Decode 48 compressed bytes, checking length, flags, x < p, on-curve and subgroup.

        Raises MalformedInputError naming ``field`` on any defect.
        """

    # --- G2 -------------------------------------------------------------------------------
    @abstractmethod
    def g2_generator(self) -> G2:
        """Return the standard generator of G2."""

    @abstractmethod
    def g2_identity(self) -> G2:
        """Return the identity of G2."""

    @abstractmethod
    def g2_add(self, p: G2, q: G2) -> G2:
        """Return p + q."""

    @abstractmethod
    def g2_neg(self, p: G2) -> G2:
        """Return -p."""

    @abstractmethod
    def g2_mul(self, p: G2, k: int) -> G2:
        """Return k * p (k reduced mod r)."""

    @abstractmethod
    def g2_msm(self, points: Sequence[G2], scalars: Scalars) -> G2:
        """Return sum(k_i * Q_i); raise ValueError when the two lists differ in length.

        ``scalars`` are ints or the result of :meth:`prepare_scalars`.
        """

    def g2_batch_mul(self, p: G2, scalars: Sequence[int]) -> list[G2]:
        """Return [k * p for k in scalars] (fixed-base batch)."""
        return [self.g2_mul(p, k) for k in scalars]

    def g2_is_identity(self, p: G2) -> bool:
        """Return whether p is the identity."""
        return self.g2_eq(p, self.g2_identity())

    @abstractmethod
    def g2_eq(self, p: G2, q: G2) -> bool:
        """Return whether p == q (as group elements, whatever the representation)."""

    @abstractmethod
    def g2_to_bytes(self, p: G2) -> bytes:
        """Return the 96-byte ZCash compressed encoding of p."""

    @abstractmethod
    def g2_from_bytes(self, data: bytes, field: str = "g2") -> G2:
        """Decode 96 compressed bytes, checking length, flags, x < p, on-curve and subgroup.

        Raises MalformedInputError naming ``field`` on any defect.
        """

    # --- scalars --------------------------------------------------------------------------
    @abstractmethod
    def prepare_scalars(self, scalars: Sequence[int]) -> PreparedScalars:
        """Reduce ``scalars`` mod r and convert them once to the backend's native form."""

    # --- pairing --------------------------------------------------------------------------
    @abstractmethod
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        """Return whether prod e(P_i, Q_i) == 1 in GT (Miller loops, one final exponentiation).

        Points must come from this backend (decoded, hence subgroup-checked, or computed).
        An empty list is the empty product: True.
        """

    @abstractmethod
    def pairing_product(self, pairs: Sequence[tuple[G1, G2]]) -> GT:
        """Return prod e(P_i, Q_i) in GT (Miller loops, one final exponentiation).

        The result is opaque: compare it only with :meth:`gt_eq`. Verifiers use it to check
        ``prod e(P_i, Q_i) == e(alpha, beta)`` against a precomputed ``e(alpha, beta)``,
        one Miller loop fewer than :meth:`pairing_check` on four pairs.
        """

    @abstractmethod
    def gt_eq(self, x: GT, y: GT) -> bool:
        """Return whether two elements of GT (from :meth:`pairing_product`) are equal."""

    def pairing_fp12(self, p: G1, q: G2) -> tuple[int, ...]:
        """Return e(p, q) as 12 ints, its coefficients over Fp in py_ecc's basis.

        The basis is 1, w, ..., w^11 of Fp12 = Fp[w] / (w^12 - 2 w^6 + 2), the pairing py_ecc's.

        Optional: only backends exposing GT coordinates implement it (py_ecc); the others
        raise ``NotImplementedError``. Used to export snarkjs's ``vk_alphabeta_12``.
        """
        raise NotImplementedError(f"{self.name}: GT coordinates are not exposed")
