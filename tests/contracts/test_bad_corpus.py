"""The bad-input corpus: each defective file fails validate and load with its own clear message,
naming file, row and column, without a traceback, and the warehouse stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import BAD, same, snapshot

CASES = sorted(d for d in BAD.iterdir() if (d / "case.yml").is_file())


def _case(d: Path) -> dict:
    return yaml.safe_load((d / "case.yml").read_text(encoding="utf-8"))


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("sceval: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("case_dir", CASES, ids=[d.name for d in CASES])
def test_bad_file_is_refused_and_nothing_changes(cli, loaded_db, case_dir):
    spec = _case(case_dir)
    before = snapshot(loaded_db)

    code, out, err = cli("validate", str(case_dir))
    assert code in (1, 2) and code == spec["exit"], out + err
    assert "Traceback" not in out + err
    for word in spec["expect"]:
        assert word in out, (word, out)

    code, out, err = cli("load", str(case_dir), "--db", str(loaded_db))
    assert code == spec["exit"], out + err
    assert "Traceback" not in out + err
    line = _one_error_line(err)
    assert "nothing" in line or "no known table" in line
    for word in spec["expect"]:
        assert word in line, (word, line)
    assert same(snapshot(loaded_db), before)


def test_orphan_is_caught_against_the_warehouse_alone(cli, loaded_db, tmp_path):
    """Loading activities alone: its program_id must exist in the warehouse."""
    src = (BAD / "orphan_fk" / "activities.csv").read_text()
    (tmp_path / "activities.csv").write_text(src)
    before = snapshot(loaded_db)
    code, _, err = cli("load", str(tmp_path / "activities.csv"), "--db", str(loaded_db))
    assert code == 1
    assert "row 4" in err and "program_id" in err and "P404" in err
    assert same(snapshot(loaded_db), before)


def test_a_100_mb_line_is_refused_cleanly(cli, loaded_db, tmp_path):
    header = (BAD.parent / "valid" / "programs.csv").read_text().splitlines()[0]
    path = tmp_path / "programs.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        fh.write("P9,")
        chunk = "x" * (1 << 20)
        for _ in range(100):
            fh.write(chunk)
        fh.write(",EU,,TUN,MENA,2022-01-01,2023-01-01,1,EUR,\n")
    assert path.stat().st_size > 100 * (1 << 20)
    before = snapshot(loaded_db)
    code, out, err = cli("validate", str(path))
    assert code == 1
    assert "row 1" in out and "column name" in out and "104,857,600 bytes" in out
    code, out, err = cli("load", str(path), "--db", str(loaded_db))
    assert code == 1
    line = _one_error_line(err)
    assert "programs.csv" in line and "row 1" in line and "column name" in line
    assert same(snapshot(loaded_db), before)


@pytest.mark.parametrize("name", ["negative_budget", "latin1_bytes"])
def test_real_executable_gives_one_line_and_exit_1(sceval_cli, loaded_db, name):
    """The console script itself (a subprocess), not just `main()`."""
    spec = _case(BAD / name)
    r = sceval_cli("load", str(BAD / name), "--db", str(loaded_db))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    line = _one_error_line(r.stderr)
    for word in spec["expect"]:
        assert word in line


def test_a_huge_header_line_is_refused_without_reading_the_file(cli, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("é" * 2_000_000 + "\n1\n", encoding="utf-8")  # multi-byte chars cut at 64 KiB
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert "units.csv" in out and "line 1: the header is longer than 64 KiB" in out
    assert len(out) < 2000  # the header itself is never echoed
