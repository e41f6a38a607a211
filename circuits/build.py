"""Build the artifacts of the statements: ``zkclaims circuits build``.

For each statement of :data:`STATEMENTS`: compile the circuit, run a **one-party Groth16 setup
with fresh randomness from** :mod:`secrets` (the toxic waste lives only inside
:func:`zkclaims.groth16.setup` and is dropped when it returns), and write
``circuits/artifacts/<name>/``. This quick build is for development: verifiers refuse its keys
unless opted in through :func:`zkclaims.hazmat.allow_one_party_setup`. The shipped keys come
from the multi-party ceremony, ``zkclaims circuits build --ceremony``
(:mod:`zkclaims.circuits.ceremony_build`), which writes the same files:

* ``circuit.json`` — format, name, statement version, circuit id (SHA-256 of the canonical
  R1CS), n_public and the public input names in order, n_constraints, n_vars, protocol,
  curve, and ``setup`` saying which procedure made the keys (with a note on what that means);
* ``proving_key.bin`` — compact binary proving key;
* ``verifying_key.json`` — versioned JSON verifying key.

It also writes ``circuits/constraint_counts.json`` — the exact constraint count of each
statement and of each of its top-level scopes (``<name>/<scope>``), pinned by the tests — and
``zkclaims/pins.py``, the SHA-256 of each shipped verifying key's canonical bytes, which the
verifier compares with the key it loads (:data:`zkclaims.pins.VERIFYING_KEY_SHA256`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkclaims.circuits import (
    CIRCUIT_INFO_FORMAT,
    circuit_info,
    clear_caches,
    load_verifying_key,
)
from zkclaims.circuits.equipment import CIRCUIT_NAME, EquipmentClaimCircuit, LensClassCircuit
from zkclaims.circuits.renewal import CIRCUIT_NAME as RENEWAL_CIRCUIT_NAME
from zkclaims.circuits.renewal import EyeChangeCircuit, RenewalCircuit, RenewalRuleCircuit
from zkclaims.circuits.renewal_claim import CIRCUIT_NAME as RENEWAL_CLAIM_CIRCUIT_NAME
from zkclaims.circuits.renewal_claim import RenewalClaimCircuit

from zkclaims.circuit import Circuit
from zkclaims.circuit.r1cs import R1CS

__all__ = [
    "STATEMENTS",
    "SETUP_NOTE",
    "package_dir",
    "pins_path",
    "part_counts",
    "constraint_counts",
    "build",
    "describe",
    "verifying_key_digest",
    "pins_source",
    "write_pins",
]

#: The deployed statements: name -> circuit class. Add a statement here to ship it.
STATEMENTS: dict[str, type[Circuit]] = {
    CIRCUIT_NAME: EquipmentClaimCircuit,
    RENEWAL_CIRCUIT_NAME: RenewalCircuit,
    RENEWAL_CLAIM_CIRCUIT_NAME: RenewalClaimCircuit,
}

#: Sub-circuits whose counts are pinned too (not deployed).
PARTS: dict[str, type[Circuit]] = {
    c.name: c for c in (LensClassCircuit, RenewalRuleCircuit, EyeChangeCircuit)
}

#: What the ``setup`` field means, recorded in ``circuit.json``.
SETUP_NOTE = (
    "one-party Groth16 setup: tau, alpha, beta, delta drawn from Python's secrets module on the"
    " build machine and discarded when the setup returned; sound only if that machine was"
    " honest: for development only (the shipped keys come from `zkclaims circuits build"
    " --ceremony`)."
)


def package_dir() -> Path:
    """Return the source folder of this package (``circuits/`` in a checkout)."""
    return Path(__file__).resolve().parent


def pins_path() -> Path:
    """Return the path of ``zkclaims/pins.py`` (next to the installed ``zkclaims`` package)."""
    import zkclaims

    return Path(zkclaims.__file__).resolve().parent / "pins.py"


def part_counts(r1cs: R1CS) -> dict[str, int]:
    """Constraints per top-level scope (``commitment``, ``lens.right``, ...), sorted by name."""
    counts = Counter(name.split("/", 1)[0].split("[", 1)[0] for name in r1cs.names)
    return dict(sorted(counts.items()))


def constraint_counts() -> dict[str, int]:
    """Exact constraint counts: each statement, each of its top-level scopes, each part."""
    counts: dict[str, int] = {}
    for name, cls in {**STATEMENTS, **PARTS}.items():
        r1cs = cls().compile()
        counts[name] = r1cs.n_constraints
        if name in STATEMENTS:
            counts.update({f"{name}/{k}": v for k, v in part_counts(r1cs).items()})
    return counts


def describe(name: str) -> dict[str, Any]:
    """``circuit.json`` content for statement ``name`` compiled now (without setup fields)."""
    cls = STATEMENTS[name]
    circuit = cls()
    r1cs = circuit.compile(check_unused=True)
    return {
        "format": CIRCUIT_INFO_FORMAT,
        "name": name,
        "statement_version": getattr(cls, "statement_version", 1),
        "circuit_id": r1cs.digest(),
        "protocol": "groth16",
        "curve": "bls12381",
        "n_public": r1cs.n_public,
        "public_inputs": [i.name for i in circuit.inputs() if i.public],
        "n_constraints": r1cs.n_constraints,
        "n_vars": r1cs.n_vars,
    }


def verifying_key_digest(vk: Any) -> str:
    """SHA-256 (hex) of a verifying key's canonical bytes (:meth:`VerifyingKey.to_bytes`)."""
    return hashlib.sha256(vk.to_bytes()).hexdigest()


