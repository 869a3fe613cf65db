"""The DuckDB warehouse: input tables from the project's contracts, result tables, provenance.

Input tables are created from `schemas/*.yml`; result tables (SPEC §4) are the engine's own
and fixed here. Every result row carries its `run_id`; `runs` says what produced it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from sceval.ddl import (  # noqa: F401 - `warehouse.<name>` as before
    ADDED_COLUMNS,
    FINISHED,
    FINISHED_SQL,
    HISTORY_COLUMNS,
    RESULT_DDL,
    RESULT_TABLES,
    history_ddl,
    history_table,
    input_table_ddl,
)
from sceval.errors import ProjectError, ScevalError, UsageError, classify
from sceval.project import Project

DEFAULT_DB = "sceval.duckdb"


def arrow(frame: Any) -> Any:
    """A Polars frame as Arrow without copying its strings (string views, which DuckDB reads);
    the default conversion rewrites every string column (1.4 s per 1e7 participants)."""
    import polars as pl

    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """--db, else $SCEVAL_DB, else ./sceval.duckdb."""
    return Path(db or os.environ.get("SCEVAL_DB") or DEFAULT_DB)


KEY_ENV = "SCEVAL_DB_KEY"
KEY_FILE_ENV = "SCEVAL_DB_KEY_FILE"
ALIAS = "sceval"  # the catalog name of an attached (encrypted) warehouse


def db_key() -> str | None:
    """The warehouse encryption key: $SCEVAL_DB_KEY, else the first line of the file named by
    $SCEVAL_DB_KEY_FILE (readable by its owner only). Never a flag value: flags end up in shell
    history, `ps` and CI logs. None when neither is set."""
    key = os.environ.get(KEY_ENV)
    if key:
        return key
    name = os.environ.get(KEY_FILE_ENV)
    if not name:
        return None
    path = Path(name).expanduser()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{KEY_FILE_ENV}={path}: cannot read the key file ({exc.strerror})"
        ) from None
    if os.name == "posix" and mode & 0o077:
        raise UsageError(
            f"{KEY_FILE_ENV}={path}: the key file is readable by other users; "
            f"make it owner-only (chmod 600 {path})"
        )
    key = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not key:
        raise UsageError(f"{KEY_FILE_ENV}={path}: the key file is empty")
    return key


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _scrub(message: str, key: str | None) -> str:
    """A DuckDB message without the key (a parser error echoes the statement)."""
    first = message.splitlines()[0] if message else ""
    return first.replace(key, "***") if key else first


# DuckDB's share of the machine's memory when the project does not set `duckdb_memory_limit`
# (DuckDB's own default is 80%). sceval's memory is Polars' frames beside DuckDB (DuckDB held
# 0.39 GiB through the 1e7 checks), while DuckDB keeps the blocks it reads cached up to its
# limit: with 60% of this 23.5 GiB machine the 1e8 run peaked at 20.0 GiB (BENCHMARKS.md).
DEFAULT_MEMORY_SHARE = 0.3


def physical_memory() -> int | None:
    """Bytes of memory this process may use: physical RAM, or its cgroup's limit if lower."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = None
    limit = cgroup_memory_limit()
    if limit is not None:
        total = min(total, limit) if total else limit
    return total if total and total > 0 else None


