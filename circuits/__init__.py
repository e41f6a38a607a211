"""The statements of zkclaims, one module per circuit, with their built artifacts.

Installed as ``zkclaims.circuits`` (see ``pyproject.toml``).

* :mod:`zkclaims.circuits.equipment` — the equipment claim statement (``optique-equipement-2020``);
* :mod:`zkclaims.circuits.build` — ``zkclaims circuits build``: compile, one-party setup,
  write the artifacts;
* ``artifacts/<name>/`` — per statement: ``circuit.json`` (circuit id = R1CS digest, sizes,
  public input names, which setup made the keys), ``proving_key.bin`` (compact binary form),
  ``verifying_key.json``.

The keys are trusted by digest, not by where they are read from: the verifier compares each
key it loads with :data:`zkclaims.pins.VERIFYING_KEY_SHA256` (outside this folder).
:data:`RETIRED_CIRCUITS` lists the circuit ids of earlier statement versions, which the
verifier refuses with reason ``retired_circuit``.

This ``__init__`` only *reads* artifacts (via :mod:`importlib.resources`, so it works from an
installed wheel) and imports no circuit, builder or setup code: the verifier uses it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from zkclaims.errors import MalformedInputError

__all__ = [
    "ARTIFACTS_DIR",
    "CIRCUIT_INFO_FORMAT",
    "RETIRED_CIRCUITS",
    "artifact_names",
    "artifact_file",
    "circuit_info",
    "find_by_circuit_id",
    "load_verifying_key",
    "load_proving_key",
    "clear_caches",
]

#: Folder of the built artifacts, inside this package.
ARTIFACTS_DIR = "artifacts"
#: Format tag of ``circuit.json``.
CIRCUIT_INFO_FORMAT = "zkclaims-circuit/v1"

#: Circuit ids of retired statement versions -> why they are refused (``retired_circuit``).
RETIRED_CIRCUITS: dict[str, str] = {
    "adad4e2c01620030f577d8516bcf91b4b2d11c23de21b7f6ab4dfa9926550115": (
        "optique-equipement-2020 statement version 1: it binds no patient and keeps the lens"
        " design private, so it cannot show the claim is for this beneficiary and this lens"
    ),
}


def _root() -> Traversable:
    return resources.files(__name__).joinpath(ARTIFACTS_DIR)


def artifact_names() -> list[str]:
    """Return the names of the statements that have built artifacts (sorted)."""
    root = _root()
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.joinpath("circuit.json").is_file()
    )


def artifact_file(name: str, filename: str) -> Traversable:
    """Return the artifact file ``filename`` of statement ``name`` (it may not exist)."""
    return _root().joinpath(name, filename)


@lru_cache(maxsize=16)
def circuit_info(name: str) -> dict[str, Any]:
    """Return the parsed ``circuit.json`` of statement ``name``.

    Raises :class:`MalformedInputError` naming the file when it is missing or not in format v1.
    """
    f = artifact_file(name, "circuit.json")
    if not f.is_file():
        raise MalformedInputError(
            f"circuit: no built artifacts for {name!r} (run `zkclaims circuits build`)"
        )
    info = json.loads(f.read_text(encoding="utf-8"))
    if not isinstance(info, dict) or info.get("format") != CIRCUIT_INFO_FORMAT:
        raise MalformedInputError(f"{name}/circuit.json: format is not {CIRCUIT_INFO_FORMAT}")
    return info


@lru_cache(maxsize=64)
def find_by_circuit_id(circuit_id: str) -> str | None:
    """Return the statement whose built circuit id is ``circuit_id``, or None."""
    for name in artifact_names():
        if circuit_info(name).get("circuit_id") == circuit_id:
            return name
    return None


@lru_cache(maxsize=16)
def load_verifying_key(name: str) -> Any:
    """Return the :class:`~zkclaims.groth16.VerifyingKey` of statement ``name``.

    It is checked against ``circuit.json``: same circuit id and number of public inputs.
    """
    from zkclaims.groth16 import VerifyingKey

    info = circuit_info(name)
    vk = VerifyingKey.from_json(artifact_file(name, "verifying_key.json").read_text("utf-8"))
    if vk.circuit_id != info["circuit_id"] or vk.n_public != info["n_public"]:
        raise MalformedInputError(
            f"{name}/verifying_key.json: circuit id or n_public differs from circuit.json"
        )
    return vk


@lru_cache(maxsize=4)
def load_proving_key(name: str) -> Any:
    """Return the :class:`~zkclaims.groth16.ProvingKey` of ``name`` (checked as above)."""
    from zkclaims.groth16 import ProvingKey

    info = circuit_info(name)
    pk = ProvingKey.from_bytes(artifact_file(name, "proving_key.bin").read_bytes())
    if pk.circuit_id != info["circuit_id"] or pk.n_public != info["n_public"]:
        raise MalformedInputError(
            f"{name}/proving_key.bin: circuit id or n_public differs from circuit.json"
        )
    return pk


def clear_caches() -> None:
    """Forget every artifact read so far (after a rebuild, or when the folder changes)."""
    for f in (circuit_info, find_by_circuit_id, load_proving_key, load_verifying_key):
        f.cache_clear()
