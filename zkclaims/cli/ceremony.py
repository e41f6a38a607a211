"""``ceremony phase1 ...`` / ``ceremony phase2 ...``: the multi-party setup, in snarkjs's files.

Every command reads untrusted files (a malformed one exits 2 with one line naming the file,
the section and the point) and writes its output atomically (nothing is written on error;
an existing output is kept unless ``--force``). Contributions print the hash their
contributor publishes. ``verify`` exits 1 naming the first bad contribution and the check.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from zkclaims.cli._common import EXIT_INVALID, EXIT_OK, Sub, emit

__all__ = ["register", "circuit_shape"]


@contextmanager
def _bars(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """Return a progress callback drawing one tqdm bar per step on stderr (off when not a TTY)."""
    bars: dict[str, Any] = {}
    disable = True if quiet else None  # None: tqdm turns itself off when stderr is no TTY

    def progress(step: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(total=total, desc=step, disable=disable, leave=False,
                                    file=sys.stderr, unit="pt")
        bar.n = done
        bar.refresh()

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()


def circuit_shape(spec: str) -> Any:
    """Return an R1CS for phase 2: a statement's name (compiled now) or an iden3 ``.r1cs`` file."""
    from pathlib import Path

    from zkclaims.ceremony import load_circuit
    from zkclaims.ceremony.files import read_bytes

    if not Path(spec).exists():
        from zkclaims.circuits.build import STATEMENTS

        if spec in STATEMENTS:
            return load_circuit(STATEMENTS[spec]().compile())
    return load_circuit(read_bytes(spec, "r1cs"), spec)


def _beacon_hex(text: str) -> bytes:
    from zkclaims.errors import InvalidInputError

    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise InvalidInputError("--beacon", text, "expected hexadecimal (1 to 255 bytes)") from None
    if not 1 <= len(raw) <= 255:
        raise InvalidInputError("--beacon", text, "expected 1 to 255 bytes of hexadecimal")
    return raw


def _published(args: argparse.Namespace, what: str, out: str, index: int, name: str | None,
               digest: bytes) -> int:
    who = f"#{index}" + (f" ({name})" if name else "")
    emit(args, {"file": out, "contribution": index, "name": name, "hash": digest.hex()},
         f"{what} {who} written to {out}\ncontribution hash (publish it): {digest.hex()}")
    return EXIT_OK


# --- phase 1 ---------------------------------------------------------------------------------


