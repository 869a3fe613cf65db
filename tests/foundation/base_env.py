"""A fresh environment holding only the built wheel and its base dependencies (no test
extras, no checkout): the wheel test (`test_wheel_base_deps.py`) probes its imports there,
and the demo test (`test_demo.py`) runs `sceval demo` there, as a new user would.

The environment: the wheel installed with `pip --no-deps` into a fresh virtual environment
outside the checkout, given exactly the closure of the wheel's own `Requires-Dist` (markers
evaluated, extras left out) by linking those distributions' installed files from this
environment: what `pip install sceval` would resolve, without a download, in seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

# Run inside the fresh environment: import every module, then resolve every import statement.
PROBE = r"""
import ast, importlib, importlib.util, json, pkgutil, sys
import sceval
problems, modules = [], ["sceval"]
modules += [m.name for m in pkgutil.walk_packages(sceval.__path__, "sceval.")]
for name in modules:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        problems.append([name, (exc.name or str(exc)).split(".")[0], "import"])
for name in modules:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        continue
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            tops = [node.module.split(".")[0]]
        else:
            continue
        for top in tops:
            if top in sys.stdlib_module_names or top in ("sceval", "__future__"):
                continue
            if importlib.util.find_spec(top) is None:
                problems.append([name, top, "line %d" % node.lineno])
print(json.dumps({"modules": len(modules), "problems": problems}))
"""


def _wheel_requirements(wheel: Path) -> list[Requirement]:
    """The wheel's base `Requires-Dist` (what `pip install sceval` installs)."""
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode("utf-8")
    reqs = [Requirement(v) for k, v in re.findall(r"^(Requires-Dist): (.+)$", text, re.M)]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def _closure(reqs: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every distribution the requirements pull in, as installed here; refuse one missing or
    at a version the requirement excludes."""
    found: dict[str, metadata.Distribution] = {}
    todo = list(reqs)
    while todo:
        req = todo.pop()
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{req} is a base dependency but is not installed in {sys.prefix}")
        assert req.specifier.contains(dist.version, prereleases=True), (
            f"{req}: installed {dist.version}"
        )
        found[key] = dist
        for extra in req.extras or {""}:
            for raw in dist.requires or []:
                sub = Requirement(raw)
                if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                    todo.append(sub)
    return found


def _link(dists: dict[str, metadata.Distribution], site: Path) -> int:
    """Symlink every installed file of the distributions into `site` (files, not folders:
    namespace folders shared with distributions outside the closure stay out)."""
    n = 0
    for dist in dists.values():
        base = Path(dist.locate_file(""))
        for f in dist.files or []:
            src = Path(dist.locate_file(f)).resolve()
            rel = Path(f)
            if rel.parts[0] == ".." or "__pycache__" in rel.parts or not src.is_file():
                continue  # scripts in bin/ and caches are not needed to import
            dst = site / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists():
                dst.symlink_to(src)
                n += 1
        assert base.is_dir()
    return n


def _build_wheel(out: Path) -> Path:
    """The wheel of this checkout (hatchling from the test extras; no build isolation, so no
    download)."""
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return next(out.glob("sceval-*.whl"))


def _fresh_env(tmp: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel (pip, --no-deps) and its base dependencies only."""
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", "--no-compile", str(wheel)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert site != Path(sysconfig.get_paths()["purelib"])
    _link(_closure(_wheel_requirements(wheel)), site)
    return python


@dataclass
class BaseEnv:
    """The wheel's fresh environment: its Python, a working folder outside the checkout and
    the environment variables a new user would have."""

    work: Path
    python: Path
    env: dict

    def run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        """`sceval args` as installed from the wheel, in the working folder."""
        return self.call(str(self.python.parent / "sceval"), *args, timeout=timeout)

    def call(self, *argv: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(argv),
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def base_env(tmp_path: Path) -> BaseEnv:
    """Build the wheel and install it with its base dependencies only, outside the checkout."""
    work = tmp_path / "outside"  # nothing of the checkout on the path or in the working dir
    work.mkdir(parents=True)
    wheel = _build_wheel(tmp_path / "dist")
    python = _fresh_env(tmp_path, wheel)
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "SCEVAL_PROJECT", "SCEVAL_DB"}
    }
    clean_env["XDG_CACHE_HOME"] = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return BaseEnv(work, python, clean_env)
