"""CLI of the prescriber side: the README's prescriber walkthrough (run here), keygen,
prescribe (files, QR, certificates, --force), opening import, trust add|revoke|list|add-root|
add-crl|check; bad input gives one line and exit 2, an untrusted attestation exit 1 with its
reason; help text on every command and flag."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from zkclaims.cli import EXIT_INVALID, EXIT_MALFORMED, EXIT_OK, build_parser, main
from zkclaims.hazmat.pki import DemoPki
from zkclaims.prescriber import TrustedPrescribers, key_id, load_private_key, public_key_hex

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- zkclaims:prescriber-commands -->"
PID = "RPPS-10001234567"
RX_ARGS = ("examples/prescription.json", "--patient", "examples/patient.json")


def readme_commands() -> list[tuple[list[str], int]]:
    """The ```console block after the marker: (argv, expected exit code) per command."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", text.split(MARKER, 1)[1], re.S).group(1)
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        if not line.startswith("$ "):
            continue
        command, _, comment = line[2:].partition("#")
        m = re.match(r"\s*exit (\d)", comment)
        argv = shlex.split(command)
        assert argv[0] == "zkclaims"
        out.append((argv[1:], int(m.group(1)) if m else EXIT_OK))
    return out


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_readme_walkthrough(workdir, capsys):
    commands = readme_commands()
    assert {argv[0] for argv, _ in commands} >= {"keygen", "trust", "prescribe", "opening"}
    outputs = []
    for argv, expected in commands:
        code, out, err = run(capsys, *argv)
        assert code == expected, (argv, out, err)
        outputs.append(out + err)
    for secret in ("prescriber.pem", "prescription.png", "prescription.txt", "opening.json"):
        assert stat.S_IMODE((workdir / secret).stat().st_mode) == 0o600, secret
    assert (workdir / "prescription.png").read_bytes().startswith(b"\x89PNG")
    assert "TRUSTED: RPPS-10001234567 (physician)" in outputs[4]
    assert "revoked_key" in outputs[-1] and "key_compromise" in outputs[-1]
    # keygen did not touch any insurer file: trust add created it
    assert json.loads((workdir / "insurer-trust.json").read_text())["format"] == \
        "zkclaims-trusted-prescribers/v2"


def test_keygen_is_the_prescribers_alone(workdir, capsys):
    code, out, _ = run(capsys, "keygen", "--out", "k.pem", "--algorithm", "ecdsa-p256",
                       "--public-out", "k.pub.pem")
    assert code == EXIT_OK and "ecdsa-p256" in out
    assert sorted(p.name for p in workdir.iterdir()) == ["examples", "k.pem", "k.pub.pem"]
    kid = key_id(load_private_key("k.pem").public_key())
    assert kid in out
    code, _, err = run(capsys, "keygen", "--out", "k2.pem", "--prescriber-id", PID)
    assert code == EXIT_MALFORMED and "only with --trusted" in err
    code, _, err = run(capsys, "keygen", "--out", "k2.pem", "--trusted", "t.json")
    assert code == EXIT_MALFORMED and "--prescriber-id" in err
    code, _, err = run(capsys, "keygen", "--out", "k.pem")
    assert code == EXIT_MALFORMED and "refusing to overwrite" in err
    assert not Path("k2.pem").exists() and not Path("t.json").exists()


def test_trust_add_revoke_list(workdir, capsys):
    assert run(capsys, "keygen", "--out", "a.pem", "--public-out", "a.pub")[0] == 0
    assert run(capsys, "keygen", "--out", "b.pem", "--algorithm", "ecdsa-p256")[0] == 0
    b_hex = public_key_hex(load_private_key("b.pem"))
    assert run(capsys, "trust", "add", "t.json", "--prescriber-id", PID, "--public-key",
               "a.pub", "--kind", "physician", "--not-before", "2024-01-01",
               "--not-after", "2024-12-31")[0] == 0
    code, out, _ = run(capsys, "trust", "add", "t.json", "--prescriber-id", PID,
                       "--public-key", b_hex, "--kind", "physician", "--not-before", "2025-01-01")
    assert code == 0 and "ecdsa-p256" in out and "2025-01-01 .. open" in out
    code, out, _ = run(capsys, "trust", "list", "t.json", "--json")
    listed = json.loads(out)["prescribers"][PID]
    assert [k["algorithm"] for k in listed["keys"]] == ["ed25519", "ecdsa-p256"]
    a_id = listed["keys"][0]["key_id"]
    code, out, _ = run(capsys, "trust", "revoke", "t.json", "--prescriber-id", PID, "--key",
                       a_id[:10], "--on", "2025-02-01", "--reason", "superseded")
    assert code == 0 and f"key {a_id} revoked on 2025-02-01 (superseded)" in out
    code, out, _ = run(capsys, "trust", "list", "t.json")
    assert "revoked on 2025-02-01 (superseded)" in out and out.count("key ") == 2
    t = TrustedPrescribers.load("t.json")
    assert t.prescribers[PID].keys[0].revoked_on == dt.date(2025, 2, 1)


@pytest.mark.parametrize(("argv", "expected"), [
    (["--public-key", "01" + "00" * 31], "weak Ed25519 key"),  # the identity point
    (["--public-key", "ed" + "ff" * 30 + "7f"], "non-canonical"),  # y = p
    (["--public-key", "02" + "ff" * 32], "not a point of the curve P-256"),
    (["--public-key", "zz"], "expected a PEM public key, or hex"),
    (["--public-key", "missing.pem"], "expected a PEM public key, or hex"),
    (["--public-key", "examples/claim.json"], "--public-key"),
    (["--public-key", "00" * 32, "--not-before", "2025-02-30"], "not a calendar date"),
])
def test_trust_add_refuses_bad_keys_with_one_line(workdir, capsys, argv, expected):
    base = ["trust", "add", "t.json", "--prescriber-id", PID, "--kind", "physician",
            "--not-before", "2025-01-01"]
    code, out, err = run(capsys, *base, *argv)
    assert code == EXIT_MALFORMED and expected in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not Path("t.json").exists()


def test_trust_revoke_and_check_bad_input(workdir, capsys):
    assert run(capsys, "keygen", "--out", "a.pem", "--trusted", "t.json", "--prescriber-id",
               PID)[0] == 0
    code, _, err = run(capsys, "trust", "revoke", "t.json", "--prescriber-id", PID, "--key",
                       "deadbeef")
    assert code == EXIT_MALFORMED and "names none" in err
    code, _, err = run(capsys, "trust", "revoke", "t.json", "--prescriber-id", "RPPS-2", "--all")
    assert code == EXIT_MALFORMED and "not a trusted prescriber" in err
    # an attestation by a key the insurer does not know, by a prescriber it does not know
    assert run(capsys, "keygen", "--out", "stranger.pem")[0] == 0
    for pid, reason in ((PID, "bad_signature"), ("RPPS-10000000000", "untrusted_prescriber")):
        assert run(capsys, "prescribe", *RX_ARGS, "--key", "stranger.pem",
                   "--prescriber-id", pid, "--out-opening", f"o-{pid}.json",
                   "--out-attestation", f"a-{pid}.json")[0] == 0
        code, out, _ = run(capsys, "trust", "check", "t.json", f"a-{pid}.json", "--json")
        assert code == EXIT_INVALID and json.loads(out)["reason"] == reason
    code, _, err = run(capsys, "trust", "list", "missing.json")
    assert code == EXIT_MALFORMED and "missing.json" in err
    Path("garbage.json").write_text("{")
    code, _, err = run(capsys, "trust", "list", "garbage.json")
    assert code == EXIT_MALFORMED and "not JSON" in err  # the shared reader (zkclaims.jsonio)


@pytest.fixture()
def pki_files(workdir):
    pki = DemoPki(start=dt.date(2020, 1, 1))
    key, cert = pki.issue(not_before=dt.date(2024, 1, 1), algorithm="ecdsa-p256")
    from cryptography.hazmat.primitives import serialization

    Path("doctor.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    Path("chain.pem").write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in pki.chain(cert)))
    Path("root.pem").write_bytes(pki.root.public_bytes(Encoding.PEM))
    today = dt.datetime.now(dt.UTC).date()
    Path("ca.crl").write_bytes(pki.crl(last_update=today - dt.timedelta(days=1),
                                       next_update=today + dt.timedelta(days=30))
                               .public_bytes(Encoding.DER))
    Path("root.crl").write_bytes(pki.crl(last_update=today - dt.timedelta(days=1),
                                         next_update=today + dt.timedelta(days=30),
                                         by_root=True).public_bytes(Encoding.PEM))
    return pki


def test_a_prescription_signed_under_a_certificate(pki_files, capsys):
    for argv in (["trust", "add-root", "t.json", "root.pem"],
                 ["trust", "add-crl", "t.json", "ca.crl"],
                 ["trust", "add-crl", "t.json", "root.crl"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
    code, out, err = run(capsys, "prescribe", *RX_ARGS, "--key",
                         "doctor.pem", "--prescriber-id", PID, "--certificate-chain",
                         "chain.pem", "--qr", "rx.svg", "--qr-text", "rx.txt",
                         "--out-attestation", "att.json", "--medical-situation")
    assert code == 0, err
    att = json.loads(Path("att.json").read_text())
    assert len(att["certificate_chain"]) == 2 and att["medical_situation"] is True
    assert b"<svg" in Path("rx.svg").read_bytes()
    code, out, err = run(capsys, "opening", "import", "rx.txt", "--out-opening", "o.json",
                         "--out-attestation", "a.json")
    assert code == 0, err
    assert json.loads(Path("a.json").read_text()) == att
    code, out, _ = run(capsys, "trust", "check", "t.json", "a.json", "--json")
    assert code == 0 and "8" + PID[5:] in json.loads(out)["certificate_subject"]
    code, out, _ = run(capsys, "trust", "list", "t.json")
    assert "root O=Demo health PKI" in out or "root CN=Demo health PKI root" in out
    assert out.count("crl ") == 2
    # the same certificate, claimed for another prescriber: untrusted, exit 1 with the reason
    other = {**att, "prescriber_id": "RPPS-10009999999"}
    Path("other.json").write_text(json.dumps(other))
    code, out, _ = run(capsys, "trust", "check", "t.json", "other.json")
    assert code == EXIT_INVALID and "untrusted_prescriber" in out and PID in out
    # a malformed chain: exit 2, one line
    broken = {**att, "certificate_chain": ["bm90IGEgY2VydA=="]}
    Path("broken.json").write_text(json.dumps(broken))
    code, _, err = run(capsys, "trust", "check", "t.json", "broken.json")
    assert code == EXIT_MALFORMED and "not a DER X.509 certificate" in err
    assert len(err.strip().splitlines()) == 1
    Path("junk.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    code, _, err = run(capsys, "prescribe", *RX_ARGS, "--key", "doctor.pem",
                       "--prescriber-id", PID, "--certificate-chain", "junk.pem",
                       "--out-opening", "o2.json")
    assert code == EXIT_MALFORMED and "--certificate-chain" in err and not Path("o2.json").exists()
    # an unknown root and a CRL that is not one
    for argv, what in ((["trust", "add-root", "t.json", "chain.pem"], "not a CA certificate"),
                       (["trust", "add-crl", "t.json", "root.pem"], "not a PEM or DER X.509 CRL")):
        code, _, err = run(capsys, *argv)
        assert code == EXIT_MALFORMED and what in err


def test_prescribe_never_overwrites_without_force(workdir, capsys):
    assert run(capsys, "keygen", "--out", "k.pem")[0] == 0
    args = ["prescribe", *RX_ARGS, "--key", "k.pem", "--prescriber-id",
            PID, "--out-opening", "o.json", "--out-attestation", "a.json"]
    assert run(capsys, *args)[0] == 0
    first = Path("o.json").read_text()
    code, _, err = run(capsys, *args, "--qr", "new.png")
    assert code == EXIT_MALFORMED and "--force" in err
    assert Path("o.json").read_text() == first and not Path("new.png").exists()  # nothing
    assert run(capsys, *args, "--force")[0] == 0
    assert Path("o.json").read_text() != first
    assert stat.S_IMODE(Path("o.json").stat().st_mode) == 0o600
    code, _, err = run(capsys, "prescribe", *RX_ARGS, "--key", "k.pem",
                       "--prescriber-id", PID, "--out-attestation", "x.json")
    assert code == EXIT_MALFORMED and "--out-opening, --qr or --qr-text" in err
    code, _, err = run(capsys, "prescribe", *RX_ARGS, "--key", "k.pem",
                       "--prescriber-id", PID, "--qr", "rx.gif")
    assert code == EXIT_MALFORMED and ".png" in err
    Path("link.json").symlink_to(workdir / "target.json")
    code, _, err = run(capsys, *args[:9], "link.json", "--force")
    assert code == EXIT_MALFORMED and "symbolic link" in err and not (workdir / "target.json"
                                                                      ).exists()


def test_opening_import_bad_input(workdir, capsys, monkeypatch):
    assert run(capsys, "keygen", "--out", "k.pem")[0] == 0
    assert run(capsys, "prescribe", *RX_ARGS, "--key", "k.pem",
               "--prescriber-id", PID, "--qr-text", "rx.txt")[0] == 0
    text = Path("rx.txt").read_text().strip()
    out = ["--out-opening", "o.json", "--out-attestation", "a.json"]
    flipped = text[:-1] + ("0" if text[-1] != "0" else "1")
    for source, expected in ((flipped, "bad checksum"), ("ZKRX9:0000", "unknown version"),
                             ("HC1:6BFOXN", "neither a QR text"), ("nofile.txt", "neither")):
        code, _, err = run(capsys, "opening", "import", source, *out)
        assert code == EXIT_MALFORMED and expected in err, err
        assert len(err.strip().splitlines()) == 1
    assert not Path("o.json").exists()
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))
    assert run(capsys, "opening", "import", "-", *out)[0] == 0
    assert stat.S_IMODE(Path("o.json").stat().st_mode) == 0o600
    code, _, err = run(capsys, "opening", "import", text, *out)
    assert code == EXIT_MALFORMED and "--force" in err
    assert run(capsys, "opening", "import", text, *out, "--force")[0] == 0


def _actions(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_command_and_flag_of_this_part_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    for command in ("keygen", "prescribe", "opening", "trust"):
        assert helps.get(command), command
        for path, action in _actions(sub.choices[command], command):
            assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)
    for name, p in sub.choices["trust"]._actions[1].choices.items():
        assert p.description, name


def test_prescribe_never_prints_the_qr_text(workdir, capsys):
    """The QR text holds the opening: prescribe never prints it."""
    assert run(capsys, "keygen", "--out", "k.pem")[0] == 0
    code, out, _ = run(capsys, "prescribe", *RX_ARGS, "--key", "k.pem",
                       "--prescriber-id", PID, "--qr-text", "rx.txt")
    assert code == 0 and Path("rx.txt").read_text().strip() not in out


def test_the_python_example_of_docs_prescribers_runs():
    text = (ROOT / "docs" / "prescribers.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/prescribers.md[python block {i}]", "exec"),
             {"__name__": "docs_example"})
