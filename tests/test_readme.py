"""The README: its python examples run, its markers and its rule table stay true."""

import re
from pathlib import Path

import zkclaims.domain as domain
import zkclaims.domain.claim  # noqa: F401 - the table names claim.reimburse_invoice

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_a_python_example():
    blocks = python_blocks()
    assert blocks and any("reimburse(" in b and "classify_lens(" in b for b in blocks)


def test_readme_python_examples_run():
    for i, block in enumerate(python_blocks()):
        code = compile(block, f"README.md[python block {i}]", "exec")
        exec(code, {"__name__": "readme_example"})  # an AssertionError fails the test


def test_readme_markers_for_the_other_sections():
    for marker in ("<!-- section:crypto -->", "<!-- section:claim -->",
                   "<!-- perf:start -->", "<!-- perf:end -->"):
        assert marker in README
    assert README.index("<!-- perf:start -->") < README.index("<!-- perf:end -->")


def test_readme_commands():
    assert "make demo" in README and "make test" in README


def test_rule_table_names_exported_functions():
    """docs/rules.md §8 (linked from the README) names functions that exist."""
    assert "docs/rules.md#8-which-function-implements-which-rule" in README
    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    after = rules.split("## 8. Which function implements which rule", 1)[1].splitlines()
    start = next(i for i, line in enumerate(after) if line.startswith("|"))
    rows = []
    for line in after[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    names = set()
    for line in rows:
        first_cell = line.split("|")[1]
        for code in re.findall(r"`([^`]+)`", first_cell):
            if code.startswith("."):
                continue  # a method of the class before it (`.canonical()`)
            dotted = re.match(r"[A-Za-z_][\w.]*", code).group(0).strip(".")
            names.add(dotted)
    assert len(names) >= 15
    for name in names:
        obj = domain
        for part in name.split("."):
            assert hasattr(obj, part), name
            obj = getattr(obj, part)
        assert name.split(".")[0] in domain.__all__ or name.startswith("claim."), name
    assert all(f in names for f in ("classify_lens", "classify_lens_grid", "equipment_category",
                                    "check_contract", "reimburse", "prescription_valid_on",
                                    "renewal_due", "vision_change_allows_early_renewal",
                                    "claim.reimburse_invoice", "Contract.load"))
