"""Model presets for the dashboard's model runner and the brief's estimates table.

Built in: ``rta_cross_section`` (:func:`labourlink.report.scenario.fit_costs`): PPML with exporter
and importer fixed effects of trade on log distance, contiguity, an international-border dummy and
an RTA dummy, on one cross-section with intra-national flows. When ``labourlink.gravity.presets``
exists and exposes ``PRESETS`` (name -> description) and ``run_preset(name, con=...)`` returning a
result with ``tidy()``, its presets are listed too.
"""

from __future__ import annotations

import importlib
from typing import Any

import duckdb

from labourlink.errors import InvalidArgumentError
from labourlink.report.scenario import ScenarioUnavailable, fit_costs, trade_sources_with_domestic
from labourlink.web.queries import provenance_of, records

BUILTIN = {
    "rta_cross_section": (
        "PPML, exporter and importer fixed effects: trade ~ ln_dist + contig + intl_border + rta "
        "(one year of a trade source with intra-national flows; robust s.e.)"),
}


def _external() -> Any | None:
    try:
        mod = importlib.import_module("labourlink.gravity.presets")
    except ImportError:
        return None
    if not hasattr(mod, "PRESETS") or not hasattr(mod, "run_preset"):
        return None
    return mod


def list_presets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Presets with a description, whether the store has their data and their years."""
    avail = trade_sources_with_domestic(con)
    out: list[dict[str, Any]] = [{
        "name": "rta_cross_section", "description": BUILTIN["rta_cross_section"],
        "available": bool(avail), "years": avail[0][1] if avail else [],
        "source": avail[0][0] if avail else None,
        "note": None if avail else "not available yet: the store has no trade source with "
                                   "intra-national flows"}]
    ext = _external()
    if ext is not None:
        for name, desc in dict(ext.PRESETS).items():
            out.append({"name": str(name), "description": str(desc), "available": True,
                        "years": [], "source": None, "note": None})
    return out


def run_preset(con: duckdb.DuckDBPyConnection, name: str, year: int | None = None) -> dict[str, Any]:
    """Estimate preset ``name``; returns the estimates table (JSON-able) and provenance."""
    if name == "rta_cross_section":
        source, yr, base, est, _ = fit_costs(con, None, year)
        return {"preset": name, "description": BUILTIN[name], "source": source, "year": yr,
                "countries": int(base["exporter"].nunique()), "estimates": records(est),
                "provenance": provenance_of(con, [source, "cepii_geodist"])}
    ext = _external()
    if ext is not None and name in dict(ext.PRESETS):
        try:
            res = ext.run_preset(name, con=con)
        except NotImplementedError as exc:
            raise ScenarioUnavailable(f"preset {name!r}: not available yet") from exc
        tidy = res.tidy()
        nobs = {label: int(getattr(r, "nobs", 0)) for label, r in res.models.items()}
        if "model" in tidy.columns:
            tidy["nobs"] = tidy["model"].map(nobs)
        return {"preset": name, "description": str(ext.PRESETS[name]),
                "source": str(getattr(res, "data", "")), "year": None,
                "estimates": records(tidy), "provenance": []}
    names = [p["name"] for p in list_presets(con)]
    raise InvalidArgumentError("preset", name, names)
