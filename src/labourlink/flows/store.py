"""Estimated flows as derived store tables: built with the store, read back by :func:`read_flows`.

:func:`build` runs inside the atomic store build (:mod:`labourlink.store.build`) after every
loader: for each revision whose stock source is in the store, and each method, it estimates every
period with the default :class:`~labourlink.flows.spec.FlowParams` and returns rows for
``migration_flow`` (positive flows, persons) and ``flow_provenance`` (stock source, parameters,
every input file with its sha256). The store's build fingerprint covers those input files and
:data:`VERSION`, so the tables are rebuilt whenever an input file or the estimators change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd

from labourlink import __version__
from labourlink.errors import EstimationError, StoreError
from labourlink.flows.results import PeriodEstimate
from labourlink.flows.spec import METHODS, FlowParams, check_method, check_revision, revisions
from labourlink.sources.base import Provenance, SourceTable

#: Source id of the derived rows (``migration_flow.source``, ``provenance.source``).
SOURCE = "labourlink_flows"
#: Bump when an estimator or its defaults change: it enters the store's build fingerprint.
VERSION = "flows-3"
#: Tables this module writes.
TABLES = ("migration_flow", "flow_provenance")
WPP_MODULE = "labourlink.sources.wpp2024"


def _stock_module_files(source: str) -> list[str]:
    """Raw files (data-dir relative paths) of the loader whose ``SOURCE`` is ``source``."""
    from labourlink.sources import loader_modules

    for mod in loader_modules():
        if getattr(mod, "SOURCE", None) == source:
            return [rf.path for rf in getattr(mod, "FILES", ())]
    return []


def _input_files(source: str) -> list[str]:
    import importlib

    wpp = importlib.import_module(WPP_MODULE)
    return _stock_module_files(source) + [rf.path for rf in wpp.FILES]


def _has_rows(con: duckdb.DuckDBPyConnection, sql: str, args: Sequence[object]) -> bool:
    return con.execute(sql, list(args)).fetchone() is not None


def build(con: duckdb.DuckDBPyConnection, files: Mapping[str, str]) -> list[SourceTable]:
    """Derived ``migration_flow`` and ``flow_provenance`` rows for every revision in the store.

    Parameters
    ----------
    con
        The store being built (its loaders have run).
    files
        Data-dir relative path -> sha256 of every raw file the build read.

    Returns
    -------
    list[SourceTable]
        Per revision and method, the flows and their provenance. Empty when the store lacks
        WPP 2024 components or every revision's stocks (e.g. a partial test build).
    """
    from labourlink.flows.estimate import estimate_period
    from labourlink.flows.inputs import load_inputs, periods

    if not _has_rows(con, "SELECT 1 FROM wpp_component WHERE source = 'wpp2024' LIMIT 1", ()):
        return []
    params = FlowParams()
    built_at = datetime.now(UTC).replace(tzinfo=None)
    out: list[SourceTable] = []
    for rev, source in sorted(revisions().items()):
        if not _has_rows(con, "SELECT 1 FROM migrant_stock WHERE source = ? LIMIT 1", [source]):
            continue
        inputs = load_inputs(con, rev, periods(con, rev))
        pb: dict[tuple[int, int], PeriodEstimate | EstimationError] = {}
        for inp in inputs:
            try:
                pb[(inp.start, inp.end)] = estimate_period(inp, "da_pb_closed", params)
            except EstimationError as exc:  # recorded as the method's status, not fatal
                pb[(inp.start, inp.end)] = exc
        in_files = {p: files[p] for p in _input_files(source) if p in files}
        digest = json.dumps(in_files, sort_keys=True)
        combined = hashlib.sha256(digest.encode()).hexdigest()
        for method in METHODS:
            frames = [_empty_flows()]
            status = "ok"
            try:
                for inp in inputs:
                    pb_est = pb[(inp.start, inp.end)]
                    if isinstance(pb_est, EstimationError):
                        if method in ("da_pb_closed", "mig_rate"):
                            raise pb_est
                        est = estimate_period(inp, method, params)
                    elif method == "da_pb_closed":
                        est = pb_est
                    else:
                        est = estimate_period(inp, method, params, mig_rate_total=pb_est.total)
                    frames.append(_flow_rows(est, rev, method))
            except EstimationError as exc:
                status = f"not estimated: {exc}"
                frames = [_empty_flows()]
            frame = pd.concat(frames, ignore_index=True)
            frame["period_start"] = frame["period_start"].astype("int64")
            frame["period_end"] = frame["period_end"].astype("int64")
            prm = params.for_method(method)
            prov = Provenance(SOURCE, f"{method} revision {rev} ({VERSION}, labourlink "
                              f"{__version__})", "labourlink (derived from the store)",
                              f"migrant_stock[{source}] + wpp_component[wpp2024]", combined,
                              len(frame), {})
            out.append(SourceTable("migration_flow", frame, prov))
            meta = pd.DataFrame([{
                "revision": rev, "method": method, "stock_source": source,
                "parameters": json.dumps(prm, sort_keys=True),
                "inputs": digest, "rows": len(frame), "status": status,
                "labourlink_version": __version__,
                "built_at": built_at}])
            out.append(SourceTable("flow_provenance", meta, Provenance(
                SOURCE, f"{method} revision {rev}", "labourlink (derived from the store)",
                f"migrant_stock[{source}] + wpp_component[wpp2024]", combined, 1, {})))
    return out


def _empty_flows() -> pd.DataFrame:
    return pd.DataFrame({"origin": pd.Series(dtype=str), "destination": pd.Series(dtype=str),
                         "period_start": pd.Series(dtype="int64"),
                         "period_end": pd.Series(dtype="int64"), "method": pd.Series(dtype=str),
                         "revision": pd.Series(dtype=str), "flow": pd.Series(dtype=float),
                         "source": pd.Series(dtype=str)})


def _flow_rows(est: PeriodEstimate, rev: str, method: str) -> pd.DataFrame:
    """Positive flows of one period estimate as ``migration_flow`` rows."""
    codes = np.asarray(est.codes, dtype=object)
    i, j = np.nonzero(est.flows > 0)
    return pd.DataFrame({"origin": codes[i].astype(str), "destination": codes[j].astype(str),
                         "period_start": np.int64(est.start), "period_end": np.int64(est.end),
                         "method": method, "revision": rev, "flow": est.flows[i, j],
                         "source": SOURCE})


def read_flows(revision: str | int | None = None, method: str | None = None,
               period: str | tuple[int, int] | None = None,
               con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Stored flow estimates (``migration_flow``) as a tidy frame, persons.

    Parameters
    ----------
    revision
        ``"2024"``, ``"2020"`` (default: the newest revision).
    method
        One method name, or ``None`` for every method.
    period
        ``"2020-2024"`` or ``(2020, 2024)``, or ``None`` for every period.
    con
        Store connection (default: read-only ``LABOURLINK_STORE``).

    Returns
    -------
    pandas.DataFrame
        Columns ``origin, destination, period_start, period_end, method, revision, flow``
        (the same rows :func:`labourlink.flows.estimate` gives with default settings).
    """
    from labourlink.flows.results import TIDY_COLUMNS
    from labourlink.flows.spec import parse_period
    from labourlink.trends._common import get_connection

    rev = check_revision(revision)
    where = ["revision = ?"]
    args: list[object] = [rev]
    if method is not None:
        where.append("method = ?")
        args.append(check_method(method))
    if period is not None:
        a, b = parse_period(period)
        where += ["period_start = ?", "period_end = ?"]
        args += [a, b]
    own = con is None
    c = get_connection(con)
    try:
        status = dict(c.execute("SELECT method, status FROM flow_provenance WHERE revision = ?",
                                [rev]).fetchall())
        if not status:
            raise StoreError(f"the store has no flow estimates for revision {rev}: rebuild it "
                             "with `labourlink data build --force` (needs the stock tables and "
                             "wpp2024_components)")
        failed = {m: s for m, s in status.items()
                  if s != "ok" and (method is None or m == method)}
        if failed:
            raise StoreError(f"revision {rev}: " + "; ".join(f"{m} {s}" for m, s in failed.items()))
        df = c.execute(f"SELECT {', '.join(TIDY_COLUMNS)} FROM migration_flow WHERE "
                       f"{' AND '.join(where)} ORDER BY method, period_start, origin, destination",
                       args).df()
    finally:
        if own:
            c.close()
    if period is not None and df.empty:
        from labourlink.errors import InvalidArgumentError

        raise InvalidArgumentError("period", period, f"a period of revision {rev}")
    df["period_start"] = df["period_start"].astype("int64")
    df["period_end"] = df["period_end"].astype("int64")
    return df


def stored_provenance(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The ``flow_provenance`` table (one row per revision and method)."""
    return con.execute("SELECT * FROM flow_provenance ORDER BY revision, method").df()


__all__ = ["SOURCE", "TABLES", "VERSION", "build", "read_flows", "stored_provenance"]
