"""The README's service commands run as written, after its claim commands."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from zkclaims.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(marker: str) -> list[list[str]]:
    block = README.split(marker, 1)[1]
    body = re.search(r"```console\n(.*?)```", block, re.S).group(1).replace("\\\n", " ")
    cmds = [shlex.split(line[2:]) for line in body.splitlines() if line.startswith("$ ")]
    assert cmds and all(c[0] == "zkclaims" for c in cmds)
    return [c[1:] for c in cmds]


def test_readme_service_commands(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZKCLAIMS_CONFIG", raising=False)
    for argv in commands("<!-- zkclaims:claim-commands -->"):
        assert main(argv) == 0, argv
        if argv[0] == "prove":
            break
    else:
        pytest.fail("README: the claim commands make no bundle (no `zkclaims prove`)")
    capsys.readouterr()
    outputs = []
    for argv in commands("<!-- zkclaims:service-commands -->"):
        code = main(argv)
        out = capsys.readouterr()
        assert code == 0, (argv, out.err)
        outputs.append((argv, out.out))
    ingests = [out for argv, out in outputs if argv[:2] == ["registry", "ingest"]]
    assert ingests[0].split("\t")[1] == "accepted"
    replay = json.loads(ingests[1])
    assert (replay["status"], replay["replayed"]) == ("accepted", True)
    assert any(out.startswith("audit chain OK: 1 rows") for _argv, out in outputs)
