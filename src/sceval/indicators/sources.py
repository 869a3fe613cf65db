"""Input tables as the indicators see them: each row linked to its program, with dimensions.

Every source gets `program_id`, the program's `provider`, a `country`, the disaggregation
columns it can carry (sex, age_band, rank_group, activity_kind), its parents' columns under a
prefix (`activity_`, `program_`, `unit_`, `transfer_`), and `as_of` / `age_days` so that a
catalogue expression can say "in the last 365 days" without Python.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from sceval.project import Project

POLARS_TYPES = {
    "str": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
}

# The date that places a row in time: rows dated after the as-of date (or undated) are out.
DEFAULT_DATE: dict[str, str | None] = {
    "programs": "start_date",
    "activities": "planned_start",
    "participants": "activity_actual_start",
    "followups": "check_date",
    "dialogues": "date",
    "equipment": "delivered_date",
    "end_use_checks": "check_date",
    "events": "event_date",
    "incidents": "date",
    "indicator_observations": "period_end",
    "context": "context_date",
    "units": None,
    "unit_assessments": "assessed_on",
    "equipment_status": "status_date",
}


# Events can number 1e8: the engine reads them from DuckDB already reduced. `events` holds
# only the rows that can reach a program (those naming a partner unit as actor); the area
# comparison reads counts per area and day; coverage checks read each country's first event.
CIVILIAN_HARM = "civilian_targeting OR event_type = 'violence_against_civilians'"
CONFLICT = "event_type IN ('battle', 'explosion', 'violence_against_civilians')"
# The counts of one (country, admin1, day), read whole or from the run's shared counts.
_DAY_COUNTS = (
    "count(*) AS events, "
    f"count(*) FILTER (WHERE {CIVILIAN_HARM}) AS civilian_harm, "
    f"count(*) FILTER (WHERE {CONFLICT}) AS conflict"
)
DERIVED_SQL = {
    "events": "SELECT {cols} FROM events WHERE actor_unit_id IS NOT NULL",
    "event_area_days": (
        f"SELECT country, admin1, event_date, {_DAY_COUNTS} "
        "FROM events WHERE admin1 IS NOT NULL GROUP BY ALL"
    ),
    "event_countries": "SELECT country, min(event_date) AS first_event FROM events GROUP BY ALL",
}

# A run counts the events per (country, admin1, day) once, for its indicators and its checks
# (`share_event_days`): each used to scan every event for the same counts (1.5 s each at 1e7
# participants, 11.7M events). The derived inputs then read these counts (`EVENT_DAYS_SQL`).
EVENT_DAYS = "sceval_event_days"
_EVENT_DAYS_TABLE = (
    f"SELECT country, admin1, event_date, {_DAY_COUNTS}, "
    "CAST(sum(fatalities) AS BIGINT) AS fatalities FROM events GROUP BY ALL"
)
EVENT_DAYS_SQL = {
    "event_area_days": "SELECT country, admin1, event_date, events, civilian_harm, conflict "
    f"FROM temp.main.{EVENT_DAYS} WHERE admin1 IS NOT NULL",
    "event_countries": "SELECT country, min(event_date) AS first_event "
    f"FROM temp.main.{EVENT_DAYS} GROUP BY ALL",
}
DERIVED_SCHEMAS = {
    "event_area_days": {
        "country": pl.String,
        "admin1": pl.String,
        "event_date": pl.Date,
        "events": pl.Int64,
        "civilian_harm": pl.Int64,
        "conflict": pl.Int64,
    },
    "event_countries": {"country": pl.String, "first_event": pl.Date},
}


def share_event_days(con: duckdb.DuckDBPyConnection) -> None:
    """Count the events per (country, admin1, day) for the rest of this run (a temporary
    table of the connection, read by the indicators and the checks; `unshare_event_days`)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {EVENT_DAYS} AS {_EVENT_DAYS_TABLE}")


def unshare_event_days(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the run's event counts: later reads scan the events again."""
    con.execute(f"DROP TABLE IF EXISTS temp.main.{EVENT_DAYS}")


def event_days_shared(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection's run has counted the events per area and day already."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [EVENT_DAYS],
        ).fetchall()[0][0]
    )


