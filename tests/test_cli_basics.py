"""CLI conventions: help, version, start-up cost, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import sceval


def test_version(sceval_cli):
    r = sceval_cli("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"sceval {sceval.__version__}"


def test_every_command_has_help(sceval_cli):
    for cmd in [
        "demo",
        "init",
        "load",
        "validate",
        "run",
        "score",
        "check",
        "report",
        "catalogue",
        "seed",
    ]:
        r = sceval_cli(cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        assert "Usage" in r.stdout


def test_cli_start_up_imports_no_heavy_library():
    # `sceval --help` must stay cheap: the CLI module may not pull in the data stack.
    code = (
        "import sys, json, sceval.cli; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'polars','duckdb','great_expectations','altair','pandas','pyarrow','vl_convert'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_command_help_imports_no_pydantic():
    # Typer coerces even an unset option through a pydantic adapter; sceval.cli skips that for
    # unset values, which kept a tenth of a second off every `sceval <command> --help`.
    code = (
        "import sys, sceval.cli\n"
        "try:\n    sceval.cli.main(['run', '--help'])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(code, 'pydantic' in sys.modules, file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--as-of" in out.stdout
    assert out.stderr.split() == ["0", "False"]


def test_unset_options_still_reach_their_defaults_and_callbacks(sceval_cli, tmp_path):
    # The unset-value shortcut must not change what a command receives: a run with no --as-of
    # and no --db still looks for ./sceval.duckdb; an option that is set (--version) still goes
    # through typer's own coercion and its callback.
    r = sceval_cli("run", cwd=tmp_path)
    assert r.returncode == 2
    assert "sceval.duckdb" in r.stderr
    assert sceval_cli("--version").stdout.startswith("sceval ")


def test_bad_flag_is_usage_error(sceval_cli):
    r = sceval_cli("run", "--no-such-flag")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_missing_warehouse_is_one_line(sceval_cli, tmp_path):
    r = sceval_cli("run", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "none.duckdb" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_as_of_date(sceval_cli, tmp_path):
    r = sceval_cli("run", "--as-of", "2024-13-40", "--db", str(tmp_path / "x.duckdb"))
    assert r.returncode == 2
    assert "--as-of" in r.stderr and "YYYY-MM-DD" in r.stderr
