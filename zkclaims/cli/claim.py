"""``prove``, ``verify``, ``export-snarkjs``, ``inspect``: the equipment claim."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

from zkclaims.cli import renewal
from zkclaims.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    Sub,
    check_backend,
    emit,
    iso_date,
    load_model,
    read_json,
    write_json,
)


def _add_prove(sub: Sub) -> None:
    p = sub.add_parser(
        "prove",
        help="prove an equipment claim and write the claim bundle",
        description="Run the insurer's pre-check first (delivery day, prescription validity), "
        "classify each lens by the rules, build the invoice and the claim context and prove "
        "the equipment statement; the bundle discloses no prescription, no patient identity "
        "and no far/near usage.",
    )
    p.add_argument("--opening", required=True, help="opening.json from prescribe")
    p.add_argument("--attestation", required=True, help="attestation.json from prescribe")
    p.add_argument("--equipment", required=True, help="equipment.json (Equipment JSON)")
    p.add_argument("--claim", required=True, help="claim.json (Claim JSON)")
    p.add_argument("--out", required=True, help="where to write the bundle")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                   help="the day of the pre-check (default: today)")
    p.add_argument("--tariffs", default=None, metavar="FILE",
                   help="the LPP rules table the insurer uses (from `zkclaims tariffs import`):"
                   " a classe A price above its cap is refused before proving")
    p.add_argument("--backend", default=None, help="group backend: arkworks (default) or py_ecc")
    p.add_argument("--threads", default=None, metavar="N",
                   help="worker threads for the proof's multi-scalar multiplications (1 to 256;"
                   " default: one per core); the bundle does not depend on it")
    renewal.add_prove_options(p)
    p.set_defaults(func=_cmd_prove)


def _thread_count(raw: str | None) -> int | None:
    if raw is None:
        return None
    from zkclaims.groth16.workers import check_thread_count

    return check_thread_count(int(raw) if raw.strip().isdigit() else raw, "--threads")


def _prove(args: argparse.Namespace, opening: Any, attestation: Any, equipment: Any,
           claim: Any, previous: Any, backend: Any, today: Any, tariffs: Any) -> Any:
    if previous is None:
        from zkclaims.prover import prove_claim

        return prove_claim(opening, attestation=attestation, equipment=equipment,
                           claim=claim, backend=backend, today=today, tariffs=tariffs)
    from zkclaims.prover_renewal import prove_claim_with_renewal

    return prove_claim_with_renewal(
        opening, attestation=attestation, equipment=equipment, claim=claim,
        previous_opening=previous[0], previous_attestation=previous[1],
        renewal_criteria=renewal.parse_criteria(args.renewal_criteria, "--renewal-criteria"),
        backend=backend, today=today, tariffs=tariffs)


def _cmd_prove(args: argparse.Namespace) -> int:
    import time

    from zkclaims.domain import Equipment
    from zkclaims.domain.attestation import Attestation
    from zkclaims.domain.invoice import Claim
    from zkclaims.errors import ClaimRejected
    from zkclaims.groth16 import prover_threads
    from zkclaims.prescriber import Opening

    opening = load_model(Opening, args.opening, "--opening")
    attestation = load_model(Attestation, args.attestation, "--attestation")
    equipment = load_model(Equipment, args.equipment, "--equipment")
    claim = load_model(Claim, args.claim, "--claim")
    today = iso_date(args.today, "--today") if args.today else None
    backend = check_backend(args.backend)
    previous = renewal.renewal_inputs(args)
    tariffs = None
    if args.tariffs:
        from zkclaims.domain.lpp import load_tariffs

        tariffs = load_tariffs(args.tariffs, "--tariffs")
    threads = _thread_count(args.threads)
    t0 = time.perf_counter()
    try:
        with prover_threads(threads) if threads else contextlib.nullcontext():
            bundle = _prove(args, opening, attestation, equipment, claim, previous, backend,
                            today, tariffs)
    except ClaimRejected as exc:  # the pre-check: the insurer would refuse it, nothing proved
        message = str(exc).removeprefix(f"{exc.reason}: ")
        print(f"REFUSED before proving ({exc.reason}): {message}")
        return EXIT_INVALID
    elapsed = time.perf_counter() - t0
    write_json(args.out, bundle.model_dump(mode="json"), "--out")
    inv = bundle.invoice
    lenses = ", ".join(f"{line.design.value} {line.lens_class.value} ({line.grouping_code})"
                       for line in (inv.right, inv.left))
    extra = ("" if bundle.renewal is None else
             f"; early renewal proven under mask {int(bundle.renewal.accepted)}")
    print(f"lenses {lenses}{extra}; proved in {elapsed:.2f} s; bundle -> {args.out}")
    return EXIT_OK


def _add_verify(sub: Sub) -> None:
    p = sub.add_parser(
        "verify",
        help="check a claim bundle (exit 0 valid, 1 invalid, 2 malformed)",
        description="Check the circuit and its pinned key, the insurer and beneficiary, the "
        "invoice and its grouping codes, the prescriber's signature, the calendar rules, the "
        "law's price caps, the claim context, the patient tag, the proof and the renewal "
        "period; print the reimbursement decision. Exit 0 valid, 1 invalid (reason printed), "
        "2 malformed input or usage.",
    )
    p.add_argument("bundle", metavar="BUNDLE", nargs="+",
                   help="claim bundle(s) from prove: files, folders (their *.json files) or - "
                   "for standard input (one bundle, or one per line: JSON Lines); several "
                   "bundles are checked as one batch (proofs batch-verified, a claim id or "
                   "a prescription paid once)")
    p.add_argument("--trusted", required=True, help="trusted-prescribers JSON file")
    p.add_argument("--insurer", required=True,
                   help="this insurer's identifier: claims addressed to another are refused")
    p.add_argument("--beneficiary", required=True, metavar="FILE",
                   help="the insurer's record of the member the claim names (Beneficiary "
                   "JSON: member_id, ins, birth_date, amo_regime), or a list of records for "
                   "a batch (each bundle's claim.beneficiary is looked up)")
    p.add_argument("--history", default=None, metavar="FILE",
                   help="the member's claim history from the insurer's ledger (ClaimHistory "
                   "JSON: last_delivery, previous_commitment); for a batch, an object of "
                   "histories by member id")
    p.add_argument("--last-delivery", default=None, metavar="YYYY-MM-DD",
                   help="the member's last reimbursed delivery (instead of --history)")
    p.add_argument("--contract", default=None, help="contract.json (guarantees per category)")
    p.add_argument("--tariffs", default=None, metavar="FILE",
                   help="the LPP rules table (from `zkclaims tariffs import`): classe A caps "
                   "and tariffs; without it, built-in figures only (classe A lenses refused)")
    p.add_argument("--claim-deadline-days", default=None, type=int, metavar="DAYS",
                   help="refuse a delivery more than DAYS days before today (claim_too_late)")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                   help="the day of the check (default: today)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--jsonl", action="store_true",
                   help="print one JSON line per bundle: source, claim_id, bundle_sha256, "
                   "valid, and the decision or the reason and message")
    p.add_argument("--backend", default=None, help="group backend: arkworks (default) or py_ecc")
    renewal.add_verify_options(p)
    p.set_defaults(func=_cmd_verify)


def _cmd_verify(args: argparse.Namespace) -> int:
    from zkclaims.domain import Beneficiary, ClaimHistory
    from zkclaims.domain.bundle import ClaimBundle
    from zkclaims.errors import ClaimRejected, InvalidInputError

    if args.history and (args.last_delivery or args.previous_commitment):
        raise InvalidInputError("--last-delivery", args.last_delivery,
                                "give either --history or --last-delivery, not both")
    today = iso_date(args.today, "--today") if args.today else None
    history = renewal.history_from_options(args)  # --last-delivery [--previous-commitment]
    if (args.jsonl or len(args.bundle) > 1 or args.bundle[0] == "-"
            or os.path.isdir(args.bundle[0])):
        return _verify_batch(args, history, today)
    if args.history:
        history = load_model(ClaimHistory, args.history, "--history")
    beneficiary = load_model(Beneficiary, args.beneficiary, "--beneficiary")
    bundle = _load_bundle_file(args.bundle[0])
    verifier = _verifier(args)
    try:
        if isinstance(bundle, ClaimRejected):
            raise bundle
        d = verifier.verify(bundle, beneficiary=beneficiary, history=history, today=today)
    except ClaimRejected as exc:
        message = str(exc).removeprefix(f"{exc.reason}: ")
        emit(args, {"valid": False, "reason": exc.reason, "message": message},
             f"INVALID ({exc.reason}): {message}")
        return EXIT_INVALID
    assert isinstance(bundle, ClaimBundle)
    data = {"valid": True, "decision": d.model_dump(mode="json")}
    lines = [
        f"VALID: category {d.category.code} ({d.lens_classes[0].value} + "
        f"{d.lens_classes[1].value}), rules {d.rules_version}",
        f"  limit {'-' if d.limit_cents is None else f'{d.limit_cents / 100:.2f} €'}; "
        f"insurer pays {d.insurer_total_cents / 100:.2f} €, AMO {d.amo_total_cents / 100:.2f} €,"
        f" patient {d.patient_remainder_cents / 100:.2f} €",
    ]
    lines += [f"  - {r}" for r in d.reasons]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def _verifier(args: argparse.Namespace) -> Any:
    """Build the verifier the options describe (trusted keys, insurer, contract, tariffs)."""
    from zkclaims.domain.contract import Contract
    from zkclaims.prescriber import TrustedPrescribers
    from zkclaims.verifier import Verifier

    trusted = load_model(TrustedPrescribers, args.trusted, "--trusted")
    contract = load_model(Contract, args.contract, "--contract") if args.contract else None
    tariffs = None
    if args.tariffs:
        from zkclaims.domain.lpp import load_tariffs

        tariffs = load_tariffs(args.tariffs, "--tariffs")
    return Verifier(trusted, insurer=args.insurer, contract=contract, tariffs=tariffs,
                    claim_deadline_days=args.claim_deadline_days,
                    backend=check_backend(args.backend),
                    renewal_criteria=renewal.parse_criteria(args.renewal_criteria,
                                                            "--renewal-criteria"))


def _records(path: str) -> dict[str, Any]:
    """``--beneficiary`` for a batch: one Beneficiary or a list of them, by member id."""
    from zkclaims.domain import Beneficiary
    from zkclaims.errors import InputFileError, InvalidInputError

    data = read_json(path, "--beneficiary")
    items = data if isinstance(data, list) else [data]
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        try:
            record = Beneficiary.model_validate(item)
        except InvalidInputError as exc:
            where = f"[{i}] " if isinstance(data, list) else ""
            raise InputFileError("--beneficiary", path, f"{where}{exc}") from None
        if record.member_id in out:
            raise InputFileError("--beneficiary", path,
                                 f"[{i}].member_id: {record.member_id!r} is given twice")
        out[record.member_id] = record
    return out


def _histories(path: str) -> Any:
    """``--history`` for a batch: one ClaimHistory (for every bundle) or one per member id."""
    from zkclaims.domain import ClaimHistory
    from zkclaims.errors import InputFileError, InvalidInputError

    data = read_json(path, "--history")
    if isinstance(data, dict) and set(data) <= set(ClaimHistory.model_fields):
        try:
            return ClaimHistory.model_validate(data)
        except InvalidInputError as exc:
            raise InputFileError("--history", path, str(exc)) from None
    if not isinstance(data, dict):
        raise InputFileError("--history", path, "expected a ClaimHistory or an object of "
                             "ClaimHistory by member id")
    out = {}
    for member, item in data.items():
        try:
            out[member] = ClaimHistory.model_validate(item)
        except InvalidInputError as exc:
            raise InputFileError("--history", path, f"{member}: {exc}") from None
    return out


def _verify_batch(args: argparse.Namespace, history: Any, today: Any) -> int:
    """``verify`` of several bundles (files, folders, -): one result per bundle."""
    import json

    from zkclaims.cli._batch import batch_exit_code, expand_inputs, merge_results

    documents = expand_inputs(args.bundle, "bundle")
    records = _records(args.beneficiary)
    if args.history:
        history = _histories(args.history)
    verifier = _verifier(args)
    readable = [i for i, d in enumerate(documents) if d.raw is not None]
    histories = None
    if history is not None:
        histories = history if isinstance(history, dict) else {m: history for m in records}
    results = verifier.verify_many([documents[i].raw for i in readable], beneficiaries=records,
                                   histories=histories, today=today) if readable else []
    merged = merge_results(documents, readable, results)
    if args.jsonl:
        for res in merged:
            print(json.dumps(res, sort_keys=True, ensure_ascii=False))
    else:
        counts = {k: sum(1 for r in merged if _kind(r) == k)
                  for k in ("valid", "invalid", "malformed")}
        text = [_result_line(r) for r in merged]
        text.append(f"{len(merged)} bundles: {counts['valid']} valid, {counts['invalid']} "
                    f"invalid, {counts['malformed']} malformed")
        emit(args, {"results": merged, **counts}, "\n".join(text))
    return batch_exit_code(merged)


def _kind(res: dict[str, Any]) -> str:
    if res["valid"]:
        return "valid"
    return "malformed" if res.get("reason") == "malformed" else "invalid"


def _result_line(res: dict[str, Any]) -> str:
    who = res["source"] + (f" ({res['claim_id']})" if res.get("claim_id") else "")
    if res["valid"]:
        d = res["decision"]
        return (f"{who}: VALID category {d['category']['code']}, insurer pays "
                f"{d['insurer_total_cents'] / 100:.2f} €")
    return f"{who}: INVALID ({res['reason']}): {res['message']}"


def _load_bundle_file(path: str) -> Any:
    """Read a bundle file; a retired bundle comes back as its ``ClaimRejected`` (exit 1)."""
    from zkclaims.domain.bundle import RETIRED_BUNDLE_FORMATS, ClaimBundle
    from zkclaims.errors import ClaimRejected

    data = read_json(path, "bundle.json")
    fmt = data.get("format") if isinstance(data, dict) else None
    if isinstance(fmt, str) and fmt in RETIRED_BUNDLE_FORMATS:
        return ClaimRejected("retired_circuit",
                             f"bundle.format: {fmt} is retired: {RETIRED_BUNDLE_FORMATS[fmt]}")
    return load_model(ClaimBundle, path, "bundle.json")


def _add_export_snarkjs(sub: Sub) -> None:
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
    from zkclaims.domain.bundle import ClaimBundle
    from zkclaims.errors import InputFileError, MalformedInputError
    from zkclaims.groth16 import Proof, snarkjs

    bundle = load_model(ClaimBundle, args.bundle, "bundle.json")
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
        write_json(os.path.join(args.out_dir, file), doc, "--out-dir")
    print(f"wrote verification_key.json, proof.json, public.json to {args.out_dir}")
    return EXIT_OK


def _add_inspect(sub: Sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what a claim bundle discloses, field by field",
        description="List every field of a bundle with what it tells the insurer; the "
        "prescription, the patient's identity, the blinding and whether a unifocal lens is "
        "for far or near vision are not in it.",
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
        ("claim.beneficiary", c.beneficiary, "the insurer's member number"),
        ("claim.delivered_on", c.delivered_on.isoformat(), "delivery day"),
    ]
    for name, line in inv.lines().items():
        lens = (f", {line.design.value} {line.lens_class.value}"
                if line.design is not None and line.lens_class is not None else "")
        rows.append((f"invoice.{name}", f"{line.price_cents / 100:.2f} € classe "
                     f"{line.classe.value}, code {line.grouping_code}{lens}",
                     "price, 100 % Santé class, grouping code"
                     + (", proven lens design and class" if lens else "")))
    rows += [
        ("invoice.total_cents", f"{inv.total_cents / 100:.2f} €", "invoice total"),
        ("attestation.commitment", att.commitment[:20] + "...",
         "Poseidon commitment to the prescription and the patient (hiding)"),
        ("attestation.prescriber_id", att.prescriber_id, "who prescribed"),
        ("attestation.prescriber_kind", att.prescriber_kind.value, "physician / orthoptist"),
        ("attestation.prescription_day", att.prescription_day.isoformat(), "day of the exam"),
        ("attestation.signature", att.signature[:16] + "...", "Ed25519 signature"),
        ("public_inputs.patient_tag", pub.patient_tag[:20] + "...",
         "per-claim tag of the patient: Poseidon(INS and birth date, claim context)"),
        ("public_inputs", f"designs {pub.design_right}/{pub.design_left}, classes "
         f"{pub.class_right}/{pub.class_left}, day {pub.prescription_day}, context "
         f"{pub.claim_context[:12]}...", "the proof's other public inputs"),
        ("proof", bundle.proof[:16] + "...", "Groth16 proof, 192 bytes"),
    ]
    return rows + renewal.renewal_disclosure(bundle)


_NEVER_SEEN = ("sphere, cylinder, axis and addition of each eye; whether a unifocal lens is "
               "for far or near vision; the patient's INS and birth date (the insurer holds "
               "them in its own records); the commitment's blinding")


def _cmd_inspect(args: argparse.Namespace) -> int:
    from zkclaims.domain.bundle import ClaimBundle

    bundle = load_model(ClaimBundle, args.bundle, "bundle.json")
    rows = _bundle_disclosure(bundle)
    width = max(len(r[0]) for r in rows)
    text = "\n".join(f"{f:<{width}}  {v}    ({m})" for f, v, m in rows)
    text += f"\nnot in the bundle: {_NEVER_SEEN}"
    emit(args, {"disclosed": {f: v for f, v, _ in rows}, "not_disclosed": _NEVER_SEEN}, text)
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_prove(sub)
    _add_verify(sub)
    _add_export_snarkjs(sub)
    _add_inspect(sub)