class NoProgramLink(Exception):
    """The table has no path to a program."""


def empty_tables(project: Project) -> dict[str, pl.LazyFrame]:
    """Zero-row frames typed from the contracts (for compiling the catalogue)."""
    out = {
        name: pl.LazyFrame(schema={c.name: POLARS_TYPES[c.type] for c in con.columns})
        for name, con in project.contracts.items()
    }
    out.update({name: pl.LazyFrame(schema=sch) for name, sch in DERIVED_SCHEMAS.items()})
    return out


# The rows of a table that can reach the chosen programs, by the table's link to them. Tables
# read by country or unit (events, context, units, incidents) are read whole: a program's
# figures use its country's and its units' rows, wherever they were recorded.
_IN_PROGRAMS = "program_id IN (SELECT unnest($programs))"
_ACTIVITIES = f"SELECT activity_id FROM activities WHERE {_IN_PROGRAMS}"
_PARTICIPANTS = f"SELECT participant_id FROM participants WHERE activity_id IN ({_ACTIVITIES})"
_TRANSFERS = f"SELECT transfer_id FROM equipment WHERE {_IN_PROGRAMS}"
PROGRAM_SCOPE = {
    "programs": _IN_PROGRAMS,
    "activities": _IN_PROGRAMS,
    "dialogues": _IN_PROGRAMS,
    "equipment": _IN_PROGRAMS,
    "indicator_observations": _IN_PROGRAMS,
    "participants": f"activity_id IN ({_ACTIVITIES})",
    # A person's follow-ups are read whole (all of them, whichever program trained them).
    "followups": f"participant_id IN ({_PARTICIPANTS})",
    "end_use_checks": f"transfer_id IN ({_TRANSFERS})",
    "equipment_status": f"transfer_id IN ({_TRANSFERS})",
}


# A run of a few programs (an incremental run) reads their participants and follow-ups twice,
# for the indicators and for the checks, each read scanning the whole tables (10M and 17M rows
# at 1e7 participants: 0.3-0.6 s a read, four reads). `share_scope` copies the programs' rows
# once into temporary tables of the connection; reads of those programs (or of some of them)
# then come from the copies (`scoped_source`).
SCOPE = "sceval_scope"
SCOPED_TABLES = ("participants", "followups")
_SCOPED_FOLLOWUPS = (
    f"participant_id IN (SELECT participant_id FROM temp.main.{SCOPE}_participants "
    f"WHERE activity_id IN ({_ACTIVITIES}))"
)


def share_scope(con: duckdb.DuckDBPyConnection, programs: list[str], max_rows: int) -> bool:
    """Copy the participants and follow-ups of `programs` for the rest of this run (temporary
    tables of the connection, read through `scoped_source`; `unshare_scope`). Not when the
    programs have more than `max_rows` participations (a batch): the copies are held in
    memory for the whole run, and a run of many programs reads them batch by batch anyway."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"activities", *SCOPED_TABLES} <= present:
        return False  # nothing to share: the reads keep their usual path
    params = {"programs": programs}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SCOPE}_participants AS "
        f"SELECT * FROM participants WHERE {PROGRAM_SCOPE['participants']}",
        params,
    )
    rows = con.execute(f"SELECT count(*) FROM temp.main.{SCOPE}_participants").fetchall()[0][0]
    if rows > max_rows:
        unshare_scope(con)
        return False
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SCOPE}_followups AS "
        f"SELECT * FROM followups WHERE {_SCOPED_FOLLOWUPS}",
        params,
    )
    # Made last: its presence says the copies are complete (`scoped_source`).
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SCOPE}_programs AS "
        "SELECT DISTINCT unnest($programs) AS program_id",
        params,
    )
    return True


def unshare_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the run's copies: later reads go to the tables again."""
    for name in ("followups", "participants", "programs"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{SCOPE}_{name}")


def scoped_source(
    con: duckdb.DuckDBPyConnection, name: str, programs: list[str]
) -> tuple[str, str]:
    """Where to read table `name`'s rows of `programs` (a program-linked table): the table
    and the condition, the run's copy (`share_scope`) when it holds all of these programs."""
    if name in SCOPED_TABLES:
        held = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [f"{SCOPE}_programs"],
        ).fetchall()[0][0]
        if held:
            missing = con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT unnest(?) AS program_id) "
                f"ANTI JOIN temp.main.{SCOPE}_programs USING (program_id)",
                [programs],
            ).fetchall()[0][0]
            if not missing:
                where = _SCOPED_FOLLOWUPS if name == "followups" else PROGRAM_SCOPE[name]
                return f"temp.main.{SCOPE}_{name}", where
    return f'"{name}"', PROGRAM_SCOPE[name]


