"""CLI conventions: help, version, start-up cost, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_a_command_given_paths_and_text_imports_no_pydantic(tmp_path):
    # `sceval load A B --db X --reason T`: list[Path], Path and str values, coerced by
    # sceval.cli without typer's pydantic adapter (a fifth of a second of every command).
    code = (
        "import sys, sceval.cli\n"
        "try:\n    sceval.cli.main(['load', sys.argv[1], sys.argv[2], '--db', sys.argv[3], "
        "'--reason', 'r'])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(code, 'pydantic' in sys.modules, file=sys.stderr)"
    )
    missing = tmp_path / "no-such.csv"
    args = [str(missing), str(tmp_path / "b.csv"), str(tmp_path / "w.duckdb")]
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert out.stderr.splitlines()[-1].split() == ["2", "False"], out.stderr
    assert f"{missing}: no such file or folder" in out.stderr


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        ("str", "2026Q2"),
        ("str", " spaced  text "),
        ("Path", "data/file.csv"),
        ("Path", "."),
        ("Path", "~/x"),
        ("list[Path]", ("a.csv", "b/")),
        ("list[str]", ("x", "y")),
        ("list[str]", "one"),
        ("str", ("a", "b")),
    ],
)
def test_text_values_are_coerced_as_typers_adapter_does(annotation, value, tmp_path):
    """The shortcut gives what typer's own adapter gives, type and value."""
    import typer
    from typer._coercion import build_runtime_param, resolve_type_descriptor
    from typer.models import OptionInfo

    from sceval import cli  # noqa: F401 - installs the shortcut

    ann = {"str": str, "Path": Path, "list[Path]": list[Path], "list[str]": list[str]}[annotation]
    desc = resolve_type_descriptor(ann, OptionInfo())
    param = typer.core.TyperOption(param_decls=["--x"], type_descriptor=desc)
    ours = param.get_runtime_param()._coerce_value(value, param=param, ctx=None)
    theirs = build_runtime_param(desc)._coerce_value(value, param=param, ctx=None)
    assert type(param.get_runtime_param()).__name__ == "_TextParam"
    assert type(ours) is type(theirs) and ours == theirs


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
