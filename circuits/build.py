"""Build the artifacts of the statements: ``zkclaims circuits build``.

For each statement: compile the circuit, run a **one-party Groth16 setup with fresh randomness
from** :mod:`secrets` (the toxic waste lives only inside :func:`zkclaims.groth16.setup` and is
dropped when it returns; a multi-party ceremony is later work), and write
``circuits/artifacts/<name>/``:

* ``circuit.json`` — format, name, circuit id (SHA-256 of the canonical R1CS), n_public and the
  public input names in order, n_constraints, n_vars, protocol, curve, and ``setup`` saying
  which procedure made the keys (with a note on what that means for trust);
* ``proving_key.bin`` — compact binary proving key;
* ``verifying_key.json`` — versioned JSON verifying key.

It also writes ``circuits/constraint_counts.json``: the exact constraint count of each
statement and of its parts, pinned by ``tests/test_equipment_circuit.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkclaims.circuits import (
    CIRCUIT_INFO_FORMAT,
    circuit_info,
    find_by_circuit_id,
    load_proving_key,
    load_verifying_key,
)
from zkclaims.circuits.equipment import CIRCUIT_NAME, EquipmentClaimCircuit, LensClassCircuit
from zkclaims.circuits.renewal import CIRCUIT_NAME as RENEWAL_CIRCUIT_NAME
from zkclaims.circuits.renewal import EyeChangeCircuit, RenewalCircuit, RenewalRuleCircuit

from zkclaims.circuit import Circuit

__all__ = [
    "STATEMENTS", "PARTS", "SETUP_NOTE", "package_dir", "constraint_counts", "build", "describe",
]

#: The deployed statements: name -> circuit class.
STATEMENTS: dict[str, type[Circuit]] = {
    CIRCUIT_NAME: EquipmentClaimCircuit,
    RENEWAL_CIRCUIT_NAME: RenewalCircuit,
}
#: Parts evaluated alone by the exhaustive tests (not deployed): their counts are pinned too.
PARTS: tuple[type[Circuit], ...] = (LensClassCircuit, RenewalRuleCircuit, EyeChangeCircuit)

#: What the ``setup`` field means, recorded in ``circuit.json``.
SETUP_NOTE = (
    "one-party Groth16 setup: tau, alpha, beta, delta drawn from Python's secrets module on the"
    " build machine and discarded when the setup returned; sound only if that machine was"
    " honest. A multi-party ceremony is later work."
)


def package_dir() -> Path:
    """Return the source folder of this package (``circuits/`` in a checkout)."""
    return Path(__file__).resolve().parent


def constraint_counts() -> dict[str, int]:
    """Exact constraint counts of every statement and of the parts tested alone."""
    counts = {name: cls().compile().n_constraints for name, cls in STATEMENTS.items()}
    for part in PARTS:
        counts[part.name] = part().compile().n_constraints
    return counts


def describe(name: str) -> dict[str, Any]:
    """``circuit.json`` content for statement ``name`` compiled now (without setup fields)."""
    circuit = STATEMENTS[name]()
    r1cs = circuit.compile(check_unused=True)
    return {
        "format": CIRCUIT_INFO_FORMAT,
        "name": name,
        "circuit_id": r1cs.digest(),
        "protocol": "groth16",
        "curve": "bls12381",
        "n_public": r1cs.n_public,
        "public_inputs": [i.name for i in circuit.inputs() if i.public],
        "n_constraints": r1cs.n_constraints,
        "n_vars": r1cs.n_vars,
    }


def build(
    out_dir: Path | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Build every statement's artifacts into ``out_dir`` (default: ``circuits/artifacts``).

    Skips a statement whose artifacts already match the circuit compiled now, unless
    ``force``. Returns the folders written or checked.
    """
    from zkclaims.groth16 import setup

    base = package_dir()
    out = Path(out_dir) if out_dir is not None else base / "artifacts"
    done = []
    for name, cls in STATEMENTS.items():
        desc = describe(name)
        folder = out / name
        if not force and out_dir is None and _up_to_date(name, desc["circuit_id"]):
            log(f"{name}: up to date (circuit id {desc['circuit_id'][:16]}...)")
            done.append(folder)
            continue
        log(f"{name}: {desc['n_constraints']} constraints, one-party setup (fresh randomness)...")
        pk, vk = setup(cls().compile())
        if vk.circuit_id != desc["circuit_id"]:  # the backend labels keys with the R1CS digest
            raise RuntimeError(f"{name}: setup produced keys for {vk.circuit_id}")
        folder.mkdir(parents=True, exist_ok=True)
        info = dict(desc, setup=vk.setup, setup_note=SETUP_NOTE)
        (folder / "proving_key.bin").write_bytes(pk.to_bytes())
        (folder / "verifying_key.json").write_text(
            json.dumps(vk.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (folder / "circuit.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        log(f"{name}: wrote {folder} (circuit id {desc['circuit_id']})")
        done.append(folder)
    counts_path = (out.parent if out_dir is None else out) / "constraint_counts.json"
    counts_path.write_text(json.dumps(constraint_counts(), indent=2) + "\n", encoding="utf-8")
    circuit_info.cache_clear()
    find_by_circuit_id.cache_clear()
    load_proving_key.cache_clear()
    load_verifying_key.cache_clear()
    return done


def _up_to_date(name: str, circuit_id: str) -> bool:
    try:
        return circuit_info(name).get("circuit_id") == circuit_id and all(
            (package_dir() / "artifacts" / name / f).is_file()
            for f in ("proving_key.bin", "verifying_key.json")
        )
    except Exception:  # noqa: BLE001 - missing or unreadable artifacts: rebuild
        return False
