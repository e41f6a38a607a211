"""Export (and read back) the iden3 binary formats ``.r1cs`` and ``.wtns`` used by circom/snarkjs.

Both are iden3 "binfile" containers: a 4-byte magic, a ``u32`` version, a ``u32`` number of
sections, then sections ``(u32 type, u64 byte size, content)``. All integers are little-endian;
field elements are ``n8`` bytes little-endian in standard (non-Montgomery) form, with
``n8 = 32`` for BLS12-381's r (``(floor((bits(r) - 1) / 64) + 1) * 8``).

``.r1cs`` (magic ``r1cs``, version 1), sections:

1. header: ``n8 u32``, prime ``n8 bytes``, ``nWires u32``, ``nPubOut u32``, ``nPubIn u32``,
   ``nPrvIn u32``, ``nLabels u64``, ``mConstraints u32``;
2. constraints: for each constraint, for each of A, B, C: ``nnz u32`` then ``nnz`` pairs
   ``(wire u32, coefficient n8 bytes)``;
3. wire-to-label map: ``nWires`` values ``u64``.

``.wtns`` (magic ``wtns``, version 2), sections: 1. ``n8 u32``, prime, ``nWitness u32``;
2. the ``nWitness`` values.

Wire order is snarkjs's: 1, outputs, public inputs, private inputs, internal wires. Ours is 1,
publics, privates, so our publics are written as public *inputs* with ``nPubOut = 0``. Labels are
the identity (wire i has label i).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkclaims.circuit.r1cs import R1CS, Row
from zkclaims.errors import MalformedInputError
from zkclaims.field import R

#: Bytes per field element for BLS12-381's scalar field.
N8 = (((R.bit_length() - 1) // 64) + 1) * 8

_HEADER, _CONSTRAINTS, _WIRE2LABEL = 1, 2, 3


def _section(kind: int, content: bytes) -> bytes:
    return struct.pack("<IQ", kind, len(content)) + content


def _container(magic: bytes, version: int, sections: Sequence[bytes]) -> bytes:
    return magic + struct.pack("<II", version, len(sections)) + b"".join(sections)


def _fe(x: int) -> bytes:
    return (x % R).to_bytes(N8, "little")


def r1cs_to_bytes(r1cs: R1CS, *, n_private_inputs: int = 0) -> bytes:
    """Serialise ``r1cs`` in the iden3 ``.r1cs`` format (version 1, BLS12-381 prime).

    ``n_private_inputs`` is informative (snarkjs prints it); the wires after the public inputs
    are private in any case.
    """
    if not 0 <= n_private_inputs <= r1cs.n_private:
        raise MalformedInputError(
            f"n_private_inputs: must be in [0, {r1cs.n_private}], got {n_private_inputs}"
        )
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little")
    header += struct.pack(
        "<IIIIQI", r1cs.n_vars, 0, r1cs.n_public, n_private_inputs, r1cs.n_vars,
        r1cs.n_constraints,
    )
    body = bytearray()
    for con in r1cs.constraints:
        for row in con:
            body += struct.pack("<I", len(row))
            for var in sorted(row):
                body += struct.pack("<I", var) + _fe(row[var])
    labels = b"".join(struct.pack("<Q", i) for i in range(r1cs.n_vars))
    return _container(
        b"r1cs",
        1,
        [
            _section(_HEADER, header),
            _section(_CONSTRAINTS, bytes(body)),
            _section(_WIRE2LABEL, labels),
        ],
    )


def wtns_to_bytes(witness: Sequence[int]) -> bytes:
    """Serialise a full witness (``w[0] = 1``, values in ``[0, r)``) as ``.wtns`` (version 2)."""
    for i, v in enumerate(witness):
        if not isinstance(v, int) or not 0 <= v < R:
            raise MalformedInputError(f"witness[{i}]: must be an integer in [0, r), got {v!r}")
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack("<I", len(witness))
    values = b"".join(_fe(v) for v in witness)
    return _container(b"wtns", 2, [_section(1, header), _section(2, values)])


def write_r1cs(path: str | Path, r1cs: R1CS, *, n_private_inputs: int = 0) -> None:
    """Write ``r1cs`` to ``path`` in the iden3 ``.r1cs`` format."""
    Path(path).write_bytes(r1cs_to_bytes(r1cs, n_private_inputs=n_private_inputs))


def write_wtns(path: str | Path, witness: Sequence[int]) -> None:
    """Write a full witness to ``path`` in the iden3 ``.wtns`` format."""
    Path(path).write_bytes(wtns_to_bytes(witness))


# ---------------------------------------------------------------------------------------------
# Reading (e.g. a circom-made .r1cs over BLS12-381)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class R1csHeader:
    """The header section of a ``.r1cs`` file."""

    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_labels: int
    n_constraints: int


class _Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise MalformedInputError(f"{self.what}: truncated at byte {self.pos} (need {n} more)")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]


def _sections(data: bytes, magic: bytes, what: str) -> tuple[int, dict[int, bytes]]:
    rd = _Reader(data, what)
    if rd.take(4) != magic:
        raise MalformedInputError(f"{what}: bad magic, expected {magic!r}")
    version = rd.u32()
    n = rd.u32()
    out: dict[int, bytes] = {}
    for _ in range(n):
        kind = rd.u32()
        size = rd.u64()
        if kind in out:
            raise MalformedInputError(f"{what}: section {kind} appears twice")
        out[kind] = rd.take(size)
    if rd.pos != len(data):
        raise MalformedInputError(f"{what}: {len(data) - rd.pos} trailing bytes")
    return version, out


def _read_prime(rd: _Reader) -> int:
    n8 = rd.u32()
    prime = int.from_bytes(rd.take(n8), "little")
    if n8 != N8 or prime != R:
        raise MalformedInputError(f"{rd.what}.prime: not the BLS12-381 scalar field ({prime:#x})")
    return n8


def _read_fe(rd: _Reader, field: str) -> int:
    v = int.from_bytes(rd.take(N8), "little")
    if v >= R:
        raise MalformedInputError(f"{field}: field element >= r")
    return v


def r1cs_from_bytes(data: bytes, *, name: str = "circuit") -> tuple[R1CS, R1csHeader]:
    """Parse an iden3 ``.r1cs`` file over BLS12-381 into an :class:`R1CS` and its header.

    Outputs and public inputs both become our public inputs (in file order). Raises
    :class:`MalformedInputError` on anything unexpected (other prime, truncation, wire >= nWires,
    non-identity label map is accepted but ignored).
    """
    version, secs = _sections(data, b"r1cs", "r1cs")
    if version != 1:
        raise MalformedInputError(f"r1cs.version: expected 1, got {version}")
    for k in (_HEADER, _CONSTRAINTS):
        if k not in secs:
            raise MalformedInputError(f"r1cs: section {k} missing")
    rd = _Reader(secs[_HEADER], "r1cs.header")
    _read_prime(rd)
    hdr = R1csHeader(rd.u32(), rd.u32(), rd.u32(), rd.u32(), rd.u64(), rd.u32())
    if rd.pos != len(rd.data):
        raise MalformedInputError("r1cs.header: unexpected length")
    rd = _Reader(secs[_CONSTRAINTS], "r1cs.constraints")
    constraints = []
    for i in range(hdr.n_constraints):
        rows: list[Row] = []
        for m in "ABC":
            row: Row = {}
            for _ in range(rd.u32()):
                wire = rd.u32()
                if wire >= hdr.n_wires or wire in row:
                    raise MalformedInputError(f"r1cs.constraints[{i}].{m}: bad wire {wire}")
                coef = _read_fe(rd, f"r1cs.constraints[{i}].{m}[{wire}]")
                if coef:
                    row[wire] = coef
            rows.append(row)
        constraints.append((rows[0], rows[1], rows[2]))
    if rd.pos != len(rd.data):
        raise MalformedInputError("r1cs.constraints: trailing bytes")
    r1cs = R1CS(
        n_public=hdr.n_pub_out + hdr.n_pub_in,
        n_vars=hdr.n_wires,
        constraints=tuple(constraints),
        names=tuple(f"[{i}]" for i in range(hdr.n_constraints)),
        name=name,
    )
    return r1cs, hdr


def wtns_from_bytes(data: bytes) -> list[int]:
    """Parse an iden3 ``.wtns`` file over BLS12-381 into the witness list."""
    version, secs = _sections(data, b"wtns", "wtns")
    if version not in (1, 2):
        raise MalformedInputError(f"wtns.version: expected 1 or 2, got {version}")
    if 1 not in secs or 2 not in secs:
        raise MalformedInputError("wtns: sections 1 and 2 are required")
    rd = _Reader(secs[1], "wtns.header")
    _read_prime(rd)
    n = rd.u32()
    rd = _Reader(secs[2], "wtns.values")
    out = [_read_fe(rd, f"wtns[{i}]") for i in range(n)]
    if rd.pos != len(rd.data):
        raise MalformedInputError("wtns.values: trailing bytes")
    return out


def read_r1cs(path: str | Path, *, name: str = "circuit") -> tuple[R1CS, R1csHeader]:
    """Read a ``.r1cs`` file (see :func:`r1cs_from_bytes`)."""
    return r1cs_from_bytes(Path(path).read_bytes(), name=name)


def read_wtns(path: str | Path) -> list[int]:
    """Read a ``.wtns`` file (see :func:`wtns_from_bytes`)."""
    return wtns_from_bytes(Path(path).read_bytes())
