"""Phase 1 — powers of tau — in snarkjs's ``.ptau`` format (version 1), for BLS12-381.

Sections (ids as in snarkjs): 1 header (``n8 = 48``, the base-field prime ``q``, ``power``,
``ceremonyPower``); 2 ``tau^i G1`` (``i < 2^(k+1) - 1``); 3 ``tau^i G2`` (``i < 2^k``);
4 ``alpha tau^i G1``; 5 ``beta tau^i G1``; 6 ``beta G2``; 7 the contributions; and, once
prepared for phase 2 (:mod:`zkclaims.ceremony.lagrange`), 12–15 the same points in the
Lagrange bases of every domain size ``2^0 .. 2^k`` (and ``2^(k+1)`` for section 12).

A contribution record (section 7) holds the new ``tau G1, tau G2, alpha G1, beta G1, beta G2``,
the three public keys (:mod:`zkclaims.ceremony.keys`), the saved state of the *response* hash
(``BLAKE2b(previous challenge || the new points, compressed)``, before the public key is
appended: :mod:`zkclaims.ceremony.blake2b`), the *next challenge*
``BLAKE2b(response hash || the new points, uncompressed)``, a type (0 contribution, 1 beacon)
and parameters (1 name, 2 beacon iteration exponent, 3 beacon value).

This module reads (every point checked: canonical, on the curve, in the subgroup), writes, and
makes new accumulators and contributions; :mod:`zkclaims.ceremony.verify_ptau` checks them.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from zkclaims.ceremony.binfile import BinFile, read_binfile, write_binfile
from zkclaims.ceremony.blake2b import PARTIAL_HASH_SIZE, Blake2b
from zkclaims.ceremony.fq import FQ_BYTES, Q
from zkclaims.ceremony.keys import KeyPart, PtauKey, create_ptau_key, scalar
from zkclaims.ceremony.points import (
    G1,
    G2,
    Group,
    c_from_std,
    decode_points,
    encode_points,
    std_blob,
    to_u,
    u_from_std,
)
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
from zkclaims.errors import MalformedInputError
from zkclaims.field import R

__all__ = [
    "MAGIC", "MAX_POWER", "Ptau", "PtauContribution", "Lagrange", "read_ptau", "new_ptau",
    "contribute_ptau", "beacon_ptau", "first_challenge", "ptau_bytes", "KIND_CONTRIBUTION",
    "KIND_BEACON", "Progress",
]

MAGIC = b"ptau"
MAX_POWER = 20  #: largest 2^k this implementation reads (2^20: a 1 GB file)
HASH_SIZE = 64
_SECTIONS = {1: "header", 2: "tauG1", 3: "tauG2", 4: "alphaTauG1", 5: "betaTauG1", 6: "betaG2",
             7: "contributions", 12: "lagrange tauG1", 13: "lagrange tauG2",
             14: "lagrange alphaTauG1", 15: "lagrange betaTauG1"}

@dataclass(frozen=True)
class PtauContribution:
    """One record of section 7 (points are native arkworks points)."""

    tau_g1: Any
    tau_g2: Any
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    key: PtauKey
    partial_hash: bytes
    next_challenge: bytes
    kind: int = KIND_CONTRIBUTION
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None

    @property
    def is_beacon(self) -> bool:
        """Whether this is a beacon (public randomness) contribution."""
        return self.kind == KIND_BEACON

    def response_hash(self) -> bytes:
        """Return the hash a contributor publishes, resumed from the saved state.

        ``BLAKE2b(previous challenge || new points (compressed) || public key)``.
        """
        h = Blake2b.from_partial(self.partial_hash)
        h.update(self.key.to_u())
        return h.digest()


@dataclass(frozen=True)
class Lagrange:
    """Sections 12–15: every level ``p`` concatenated, level ``p`` at offset ``2^p - 1``."""

    tau_g1: list[Any]
    tau_g2: list[Any]
    alpha_tau_g1: list[Any]
    beta_tau_g1: list[Any]

    @staticmethod
    def level(points: Sequence[Any], p: int) -> Sequence[Any]:
        """Return the ``2^p`` points of level ``p``."""
        return points[(1 << p) - 1 : (1 << (p + 1)) - 1]


@dataclass(frozen=True)
class Ptau:
    """A powers-of-tau accumulator for ``2^power`` with its contribution records."""

    power: int
    tau_g1: list[Any]
    tau_g2: list[Any]
    alpha_tau_g1: list[Any]
    beta_tau_g1: list[Any]
    beta_g2: Any
    contributions: tuple[PtauContribution, ...] = ()
    lagrange: Lagrange | None = None
    # std blobs of sections 2-6 (points.std_blob); not an init field, so replace() drops it
    _std: dict[int, bytes] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def last_challenge(self) -> bytes:
        """The challenge the next contribution answers."""
        if self.contributions:
            return self.contributions[-1].next_challenge
        return first_challenge(self.power)

    def _stds(self) -> list[tuple[Group, bytes]]:
        """Return sections 2–6 as (group, std blob), cached (the reader fills the cache)."""
        if len(self._std) != 5:
            self._std.update({
                2: std_blob(G1, self.tau_g1), 3: std_blob(G2, self.tau_g2),
                4: std_blob(G1, self.alpha_tau_g1), 5: std_blob(G1, self.beta_tau_g1),
                6: std_blob(G2, [self.beta_g2])})
        return [(G1, self._std[2]), (G2, self._std[3]), (G1, self._std[4]), (G1, self._std[5]),
                (G2, self._std[6])]

    def sections_u(self) -> bytes:
        """Return sections 2–6 uncompressed (what the next-challenge hash covers)."""
        return b"".join(u_from_std(g, blob) for g, blob in self._stds())

    def sections_c(self) -> bytes:
        """Return sections 2–6 compressed (what the response hash covers)."""
        return b"".join(c_from_std(g, blob) for g, blob in self._stds())


def counts(power: int) -> dict[str, int]:
    """Return the number of points of sections 2–5 for ``2^power``."""
    n = 1 << power
    return {"tauG1": 2 * n - 1, "tauG2": n, "alphaTauG1": n, "betaTauG1": n}


def first_challenge(power: int) -> bytes:
    """Snarkjs's first challenge: BLAKE2b of the empty hash and the blank accumulator."""
    n = 1 << power
    g1_u = to_u(G1, [G1.generator()])
    g2_u = to_u(G2, [G2.generator()])
    h = hashlib.blake2b(hashlib.blake2b(b"").digest())
    h.update(g1_u * (2 * n - 1))
    h.update(g2_u * n)
    h.update(g1_u * n)
    h.update(g1_u * n)
    h.update(g2_u)
    return h.digest()


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _read_header(bf: BinFile) -> int:
    rd = bf.cursor(1, "header")
    n8 = rd.u32()
    if n8 != FQ_BYTES:
        raise MalformedInputError(
            f"{bf.what}: curve: field elements of {n8} bytes; only bls12381 (48) is supported"
            f"{' (32 bytes: this looks like a bn128 file)' if n8 == 32 else ''}"
        )
    q = int.from_bytes(rd.take(n8), "little")
    if q != Q:
        raise MalformedInputError(
            f"{bf.what}: curve: prime {q:#x} is not bls12381's base field"
        )
    power = rd.u32()
    ceremony_power = rd.u32()
    rd.done()
    if not 1 <= power <= MAX_POWER:
        raise MalformedInputError(
            f"{bf.what}: power {power} outside the supported range 1..{MAX_POWER}"
        )
    if ceremony_power != power:
        raise MalformedInputError(
            f"{bf.what}: power {power} differs from the ceremony power {ceremony_power}: "
            "reduced (truncated) files are not supported"
        )
    return power


