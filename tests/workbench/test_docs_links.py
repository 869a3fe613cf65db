"""The contract inside the product: docs/tables.md is generated from schemas/ and current, and
every link in README and docs/ resolves inside the repository (file and anchor)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sceval.tables_doc import result_columns, tables_markdown

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
ANCHOR = re.compile(r'<a id="([^"]+)">')


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation out, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    heads = {_slug(m) for m in re.findall(r"^#{1,6}\s+(.+)$", text, re.M)}
    return heads | set(ANCHOR.findall(text))


def broken_links(path: Path) -> list[str]:
    """Links of one markdown file that leave the repository or point at nothing."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    out = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not files of the repository
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if ROOT not in dest.parents and dest != ROOT:
            out.append(f"{target}: outside the repository")
        elif not dest.exists():
            out.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            out.append(f"{target}: no heading or anchor #{anchor} in {dest.name}")
    return out


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_in_the_repository(path):
    assert broken_links(path) == []


def test_link_checker_catches_dead_and_outside_links(tmp_path):
    page = ROOT / "docs" / "_probe_links.md"
    page.write_text(
        "[spec](../../shared/SPEC.md) [gone](nothing.md) [ok](tables.md#programs) "
        "[bad anchor](tables.md#no-such-table) `[code](x.md)`\n",
        encoding="utf-8",
    )
    try:
        found = broken_links(page)
    finally:
        page.unlink()
    assert found == [
        "../../shared/SPEC.md: outside the repository",
        "nothing.md: no such file",
        "tables.md#no-such-table: no heading or anchor #no-such-table in tables.md",
    ]


def test_readme_links_the_contract_inside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/SPEC.md" not in text
    assert "(docs/tables.md)" in text


def test_tables_page_is_generated_and_current(project):
    # `make docs` after editing a contract or a result table.
    committed = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == tables_markdown(project)


def test_tables_page_documents_every_input_and_result_column(project):
    page = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    for name, contract in project.contracts.items():
        section = page.split(f'<a id="{name}"></a>', 1)[1].split("<a id=", 1)[0]
        for col in contract.columns:
            assert f"| `{col.name}` | {col.type} |" in section, (name, col.name)
    for name, cols in result_columns().items():
        section = page.split(f'<a id="{name}"></a>', 1)[1].split("<a id=", 1)[0]
        assert [c for c, _, _ in cols] == re.findall(r"^\| `(\w+)` \|", section, re.M)
    # a hand-checked cell: participants.age is optional, 16 to 80
    assert "| `age` | int | no | 16 to 80 | Age in years. |" in page
    assert "| `program_id` | str | yes | -> [`programs`](#programs).`program_id` |" in page