class WarehouseTables(dict):
    """Input tables read from the warehouse on first use (Arrow copy), typed like the contracts.

    With `programs`, the tables linked to programs are read for those programs only: no figure
    of a program reads another program's rows, so a run of a few programs reads a few
    programs' data (an incremental run, `--program`).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        project: Project,
        programs: list[str] | None = None,
        shared: dict[str, pl.LazyFrame] | None = None,
    ) -> None:
        super().__init__()
        self.con = con
        self.empty = empty_tables(project)
        self.programs = programs
        # Tables read whole, kept across batches of programs (read once per run).
        self.shared = shared if shared is not None else {}
        # One linked plan per table, shared by every reporting period of a run: the periods'
        # queries, collected together, then read and join each source once.
        self.linked: dict[str, pl.LazyFrame] = {}

    def __missing__(self, name: str) -> pl.LazyFrame:
        if name in self.shared:
            self[name] = self.shared[name]
            return self[name]
        schema = self.empty[name].collect_schema()
        cols = ", ".join(f'"{c}"' for c in schema.names())
        derived = DERIVED_SQL
        if name in EVENT_DAYS_SQL and event_days_shared(self.con):
            derived = EVENT_DAYS_SQL
        query = derived.get(name, 'SELECT {cols} FROM "' + name + '"').format(cols=cols)
        params = None
        if self.programs is not None and name in PROGRAM_SCOPE:
            source, where = scoped_source(self.con, name, self.programs)
            query = f"SELECT {cols} FROM {source} WHERE {where}"
            params = {"programs": self.programs}
        df = self.con.sql(query, params=params).pl().cast(dict(schema))
        self[name] = df.lazy()
        if params is None:
            self.shared[name] = self[name]
        return self[name]


def warehouse_tables(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    programs: list[str] | None = None,
    *,
    shared: dict[str, pl.LazyFrame] | None = None,
) -> dict[str, pl.LazyFrame]:
    """The warehouse's input tables (of `programs` only, if given), each read when first needed."""
    return WarehouseTables(con, project, programs, shared)


# Participation rows per batch of programs when the project does not set
# `run_batch_participants`. The catalogue at 1e7 participants (2026-12-06, 2 cores): batches
# of 5e5 rows 96 s and 2.6 GiB peak, 1e6 rows 83 s and 4.0 GiB, 2e6 rows 82 s and 6.4 GiB.
BATCH_PARTICIPANTS = 1_000_000


