"""``keygen``, ``prescribe``, ``opening import``: keys, signed commitments, paper QR codes.

The prescriber makes a key and signs commitments (in files, or on paper as a QR code); the
optician imports a paper prescription's QR code.
"""

from __future__ import annotations

import argparse
import os
import sys

from zkclaims.cli._common import EXIT_OK, Sub, iso_date, load_model

KINDS = ["physician", "orthoptist", "optician"]


def _add_keygen(sub: Sub) -> None:
    p = sub.add_parser(
        "keygen",
        help="create a prescriber's signing key (Ed25519 or ECDSA P-256)",
        description="Write a new private key (PEM, mode 0600, never over an existing file) and "
        "print its public key and key id. The insurer trusts the public key with `zkclaims "
        "trust add` (send it --public-out): the prescriber and the insurer are different "
        "parties. --trusted does both at once, for a demo where you play both.",
    )
    p.add_argument("--out", required=True, help="private key file to create (PEM; not overwritten)")
    p.add_argument("--algorithm", default="ed25519", choices=["ed25519", "ecdsa-p256"],
                   help="signature algorithm (default ed25519; ecdsa-p256 for smart cards and "
                   "PKI certificates that need it)")
    p.add_argument("--public-out", metavar="FILE",
                   help="also write the public key (PEM) to FILE, to send to insurers")
    p.add_argument("--trusted", metavar="TRUST.json",
                   help="also trust the key in this insurer's trusted-prescribers file "
                   "(created if absent); needs --prescriber-id")
    p.add_argument("--prescriber-id", help="with --trusted: the prescriber identifier, "
                   "e.g. RPPS-10001234567")
    p.add_argument("--kind", default="physician", choices=KINDS,
                   help="with --trusted: the prescriber kind (default physician)")
    p.add_argument("--not-before", metavar="YYYY-MM-DD",
                   help="with --trusted: first prescription day the key may sign (default: open)")
    p.set_defaults(func=_cmd_keygen)


def _cmd_keygen(args: argparse.Namespace) -> int:
    from zkclaims.errors import InputFileError, InvalidInputError
    from zkclaims.prescriber import (
        TrustedPrescribers,
        generate_key,
        key_id,
        public_key_hex,
        public_key_pem,
        save_private_key,
    )
    from zkclaims.prescriber.trust import check_prescriber_id

    if args.trusted is None and (args.prescriber_id or args.not_before):
        raise InvalidInputError("--prescriber-id", args.prescriber_id or args.not_before,
                                "only with --trusted (the insurer's file to add the key to)")
    trusted = None
    if args.trusted is not None:
        if not args.prescriber_id:
            raise InvalidInputError("--prescriber-id", None, "needed with --trusted")
        check_prescriber_id(args.prescriber_id)
        trusted = (load_model(TrustedPrescribers, args.trusted, "--trusted")
                   if os.path.exists(args.trusted) else TrustedPrescribers())
    not_before = iso_date(args.not_before, "--not-before") if args.not_before else None
    for what, path in (("--out", args.out), ("--public-out", args.public_out),
                       ("--trusted", args.trusted)):
        if path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise InputFileError(what, path, "cannot write: no such directory")
    if os.path.lexists(args.out):
        raise InputFileError("--out", args.out, "exists already; refusing to overwrite a key")
    key = generate_key(args.algorithm)
    if trusted is not None:
        trusted.add(args.prescriber_id, key, args.kind, not_before=not_before)
    save_private_key(key, args.out)
    if args.public_out:
        _write(args.public_out, public_key_pem(key), "--public-out")
    if trusted is not None:
        _save_trust(trusted, args.trusted)
    print(f"public key {public_key_hex(key)} ({args.algorithm}, key id "
          f"{key_id(key.public_key())})")
    print(f"private key written to {args.out} (mode 0600)"
          + (f"; public key to {args.public_out}" if args.public_out else ""))
    if trusted is not None:
        print(f"{args.prescriber_id} ({args.kind}) trusted in {args.trusted}")
    return EXIT_OK


def _write(path: str, data: bytes, what: str) -> None:
    from zkclaims.errors import InputFileError

    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot write: {exc.strerror}") from None


def _save_trust(trusted: object, path: str) -> None:
    from zkclaims.errors import InputFileError

    try:
        trusted.save(path)  # type: ignore[attr-defined]
    except OSError as exc:
        raise InputFileError("--trusted", path, f"cannot write: {exc.strerror}") from None