def pins_source(digests: dict[str, str]) -> str:
    """Return the text of ``zkclaims/pins.py`` for ``digests`` (statement name -> SHA-256 hex)."""
    rows = "".join(f'    "{name}":\n        "{d}",\n' for name, d in sorted(digests.items()))
    return (
        '"""The verifying keys zkclaims trusts, pinned by digest (written by `zkclaims circuits'
        ' build`).\n\n'
        "Do not edit by hand: `zkclaims circuits build` rewrites this file from the shipped\n"
        "artifacts, and a test checks it against them. Each value is the SHA-256 of the whole\n"
        "verifying key of a statement in its canonical bytes (``VerifyingKey.to_bytes()``: the\n"
        "points alpha_g1, beta_g2, gamma_g2, delta_g2, IC and the header naming the circuit id\n"
        "and the setup). The verifier refuses any other key (``unknown_circuit``), whatever its\n"
        "label says. This module lives outside the artifacts folder on purpose.\n"
        '"""\n\n'
        "VERIFYING_KEY_SHA256: dict[str, str] = {\n"
        f"{rows}"
        "}\n"
    )


def write_pins(artifacts: Path, target: Path) -> dict[str, str]:
    """Write ``target`` (a ``pins.py``) with the digests of the keys under ``artifacts``."""
    from zkclaims.groth16 import VerifyingKey

    digests = {}
    for name in STATEMENTS:
        path = artifacts / name / "verifying_key.json"
        digests[name] = verifying_key_digest(VerifyingKey.from_json(path.read_text("utf-8")))
    target.write_text(pins_source(digests), encoding="utf-8")
    return digests


def build(
    out_dir: Path | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Build every statement's artifacts into ``out_dir`` (default: ``circuits/artifacts``).

    Skips a statement whose artifacts already match the circuit compiled now, unless
    ``force``. Writes the constraint counts and the pins (``zkclaims/pins.py`` for the
    package's artifacts, ``<out_dir>/pins.py`` otherwise). Returns the folders written or
    checked.
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
    digests = write_pins(out, pins_path() if out_dir is None else out / "pins.py")
    for name, d in digests.items():
        log(f"{name}: verifying key pinned, SHA-256 {d}")
    clear_caches()
    return done


def _up_to_date(name: str, circuit_id: str) -> bool:
    try:
        return circuit_info(name).get("circuit_id") == circuit_id and all(
            (package_dir() / "artifacts" / name / f).is_file()
            for f in ("proving_key.bin", "verifying_key.json")
        ) and load_verifying_key(name) is not None
    except Exception:  # noqa: BLE001 - missing or unreadable artifacts: rebuild
        return False
