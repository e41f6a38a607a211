"""Phase 2 — the circuit's keys and delta contributions — in snarkjs's ``.zkey`` format.

Sections (Groth16, as snarkjs 0.7.6 writes them): 1 protocol (1 = Groth16); 2 header
(``n8q, q, n8r, r``, number of variables, of public inputs, domain size, then
``alpha G1, beta G1, beta G2, gamma G2, delta G1, delta G2``); 3 IC (public variables'
``beta A + alpha B + C``); 4 the QAP coefficients of A and B (each ``v 2^512 mod r``); 5 ``A_v G1``;
6 ``B_v G1``; 7 ``B_v G2``; 8 L: private variables' ``(beta A + alpha B + C) / delta``;
9 H: ``L^(2n)_(2j+1)(tau) / delta`` for ``j < n`` (the odd Lagrange points of the doubled
domain, which the prover weights by ``A B - C`` on the odd coset); 10 the circuit hash and the
contributions (``delta_after G1``, the key ``g1_s, g1_sx, g2_spx``, the transcript hash, type,
parameters).

``gamma = 1`` (the G2 generator), as in snarkjs. The circuit hash is BLAKE2b over the initial
key (before any delta): every header point, then IC, the H query in monomial form
``tau^i Z(tau)``, L, A, B1 and B2, each list after its big-endian length.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, replace
from typing import Any

from zkclaims.ceremony.binfile import BinFile, read_binfile, write_binfile
from zkclaims.ceremony.circuit import CircuitShape, compose, load_circuit, u32be
from zkclaims.ceremony.errors import CeremonyError
from zkclaims.ceremony.fq import FQ_BYTES, Q
from zkclaims.ceremony.keys import DeltaKey, KeyPart, create_delta_key, scalar
from zkclaims.ceremony.points import G1, G2, decode_points, encode_points, to_u
from zkclaims.ceremony.ptau import Lagrange, Ptau
from zkclaims.ceremony.records import (
    KIND_BEACON,
    KIND_CONTRIBUTION,
    Progress,
    check_kind,
    check_name,
    no_progress,
    params_bytes,
    read_params,
)
from zkclaims.ceremony.rng import ChaCha, beacon_rng, entropy_rng
from zkclaims.ceremony.subgroup import parallel_checks
from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R

__all__ = ["Zkey", "ZkeyContribution", "read_zkey", "zkey_bytes", "new_zkey", "contribute_zkey",
           "beacon_zkey", "MAGIC"]

MAGIC = b"zkey"
GROTH16 = 1
#: snarkjs stores a coefficient v as v * 2^512 mod r (its ``Fr.mul(v, R2)`` on a Montgomery
#: value), and its prover reads it back as such.
_COEF_FACTOR = (1 << 512) % R
_COEF_FACTOR_INV = pow(_COEF_FACTOR, -1, R)
_SECTIONS = {1: "protocol", 2: "header", 3: "IC", 4: "coefficients", 5: "A", 6: "B1", 7: "B2",
             8: "L", 9: "H", 10: "contributions"}
MAX_VARS = 1 << 24  #: refuse headers announcing more (a lying header must not allocate)


@dataclass(frozen=True)
class ZkeyContribution:
    """One phase-2 contribution record."""

    delta_after: Any
    key: KeyPart
    transcript: bytes
    kind: int = KIND_CONTRIBUTION
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None

    @property
    def is_beacon(self) -> bool:
        """Whether this is a beacon contribution."""
        return self.kind == KIND_BEACON

    def pubkey_u(self) -> bytes:
        """Return what the transcript and the contribution hash cover."""
        return (to_u(G1, [self.delta_after, self.key.g1_s, self.key.g1_sx])
                + to_u(G2, [self.key.g2_spx]) + self.transcript)

    def contribution_hash(self) -> bytes:
        """Return the hash a contributor publishes (as ``snarkjs zkey contribute`` prints it)."""
        return hashlib.blake2b(self.pubkey_u()).digest()


@dataclass(frozen=True)
class Zkey:
    """A Groth16 ``.zkey`` (points native, coefficients as ints in standard form)."""

    n_vars: int
    n_public: int
    domain_size: int
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    gamma_g2: Any
    delta_g1: Any
    delta_g2: Any
    ic: list[Any]
    coefficients: list[tuple[int, int, int, int]]
    a_g1: list[Any]
    b_g1: list[Any]
    b_g2: list[Any]
    l_g1: list[Any]
    h_g1: list[Any]
    cs_hash: bytes
    contributions: tuple[ZkeyContribution, ...] = ()

    def transcript_hasher(self) -> Any:
        """BLAKE2b over the circuit hash and every contribution so far."""
        h = hashlib.blake2b(self.cs_hash)
        for c in self.contributions:
            h.update(c.pubkey_u())
        return h


# --------------------------------------------------------------------------------------------
# Reading and writing
# --------------------------------------------------------------------------------------------


def _header(bf: BinFile) -> tuple[int, int, int, list[Any]]:
    rd = bf.cursor(1, "protocol")
    protocol = rd.u32()
    rd.done()
    if protocol != GROTH16:
        raise MalformedInputError(f"{bf.what}: protocol {protocol} is not Groth16 (1)")
    rd = bf.cursor(2, "header")
    n8q = rd.u32()
    if n8q != FQ_BYTES:
        raise MalformedInputError(f"{bf.what}: curve: base field elements of {n8q} bytes; only "
                                  "bls12381 (48) is supported")
    q = int.from_bytes(rd.take(n8q), "little")
    n8r = rd.u32()
    r = int.from_bytes(rd.take(n8r), "little") if n8r == 32 else None
    if q != Q or r != R:
        raise MalformedInputError(f"{bf.what}: curve: primes are not bls12381's")
    n_vars, n_public, size = rd.u32(), rd.u32(), rd.u32()
    if not (n_public + 1 <= n_vars <= MAX_VARS) or size < 2 or size & (size - 1) or \
            size > MAX_VARS:
        raise MalformedInputError(f"{bf.what}: header: inconsistent sizes (variables {n_vars}, "
                                  f"public {n_public}, domain {size})")
    pts = []
    for name, group in (("alpha_g1", G1), ("beta_g1", G1), ("beta_g2", G2), ("gamma_g2", G2),
                        ("delta_g1", G1), ("delta_g2", G2)):
        pts.append(decode_points(group, rd.take(group.size), 1, f"{bf.what}: header.{name}",
                                 allow_identity=False)[0])
    rd.done()
    return n_vars, n_public, size, pts


def _section_points(bf: BinFile, sid: int, group: Any, count: int) -> list[Any]:
    data = bf.section(sid, _SECTIONS[sid])
    if len(data) != count * group.size:
        raise MalformedInputError(
            f"{bf.what}: section {sid} ({_SECTIONS[sid]}) has {len(data)} bytes, expected "
            f"{count} {group.name} points = {count * group.size} bytes"
        )
    return decode_points(group, data, count, f"{bf.what}: {_SECTIONS[sid]}")


def _coefficients(bf: BinFile, n_vars: int, size: int) -> list[tuple[int, int, int, int]]:
    rd = bf.cursor(4, "coefficients")
    n = rd.u32()
    if n * 44 != rd.remaining():
        raise MalformedInputError(f"{bf.what}: coefficients: {n} entries announced, "
                                  f"{rd.remaining()} bytes present (44 per entry)")
    out = []
    for i in range(n):
        m, c, s = rd.u32(), rd.u32(), rd.u32()
        v = int.from_bytes(rd.take(32), "little")
        if m > 1 or c >= size or s >= n_vars or v >= R:
            raise MalformedInputError(f"{bf.what}: coefficients[{i}]: out of range (matrix {m},"
                                      f" row {c}, variable {s})")
        out.append((m, c, s, v * _COEF_FACTOR_INV % R))
    return out


def _contributions(bf: BinFile) -> tuple[bytes, tuple[ZkeyContribution, ...]]:
    rd = bf.cursor(10, "contributions")
    cs_hash = bytes(rd.take(64))
    n = rd.u32()
    if n * (3 * G1.size + G2.size + 64 + 8) > rd.remaining():
        raise MalformedInputError(f"{bf.what}: contributions: {n} announced, the section is "
                                  "too short")
    out = []
    for i in range(n):
        where = f"{bf.what}: contribution #{i + 1}"
        g1 = [decode_points(G1, rd.take(G1.size), 1, f"{where}.{name}",
                            allow_identity=False)[0] for name in ("delta_after", "g1_s", "g1_sx")]
        g2_spx = decode_points(G2, rd.take(G2.size), 1, f"{where}.g2_spx",
                               allow_identity=False)[0]
        transcript = bytes(rd.take(64))
        kind = rd.u32()
        name, exp, beacon = read_params(rd, where)
        check_kind(kind, exp, beacon, where)
        out.append(ZkeyContribution(g1[0], KeyPart(g1[1], g1[2], g2_spx), transcript, kind, name,
                                    exp, beacon))
    rd.done()
    return cs_hash, tuple(out)


def read_zkey(data: bytes, what: str = "zkey") -> Zkey:
    """See :func:`_read_zkey` (large point lists are subgroup-checked on worker processes)."""
    with parallel_checks():
        return _read_zkey(data, what)


def _read_zkey(data: bytes, what: str = "zkey") -> Zkey:
    """Parse and check a Groth16 ``.zkey`` over BLS12-381 (every point checked).

    Raises :class:`MalformedInputError` naming the file, the section and the point.
    """
    bf = read_binfile(data, MAGIC, what, versions=(1, 2), allowed=_SECTIONS)
    for sid, name in _SECTIONS.items():
        bf.section(sid, name)
    n_vars, n_public, size, (alpha1, beta1, beta2, gamma2, delta1, delta2) = _header(bf)
    cs_hash, contribs = _contributions(bf)
    return Zkey(
        n_vars=n_vars, n_public=n_public, domain_size=size, alpha_g1=alpha1, beta_g1=beta1,
        beta_g2=beta2, gamma_g2=gamma2, delta_g1=delta1, delta_g2=delta2,
        ic=_section_points(bf, 3, G1, n_public + 1),
        coefficients=_coefficients(bf, n_vars, size),
        a_g1=_section_points(bf, 5, G1, n_vars),
        b_g1=_section_points(bf, 6, G1, n_vars),
        b_g2=_section_points(bf, 7, G2, n_vars),
        l_g1=_section_points(bf, 8, G1, n_vars - n_public - 1),
        h_g1=_section_points(bf, 9, G1, size),
        cs_hash=cs_hash, contributions=contribs,
    )


def zkey_bytes(z: Zkey) -> bytes:
    """Return the ``.zkey`` file of ``z`` (sections in id order, as ``snarkjs zkey contribute``)."""
    header = struct.pack("<I", FQ_BYTES) + Q.to_bytes(FQ_BYTES, "little")
    header += struct.pack("<I", 32) + R.to_bytes(32, "little")
    header += struct.pack("<III", z.n_vars, z.n_public, z.domain_size)
    header += encode_points(G1, [z.alpha_g1, z.beta_g1]) + encode_points(G2, [z.beta_g2,
                                                                                z.gamma_g2])
    header += encode_points(G1, [z.delta_g1]) + encode_points(G2, [z.delta_g2])
    coefs = bytearray(struct.pack("<I", len(z.coefficients)))
    for m, c, s, v in z.coefficients:
        coefs += struct.pack("<III", m, c, s) + (v * _COEF_FACTOR % R).to_bytes(32, "little")
    recs = bytearray(z.cs_hash + struct.pack("<I", len(z.contributions)))
    for c in z.contributions:
        recs += encode_points(G1, [c.delta_after, c.key.g1_s, c.key.g1_sx])
        recs += encode_points(G2, [c.key.g2_spx]) + c.transcript + struct.pack("<I", c.kind)
        recs += params_bytes(c.name, c.kind, c.num_iterations_exp, c.beacon_hash)
    return write_binfile(MAGIC, 1, [
        (1, struct.pack("<I", GROTH16)), (2, header), (3, encode_points(G1, z.ic)),
        (4, bytes(coefs)), (5, encode_points(G1, z.a_g1)), (6, encode_points(G1, z.b_g1)),
        (7, encode_points(G2, z.b_g2)), (8, encode_points(G1, z.l_g1)),
        (9, encode_points(G1, z.h_g1)), (10, bytes(recs)),
    ])


# --------------------------------------------------------------------------------------------
# New
# --------------------------------------------------------------------------------------------


def phase1_points(ptau: Ptau, power: int) -> dict[str, Any]:
    """Return the Lagrange points of level ``power`` and the H points of ``power + 1``."""
    lag = ptau.lagrange
    if lag is None:
        raise CeremonyError("phase 1: the .ptau file is not prepared for phase 2 (run "
                            "`zkclaims ceremony phase1 prepare` or `snarkjs powersoftau "
                            "prepare phase2`)")
    if power > ptau.power:
        raise CeremonyError(f"phase 1: the circuit needs a domain of 2^{power} rows, the .ptau "
                            f"file holds 2^{ptau.power}")
    top = Lagrange.level(lag.tau_g1, power + 1)
    return {
        "l": Lagrange.level(lag.tau_g1, power), "l2": Lagrange.level(lag.tau_g2, power),
        "al": Lagrange.level(lag.alpha_tau_g1, power),
        "bl": Lagrange.level(lag.beta_tau_g1, power),
        "h": [top[2 * j + 1] for j in range(1 << power)],
    }


def h_monomials(ptau: Ptau, n: int) -> list[Any]:
    """``tau^i Z(tau) G1 = (tau^(n+i) - tau^i) G1`` for ``i < n - 1`` (what the hash covers)."""
    t = ptau.tau_g1
    return [t[n + i] + (-t[i]) for i in range(n - 1)]


def circuit_hash(ptau: Ptau, n: int, ic: list[Any], l_init: list[Any], a: list[Any],
                 b1: list[Any], b2: list[Any]) -> bytes:
    """Return the circuit hash of an initial key (see the module docstring)."""
    h = hashlib.blake2b()
    h.update(to_u(G1, [ptau.alpha_tau_g1[0], ptau.beta_tau_g1[0]]))
    h.update(to_u(G2, [ptau.beta_g2, G2.generator()]) + to_u(G1, [G1.generator()])
             + to_u(G2, [G2.generator()]))
    h.update(u32be(len(ic)) + to_u(G1, ic))
    h.update(u32be(n - 1) + to_u(G1, h_monomials(ptau, n)))
    h.update(u32be(len(l_init)) + to_u(G1, l_init))
    h.update(u32be(len(a)) + to_u(G1, a))
    h.update(u32be(len(b1)) + to_u(G1, b1))
    h.update(u32be(len(b2)) + to_u(G2, b2))
    return h.digest()


def initial_l_columns(shape: CircuitShape, pts: dict[str, Any], lo: int, hi: int) -> list:
    """Terms of ``beta A_v + alpha B_v + C_v`` for variables ``lo <= v < hi``."""
    cols = shape.columns
    return [[(pts["bl"], i, k) for i, k in cols["a"][v]]
            + [(pts["al"], i, k) for i, k in cols["b"][v]]
            + [(pts["l"], i, k) for i, k in cols["c"][v]] for v in range(lo, hi)]


def new_zkey(r1cs: bytes | R1CS | CircuitShape, ptau: Ptau,
             progress: Progress = no_progress) -> Zkey:
    """Return the initial key of a circuit from a prepared phase-1 file (``snarkjs zkey new``).

    It has no contribution: delta = 1, so it must not be used before at least one.
    """
    shape = r1cs if isinstance(r1cs, CircuitShape) else load_circuit(r1cs)
    pts = phase1_points(ptau, shape.power)
    cols = shape.columns
    n_pub = shape.n_public
    steps = 5
    progress("zkey new", 0, steps)
    a = compose([[(pts["l"], i, k) for i, k in col] for col in cols["a"]])
    progress("zkey new", 1, steps)
    b1 = compose([[(pts["l"], i, k) for i, k in col] for col in cols["b"]])
    progress("zkey new", 2, steps)
    b2 = compose([[(pts["l2"], i, k) for i, k in col] for col in cols["b"]], g2=True)
    progress("zkey new", 3, steps)
    ic = compose(initial_l_columns(shape, pts, 0, n_pub + 1))
    l_init = compose(initial_l_columns(shape, pts, n_pub + 1, shape.n_vars))
    progress("zkey new", 4, steps)
    cs_hash = circuit_hash(ptau, shape.domain_size, ic, l_init, a, b1, b2)
    progress("zkey new", 5, steps)
    g1, g2 = G1.generator(), G2.generator()
    return Zkey(
        n_vars=shape.n_vars, n_public=n_pub, domain_size=shape.domain_size,
        alpha_g1=ptau.alpha_tau_g1[0], beta_g1=ptau.beta_tau_g1[0], beta_g2=ptau.beta_g2,
        gamma_g2=g2, delta_g1=g1, delta_g2=g2, ic=ic, coefficients=shape.coefficients(),
        a_g1=a, b_g1=b1, b_g2=b2, l_g1=l_init, h_g1=list(pts["h"]), cs_hash=cs_hash,
    )


# --------------------------------------------------------------------------------------------
# Contribute, beacon
# --------------------------------------------------------------------------------------------


def _contribute(z: Zkey, rng: ChaCha, kind: int, name: str | None, exp: int | None,
                beacon: bytes | None, progress: Progress) -> tuple[Zkey, bytes]:
    if name is not None:
        check_name(name)
    key, d = create_delta_key(z.transcript_hasher(), rng)
    ds, d_inv = scalar(d), scalar(pow(d, -1, R))
    del d
    delta_g1 = z.delta_g1 * ds
    delta_g2 = z.delta_g2 * ds
    del ds
    total = len(z.l_g1) + len(z.h_g1)
    every = max(1, total // 50)
    out = []
    for i, p in enumerate([*z.l_g1, *z.h_g1]):
        out.append(p * d_inv)
        if i % every == 0 or i == total - 1:
            progress("delta", i + 1, total)
    del d_inv
    record = _record(key, delta_g1, kind, name, exp, beacon)
    new = replace(z, delta_g1=delta_g1, delta_g2=delta_g2, l_g1=out[: len(z.l_g1)],
                  h_g1=out[len(z.l_g1):], contributions=(*z.contributions, record))
    return new, record.contribution_hash()


def _record(key: DeltaKey, delta_g1: Any, kind: int, name: str | None, exp: int | None,
            beacon: bytes | None) -> ZkeyContribution:
    return ZkeyContribution(delta_g1, key.part, key.transcript, kind, name, exp, beacon)


def contribute_zkey(z: Zkey, name: str | None = None, entropy: str | bytes | None = None,
                    progress: Progress = no_progress) -> tuple[Zkey, bytes]:
    """Return a delta contribution with fresh secrets (``secrets`` + optional ``entropy``).

    Returns the new key and the contribution hash to publish.
    """
    return _contribute(z, entropy_rng(entropy), KIND_CONTRIBUTION, name, None, None, progress)


def beacon_zkey(z: Zkey, beacon_hash: bytes, num_iterations_exp: int, name: str | None = None,
                progress: Progress = no_progress) -> tuple[Zkey, bytes]:
    """Return a beacon contribution: delta derived from a public value by iterated SHA-256."""
    rng = beacon_rng(beacon_hash, num_iterations_exp)
    return _contribute(z, rng, KIND_BEACON, name, num_iterations_exp, bytes(beacon_hash),
                       progress)