def _add_prescribe(sub: Sub) -> None:
    p = sub.add_parser(
        "prescribe",
        help="commit to a prescription and sign the commitment (files and/or a QR code)",
        description="Canonicalise and pack RX.json (a Prescription), commit to it and to the "
        "patient (INS and birth date, read from the patient's card) with a fresh 248-bit "
        "blinding, sign the attestation (v2). The opening is secret (patient and optician): "
        "it is written with mode 0600, and so is the QR code, which holds it. The "
        "attestation goes to the insurer. Nothing is overwritten without --force.",
    )
    p.add_argument("prescription", metavar="RX.json", help="the prescription (Prescription JSON)")
    p.add_argument("--patient", required=True, metavar="FILE",
                   help="the patient (Patient JSON: ins, birth_date)")
    p.add_argument("--key", required=True, help="prescriber private key (PEM, from keygen)")
    p.add_argument("--prescriber-id", required=True, help="prescriber identifier, e.g. "
                   "RPPS-10001234567 (with a certificate: the one in the certificate)")
    p.add_argument("--out-opening", help="where to write the opening (secret, mode 0600)")
    p.add_argument("--out-attestation", help="where to write the attestation (JSON)")
    p.add_argument("--qr", metavar="FILE", help="write a QR code of the opening and the "
                   "attestation for a paper prescription (.png, .svg, .pdf or .eps; mode 0600)")
    p.add_argument("--qr-text", metavar="FILE", help="write the QR code's text (mode 0600), "
                   "what a scanner reads and `zkclaims opening import` takes")
    p.add_argument("--certificate-chain", metavar="PEM",
                   help="the prescriber's certificates, leaf first (PEM): the attestation "
                   "carries them, and the insurer trusts them through its roots")
    p.add_argument("--medical-situation", action="store_true",
                   help="state a medical situation of the LPP list (physicians; signed)")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.set_defaults(func=_cmd_prescribe)


def _outputs_free(pairs: list[tuple[str, str | None]], force: bool) -> None:
    """Check every output before anything is written (no half-done prescription)."""
    from zkclaims.errors import InputFileError

    for what, path in pairs:
        if path is None:
            continue
        if os.path.islink(path):
            raise InputFileError(what, path, "is a symbolic link; refusing to write through it")
        if os.path.exists(path) and not force:
            raise InputFileError(what, path, "exists already; refusing to overwrite it "
                                 "(--force to replace it)")
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise InputFileError(what, path, "cannot write: no such directory")


