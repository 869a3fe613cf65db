"""Property-based test of the readers and validators on generated CSV files (issue 14, point 7).

Hypothesis writes CSV files for the `events` and `units` tables from cells that mix valid
values with hostile ones (control and bidirectional characters, formulas, impossible dates,
numbers that are not, quotes, blank and very long cells, extra and missing columns), and
checks the promises every input must keep: validation never raises, names a rule for each
failure, and a file it calls valid holds no control character in a refused column and no
implausible date.

The budget is bounded: `SCEVAL_FUZZ_EXAMPLES` examples per property (default 10 in
`make test`, derandomised so CI is reproducible); `make fuzz` runs 300 random ones per
property and prints Hypothesis' statistics (docs/security.md has the figures).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceval.contracts import validate_paths
from sceval.contracts.files import InputFile, read_typed
from sceval.project import Project
from sceval.safe_text import has_controls

EXAMPLES = int(os.environ.get("SCEVAL_FUZZ_EXAMPLES", "10"))
FUZZ = os.environ.get("SCEVAL_FUZZ") == "1"
PROJECT = Project(Path(__file__).resolve().parents[2])

HOSTILE = st.sampled_from(
    [
        "\x1b[2J",
        "\x00",
        "\x07",
        "a\u202eb",
        '=HYPERLINK("http://x")',
        "@SUM(1)",
        "-2+3",
        "\t=1",
        '"',
        "",
        " ",
        "x" * 2000,
        "2099-01-01",
        "0000-01-01",
        "1899-12-31",
        "2023-02-30",
        "NaN",
        "inf",
        "1e400",
        "-0",
        "true",
        "ñ",
        "\ufeff",
        "\r",
        "\n",
    ]
)
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str)


def cell(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(valid, valid, HOSTILE, st.text(max_size=12))


COLUMNS = {
    "events": {
        "event_id": cell(st.from_regex(r"E[0-9]{1,4}", fullmatch=True)),
        "event_date": cell(DATES),
        "country": cell(st.sampled_from(["MLI", "TUN", "KEN", "XKX", "mli"])),
        "admin1": cell(st.sampled_from(["Mopti", "", "Gao"])),
        "event_type": cell(st.sampled_from(["battle", "riot", "protest", "Battle"])),
        "fatalities": cell(st.integers(-5, 2000).map(str)),
        "actor_unit_id": st.just(""),
        "civilian_targeting": cell(st.sampled_from(["true", "false", "yes", "0"])),
    },
    "units": {
        "unit_id": cell(st.from_regex(r"U[0-9]{1,3}", fullmatch=True)),
        "partner_country": cell(st.sampled_from(["MLI", "TUN"])),
        "name": cell(st.text(min_size=1, max_size=20)),
        "service": cell(st.sampled_from(["army", "navy", "police"])),
        "command": cell(st.sampled_from(["state", "non_state"])),
        "affiliation": cell(st.just("")),
        "vetting_status": cell(st.sampled_from(["cleared", "pending"])),
        "vetting_date": cell(DATES),
    },
}


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    table = draw(st.sampled_from(sorted(COLUMNS)))
    cols = list(COLUMNS[table])
    if draw(st.booleans()):
        cols = draw(st.permutations(cols))
    if draw(st.integers(0, 9)) == 0:
        cols = cols[:-1]  # a required or optional column missing
    if draw(st.integers(0, 9)) == 0:
        cols = [*cols, "extra"]
    rows = draw(
        st.lists(
            st.fixed_dictionaries({c: COLUMNS[table].get(c, st.text(max_size=5)) for c in cols}),
            min_size=0,
            max_size=8,
        )
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    return table, buf.getvalue().encode("utf-8")


def _check(table: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{table}.csv"
        path.write_bytes(data)
        report = validate_paths([path], PROJECT)  # must not raise, whatever the bytes
        assert report.engine_error is False, [
            r.line() for r in report.results if r.status == "error"
        ]
        for r in report.failures:
            assert r.rule.startswith(f"{table}.") and r.line()
        if not report.ok:
            return
        typed = read_typed(InputFile(path, table), PROJECT)
        if typed.frame is None or typed.frame.is_empty():
            return
        contract = PROJECT.contract(table)
        today = dt.date.today()
        for c in contract.columns:
            col = typed.frame[c.name]
            if c.type == "str" and c.control_chars == "refuse":
                assert not any(has_controls(v) for v in col.drop_nulls().to_list())
            if c.type == "date":
                days = col.drop_nulls()
                if days.len():
                    assert days.min() >= dt.date(1900, 1, 1)
                    if c.future_days is not None:
                        assert days.max() <= today + dt.timedelta(days=c.future_days)
            if c.type == "int":
                assert col.dtype == pl.Int64


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FUZZ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(csv_files())
def test_validation_keeps_its_promises_on_generated_csv(file):
    table, data = file
    _check(table, data)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FUZZ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.binary(max_size=400), st.sampled_from(sorted(COLUMNS)))
def test_validation_never_raises_on_arbitrary_bytes(data, table):
    header = ",".join(COLUMNS[table]).encode() + b"\n"
    _check(table, header + data)
