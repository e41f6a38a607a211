"""Documentation inside the repository (issue 13): every Markdown link and anchor in the README
and docs/ resolves inside a clone, every page of docs/ is in its index, and no docstring or
error message of the package points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!\!)\[([^\]]*)\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code (links there are not links)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"^(    |\t).*$", "", text, flags=re.M)  # indented code
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    out: set[str] = set()
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    for m in re.finditer(r"^#{1,6} +(.+?) *#*$", text, flags=re.M):
        base = slug(m.group(1))
        name, n = base, 0
        while name in out:
            n += 1
            name = f"{base}-{n}"
        out.add(name)
    return out


def links(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in LINK.finditer(_prose(page.read_text("utf-8")))]


def test_the_pages_exist_and_have_links():
    names = {p.name for p in PAGES}
    assert {"README.md", "rules.md", "design.md"} <= names
    assert sum(len(links(p)) for p in PAGES) > 20


def test_slug_matches_github():
    assert slug("4. 100 % Santé classes") == "4-100--santé-classes"
    assert slug("Classe A caps (`zkclaims.domain.lpp`)") == "classe-a-caps-zkclaimsdomainlpp"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_anchor_resolves_inside_the_clone(page):
    for text, target in links(page):
        if target.startswith(("http://", "https://", "mailto:")):
            continue  # none today; an external link must still never replace a doc of ours
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.is_relative_to(ROOT), f"{page.name}: [{text}]({target}) leaves the repository"
        assert dest.exists(), f"{page.name}: [{text}]({target}) does not exist in a clone"
        if anchor:
            assert dest.suffix == ".md", f"{page.name}: anchor into a non-Markdown file {target}"
            assert anchor in anchors(dest), (
                f"{page.name}: [{text}]({target}): no heading #{anchor} in {dest.name}")


def test_every_docs_page_is_in_the_index():
    index = {target.partition("#")[0] for _, target in links(ROOT / "docs" / "README.md")}
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert pages <= index, f"add to docs/README.md: {sorted(pages - index)}"


def test_the_readme_links_the_docs():
    targets = {t.partition("#")[0] for _, t in links(ROOT / "README.md")}
    assert {"docs/rules.md", "docs/design.md", "docs/README.md"} <= targets


OUTSIDE = re.compile(r"\.\./shared|shared/spec|shared/vectors|DESIGN\.md|(?<!design\.md )DESIGN §"
                     r"|/work/")


@pytest.mark.parametrize("folder", ["zkclaims", "circuits", "benchmarks"])
def test_no_docstring_or_message_points_outside_the_repository(folder):
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert bad == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_points_outside_the_repository(page):
    assert not OUTSIDE.search(page.read_text("utf-8")), page.name
