"""Encryption at rest: an encrypted warehouse round-trips through load, run, check and report;
opening it without the key (or with a wrong one) is one clear line; `sceval encrypt` converts a
plain warehouse in place; new files are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "valid"
SEEDS = ROOT / "seeds" / "data"
KEY = "correct horse battery staple"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _plain_readable(db: Path) -> bool:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{db}' AS x (READ_ONLY)")
        return True
    except duckdb.Error as exc:
        assert "encrypted" in str(exc)
        return False
    finally:
        con.close()


@pytest.mark.slow
def test_encrypted_warehouse_round_trip(tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    env = {"SCEVAL_DB_KEY_FILE": str(key_file)}
    r = sceval_cli("load", str(SEEDS), "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    assert not _plain_readable(db)
    raw = db.read_bytes()
    assert b"participants" not in raw and b"followup_id" not in raw  # no plaintext catalogue
    assert _mode(db) == 0o600
    r = sceval_cli("run", "--as-of", "2026-06-30", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    r = sceval_cli("check", "--as-of", "2026-06-30", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "reports"
    r = sceval_cli("report", "--out", str(out), "--format", "html", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    pages = list(out.glob("*.html"))
    assert pages and all(_mode(p) == 0o600 for p in pages)
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS w (ENCRYPTION_KEY '{KEY}', READ_ONLY)")
    counts = con.execute(
        "SELECT (SELECT count(*) FROM w.participants), (SELECT count(*) FROM w.runs), "
        "(SELECT count(*) FROM w.indicator_results), (SELECT count(*) FROM w.dnh_findings)"
    ).fetchall()[0]
    con.close()
    assert counts[0] > 0 and counts[1] >= 1 and counts[2] > 0

    # Without the key, with a wrong key: one line, exit 2, the key never printed.
    r = sceval_cli("run", "--db", str(db))
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"sceval: error: {db}: the warehouse is encrypted; set SCEVAL_DB_KEY or "
        "SCEVAL_DB_KEY_FILE to its key"
    )
    r = sceval_cli("check", "--db", str(db), env={"SCEVAL_DB_KEY": "wrong-key"})
    assert r.returncode == 2 and "wrong key" in r.stderr and "wrong-key" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_sceval_encrypt_converts_in_place(tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    r = sceval_cli("load", str(VALID / "programs.csv"), str(VALID / "units.csv"), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert _plain_readable(db)
    # No key: refused, nothing changed.
    r = sceval_cli("encrypt", "--db", str(db))
    assert r.returncode == 2 and "SCEVAL_DB_KEY" in r.stderr
    assert _plain_readable(db)
    # A key set but the warehouse is plain: refused rather than written in the clear.
    r = sceval_cli("run", "--db", str(db), env={"SCEVAL_DB_KEY": KEY})
    assert r.returncode == 2 and "sceval encrypt" in r.stderr
    r = sceval_cli("encrypt", "--db", str(db), env={"SCEVAL_DB_KEY": KEY})
    assert r.returncode == 0, r.stderr
    assert "encrypted" in r.stdout and KEY not in r.stdout + r.stderr
    assert not _plain_readable(db) and _mode(db) == 0o600
    assert not list(tmp_path.glob("*.encrypting*"))
    # The converted warehouse keeps its keys: a second load of the same rows replaces them.
    env = {"SCEVAL_DB_KEY": KEY}
    r = sceval_cli("load", str(VALID / "programs.csv"), "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS w (ENCRYPTION_KEY '{KEY}', READ_ONLY)")
    n_programs = con.execute("SELECT count(*) FROM w.programs").fetchall()[0][0]
    con.close()
    assert n_programs == sum(1 for _ in (VALID / "programs.csv").open()) - 1
    r = sceval_cli("encrypt", "--db", str(db), env=env)
    assert r.returncode == 2 and "already encrypted" in r.stderr


def test_key_flag_does_not_exist_and_loose_key_file_is_refused(tmp_path, sceval_cli):
    r = sceval_cli("encrypt", "--key", "x")
    assert r.returncode == 2
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    key_file.chmod(0o644)
    r = sceval_cli(
        "load",
        str(VALID / "programs.csv"),
        "--db",
        str(tmp_path / "wh.duckdb"),
        env={"SCEVAL_DB_KEY_FILE": str(key_file)},
    )
    assert r.returncode == 2 and "chmod 600" in r.stderr and KEY not in r.stderr


def test_new_plain_warehouse_is_owner_only(tmp_path, sceval_cli):
    db = tmp_path / "wh.duckdb"
    old = os.umask(0o022)
    try:
        r = sceval_cli("load", str(VALID / "programs.csv"), "--db", str(db))
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    assert _mode(db) == 0o600
