"""The runner in this process and on local clusters: results, resume, errors, options."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from cluster_helpers import (
    computed,
    draw_task,
    failing_task,
    free_port,
    numbers_frame,
    unserialisable_task,
)

from labourlink.cluster import (
    ResultsFile,
    Runner,
    RunnerOptions,
    TaskData,
    replicate_rng,
    results_path,
    run_tasks,
)
from labourlink.cluster.data import load_task_data, write_task_data
from labourlink.cluster.progress import eta_seconds
from labourlink.errors import ClusterError, InvalidArgumentError

QUIET = RunnerOptions(progress=False)


def _data(tmp_path: Path, seed: int = 5, sleep: float = 0.0) -> TaskData:
    return TaskData({"x": numbers_frame()}, {"seed": seed, "counter": str(tmp_path / "counter"),
                                             "sleep": sleep})


def _opts(tmp_path: Path, **kw: object) -> RunnerOptions:
    return RunnerOptions(progress=False, runs_dir=tmp_path / "runs", **kw)  # type: ignore[arg-type]


def test_replicate_stream_depends_on_seed_and_replicate_only() -> None:
    a = [replicate_rng(3, r).normal(size=4) for r in (0, 1, 2)]
    b = [replicate_rng(3, r).normal(size=4) for r in (2, 1, 0)][::-1]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(replicate_rng(4, 0).normal(size=4), a[0])
    with pytest.raises(InvalidArgumentError, match="seed"):
        replicate_rng(-1, 0)


def test_in_process_values_in_key_order_as_json(tmp_path: Path) -> None:
    td = _data(tmp_path)
    out = run_tasks(draw_task, [4, 1, 3], data=td, options=_opts(tmp_path))
    assert list(out) == [4, 1, 3]
    x = numbers_frame()["v"].to_numpy()
    s = x[replicate_rng(5, 1).integers(0, len(x), len(x))]
    assert out[1] == {"mean": float(s.mean()), "first": float(s[0])}
    assert sorted(computed(tmp_path / "counter")) == ["1", "3", "4"]


def test_resume_after_interrupt_computes_each_replicate_once(tmp_path: Path) -> None:
    n = 16
    reference = run_tasks(draw_task, range(n), data=_data(tmp_path / "ref"),
                          options=_opts(tmp_path))
    td = _data(tmp_path, sleep=0.2)  # tasks longer than a cancel takes to reach the worker
    key = {"test": "resume", "seed": 5}
    path = results_path("resume", key, tmp_path)
    seen: list[int] = []

    def stop_after_six(k: object, v: object) -> None:
        seen.append(int(k))  # type: ignore[call-overload]
        if len(seen) == 6:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread

    with pytest.raises(KeyboardInterrupt):
        run_tasks(draw_task, range(n), data=td, options=_opts(tmp_path), results=path,
                  run_key=key, on_result=stop_after_six)
    saved = [json.loads(line)["key"] for line in path.read_text().splitlines()[1:]]
    # what finished is kept: the six seen, and those finished but not yet handed over
    assert set(seen) <= set(saved) and len(saved) == len(set(saved)) < n
    first = computed(tmp_path / "counter")
    out = run_tasks(draw_task, range(n), data=td, options=_opts(tmp_path), results=path,
                    run_key=key)
    assert out == reference  # same numbers as a run never interrupted
    second = computed(tmp_path / "counter")
    again = list(second)
    for k in first:
        again.remove(k)
    # the rerun computed exactly the replicates missing from the file, each once
    assert sorted(map(int, again)) == sorted(set(range(n)) - set(saved))
    # over both runs no replicate was computed twice (the one running at the interrupt was
    # allowed to finish and kept)
    assert sorted(map(int, second)) == list(range(n))
    lines = path.read_text().splitlines()[1:]
    assert sorted(json.loads(x)["key"] for x in lines) == list(range(n))  # each key once


def test_longer_run_reuses_shorter_one(tmp_path: Path) -> None:
    td = _data(tmp_path)
    key = {"test": "extend"}
    path = results_path("extend", key, tmp_path)
    five = run_tasks(draw_task, range(5), data=td, options=_opts(tmp_path), results=path,
                     run_key=key)
    eight = run_tasks(draw_task, range(8), data=td, options=_opts(tmp_path), results=path,
                      run_key=key)
    assert {k: eight[k] for k in range(5)} == five
    assert sorted(map(int, computed(tmp_path / "counter"))) == list(range(8))
    # nothing to do: no cluster is started, nothing computed
    t0 = time.perf_counter()
    assert run_tasks(draw_task, range(8), data=td, options=_opts(tmp_path), results=path,
                     run_key=key) == eight
    assert len(computed(tmp_path / "counter")) == 8 and time.perf_counter() - t0 < 2


def test_results_file_of_another_run_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    run_tasks(draw_task, range(2), data=_data(tmp_path), options=_opts(tmp_path), results=path,
              run_key={"seed": 5})
    with pytest.raises(ClusterError, match=r"holds another run \(differs in seed\)"):
        run_tasks(draw_task, range(2), data=_data(tmp_path), options=_opts(tmp_path),
                  results=path, run_key={"seed": 6})
    (tmp_path / "other.jsonl").write_text("hello\n")
    with pytest.raises(ClusterError, match="not a labourlink results file"):
        ResultsFile(tmp_path / "other.jsonl", {}).open()


def test_line_cut_short_is_dropped_and_file_locked(tmp_path: Path) -> None:
    f = ResultsFile(tmp_path / "r.jsonl", {"a": 1})
    assert f.open() == {}
    f.append({"key": 0, "value": 1.5})
    f.append({"key": "AFG", "value": [1, 2]})
    with pytest.raises(ClusterError, match="in use by another run"):
        ResultsFile(tmp_path / "r.jsonl", {"a": 1}).open()
    f.close()
    with open(tmp_path / "r.jsonl", "a") as fh:
        fh.write('{"key": 2, "val')  # a crash in the middle of a line
    g = ResultsFile(tmp_path / "r.jsonl", {"a": 1})
    done = g.open()
    assert {k: v["value"] for k, v in done.items()} == {0: 1.5, "AFG": [1, 2]}
    g.append({"key": 2, "value": None})
    g.close()
    assert json.loads((tmp_path / "r.jsonl").read_text().splitlines()[-1]) == {"key": 2,
                                                                             "value": None}


def test_failed_task_names_its_key_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    with pytest.raises(ClusterError, match=r"task 3 failed .*ValueError: bad replicate 3") as err:
        run_tasks(failing_task, range(6), options=_opts(tmp_path), results=path,
                  run_key={"k": 1})
    kept = [json.loads(x)["key"] for x in path.read_text().splitlines()[1:]]
    # every task handed out before the failed one finishes and is kept, whatever the timing
    assert 3 not in kept and {0, 1, 2} <= set(kept)
    assert f"{len(kept)} of 6 tasks finished and are kept in {path}" in str(err.value)


def test_value_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="task 0 returned a value that is not JSON"):
        run_tasks(unserialisable_task, [0], options=_opts(tmp_path))


def test_options_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="--workers=0"):
        RunnerOptions(workers=0)
    with pytest.raises(InvalidArgumentError, match="not with|give one of them"):
        RunnerOptions(workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InvalidArgumentError, match="--scheduler='nowhere'"):
        RunnerOptions(scheduler="nowhere")
    assert RunnerOptions(scheduler="127.0.0.1:8786").scheduler == "tcp://127.0.0.1:8786"
    with pytest.raises(InvalidArgumentError, match="keys"):
        run_tasks(draw_task, [1, 1], options=QUIET)


def test_unreachable_scheduler_fails_within_ten_seconds(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    t0 = time.perf_counter()
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at {address}"):
        run_tasks(draw_task, range(2), data=_data(tmp_path),
                  options=RunnerOptions(scheduler=address, progress=False))
    assert time.perf_counter() - t0 < 11.5  # the default timeout is 10 s


def test_local_cluster_scatter_equals_in_process(tmp_path: Path) -> None:
    td = _data(tmp_path)
    here = run_tasks(draw_task, range(12), data=td, options=_opts(tmp_path))
    with Runner(_opts(tmp_path, workers=2, ship="scatter")) as r:
        there = r.map(draw_task, range(12), data=td)
        workers = r.client.run(lambda: 1)
    assert there == here
    assert len(workers) == 2


def test_data_files_reused_and_checked(tmp_path: Path) -> None:
    td = TaskData({"x": numbers_frame(seed=11)}, {"a": 1})
    ref = write_task_data(td, tmp_path)
    mtimes = [p.stat().st_mtime_ns for p in ref.paths()]
    assert write_task_data(td, tmp_path) == ref
    assert [p.stat().st_mtime_ns for p in ref.paths()] == mtimes
    assert write_task_data(TaskData({"x": numbers_frame(seed=12)}, {"a": 1}),
                           tmp_path).token != ref.token
    parquet = ref.paths()[0]
    parquet.write_bytes(parquet.read_bytes()[:-3] + b"xyz")
    with pytest.raises(ClusterError, match=rf"{parquet.name} has SHA-256 .* expected"):
        load_task_data(ref)


def test_eta() -> None:
    assert eta_seconds(0, 10, 5.0) is None
    assert eta_seconds(4, 6, 8.0) == pytest.approx(12.0)