def cgroup_memory_limit(
    membership: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """The memory limit of this process's cgroup (v2 `memory.max` or v1
    `memory.limit_in_bytes`), the lowest set on its path; None when there is none.

    A container or a `systemd-run -p MemoryMax=` scope sees its own limit, not the host's RAM:
    DuckDB's default share must come from what the process may really use.
    """
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            bases, name = [root, root / "unified"], "memory.max"
        elif "memory" in controllers.split(","):
            bases, name = [root / "memory"], "memory.limit_in_bytes"
        else:
            continue
        rel = Path(path.lstrip("/"))
        for base in bases:
            # The cgroup and its parents (inside a container's namespace the path is "/").
            for folder in [base / rel, *(base / p for p in rel.parents)]:
                try:
                    text = (folder / name).read_text().strip()
                except OSError:
                    continue
                if text.isdigit():
                    found.append(int(text))
    # v1 writes "no limit" as a huge number (a page-rounded 2**63 - 1): below a petabyte is real.
    real = [n for n in found if 0 < n < 2**50]
    return min(real) if real else None


def memory_settings(project: Project | None = None) -> dict[str, str]:
    """DuckDB's `memory_limit` and `temp_directory` for every sceval connection, from the
    project's `duckdb_memory_limit` (e.g. `4GB`, `8GiB` or `50%` of the machine) and
    `duckdb_temp_directory` (relative to the project folder); by default 30% of the memory the
    process may use (the machine's, or its cgroup's limit if lower), and DuckDB's own spill
    folder (`<warehouse>.tmp` next to the warehouse file)."""
    if project is None:
        try:
            project = Project.find()
        except ProjectError:  # no usable project here: the machine's defaults
            project = None
    settings = project.settings if project is not None else {}
    out: dict[str, str] = {}
    limit = settings.get("duckdb_memory_limit")
    text = str(limit).strip() if limit is not None else ""
    if text.endswith("%"):
        try:
            share = float(text[:-1]) / 100
        except ValueError:
            share = -1.0
        if not 0 < share <= 1:
            raise ProjectError(
                f"sceval_project.yml: duckdb_memory_limit {limit!r}: a share must be 1% to 100%"
            )
        text = ""
    else:
        share = DEFAULT_MEMORY_SHARE
    if text:
        out["memory_limit"] = text
    else:
        total = physical_memory()
        if total:
            out["memory_limit"] = f"{max(int(total * share) // 2**20, 64)}MiB"
    temp = settings.get("duckdb_temp_directory")
    if temp:
        path = Path(str(temp)).expanduser()
        if not path.is_absolute() and project is not None:
            path = project.root / path
        out["temp_directory"] = str(path)
    return out


def lock_down(
    con: duckdb.DuckDBPyConnection, project: Project | None = None
) -> duckdb.DuckDBPyConnection:
    """Least privilege for every sceval connection: no file system or network access beyond
    the warehouse already open (no read_csv, COPY, ATTACH, INSTALL), and no setting can be
    changed back afterwards. sceval reads input files with Polars and writes outputs itself, so
    DuckDB never needs more; project SQL (contract rules) runs with exactly these rights.

    DuckDB's memory limit and spill folder (`memory_settings`) are set first, before the
    configuration is locked; DuckDB still spills to its temp directory with external access
    off (a query larger than the limit spills rather than fails, tests/foundation)."""
    quiet(con, project)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def scratch(project: Project | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the same least privilege (for validating batches)."""
    return lock_down(duckdb.connect(config={"enable_external_access": False}), project)


def _owner_only(path: Path) -> None:
    """New warehouse files are readable by their owner only (0600), whatever the umask."""
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            if p.exists():
                p.chmod(0o600)
        except OSError:
            pass  # not ours to change (a shared, pre-existing file): leave it


def _open_plain(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


def _open_encrypted(path: Path, key: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The warehouse ATTACHed with its key (DuckDB database encryption, AES-GCM-256).

    Writing needs a writable crypto module: DuckDB loads OpenSSL through its httpfs extension
    when that is installed (it cannot be downloaded on an air-gapped machine), otherwise its
    built-in mbedtls, which DuckDB only writes with when asked (`force_mbedtls_unsafe`: its
    mbedtls path is not hardened like OpenSSL's; see docs/security.md). Reading needs neither."""
    config: dict[str, Any] = {}
    con = duckdb.connect(config=config)
    try:
        if not read_only:
            try:
                con.execute("LOAD httpfs")
            except duckdb.Error:
                con.execute("SET force_mbedtls_unsafe = true")
        options = f"ENCRYPTION_KEY {_sql_string(key)}" + (", READ_ONLY" if read_only else "")
        con.execute(f"ATTACH {_sql_string(str(path))} AS {ALIAS} ({options})")
        con.execute(f"USE {ALIAS}")
        # Spill files of a large load or query are encrypted too.
        con.execute("SET temp_file_encryption = true")
    except BaseException:
        con.close()
        raise
    return con


def _is_encrypted(path: Path) -> bool:
    """Whether a DuckDB file says in its (plaintext) main header that it is encrypted."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_sql_string(str(path))} AS probe (READ_ONLY)")
    except duckdb.Error as exc:
        return "encrypted" in str(exc).lower() and "without a key" in str(exc).lower()
    finally:
        con.close()
    return False


def connect(
    db: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    key: str | None = None,
    locked: bool = True,
    project: Project | None = None,
    settings: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (encrypted when a key is set: `db_key`), locked down (`lock_down`),
    with a clear message when another process holds it, the key is missing or wrong, or the
    file is damaged. A new warehouse file is readable by its owner only. DuckDB's memory limit
    and spill folder come from `project`'s settings (the project found as usual if None);
    `settings`: more DuckDB settings of this command's own, made before the lock."""
    path = resolve_db_path(db)
    if read_only and not path.exists():
        raise ScevalError(
            f"{path}: no warehouse here; load data first (`sceval load`) or run `sceval demo`"
        )
    if path.parent and not path.parent.exists():
        raise ScevalError(f"{path}: folder {path.parent} does not exist")
    key = key if key is not None else db_key()
    existed = path.exists() and path.stat().st_size > 0
    try:
        con = _open_encrypted(path, key, read_only) if key else _open_plain(path, read_only)
    except duckdb.IOException as exc:
        msg = _scrub(str(exc), key)
        if "lock" in msg.lower():
            raise ScevalError(
                f"{path}: the warehouse is in use by another sceval process; try again when it has finished"
            ) from None
        damaged = classify(exc)
        if damaged is not None:
            raise type(damaged)(f"{path}: {damaged}") from None
        raise ScevalError(f"{path}: cannot open the warehouse ({msg})") from None
    except duckdb.Error as exc:
        msg = _scrub(str(exc), key)
        low = msg.lower()
        if "without a key" in low:
            raise UsageError(
                f"{path}: the warehouse is encrypted; set {KEY_ENV} or {KEY_FILE_ENV} to its key"
            ) from None
        if "wrong encryption key" in low or "encryption key" in low and "wrong" in low:
            raise UsageError(
                f"{path}: wrong key for this encrypted warehouse ({KEY_ENV} / {KEY_FILE_ENV})"
            ) from None
        if key and existed and not _is_encrypted(path):
            raise UsageError(
                f"{path}: this warehouse is not encrypted but {KEY_ENV} or {KEY_FILE_ENV} is "
                "set; convert it with `sceval encrypt`, or unset the key to open it as it is"
            ) from None
        damaged = classify(exc)
        if damaged is not None:
            raise type(damaged)(f"{path}: {damaged}") from None
        raise ScevalError(f"{path}: not a readable DuckDB warehouse ({msg})") from None
    if not existed and not read_only:
        _owner_only(path)
    if settings:
        for name, value in settings.items():
            con.execute(f"SET {name} = {_sql_string(str(value))}")
    return lock_down(con, project) if locked else quiet(con, project)


def quiet(
    con: duckdb.DuckDBPyConnection, project: Project | None = None
) -> duckdb.DuckDBPyConnection:
    """No DuckDB progress bar (sceval prints its own progress, and bars clutter CI logs), and
    DuckDB's memory limit and spill folder from the project (`memory_settings`)."""
    con.execute("SET enable_progress_bar = false")
    for name, value in memory_settings(project).items():
        try:
            con.execute(f"SET {name} = {_sql_string(value)}")
        except duckdb.Error as exc:
            con.close()
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ProjectError(
                f"sceval_project.yml: duckdb_{name} {value!r} is not usable ({first})"
            ) from None
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection, project: Project) -> None:
    """Create every input and result table that is missing (idempotent), and bring a
    warehouse made by an older sceval up to this one's tables and columns."""
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE schema_name = 'main' AND database_name = current_database()"
        ).fetchall()
    }
    # Only the missing ones: every load opens the schema, and 30 CREATE statements cost more
    # than one look at the catalog.
    for contract in project.contracts.values():
        if contract.name not in have:
            con.execute(input_table_ddl(contract))
        if history_table(contract.name) not in have:
            con.execute(history_ddl(contract))
    for name, ddl in RESULT_DDL.items():
        if name not in have:
            con.execute(ddl)
    migrate(con, project)


