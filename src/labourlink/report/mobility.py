"""Labour-mobility agreement scenarios (``labourlink.scenarios``) for the brief and the dashboard.

Thin glue: the shipped YAML examples (``labourlink/scenarios/examples``) are listed by name, loaded
with :func:`labourlink.scenarios.spec.load_spec`, optionally adjusted (workers per year, years in
force, within the spec's own validation) and run on the store with
:func:`labourlink.scenarios.mobility.run_scenario`. Work is bounded by :data:`MAX_MOBILITY_DRAWS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from labourlink.errors import InvalidArgumentError

#: Largest number of Monte Carlo draws per dashboard request.
MAX_MOBILITY_DRAWS: int = 200


def examples() -> dict[str, Path]:
    """Name (file stem) -> path of every shipped scenario example."""
    from labourlink.scenarios import cli as scli

    return {p.stem: p for p in scli.example_paths()}


def describe_examples() -> list[dict[str, Any]]:
    """Name, title, description, senders, receivers and instrument of each example."""
    from labourlink.scenarios.spec import load_spec

    out = []
    for stem, path in examples().items():
        spec = load_spec(path)
        out.append({"example": stem, "name": spec.name, "description": spec.description.strip(),
                    "senders": list(spec.senders), "receivers": list(spec.receivers),
                    "instrument": str(spec.instrument), "workers_per_year": spec.workers_per_year,
                    "years_in_force": spec.years_in_force})
    return out


def run_example(con: duckdb.DuckDBPyConnection, example: str, *, draws: int = 50,
                workers_per_year: float | None = None, years_in_force: int | None = None,
                seed: int = 0, revision: str | None = None) -> Any:
    """Run shipped example ``example`` on the store; returns a ``MobilityResult``.

    Parameters
    ----------
    example
        File stem of a shipped example (see :func:`examples`).
    draws
        Monte Carlo draws of the trade-cost coefficients (0..:data:`MAX_MOBILITY_DRAWS`).
    workers_per_year, years_in_force
        Optional overrides (persons per year; integer years), validated by the scenario spec.
    revision
        UN DESA revision of the baseline stocks (``"2024"``, ``"2020"``; default: the spec's,
        else the newest in the store).
    """
    from labourlink.scenarios.inputs import load_inputs
    from labourlink.scenarios.mobility import run_scenario
    from labourlink.scenarios.spec import load_spec, parse_spec

    paths = examples()
    if example not in paths:
        raise InvalidArgumentError("example", example, sorted(paths))
    if not (0 <= draws <= MAX_MOBILITY_DRAWS):
        raise InvalidArgumentError("draws", draws, f"an integer in 0..{MAX_MOBILITY_DRAWS}")
    spec = load_spec(paths[example])
    if workers_per_year is not None or years_in_force is not None:
        data = spec.model_dump(mode="json")
        if workers_per_year is not None:
            data["workers_per_year"] = workers_per_year
        if years_in_force is not None:
            data["years_in_force"] = years_in_force
        spec = parse_spec(data, origin=f"{example} (adjusted)")
    inputs = (load_inputs(con, spec) if revision is None
              else load_inputs(con, spec, revision=revision))
    return run_scenario(spec, inputs, draws=draws, seed=seed)
