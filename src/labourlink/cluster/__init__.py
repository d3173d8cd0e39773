"""labourlink.cluster: run independent tasks (bootstrap replicates, country briefs) on Dask.

The API is one function and three small objects::

    from labourlink.cluster import (RunnerOptions, TaskData, replicate_rng, results_path,
                                    run_tasks)

    def task(data: TaskData, key: int) -> dict:   # module level, so workers can import it
        df = data.frames["panel"]                  # shipped once, read once per worker
        rng = replicate_rng(data.extra["seed"], key)
        return {"value": float(...)}               # JSON-serializable

    key = {"what": "my run", "seed": 0, "data": TaskData(...).fingerprint()}
    out = run_tasks(task, range(199), data=TaskData({"panel": df}, {"seed": 0}),
                    options=RunnerOptions(workers=2),           # or scheduler="tcp://HOST:PORT"
                    run_key=key, results=results_path("my-run", key), label="replicates")

* :class:`RunnerOptions`: in this process (default), ``workers=K`` (a local cluster of K
  processes) or ``scheduler=ADDR`` (a running Dask cluster); progress bar on or off; how data is
  shipped. The CLI options ``--workers`` and ``--scheduler`` build it
  (:func:`labourlink.cluster.cli.runner_options`).
* :class:`TaskData`: named DataFrames and one picklable ``extra`` object, shipped to the workers
  once (Parquet files, or one scatter).
* :func:`run_tasks` / :class:`Runner` ``.map``: runs the tasks, saves each result to the results
  file as it arrives (a rerun with the same file and ``run_key`` computes only what is missing),
  shows done/total and time left, stops cleanly on Ctrl-C, survives lost workers.
* :func:`replicate_rng`: the random stream of replicate ``r`` under seed ``S``, the same in
  every process and whatever the order of completion.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["DataRef", "ResultsFile", "Runner", "RunnerOptions", "TaskData", "TaskFunction",
           "code_digest", "replicate_rng", "results_path", "run_digest", "run_tasks", "runs_dir"]

if TYPE_CHECKING:
    from labourlink.cluster.data import DataRef, TaskData
    from labourlink.cluster.results import ResultsFile, results_path, run_digest, runs_dir
    from labourlink.cluster.runner import (
        Runner,
        RunnerOptions,
        TaskFunction,
        code_digest,
        run_tasks,
    )
    from labourlink.cluster.seeds import replicate_rng

_HOME = {"DataRef": "data", "TaskData": "data", "ResultsFile": "results",
         "results_path": "results", "run_digest": "results", "runs_dir": "results",
         "Runner": "runner", "RunnerOptions": "runner", "TaskFunction": "runner",
         "code_digest": "runner", "run_tasks": "runner", "replicate_rng": "seeds"}


def __getattr__(name: str) -> Any:
    # lazy: the CLI imports labourlink.cluster.cli at start-up, which must stay cheap
    if name in _HOME:
        return getattr(importlib.import_module(f"labourlink.cluster.{_HOME[name]}"), name)
    raise AttributeError(f"module 'labourlink.cluster' has no attribute {name!r}")
