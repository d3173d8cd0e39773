"""Largest flows into, out of and within a group of countries, compared across methods.

The six estimators differ widely (Abel and Cohen 2019): stock differencing sees only net growth
of each diaspora, the minimum-migration estimators the fewest moves that reconcile the stock
tables with births and deaths, the pseudo-Bayes estimator adds return and onward moves. The
spread between them is a finding in itself, so every corridor is shown under every method.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError
from labourlink.flows.spec import (
    METHODS,
    REFERENCE_METHOD,
    FlowParams,
    check_method,
    check_revision,
    parse_period,
)

SIDES: tuple[str, ...] = ("into", "out_of", "within")
#: Columns of :meth:`CorridorsResult.tidy`.
CORRIDOR_COLUMNS = ("group", "side", "period_start", "period_end", "rank", "origin", "destination",
                    "method", "revision", "flow", "flow_per_year")
#: Columns of :func:`group_totals`.
TOTAL_COLUMNS = ("group", "side", "period_start", "period_end", "method", "revision", "flow",
                 "flow_per_year")


def _stored(con: duckdb.DuckDBPyConnection, rev: str) -> bool:
    try:
        row = con.execute("SELECT count(*) FROM flow_provenance WHERE revision = ?",
                          [rev]).fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


def all_flows(revision: str | int | None = None, *, methods: Sequence[str] | None = None,
              period: str | tuple[int, int] | None = None, params: FlowParams | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Tidy flows of several methods (stored estimates when the settings are the defaults).

    Returns the columns of :data:`labourlink.flows.TIDY_COLUMNS`, persons.
    """
    from labourlink.flows.estimate import estimate
    from labourlink.flows.store import read_flows
    from labourlink.trends._common import get_connection

    rev = check_revision(revision)
    ms = list(METHODS) if methods is None else [check_method(m) for m in methods]
    prm = params or FlowParams()
    own = con is None
    c = get_connection(con)
    try:
        if prm == FlowParams() and _stored(c, rev):
            df = read_flows(rev, None, period, con=c)
            df = df[df["method"].isin(ms)].reset_index(drop=True)
        else:
            df = pd.concat([estimate(m, revision=rev, period=period, params=prm, con=c).tidy()
                            for m in ms], ignore_index=True)
    finally:
        if own:
            c.close()
    return df


def _sides(df: pd.DataFrame, members: set[str]) -> pd.DataFrame:
    o = df["origin"].isin(members)
    d = df["destination"].isin(members)
    side = np.select([~o & d, o & ~d, o & d], list(SIDES), default="")
    out = df.assign(side=side)
    return out[out["side"] != ""]


