"""Atomic, provenance-tracked builds of the store from the raw official files.

A build writes a new database next to the target (``<store>.tmp-<pid>``), loads the country
reference and every source loader (:mod:`labourlink.sources`), then the derived tables
(:data:`DERIVED_MODULES`), checks that every country code is known, records provenance, then
renames the new file over the old one. Any failure removes the temporary file and leaves the
previous store byte-identical. With unchanged inputs (same sha256 of every raw file, same
labourlink, schema and derived-builder versions) a build is a no-op unless ``force=True``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from labourlink import __version__, config
from labourlink.errors import SourceError, StoreError
from labourlink.sources import loader_modules
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import CODE_COLUMNS, TABLES, create_statements

#: Derived-table builders, run after the loaders inside the same atomic build. Each module has
#: ``VERSION`` (enters the build fingerprint) and ``build(con, files) -> list[SourceTable]``
#: (``files``: data-dir relative path -> sha256 of every raw file read).
DERIVED_MODULES: tuple[str, ...] = ("labourlink.flows.store",)


def derived_modules() -> list[ModuleType]:
    """The derived-table builder modules, in build order."""
    import importlib

    return [importlib.import_module(name) for name in DERIVED_MODULES]


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did: ``rebuilt`` False means the store was already up to date."""

    store: Path
    rebuilt: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    fingerprint: str = ""

    def summary(self) -> str:
        """One paragraph for the terminal."""
        if not self.rebuilt:
            return f"store {self.store} is up to date (inputs unchanged; use --force to rebuild)"
        tables = ", ".join(f"{k} {v:,}" for k, v in sorted(self.rows.items()))
        return f"built {self.store} in {self.seconds:.1f} s: {tables}"


def _schema_hash() -> str:
    return hashlib.sha256("\n".join(create_statements()).encode()).hexdigest()[:16]


def _reference_hash() -> str:
    """sha256 over what the package itself contributes to the store: the country reference and
    groupings (code and curated data) and the loaders' data files. Editing them must rebuild the
    store like a changed raw file."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(p for p in (package / "countries").rglob("*")
                   if p.is_file() and p.suffix in {".py", ".csv", ".tsv"})
    files += sorted(p for p in (package / "sources" / "data").glob("*") if p.is_file())
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(package).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def input_fingerprint(data_dir: Path, modules: Sequence[ModuleType]) -> tuple[str, dict[str, str]]:
    """sha256 over every raw file the loaders read (plus versions); also the per-file checksums.

    A missing file raises :class:`SourceError` naming it.
    """
    files: dict[str, str] = {}
    for mod in modules:
        for rf in getattr(mod, "FILES", ()):
            path = Path(data_dir) / rf.path
            if not path.is_file():
                raise SourceError(path, "file not found",
                                  fix=f"put it under {data_dir} (LABOURLINK_DATA_DIR) or run "
                                  "`labourlink data fetch`")
            files[rf.path] = sha256_file(path)
    blob = json.dumps({"files": files, "version": __version__, "schema": _schema_hash(),
                       "loaders": [m.__name__ for m in modules],
                       "reference": _reference_hash(),
                       "derived": [f"{m.__name__}:{m.VERSION}" for m in derived_modules()]},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest(), files


def _current_fingerprint(store: Path) -> str | None:
    if not store.is_file():
        return None
    try:
        con = duckdb.connect(str(store), read_only=True)
        try:
            row = con.execute("SELECT value FROM build_meta WHERE key = 'fingerprint'").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return None if row is None else str(row[0])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, origin: str) -> None:
    spec = TABLES.get(table)
    if spec is None:
        raise StoreError(f"{origin}: unknown store table {table!r}; tables: {sorted(TABLES)}")
    cols = spec.column_names
    if list(frame.columns) != cols:
        raise StoreError(f"{origin}: columns for table {table!r} are {list(frame.columns)}, "
                         f"expected {cols} (labourlink/store/schema.py)")
    con.register("_incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _incoming")
    except duckdb.Error as exc:
        raise StoreError(f"{origin}: cannot insert into {table!r}: {exc}") from exc
    finally:
        con.unregister("_incoming")


def _reference_tables() -> list[SourceTable]:
    from labourlink import countries
    from labourlink.sources.base import Provenance

    ctab = countries.country_table()[TABLES["country"].column_names]
    gtab = countries.group_table()[TABLES["country_group"].column_names]
    prov = Provenance("labourlink_countries", __version__, "labourlink (curated; see countries/data)",
                      "labourlink/countries/data", "", len(ctab))
    gprov = Provenance("labourlink_groups", __version__, "labourlink (curated; see countries/data)",
                       "labourlink/countries/data", "", len(gtab))
    return [SourceTable("country", ctab, prov), SourceTable("country_group", gtab, gprov)]


def _check_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Every table's key is unique (the schema's ``key``); the error names table, key and value."""
    for name, spec in TABLES.items():
        if not spec.key:
            continue
        keys = ", ".join(spec.key)
        dup = con.execute(f"SELECT {keys}, count(*) AS n FROM {name} GROUP BY ALL HAVING n > 1 "
                          "LIMIT 1").fetchone()
        if dup is not None:
            where = dict(zip(spec.key, dup[:-1], strict=True))
            raise StoreError(f"table {name!r}: duplicate key {where} ({dup[-1]} rows). Fix the "
                             "loader or the input file")


