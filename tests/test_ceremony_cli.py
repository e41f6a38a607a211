"""`zkclaims ceremony ...`: the whole flow, hashes to publish, exit codes 0 / 1 / 2, no partial
output."""

import json
from dataclasses import replace

import pytest
from ceremony_support import FIX, phase1

from zkclaims.ceremony import ptau_bytes
from zkclaims.ceremony.keys import scalar
from zkclaims.cli import main

R1CS = str(FIX / "snarkjs" / "circuit.r1cs")


def run(capsys, *args):
    code = main(["ceremony", *args, "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_whole_ceremony_from_the_command_line(tmp_path, capsys):
    def p(name):
        return str(tmp_path / name)

    assert run(capsys, "phase1", "new", p("p0.ptau"), "--power", "3")[0] == 0
    code, out, _ = run(capsys, "phase1", "contribute", p("p0.ptau"), p("p1.ptau"), "--name",
                       "alice", "--entropy", "typed by alice", "--json")
    assert code == 0
    first = json.loads(out)
    assert first["contribution"] == 1 and first["name"] == "alice" and len(first["hash"]) == 128
    code, out, _ = run(capsys, "phase1", "beacon", p("p1.ptau"), p("p2.ptau"), "--beacon",
                       "00ff", "--iterations-exp", "10", "--name", "beacon")
    assert code == 0 and "contribution hash (publish it):" in out
    assert run(capsys, "phase1", "prepare", p("p2.ptau"), p("pot.ptau"))[0] == 0
    code, out, _ = run(capsys, "phase1", "verify", p("pot.ptau"), "--json")
    report = json.loads(out)
    assert code == 0 and report["valid"] and report["prepared"]
    assert report["contributions"][0]["contribution_hash"] == first["hash"]

    assert run(capsys, "phase2", "new", R1CS, p("pot.ptau"), p("z0.zkey"))[0] == 0
    code, out, _ = run(capsys, "phase2", "contribute", p("z0.zkey"), p("z1.zkey"), "--name",
                       "carol", "--json")
    assert code == 0 and json.loads(out)["contribution"] == 1
    code, out, _ = run(capsys, "phase2", "verify", R1CS, p("pot.ptau"), p("z1.zkey"))
    assert code == 0 and out.startswith("VALID") and "#1 carol" in out and "#1 alice" in out
    code, out, _ = run(capsys, "phase2", "export", R1CS, p("pot.ptau"), p("z1.zkey"),
                       "--out-dir", p("keys"))
    assert code == 0 and (tmp_path / "keys" / "proving_key.bin").is_file()


def test_verify_names_the_first_bad_contribution(tmp_path, capsys):
    ptau = phase1()
    c1, c2, c3 = ptau.contributions
    forged = replace(ptau, contributions=(c1, replace(c2, alpha_g1=c2.alpha_g1 * scalar(3)), c3))
    f = tmp_path / "forged.ptau"
    f.write_bytes(ptau_bytes(forged))
    code, out, _ = run(capsys, "phase1", "verify", str(f))
    assert code == 1
    assert out.strip() == ("INVALID: phase 1 contribution #2 (bob): check 'alpha_g1' failed: "
                           "alpha G1 does not follow the previous contribution")
    code, out, _ = run(capsys, "phase1", "verify", str(f), "--json")
    data = json.loads(out)
    assert (code, data["valid"], data["index"], data["name"], data["check"]) == (
        1, False, 2, "bob", "alpha_g1")


@pytest.mark.parametrize("damage", ["truncate", "curve", "garbage"])
def test_malformed_file_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, damage):
    good = ptau_bytes(phase1())
    bad = {"truncate": good[: len(good) // 2],
           "curve": good[:24] + (32).to_bytes(4, "little") + good[28:],
           "garbage": b"\x00" * 64}[damage]
    f = tmp_path / "bad.ptau"
    f.write_bytes(bad)
    for args in (("phase1", "verify", str(f)),
                 ("phase1", "contribute", str(f), str(tmp_path / "out.ptau"))):
        code, out, err = run(capsys, *args)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "bad.ptau" in err
    assert not (tmp_path / "out.ptau").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.ptau"]  # no temporary left behind


def test_existing_output_is_kept_unless_forced(tmp_path, capsys):
    out = tmp_path / "p0.ptau"
    out.write_bytes(b"precious")
    code, _, err = run(capsys, "phase1", "new", str(out), "--power", "3")
    assert code == 2 and "already exists" in err and out.read_bytes() == b"precious"
    assert run(capsys, "phase1", "new", str(out), "--power", "3", "--force")[0] == 0
    assert out.read_bytes()[:4] == b"ptau"


def test_bad_arguments_exit_2(tmp_path, capsys):
    (tmp_path / "p.ptau").write_bytes(ptau_bytes(phase1()))
    code, _, err = run(capsys, "phase1", "beacon", str(tmp_path / "p.ptau"),
                       str(tmp_path / "o.ptau"), "--beacon", "xyz")
    assert code == 2 and "--beacon" in err
    code, _, err = run(capsys, "phase1", "beacon", str(tmp_path / "p.ptau"),
                       str(tmp_path / "o.ptau"), "--beacon", "ab", "--iterations-exp", "70")
    assert code == 2 and "num_iterations_exp" in err
    code, _, err = run(capsys, "phase1", "new", str(tmp_path / "x.ptau"), "--power", "40")
    assert code == 2 and "power" in err
    code, _, err = run(capsys, "phase2", "new", "no-such-statement", str(tmp_path / "p.ptau"),
                       str(tmp_path / "z.zkey"))
    assert code == 2 and "no-such-statement" in err
    assert not (tmp_path / "o.ptau").exists() and not (tmp_path / "z.zkey").exists()


def test_r1cs_of_a_statement(tmp_path, capsys):
    from zkclaims.circuits.build import STATEMENTS

    from zkclaims.circuit.iden3 import read_r1cs

    name = next(iter(STATEMENTS))
    code, out, _ = run(capsys, "r1cs", name, str(tmp_path / "c.r1cs"))
    r1cs, _ = read_r1cs(tmp_path / "c.r1cs")
    assert code == 0 and r1cs.digest() in out
    assert r1cs.digest() == STATEMENTS[name]().compile().digest()
