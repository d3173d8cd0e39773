"""Ctrl-C on a run with a local cluster of worker processes: a real SIGINT to the terminal's
process group, as a keyboard sends it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cluster_helpers import HERE, computed

SCRIPT = """
import signal
import sys
# as in a terminal: Ctrl-C raises KeyboardInterrupt even when this test runs under a shell that
# started it in the background (which ignores SIGINT, and children inherit that)
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {here!r})
from pathlib import Path
from cluster_helpers import draw_task, numbers_frame
from labourlink.cluster import RunnerOptions, TaskData, run_tasks

data = TaskData({{"x": numbers_frame()}}, {{"seed": 5, "counter": {counter!r}, "sleep": 0.4}})
try:
    out = run_tasks(draw_task, range(30), data=data, results=Path({results!r}),
                    run_key={{"test": "sigint"}},
                    options=RunnerOptions(workers={workers}, progress=False,
                                          runs_dir=Path({runs!r})))
except KeyboardInterrupt:
    sys.exit(130)
print("done", len(out))
"""


def _script(tmp: Path, workers: str) -> str:
    return textwrap.dedent(SCRIPT.format(here=str(HERE), counter=str(tmp / "counter"),
                                         results=str(tmp / "r.jsonl"), runs=str(tmp / "runs"),
                                         workers=workers))


def _saved(path: Path) -> list[int]:
    if not path.is_file():
        return []
    return [json.loads(x)["key"] for x in path.read_text().splitlines()[1:] if x.endswith("}")]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _script(tmp_path, "2")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    pgid = os.getpgid(proc.pid)
    try:
        deadline = time.monotonic() + 120
        while len(_saved(tmp_path / "r.jsonl")) < 4:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.1)
        t0 = time.monotonic()
        os.killpg(pgid, signal.SIGINT)  # Ctrl-C: the client and the worker processes get it
        _, err = proc.communicate(timeout=30)
        stopped = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(pgid, signal.SIGKILL)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "interrupted:" in text and "Run the same command again to resume" in text
    assert "waiting for the" in text
    assert "Traceback" not in text  # neither the client nor the workers died noisily
    assert stopped < 20
    for _ in range(50):  # the worker processes are gone with the client
        if not _group_alive(pgid):
            break
        time.sleep(0.2)
    assert not _group_alive(pgid)
    saved = _saved(tmp_path / "r.jsonl")
    assert 4 <= len(saved) < 30 and len(set(saved)) == len(saved)
    first = computed(tmp_path / "counter")

    # the same run again, in this process this time: only what is missing is computed
    done = subprocess.run([sys.executable, "-c", _script(tmp_path, "None")],
                          capture_output=True, timeout=300)
    assert done.returncode == 0 and b"done 30" in done.stdout, done.stderr.decode()
    assert sorted(_saved(tmp_path / "r.jsonl")) == list(range(30))
    second = computed(tmp_path / "counter")
    rest = list(second)
    for k in first:
        rest.remove(k)
    assert sorted(map(int, rest)) == sorted(set(range(30)) - set(saved))
    # no replicate computed twice: those running when Ctrl-C came finished and were kept
    assert sorted(map(int, second)) == list(range(30))
