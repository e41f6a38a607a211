"""The shipped keys: replaying the committed ceremony gives exactly them (`circuits verify`)."""

import json
import shutil

import pytest
from zkclaims.circuits import circuit_info
from zkclaims.circuits.build import STATEMENTS, package_dir
from zkclaims.circuits.ceremony_build import verify_shipped

from zkclaims.ceremony import load_zkey, transcript_digest

NAMES = list(STATEMENTS)


def test_readme_ceremony_commands_run(tmp_path, monkeypatch, capsys):
    # The README's commands: `zkclaims circuits verify` replays the whole shipped transcript
    # (phase 1, every statement's phase 2) and checks the shipped keys are its output.
    import re
    import shlex

    from zkclaims.cli import main

    readme = (package_dir().parent / "README.md").read_text()
    block = readme.split("<!-- zkclaims:ceremony-commands -->", 1)[1].split("```", 2)[1]
    commands = [line[2:].split("  #")[0] for line in block.splitlines() if line.startswith("$ ")]
    assert commands[0].strip() == "zkclaims circuits verify"
    monkeypatch.chdir(tmp_path)
    for cmd in commands:
        args = [re.sub(r"^circuits/", f"{package_dir()}/", a) for a in shlex.split(cmd)[1:]]
        assert main(args) == 0, cmd
    out = capsys.readouterr().out
    for name in NAMES:
        assert f"VALID: {name}: " in out and "shipped keys are the transcript's output" in out
    assert "VALID: phase 2 of circuit" in out and "contribution hash (publish it)" in out


@pytest.mark.parametrize("name", NAMES)
def test_circuit_json_records_the_ceremony(name):
    info = circuit_info(name)
    root = package_dir()
    ptau = (root / info["transcript"]["phase1"]).read_bytes()
    zkey = (root / info["transcript"]["phase2"]).read_bytes()
    assert info["setup"] == "mpc" and info["transcript_sha256"] == transcript_digest(ptau, zkey)
    z = load_zkey(root / info["transcript"]["phase2"])
    assert info["contributions"] == len(z.contributions) >= 4  # three, then the beacon
    assert [c.is_beacon for c in z.contributions][-1] and not z.contributions[0].is_beacon
    md = (root / "ceremony" / name / "TRANSCRIPT.md").read_text()
    for c in z.contributions:  # every contributor and the hash it published
        assert c.name in md and c.contribution_hash().hex() in md
    assert info["transcript_sha256"] in md


@pytest.fixture()
def copy_of_circuits(tmp_path):
    root = package_dir()
    shutil.copytree(root / "artifacts", tmp_path / "artifacts")
    shutil.copytree(root / "ceremony", tmp_path / "ceremony")
    return tmp_path


def test_swapped_keys_are_detected(copy_of_circuits):
    name = NAMES[0]
    vk_file = copy_of_circuits / "artifacts" / name / "verifying_key.json"
    vk = json.loads(vk_file.read_text())
    vk["delta_g2"], vk["gamma_g2"] = vk["gamma_g2"], vk["delta_g2"]
    vk_file.write_text(json.dumps(vk))
    [result] = verify_shipped(log=lambda s: None, root=copy_of_circuits, names=[name])
    assert not result.ok and "verifying_key.json is not the transcript's key" in result.message


def test_transcript_not_the_recorded_one_is_detected(copy_of_circuits):
    name = NAMES[0]
    info_file = copy_of_circuits / "artifacts" / name / "circuit.json"
    info = json.loads(info_file.read_text())
    info["transcript_sha256"] = "00" * 32  # the files are unchanged, the recorded digest not
    info_file.write_text(json.dumps(info))
    [result] = verify_shipped(log=lambda s: None, root=copy_of_circuits, names=[name])
    assert not result.ok and "transcript digest" in result.message
    info["setup"] = "one-party-setup"
    info_file.write_text(json.dumps(info))
    [result] = verify_shipped(log=lambda s: None, root=copy_of_circuits, names=[name])
    assert not result.ok and "not a multi-party ceremony" in result.message


def test_a_ceremony_run_elsewhere_is_adopted(copy_of_circuits, monkeypatch, capsys):
    # `zkclaims circuits adopt` verifies a final .zkey and installs it as the shipped keys.
    from zkclaims.circuits import ceremony_build

    from zkclaims.cli import main

    name = NAMES[0]
    monkeypatch.setattr(ceremony_build, "package_dir", lambda: copy_of_circuits)
    art = copy_of_circuits / "artifacts" / name
    before = json.loads((art / "circuit.json").read_text())
    (art / "verifying_key.json").unlink()
    zkey = package_dir() / before["transcript"]["phase2"]
    origin = "Ceremony of test: three federations, each on its own machine"
    assert main(["circuits", "adopt", name, "--zkey", str(zkey), "--origin", origin]) == 0
    after = json.loads((art / "circuit.json").read_text())
    assert after["transcript_sha256"] == before["transcript_sha256"]
    assert origin in after["setup_note"] and after["contributions"] == before["contributions"]
    assert (art / "verifying_key.json").read_text() == (
        package_dir() / "artifacts" / name / "verifying_key.json").read_text()
    assert origin in (copy_of_circuits / "ceremony" / name / "TRANSCRIPT.md").read_text()
    capsys.readouterr()
    # a key that does not verify is not adopted
    bad = copy_of_circuits / "bad.zkey"
    bad.write_bytes(zkey.read_bytes()[:-100])
    assert main(["circuits", "adopt", name, "--zkey", str(bad), "--origin", origin]) == 2
    assert "bad.zkey" in capsys.readouterr().err