def _check_codes(con: duckdb.DuckDBPyConnection) -> None:
    from labourlink.countries import SPECIAL_CODES

    specials = sorted(SPECIAL_CODES)
    con.register("_special", pd.DataFrame({"code": specials}))
    try:
        for table, cols in CODE_COLUMNS.items():
            for col in cols:
                bad = con.execute(
                    f"SELECT DISTINCT t.{col}, t.source FROM {table} t "
                    f"WHERE t.{col} IS NOT NULL AND t.{col} NOT IN (SELECT iso3 FROM country) "
                    f"AND t.{col} NOT IN (SELECT code FROM _special) LIMIT 10"
                ).fetchall()
                if bad:
                    raise StoreError(
                        f"table {table!r}, column {col!r}: codes that are neither a known country nor a "
                        f"documented special code: {bad}. Map them in labourlink/countries or drop them "
                        "explicitly in the loader")
    finally:
        con.unregister("_special")


def build_store(
    data_dir: str | Path | None = None,
    store: str | Path | None = None,
    *,
    force: bool = False,
    loaders: Sequence[ModuleType] | None = None,
    progress: bool = True,
) -> BuildReport:
    """Build the store from the raw files in ``data_dir`` into ``store``, atomically.

    Parameters
    ----------
    data_dir
        Raw files folder (default :func:`labourlink.config.data_dir`).
    store
        Target DuckDB file (default :func:`labourlink.config.store_path`).
    force
        Rebuild even when every input file's checksum is unchanged.
    loaders
        Loader modules to run (default: every module in :mod:`labourlink.sources`).
    progress
        Show a progress bar on the terminal.
    """
    t0 = time.perf_counter()
    data = Path(data_dir) if data_dir is not None else config.data_dir()
    target = Path(store) if store is not None else config.store_path()
    modules = list(loaders) if loaders is not None else loader_modules()
    fingerprint, files = input_fingerprint(data, modules)
    if not force and _current_fingerprint(target) == fingerprint:
        return BuildReport(target, False, time.perf_counter() - t0, fingerprint=fingerprint)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    built_at = datetime.now(UTC).replace(tzinfo=None)
    rows: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            for stmt in create_statements():
                con.execute(stmt)
            prov_rows = []
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                          disable=not progress, transient=False) as bar:
                derived = derived_modules()
                task = bar.add_task("building store", total=len(modules) + len(derived) + 2)
                steps: list[tuple[str, object]] = [("country reference", None)]
                steps += [(m.__name__.rsplit(".", 1)[-1], m) for m in modules]
                for label, mod in steps:
                    bar.update(task, description=f"loading {label}")
                    tables = _reference_tables() if mod is None else mod.load(data)  # type: ignore[attr-defined]
                    for st in tables:
                        _insert(con, st.table, st.frame, f"source {st.provenance.source}")
                        rows[st.table] = rows.get(st.table, 0) + len(st.frame)
                        p = st.provenance
                        prov_rows.append((p.source, p.edition, p.publisher, p.file, p.sha256, p.rows,
                                          json.dumps(p.dropped, sort_keys=True) if p.dropped else None,
                                          st.table, built_at))
                    bar.advance(task)
                for dmod in derived:
                    bar.update(task, description=f"deriving {dmod.__name__.split('.')[1]}")
                    for st in dmod.build(con, files):
                        _insert(con, st.table, st.frame, f"derived {st.provenance.source}")
                        rows[st.table] = rows.get(st.table, 0) + len(st.frame)
                        p = st.provenance
                        prov_rows.append((p.source, p.edition, p.publisher, p.file, p.sha256, p.rows,
                                          None, st.table, built_at))
                    bar.advance(task)
                bar.update(task, description="checking keys and country codes")
                _check_keys(con)
                _check_codes(con)
                con.executemany("INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", prov_rows)
                meta = {"fingerprint": fingerprint, "labourlink_version": __version__,
                        "schema": _schema_hash(), "data_dir": str(data),
                        "files": json.dumps(files, sort_keys=True),
                        "build_seconds": f"{time.perf_counter() - t0:.2f}"}
                con.executemany("INSERT INTO build_meta VALUES (?, ?)", list(meta.items()))
                con.execute("CHECKPOINT")
                bar.advance(task)
        finally:
            con.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
        raise
    return BuildReport(target, True, time.perf_counter() - t0, rows, fingerprint)


__all__ = ["BuildReport", "build_store", "input_fingerprint"]