def _read_bytes(path: str, what: str, limit: int = 1 << 20) -> bytes:
    from zkclaims.errors import InputFileError

    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputFileError(what, path, f"cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise InputFileError(what, path, f"larger than {limit} bytes")
    return data


def _chain_arg(path: str | None) -> list | None:
    from zkclaims.errors import InputFileError, InvalidInputError
    from zkclaims.prescriber.pki import load_certificates

    if path is None:
        return None
    try:
        return load_certificates(_read_bytes(path, "--certificate-chain"))
    except InvalidInputError as exc:
        raise InputFileError("--certificate-chain", path, str(exc)) from None


def _cmd_prescribe(args: argparse.Namespace) -> int:
    from zkclaims.domain import Patient, Prescription
    from zkclaims.errors import InvalidInputError
    from zkclaims.prescriber import load_private_key, prescribe, write_opening
    from zkclaims.prescriber.qr import prescription_qr, render_qr
    from zkclaims.prescriber.storage import write_private_file

    if not (args.out_opening or args.qr or args.qr_text):
        raise InvalidInputError("--out-opening", None, "give --out-opening, --qr or --qr-text:"
                                " the opening must reach the patient")
    qr_kind = os.path.splitext(args.qr)[1].lower().lstrip(".") if args.qr else None
    if qr_kind is not None and qr_kind not in ("png", "svg", "pdf", "eps"):
        raise InvalidInputError("--qr", args.qr, "the QR file must end in .png, .svg, .pdf or"
                                " .eps")
    _outputs_free([("--out-opening", args.out_opening), ("--out-attestation",
                   args.out_attestation), ("--qr", args.qr), ("--qr-text", args.qr_text)],
                  args.force)
    rx = load_model(Prescription, args.prescription, "RX.json")
    patient = load_model(Patient, args.patient, "--patient")
    key = load_private_key(args.key)
    chain = _chain_arg(args.certificate_chain)
    opening, attestation = prescribe(rx, patient=patient, key=key,
                                     prescriber_id=args.prescriber_id,
                                     medical_situation=args.medical_situation,
                                     certificate_chain=chain)
    code = text = None
    detached = False
    if args.qr or args.qr_text:
        code, text, detached = prescription_qr(opening, attestation)
    if args.out_opening:
        write_opening(opening, args.out_opening, force=args.force)
    if args.qr:
        write_private_file(args.qr, render_qr(code, qr_kind), force=args.force, what="--qr")
    if args.qr_text:
        write_private_file(args.qr_text, (text + "\n").encode("ascii"), force=args.force,
                           what="--qr-text")
    if args.out_attestation:
        _write(args.out_attestation,
               (attestation.model_dump_json(indent=2) + "\n").encode(), "--out-attestation")
    print(f"commitment {attestation.commitment}")
    written = [f"opening -> {args.out_opening} (secret: give it to the patient)"
               if args.out_opening else None,
               f"QR code -> {args.qr} (version {code.version}, {len(text)} characters;"
               " secret: print it on the patient's prescription)" if args.qr else None,
               f"QR text -> {args.qr_text}" if args.qr_text else None,
               f"attestation -> {args.out_attestation}" if args.out_attestation else None]
    print(", ".join(w for w in written if w))
    if detached:
        print(f"note: the certificate chain did not fit in one QR code; give the optician "
              f"{args.certificate_chain} (public) for `zkclaims opening import "
              "--certificate-chain`")
    return EXIT_OK


def _add_opening(sub: Sub) -> None:
    p = sub.add_parser(
        "opening",
        help="the optician's side of a paper prescription: import its QR code",
        description="Openings received from prescribers. `zkclaims opening import` reads the "
        "text of a prescription's QR code (scanned) and writes the opening (mode 0600) and "
        "the attestation, ready for `zkclaims prove`.",
    )
    osub = p.add_subparsers(dest="opening_command", required=True, metavar="ACTION")
    i = osub.add_parser(
        "import", help="decode a prescription QR text into opening.json and attestation.json",
        description="Decode a prescription QR text (ZKRX1:...): the checksum, the version and "
        "every field are checked and the opening must open its commitment. TEXT|FILE is the text "
        "itself, a file holding it, or - for standard input. The signature is the insurer's to "
        "check (zkclaims trust check).",
    )
    i.add_argument("source", metavar="TEXT|FILE", help="the QR text, a file with it, or -")
    i.add_argument("--out-opening", required=True, help="opening to write (secret, mode 0600)")
    i.add_argument("--out-attestation", required=True, help="attestation to write (JSON)")
    i.add_argument("--certificate-chain", metavar="PEM", help="the prescriber's certificates "
                   "(leaf first) when the QR code says they were too large to carry")
    i.add_argument("--force", action="store_true", help="replace existing output files")
    i.set_defaults(func=_cmd_opening_import)


def _cmd_opening_import(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.serialization import Encoding

    from zkclaims.prescriber import write_opening
    from zkclaims.prescriber.qr import QR_PREFIX, decode_prescription_text

    source = args.source
    if source == "-":
        text = sys.stdin.read(1 << 16)
    elif source.strip().startswith("ZKRX"):
        text = source
    elif os.path.exists(source):
        text = _read_bytes(source, "TEXT|FILE", 1 << 16).decode("ascii", "replace")
    else:
        from zkclaims.errors import InputFileError

        raise InputFileError("TEXT|FILE", source[:40], f"neither a QR text ({QR_PREFIX}...) "
                             "nor a readable file")
    _outputs_free([("--out-opening", args.out_opening),
                   ("--out-attestation", args.out_attestation)], args.force)
    chain = _chain_arg(args.certificate_chain)
    opening, attestation = decode_prescription_text(
        text, certificate_chain=None if chain is None else [c.public_bytes(Encoding.DER)
                                                            for c in chain])
    write_opening(opening, args.out_opening, force=args.force)
    _write(args.out_attestation, (attestation.model_dump_json(indent=2) + "\n").encode(),
           "--out-attestation")
    print(f"prescription of {attestation.prescription_day} by {attestation.prescriber_id} "
          f"({attestation.prescriber_kind.value}, {attestation.kind.value}), commitment "
          f"{attestation.commitment[:12]}...")
    print(f"opening -> {args.out_opening} (secret, mode 0600), attestation -> "
          f"{args.out_attestation}")
    return EXIT_OK


def register(sub: Sub) -> None:
    """Add this group's commands to the ``zkclaims`` parser."""
    _add_keygen(sub)
    _add_prescribe(sub)
    _add_opening(sub)