def program_batches(
    con: duckdb.DuckDBPyConnection, scope: list[str] | None, rows: int
) -> list[list[str] | None]:
    """The programs in groups of about `rows` participation rows (one group: `[scope]`)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"programs", "activities", "participants"} <= present:
        return [scope]  # nothing to split (a warehouse without participants)
    where = "WHERE p.program_id IN (SELECT unnest(?))" if scope is not None else ""
    counts = con.execute(
        "SELECT p.program_id, count(x.activity_id) FROM programs p "
        "LEFT JOIN activities a USING (program_id) LEFT JOIN participants x USING (activity_id) "
        f"{where} GROUP BY ALL ORDER BY 1",
        [scope] if scope is not None else [],
    ).fetchall()
    if sum(n for _, n in counts) <= rows:
        return [scope]
    batches: list[list[str] | None] = [[]]
    size = 0
    for pid, n in counts:
        if size and size + n > rows:
            batches.append([])
            size = 0
        batches[-1].append(pid)
        size += n
    return batches


def _programs(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    return t["programs"].select(
        "program_id",
        "provider",
        pl.col("partner_country").alias("program_country"),
        pl.col("name").alias("program_name"),
        pl.col("framework").alias("program_framework"),
        pl.col("region").alias("program_region"),
        pl.col("start_date").alias("program_start"),
        pl.col("end_date").alias("program_end"),
        pl.col("budget").alias("program_budget"),
        pl.col("currency").alias("program_currency"),
    )


def _units(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    return t["units"].select(
        "unit_id",
        pl.col("partner_country").alias("unit_country"),
        pl.col("name").alias("unit_name"),
        pl.col("service").alias("unit_service"),
        pl.col("command").alias("unit_command"),
        pl.col("affiliation").alias("unit_affiliation"),
        pl.col("vetting_status").alias("unit_vetting_status"),
        pl.col("vetting_date").alias("unit_vetting_date"),
    )


def _activities(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    return t["activities"].join(_programs(t), on="program_id", how="left")


def _participants(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    acts = t["activities"].select(
        "activity_id",
        "program_id",
        *[
            pl.col(c).alias(f"activity_{c}")
            for c in t["activities"].collect_schema().names()
            if c not in ("activity_id", "program_id")
        ],
    )
    age = pl.col("age")
    band = (
        pl.when(age.is_null())
        .then(pl.lit("unknown"))
        .when(age < 25)
        .then(pl.lit("16-24"))
        .when(age < 35)
        .then(pl.lit("25-34"))
        .when(age < 45)
        .then(pl.lit("35-44"))
        .otherwise(pl.lit("45+"))
    )
    return (
        t["participants"]
        .join(acts, on="activity_id", how="left")
        .join(_programs(t), on="program_id", how="left")
        .join(_units(t), on="unit_id", how="left")
        .with_columns(
            age_band=band,
            completion_date=pl.when(pl.col("completed")).then(pl.col("activity_actual_end")),
            country=pl.coalesce("unit_country", "program_country"),
        )
    )


def _person_programs(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """One row per (person, program), with the person's dimensions at first attendance."""
    return (
        _participants(t)
        .sort("participant_id", "program_id", "activity_actual_start", "activity_id")
        .unique(["participant_id", "program_id"], keep="first", maintain_order=True)
        .select(
            "participant_id",
            "program_id",
            "sex",
            "age_band",
            "rank_group",
            "country",
            pl.col("unit_id").alias("participant_unit_id"),
        )
    )


