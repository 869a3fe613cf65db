"""`sceval encrypt` and `sceval keygen`: convert a plain warehouse into an encrypted one, in place, all or nothing.

The key comes from $SCEVAL_DB_KEY or the file named by $SCEVAL_DB_KEY_FILE (see
`warehouse.db_key`), never from a flag. The encrypted copy is written beside the warehouse,
checked table by table against the original (same tables, same row counts), and only then
renamed over it: an interrupted or failed conversion leaves the plain warehouse as it was.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb

from sceval.errors import ScevalError, UsageError, classify
from sceval.warehouse import (
    KEY_ENV,
    KEY_FILE_ENV,
    _is_encrypted,
    _owner_only,
    _scrub,
    _sql_string,
    db_key,
    resolve_db_path,
)


def _counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE database_name = ? ORDER BY ALL",
            [catalog],
        ).fetchall()
    ]
    out = {}
    for n in names:
        schema, table = n.split(".", 1)
        q = f'SELECT count(*) FROM "{catalog}"."{schema}"."{table}"'
        out[n] = con.execute(q).fetchall()[0][0]
    return out


def encrypt_warehouse(db: str | os.PathLike[str] | None = None) -> dict[str, int]:
    """Encrypt the warehouse at `db` with the configured key; returns rows per table copied."""
    path = resolve_db_path(db)
    key = db_key()
    if not key:
        raise UsageError(
            f"no key: set {KEY_ENV} or {KEY_FILE_ENV} (a file readable by you only); "
            "the key is never taken from the command line"
        )
    if not path.is_file():
        raise UsageError(f"{path}: no warehouse here to encrypt")
    if _is_encrypted(path):
        raise UsageError(f"{path}: the warehouse is already encrypted")
    tmp = path.with_name(path.name + ".encrypting")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        # Fold any write-ahead log into the plain file first: a plaintext WAL must never sit
        # beside the encrypted file (DuckDB would replay it into the wrong database).
        plain = duckdb.connect(str(path))
        plain.execute("CHECKPOINT")
        plain.close()
        con = duckdb.connect()
        try:
            try:
                con.execute("LOAD httpfs")  # OpenSSL, when the extension is installed
            except duckdb.Error:
                con.execute("SET force_mbedtls_unsafe = true")
            con.execute(f"ATTACH {_sql_string(str(path))} AS plain (READ_ONLY)")
            con.execute(
                f"ATTACH {_sql_string(str(tmp))} AS secret (ENCRYPTION_KEY {_sql_string(key)})"
            )
            con.execute("COPY FROM DATABASE plain TO secret")
            before, after = _counts(con, "plain"), _counts(con, "secret")
            if before != after:
                raise ScevalError(
                    f"{path}: the encrypted copy does not match the original "
                    f"({len(before)} tables vs {len(after)}); the plain warehouse is unchanged",
                    exit_code=3,
                )
            con.execute("CHECKPOINT secret")
        finally:
            con.close()
    except duckdb.Error as exc:
        tmp.unlink(missing_ok=True)
        machine = classify(exc)
        if machine is not None:
            raise type(machine)(f"{path}: {machine}") from None
        msg = _scrub(str(exc), key)
        if "lock" in msg.lower():
            raise ScevalError(
                f"{path}: the warehouse is in use by another sceval process; try again when "
                "it has finished"
            ) from None
        raise ScevalError(f"{path}: cannot encrypt the warehouse ({msg})", exit_code=3) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _owner_only(tmp)
    os.replace(tmp, path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return {k.split(".", 1)[1]: v for k, v in before.items()}


def encrypt_command(db: str | os.PathLike[str] | None) -> None:
    """`sceval encrypt`: print what was converted."""
    counts = encrypt_warehouse(db)
    path: Path = resolve_db_path(db)
    print(
        f"{path}: encrypted ({len(counts)} tables, {sum(counts.values()):,} rows); "
        f"open it with {KEY_ENV} or {KEY_FILE_ENV} set. Plaintext copies of it elsewhere "
        "(backups, old disks) are not touched"
    )


def keygen_command(path: str | os.PathLike[str]) -> None:
    """`sceval keygen PATH`: a 256-bit random key in a new owner-only file; an existing file is
    kept, since replacing it would lock the user out of warehouses encrypted with it."""
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(
            f"{target}: a key file already exists; kept (a new key would lock you out of "
            f"warehouses encrypted with it)"
        )
        return
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the key file ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    print(
        f"{target}: new warehouse key written (readable by you only); "
        f"use it with {KEY_FILE_ENV}={target}"
    )
