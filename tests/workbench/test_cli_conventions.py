"""CLI conventions: flags show no value placeholder; `--flag true` is not how they are used."""

from __future__ import annotations

import re

COMMANDS = ["demo", "init", "load", "validate", "run", "score", "check", "report", "catalogue"]


def test_flags_have_no_value_placeholder_in_help(sceval_cli):
    seen = set()
    for cmd in COMMANDS:
        r = sceval_cli(cmd, "--help", env={"COLUMNS": "200"})
        assert r.returncode == 0, (cmd, r.stderr)
        assert "<bool>" not in r.stdout, cmd
        seen.update(re.findall(r"--[a-z-]+", r.stdout))
    assert {"--accept-partial", "--check", "--with-seed"} <= seen
    r = sceval_cli("load", "--help", env={"COLUMNS": "200"})
    line = next(ln for ln in r.stdout.splitlines() if "--accept-partial" in ln)
    assert re.search(r"--accept-partial\s+Load the valid rows", line), line


def test_value_options_keep_their_placeholder(sceval_cli):
    r = sceval_cli("load", "--help", env={"COLUMNS": "200"})
    assert re.search(r"--db\s+<path>", r.stdout)
