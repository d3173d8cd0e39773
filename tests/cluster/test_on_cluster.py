"""On a real Dask cluster: a scheduler and two worker processes started on 127.0.0.1 as separate
programs (``dask scheduler``, ``dask worker``), as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cluster_helpers import LocalDask, computed, counted_replicate, draw_task, start_dask
from panels import gravity_panel

from labourlink.cluster import Runner, RunnerOptions, TaskData, results_path, run_tasks
from labourlink.cluster.data import DataRef
from labourlink.errors import ClusterError
from labourlink.gravity.bootstrap import bootstrap_ppml, task_data

FORMULA = "trade ~ lmig + rta + ldist | exp^year + imp^year"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return gravity_panel(20, 4, seed=3)


def test_twenty_replicates_on_the_cluster_equal_in_process(dask_cluster: LocalDask,
                                                           panel: pd.DataFrame,
                                                           tmp_path: Path) -> None:
    here = bootstrap_ppml(panel, FORMULA, replicates=20, seed=11, keep=False,
                          options=RunnerOptions(progress=False))
    there = bootstrap_ppml(panel, FORMULA, replicates=20, seed=11, results_dir=tmp_path,
                           options=RunnerOptions(scheduler=dask_cluster.address,
                                                 progress=False, runs_dir=tmp_path))
    pd.testing.assert_frame_equal(here.draws, there.draws, check_exact=True)
    pd.testing.assert_frame_equal(here.tidy(), there.tidy(), check_exact=True)
    assert there.n_converged == 20
    assert here.draws[["lmig", "rta", "ldist"]].std().gt(0).all()  # replicates differ
    # both workers took part
    assert there.results_file is not None
    lines = there.results_file.read_text().splitlines()[1:]
    assert len({json.loads(x)["worker"] for x in lines}) == 2


def test_resume_on_the_cluster_after_an_interrupted_run(dask_cluster: LocalDask,
                                                        tmp_path: Path) -> None:
    import numpy as np

    td = TaskData({"x": pd.DataFrame({"v": np.arange(40.0)})},
                  {"seed": 2, "counter": str(tmp_path / "counter"), "sleep": 0.3})
    opts = RunnerOptions(scheduler=dask_cluster.address, progress=False, runs_dir=tmp_path)
    key = {"test": "cluster-resume"}
    path = results_path("resume", key, tmp_path)
    n = 20
    reference = run_tasks(draw_task, range(n), data=TaskData(td.frames, {**td.extra, "sleep": 0,
                          "counter": str(tmp_path / "c0")}), options=RunnerOptions(progress=False))
    got: list[object] = []

    def interrupt(k: object, v: object) -> None:
        got.append(k)
        if len(got) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks(draw_task, range(n), data=td, options=opts, results=path, run_key=key,
                  on_result=interrupt)
    saved = [json.loads(x)["key"] for x in path.read_text().splitlines()[1:]]
    first = computed(tmp_path / "counter")
    out = run_tasks(draw_task, range(n), data=td, options=opts, results=path, run_key=key)
    assert out == reference
    second = computed(tmp_path / "counter")
    rest = list(second)
    for k in first:
        rest.remove(k)
    assert sorted(map(int, rest)) == sorted(set(range(n)) - set(saved))
    assert sorted(map(int, second)) == list(range(n))  # no replicate computed twice


def test_worker_that_cannot_read_the_data(dask_cluster: LocalDask, tmp_path: Path) -> None:
    missing = tmp_path / "not-shared" / "abc"
    ref = DataRef("abc", str(missing), (("frame", "x", "0" * 64),))
    with pytest.raises(ClusterError) as err:
        run_tasks(draw_task, range(3), data=ref,
                  options=RunnerOptions(scheduler=dask_cluster.address, progress=False))
    msg = str(err.value)
    assert "2 of 2 workers cannot read the run data" in msg
    assert str(missing / "x.parquet") in msg and "tcp://127.0.0.1:" in msg
    assert "shared" in msg and "scatter" in msg  # says how to fix it


def test_a_killed_worker_costs_only_its_running_replicate(panel: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    td0 = task_data(panel, FORMULA, "pair", 11)
    td = TaskData(td0.frames, {"cfg": td0.extra, "counter": str(tmp_path / "counter"),
                               "sleep": 0.3})
    here = run_tasks(counted_replicate, range(20), data=TaskData(
        td0.frames, {"cfg": td0.extra, "counter": str(tmp_path / "c0")}),
        options=RunnerOptions(progress=False))
    cl = start_dask(2, tmp_path)
    try:
        victim = {"done": False}

        def kill_after_four(k: object, v: object) -> None:
            if len(computed(tmp_path / "counter")) >= 6 and not victim["done"]:
                victim["done"] = True
                cl.kill_worker(0)

        with Runner(RunnerOptions(scheduler=cl.address, progress=False, runs_dir=tmp_path)) as r:
            there = r.map(counted_replicate, range(20), data=td, on_result=kill_after_four)
            left = r.client.scheduler_info()["workers"]
        assert victim["done"]
        assert len(left) == 1  # the run finished on the other worker
        assert there == here  # same numbers
        n = computed(tmp_path / "counter")
        # each replicate once, plus at most the one the killed worker was running (1 thread)
        assert sorted(set(map(int, n))) == list(range(20)) and len(n) <= 21
    finally:
        cl.close()


def test_worker_with_another_labourlink_is_refused(tmp_path: Path) -> None:
    preload = tmp_path / "old_labourlink.py"
    preload.write_text("import labourlink\nlabourlink.__version__ = '0.0.1'\n")
    cl = start_dask(2, tmp_path, preload=[None, preload])
    try:
        with pytest.raises(ClusterError) as err:
            run_tasks(draw_task, range(3), data=TaskData(extra={"seed": 1, "counter": "x"}),
                      options=RunnerOptions(scheduler=cl.address, progress=False,
                                            runs_dir=tmp_path))
        msg = str(err.value)
        assert "1 of 2 workers run another labourlink" in msg
        assert "runs labourlink 0.0.1, the client 0.1.0" in msg and "tcp://127.0.0.1:" in msg
    finally:
        cl.close()
