"""No .ptau / .zkey / .r1cs input crashes or hangs the readers: only ZkClaimsError escapes."""

import struct

import pytest
from ceremony_support import FIX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkclaims.ceremony import load_circuit, read_ptau, read_zkey
from zkclaims.errors import ZkClaimsError

CER = FIX / "ceremony"
FILES = {
    "ptau": (CER / "snarkjs_pot3.ptau").read_bytes(),
    "zkey": (CER / "snarkjs_circuit.zkey").read_bytes(),
    "r1cs": (FIX / "snarkjs" / "circuit.r1cs").read_bytes(),
}
READERS = {"ptau": read_ptau, "zkey": read_zkey, "r1cs": load_circuit}
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _read(kind, data):
    try:
        READERS[kind](data)
    except ZkClaimsError:
        pass  # refused, with a message naming what


@pytest.mark.parametrize("kind", list(FILES))
@given(data=st.data())
@FUZZ
def test_mutated_files_raise_only_zkclaims_errors(kind, data):
    good = FILES[kind]
    op = data.draw(st.sampled_from(["flip", "set_u32", "set_u64", "truncate", "insert", "zero"]))
    pos = data.draw(st.integers(0, len(good) - 1))
    b = bytearray(good)
    if op == "flip":
        b[pos] ^= 1 << data.draw(st.integers(0, 7))
    elif op == "set_u32":
        v = data.draw(st.sampled_from([0, 1, 2, 0xFFFFFFFF, 1 << 31, 48, 32, 12]))
        b[pos : pos + 4] = struct.pack("<I", v)
    elif op == "set_u64":
        v = data.draw(st.sampled_from([0, 1 << 63, (1 << 64) - 1, 1 << 40]))
        b[pos : pos + 8] = struct.pack("<Q", v)
    elif op == "truncate":
        del b[pos:]
    elif op == "insert":
        b[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    else:
        b[pos : pos + 96] = bytes(min(96, len(b) - pos))
    _read(kind, bytes(b))


@pytest.mark.parametrize("kind", list(FILES))
def test_header_counts_that_lie_are_refused_without_allocating(kind):
    # every u32 of the first 120 bytes set to huge values: refused at once
    good = FILES[kind]
    for at in range(0, 120, 4):
        for v in (0xFFFFFFFF, 1 << 30):
            b = bytearray(good)
            b[at : at + 4] = struct.pack("<I", v)
            _read(kind, bytes(b))


def test_unrelated_inputs_are_refused():
    for kind in FILES:
        for data in (b"", b"\0" * 11, b"ptau", FILES["zkey" if kind == "ptau" else "ptau"]):
            with pytest.raises(ZkClaimsError):
                READERS[kind](data)
