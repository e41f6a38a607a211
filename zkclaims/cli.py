"""Command-line interface: ``zkclaims <command> ...``.

Exit codes: 0 ok (or valid), 1 invalid (a well-formed input the rules or a verifier reject),
2 malformed input or usage (argparse errors included). Bad input prints one line on stderr
naming the field.

Adding a command: write ``_cmd_<name>(args) -> int`` and ``_add_<name>(sub)`` that creates the
subparser and calls ``set_defaults(func=_cmd_<name>)``, then append ``_add_<name>`` to
:data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pydantic

from zkclaims.errors import ZkClaimsError

__all__ = ["EXIT_OK", "EXIT_INVALID", "EXIT_MALFORMED", "COMMANDS", "build_parser", "main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_MALFORMED = 2

_Sub = Any  # argparse._SubParsersAction (private type)


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print ``data`` as JSON when ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        print(text)


def _pydantic_line(exc: pydantic.ValidationError) -> str:
    """One line for a pydantic error: ``field: message (got value)`` (+ how many more)."""
    from zkclaims.domain.models import _pydantic_error_line

    return _pydantic_error_line(exc)


# --- classify --------------------------------------------------------------------------------
def _add_classify(sub: _Sub) -> None:
    p = sub.add_parser("classify", help="lens class of one eye's prescription (spec §2)")
    p.add_argument("--sphere", required=True, help="sphere in D, e.g. -2.00 or -2,00")
    p.add_argument("--cylinder", default="0", help="cylinder in D (either sign), default 0")
    p.add_argument("--axis", default=None, help="axis in degrees 0..180 (needed with a cylinder)")
    p.add_argument("--addition", default="0", help="addition in D (near/progressive need > 0)")
    p.add_argument("--usage", default="far", choices=["far", "near", "progressive"])
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args: argparse.Namespace) -> int:
    from zkclaims.domain import EyePrescription, LensUsage, lens_power_q, lens_row

    eye = EyePrescription(
        sphere=args.sphere, cylinder=args.cylinder, axis=args.axis, addition=args.addition
    )
    usage = LensUsage(args.usage)
    row = lens_row(eye, usage)
    multifocal, s_q, c_q = lens_power_q(eye, usage)
    can = eye.canonical()
    data = {
        "input": str(eye),
        "canonical": str(can),
        "canonical_q": {"sphere": can.sphere_q, "cylinder": can.cylinder_q,
                        "axis": can.axis_deg, "addition": can.addition_q},
        "usage": usage.value,
        "lens_power_q": {"multifocal": multifocal, "sphere": s_q, "cylinder": c_q},
        "lens_class": row.lens_class.value,
        "lens_class_code": row.lens_class.code,
        "row": row.number,
        "rule": str(row),
    }
    text = (
        f"prescription {eye}\ncanonical    {can}\nusage        {usage.value}\n"
        f"lens class   {row.lens_class.value} (code {row.lens_class.code})\nrule         {row}"
    )
    _emit(args, data, text)
    return EXIT_OK


# --- category --------------------------------------------------------------------------------
def _add_category(sub: _Sub) -> None:
    p = sub.add_parser("category", help="equipment category, floor and ceiling (spec §3)")
    classes = ["simple", "complex", "very_complex"]
    p.add_argument("right", choices=classes, help="lens class of the right lens")
    p.add_argument("left", choices=classes, help="lens class of the left lens")
    p.add_argument("--employer-mandatory", action="store_true", help="D911-1 floors")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_category)


def _cmd_category(args: argparse.Namespace) -> int:
    from zkclaims.domain import LensClass, equipment_category

    cat = equipment_category(LensClass(args.right), LensClass(args.left))
    floor = cat.floor_for(args.employer_mandatory)
    data = {
        "category": cat.code,
        "lenses": [c.value for c in cat.lenses],
        "floor_cents": floor,
        "ceiling_cents": cat.ceiling_cents,
        "frame_cap_cents": cat.frame_cap_cents,
        "employer_mandatory": args.employer_mandatory,
    }
    text = (
        f"category {cat.code} ({args.right} + {args.left})\n"
        f"floor    {floor / 100:.2f} €" + (" (D911-1)" if args.employer_mandatory else "") + "\n"
        f"ceiling  {cat.ceiling_cents / 100:.2f} €\n"
        f"frame    at most {cat.frame_cap_cents / 100:.2f} € of it (spec §3)"
    )
    _emit(args, data, text)
    return EXIT_OK


# --- demo --rules: the clear-text rules on a worked example ----------------------------------
def _demo_rules(out: Callable[[str], None] = print) -> None:
    """Print the worked example of the rules: prescription -> classes -> category -> decision."""
    from zkclaims.domain import (
        Equipment,
        EyePrescription,
        Frame,
        Guarantee,
        Lens,
        LensUsage,
        Prescription,
        classify_lens,
        equipment_category,
        lens_row,
        prescription_valid_on,
        reimburse,
    )

    rx = Prescription(
        right=EyePrescription(sphere="-2.00", cylinder="-1.00", axis=180, addition="+2.00"),
        left=EyePrescription(sphere="-5,50", cylinder="-1,00", axis=0, addition="+2.00"),
        issued_on=_dt.date(2025, 3, 10),
        prescriber_kind="physician",
    )
    birth = _dt.date(1968, 6, 1)
    eq = Equipment(
        right=Lens(usage=LensUsage.PROGRESSIVE, price_cents=29_000, classe="B"),
        left=Lens(usage=LensUsage.PROGRESSIVE, price_cents=31_000, classe="B"),
        frame=Frame(price_cents=16_000, classe="B"),
        delivered_on=_dt.date(2025, 4, 2),
    )
    out("== zkclaims: the 2020 rules on a worked example ==")
    out(f"prescription (physician, {rx.issued_on}), patient born {birth}")
    for side in ("right", "left"):
        eye = getattr(rx, side)
        usage = getattr(eq, side).usage
        out(f"  {side:5} {eye}  ->  canonical {eye.canonical()}")
        out(f"        {usage.value} lens: {classify_lens(eye, usage).value}"
            f"  [{lens_row(eye, usage)}]")
    valid = prescription_valid_on(rx, eq.delivered_on, birth)
    out(f"prescription valid on delivery {eq.delivered_on}: {valid} (spec §6)")
    cat = equipment_category(classify_lens(rx.right, eq.right.usage),
                             classify_lens(rx.left, eq.left.usage))
    out(f"category {cat.code}: floor {cat.floor_cents / 100:.2f} €, ceiling "
        f"{cat.ceiling_cents / 100:.2f} €, frame at most {cat.frame_cap_cents / 100:.2f} €")
    guarantee = Guarantee(equipment_cents=55_000, frame_cents=10_000)
    out(f"contract guarantee for category {cat.code}: {guarantee.equipment_cents / 100:.2f} € "
        f"(frame {guarantee.frame_cents / 100:.2f} €), AMO pays 0.05 € per lens and 0.03 € frame")
    d = reimburse(eq, {"right": 5, "left": 5, "frame": 3}, {cat.code: guarantee}, prescription=rx)
    out("decision:")
    for p in d.payments:
        out(f"  {p.element:5} classe {p.classe.value}  price {p.price_cents / 100:8.2f} €  "
            f"AMO {p.amo_cents / 100:6.2f} €  insurer {p.insurer_cents / 100:8.2f} €  "
            f"patient {p.patient_cents / 100:8.2f} €")
    out(f"  total insurer {d.insurer_total_cents / 100:.2f} €, AMO {d.amo_total_cents / 100:.2f} €,"
        f" patient remainder {d.patient_remainder_cents / 100:.2f} €")
    for r in d.reasons:
        out(f"  - {r}")


# --- equipment claim: keygen, prescribe, prove, verify, export-snarkjs, inspect, circuits ----
# (issue 5) The optician/insurer round trip. Each command reads the JSON of the domain models.


def _read_json(path: str, what: str) -> Any:
    """Read a JSON file; a missing, unreadable or unparsable file names ``what`` and the path."""
    from zkclaims.errors import InputFileError

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(what, path, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            what, path, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:  # json.load recurses once per nesting level
        raise InputFileError(what, path, "JSON nested too deeply") from None


def _load(model: Any, path: str, what: str) -> Any:
    """Read ``path`` as JSON and validate it as ``model``; errors name the file and the field."""
    from zkclaims.errors import InputFileError, InvalidInputError

    data = _read_json(path, what)
    try:
        return model.model_validate(data)
    except InvalidInputError as exc:
        raise InputFileError(what, path, f"not a valid {model.__name__}: {exc}") from None


def _write_json(path: str, obj: Any, what: str, *, private: bool = False) -> None:
    """Write ``obj`` as pretty JSON; ``private``: readable by the owner only (mode 0600).

    A private file is created with mode 0600 (never wider, whatever the umask) and an
    existing file is truncated and set back to 0600, as for the prescriber's private key.
    """
    import os

    from zkclaims.errors import InputFileError

    text = json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n"
    try:
        if private:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.fchmod(f.fileno(), 0o600)  # an existing file keeps its mode: narrow it
                f.write(text)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None


def _backend(name: str | None) -> str | None:
    """Check ``--backend`` (None: the default) before any work is done."""
    from zkclaims.errors import InvalidInputError
    from zkclaims.groups import BACKEND_NAMES

    if name is not None and name not in BACKEND_NAMES:
        raise InvalidInputError("--backend", name, f"must be one of {', '.join(BACKEND_NAMES)}")
    return name


def _iso_date(text: str, what: str) -> _dt.date:
    """Parse a calendar date written ``YYYY-MM-DD`` (nothing else)."""
    from zkclaims.errors import InvalidInputError

    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise InvalidInputError(what, text, "expected a date YYYY-MM-DD")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(what, text, f"not a calendar date ({exc})") from None


def _cents_map(text: str | None, what: str) -> dict[str, int]:
    """Parse ``right=500,left=500,frame=300`` (cents) into a dict."""
    from zkclaims.errors import InvalidInputError

    out: dict[str, int] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in ("right", "left", "frame") or not value.strip().isdigit():
            raise InvalidInputError(
                what, part, "expected element=cents with element right, left or frame"
            )
        if key in out:
            raise InvalidInputError(what, part, f"{key} is given twice")
        out[key] = int(value)
    return out


def _add_keygen(sub: _Sub) -> None:
    p = sub.add_parser(
        "keygen",
        help="create a prescriber's Ed25519 key and trust it",
        description="Write a new Ed25519 private key (PEM, mode 0600), print its public key, "
        "and add it to the trusted-prescribers file (created if absent).",
    )
    p.add_argument("--out", required=True, help="private key file to create (PEM; not overwritten)")
    p.add_argument("--prescriber-id", required=True, help="prescriber identifier, e.g. RPPS-...")
    p.add_argument("--trusted", required=True, help="trusted-prescribers JSON file to update")
    p.add_argument("--kind", default="physician", choices=["physician", "orthoptist"],
                   help="prescriber kind the key may attest (default physician)")
    p.set_defaults(func=_cmd_keygen)


def _cmd_keygen(args: argparse.Namespace) -> int:
    import os

    from zkclaims.domain import PrescriberKind
    from zkclaims.errors import InputFileError
    from zkclaims.prescriber import (
        TrustedPrescribers,
        generate_key,
        public_key_hex,
        save_private_key,
    )

    trusted = (
        _load(TrustedPrescribers, args.trusted, "--trusted") if os.path.exists(args.trusted)
        else TrustedPrescribers()
    )
    if os.path.exists(args.out):
        raise InputFileError("--out", args.out, "exists already; refusing to overwrite a key")
    for what, path in (("--out", args.out), ("--trusted", args.trusted)):
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):  # before writing anything
            raise InputFileError(what, path, "cannot write: no such directory")
    key = generate_key()
    trusted.add(args.prescriber_id, key, PrescriberKind(args.kind))  # checks the id first
    try:
        save_private_key(key, args.out)
    except OSError as exc:
        raise InputFileError("--out", args.out, f"cannot write: {exc.strerror}") from None
    try:
        trusted.save(args.trusted)
    except OSError as exc:
        raise InputFileError("--trusted", args.trusted, f"cannot write: {exc.strerror}") from None
    print(f"public key {public_key_hex(key)}")
    print(f"private key written to {args.out}; {args.prescriber_id} ({args.kind}) trusted in "
          f"{args.trusted}")
    return EXIT_OK


def _add_prescribe(sub: _Sub) -> None:
    p = sub.add_parser(
        "prescribe",
        help="commit to a prescription and sign the commitment",
        description="Canonicalise and pack RX.json (a Prescription), commit with a fresh "
        "248-bit blinding, sign the attestation. The opening is secret (patient/optician); "
        "the attestation goes to the insurer.",
    )
    p.add_argument("prescription", metavar="RX.json", help="the prescription (Prescription JSON)")
    p.add_argument("--key", required=True, help="prescriber private key (PEM, from keygen)")
    p.add_argument("--prescriber-id", required=True, help="prescriber identifier")
    p.add_argument("--out-opening", required=True,
                   help="where to write the opening (secret: written with mode 0600)")
    p.add_argument("--out-attestation", required=True, help="where to write the attestation")
    p.set_defaults(func=_cmd_prescribe)


def _cmd_prescribe(args: argparse.Namespace) -> int:
    from zkclaims.domain import Prescription
    from zkclaims.prescriber import load_private_key, prescribe

    rx = _load(Prescription, args.prescription, "RX.json")
    opening, attestation = prescribe(rx, load_private_key(args.key), args.prescriber_id)
    # the opening is the prescription in clear plus the blinding: owner-only, as the key
    _write_json(args.out_opening, opening.model_dump(mode="json"), "--out-opening", private=True)
    _write_json(args.out_attestation, attestation.model_dump(mode="json"), "--out-attestation")
    print(f"commitment {attestation.commitment}")
    print(f"opening -> {args.out_opening} (secret: give it to the patient), "
          f"attestation -> {args.out_attestation}")
    return EXIT_OK


def _add_prove(sub: _Sub) -> None:
    p = sub.add_parser(
        "prove",
        help="prove an equipment claim and write the claim bundle",
        description="Classify each lens by the rules, build the claim context and prove the "
        "equipment statement; the bundle discloses no prescription and no lens usage.",
    )
    p.add_argument("--opening", required=True, help="opening.json from prescribe")
    p.add_argument("--attestation", required=True, help="attestation.json from prescribe")
    p.add_argument("--equipment", required=True, help="equipment.json (Equipment JSON)")
    p.add_argument("--claim", required=True, help="claim.json (Claim JSON)")
    p.add_argument("--out", required=True, help="where to write the bundle")
    p.add_argument("--amo", default=None, metavar="right=C,left=C,frame=C",
                   help="AMO share per element in cents (default 0)")
    p.add_argument("--plv", default=None, metavar="right=C,left=C,frame=C",
                   help="legal price cap (cents) of each classe A element")
    p.add_argument("--backend", default=None, help="group backend: arkworks (default) or py_ecc")
    p.set_defaults(func=_cmd_prove)


def _cmd_prove(args: argparse.Namespace) -> int:
    import time

    from zkclaims.domain import Equipment
    from zkclaims.domain.claim import Attestation, Claim
    from zkclaims.prescriber import Opening
    from zkclaims.prover import prove_claim

    opening = _load(Opening, args.opening, "--opening")
    attestation = _load(Attestation, args.attestation, "--attestation")
    equipment = _load(Equipment, args.equipment, "--equipment")
    claim = _load(Claim, args.claim, "--claim")
    amo, plv = _cents_map(args.amo, "--amo"), _cents_map(args.plv, "--plv")
    backend = _backend(args.backend)
    t0 = time.perf_counter()
    bundle = prove_claim(
        opening, attestation, equipment, claim,
        amo_cents=amo, plv_cents=plv, backend=backend,
    )
    elapsed = time.perf_counter() - t0
    _write_json(args.out, bundle.model_dump(mode="json"), "--out")
    inv = bundle.invoice
    print(f"lens classes {inv.right.lens_class.value} + {inv.left.lens_class.value}; "
          f"proved in {elapsed:.2f} s; bundle -> {args.out}")
    return EXIT_OK


def _add_verify(sub: _Sub) -> None:
    p = sub.add_parser(
        "verify",
        help="check a claim bundle (exit 0 valid, 1 invalid, 2 malformed)",
        description="Check the circuit id, prices, the prescriber's signature, the calendar "
        "rules, the claim context and the proof; print the reimbursement decision. "
        "Exit 0 valid, 1 invalid (reason printed), 2 malformed input or usage.",
    )
    p.add_argument("bundle", metavar="bundle.json", help="claim bundle from prove")
    p.add_argument("--trusted", required=True, help="trusted-prescribers JSON file")
    p.add_argument("--contract", default=None, help="contract.json (guarantees per category)")
    p.add_argument("--insurer", default=None,
                   help="this insurer's identifier: reject claims addressed to another")
    p.add_argument("--birth-date", default=None, metavar="YYYY-MM-DD",
                   help="the beneficiary's birth date from the insurer's records: reject a "
                   "claim declaring another (birth_date_mismatch); without it the optician's "
                   "declared birth date is trusted")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--backend", default=None, help="group backend: arkworks (default) or py_ecc")
    p.set_defaults(func=_cmd_verify)


def _cmd_verify(args: argparse.Namespace) -> int:
    from zkclaims.domain.claim import ClaimBundle, Contract
    from zkclaims.errors import ClaimRejected
    from zkclaims.prescriber import TrustedPrescribers
    from zkclaims.verifier import Verifier

    birth = _iso_date(args.birth_date, "--birth-date") if args.birth_date else None
    bundle = _load(ClaimBundle, args.bundle, "bundle.json")
    trusted = _load(TrustedPrescribers, args.trusted, "--trusted")
    contract = _load(Contract, args.contract, "--contract") if args.contract else None
    verifier = Verifier(trusted, contract=contract, insurer=args.insurer,
                        backend=_backend(args.backend))
    try:
        d = verifier.verify(bundle, beneficiary_birth_date=birth)
    except ClaimRejected as exc:
        message = str(exc).removeprefix(f"{exc.reason}: ")
        _emit(args, {"valid": False, "reason": exc.reason, "message": message},
              f"INVALID ({exc.reason}): {message}")
        return EXIT_INVALID
    data = {"valid": True, "decision": d.model_dump(mode="json")}
    lines = [
        f"VALID: category {d.category.code} ({d.lens_classes[0].value} + "
        f"{d.lens_classes[1].value}), rules {d.rules_version}",
        f"  limit {'-' if d.limit_cents is None else f'{d.limit_cents / 100:.2f} €'}; "
        f"insurer pays {d.insurer_total_cents / 100:.2f} €, AMO {d.amo_total_cents / 100:.2f} €,"
        f" patient {d.patient_remainder_cents / 100:.2f} €",
    ]
    lines += [f"  - {r}" for r in d.reasons]
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def _add_export_snarkjs(sub: _Sub) -> None:
    p = sub.add_parser(
        "export-snarkjs",
        help="write verification_key.json, proof.json, public.json for snarkjs",
        description="Export a bundle's proof, public inputs and the circuit's verifying key in "
        "snarkjs's JSON format (curve bls12381): `snarkjs groth16 verify "
        "verification_key.json public.json proof.json`.",
    )
    p.add_argument("bundle", metavar="bundle.json", help="claim bundle")
    p.add_argument("--out-dir", required=True, help="folder to write the three files into")
    p.set_defaults(func=_cmd_export_snarkjs)


def _cmd_export_snarkjs(args: argparse.Namespace) -> int:
    import os

    from zkclaims.circuits import find_by_circuit_id, load_verifying_key
    from zkclaims.domain.claim import ClaimBundle
    from zkclaims.errors import InputFileError, MalformedInputError
    from zkclaims.groth16 import Proof, snarkjs

    bundle = _load(ClaimBundle, args.bundle, "bundle.json")
    name = find_by_circuit_id(bundle.circuit_id)
    if name is None:
        raise MalformedInputError(
            f"circuit_id: {bundle.circuit_id} is not a circuit zkclaims knows ({args.bundle})"
        )
    vk = load_verifying_key(name)
    proof = Proof.from_bytes(bytes.fromhex(bundle.proof), circuit_id=bundle.circuit_id)
    try:
        os.makedirs(args.out_dir, exist_ok=True)
    except OSError as exc:
        raise InputFileError("--out-dir", args.out_dir, f"cannot create: {exc.strerror}") from None
    for file, doc in (
        ("verification_key.json", snarkjs.dump_verification_key(vk)),
        ("proof.json", snarkjs.dump_proof(proof)),
        ("public.json", snarkjs.dump_public(bundle.public_inputs.as_list())),
    ):
        _write_json(os.path.join(args.out_dir, file), doc, "--out-dir")
    print(f"wrote verification_key.json, proof.json, public.json to {args.out_dir}")
    return EXIT_OK


def _add_inspect(sub: _Sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what a claim bundle discloses, field by field",
        description="List every field of a bundle with what it tells the insurer; the "
        "prescription, blinding and lens usages are not in it.",
    )
    p.add_argument("bundle", metavar="bundle.json", help="claim bundle")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_inspect)


def _circuit_name(circuit_id: str) -> str | None:
    from zkclaims.circuits import find_by_circuit_id

    return find_by_circuit_id(circuit_id)


def _bundle_disclosure(bundle: Any) -> list[tuple[str, str, str]]:
    """(field, value, meaning) for every field a bundle discloses."""
    c, inv, att, pub = bundle.claim, bundle.invoice, bundle.attestation, bundle.public_inputs
    rows = [
        ("format", bundle.format, "bundle format version"),
        ("circuit_id", bundle.circuit_id, "SHA-256 of the statement's R1CS: "
         + (_circuit_name(bundle.circuit_id) or "UNKNOWN circuit, verify will reject it")),
        ("claim.insurer", c.insurer, "insurer"),
        ("claim.claim_id", c.claim_id, "claim identifier"),
        ("claim.optician", c.optician, "optician"),
        ("claim.delivered_on", c.delivered_on.isoformat(), "delivery day"),
        ("claim.patient_birth_date", c.patient_birth_date.isoformat(),
         "patient's birth date (age rules)"),
    ]
    for name, line in inv.lines().items():
        extra = f", lens class {line.lens_class.value}" if line.lens_class else ""
        plv = f", PLV {line.plv_cents / 100:.2f} €" if line.plv_cents is not None else ""
        rows.append((f"invoice.{name}", f"{line.price_cents / 100:.2f} € classe "
                     f"{line.classe.value}{extra}{plv}, AMO {line.amo_cents / 100:.2f} €",
                     "price, 100 % Santé class" + (", proven lens class" if extra else "")))
    rows += [
        ("invoice.total_cents", f"{inv.total_cents / 100:.2f} €", "invoice total"),
        ("attestation.commitment", att.commitment[:20] + "...",
         "Poseidon commitment to the prescription (hiding)"),
        ("attestation.prescriber_id", att.prescriber_id, "who prescribed"),
        ("attestation.prescriber_kind", att.prescriber_kind.value, "physician / orthoptist"),
        ("attestation.prescription_day", att.prescription_day.isoformat(), "day of the exam"),
        ("attestation.signature", att.signature[:16] + "...", "Ed25519 signature"),
        ("public_inputs", f"class codes {pub.class_right}/{pub.class_left}, day "
         f"{pub.prescription_day}, context {pub.claim_context[:12]}...",
         "the proof's public inputs"),
        ("proof", bundle.proof[:16] + "...", "Groth16 proof, 192 bytes"),
    ]
    return rows


_NEVER_SEEN = ("sphere, cylinder, axis and addition of each eye; the lens usage (far / near / "
               "progressive) and design; the commitment's blinding")


def _cmd_inspect(args: argparse.Namespace) -> int:
    from zkclaims.domain.claim import ClaimBundle

    bundle = _load(ClaimBundle, args.bundle, "bundle.json")
    rows = _bundle_disclosure(bundle)
    width = max(len(r[0]) for r in rows)
    text = "\n".join(f"{f:<{width}}  {v}    ({m})" for f, v, m in rows)
    text += f"\nnot in the bundle: {_NEVER_SEEN}"
    _emit(args, {"disclosed": {f: v for f, v, _ in rows}, "not_disclosed": _NEVER_SEEN}, text)
    return EXIT_OK


def _add_circuits(sub: _Sub) -> None:
    p = sub.add_parser(
        "circuits",
        help="build the circuits' artifacts (keys, circuit ids)",
        description="Circuit artifacts. `zkclaims circuits build` compiles each statement, runs "
        "a one-party Groth16 setup with fresh randomness (discarded) and writes "
        "circuits/artifacts/<name>/.",
    )
    csub = p.add_subparsers(dest="circuits_command", required=True, metavar="ACTION")
    b = csub.add_parser("build", help="compile, set up and write the artifacts",
                        description="Compile each statement and (re)build its artifacts.")
    b.add_argument("--force", action="store_true",
                   help="rebuild even when the artifacts match the circuit")
    b.add_argument("--out-dir", default=None,
                   help="write elsewhere than the package's circuits/artifacts")
    b.set_defaults(func=_cmd_circuits_build)


def _cmd_circuits_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from zkclaims.circuits.build import build

    build(Path(args.out_dir) if args.out_dir else None, force=args.force)
    return EXIT_OK


# --- demo of the round trip ------------------------------------------------------------------
#: The demo's sample data (the same as examples/*.json; a test keeps them equal).
DEMO_PRESCRIPTION: dict[str, Any] = {
    "right": {"sphere": "-2.00", "cylinder": "-1.00", "axis": 180, "addition": "+2.00"},
    "left": {"sphere": "-5.50", "cylinder": "-1.00", "axis": 0, "addition": "+2.00"},
    "issued_on": "2025-03-10",
    "prescriber_kind": "physician",
}
DEMO_EQUIPMENT: dict[str, Any] = {
    "right": {"usage": "progressive", "price_cents": 29000, "classe": "B"},
    "left": {"usage": "progressive", "price_cents": 31000, "classe": "B"},
    "frame": {"price_cents": 16000, "classe": "B"},
    "delivered_on": "2025-04-02",
}
DEMO_CLAIM: dict[str, Any] = {
    "insurer": "AMC-75000123",
    "claim_id": "2025-04-000042",
    "optician": "FINESS-750012345",
    "delivered_on": "2025-04-02",
    "patient_birth_date": "1968-06-01",
}
DEMO_CONTRACT: dict[str, Any] = {
    "format": "zkclaims-contract/v1",
    "name": "Mutuelle exemple, formule responsable niveau 2",
    "employer_mandatory": False,
    "guarantees": {
        "a": {"equipment_cents": 30000, "frame_cents": 10000},
        "b": {"equipment_cents": 45000, "frame_cents": 10000},
        "c": {"equipment_cents": 55000, "frame_cents": 10000},
        "d": {"equipment_cents": 50000, "frame_cents": 10000},
        "e": {"equipment_cents": 60000, "frame_cents": 10000},
        "f": {"equipment_cents": 65000, "frame_cents": 10000},
    },
}
DEMO_PRESCRIBER_ID = "RPPS-10001234567"


def _demo_claim(out: Callable[[str], None] = print) -> int:
    """Run the whole round trip on the sample data; return 0 when everything behaved."""
    import time

    from zkclaims.domain import Equipment, Prescription
    from zkclaims.domain.claim import Claim, ClaimBundle, Contract
    from zkclaims.errors import ClaimRejected
    from zkclaims.prescriber import TrustedPrescribers, generate_key, prescribe
    from zkclaims.prover import prove_claim
    from zkclaims.verifier import Verifier

    rx = Prescription.model_validate(DEMO_PRESCRIPTION)
    equipment = Equipment.model_validate(DEMO_EQUIPMENT)
    claim = Claim.model_validate(DEMO_CLAIM)
    contract = Contract.model_validate(DEMO_CONTRACT)

    out("== zkclaims demo: an equipment claim, end to end ==")
    key = generate_key()
    trusted = TrustedPrescribers()
    trusted.add(DEMO_PRESCRIBER_ID, key)
    opening, attestation = prescribe(rx, key, DEMO_PRESCRIBER_ID)
    out(f"1. prescriber {DEMO_PRESCRIBER_ID} commits to the prescription and signs "
        f"C = {attestation.commitment[:24]}...")
    t0 = time.perf_counter()
    bundle = prove_claim(opening, attestation, equipment, claim,
                         amo_cents={"right": 5, "left": 5, "frame": 3})
    t_prove = time.perf_counter() - t0
    size = len(bundle.model_dump_json())
    out(f"2. optician proves the claim in {t_prove:.2f} s (first proof includes loading the "
        f"proving key): bundle of {size} bytes, proof 192 bytes")
    verifier = Verifier(trusted, contract=contract)
    t0 = time.perf_counter()
    decision = verifier.verify(bundle)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    verifier.verify(bundle)
    t_verify = time.perf_counter() - t0
    out(f"3. insurer verifies in {t_verify * 1000:.1f} ms ({t_first * 1000:.0f} ms the first "
        f"time: loading and preparing the verifying key): ACCEPTED, category "
        f"{decision.category.code}, insurer pays {decision.insurer_total_cents / 100:.2f} €, "
        f"patient {decision.patient_remainder_cents / 100:.2f} €")
    for r in decision.reasons:
        out(f"     - {r}")

    out("")
    received = [
        f"{f}: {v if len(v) <= 40 else v[:24] + '...'}" for f, v, _ in _bundle_disclosure(bundle)
    ]
    canon = opening.prescription
    never = [
        f"right eye: {rx.right} (canonical {canon.right})",
        f"left eye:  {rx.left} (canonical {canon.left})",
        f"right lens: {equipment.right.usage.value} design",
        f"left lens:  {equipment.left.usage.value} design",
        f"blinding: {opening.blinding[:20]}...",
    ]
    w = max(len(s) for s in received) + 2
    out(f"{'WHAT THE INSURER RECEIVED':<{w}}| WHAT IT NEVER SAW")
    for i in range(max(len(received), len(never))):
        left = received[i] if i < len(received) else ""
        right = never[i] if i < len(never) else ""
        out(f"{left:<{w}}| {right}")

    out("")
    out("4. tampered bundles:")
    ok = True
    data = bundle.model_dump(mode="json")
    # a) the optician upgrades the left lens to very complex in the invoice only
    t1 = json.loads(json.dumps(data))
    t1["invoice"]["left"]["lens_class"] = "very_complex"
    # b) ... and also rewrites the public inputs to match (new class and recomputed context)
    b2 = ClaimBundle.model_validate(t1)
    t2 = json.loads(json.dumps(t1))
    t2["public_inputs"] = b2.expected_public_inputs().model_dump(mode="json")
    # c) the same proof replayed on another claim id
    t3 = json.loads(json.dumps(data))
    t3["claim"]["claim_id"] = "2025-04-000043"
    b3 = ClaimBundle.model_validate(t3)
    t3["public_inputs"] = b3.expected_public_inputs().model_dump(mode="json")
    for label, tampered, expected in (
        ("left lens class changed to very_complex", t1, "context_mismatch"),
        ("... with public inputs recomputed to match", t2, "invalid_proof"),
        ("proof replayed on another claim id", t3, "invalid_proof"),
    ):
        try:
            verifier.verify(tampered)
            out(f"   {label}: ACCEPTED (unexpected!)")
            ok = False
        except ClaimRejected as exc:
            out(f"   {label}: REJECTED ({exc.reason})")
            ok = ok and exc.reason == expected
    return EXIT_OK if ok else EXIT_INVALID


def _add_demo_claim(sub: _Sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole round trip on sample data (prescriber, optician, insurer)",
        description="Sign a sample prescription, prove the equipment claim, verify it as the "
        "insurer (what it received beside what it never saw), then reject tampered bundles. "
        "--rules prints the clear-text rules worked example instead.",
    )
    p.add_argument("--rules", action="store_true", help="print the rules worked example only")
    p.set_defaults(func=_cmd_demo_claim)


def _cmd_demo_claim(args: argparse.Namespace) -> int:
    if args.rules:
        _demo_rules()
        return EXIT_OK
    return _demo_claim()


#: Subcommand registrars, in the order of ``zkclaims --help``. Append new ones here.
COMMANDS: list[Callable[[_Sub], None]] = [
    _add_classify,
    _add_category,
    _add_keygen,
    _add_prescribe,
    _add_prove,
    _add_verify,
    _add_export_snarkjs,
    _add_inspect,
    _add_circuits,
    _add_demo_claim,
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="zkclaims",
        description="Zero-knowledge checks of French optical 'contrat responsable' brackets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


# A negative French-decimal value ("-5,50") is not recognised as a number by argparse and
# would be taken for an option: glue it to the preceding "--option" as "--option=-5,50".
_NEGATIVE_VALUE = re.compile(r"^-\d+[.,]\d*$")


def _glue_negative_values(argv: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tok in argv:
        if out and _NEGATIVE_VALUE.match(tok) and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={tok}"
        else:
            out.append(tok)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 invalid, 2 malformed input or usage)."""
    parser = build_parser()
    argv = _glue_negative_values(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_MALFORMED
    try:
        return int(args.func(args))
    except pydantic.ValidationError as exc:
        print(f"zkclaims {args.command}: {_pydantic_line(exc)}", file=sys.stderr)
        return EXIT_MALFORMED
    except (ZkClaimsError, ValueError) as exc:
        print(f"zkclaims {args.command}: {exc}", file=sys.stderr)
        return EXIT_MALFORMED
    except OSError as exc:  # a file the command writes or reads outside the helpers
        where = exc.filename if exc.filename is not None else "file"
        print(f"zkclaims {args.command}: {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_MALFORMED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
