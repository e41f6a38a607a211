"""Small ceremony transcripts shared by the ceremony tests (made once per session)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from zkclaims.ceremony import (
    beacon_ptau,
    beacon_zkey,
    contribute_ptau,
    contribute_zkey,
    load_circuit,
    new_ptau,
    new_zkey,
    prepare_phase2,
)
from zkclaims.circuit.iden3 import read_r1cs, read_wtns

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures"
BEACON = bytes.fromhex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
POWER = 3  # the tiny circuit's domain is 8 rows


def tiny_circuit():
    """The 4-constraint circuit of tests/fixtures/snarkjs (2 public inputs) and its witness."""
    r1cs, _ = read_r1cs(FIX / "snarkjs" / "circuit.r1cs")
    return r1cs, read_wtns(FIX / "snarkjs" / "witness.wtns")


@functools.cache
def phase1(power: int = POWER):
    """A prepared phase-1 accumulator: two contributions and a beacon (ours)."""
    p = new_ptau(power)
    p, _ = contribute_ptau(p, "alice", "alice's entropy")
    p, _ = contribute_ptau(p, "bob")
    p, _ = beacon_ptau(p, BEACON, 10, "beacon")
    return prepare_phase2(p)


@functools.cache
def phase2():
    """The tiny circuit's key: two contributions and a beacon, on :func:`phase1`."""
    r1cs, _ = tiny_circuit()
    z = new_zkey(r1cs, phase1())
    z, _ = contribute_zkey(z, "carol")
    z, _ = contribute_zkey(z, "dave", "dave's entropy")
    z, _ = beacon_zkey(z, BEACON, 10, "beacon")
    return z


def shape():
    """The tiny circuit as phase 2 reads it."""
    return load_circuit(tiny_circuit()[0])


def without_contributions(ptau):
    """``ptau`` with its records dropped (a blank-looking file)."""
    return replace(ptau, contributions=())


# --- snarkjs (npm) ----------------------------------------------------------------------------

PEERS = ROOT / ".cache" / "peers"
SNARKJS = PEERS / "node_modules" / ".bin" / "snarkjs"


@functools.cache
def snarkjs() -> tuple[str | None, str]:
    """The snarkjs 0.7.6 command, installed from npm into .cache/peers when Node is present.

    Returns (path, "") or (None, why): only a machine without Node skips the interop tests;
    with Node, a failed install is an error, not a skip.
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "Node.js and npm are not installed: snarkjs interop tests cannot run"
    if not SNARKJS.exists():
        PEERS.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "benchmarks" / "peers" / "package.json", PEERS / "package.json")
        proc = subprocess.run(["npm", "install", "--prefix", str(PEERS), "--no-audit",
                               "--no-fund", "--omit=dev"], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0 or not SNARKJS.exists():
            raise RuntimeError(f"npm install snarkjs failed: {proc.stderr[-500:]}")
    return str(SNARKJS), ""


def run_snarkjs(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run snarkjs; returns the completed process (never raises on a non-zero exit)."""
    cmd, why = snarkjs()
    assert cmd is not None, why
    return subprocess.run([cmd, *args], capture_output=True, text=True, check=False, cwd=cwd,
                          timeout=600)