def migrate(con: duckdb.DuckDBPyConnection, project: Project) -> None:
    """Additive upgrades of an older warehouse: new columns, finished runs as 'draft', and an
    input table whose stored primary key is no longer its contract's key rebuilt without it."""
    present = {
        (t, c)
        for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database()"
        ).fetchall()
    }
    for table, cols in ADDED_COLUMNS.items():
        for name, sql_type in cols.items():
            if (table, name) not in present:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {sql_type}')
    if con.execute("SELECT count(*) FROM runs WHERE status = 'ok'").fetchall()[0][0]:
        con.execute("UPDATE runs SET status = 'draft' WHERE status = 'ok'")
    pks = {
        t: tuple(cols)
        for t, cols in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }
    for contract in project.contracts.values():
        stored = pks.get(contract.name)
        if stored is not None and stored != contract.key:
            # DuckDB cannot drop a primary key: copy the rows into a table made from the
            # contract (a one-time cost on small tables such as partnership_ratings).
            name = contract.name
            cols = ", ".join(f'"{c}"' for c in contract.column_names)
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f'ALTER TABLE "{name}" RENAME TO "{name}__old"')
                con.execute(input_table_ddl(contract))
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM "{name}__old"')
                con.execute(f'DROP TABLE "{name}__old"')
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise


def open_warehouse(
    db: str | os.PathLike[str] | None,
    project: Project,
    *,
    settings: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect and make sure every table exists (`settings`: see `connect`)."""
    con = connect(db, project=project, settings=settings)
    ensure_schema(con, project)
    return con


def open_existing(
    db: str | os.PathLike[str] | None,
    project: Project,
    *,
    read_only: bool = False,
    settings: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An existing warehouse with its tables current; `read_only` for the steps that only read
    (report, history, runs, diff), so that nothing they run can change what is stored
    (`settings`: see `connect`)."""
    path = resolve_db_path(db)
    if not path.exists():
        raise UsageError(
            f"{path}: no warehouse here; load data first (`sceval load`) or run `sceval demo`"
        )
    if not read_only:
        return open_warehouse(path, project, settings=settings)
    con = connect(path, read_only=True, project=project, settings=settings)
    try:
        # A current warehouse needs no statement here, so this succeeds read-only.
        ensure_schema(con, project)
        return con
    except duckdb.Error:
        con.close()
    # A warehouse made by an older sceval: its tables are upgraded once, then read read-only.
    open_warehouse(path, project).close()
    return connect(path, read_only=True, project=project, settings=settings)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table in the warehouse."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, never hiding the error that got us here (after a failed COMMIT on a full
    disk there is no transaction left to roll back)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass
