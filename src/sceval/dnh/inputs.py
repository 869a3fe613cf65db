"""The warehouse tables the checks read, cut to the as-of date and the programs in scope.

Everything a check sees happened on or before `as_of`: activities that had started, equipment
delivered, end-use checks, follow-ups, incidents, events and meetings dated on or before it,
context series of years up to its year. Tables are read once from DuckDB as Arrow-backed
Polars frames and handed to the checks as lazy frames. Events are the exception: DuckDB
cuts and aggregates them first (`unit_events`, `event_area_days`, `event_countries`).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import duckdb
import polars as pl

from sceval.indicators.sources import (
    EVENT_DAYS,
    PROGRAM_SCOPE,
    event_days_shared,
    scoped_source,
)
from sceval.load import POLARS_TYPES
from sceval.project import Project

TRAINING_KINDS = ("training", "education", "exercise")
SUPPORT_KINDS = ("training", "education", "exercise", "equipment", "advisory", "infrastructure")


# The inputs that do not depend on the programs in scope (whole tables and the events'
# reductions): a run checking its programs in batches reads them once (`Inputs.shared`).
PROGRAM_FREE = (
    "units",
    "context",
    "incidents",
    "unit_events",
    "event_area_days",
    "event_countries",
)


class Inputs:
    """Lazy, as-of-filtered views of the input tables for one run of the checks."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        project: Project,
        *,
        as_of: dt.date,
        program: str | list[str] | None = None,
    ) -> None:
        self.con = con
        self.project = project
        self.as_of = as_of
        self.program = program
        self._present = {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        self._kept: dict[str, pl.LazyFrame] = {}

    def shared(self, kept: dict[str, pl.LazyFrame]) -> Inputs:
        """These inputs, reusing the program-free ones in `kept` and adding theirs to it (a run
        checking its programs in batches reads the whole tables and events once)."""
        for name in PROGRAM_FREE:
            if name in kept:
                self.__dict__[name] = kept[name]
        self._kept = kept
        return self

    def keep(self) -> None:
        """Hand the program-free inputs read by this batch to the next (see `shared`)."""
        for name in PROGRAM_FREE:
            if name in self.__dict__:
                self._kept[name] = self.__dict__[name]

    def table(
        self, name: str, columns: tuple[str, ...] | None = None, *, dated: str | None = None
    ) -> pl.LazyFrame:
        """An input table, or some of its columns (typed from its contract when it is absent);
        `dated`: only rows whose date in that column is on or before the as-of date."""
        if name in self._present:
            cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
            source, where, params = self._where(name, dated)
            return self.con.sql(f"SELECT {cols} FROM {source}{where}", params=params).pl().lazy()
        contract = self.project.contract(name)
        return pl.LazyFrame(
            schema={
                c.name: POLARS_TYPES[c.type]
                for c in contract.columns
                if columns is None or c.name in columns
            }
        )

    def _where(self, name: str, dated: str | None) -> tuple[str, str, dict | None]:
        """Where to read table `name` and the WHERE clause (and its parameters) that cuts it to
        the as-of date on column `dated` and to the programs in scope, so DuckDB drops rows
        before they are copied out: at scale the largest tables hold many more rows than a
        check needs. A run's copy of its programs' rows is read where it has one."""
        source, where, params = f'"{name}"', [], {}
        if dated:
            where.append(f'"{dated}" <= $as_of')
            params["as_of"] = self.as_of
        # A few programs' checks read those programs' rows only (as the indicators do).
        if self.program is not None and name in PROGRAM_SCOPE:
            scope = [self.program] if isinstance(self.program, str) else self.program
            source, linked = scoped_source(self.con, name, scope)
            where.append(linked)
            params["programs"] = scope
        clause = " WHERE " + " AND ".join(f"({w})" for w in where) if where else ""
        return source, clause, params or None

    @property
    def day(self) -> pl.Expr:
        return pl.lit(self.as_of, dtype=pl.Date)

    @cached_property
    def programs(self) -> pl.LazyFrame:
        """Programs started by the as-of date (and the one asked for, if any)."""
        lf = self.table("programs").filter(pl.col("start_date") <= self.day)
        if isinstance(self.program, list):
            lf = lf.filter(pl.col("program_id").is_in(self.program))
        elif self.program is not None:
            lf = lf.filter(pl.col("program_id") == self.program)
        return lf.select("program_id", "name", "partner_country", "start_date", "end_date")

    @cached_property
    def program_ids(self) -> pl.LazyFrame:
        return self.programs.select("program_id", "partner_country")

    @cached_property
    def activities(self) -> pl.LazyFrame:
        """Activities that had started by the as-of date, with start, end and cost."""
        started = pl.col("status").is_in(["ongoing", "delivered"])
        start = pl.coalesce("actual_start", pl.when(started).then(pl.col("planned_start"))).alias(
            "start"
        )
        # An end after the as-of date is not known yet: the activity was still running then.
        ended = pl.coalesce(
            "actual_end", pl.when(pl.col("status") == "delivered").then(pl.col("planned_end"))
        )
        end = pl.when(ended <= self.day).then(ended).alias("end")
        return (
            self.table("activities")
            .filter(pl.col("status") != "cancelled")
            .with_columns(start, end, pl.coalesce("actual_cost", "planned_cost").alias("cost"))
            .filter(pl.col("start").is_not_null() & (pl.col("start") <= self.day))
            .join(self.program_ids.select("program_id"), on="program_id", how="semi")
        )

    @cached_property
    def participants(self) -> pl.LazyFrame:
        """Participants of started activities, with program, activity kind, dates and unit."""
        acts = self.activities.select(
            "activity_id",
            "program_id",
            "kind",
            "start",
            "end",
            pl.col("unit_id").alias("activity_unit_id"),
        )
        # Only the columns the checks use: at scale this table is the largest by far.
        cols = (
            "participant_id",
            "activity_id",
            "unit_id",
            "completed",
            "vetted",
            "posted_within_days",
        )
        return (
            self.table("participants", cols)
            .join(acts, on="activity_id", how="inner")
            .with_columns(pl.coalesce("unit_id", "activity_unit_id").alias("unit_id"))
        )

    @cached_property
    def equipment(self) -> pl.LazyFrame:
        """Transfers delivered by the as-of date."""
        return (
            self.table("equipment")
            .filter(pl.col("delivered_date").is_not_null() & (pl.col("delivered_date") <= self.day))
            .join(self.program_ids.select("program_id"), on="program_id", how="semi")
        )

    @cached_property
    def units(self) -> pl.LazyFrame:
        return self.table("units")

    def dated(self, name: str, column: str, columns: tuple[str, ...] | None = None) -> pl.LazyFrame:
        """A table (or some of its columns) cut to rows dated on or before the as-of date."""
        return self.table(name, columns, dated=column).filter(pl.col(column) <= self.day)

    @cached_property
    def end_use_checks(self) -> pl.LazyFrame:
        return self.dated("end_use_checks", "check_date")

    @cached_property
    def incidents(self) -> pl.LazyFrame:
        return self.dated("incidents", "date")

    def reduced(self, name: str, query: str) -> pl.LazyFrame:
        """The result of `query` over table `name` (its typed empty frame when it is absent).

        At scale the events table does not fit in memory: DuckDB cuts and aggregates it first.
        """
        if name in self._present:
            rel = self.con.table(name)
        else:
            rel = self.con.from_arrow(self.table(name).collect().to_arrow())
        return rel.query(name, query).pl().lazy()

    @property
    def as_of_sql(self) -> str:
        return f"DATE '{self.as_of.isoformat()}'"

    @cached_property
    def unit_events(self) -> pl.LazyFrame:
        """Events by the as-of date that name a partner unit as actor (a small share of them)."""
        return self.reduced(
            "events",
            "SELECT event_id, event_date, event_type, fatalities, civilian_targeting, "
            f"actor_unit_id FROM events WHERE event_date <= {self.as_of_sql} "
            "AND actor_unit_id IS NOT NULL",
        )

    def _event_days(self, query: str) -> pl.LazyFrame | None:
        """`query` over the run's counts of events per area and day, where the run has made
        them (`sceval.indicators.sources.share_event_days`); None otherwise."""
        if "events" not in self._present or not event_days_shared(self.con):
            return None
        return self.con.sql(query.format(days=f"temp.main.{EVENT_DAYS}")).pl().lazy()

    @cached_property
    def event_area_days(self) -> pl.LazyFrame:
        """Events with an admin1 by the as-of date, counted per (country, admin1, day)."""
        where = f"event_date <= {self.as_of_sql} AND admin1 IS NOT NULL"
        shared = self._event_days(
            f"SELECT country, admin1, event_date, events AS n, fatalities FROM {{days}} WHERE {where}"
        )
        if shared is not None:
            return shared
        return self.reduced(
            "events",
            "SELECT country, admin1, event_date, count(*) AS n, "
            f"CAST(sum(fatalities) AS BIGINT) AS fatalities FROM events WHERE {where} GROUP BY ALL",
        )

    @cached_property
    def event_countries(self) -> pl.LazyFrame:
        """Countries with any event by the as-of date."""
        where = f"event_date <= {self.as_of_sql}"
        shared = self._event_days(f"SELECT DISTINCT country FROM {{days}} WHERE {where}")
        if shared is not None:
            return shared
        return self.reduced("events", f"SELECT DISTINCT country FROM events WHERE {where}")

    @cached_property
    def followup_status(self) -> pl.LazyFrame:
        """Per participant followed up by the as-of date: the number of follow-ups and whether
        any found the person in a non-state armed group. Reduced in DuckDB: at scale the
        follow-ups are the largest table, and no check needs them row by row."""
        if "followups" not in self._present:
            return pl.LazyFrame(
                schema={"participant_id": pl.String, "checks": pl.UInt32, "defected": pl.Boolean}
            )
        source, where, params = self._where("followups", "check_date")
        query = (
            "SELECT participant_id, CAST(count(*) AS UINTEGER) AS checks, "
            "coalesce(bool_or(status = 'joined_non_state_group'), false) AS defected "
            f"FROM {source}{where} GROUP BY participant_id"
        )
        return self.con.sql(query, params=params).pl().lazy()

    @cached_property
    def dialogues(self) -> pl.LazyFrame:
        return self.dated("dialogues", "date").join(
            self.program_ids.select("program_id"), on="program_id", how="semi"
        )

    @cached_property
    def context(self) -> pl.LazyFrame:
        return self.table("context").filter(pl.col("year") <= self.as_of.year)

    @cached_property
    def support(self) -> pl.LazyFrame:
        """Every act of assistance to a known unit: (program, unit, table, id, kind, start, end).

        Activities with a unit (dialogue meetings are not assistance), the units of their
        participants, and delivered transfers. An activity still running at the as-of date
        ends at the as-of date.
        """
        ongoing_end = pl.coalesce("end", self.day)
        from_activities = self.activities.filter(
            pl.col("unit_id").is_not_null() & pl.col("kind").is_in(SUPPORT_KINDS)
        ).select(
            "program_id",
            "unit_id",
            pl.lit("activities").alias("table"),
            pl.col("activity_id").alias("row_id"),
            "kind",
            "start",
            ongoing_end.alias("end"),
        )
        from_participants = (
            self.participants.filter(pl.col("unit_id").is_not_null())
            .select(
                "program_id",
                "unit_id",
                pl.lit("activities").alias("table"),
                pl.col("activity_id").alias("row_id"),
                "kind",
                "start",
                ongoing_end.alias("end"),
            )
            .unique()
        )
        from_equipment = self.equipment.filter(pl.col("unit_id").is_not_null()).select(
            "program_id",
            "unit_id",
            pl.lit("equipment").alias("table"),
            pl.col("transfer_id").alias("row_id"),
            pl.lit("equipment").alias("kind"),
            pl.col("delivered_date").alias("start"),
            pl.col("delivered_date").alias("end"),
        )
        return pl.concat([from_activities, from_participants, from_equipment]).unique(
            subset=["program_id", "unit_id", "table", "row_id"], keep="first"
        )

    @cached_property
    def supported_units(self) -> pl.LazyFrame:
        """(program, unit, first support, first training) with the unit's attributes."""
        return (
            self.support.group_by("program_id", "unit_id")
            .agg(
                pl.col("start").min().alias("first_support"),
                pl.col("start")
                .filter(pl.col("kind").is_in(TRAINING_KINDS))
                .min()
                .alias("first_training"),
            )
            .join(self.units, on="unit_id", how="left")
        )

    def reporting_countries(self, table: str, series: str | None = None) -> pl.LazyFrame:
        """Countries with any `table` row dated by the as-of date (or series = 1 in context).

        This is how the checks establish that monitoring exists: a unit's incidents are known
        only where incident reporting reached its country.
        """
        if table == "incidents":
            frames = [
                self.incidents.join(self.units, on="unit_id", how="inner").select(
                    pl.col("partner_country").alias("country")
                )
            ]
        else:
            frames = [self.event_countries]
        if series:
            frames.append(
                self.context.filter(
                    (pl.col("indicator") == series) & (pl.col("value") >= 1)
                ).select("country")
            )
        return pl.concat(frames).unique()

    def covered_units(self, table: str, series: str | None = None) -> pl.LazyFrame:
        """Supported units with their country and whether `table` reporting reaches it."""
        covered = self.reporting_countries(table, series).with_columns(
            pl.lit(True).alias("covered")
        )
        return (
            self.supported_units.join(
                self.program_ids, on="program_id", how="left", suffix="_program"
            )
            .with_columns(
                pl.coalesce("partner_country", "partner_country_program").alias("country")
            )
            .join(covered, on="country", how="left")
            .with_columns(pl.col("covered").fill_null(False))
        )
