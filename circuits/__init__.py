"""The statements of zkclaims, one module per circuit, with their built artifacts.

Installed as ``zkclaims.circuits`` (see ``pyproject.toml``).

* :mod:`zkclaims.circuits.equipment` — the equipment claim statement (``optique-equipement-2020``);
* :mod:`zkclaims.circuits.renewal` — the early-renewal statement (``optique-renouvellement-2020``)
  and its gadgets;
* :mod:`zkclaims.circuits.renewal_claim` — the renewal claim statement
  (``optique-equipement-renouvellement-2020``: both over one opening, what a renewal claim
  carries);
* :mod:`zkclaims.circuits.build` — ``zkclaims circuits build``: compile, one-party setup,
  write the artifacts;
* ``artifacts/<name>/`` — per statement: ``circuit.json`` (circuit id = R1CS digest, sizes,
  public input names, which setup made the keys), ``proving_key.bin`` (compact binary form),
  ``verifying_key.json``;
* ``ceremony/`` — the multi-party setup transcript the shipped keys come from (phase 1 shared
  by every statement, phase 2 per statement; ``zkclaims circuits verify`` replays it), and
  :mod:`zkclaims.circuits.ceremony_build`, which runs it.

Each statement's :func:`provenance` says which setup made its keys; :func:`check_setup`
refuses keys that are not from a multi-party ceremony (unless the caller opts in through
:func:`zkclaims.hazmat.allow_one_party_setup`, for tests and development) and a transcript
other than the one an insurer pinned.

The keys are trusted by digest, not by where they are read from: the verifier compares each
key it loads with :data:`zkclaims.pins.VERIFYING_KEY_SHA256` (outside this folder).
:data:`RETIRED_CIRCUITS` lists the circuit ids of earlier statement versions, which the
verifier refuses with reason ``retired_circuit``.

This ``__init__`` only *reads* artifacts (via :mod:`importlib.resources`, so it works from an
installed wheel) and imports no circuit, builder or setup code: the verifier uses it.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from zkclaims.errors import CryptoError, MalformedInputError

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
    "proving_statement",
    "Provenance",
    "provenance",
    "check_setup",
    "UntrustedSetupError",
    "SETUP_MPC",
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


#: ``proving_statement`` results by (circuit class, statement name); see :func:`clear_caches`.
_STATEMENTS: dict[tuple[type, str], tuple[Any, Any, Any]] = {}


def proving_statement(circuit: Any, name: str) -> tuple[Any, Any, Any]:
    """``(r1cs, qap, proving_key)`` of ``circuit``, checked against the artifacts of ``name``.

    ``circuit`` is a :class:`~zkclaims.circuit.Circuit` instance, compiled on the first call
    for its class and ``name``; later calls return the same triple until :func:`clear_caches`.

    Raises :class:`MalformedInputError` when the shipped artifacts were built for another
    version of the circuit (run ``zkclaims circuits build``).
    """
    from zkclaims.groth16 import QAP

    key = (type(circuit), name)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    r1cs = circuit.compile()
    info = circuit_info(name)
    if info["circuit_id"] != r1cs.digest():
        raise MalformedInputError(
            f"circuit_id: the shipped artifacts of {name} are for {info['circuit_id']},"
            f" the circuit compiles to {r1cs.digest()}: run `zkclaims circuits build`"
        )
    _STATEMENTS[key] = (r1cs, QAP.from_r1cs(r1cs), load_proving_key(name))
    return _STATEMENTS[key]


# --------------------------------------------------------------------------------------------
# Setup provenance
# --------------------------------------------------------------------------------------------

#: ``circuit.json`` ``setup`` of keys made by a multi-party ceremony.
SETUP_MPC = "mpc"

#: Set by :func:`zkclaims.hazmat.allow_one_party_setup` (tests, development) only.
_ONE_PARTY_ALLOWED: ContextVar[bool] = ContextVar("zkclaims_one_party_setup_allowed",
                                                  default=False)


class UntrustedSetupError(CryptoError):
    """A statement's keys come from a setup the caller does not accept.

    Keys from a one-party setup (whoever ran it can forge proofs) without the hazmat opt-in, or
    a ceremony transcript other than the one pinned.
    """


@dataclass(frozen=True)
class Provenance:
    """Which setup made a statement's shipped keys (from its ``circuit.json``).

    ``setup`` is ``"mpc"`` for a multi-party ceremony (then ``contributions`` and
    ``phase1_contributions`` count the phase-2 and phase-1 contributions, beacons included,
    and ``transcript_sha256`` is :func:`zkclaims.ceremony.transcript_digest` of the committed
    transcript), or ``"one-party-setup"`` / another value otherwise.
    """

    name: str
    setup: str
    contributions: int | None
    phase1_contributions: int | None
    transcript_sha256: str | None
    note: str

    @property
    def multi_party(self) -> bool:
        """Whether the keys come from a multi-party ceremony."""
        return self.setup == SETUP_MPC


def provenance(name: str) -> Provenance:
    """Return the setup provenance of statement ``name``'s shipped keys."""
    info = circuit_info(name)

    def count(key: str) -> int | None:
        v = info.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    digest = info.get("transcript_sha256")
    return Provenance(name, str(info.get("setup", "unknown")), count("contributions"),
                      count("phase1_contributions"), digest if isinstance(digest, str) else None,
                      str(info.get("setup_note", "")))


def check_setup(name: str, *, pinned_transcript: str | None = None) -> Provenance:
    """Return ``name``'s provenance if its keys are acceptable; raise otherwise.

    Acceptable: from a multi-party ceremony (or any setup inside
    :func:`zkclaims.hazmat.allow_one_party_setup`), and, when ``pinned_transcript`` is given,
    from exactly that transcript. Raises :class:`UntrustedSetupError` naming the statement.
    """
    prov = provenance(name)
    if pinned_transcript is not None and prov.transcript_sha256 != pinned_transcript.lower():
        raise UntrustedSetupError(
            f"{name}: keys from transcript {prov.transcript_sha256}, pinned "
            f"{pinned_transcript} (circuit.json transcript_sha256)"
        )
    if not prov.multi_party and not _ONE_PARTY_ALLOWED.get():
        raise UntrustedSetupError(
            f"{name}: keys from a {prov.setup!r} setup, not a multi-party ceremony: whoever ran "
            "it can forge proofs (rebuild with `zkclaims circuits build --ceremony`; tests "
            "opt in with zkclaims.hazmat.allow_one_party_setup())"
        )
    return prov
def clear_caches() -> None:
    """Forget every artifact read so far (after a rebuild, or when the folder changes)."""
    for f in (circuit_info, find_by_circuit_id, load_proving_key, load_verifying_key):
        f.cache_clear()
    _STATEMENTS.clear()
