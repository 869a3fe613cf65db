"""The engine's structure (issue 21): one direction of imports, enforced; no cycle; deferred
imports of sceval's own modules only where [tool.importlinter] in pyproject.toml says why;
modules a reader can hold (600 lines, or a note at the top saying why more)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "sceval"
# Command modules defer the steps they run so that `sceval --help` loads no data library; a
# package's __init__ defers its submodules so that importing one submodule stays cheap; and
# two modules defer a heavy library behind one of their own (Great Expectations, vl-convert).
DEFERRING = {
    "sceval",
    "sceval.cli",
    "sceval.api",
    "sceval.demo",
    "sceval.docs",
    "sceval.catalogue_cli",
    "sceval.templates",
    "sceval.diff",
    "sceval.pipeline",
    "sceval.cycle_cli",
    "sceval.ingest",
    "sceval.contracts",
    "sceval.indicators",
    "sceval.partnership",
    "sceval.reports",
}
HEAVY_BEHIND = {
    ("sceval.contracts.validate", "sceval.contracts.gx_engine"),
    ("sceval.reports.page", "sceval.reports.export"),
}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(
    name: str, path: Path, modules: dict[str, Path], *, typing: bool = False
) -> list[tuple[str, bool]]:
    """(imported sceval module, at function level?) for each import in the module, type-only
    imports left out unless `typing`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if not typing and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            targets = subs if len(subs) == len(node.names) else [base, *subs]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for t in targets:
            if t in modules and t != name:
                found.append((t, node.col_offset > 0))
    return found


def test_no_import_cycle_among_sceval_modules():
    modules = _modules()
    # A type-only import is an edge too: two modules that name each other's types are one.
    graph = {m: {t for t, _ in _imports(m, p, modules, typing=True)} for m, p in modules.items()}
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for m in sorted(graph):
        if m not in index:
            visit(m)
    assert cycles == []


def test_deferred_imports_of_sceval_modules_only_where_the_contract_says_why():
    modules = _modules()
    wrong = sorted(
        f"{m} imports {t} inside a function"
        for m, p in modules.items()
        if m not in DEFERRING
        for t, deferred in _imports(m, p, modules)
        if deferred and (m, t) not in HEAVY_BEHIND
    )
    assert wrong == []


def test_every_module_is_one_a_reader_can_hold():
    too_long = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        head = text.split('"""', 2)[1] if text.startswith('"""') else ""
        if text.count("\n") > MAX_LINES and "over 600 lines" not in head.lower():
            too_long.append(f"{name}: {text.count(chr(10))} lines")
    assert too_long == []


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
        exe = Path(found)
    return str(exe)


def test_layers_are_kept():
    r = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 2 kept, 0 broken." in r.stdout


def test_an_upward_import_fails_naming_both_modules(tmp_path):
    # A copy of the engine where the warehouse (low) imports the reports (high).
    src = tmp_path / "src"
    shutil.copytree(SRC, src / "sceval")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    wh = src / "sceval" / "warehouse.py"
    wh.write_text(wh.read_text(encoding="utf-8") + "\nimport sceval.reports.build\n", "utf-8")
    env = {"PYTHONPATH": str(src), "PATH": str(Path(sys.executable).parent)}
    r = subprocess.run([_lint_imports()], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "BROKEN" in r.stdout
    assert "sceval.warehouse -> sceval.reports.build" in r.stdout.replace("\n", " ")
