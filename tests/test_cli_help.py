"""The CLI as a batch job meets it: help on every command and flag, ``--version``, and a JSON
error object on stdout with exit 2 for every command that has ``--json`` (issue 13)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from zkclaims.cli import build_parser, main


def _walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Yield (command path, parser, parent's help for it) for every (sub)command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*prefix, name), sub, helps.get(name)
                yield from _walk(sub, (*prefix, name))


COMMANDS = list(_walk(build_parser()))


def test_the_walk_sees_every_command_group():
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"classify", "category", "keygen", "prescribe", "prove", "verify", "inspect",
            "export-snarkjs", "circuits", "circuits build", "demo"} <= names


@pytest.mark.parametrize("path", [" ".join(p) for p, _, _ in COMMANDS])
def test_every_command_and_flag_has_help(path):
    _, parser, listed = next(c for c in COMMANDS if " ".join(c[0]) == path)
    assert listed, f"`zkclaims {path}` has no one-line help in its parent's list"
    assert parser.description, f"`zkclaims {path} --help` has no description"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help, f"`zkclaims {path}`: {action.option_strings or action.dest} has no help"


def test_help_of_classify_and_category_says_what_they_do(capsys):
    for cmd in ("classify", "category"):
        assert main([cmd, "--help"]) == 0
        out = capsys.readouterr().out
        assert "lens class" in out and "docs/rules.md" in out


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"zkclaims {version('zkclaims')}"


JSON_COMMANDS = [" ".join(p) for p, parser, _ in COMMANDS
                 if any("--json" in a.option_strings for a in parser._actions)]


def test_json_commands_are_found():
    assert {"classify", "category", "verify", "inspect"} <= set(JSON_COMMANDS)


@pytest.mark.parametrize("path", JSON_COMMANDS)
def test_json_usage_error_is_a_json_object_on_stdout(path, capsys):
    code = main([*path.split(), "--json", "--no-such-option"])
    out, err = capsys.readouterr()
    assert code == 2
    doc = json.loads(out)
    assert doc["ok"] is False and doc["exit_code"] == 2 and doc["reason"] == "usage"
    assert doc["message"].startswith(f"zkclaims {path}: ")
    assert doc["message"].split(": ", 1)[1] in err


@pytest.mark.parametrize(
    ("argv", "field", "message"),
    [
        (["classify", "--sphere", "-3.3", "--json"], "sphere", "'-3.50' or '-3.25'"),
        (["classify", "--sphere", "-2", "--usage", "near", "--json"], None, "addition"),
        (["verify", "missing.json", "--trusted", "t.json", "--insurer", "A", "--beneficiary",
          "b.json", "--json"], "--beneficiary", "cannot read"),
        (["inspect", "missing.json", "--json"], "bundle.json", "cannot read"),
    ],
)
def test_json_malformed_input_is_a_json_object_on_stdout(argv, field, message, capsys,
                                                         tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["ok"] is False and doc["reason"] == "malformed" and doc["exit_code"] == 2
    assert doc["field"] == field
    assert message in doc["message"]
    assert len(err.strip().splitlines()) == 1 and message in err
    assert ("valid" in doc) == (argv[0] == "verify")


def test_json_error_from_a_real_process(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"[" * 100_000)
    run = subprocess.run(
        [sys.executable, "-m", "zkclaims.cli", "inspect", str(bad), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    doc = json.loads(run.stdout)
    assert "nested deeper than 32 levels" in doc["message"]
    assert len(run.stderr.strip().splitlines()) == 1
