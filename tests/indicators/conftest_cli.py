"""The CLI runner of the shared conftest, importable from test modules."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_sceval_root_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
run_sceval = _mod.run_sceval
