"""The built wheel works with its base dependencies alone (no test extras, no checkout).

A package that `src/` needs at run time but pyproject lists only in the `test` extras is
invisible to `make test` (the extras are installed there) and breaks `make demo` for every new
user (pypdf did). `base_env` (base_env.py) builds the wheel and installs it with its base
dependencies only, outside the checkout. There this test imports every module of `sceval` and
checks every import statement of every module (function-level imports too: heavy libraries
are imported inside functions). A failure names the module and the package. `test_demo.py`
runs `sceval demo` in such an environment. `.ci/run` does the same with pip itself: `make demo` on a
fresh clone installs the base dependencies only, before `make test` adds the extras.
"""

from __future__ import annotations

import json
from importlib import metadata

import pytest
from base_env import PROBE, base_env


def _package_of(top: str) -> str:
    """The distribution(s) that provide a top-level module in this (test) environment."""
    dists = metadata.packages_distributions().get(top)
    return ", ".join(sorted(set(dists))) if dists else top


@pytest.mark.slow
def test_wheel_with_base_dependencies_only_imports_everything(tmp_path):
    env = base_env(tmp_path)
    r = env.call(str(env.python), "-c", PROBE)
    assert r.returncode == 0, r.stderr[-3000:]
    probe = json.loads(r.stdout.strip().splitlines()[-1])
    missing = [
        f"{module} ({where}) imports {top}, which the wheel's base dependencies do not install: "
        f"add the package {_package_of(top)} to [project] dependencies in pyproject.toml"
        for module, top, where in probe["problems"]
    ]
    assert not missing, "\n".join(dict.fromkeys(missing))
    assert probe["modules"] > 50
    # The sceval that runs there is the wheel's, with the project shipped inside it.
    where = env.call(str(env.python), "-c", "import sceval; print(sceval.__file__)").stdout
    assert where.startswith(str(env.python.parents[1])), where
