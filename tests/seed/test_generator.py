"""The generator: reproducible bytes, the committed seed, chunked streaming, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from sceval.errors import UsageError
from sceval.seed import GENERATED, HAND_WRITTEN, generate, generate_events

from .conftest import ROOT


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_committed_seed_is_what_the_generator_makes(seed_dir):
    committed = ROOT / "seeds" / "data"
    assert _digests(seed_dir) == _digests(committed)
    assert sorted(p.stem for p in committed.glob("*.csv")) == sorted((*GENERATED, *HAND_WRITTEN))
    # Small enough to commit and to read in a review.
    assert sum(p.stat().st_size for p in committed.iterdir()) < 5_000_000


def test_two_cli_runs_give_identical_bytes(tmp_path, sceval_cli):
    # Scale 2 adds two generic programs, so the generic path is covered too.
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        proc = sceval_cli(
            "seed", "--out", str(out), "--seed", "7", "--scale", "2", "--format", "parquet"
        )
        assert proc.returncode == 0, proc.stderr
        runs.append(_digests(out))
    assert runs[0] == runs[1]
    assert len(runs[0]) == len(GENERATED) + len(HAND_WRITTEN)
    other = generate(tmp_path / "c", seed=8, scale=2, fmt="parquet", tables=["participants"])
    assert other["participants"] > 0
    digest = _digests(tmp_path / "c")["participants.parquet"]
    assert digest != runs[0]["participants.parquet"]


def test_scale_adds_generic_programs_with_proportional_rows(tmp_path):
    one = generate(tmp_path / "one", seed=3, scale=1, fmt="parquet")
    three = generate(tmp_path / "three", seed=3, scale=3, fmt="parquet")
    # Two generic programs per unit of scale above 1, up to ~7,700 participant rows each.
    assert three["programs"] == one["programs"] + 4
    extra = three["participants"] - one["participants"]
    assert 4 * 1000 <= extra <= 4 * 7900
    assert three["events"] > one["events"] + extra // 2
    # The portfolio part is the same whatever the scale.
    small = pl.read_parquet(tmp_path / "one" / "participants.parquet")
    big = pl.read_parquet(tmp_path / "three" / "participants.parquet")
    assert big.head(small.height).equals(small)


def test_program_size_makes_many_small_programs(tmp_path):
    full = generate(tmp_path / "full", seed=3, scale=3, fmt="parquet")
    small = generate(tmp_path / "small", seed=3, scale=3, fmt="parquet", program_size=0.01)
    # The same programs (ids, names), a hundredth of the generic programs' participants.
    a = pl.read_parquet(tmp_path / "full" / "programs.parquet").select("program_id", "name")
    b = pl.read_parquet(tmp_path / "small" / "programs.parquet").select("program_id", "name")
    assert a.equals(b) and small["programs"] == full["programs"]
    one = generate(tmp_path / "one", seed=3, scale=1, fmt="parquet")
    extra_full = full["participants"] - one["participants"]
    extra_small = small["participants"] - one["participants"]
    # at least one person per course: a little over a hundredth
    assert 0 < extra_small <= extra_full * 0.03
    assert small["events"] < full["events"]


def test_chunked_streaming_writes_the_same_rows_in_many_row_groups(tmp_path):
    whole = generate(tmp_path / "whole", seed=5, scale=3, fmt="parquet")
    chunked = generate(tmp_path / "chunked", seed=5, scale=3, fmt="parquet", chunk_rows=2_000)
    assert whole == chunked
    meta = pq.ParquetFile(tmp_path / "chunked" / "participants.parquet").metadata
    # Portfolio first, then one chunk per generic program (each exceeds 2,000 rows).
    assert meta.num_row_groups == 5
    assert pq.ParquetFile(tmp_path / "whole" / "participants.parquet").metadata.num_row_groups == 2
    for t in ("participants", "followups", "events", "units"):
        a = pl.read_parquet(tmp_path / "whole" / f"{t}.parquet")
        b = pl.read_parquet(tmp_path / "chunked" / f"{t}.parquet")
        assert a.equals(b), t
    # Keys stay unique and foreign keys resolve across chunks.
    con = duckdb.connect()
    d = tmp_path / "chunked"
    assert con.execute(
        f"SELECT count(*) - count(DISTINCT (participant_id, activity_id)) FROM '{d}/participants.parquet'"
    ).fetchone() == (0,)
    assert con.execute(
        f"SELECT count(*) - count(DISTINCT event_id) FROM '{d}/events.parquet'"
    ).fetchone() == (0,)
    orphans = con.execute(f"""SELECT count(*) FROM '{d}/participants.parquet' p
        WHERE activity_id NOT IN (SELECT activity_id FROM '{d}/activities.parquet')
           OR unit_id NOT IN (SELECT unit_id FROM '{d}/units.parquet')""").fetchone()
    assert orphans == (0,)


def test_events_only_stream(tmp_path):
    counts = generate(
        tmp_path,
        seed=1,
        scale=1,
        fmt="parquet",
        tables=["events"],
        events=25_000,
        chunk_rows=10_000,
    )
    assert counts == {"events": 25_000}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet"]
    f = pq.ParquetFile(tmp_path / "events.parquet")
    assert (f.metadata.num_rows, f.metadata.num_row_groups) == (25_000, 3)
    ev = pl.read_parquet(tmp_path / "events.parquet")
    assert ev["event_id"].n_unique() == 25_000
    assert ev["event_id"][-1] == "EV-X0000025000"


def test_generate_events_names_actors_from_a_units_file(tmp_path):
    units = ROOT / "seeds" / "data" / "units.csv"
    n = generate_events(
        tmp_path / "ev.parquet", n_events=5_000, seed=2, units=units, chunk_rows=2_000
    )
    ev = pl.read_parquet(tmp_path / "ev.parquet")
    assert n == ev.height == 5_000
    named = ev["actor_unit_id"].drop_nulls()
    assert 50 < named.len() < 400
    assert set(named) <= set(pl.read_csv(units)["unit_id"])


def test_small_scale_shrinks_the_portfolio(tmp_path):
    counts = generate(tmp_path, seed=1, scale=0.1, fmt="csv")
    assert 1000 < counts["participants"] < 3000
    assert counts["programs"] == 6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, "greater than 0"),
        ({"fmt": "xlsx"}, "csv, parquet"),
        ({"tables": ["nope"]}, "unknown table"),
        ({"events": -1}, "must be 0 or more"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path, kwargs, message):
    args = {"seed": 1, "scale": 1, "fmt": "csv"} | kwargs
    with pytest.raises(UsageError, match=message):
        generate(tmp_path, **args)


def test_output_path_that_is_a_file_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="cannot write the seed data there"):
        generate(blocker, seed=1, scale=1, fmt="csv")
