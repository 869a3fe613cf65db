"""The CLI run in this process, as the console script runs it: (exit code, stdout, stderr)."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture
def cli(capsys, monkeypatch):
    from sceval.cli import main

    monkeypatch.delenv("SCEVAL_DB", raising=False)
    monkeypatch.delenv("SCEVAL_PROJECT", raising=False)
    monkeypatch.setattr(sys, "argv", ["sceval"])

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
