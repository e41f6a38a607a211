"""The shipped keys from a multi-party ceremony: ``zkclaims circuits build --ceremony``.

Phase 1 (powers of tau, ``2^PHASE1_POWER``, shared by every statement) and, per statement,
phase 2, each with ``contributors`` contributions made **in separate processes** (``python -m
zkclaims.cli ceremony ... contribute``: each draws its own secrets from ``secrets`` and exits,
so no process ever holds two contributions' secrets), then a beacon. The transcript is
verified, the keys exported, and everything committed under ``circuits/``:

* ``ceremony/phase1/pot<k>.ptau`` (prepared for phase 2) and its ``TRANSCRIPT.md``;
* ``ceremony/<name>/<name>.zkey`` (the final key, holding every contribution record) and its
  ``TRANSCRIPT.md``;
* ``artifacts/<name>/``: ``proving_key.bin``, ``verifying_key.json`` and ``circuit.json`` with
  ``setup: "mpc"``, the numbers of contributions and ``transcript_sha256``
  (:func:`zkclaims.ceremony.transcript_digest`).

The contributors are this build, on one machine: the keys are as trustworthy as that machine
unless the ceremony is re-run among parties who do not trust each other (``docs/ceremony.md``).
:func:`verify_shipped` (``zkclaims circuits verify``) replays the committed transcript and
checks that the shipped keys are exactly its output.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkclaims.circuits import build as _build
from zkclaims.circuits.build import STATEMENTS, describe, package_dir

__all__ = ["PHASE1_POWER", "CONTRIBUTORS", "BEACON_EXP", "SETUP_NOTE_MPC", "build_ceremony",
           "verify_shipped", "phase1_file", "zkey_file", "ShippedCheck", "install_phase1",
           "install_statement"]

PHASE1_POWER = 11  #: 2^11 rows: each statement stays under 2,047 constraints + publics
CONTRIBUTORS = 3  #: contributions per phase before the beacon
BEACON_EXP = 12  #: 2^12 SHA-256 iterations of the beacon value

BUILD_ORIGIN = (
    "Made by `zkclaims circuits build --ceremony`: each contribution by a separate process of "
    "the build with fresh randomness from Python's `secrets`, then a beacon. **All contributors "
    "are the build machine**: re-run the ceremony among parties that do not trust each other "
    "before relying on keys made from it (see `docs/ceremony.md`)."
)

SETUP_NOTE_MPC = (
    "multi-party Groth16 setup in snarkjs's formats (circuits/ceremony/): phase 1 and phase 2 "
    "each took contributions from separate processes of the build, with fresh randomness from "
    "Python's secrets module, then a beacon. Sound if one contributor was honest; here all "
    "contributors are the build machine, so re-run the ceremony among parties that do not "
    "trust each other before relying on these keys (docs/ceremony.md)."
)

Log = Callable[[str], None]


def ceremony_dir() -> Path:
    """``circuits/ceremony`` in the package."""
    return package_dir() / "ceremony"


def phase1_file(power: int = PHASE1_POWER) -> Path:
    """Return the committed phase-1 file."""
    return ceremony_dir() / "phase1" / f"pot{power}.ptau"


def zkey_file(name: str) -> Path:
    """Return the committed final ``.zkey`` of statement ``name``."""
    return ceremony_dir() / name / f"{name}.zkey"


def _cli(args: list[str]) -> dict:
    """Run ``python -m zkclaims.cli ARGS --json --quiet`` in a fresh process; its JSON."""
    proc = subprocess.run([sys.executable, "-m", "zkclaims.cli", *args, "--json", "--quiet"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"zkclaims {' '.join(args[:3])}: exit {proc.returncode}: "
                           f"{proc.stderr.strip() or proc.stdout.strip()}")
    return json.loads(proc.stdout)


def _beacon_value(hashes: list[str]) -> str:
    """Return the build's beacon value: SHA-256 of the contribution hashes.

    It is public, but known to the last contributor in advance; a real ceremony announces a
    future random value instead (a drand round, a block hash).
    """
    return hashlib.sha256("".join(hashes).encode()).hexdigest()


def _chain(phase: str, start: Path, work: Path, stem: str, contributors: int,
           beacon: str | None, log: Log) -> tuple[Path, list[dict]]:
    """Contributions in separate processes, then a beacon; returns the last file and records."""
    cur, records = start, []
    for i in range(1, contributors + 1):
        nxt = work / f"{stem}_{i:04d}.{start.suffix[1:]}"
        name = f"zkclaims-build-{i}"
        out = _cli(["ceremony", phase, "contribute", str(cur), str(nxt), "--name", name])
        records.append({"index": out["contribution"], "name": name, "hash": out["hash"],
                        "kind": "contribution"})
        log(f"  {phase} contribution #{out['contribution']} ({name}): {out['hash'][:32]}...")
        cur = nxt
    value = beacon or _beacon_value([r["hash"] for r in records])
    nxt = work / f"{stem}_beacon.{start.suffix[1:]}"
    out = _cli(["ceremony", phase, "beacon", str(cur), str(nxt), "--name", "zkclaims-build-beacon",
                "--beacon", value, "--iterations-exp", str(BEACON_EXP)])
    records.append({"index": out["contribution"], "name": "zkclaims-build-beacon",
                    "hash": out["hash"], "kind": "beacon", "beacon": value,
                    "iterations_exp": BEACON_EXP})
    log(f"  {phase} beacon #{out['contribution']}: {out['hash'][:32]}...")
    return nxt, records


def _table(contributions: Any) -> str:
    lines = ["| # | contributor | kind | contribution hash (BLAKE2b-512) |", "|---|---|---|---|"]
    for c in contributions:
        kind = "contribution" if not c.beacon else (
            f"beacon: value `{c.beacon_hash}`, 2^{c.num_iterations_exp} SHA-256 iterations")
        lines.append(f"| {c.index} | {c.name or '(no name)'} | {kind} | "
                     f"`{c.contribution_hash}` |")
    return "\n".join(lines)


def install_phase1(source: Path, *, origin: str = BUILD_ORIGIN, log: Log = print) -> Path:
    """Verify a prepared phase-1 file and commit it as ``ceremony/phase1/pot<k>.ptau``.

    ``origin`` says who contributed (it goes into ``TRANSCRIPT.md``). Statements whose keys
    came from another phase-1 file must be installed again (their transcript digest covers it).
    """
    from zkclaims.ceremony import load_ptau, verify_ptau

    data = Path(source).read_bytes()
    ptau = load_ptau(source)
    report = verify_ptau(ptau)
    if not report.prepared:
        raise ValueError(f"{source}: not prepared for phase 2 (zkclaims ceremony phase1 prepare)")
    target = phase1_file(report.power)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    md = [f"# Phase 1 transcript: powers of tau for 2^{report.power} (BLS12-381)", "",
          f"File: `{target.name}` — snarkjs `.ptau` version 1, prepared for phase 2; SHA-256 "
          f"`{hashlib.sha256(data).hexdigest()}`.", "", origin, "",
          _table(report.contributions), "",
          f"Final next-challenge hash: `{report.next_challenge}`.", "",
          "Verify with either tool:", "",
          f"    zkclaims ceremony phase1 verify circuits/ceremony/phase1/{target.name}",
          f"    snarkjs powersoftau verify circuits/ceremony/phase1/{target.name}", ""]
    (target.parent / "TRANSCRIPT.md").write_text("\n".join(md), encoding="utf-8")
    log(f"phase 1: {len(report.contributions)} contributions verified, installed as {target}")
    return target


def install_statement(name: str, zkey_source: Path, ptau_path: Path | None = None, *,
                      origin: str = BUILD_ORIGIN, note: str = SETUP_NOTE_MPC,
                      log: Log = print) -> Path:
    """Verify a final ``.zkey`` of statement ``name`` and make it the shipped keys.

    The key is checked against the statement compiled now and the committed phase-1 file
    (``ptau_path``, default ``ceremony/phase1/pot<k>.ptau``); then the ``.zkey``, its
    ``TRANSCRIPT.md``, the exported keys and ``circuit.json`` (``setup: "mpc"``, the numbers of
    contributions, the transcript digest, ``note``) are written.
    """
    from zkclaims.ceremony import (
        export_keys,
        load_circuit,
        load_ptau,
        load_zkey,
        transcript_digest,
        verify_zkey,
    )

    if name not in STATEMENTS:
        raise ValueError(f"{name}: not a statement (known: {', '.join(STATEMENTS)})")
    ptau_path = ptau_path or phase1_file()
    desc = describe(name)
    shape = load_circuit(STATEMENTS[name]().compile())
    ptau = load_ptau(ptau_path)
    zkey_data = Path(zkey_source).read_bytes()
    z = load_zkey(zkey_source)
    report = verify_zkey(z, shape, ptau)
    if report.circuit_id != desc["circuit_id"]:  # pragma: no cover - verify_zkey checks it
        raise ValueError(f"{name}: the zkey is for circuit {report.circuit_id}")
    folder = ceremony_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    zkey_file(name).write_bytes(zkey_data)
    digest = transcript_digest(ptau_path.read_bytes(), zkey_data)
    pk, vk = export_keys(z, desc["circuit_id"])
    art = package_dir() / "artifacts" / name
    art.mkdir(parents=True, exist_ok=True)
    (art / "proving_key.bin").write_bytes(pk.to_bytes())
    (art / "verifying_key.json").write_text(
        json.dumps(vk.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    rel = ptau_path.resolve().relative_to(package_dir())
    info = dict(desc, setup="mpc", setup_note=note, contributions=len(z.contributions),
                phase1_contributions=len(ptau.contributions), transcript_sha256=digest,
                transcript={"phase1": rel.as_posix(), "phase2": f"ceremony/{name}/{name}.zkey"})
    (art / "circuit.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    _write_pins()
    md = [f"# Phase 2 transcript: `{name}`", "",
          f"Circuit id (SHA-256 of the R1CS): `{desc['circuit_id']}`; {desc['n_constraints']} "
          f"constraints, {desc['n_public']} public inputs, QAP domain {shape.domain_size}.", "",
          f"File: `{name}.zkey` — snarkjs Groth16 `.zkey`, SHA-256 "
          f"`{hashlib.sha256(zkey_data).hexdigest()}`; circuit hash (BLAKE2b-512 of the initial "
          f"key) `{report.circuit_hash}`. Phase 1: `../phase1/{ptau_path.name}` "
          f"({len(ptau.contributions)} contributions, see its TRANSCRIPT.md).", "",
          f"Transcript digest (`circuit.json` `transcript_sha256`, what an insurer pins): "
          f"`{digest}`.", "", origin, "",
          _table(report.contributions), "",
          "Verify with either tool (the R1CS: `zkclaims ceremony r1cs " + name
          + " circuit.r1cs`):", "",
          f"    zkclaims ceremony phase2 verify {name} circuits/ceremony/phase1/"
          f"{ptau_path.name} circuits/ceremony/{name}/{name}.zkey",
          f"    snarkjs zkey verify circuit.r1cs circuits/ceremony/phase1/{ptau_path.name} "
          f"circuits/ceremony/{name}/{name}.zkey",
          "    zkclaims circuits verify   # and the shipped keys are exactly its output", ""]
    (folder / "TRANSCRIPT.md").write_text("\n".join(md), encoding="utf-8")
    log(f"{name}: {len(z.contributions)} contributions verified; keys exported to {art} "
        f"(transcript {digest[:16]}...)")
    return art


def _write_pins() -> None:
    """Rewrite ``zkclaims/pins.py`` from the artifacts (``pins.py`` of another root in tests)."""
    root = package_dir()
    target = _build.pins_path() if root == _build.package_dir() else root / "pins.py"
    _build.write_pins(root / "artifacts", target)
    from zkclaims.circuits import clear_caches

    clear_caches()


def build_phase1(power: int = PHASE1_POWER, *, contributors: int = CONTRIBUTORS,
                 beacon: str | None = None, log: Log = print) -> Path:
    """Run phase 1 (contributions in separate processes, a beacon) and install it."""
    with tempfile.TemporaryDirectory(prefix="zkclaims-ph1-") as tmp:
        work = Path(tmp)
        start = work / "pot_0000.ptau"
        _cli(["ceremony", "phase1", "new", str(start), "--power", str(power)])
        log(f"phase 1 (2^{power}): {contributors} contributions in separate processes, beacon")
        last, _ = _chain("phase1", start, work, "pot", contributors, beacon, log)
        prepared = work / "pot_final.ptau"
        log("phase 1: preparing the Lagrange sections for phase 2 (a few minutes at 2^11)...")
        _cli(["ceremony", "phase1", "prepare", str(last), str(prepared)])
        return install_phase1(prepared, log=log)


def build_statement(name: str, ptau_path: Path, *, contributors: int = CONTRIBUTORS,
                    beacon: str | None = None, log: Log = print) -> Path:
    """Run phase 2 of statement ``name`` and install it (keys, transcript, circuit.json)."""
    with tempfile.TemporaryDirectory(prefix="zkclaims-ph2-") as tmp:
        work = Path(tmp)
        start = work / f"{name}_0000.zkey"
        log(f"{name}: phase 2, {contributors} contributions in separate processes, beacon")
        _cli(["ceremony", "phase2", "new", name, str(ptau_path), str(start)])
        last, _ = _chain("phase2", start, work, name, contributors, beacon, log)
        return install_statement(name, last, ptau_path, log=log)


def _up_to_date(name: str, ptau_path: Path) -> bool:
    """Whether ``name``'s artifacts come from a ceremony on this phase 1 for this circuit."""
    try:
        info = json.loads((package_dir() / "artifacts" / name / "circuit.json").read_text("utf-8"))
        return (info.get("setup") == "mpc" and info.get("circuit_id") == describe(name)[
            "circuit_id"] and (package_dir() / str(info["transcript"]["phase1"])) == ptau_path
                and zkey_file(name).is_file())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def build_ceremony(names: list[str] | None = None, *, power: int = PHASE1_POWER,
                   new_phase1: bool = False, contributors: int = CONTRIBUTORS,
                   beacon: str | None = None, force: bool = False,
                   log: Log = print) -> list[Path]:
    """Phase 1 (reused when committed, unless ``new_phase1``), then phase 2 of each statement.

    A statement whose keys already come from a ceremony on this phase 1 for the circuit
    compiled now is skipped, unless ``force`` (or ``new_phase1``).
    """
    if contributors < 1:
        raise ValueError("contributors: at least one")
    ptau_path = phase1_file(power)
    if new_phase1 or not ptau_path.is_file():
        build_phase1(power, contributors=contributors, beacon=beacon, log=log)
        force = True
    else:
        log(f"phase 1: reusing {ptau_path.relative_to(package_dir())}")
    out = []
    for name in names or list(STATEMENTS):
        if not force and _up_to_date(name, ptau_path):
            log(f"{name}: up to date (keys from the ceremony for this circuit; --force rebuilds)")
            out.append(package_dir() / "artifacts" / name)
            continue
        out.append(build_statement(name, ptau_path, contributors=contributors, beacon=beacon,
                                   log=log))
    return out