def _points(bf: BinFile, sid: int, group: Group, count: int,
            std_out: list[bytes] | None = None) -> list[Any]:
    data = bf.section(sid, _SECTIONS[sid])
    if len(data) != count * group.size:
        raise MalformedInputError(
            f"{bf.what}: section {sid} ({_SECTIONS[sid]}) has {len(data)} bytes, expected "
            f"{count} {group.name} points = {count * group.size} bytes"
        )
    return decode_points(group, data, count, f"{bf.what}: {_SECTIONS[sid]}", std_out=std_out)


def _read_contributions(bf: BinFile) -> tuple[PtauContribution, ...]:
    rd = bf.cursor(7, "contributions")
    n = rd.u32()
    per_record = 3 * G1.size + 2 * G2.size + 6 * G1.size + 3 * G2.size + PARTIAL_HASH_SIZE
    if n * per_record > rd.remaining():
        raise MalformedInputError(
            f"{bf.what}: contributions: {n} records announced, the section is too short"
        )
    out = []
    for i in range(n):
        where = f"{bf.what}: contribution #{i + 1}"

        def g1(name: str, w: str = where) -> Any:
            return decode_points(G1, rd.take(G1.size), 1, f"{w}.{name}", allow_identity=False)[0]

        def g2(name: str, w: str = where) -> Any:
            return decode_points(G2, rd.take(G2.size), 1, f"{w}.{name}", allow_identity=False)[0]

        tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2 = (
            g1("tau_g1"), g2("tau_g2"), g1("alpha_g1"), g1("beta_g1"), g2("beta_g2"))
        g1s = [g1(f"key.{k}.{s}") for k in ("tau", "alpha", "beta") for s in ("g1_s", "g1_sx")]
        g2s = [g2(f"key.{k}.g2_spx") for k in ("tau", "alpha", "beta")]
        key = PtauKey(*(KeyPart(g1s[2 * j], g1s[2 * j + 1], g2s[j]) for j in range(3)))
        partial = bytes(rd.take(PARTIAL_HASH_SIZE))
        Blake2b.from_partial(partial, f"{where}.partial_hash")
        next_challenge = bytes(rd.take(HASH_SIZE))
        kind = rd.u32()
        name, exp, beacon = read_params(rd, where)
        check_kind(kind, exp, beacon, where)
        out.append(PtauContribution(tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2, key, partial,
                                    next_challenge, kind, name, exp, beacon))
    rd.done()
    return tuple(out)