def group_totals(group: str | Sequence[str] = "ESCAP", *, revision: str | int | None = None,
                 methods: Sequence[str] | None = None, period: str | tuple[int, int] | None = None,
                 params: FlowParams | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Total flows into, out of and within ``group`` per period and method (persons).

    Parameters
    ----------
    group
        A ``country_group`` code (``"ESCAP"``, ``"SEA"``, ...), an ISO3 code or a list of them.
    revision, methods, period, params, con
        As in :func:`corridors`.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, side, period_start, period_end, method, revision, flow,
        flow_per_year`` (``side``: ``into``, ``out_of``, ``within``).
    """
    from labourlink.trends._common import get_connection, resolve_group

    own = con is None
    c = get_connection(con)
    try:
        g = resolve_group(c, group)
        df = all_flows(revision, methods=methods, period=period, params=params, con=c)
    finally:
        if own:
            c.close()
    rev = check_revision(revision)
    ms = list(METHODS) if methods is None else [check_method(m) for m in methods]
    return _totals(df, g.code, set(g.members), ms, rev)


def _totals(df: pd.DataFrame, code: str, members: set[str], ms: Sequence[str],
            rev: str) -> pd.DataFrame:
    """Per side, period and method totals of tidy flows (zeros where a method has none)."""
    s = _sides(df, members)
    tot = s.groupby(["side", "period_start", "period_end", "method"], as_index=False)["flow"].sum()
    keys = df[["period_start", "period_end"]].drop_duplicates()
    grid = pd.MultiIndex.from_product([list(SIDES), range(len(keys)), ms],
                                      names=["side", "k", "method"]).to_frame(index=False)
    grid = grid.join(keys.reset_index(drop=True), on="k").drop(columns="k")
    out = grid.merge(tot, on=["side", "period_start", "period_end", "method"], how="left")
    out["flow"] = out["flow"].fillna(0.0)
    out["group"] = code
    out["revision"] = rev
    out["flow_per_year"] = out["flow"] / (out["period_end"] - out["period_start"])
    out["side"] = pd.Categorical(out["side"], list(SIDES), ordered=True)
    out["method"] = pd.Categorical(out["method"], ms, ordered=True)
    out = out.sort_values(["side", "period_start", "method"]).reset_index(drop=True)
    out["side"] = out["side"].astype(str)
    out["method"] = out["method"].astype(str)
    return out[list(TOTAL_COLUMNS)]


class CorridorsResult:
    """Largest corridors into, out of and within a group, under every method (read-only).

    ``tidy()`` has one row per corridor, period and method; ``to_frame()`` one row per corridor
    and period with a column per method and the spread between methods; ``totals()`` the
    group's total flows per side, period and method.
    """

    __slots__ = ("_group", "_revision", "_rank_by", "_n", "_tidy", "_totals", "_names")

    def __init__(self, group: str, revision: str, rank_by: str, n: int, tidy: pd.DataFrame,
                 totals: pd.DataFrame, names: dict[str, str]) -> None:
        self._group = group
        self._revision = revision
        self._rank_by = rank_by
        self._n = n
        self._tidy = tidy
        self._totals = totals
        self._names = names

    @property
    def group(self) -> str:
        """Group label."""
        return self._group

    @property
    def revision(self) -> str:
        """UN DESA revision label."""
        return self._revision

    @property
    def rank_by(self) -> str:
        """Method the corridors are ranked by."""
        return self._rank_by

    def tidy(self) -> pd.DataFrame:
        """Columns ``group, side, period_start, period_end, rank, origin, destination, method,
        revision, flow, flow_per_year`` (persons; ``rank`` by :attr:`rank_by`)."""
        return self._tidy.copy()

    def totals(self) -> pd.DataFrame:
        """The group's total flows per side, period and method (:func:`group_totals`)."""
        return self._totals.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per corridor and period: names, a flow column per method (persons), and
        ``min_flow``, ``max_flow`` and ``max_over_min`` across the methods (NaN when a method
        gives no flow)."""
        t = self._tidy
        if t.empty:
            return pd.DataFrame(columns=["group", "side", "period_start", "period_end", "rank",
                                         "origin", "destination"])
        methods = list(dict.fromkeys(t["method"]))
        wide = t.pivot_table(index=["group", "side", "period_start", "period_end", "rank",
                                    "origin", "destination"], columns="method", values="flow",
                             aggfunc="sum", observed=True)
        wide = wide.reindex(columns=methods).reset_index()
        wide.columns.name = None
        vals = wide[methods].to_numpy(dtype=float)
        wide["min_flow"] = vals.min(axis=1)
        wide["max_flow"] = vals.max(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = wide["max_flow"] / wide["min_flow"]
        wide["max_over_min"] = ratio.where(wide["min_flow"] > 0)
        wide.insert(wide.columns.get_loc("origin") + 1, "origin_name",
                    wide["origin"].map(self._names))
        wide.insert(wide.columns.get_loc("destination") + 1, "destination_name",
                    wide["destination"].map(self._names))
        order = {s: i for i, s in enumerate(SIDES)}
        wide = wide.sort_values(["side", "period_start", "rank"],
                                key=lambda c: c.map(order) if c.name == "side" else c)
        return wide.reset_index(drop=True)

    def summary(self) -> str:
        """Totals per side and method for each period, then the top corridors of the last."""
        tot = self._totals
        lines = [f"Migration flows of {self._group}, UN DESA revision {self._revision} with WPP "
                 f"2024 (persons; 2020-24 is four years). Ranked by {self._rank_by}."]
        for side in SIDES:
            sub = tot[tot["side"] == side]
            if sub.empty:
                continue
            piv = sub.pivot_table(index=["period_start", "period_end"], columns="method",
                                  values="flow", observed=True)
            lines.append(f"\n{side.replace('_', ' ')} {self._group}: total flows (millions)")
            lines.append("period     " + "".join(f"{m:>15}" for m in piv.columns))
            for (a, b), row in piv.iterrows():
                lines.append(f"{a}-{b}  " + "".join(f"{v / 1e6:>15.2f}" for v in row))
        wide = self.to_frame()
        if not wide.empty:
            last = wide["period_start"].max()
            for side in SIDES:
                sub = wide[(wide["side"] == side) & (wide["period_start"] == last)]
                if sub.empty:
                    continue
                end = int(sub["period_end"].iloc[0])
                lines.append(f"\nlargest flows {side.replace('_', ' ')} {self._group}, "
                             f"{last}-{end} ({self._rank_by}; min-max over methods)")
                for r in sub.itertuples(index=False):
                    lines.append(f"{r.rank:>3}. {r.origin}->{r.destination} "
                                 f"{getattr(r, self._rank_by):>12,.0f}   "
                                 f"[{r.min_flow:,.0f} - {r.max_flow:,.0f}]")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"CorridorsResult(group={self._group!r}, revision={self._revision!r}, "
                f"rank_by={self._rank_by!r}, n={self._n})")


def corridors(group: str | Sequence[str] = "ESCAP", *, revision: str | int | None = None,
              period: str | tuple[int, int] | None = None, methods: Sequence[str] | None = None,
              n: int = 10, rank_by: str = REFERENCE_METHOD, params: FlowParams | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> CorridorsResult:
    """The ``n`` largest flows into, out of and within ``group`` per period, every method shown.

    Parameters
    ----------
    group
        A ``country_group`` code (``"ESCAP"``, ``"SEA"``, ...), an ISO3 code or a list of them.
    revision
        ``"2024"`` or ``"2020"`` (default: the newest).
    period
        One period (``"2020-2024"``) or ``None`` for every period of the revision.
    methods
        Methods to compare (default: all six).
    n
        Corridors per side and period.
    rank_by
        Method whose flows rank the corridors (default ``da_pb_closed``; must be in ``methods``).
    params
        Estimator settings; the defaults read the stored estimates.
    con
        Store connection (default: read-only ``LABOURLINK_STORE``).

    Returns
    -------
    CorridorsResult
        Flows in persons over each period (``flow_per_year`` divides by its length).
    """
    from labourlink.trends._common import country_names, get_connection, resolve_group

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgumentError("n", n, "a positive integer")
    rev = check_revision(revision)
    ms = list(METHODS) if methods is None else [check_method(m) for m in methods]
    check_method(rank_by)
    if rank_by not in ms:
        raise InvalidArgumentError("rank_by", rank_by, ms)
    if period is not None:
        parse_period(period)
    own = con is None
    c = get_connection(con)
    try:
        g = resolve_group(c, group)
        df = all_flows(rev, methods=ms, period=period, params=params, con=c)
        names = country_names(c)
    finally:
        if own:
            c.close()
    totals = _totals(df, g.code, set(g.members), ms, rev)
    s = _sides(df, set(g.members))
    ref = s[s["method"] == rank_by]
    top = (ref.sort_values(["side", "period_start", "flow", "origin", "destination"],
                           ascending=[True, True, False, True, True])
           .groupby(["side", "period_start"], sort=False).head(n))
    top = top.assign(rank=top.groupby(["side", "period_start"]).cumcount() + 1)
    keys = top[["side", "period_start", "period_end", "origin", "destination", "rank"]]
    grid = keys.merge(pd.DataFrame({"method": ms}), how="cross")
    vals = s[["side", "period_start", "origin", "destination", "method", "flow"]]
    out = grid.merge(vals, on=["side", "period_start", "origin", "destination", "method"],
                     how="left")
    out["flow"] = out["flow"].fillna(0.0)
    out["group"] = g.code
    out["revision"] = rev
    out["flow_per_year"] = out["flow"] / (out["period_end"] - out["period_start"])
    order = {sd: i for i, sd in enumerate(SIDES)}
    morder = {m: i for i, m in enumerate(ms)}
    out = out.assign(_s=out["side"].map(order), _m=out["method"].map(morder))
    out = out.sort_values(["_s", "period_start", "rank", "_m"]).drop(columns=["_s", "_m"])
    out["rank"] = out["rank"].astype("int64")
    return CorridorsResult(g.code, rev, rank_by, n, out.reset_index(drop=True)[
        list(CORRIDOR_COLUMNS)], totals, names)