@dataclass(frozen=True)
class ShippedCheck:
    """The result of replaying one statement's committed transcript."""

    name: str
    ok: bool
    message: str


def verify_shipped(log: Log = print, root: Path | None = None,
                   names: list[str] | None = None) -> list[ShippedCheck]:
    """Replay every committed transcript; check that the shipped keys are its output.

    For each statement: ``circuit.json`` says ``mpc`` and its ``transcript_sha256`` is the
    digest of the committed files; phase 1 verifies (once), phase 2 verifies against the
    R1CS compiled now; the proving and verifying keys exported from the ``.zkey`` equal the
    shipped ones byte for byte (checked first: it is fast). ``root`` is the ``circuits``
    folder (default: the package's); ``names`` the statements (default: all).
    """
    from zkclaims.ceremony import (
        ContributionError,
        export_keys,
        load_circuit,
        load_ptau,
        load_zkey,
        transcript_digest,
        verify_ptau,
        verify_zkey,
    )
    from zkclaims.groth16 import ProvingKey, VerifyingKey

    base = root or package_dir()
    results: list[ShippedCheck] = []
    verified_ptau: dict[Path, object] = {}
    for name in names or list(STATEMENTS):
        art = base / "artifacts" / name
        try:
            info = json.loads((art / "circuit.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            results.append(ShippedCheck(name, False, f"circuit.json unreadable: {exc}"))
            continue
        if info.get("setup") != "mpc":
            results.append(ShippedCheck(name, False, f"setup is {info.get('setup')!r}, not a "
                                        "multi-party ceremony"))
            continue
        paths = info.get("transcript") or {}
        ptau_path = base / str(paths.get("phase1", ""))
        zkey_path = base / str(paths.get("phase2", ""))
        try:
            digest = transcript_digest(ptau_path.read_bytes(), zkey_path.read_bytes())
            if digest != info.get("transcript_sha256"):
                raise ValueError(f"transcript digest {digest} differs from circuit.json's "
                                 f"{info.get('transcript_sha256')}")
            shape = load_circuit(STATEMENTS[name]().compile())
            z = load_zkey(zkey_path)
            pk, vk = export_keys(z, shape.circuit_id)
            shipped_pk = ProvingKey.from_bytes((art / "proving_key.bin").read_bytes())
            shipped_vk = VerifyingKey.from_json((art / "verifying_key.json").read_text("utf-8"))
            if pk.to_bytes() != shipped_pk.to_bytes():
                raise ValueError("proving_key.bin is not the transcript's key")
            if vk.to_bytes() != shipped_vk.to_bytes():
                raise ValueError("verifying_key.json is not the transcript's key")
            if len(z.contributions) != info.get("contributions"):
                raise ValueError("circuit.json's number of contributions is wrong")
            ptau = verified_ptau.get(ptau_path)
            if ptau is None:
                log(f"phase 1: verifying {ptau_path.name}...")
                ptau = load_ptau(ptau_path)
                verify_ptau(ptau)
                verified_ptau[ptau_path] = ptau
            if len(ptau.contributions) != info.get("phase1_contributions"):
                raise ValueError("circuit.json's number of phase-1 contributions is wrong")
            log(f"{name}: verifying phase 2...")
            report = verify_zkey(z, shape, ptau)
        except (ContributionError, ValueError, OSError) as exc:
            results.append(ShippedCheck(name, False, str(exc)))
            continue
        results.append(ShippedCheck(name, True, f"{len(report.contributions)} phase-2 and "
                                    f"{len(ptau.contributions)} phase-1 contributions verified;"
                                    f" shipped keys are the transcript's output"))
    return results
