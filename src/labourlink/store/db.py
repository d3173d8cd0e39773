"""Opening the store, reading provenance and exporting tables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from labourlink import config
from labourlink.errors import InvalidArgumentError, StoreError
from labourlink.store.schema import TABLES


def connect(path: str | Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Connection to the store (``LABOURLINK_STORE`` by default), read-only unless asked.

    Raises :class:`StoreError` when the file does not exist, saying how to build it.
    """
    p = Path(path) if path is not None else config.store_path()
    if read_only and not p.is_file():
        raise StoreError(f"store {p} does not exist; build it with `labourlink data build` "
                         "(or set LABOURLINK_STORE to an existing store)")
    try:
        return duckdb.connect(str(p), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {p}: {exc}. Rebuild it with "
                         "`labourlink data build --force`") from exc


def provenance_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The provenance table: source, edition, publisher, file, sha256, rows, dropped, table, built_at."""
    return con.sql(
        "SELECT source, edition, publisher, file, sha256, rows, dropped, target_table, built_at "
        "FROM provenance ORDER BY target_table, source, file"
    ).df()


def export_tables(con: duckdb.DuckDBPyConnection, out_dir: str | Path,
                  fmt: Literal["parquet", "csv"] = "parquet") -> list[Path]:
    """Write every store table to ``out_dir/<table>.<fmt>``; returns the files written."""
    if fmt not in ("parquet", "csv"):
        raise InvalidArgumentError("format", fmt, ["parquet", "csv"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        target = out / f"{name}.{fmt}"
        opts = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
        con.execute(f"COPY {name} TO '{target.as_posix()}' {opts}")
        written.append(target)
    return written
