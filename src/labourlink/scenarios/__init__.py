"""labourlink.scenarios: general-equilibrium counterfactuals and labour-mobility agreement scenarios.

``solve(baseline, shock, config) -> ScenarioResult`` is the structural-gravity GE core (Yotov et
al. 2016, chapter 2; :mod:`labourlink.scenarios.ge`). Labour-mobility agreements are YAML files
(:mod:`labourlink.scenarios.spec`) run through the chain in :mod:`labourlink.scenarios.mobility`
on store inputs (:mod:`labourlink.scenarios.inputs`); the CLI is ``labourlink scenario``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "GEConfig",
    "MobilityResult",
    "Scenario",
    "ScenarioResult",
    "estimate_costs",
    "load_inputs",
    "load_spec",
    "run_scenario",
    "solve",
]

if TYPE_CHECKING:
    from labourlink.scenarios.ge import GEConfig, ScenarioResult, solve
    from labourlink.scenarios.inputs import load_inputs
    from labourlink.scenarios.mobility import MobilityResult, run_scenario
    from labourlink.scenarios.ppml import estimate_costs
    from labourlink.scenarios.spec import Scenario, load_spec

_HOME = {
    "GEConfig": "ge", "ScenarioResult": "ge", "solve": "ge", "load_inputs": "inputs",
    "MobilityResult": "mobility", "run_scenario": "mobility", "estimate_costs": "ppml",
    "Scenario": "spec", "load_spec": "spec",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(f"labourlink.scenarios.{_HOME[name]}"), name)
    raise AttributeError(f"module 'labourlink.scenarios' has no attribute {name!r}")
