"""Streaming table writers: one file per table, appended chunk by chunk (CSV or Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

from sceval.errors import UsageError
from sceval.project import TableContract

POLARS = {
    "str": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
}
FORMATS = ("csv", "parquet")


def conform(df: pl.DataFrame, contract: TableContract) -> pl.DataFrame:
    """The frame with exactly the contract's columns, in order and typed (missing ones null)."""
    return df.select(
        [
            (pl.col(c.name) if c.name in df.columns else pl.lit(None))
            .cast(POLARS[c.type])
            .alias(c.name)
            for c in contract.columns
        ]
    )


class TableWriter:
    """Appends typed chunks of one table to `<out>/<table>.<fmt>`; memory holds one chunk."""

    def __init__(self, out_dir: Path, contract: TableContract, fmt: str) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
        self.contract = contract
        self.fmt = fmt
        self.path = out_dir / f"{contract.name}.{fmt}"
        self.rows = 0
        self.chunks = 0
        self._csv: IO[bytes] | None = None
        self._parquet = None  # pyarrow.parquet.ParquetWriter, opened on the first chunk

    def write(self, df: pl.DataFrame) -> None:
        """Append one chunk (conformed to the contract first)."""
        df = conform(df, self.contract)
        if self.fmt == "csv":
            if self._csv is None:
                self._csv = self.path.open("wb")
            df.write_csv(self._csv, include_header=self.chunks == 0)
        else:
            if df.height == 0 and self.chunks > 0:
                return
            if self._parquet is None:
                self._parquet = _parquet_writer(self.path, self.contract)
            self._parquet.write_table(df.to_arrow().cast(self._parquet.schema))
        self.rows += df.height
        self.chunks += 1

    def close(self) -> None:
        """Finish the file; a table that got no chunk is still written, with its header only."""
        if self.chunks == 0:
            self.write(pl.DataFrame(schema={c.name: POLARS[c.type] for c in self.contract.columns}))
        if self._csv is not None:
            self._csv.close()
        if self._parquet is not None:
            self._parquet.close()


def _parquet_writer(path: Path, contract: TableContract):
    """A Parquet writer with the contract's Arrow schema (pyarrow is imported only here)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
    }
    schema = pa.schema(
        [pa.field(c.name, arrow[c.type], nullable=c.nullable) for c in contract.columns]
    )
    return pq.ParquetWriter(path, schema, compression="zstd")