def read_ptau(data: bytes, what: str = "ptau", progress: Progress | None = None) -> Ptau:
    """See :func:`_read_ptau` (large point lists are subgroup-checked on worker processes)."""
    with parallel_checks():
        return _read_ptau(data, what, progress or no_progress)


def _read_ptau(data: bytes, what: str, progress: Progress) -> Ptau:
    """Parse and check a ``.ptau`` file (every point canonical, on curve, in the subgroup).

    Raises :class:`MalformedInputError` naming the file, the section and the point.
    """
    bf = read_binfile(data, MAGIC, what, versions=(1,), allowed=_SECTIONS)
    for sid in (1, 2, 3, 4, 5, 6, 7):
        bf.section(sid, _SECTIONS[sid])
    power = _read_header(bf)
    c = counts(power)
    lag_ids = [sid for sid in (12, 13, 14, 15) if sid in bf.sections]
    if lag_ids and len(lag_ids) != 4:
        missing = sorted({12, 13, 14, 15} - set(lag_ids))
        raise MalformedInputError(f"{what}: phase-2 sections {missing} missing (found {lag_ids})")
    total = 6 + len(lag_ids)
    step = iter(range(1, total + 1))
    stds: list[bytes] = []

    def points(sid: int, group: Group, count: int, std: list[bytes] | None = None) -> list:
        out = _points(bf, sid, group, count, std)
        progress("reading", next(step), total)
        return out

    ptau = Ptau(
        power=power,
        tau_g1=points(2, G1, c["tauG1"], stds),
        tau_g2=points(3, G2, c["tauG2"], stds),
        alpha_tau_g1=points(4, G1, c["alphaTauG1"], stds),
        beta_tau_g1=points(5, G1, c["betaTauG1"], stds),
        beta_g2=points(6, G2, 1, stds)[0],
        contributions=_read_contributions(bf),
    )
    progress("reading", next(step), total)
    if lag_ids:
        levels = (1 << (power + 1)) - 1  # levels 0..power
        ptau = replace(ptau, lagrange=Lagrange(
            tau_g1=points(12, G1, (1 << (power + 2)) - 1),
            tau_g2=points(13, G2, levels),
            alpha_tau_g1=points(14, G1, levels),
            beta_tau_g1=points(15, G1, levels),
        ))
    ptau._std.update(zip((2, 3, 4, 5, 6), stds, strict=True))
    return ptau


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _params(c: PtauContribution) -> bytes:
    return params_bytes(c.name, c.kind, c.num_iterations_exp, c.beacon_hash)


def ptau_bytes(ptau: Ptau) -> bytes:
    """Return the ``.ptau`` file of ``ptau`` (with sections 12–15 when it is prepared)."""
    header = struct.pack("<I", FQ_BYTES) + Q.to_bytes(FQ_BYTES, "little")
    header += struct.pack("<II", ptau.power, ptau.power)
    recs = bytearray(struct.pack("<I", len(ptau.contributions)))
    for c in ptau.contributions:
        recs += encode_points(G1, [c.tau_g1]) + encode_points(G2, [c.tau_g2])
        recs += encode_points(G1, [c.alpha_g1, c.beta_g1]) + encode_points(G2, [c.beta_g2])
        recs += encode_points(G1, c.key.g1_points()) + encode_points(G2, c.key.g2_points())
        recs += c.partial_hash + c.next_challenge + struct.pack("<I", c.kind) + _params(c)
    sections = [
        (1, header),
        (2, encode_points(G1, ptau.tau_g1)),
        (3, encode_points(G2, ptau.tau_g2)),
        (4, encode_points(G1, ptau.alpha_tau_g1)),
        (5, encode_points(G1, ptau.beta_tau_g1)),
        (6, encode_points(G2, [ptau.beta_g2])),
        (7, bytes(recs)),
    ]
    if ptau.lagrange is not None:
        lag = ptau.lagrange
        sections += [(12, encode_points(G1, lag.tau_g1)), (13, encode_points(G2, lag.tau_g2)),
                     (14, encode_points(G1, lag.alpha_tau_g1)),
                     (15, encode_points(G1, lag.beta_tau_g1))]
    return write_binfile(MAGIC, 1, sections)


