"""The dashboard's long jobs, run in a worker process (:mod:`labourlink.web.jobs`).

Each ``job_<kind>(con, **payload)`` takes a cursor on the worker's read-only store connection and
JSON-able arguments (already validated by the server), and returns a JSON-able dict.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from labourlink.web.queries import records


def design_file_name(name: str) -> str:
    """File name of a design's YAML (the scenario name, safe for any file system)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "scenario"
    return f"{stem[:80]}.yaml"


def job_design(con: duckdb.DuckDBPyConnection, spec: dict[str, Any], draws: int,
               seed: int, revision: str) -> dict[str, Any]:
    """Run a designed scenario exactly as ``labourlink scenario run FILE --draws D --seed S``.

    ``revision`` (UN DESA stock revision) applies when the design does not set its own; it is
    then written into the design, so the downloaded file reads the same stocks.

    Returns the CLI's JSON (``json``, the text ``--format json`` prints), the result CSV
    (``to_frame()``, every country of the GE world), the ledger with intervals, the parties'
    outputs, the notes, the trade-cost coefficients used and the YAML file to download.
    """
    from labourlink.scenarios.design import ledger_with_intervals
    from labourlink.scenarios.inputs import load_inputs
    from labourlink.scenarios.mobility import run_scenario
    from labourlink.scenarios.spec import parse_spec, spec_to_yaml

    file_name = design_file_name(str(spec.get("name", "")))
    sc = parse_spec(spec, origin=file_name)
    if sc.revision is None:
        # the page's revision, written into the file so that the CLI reads the same stocks
        sc = sc.model_copy(update={"revision": revision})
    data = load_inputs(con, sc)
    res = run_scenario(sc, data, draws=draws, seed=seed)
    frame = res.to_frame()
    parties = [*sc.senders, *sc.receivers]
    rows = []
    for c in parties:
        rec: dict[str, Any] = {"iso3": c, "role": "sender" if c in sc.senders else "receiver"}
        rec.update({k: _num(v) for k, v in frame.loc[c].items()})
        rows.append(rec)
    tc = res.trade_cost
    header = (f"labourlink scenario file, written by the agreement designer (labourlink serve).\n"
              f"Run it with: labourlink scenario run {file_name} --draws {draws} --seed {seed}")
    return {
        "scenario": sc.name, "draws": draws, "seed": seed, "revision": res.revision,
        "remittance_matrix": res.remittance_matrix,
        "spec": sc.model_dump(mode="json"),
        "file_name": file_name,
        "yaml": spec_to_yaml(sc, header),
        "json": res.to_json(),
        "csv": frame.to_csv(float_format="%.10g"),
        "parties": rows,
        "ledger": records(ledger_with_intervals(res)),
        "labour_market": records(res.labour),
        "stock_path": records(res.stock_path()),
        "region": list(res.region),
        "region_real_gdp_pct": _num(res.region_real_gdp_pct),
        "notes": list(res.notes),
        "trade_cost": None if tc is None else {
            "migration_elasticity": _num(tc.migration_elasticity),
            "rta_effect": _num(tc.rta_effect), "note": tc.note, "fallback": bool(tc.fallback)},
        "countries": len(frame),
        "baseline": {"trade_source": data.trade_source, "trade_year": int(data.year),
                     "stock_year": None if data.stock_year is None else int(data.stock_year)},
    }


def job_agreement(con: duckdb.DuckDBPyConnection, members: list[str], year: int | None,
                  draws: int, sigma: float, seed: int) -> dict[str, Any]:
    """The trade-agreement scenario of :mod:`labourlink.report.scenario`."""
    from labourlink.report.scenario import AgreementSpec, run_agreement
    from labourlink.web.queries import provenance_of

    spec = AgreementSpec(members=tuple(members), year=year, draws=draws, sigma=sigma, seed=seed)
    res = run_agreement(con, spec)
    return {"source": res.source, "year": res.year, "members": list(members),
            "draws": draws, "converged": res.converged, "summary": res.summary(),
            "estimates": records(res.estimates), "results": records(res.tidy()),
            "provenance": provenance_of(con, [res.source, "cepii_geodist"])}


def job_mobility(con: duckdb.DuckDBPyConnection, example: str, draws: int,
                 workers_per_year: float | None, years_in_force: int | None,
                 seed: int) -> dict[str, Any]:
    """A shipped example, optionally adjusted (:func:`labourlink.report.mobility.run_example`)."""
    from labourlink.report.mobility import run_example

    res = run_example(con, example, draws=draws, workers_per_year=workers_per_year,
                      years_in_force=years_in_force, seed=seed)
    return {**res.to_json_dict("parties"), "summary": res.summary(),
            "ledger": records(res.ledger())}


def job_model(con: duckdb.DuckDBPyConnection, preset: str, year: int | None) -> dict[str, Any]:
    """Estimate a model preset (:func:`labourlink.report.models.run_preset`)."""
    from labourlink.report.models import run_preset

    out: dict[str, Any] = run_preset(con, preset, year)
    return out


def job_wait(con: duckdb.DuckDBPyConnection, seconds: float, busy: bool = False) -> dict[str, Any]:
    """A job that only takes time (at most 30 s): checks of the job bounds and of the worker.

    ``busy``: spin the CPU instead of sleeping (a stand-in for a scenario run). Not reachable
    from any endpoint.
    """
    import os
    import time

    end = time.monotonic() + min(max(seconds, 0.0), 30.0)
    spins = 0
    while time.monotonic() < end:
        if busy:
            spins += sum(range(10_000)) > 0
        else:
            time.sleep(0.01)
    return {"pid": os.getpid(), "spins": spins}


def _num(v: Any) -> float | None:
    from labourlink.web.queries import _num as num

    return num(v)