def _unit_programs(t: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """Every (unit, program) pair: units the program trained, equipped or advised."""
    pairs = pl.concat(
        [
            t["activities"].select("unit_id", "program_id"),
            t["participants"]
            .join(t["activities"].select("activity_id", "program_id"), on="activity_id")
            .select("unit_id", "program_id"),
            t["equipment"].select("unit_id", "program_id"),
        ]
    )
    return pairs.drop_nulls().unique().join(_programs(t), on="program_id", how="inner")


def _with_country(lf: pl.LazyFrame, *candidates: str) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    cols = [pl.col(c) for c in candidates if c in names]
    return lf.with_columns(country=pl.coalesce(cols)) if cols else lf


def linked(t: dict[str, pl.LazyFrame], table: str) -> pl.LazyFrame:
    """The table's rows joined to their program(s) and parents."""
    if table == "programs":
        return t["programs"].join(_programs(t).drop("provider"), on="program_id", how="left")
    if table == "activities":
        return _activities(t).with_columns(activity_kind=pl.col("kind"))
    if table == "participants":
        return _participants(t)
    if table == "followups":
        return t["followups"].join(_person_programs(t), on="participant_id", how="inner")
    if table in ("dialogues", "indicator_observations"):
        return t[table].join(_programs(t), on="program_id", how="left")
    if table == "equipment":
        return (
            t["equipment"]
            .join(_programs(t), on="program_id", how="left")
            .join(_units(t), on="unit_id", how="left")
        )
    if table == "end_use_checks":
        eq = t["equipment"].select(
            "transfer_id",
            "program_id",
            *[
                pl.col(c).alias(f"transfer_{c}")
                for c in t["equipment"].collect_schema().names()
                if c not in ("transfer_id", "program_id")
            ],
        )
        return (
            t["end_use_checks"]
            .join(eq, on="transfer_id", how="left")
            .join(_programs(t), on="program_id", how="left")
        )
    if table == "units":
        return t["units"].join(_unit_programs(t), on="unit_id", how="inner")
    if table == "unit_assessments":
        return t["unit_assessments"].join(_unit_programs(t), on="unit_id", how="inner")
    if table == "equipment_status":
        eq = t["equipment"].select(
            "transfer_id",
            "program_id",
            pl.col("unit_id").alias("transfer_unit_id"),
            pl.col("quantity").alias("transfer_quantity"),
            pl.col("delivered_date").alias("transfer_delivered_date"),
            pl.col("lethal").alias("transfer_lethal"),
            pl.col("category").alias("transfer_category"),
        )
        return (
            t["equipment_status"]
            .join(eq, on="transfer_id", how="inner")
            .join(_programs(t), on="program_id", how="left")
        )
    if table == "incidents":
        return (
            t["incidents"]
            .join(_unit_programs(t), on="unit_id", how="inner")
            .join(_units(t), on="unit_id", how="left")
        )
    if table == "events":
        up = _unit_programs(t).rename({"unit_id": "actor_unit_id"})
        return t["events"].join(up, on="actor_unit_id", how="inner")
    if table == "context":
        return (
            t["context"]
            .join(_programs(t), left_on="country", right_on="program_country", how="inner")
            .with_columns(
                program_country=pl.col("country"),
                context_date=pl.date(pl.col("year"), 12, 31),
            )
        )
    raise NoProgramLink(f"table {table!r} has no link to a program; use a python: compute")


def enriched(t: dict[str, pl.LazyFrame], table: str, *, as_of: dt.date | None) -> pl.LazyFrame:
    """`linked` plus country, `as_of` and `age_days` (days from the source's date to as-of)."""
    shared = getattr(t, "linked", None)
    if shared is not None and table in shared:
        lf = shared[table]
    else:
        lf = _with_country(linked(t, table), "country", "unit_country", "program_country").cache()
        if shared is not None:
            shared[table] = lf
    names = lf.collect_schema().names()
    date_col = DEFAULT_DATE.get(table)
    lf = lf.with_columns(as_of=pl.lit(as_of or dt.date(2000, 1, 1), dtype=pl.Date))
    if date_col is not None and date_col in names:
        return lf.with_columns(age_days=(pl.col("as_of") - pl.col(date_col)).dt.total_days())
    return lf.with_columns(age_days=pl.lit(None, dtype=pl.Int64))


def in_time(date_col: str | None) -> pl.Expr:
    """Rows dated on or before the as-of date (undated rows are out when a date is named)."""
    if date_col is None:
        return pl.lit(True)
    return pl.col(date_col).is_not_null() & (pl.col(date_col) <= pl.col("as_of"))


class Frames(dict):
    """Enriched source frames, built on first use (a function asks only for what it needs).

    With `since` and `dates` ({table: date column}), a table named in `dates` keeps only the
    rows dated from `since` on: an engine function then computes a flow over a period.
    """

    def __init__(
        self,
        tables: dict[str, pl.LazyFrame],
        as_of: dt.date,
        *,
        since: dt.date | None = None,
        dates: dict[str, str] | None = None,
    ) -> None:
        super().__init__(as_of=as_of, tables=tables, cache={}, directions={})
        self.tables = tables
        self.as_of = as_of
        self.since = since
        self.dates = dates or {}

    def __missing__(self, key: str) -> pl.LazyFrame:
        lf = enriched(self.tables, key, as_of=self.as_of)
        if self.since is not None and key in self.dates:
            lf = lf.filter(pl.col(self.dates[key]) >= pl.lit(self.since, dtype=pl.Date))
        self[key] = lf
        return lf