def _p1_new(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import new_ptau, ptau_bytes, write_atomic
    from zkclaims.ceremony.ptau import first_challenge

    write_atomic(args.out, ptau_bytes(new_ptau(args.power)), overwrite=args.force)
    emit(args, {"file": args.out, "power": args.power,
                "first_challenge": first_challenge(args.power).hex()},
         f"blank phase-1 accumulator for 2^{args.power} written to {args.out}\n"
         f"first challenge: {first_challenge(args.power).hex()}")
    return EXIT_OK


def _p1_contribute(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import (
        beacon_ptau,
        contribute_ptau,
        load_ptau,
        ptau_bytes,
        write_atomic,
    )

    with _bars(args.quiet) as progress:
        ptau = load_ptau(args.input, progress)
        if args.command_kind == "beacon":
            new, digest = beacon_ptau(ptau, _beacon_hex(args.beacon), args.iterations_exp,
                                      args.name, progress)
        else:
            new, digest = contribute_ptau(ptau, args.name, args.entropy, progress)
    write_atomic(args.out, ptau_bytes(new), overwrite=args.force)
    return _published(args, "phase-1 " + ("beacon" if args.command_kind == "beacon" else
                                          "contribution"), args.out, len(new.contributions),
                      args.name, digest)


def _p1_prepare(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import load_ptau, prepare_phase2, ptau_bytes, write_atomic

    with _bars(args.quiet) as progress:
        new = prepare_phase2(load_ptau(args.input, progress), progress)
    write_atomic(args.out, ptau_bytes(new), overwrite=args.force)
    emit(args, {"file": args.out}, f"phase-1 file prepared for phase 2: {args.out}")
    return EXIT_OK


def _report_lines(report: Any) -> list[str]:
    lines = []
    for c in report.contributions:
        kind = (f" beacon {c.beacon_hash} 2^{c.num_iterations_exp}" if c.beacon else "")
        lines.append(f"  #{c.index} {c.name or '(no name)'}{kind}\n      {c.contribution_hash}")
    return lines


def _invalid(args: argparse.Namespace, exc: Any) -> int:
    emit(args, {"valid": False, "index": exc.index, "name": exc.name, "check": exc.check,
                "message": str(exc)}, f"INVALID: {exc}")
    return EXIT_INVALID


def _p1_verify(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from zkclaims.ceremony import ContributionError, load_ptau, verify_ptau

    with _bars(args.quiet) as progress:
        ptau = load_ptau(args.ptau, progress)
    try:
        report = verify_ptau(ptau)
    except ContributionError as exc:
        return _invalid(args, exc)
    text = [f"VALID: phase 1 for 2^{report.power}, {len(report.contributions)} "
            f"contribution(s){', prepared for phase 2' if report.prepared else ''}",
            *_report_lines(report)]
    emit(args, {"valid": True, **asdict(report)}, "\n".join(text))
    return EXIT_OK


# --- phase 2 ---------------------------------------------------------------------------------


def _p2_new(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import load_ptau, new_zkey, write_atomic, zkey_bytes

    shape = circuit_shape(args.circuit)
    with _bars(args.quiet) as progress:
        z = new_zkey(shape, load_ptau(args.ptau, progress), progress)
    write_atomic(args.out, zkey_bytes(z), overwrite=args.force)
    emit(args, {"file": args.out, "circuit_id": shape.circuit_id, "circuit_hash": z.cs_hash.hex()},
         f"initial key (no contribution yet) written to {args.out}\n"
         f"circuit id {shape.circuit_id}\ncircuit hash {z.cs_hash.hex()}")
    return EXIT_OK


def _p2_contribute(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import beacon_zkey, contribute_zkey, load_zkey, write_atomic, zkey_bytes

    z = load_zkey(args.input)
    with _bars(args.quiet) as progress:
        if args.command_kind == "beacon":
            new, digest = beacon_zkey(z, _beacon_hex(args.beacon), args.iterations_exp,
                                      args.name, progress)
        else:
            new, digest = contribute_zkey(z, args.name, args.entropy, progress)
    write_atomic(args.out, zkey_bytes(new), overwrite=args.force)
    return _published(args, "phase-2 " + ("beacon" if args.command_kind == "beacon" else
                                          "contribution"), args.out, len(new.contributions),
                      args.name, digest)


def _verify_both(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    from zkclaims.ceremony import load_ptau, load_zkey, verify_ptau, verify_zkey

    shape = circuit_shape(args.circuit)
    with _bars(args.quiet) as progress:
        ptau = load_ptau(args.ptau, progress)
        z = load_zkey(args.zkey)
        p1 = None if args.skip_phase1 else verify_ptau(ptau)
        p2 = verify_zkey(z, shape, ptau, progress=progress)
    return shape, z, p1, p2


def _p2_verify(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from zkclaims.ceremony import ContributionError

    try:
        _, _, p1, p2 = _verify_both(args)
    except ContributionError as exc:
        return _invalid(args, exc)
    text = [f"VALID: phase 2 of circuit {p2.circuit_id} ({p2.n_constraints} constraints, domain "
            f"{p2.domain_size}), {len(p2.contributions)} contribution(s)", *_report_lines(p2)]
    if p1 is not None:
        text += [f"phase 1 (2^{p1.power}): {len(p1.contributions)} contribution(s)",
                 *_report_lines(p1)]
    emit(args, {"valid": True, "phase2": asdict(p2),
                "phase1": asdict(p1) if p1 else None}, "\n".join(text))
    return EXIT_OK


def _p2_export(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from zkclaims.ceremony import ContributionError, export_keys, write_atomic
    from zkclaims.groth16.snarkjs import dump_verification_key

    try:
        shape, z, _, _ = _verify_both(args)
    except ContributionError as exc:
        return _invalid(args, exc)
    pk, vk = export_keys(z, shape.circuit_id)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "proving_key.bin": pk.to_bytes(),
        "verifying_key.json": (json.dumps(vk.to_dict(), indent=2, sort_keys=True) + "\n").encode(),
        "verification_key.json": (json.dumps(dump_verification_key(vk), indent=1) + "\n").encode(),
    }
    for name, data in files.items():
        write_atomic(out / name, data, overwrite=args.force)
    emit(args, {"out_dir": str(out), "files": sorted(files), "circuit_id": shape.circuit_id},
         f"verified; keys of circuit {shape.circuit_id} written to {out}: "
         + ", ".join(sorted(files)))
    return EXIT_OK


def _r1cs(args: argparse.Namespace) -> int:
    from zkclaims.ceremony import write_atomic
    from zkclaims.circuit.iden3 import r1cs_to_bytes
    from zkclaims.circuits.build import STATEMENTS
    from zkclaims.errors import InvalidInputError

    if args.name not in STATEMENTS:
        raise InvalidInputError("name", args.name, f"not a statement (known: "
                                f"{', '.join(sorted(STATEMENTS))})")
    r1cs = STATEMENTS[args.name]().compile()
    write_atomic(args.out, r1cs_to_bytes(r1cs), overwrite=args.force)
    emit(args, {"file": args.out, "circuit_id": r1cs.digest()},
         f"{args.name}: {r1cs.n_constraints} constraints written to {args.out} (circuit id "
         f"{r1cs.digest()})")
    return EXIT_OK


# --- parser ----------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser, *, out: bool = True) -> None:
    if out:
        p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _contrib_args(p: argparse.ArgumentParser, kind: str, ext: str) -> None:
    p.add_argument("input", metavar=f"IN.{ext}", help=f"the {ext} file to contribute to")
    p.add_argument("out", metavar=f"OUT.{ext}", help=f"the {ext} file to write")
    p.add_argument("--name", default=None, help="the contributor's name (at most 64 characters),"
                   " recorded in the transcript")
    if kind == "beacon":
        p.add_argument("--beacon", required=True, help="the public random value, hexadecimal "
                       "(e.g. a future drand round or block hash announced in advance)")
        p.add_argument("--iterations-exp", type=int, default=10,
                       help="2^N SHA-256 iterations over the value (10..63; default 10)")
    else:
        p.add_argument("--entropy", default=None, help="extra text mixed into the fresh "
                       "randomness from the system (never replaces it)")
    p.set_defaults(command_kind=kind)
    _common(p)


def _sub(sub: Sub, name: str, text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")


def register(sub: Sub) -> None:
    """Add ``zkclaims ceremony ...`` to the parser."""
    p = sub.add_parser(
        "ceremony", help="multi-party Groth16 setup (snarkjs .ptau / .zkey files)",
        description="The multi-party setup ceremony: phase 1 (powers of tau) and phase 2 "
        "(per circuit), in snarkjs's formats. See docs/ceremony.md.")
    csub = p.add_subparsers(dest="phase", required=True, metavar="PHASE")

    p1 = _sub(csub, "phase1", "powers of tau (.ptau): shared by every circuit up to 2^k rows")
    s1 = p1.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = _sub(s1, "new", "write a blank accumulator for 2^POWER rows (no contribution yet)")
    a.add_argument("out", metavar="OUT.ptau", help="the .ptau file to write")
    a.add_argument("--power", type=int, required=True, help="k: the file serves circuits of "
                   "up to 2^k rows (constraints + public inputs + 1)")
    _common(a)
    a.set_defaults(func=_p1_new)
    a = _sub(s1, "contribute", "add a contribution with fresh randomness; print its hash")
    _contrib_args(a, "contribute", "ptau")
    a.set_defaults(func=_p1_contribute)
    a = _sub(s1, "beacon", "add a beacon contribution from a public random value")
    _contrib_args(a, "beacon", "ptau")
    a.set_defaults(func=_p1_contribute)
    a = _sub(s1, "prepare", "add the Lagrange sections phase 2 needs (snarkjs's prepare phase2)")
    a.add_argument("input", metavar="IN.ptau", help="the final phase-1 file")
    a.add_argument("out", metavar="OUT.ptau", help="the prepared file to write")
    _common(a)
    a.set_defaults(func=_p1_prepare)
    a = _sub(s1, "verify", "verify every contribution; exit 1 names the first bad one")
    a.add_argument("ptau", metavar="FILE.ptau", help="the .ptau file to verify")
    _common(a, out=False)
    a.set_defaults(func=_p1_verify)

    p2 = _sub(csub, "phase2", "per-circuit delta (.zkey)")
    s2 = p2.add_subparsers(dest="action", required=True, metavar="ACTION")
    circuit_help = "a statement's name (e.g. optique-equipement-2020) or an iden3 .r1cs file"
    ptau_help = "the prepared phase-1 file (.ptau)"
    a = _sub(s2, "new", "write the initial key of a circuit from a prepared .ptau")
    a.add_argument("circuit", metavar="CIRCUIT", help=circuit_help)
    a.add_argument("ptau", metavar="PTAU", help=ptau_help)
    a.add_argument("out", metavar="OUT.zkey", help="the .zkey file to write")
    _common(a)
    a.set_defaults(func=_p2_new)
    a = _sub(s2, "contribute", "add a delta contribution with fresh randomness; print its hash")
    _contrib_args(a, "contribute", "zkey")
    a.set_defaults(func=_p2_contribute)
    a = _sub(s2, "beacon", "add a beacon contribution from a public random value")
    _contrib_args(a, "beacon", "zkey")
    a.set_defaults(func=_p2_contribute)
    for action, hlp in (("verify", "verify the transcript against the circuit and phase 1; "
                                   "exit 1 names the first bad contribution"),
                        ("export", "verify, then write the proving and verifying keys")):
        a = _sub(s2, action, hlp)
        a.add_argument("circuit", metavar="CIRCUIT", help=circuit_help)
        a.add_argument("ptau", metavar="PTAU", help=ptau_help)
        a.add_argument("zkey", metavar="ZKEY", help="the final .zkey file")
        a.add_argument("--skip-phase1", action="store_true",
                       help="do not verify the phase-1 file itself (already verified)")
        if action == "export":
            a.add_argument("--out-dir", required=True, help="folder for proving_key.bin, "
                           "verifying_key.json and snarkjs's verification_key.json")
        _common(a, out=action == "export")
        a.set_defaults(func=_p2_verify if action == "verify" else _p2_export)

    a = _sub(csub, "r1cs", "write a statement's R1CS as an iden3 .r1cs (for snarkjs)")
    a.add_argument("name", metavar="NAME", help="the statement, e.g. optique-equipement-2020")
    a.add_argument("out", metavar="OUT.r1cs", help="the .r1cs file to write")
    _common(a)
    a.set_defaults(func=_r1cs)