# --------------------------------------------------------------------------------------------
# New, contribute, beacon
# --------------------------------------------------------------------------------------------


def new_ptau(power: int) -> Ptau:
    """Return a blank accumulator for ``2^power`` (every point a generator; no contribution)."""
    if isinstance(power, bool) or not isinstance(power, int) or not 1 <= power <= MAX_POWER:
        raise MalformedInputError(f"power: expected an integer in 1..{MAX_POWER}, got {power!r}")
    c = counts(power)
    g1, g2 = G1.generator(), G2.generator()
    return Ptau(power, [g1] * c["tauG1"], [g2] * c["tauG2"], [g1] * c["alphaTauG1"],
                [g1] * c["betaTauG1"], g2)


def _apply(points: Sequence[Any], first: int, inc: int, step: str, progress: Progress) -> list:
    """``points[i] * first * inc^i``."""
    out = []
    t = first % R
    n = len(points)
    every = max(1, n // 50)
    for i, p in enumerate(points):
        out.append(p * scalar(t))
        t = t * inc % R
        if i % every == 0 or i == n - 1:
            progress(step, i + 1, n)
    return out


def _contribute(ptau: Ptau, rng: ChaCha, kind: int, name: str | None, exp: int | None,
                beacon: bytes | None, progress: Progress) -> tuple[Ptau, bytes]:
    if name is not None:
        check_name(name)
    challenge = ptau.last_challenge
    key, (tau, alpha, beta) = create_ptau_key(challenge, rng)
    new = Ptau(
        power=ptau.power,
        tau_g1=_apply(ptau.tau_g1, 1, tau, "tauG1", progress),
        tau_g2=_apply(ptau.tau_g2, 1, tau, "tauG2", progress),
        alpha_tau_g1=_apply(ptau.alpha_tau_g1, alpha, tau, "alphaTauG1", progress),
        beta_tau_g1=_apply(ptau.beta_tau_g1, beta, tau, "betaTauG1", progress),
        beta_g2=ptau.beta_g2 * scalar(beta),
    )
    del tau, alpha, beta
    response = Blake2b(challenge)
    progress("hashing", 0, 2)
    response.update(new.sections_c())
    partial = response.partial()
    response.update(key.to_u())
    response_hash = response.digest()
    next_challenge = hashlib.blake2b(response_hash + new.sections_u()).digest()
    progress("hashing", 2, 2)
    record = PtauContribution(
        tau_g1=new.tau_g1[1], tau_g2=new.tau_g2[1], alpha_g1=new.alpha_tau_g1[0],
        beta_g1=new.beta_tau_g1[0], beta_g2=new.beta_g2, key=key, partial_hash=partial,
        next_challenge=next_challenge, kind=kind, name=name, num_iterations_exp=exp,
        beacon_hash=beacon,
    )
    return replace(new, contributions=(*ptau.contributions, record)), response_hash


def contribute_ptau(
    ptau: Ptau, name: str | None = None, entropy: str | bytes | None = None,
    progress: Progress = no_progress,
) -> tuple[Ptau, bytes]:
    """Return a new contribution with fresh secrets (``secrets`` + optional ``entropy``).

    Returns the new accumulator (without phase-2 sections: prepare it again) and the
    contribution's response hash, which the contributor publishes.
    """
    return _contribute(ptau, entropy_rng(entropy), KIND_CONTRIBUTION, name, None, None, progress)


def beacon_ptau(
    ptau: Ptau, beacon_hash: bytes, num_iterations_exp: int, name: str | None = None,
    progress: Progress = no_progress,
) -> tuple[Ptau, bytes]:
    """Return a beacon contribution: secrets derived from a public value by iterated SHA-256."""
    rng = beacon_rng(beacon_hash, num_iterations_exp)
    return _contribute(ptau, rng, KIND_BEACON, name, num_iterations_exp, bytes(beacon_hash),
                       progress)
