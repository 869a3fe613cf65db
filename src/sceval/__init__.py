"""sceval: evaluation engine for security cooperation programs.

The public Python API for analysts is small and lives in :mod:`sceval.api`; import it as
``import sceval`` and use ``sceval.open(...)``. Everything else is internal.
"""

from __future__ import annotations

from sceval.version import __version__

__all__ = ["__version__", "open", "Warehouse"]


def __getattr__(name: str):
    # Lazy so that `sceval --help` does not pay for polars/duckdb imports.
    if name in {"open", "Warehouse"}:
        from sceval import api

        return getattr(api, name)
    raise AttributeError(name)
