"""docs/ceremony.md: its example runs, its check table names every check, its links stay in."""

import re
from pathlib import Path

from zkclaims.ceremony import CHECKS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "ceremony.md").read_text()


def test_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/ceremony.md[python {i}]", "exec"), {"__name__": "doc"})


def test_every_check_is_documented():
    table = DOC.split("## What verification checks", 1)[1].split("How:", 1)[0]
    named = set(re.findall(r"`([a-z_0-9]+)`", table))
    assert set(CHECKS) <= named, set(CHECKS) - named


def test_commands_are_the_cli_s():
    import shlex

    from zkclaims.cli import build_parser

    parser = build_parser()
    text = re.sub(r"\\\n\s*", " ", DOC)  # join continued lines
    commands = re.findall(r"^    (zkclaims [^\n#]+)", text, flags=re.M)
    assert len(commands) >= 15
    for line in commands:
        args = shlex.split(line.replace("<hex>", "00ff"))[1:]
        parser.parse_args(args)  # a command the CLI does not have exits 2


def test_no_link_leaves_the_repository():
    assert not re.findall(r"\]\((?:https?:|\.\./\.\.)", DOC)
