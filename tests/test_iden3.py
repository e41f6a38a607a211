"""The iden3 .r1cs / .wtns export, checked by an independent reader written in this file.

The reader below follows the format description (iden3 binfile container; r1cs sections 1
header, 2 constraints, 3 wire-to-label; wtns sections 1 header, 2 values; little-endian;
field elements n8 bytes in standard form) and shares no code with zkclaims.circuit.iden3.
Real snarkjs 0.7.6 accepted the same output (`snarkjs r1cs info`, `snarkjs wtns check`); that
check is not run here (no node in CI).
"""

from __future__ import annotations

import io

import pytest

from zkclaims.circuit import Builder, Circuit, private, public
from zkclaims.circuit import gadgets as g
from zkclaims.circuit.iden3 import (
    r1cs_from_bytes,
    r1cs_to_bytes,
    read_r1cs,
    read_wtns,
    write_r1cs,
    write_wtns,
    wtns_from_bytes,
    wtns_to_bytes,
)
from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.poseidon import hash2

BLS12_381_R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


# -- independent reader ----------------------------------------------------------------------------


def _u(stream: io.BytesIO, n: int) -> int:
    raw = stream.read(n)
    assert len(raw) == n, "truncated"
    return int.from_bytes(raw, "little")


def read_container(data: bytes, magic: bytes) -> tuple[int, dict[int, bytes]]:
    s = io.BytesIO(data)
    assert s.read(4) == magic
    version = _u(s, 4)
    n_sections = _u(s, 4)
    sections = {}
    for _ in range(n_sections):
        kind = _u(s, 4)
        size = _u(s, 8)
        body = s.read(size)
        assert len(body) == size
        sections[kind] = body
    assert s.read() == b""
    return version, sections


def independent_read_r1cs(data: bytes) -> dict:
    version, sec = read_container(data, b"r1cs")
    h = io.BytesIO(sec[1])
    n8 = _u(h, 4)
    out = {
        "version": version,
        "n8": n8,
        "prime": _u(h, n8),
        "nWires": _u(h, 4),
        "nPubOut": _u(h, 4),
        "nPubIn": _u(h, 4),
        "nPrvIn": _u(h, 4),
        "nLabels": _u(h, 8),
        "mConstraints": _u(h, 4),
    }
    assert h.read() == b""
    c = io.BytesIO(sec[2])
    constraints = []
    for _ in range(out["mConstraints"]):
        lcs = []
        for _abc in range(3):
            lc = {}
            for _k in range(_u(c, 4)):
                wire = _u(c, 4)
                lc[wire] = _u(c, n8)
            lcs.append(lc)
        constraints.append(tuple(lcs))
    assert c.read() == b""
    out["constraints"] = constraints
    labels = io.BytesIO(sec[3])
    out["labels"] = [_u(labels, 8) for _ in range(out["nWires"])]
    assert labels.read() == b""
    return out


def independent_read_wtns(data: bytes) -> dict:
    version, sec = read_container(data, b"wtns")
    h = io.BytesIO(sec[1])
    n8 = _u(h, 4)
    prime = _u(h, n8)
    n = _u(h, 4)
    v = io.BytesIO(sec[2])
    values = [_u(v, n8) for _ in range(n)]
    assert v.read() == b""
    return {"version": version, "n8": n8, "prime": prime, "values": values}


# -- a circuit to export ---------------------------------------------------------------------------


class Claimish(Circuit):
    commitment = public()
    flag = public()
    a = private()
    b = private()

    def define(self, api: Builder) -> None:
        api.assert_equal(g.poseidon_hash2(api, self.a, self.b, domain=3), self.commitment)
        api.assert_equal(g.less_than(api, self.a, self.b, bits=16), self.flag)


ASSIGNMENT = {"commitment": hash2(5, 600, domain=3), "flag": 1, "a": 5, "b": 600}


def test_r1cs_export_reads_back_independently() -> None:
    r1cs = Claimish().compile()
    data = r1cs_to_bytes(r1cs, n_private_inputs=Claimish.n_private_inputs())
    got = independent_read_r1cs(data)
    assert got["version"] == 1 and got["n8"] == 32 and got["prime"] == BLS12_381_R == R
    assert (got["nWires"], got["nPubOut"], got["nPubIn"], got["nPrvIn"]) == (r1cs.n_vars, 0, 2, 2)
    assert got["nLabels"] == r1cs.n_vars and got["labels"] == list(range(r1cs.n_vars))
    assert got["mConstraints"] == r1cs.n_constraints
    assert [tuple(lc for lc in con) for con in got["constraints"]] == list(r1cs.constraints)


def test_wtns_export_reads_back_independently_and_satisfies() -> None:
    r1cs = Claimish().compile()
    w = Claimish().witness(ASSIGNMENT)
    got = independent_read_wtns(wtns_to_bytes(w))
    assert got["version"] == 2 and got["n8"] == 32 and got["prime"] == R
    assert got["values"] == w and got["values"][0] == 1
    # Evaluate the constraints from the independently parsed files.
    parsed = independent_read_r1cs(r1cs_to_bytes(r1cs))
    vals = got["values"]
    for a, b, c in parsed["constraints"]:
        ev = [sum(k * vals[i] for i, k in lc.items()) % R for lc in (a, b, c)]
        assert ev[0] * ev[1] % R == ev[2]


def test_module_reader_round_trip(tmp_path) -> None:  # noqa: ANN001
    r1cs = Claimish().compile()
    w = Claimish().witness(ASSIGNMENT)
    write_r1cs(tmp_path / "c.r1cs", r1cs, n_private_inputs=2)
    write_wtns(tmp_path / "c.wtns", w)
    back, hdr = read_r1cs(tmp_path / "c.r1cs", name=r1cs.name)
    assert back.constraints == r1cs.constraints and back.digest() == r1cs.digest()
    assert (hdr.n_pub_in, hdr.n_prv_in, hdr.n_constraints) == (2, 2, r1cs.n_constraints)
    assert read_wtns(tmp_path / "c.wtns") == w
    assert back.is_satisfied(w)


def test_readers_reject_malformed_files() -> None:
    r1cs = Claimish().compile()
    data = r1cs_to_bytes(r1cs)
    with pytest.raises(MalformedInputError, match="magic"):
        r1cs_from_bytes(b"wtns" + data[4:])
    with pytest.raises(MalformedInputError, match="truncated"):
        r1cs_from_bytes(data[:-5])
    other_prime = data.replace(R.to_bytes(32, "little"), (R - 2).to_bytes(32, "little"), 1)
    with pytest.raises(MalformedInputError, match="prime"):
        r1cs_from_bytes(other_prime)
    w = wtns_to_bytes([1, 2, 3])
    assert wtns_from_bytes(w) == [1, 2, 3]
    with pytest.raises(MalformedInputError, match=r"wtns\[1\]"):
        wtns_from_bytes(w[:-64] + R.to_bytes(32, "little") + w[-32:])
    with pytest.raises(MalformedInputError, match=r"witness\[1\]"):
        wtns_to_bytes([1, R])
    with pytest.raises(MalformedInputError, match="n_private_inputs"):
        r1cs_to_bytes(r1cs, n_private_inputs=r1cs.n_vars)
