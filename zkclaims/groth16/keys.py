"""Groth16 artifacts: proof, verifying key, proving key, and their serialisations.

Every point is held as its ZCash compressed encoding (48-byte G1, 96-byte G2), so artifacts are
backend-independent and byte-identical whichever backend made them. Decoding into a backend's
own objects always goes through that backend's checked decoder (length, flags, on-curve,
subgroup) and is cached per backend on the artifact.

Forms:

* JSON (``to_json`` / ``from_json``): self-describing, versioned — ``format``, ``version``,
  ``protocol`` ("groth16"), ``curve`` ("bls12381"), ``circuit_id`` (SHA-256 of the canonical
  R1CS, or null for an imported key), ``n_public``, ``setup`` (which setup made the key), and
  the points as lowercase hex.
* Binary (``to_bytes`` / ``from_bytes``): a proof is exactly 192 bytes (A 48 | B 96 | C 48);
  keys are ``magic (8 bytes) | u32 header length | header JSON | points``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zkclaims.errors import MalformedInputError, echo_value
from zkclaims.groups.base import GroupBackend
from zkclaims.groups.encoding import (
    G1_COMPRESSED_SIZE,
    G1_IDENTITY_BYTES,
    G2_COMPRESSED_SIZE,
    G2_IDENTITY_BYTES,
    parse_compressed,
)
from zkclaims.jsonio import document, path_key

FORMAT_VERSION = 1  #: version of the JSON and binary forms written by this module
PROTOCOL = "groth16"
CURVE = "bls12381"
PROOF_SIZE = 2 * G1_COMPRESSED_SIZE + G2_COMPRESSED_SIZE  #: 192 bytes

#: Values of the ``setup`` field: which procedure made a key.
SETUP_DEV = "dev-setup-INSECURE-known-toxic-waste"
SETUP_ONE_PARTY = "one-party-setup"
SETUP_CEREMONY = "ceremony"
SETUP_IMPORTED = "imported"

R_BITS = 255  #: bit length of the scalar field modulus r

_VK_MAGIC = b"ZKCG16VK"
_PK_MAGIC = b"ZKCG16PK"


def get_backend_checked(backend: GroupBackend | str | None) -> GroupBackend:
    """Resolve ``backend`` (an instance, a name, or None for the default) to a backend."""
    if isinstance(backend, GroupBackend):
        return backend
    from zkclaims.groups import get_backend

    return get_backend(backend)


def _check_point_bytes(data: Any, size: int, field_name: str) -> bytes:
    parse_compressed(data, size, field_name)  # length, flags, canonical identity, x < p
    return bytes(data)


def _hex_point(obj: Any, size: int, field_name: str) -> bytes:
    if not isinstance(obj, str):
        raise MalformedInputError(f"{field_name}: expected a hex string, got {_shown(obj)}")
    try:
        raw = bytes.fromhex(obj)
    except ValueError:
        raise MalformedInputError(f"{field_name}: not hex: {_shown(obj)}") from None
    return _check_point_bytes(raw, size, field_name)


def _header(fmt: str) -> dict[str, Any]:
    """Return the fields that every JSON form and binary header starts with."""
    return {"format": fmt, "version": FORMAT_VERSION, "protocol": PROTOCOL, "curve": CURVE}


class _Artifact:
    """Shared behaviour of the artifacts: JSON text from ``to_dict``, equality on ``_key``."""

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def to_json(self) -> str:
        """Return the versioned JSON form."""
        return json.dumps(self.to_dict(), sort_keys=True)


def _shown(obj: Any) -> str:
    """Show a value in a message: containers by type and size, the rest cut short."""
    if isinstance(obj, list | dict | tuple):
        return f"a {type(obj).__name__} of {len(obj)} items"
    return echo_value(obj)


def _check_header(
    obj: Any, fmt: str, what: str, *, max_bytes: int | None = None
) -> dict[str, Any]:
    obj = document(obj, what) if max_bytes is None else document(obj, what, max_bytes=max_bytes)
    if not isinstance(obj, dict):
        raise MalformedInputError(f"{what}: expected a JSON object, got {type(obj).__name__}")
    for key, value in _header(fmt).items():
        if obj.get(key) != value:
            raise MalformedInputError(
                f"{what}.{key}: expected {echo_value(value)}, got {echo_value(obj.get(key))}"
            )
    return obj


def _no_unknown_keys(d: dict[str, Any], parsed: Any, what: str) -> None:
    """Refuse keys that the format does not define (strict parsing: nothing silently dropped)."""
    allowed = set(parsed.to_dict()) | {"circuit_id", "n_public", "setup"}
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise MalformedInputError(
            f"{what}.{path_key(unknown[0])}: unknown field (got {_shown(d[unknown[0]])})"
        )


def _opt_circuit_id(value: Any, field_name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 64 or any(
        ch not in "0123456789abcdef" for ch in value
    ):
        raise MalformedInputError(
            f"{field_name}: expected 64 lowercase hex digits, got {echo_value(value)}"
        )
    return value


def _int_field(obj: dict[str, Any], key: str, what: str) -> int:
    v = obj.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise MalformedInputError(
            f"{what}.{key}: expected a non-negative integer, got {echo_value(v)}"
        )
    return v


# --------------------------------------------------------------------------------------------
# Proof
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Proof(_Artifact):
    """A Groth16 proof (A in G1, B in G2, C in G1) as compressed encodings.

    ``circuit_id`` and ``n_public`` are optional labels (carried by the JSON form, not by the
    192-byte binary form); when present, :func:`zkclaims.groth16.verification` checks them against
    the verifying key. Construct with :meth:`from_bytes`, :meth:`from_json` or the prover; the
    constructor checks the encodings' format, the verifier decodes the points with full
    on-curve and subgroup checks.
    """

    a: bytes
    b: bytes
    c: bytes
    circuit_id: str | None = None
    n_public: int | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _check_point_bytes(self.a, G1_COMPRESSED_SIZE, "proof.a"))
        object.__setattr__(self, "b", _check_point_bytes(self.b, G2_COMPRESSED_SIZE, "proof.b"))
        object.__setattr__(self, "c", _check_point_bytes(self.c, G1_COMPRESSED_SIZE, "proof.c"))
        _opt_circuit_id(self.circuit_id, "proof.circuit_id")

    def _key(self) -> tuple[Any, ...]:
        return (self.to_bytes(), self.circuit_id)

    def to_bytes(self) -> bytes:
        """Return the 192-byte binary form: A (48) | B (96) | C (48)."""
        return self.a + self.b + self.c

    @classmethod
    def from_bytes(cls, data: bytes, *, circuit_id: str | None = None) -> Proof:
        """Parse the 192-byte form (format checks; points are fully checked when verified)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MalformedInputError(f"proof: expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) != PROOF_SIZE:
            raise MalformedInputError(f"proof: expected {PROOF_SIZE} bytes, got {len(data)}")
        return cls(data[:48], data[48:144], data[144:], circuit_id=circuit_id)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object (as a dict)."""
        return {
            **_header("zkclaims-groth16-proof"),
            "circuit_id": self.circuit_id,
            "n_public": self.n_public,
            "a": self.a.hex(),
            "b": self.b.hex(),
            "c": self.c.hex(),
        }

    @classmethod
    def from_json(cls, obj: str | bytes | dict[str, Any]) -> Proof:
        """Parse the JSON form (a string or an already-parsed dict)."""
        d = _check_header(obj, "zkclaims-groth16-proof", "proof")
        n_public = d.get("n_public")
        if n_public is not None:
            n_public = _int_field(d, "n_public", "proof")
        proof = cls(
            _hex_point(d.get("a"), G1_COMPRESSED_SIZE, "proof.a"),
            _hex_point(d.get("b"), G2_COMPRESSED_SIZE, "proof.b"),
            _hex_point(d.get("c"), G1_COMPRESSED_SIZE, "proof.c"),
            circuit_id=_opt_circuit_id(d.get("circuit_id"), "proof.circuit_id"),
            n_public=n_public,
        )
        _no_unknown_keys(d, proof, "proof")
        return proof

    def points(self, backend: GroupBackend) -> tuple[Any, Any, Any]:
        """Decode (A, B, C) on ``backend`` with full checks; the identity is rejected."""
        cached = self._cache.get(backend.name)
        if cached is not None:
            return cached
        for name, raw, ident in (
            ("a", self.a, G1_IDENTITY_BYTES),
            ("b", self.b, G2_IDENTITY_BYTES),
            ("c", self.c, G1_IDENTITY_BYTES),
        ):
            if raw == ident:
                raise MalformedInputError(f"proof.{name}: the identity is not a valid proof point")
        pts = (
            backend.g1_from_bytes(self.a, "proof.a"),
            backend.g2_from_bytes(self.b, "proof.b"),
            backend.g1_from_bytes(self.c, "proof.c"),
        )
        self._cache[backend.name] = pts
        return pts


# --------------------------------------------------------------------------------------------
# Verifying key
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VerifyingKey(_Artifact):
    """A Groth16 verifying key: alpha_g1, beta_g2, gamma_g2, delta_g2 and the IC points.

    ``ic[0]`` is the constant term and ``ic[i]`` weights public input ``i`` (1-based), so
    ``n_public == len(ic) - 1``. ``setup`` says which procedure made the key (one of the
    ``SETUP_*`` constants); ``circuit_id`` is the R1CS digest (None for imported keys).
    """

    alpha_g1: bytes
    beta_g2: bytes
    gamma_g2: bytes
    delta_g2: bytes
    ic: tuple[bytes, ...]
    circuit_id: str | None = None
    setup: str = SETUP_IMPORTED
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "alpha_g1", _check_point_bytes(self.alpha_g1, G1_COMPRESSED_SIZE, "vk.alpha_g1")
        )
        for name in ("beta_g2", "gamma_g2", "delta_g2"):
            raw = _check_point_bytes(getattr(self, name), G2_COMPRESSED_SIZE, f"vk.{name}")
            object.__setattr__(self, name, raw)
        ic = tuple(
            _check_point_bytes(p, G1_COMPRESSED_SIZE, f"vk.ic[{i}]") for i, p in enumerate(self.ic)
        )
        if not ic:
            raise MalformedInputError("vk.ic: must hold at least the constant term (got 0 points)")
        object.__setattr__(self, "ic", ic)
        _opt_circuit_id(self.circuit_id, "vk.circuit_id")
        if not isinstance(self.setup, str):
            raise MalformedInputError(f"vk.setup: expected a string, got {echo_value(self.setup)}")

    @property
    def n_public(self) -> int:
        """Number of public inputs (excluding the constant one)."""
        return len(self.ic) - 1

    def _key(self) -> tuple[Any, ...]:
        return (self.alpha_g1, self.beta_g2, self.gamma_g2, self.delta_g2, self.ic,
                self.circuit_id, self.setup)

    def _meta(self) -> dict[str, Any]:
        return {
            **_header("zkclaims-groth16-vk"),
            "circuit_id": self.circuit_id,
            "n_public": self.n_public,
            "setup": self.setup,
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object (as a dict)."""
        d = self._meta()
        d.update(
            alpha_g1=self.alpha_g1.hex(),
            beta_g2=self.beta_g2.hex(),
            gamma_g2=self.gamma_g2.hex(),
            delta_g2=self.delta_g2.hex(),
            ic=[p.hex() for p in self.ic],
        )
        return d

    @classmethod
    def from_json(cls, obj: str | bytes | dict[str, Any]) -> VerifyingKey:
        """Parse the JSON form (a string or an already-parsed dict)."""
        d = _check_header(obj, "zkclaims-groth16-vk", "vk")
        n_public = _int_field(d, "n_public", "vk")
        ic = d.get("ic")
        if not isinstance(ic, list) or len(ic) != n_public + 1:
            raise MalformedInputError(
                f"vk.ic: expected a list of n_public + 1 = {n_public + 1} points, got {_shown(ic)}"
            )
        vk = cls(
            _hex_point(d.get("alpha_g1"), G1_COMPRESSED_SIZE, "vk.alpha_g1"),
            _hex_point(d.get("beta_g2"), G2_COMPRESSED_SIZE, "vk.beta_g2"),
            _hex_point(d.get("gamma_g2"), G2_COMPRESSED_SIZE, "vk.gamma_g2"),
            _hex_point(d.get("delta_g2"), G2_COMPRESSED_SIZE, "vk.delta_g2"),
            tuple(_hex_point(p, G1_COMPRESSED_SIZE, f"vk.ic[{i}]") for i, p in enumerate(ic)),
            circuit_id=_opt_circuit_id(d.get("circuit_id"), "vk.circuit_id"),
            setup=str(d.get("setup", SETUP_IMPORTED)),
        )
        _no_unknown_keys(d, vk, "vk")
        return vk

    def to_bytes(self) -> bytes:
        """Compact binary form: magic, header JSON, then alpha, beta, gamma, delta, IC."""
        body = self.alpha_g1 + self.beta_g2 + self.gamma_g2 + self.delta_g2 + b"".join(self.ic)
        return _pack(_VK_MAGIC, self._meta(), body)

    @classmethod
    def from_bytes(cls, data: bytes) -> VerifyingKey:
        """Parse the compact binary form."""
        meta, body = _unpack(data, _VK_MAGIC, "zkclaims-groth16-vk", "vk")
        n_public = _int_field(meta, "n_public", "vk")
        rd = _PointReader(body, "vk")
        alpha = rd.g1("vk.alpha_g1")
        beta, gamma, delta = rd.g2("vk.beta_g2"), rd.g2("vk.gamma_g2"), rd.g2("vk.delta_g2")
        ic = rd.g1s(n_public + 1, "vk.ic")
        rd.done()
        return cls(alpha, beta, gamma, delta, ic,
                   circuit_id=_opt_circuit_id(meta.get("circuit_id"), "vk.circuit_id"),
                   setup=str(meta.get("setup", SETUP_IMPORTED)))


def _pack(magic: bytes, meta: dict[str, Any], body: bytes) -> bytes:
    header = json.dumps(meta, sort_keys=True).encode()
    return magic + struct.pack(">I", len(header)) + header + body


def _unpack(data: bytes, magic: bytes, fmt: str, what: str) -> tuple[dict[str, Any], bytes]:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedInputError(f"{what}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) < 12 or data[:8] != magic:
        raise MalformedInputError(f"{what}: bad magic {data[:8]!r} (expected {magic!r})")
    (n,) = struct.unpack(">I", data[8:12])
    if 12 + n > len(data):
        raise MalformedInputError(f"{what}: header length {n} exceeds the data")
    meta = _check_header(data[12 : 12 + n], fmt, what)
    return meta, data[12 + n :]


class _PointReader:
    def __init__(self, body: bytes, what: str) -> None:
        self.body, self.pos, self.what = body, 0, what

    def _take(self, size: int, name: str) -> bytes:
        if self.pos + size > len(self.body):
            raise MalformedInputError(f"{name}: truncated {self.what} data")
        raw = self.body[self.pos : self.pos + size]
        self.pos += size
        return _check_point_bytes(raw, size, name)

    def g1(self, name: str) -> bytes:
        return self._take(G1_COMPRESSED_SIZE, name)

    def g2(self, name: str) -> bytes:
        return self._take(G2_COMPRESSED_SIZE, name)

    def g1s(self, n: int, name: str) -> tuple[bytes, ...]:
        return tuple(self.g1(f"{name}[{i}]") for i in range(n))

    def g2s(self, n: int, name: str) -> tuple[bytes, ...]:
        return tuple(self.g2(f"{name}[{i}]") for i in range(n))

    def done(self) -> None:
        if self.pos != len(self.body):
            raise MalformedInputError(
                f"{self.what}: {len(self.body) - self.pos} trailing bytes after the points"
            )


@dataclass(frozen=True)
class PreparedVerifyingKey:
    """A verifying key decoded on one backend, with the negated G2 points precomputed.

    The verification equation is checked as one 3-pair product against the precomputed
    ``alpha_beta_gt = e(alpha_g1, beta_g2)`` (as bellman's prepared key does):
    ``e(A, B) * e(vk_x, -gamma_g2) * e(C, -delta_g2) == e(alpha_g1, beta_g2)``, three Miller
    loops and one final exponentiation.
    ``ic_tables[j][w][d - 1] = d * 2^(window_bits * w) * ic[j + 1]``: fixed-base tables that
    turn ``vk_x = ic[0] + sum x_j ic[j + 1]`` into one addition per non-zero window digit of
    the (public) inputs, much cheaper than a small MSM.
    """

    vk: VerifyingKey
    backend: GroupBackend
    alpha_g1: Any
    neg_beta_g2: Any
    neg_gamma_g2: Any
    neg_delta_g2: Any
    delta_g2: Any
    ic: tuple[Any, ...]
    window_bits: int = 8
    ic_tables: tuple[tuple[tuple[Any, ...], ...], ...] = ()
    alpha_beta_gt: Any = None

    def vk_x(self, inputs: Sequence[int]) -> Any:
        """Return ``ic[0] + sum(inputs[j] * ic[j + 1])`` (inputs already checked in [0, r))."""
        add = self.backend.g1_add
        bits = self.window_bits
        mask = (1 << bits) - 1
        acc = self.ic[0]
        for x, table in zip(inputs, self.ic_tables, strict=True):
            w = 0
            while x:
                d = x & mask
                if d:
                    acc = add(acc, table[w][d - 1])
                x >>= bits
                w += 1
        return acc


def _fixed_base_table(be: GroupBackend, p: Any, bits: int) -> tuple[tuple[Any, ...], ...]:
    """Rows ``w``: ``[d * 2^(bits w) * p for d in 1 .. 2^bits - 1]``, enough for 255-bit ints."""
    rows = []
    base = p
    for _ in range((R_BITS + bits - 1) // bits):
        row = [base]
        for _ in range((1 << bits) - 2):
            row.append(be.g1_add(row[-1], base))
        rows.append(tuple(row))
        base = be.g1_add(row[-1], base)
    return tuple(rows)


def prepare_verifying_key(
    vk: VerifyingKey, backend: GroupBackend | str | None = None
) -> PreparedVerifyingKey:
    """Decode ``vk`` on ``backend`` (full point checks) and precompute what verify needs.

    The result is cached on ``vk`` per backend.
    """
    be = get_backend_checked(backend)
    cached = vk._cache.get(be.name)
    if cached is not None:
        return cached
    beta = be.g2_from_bytes(vk.beta_g2, "vk.beta_g2")
    gamma = be.g2_from_bytes(vk.gamma_g2, "vk.gamma_g2")
    delta = be.g2_from_bytes(vk.delta_g2, "vk.delta_g2")
    for name, identity in (("alpha_g1", G1_IDENTITY_BYTES), ("beta_g2", G2_IDENTITY_BYTES),
                           ("gamma_g2", G2_IDENTITY_BYTES), ("delta_g2", G2_IDENTITY_BYTES)):
        if getattr(vk, name) == identity:
            raise MalformedInputError(f"vk.{name}: the identity is not allowed")
    # Degenerate keys that make proofs forgeable (checked on the canonical encodings, which
    # are unique per point): delta = gamma lets anyone move C to other public inputs
    # (a ceremony whose phase 2 got no contribution has delta = gamma = 1); an identity IC
    # point leaves its public input unbound.
    if vk.delta_g2 == vk.gamma_g2:
        raise MalformedInputError(
            "vk.delta_g2: equals vk.gamma_g2 (no phase-2 contribution?): proofs would be forgeable"
        )
    for i, p in enumerate(vk.ic):
        if p == G1_IDENTITY_BYTES:
            raise MalformedInputError(
                f"vk.ic[{i}]: the identity is not allowed (its public input would be unbound)"
            )
    ic = tuple(be.g1_from_bytes(p, f"vk.ic[{i}]") for i, p in enumerate(vk.ic))
    # 8-bit windows on the native backend (8160 additions per input to build, about 1 ms);
    # 4-bit windows on the pure-Python one, where building tables costs more.
    bits = 8 if be.name == "arkworks" else 4
    alpha_g1 = be.g1_from_bytes(vk.alpha_g1, "vk.alpha_g1")
    pvk = PreparedVerifyingKey(
        vk=vk,
        backend=be,
        alpha_g1=alpha_g1,
        neg_beta_g2=be.g2_neg(beta),
        neg_gamma_g2=be.g2_neg(gamma),
        neg_delta_g2=be.g2_neg(delta),
        delta_g2=delta,
        ic=ic,
        window_bits=bits,
        ic_tables=tuple(_fixed_base_table(be, p, bits) for p in ic[1:]),
        alpha_beta_gt=be.pairing_product([(alpha_g1, beta)]),
    )
    vk._cache[be.name] = pvk
    return pvk


# --------------------------------------------------------------------------------------------
# Proving key
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ProvingKey(_Artifact):
    """A Groth16 proving key (compressed points) for one circuit.

    Queries, indexed by variable (0 = the constant one, then publics, then privates):
    ``a_g1[i] = A_i(tau)``, ``b_g1[i]``/``b_g2[i] = B_i(tau)``; ``l_g1[j]`` for the private
    variable ``n_public + 1 + j`` is ``(beta A + alpha B + C)(tau) / delta``; ``h_g1[k] =
    tau^k Z(tau) / delta`` for ``k < domain_size - 1``. Points absent from a polynomial are the
    identity and the prover skips them.
    """

    vk: VerifyingKey
    n_vars: int
    domain_size: int
    beta_g1: bytes
    delta_g1: bytes
    a_g1: tuple[bytes, ...]
    b_g1: tuple[bytes, ...]
    b_g2: tuple[bytes, ...]
    h_g1: tuple[bytes, ...]
    l_g1: tuple[bytes, ...]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n_pub = self.vk.n_public
        expect = {
            "a_g1": self.n_vars, "b_g1": self.n_vars, "b_g2": self.n_vars,
            "h_g1": self.domain_size - 1, "l_g1": self.n_vars - 1 - n_pub,
        }
        for name, n in expect.items():
            got = len(getattr(self, name))
            if got != n:
                raise MalformedInputError(f"pk.{name}: expected {n} points, got {got}")
        if self.domain_size < 1 or self.domain_size & (self.domain_size - 1):
            raise MalformedInputError(
                f"pk.domain_size: must be a power of two, got {self.domain_size}"
            )

    @property
    def circuit_id(self) -> str | None:
        """The circuit id (R1CS digest) the key was made for."""
        return self.vk.circuit_id

    @property
    def setup(self) -> str:
        """Which setup made the key."""
        return self.vk.setup

    @property
    def n_public(self) -> int:
        """Number of public inputs."""
        return self.vk.n_public

    def _key(self) -> tuple[Any, ...]:
        return (self.vk, self.n_vars, self.domain_size, self.beta_g1, self.delta_g1, self.a_g1,
                self.b_g1, self.b_g2, self.h_g1, self.l_g1)

    def _meta(self) -> dict[str, Any]:
        return {
            **_header("zkclaims-groth16-pk"),
            "circuit_id": self.circuit_id,
            "n_public": self.n_public,
            "n_vars": self.n_vars,
            "domain_size": self.domain_size,
            "setup": self.setup,
        }

    def to_bytes(self) -> bytes:
        """Compact binary form (the recommended form to ship a proving key)."""
        vk = self.vk
        body = b"".join(
            [vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, *vk.ic, self.beta_g1,
             self.delta_g1, *self.a_g1, *self.b_g1, *self.b_g2, *self.h_g1, *self.l_g1]
        )
        return _pack(_PK_MAGIC, self._meta(), body)

    @classmethod
    def from_bytes(cls, data: bytes) -> ProvingKey:
        """Parse the compact binary form (format checks; points are fully checked on use)."""
        meta, body = _unpack(data, _PK_MAGIC, "zkclaims-groth16-pk", "pk")
        n_public = _int_field(meta, "n_public", "pk")
        n_vars = _int_field(meta, "n_vars", "pk")
        size = _int_field(meta, "domain_size", "pk")
        if n_vars < n_public + 1 or size < 1:
            raise MalformedInputError(f"pk: inconsistent sizes n_vars={n_vars} size={size}")
        n_g1 = 1 + (n_public + 1) + 2 + 2 * n_vars + (size - 1) + (n_vars - 1 - n_public)
        n_g2 = 3 + n_vars
        expected = G1_COMPRESSED_SIZE * n_g1 + G2_COMPRESSED_SIZE * n_g2
        if len(body) != expected:
            raise MalformedInputError(f"pk: expected {expected} bytes of points, got {len(body)}")
        rd = _PointReader(body, "pk")
        vk = VerifyingKey(
            rd.g1("pk.alpha_g1"), rd.g2("pk.beta_g2"), rd.g2("pk.gamma_g2"),
            rd.g2("pk.delta_g2"), rd.g1s(n_public + 1, "pk.ic"),
            circuit_id=_opt_circuit_id(meta.get("circuit_id"), "pk.circuit_id"),
            setup=str(meta.get("setup", SETUP_IMPORTED)),
        )
        pk = cls(
            vk, n_vars, size, rd.g1("pk.beta_g1"), rd.g1("pk.delta_g1"),
            rd.g1s(n_vars, "pk.a_g1"), rd.g1s(n_vars, "pk.b_g1"), rd.g2s(n_vars, "pk.b_g2"),
            rd.g1s(size - 1, "pk.h_g1"), rd.g1s(n_vars - 1 - n_public, "pk.l_g1"),
        )
        rd.done()
        return pk

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object (as a dict); large — prefer :meth:`to_bytes` to ship keys."""
        d = self._meta()
        d["vk"] = self.vk.to_dict()
        d.update(
            beta_g1=self.beta_g1.hex(), delta_g1=self.delta_g1.hex(),
            a_g1=[p.hex() for p in self.a_g1], b_g1=[p.hex() for p in self.b_g1],
            b_g2=[p.hex() for p in self.b_g2], h_g1=[p.hex() for p in self.h_g1],
            l_g1=[p.hex() for p in self.l_g1],
        )
        return d

    @classmethod
    def from_json(
        cls, obj: str | bytes | dict[str, Any], *, max_bytes: int = 2**30
    ) -> ProvingKey:
        """Parse the JSON form (at most ``max_bytes`` of text: proving keys are large)."""
        d = _check_header(obj, "zkclaims-groth16-pk", "pk", max_bytes=max_bytes)
        vk = VerifyingKey.from_json(d.get("vk"))

        def pts(key: str, size: int) -> tuple[bytes, ...]:
            lst = d.get(key)
            if not isinstance(lst, list):
                raise MalformedInputError(f"pk.{key}: expected a list, got {_shown(lst)}")
            return tuple(_hex_point(p, size, f"pk.{key}[{i}]") for i, p in enumerate(lst))

        pk = cls(
            vk, _int_field(d, "n_vars", "pk"), _int_field(d, "domain_size", "pk"),
            _hex_point(d.get("beta_g1"), G1_COMPRESSED_SIZE, "pk.beta_g1"),
            _hex_point(d.get("delta_g1"), G1_COMPRESSED_SIZE, "pk.delta_g1"),
            pts("a_g1", G1_COMPRESSED_SIZE), pts("b_g1", G1_COMPRESSED_SIZE),
            pts("b_g2", G2_COMPRESSED_SIZE), pts("h_g1", G1_COMPRESSED_SIZE),
            pts("l_g1", G1_COMPRESSED_SIZE),
        )
        _no_unknown_keys(d, pk, "pk")
        return pk


def _decode_query(
    from_bytes: Callable[[bytes, str], Any], identity: bytes, points: Iterable[bytes], name: str
) -> tuple[list[int], list[Any]]:
    idx, out = [], []
    for i, raw in enumerate(points):
        if raw != identity:
            idx.append(i)
            out.append(from_bytes(raw, f"{name}[{i}]"))
    return idx, out


def decode_g1s(
    backend: GroupBackend, points: Iterable[bytes], name: str
) -> tuple[list[int], list[Any]]:
    """Decode the non-identity points of a query; return (their indices, the points)."""
    return _decode_query(backend.g1_from_bytes, G1_IDENTITY_BYTES, points, name)


def decode_g2s(
    backend: GroupBackend, points: Iterable[bytes], name: str
) -> tuple[list[int], list[Any]]:
    """Decode the non-identity points of a G2 query; return (their indices, the points)."""
    return _decode_query(backend.g2_from_bytes, G2_IDENTITY_BYTES, points, name)


def check_public_inputs(public_inputs: Sequence[int], n_public: int, what: str) -> list[int]:
    """Check that ``public_inputs`` holds ``n_public`` ints in ``[0, r)``; return them as a list.

    Raises :class:`MalformedInputError` naming the offending input.
    """
    from zkclaims.field import R

    if isinstance(public_inputs, str | bytes) or not isinstance(public_inputs, Sequence):
        raise MalformedInputError(
            f"{what}: expected a sequence of ints, got {type(public_inputs).__name__}"
        )
    if len(public_inputs) != n_public:
        raise MalformedInputError(
            f"{what}: expected {n_public} public inputs, got {len(public_inputs)}"
        )
    out = []
    for i, x in enumerate(public_inputs):
        if not isinstance(x, int) or isinstance(x, bool):
            raise MalformedInputError(f"{what}[{i}]: expected an int, got {_shown(x)}")
        if not 0 <= x < R:
            raise MalformedInputError(f"{what}[{i}]: must be in [0, r), got {echo_value(x)}")
        out.append(x)
    return out
