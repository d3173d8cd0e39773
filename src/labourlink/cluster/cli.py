"""The CLI options every command that runs on the cluster shares (``--workers``,
``--scheduler``), and :func:`runner_options` to turn them into :class:`RunnerOptions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from labourlink.cluster.runner import RunnerOptions

__all__ = ["runner_options", "scheduler_option", "workers_option"]


def workers_option() -> Any:
    """``--workers K``: a local Dask cluster of K worker processes."""
    return typer.Option(None, "--workers", min=1, help="Run the tasks on a local Dask cluster of "
                        "K worker processes (one task at a time each; K = cores is a good "
                        "choice). Default: in this process.")


def scheduler_option() -> Any:
    """``--scheduler ADDR``: a running Dask cluster."""
    return typer.Option(None, "--scheduler", help="Run the tasks on a running Dask cluster, e.g. "
                        "tcp://10.0.0.5:8786 (start it with `dask scheduler` and `dask worker "
                        "ADDR`; workers need this labourlink and must read LABOURLINK_RUNS_DIR, "
                        "default out/runs, at the same path). Not with --workers.")


def runner_options(workers: int | None, scheduler: str | None,
                   progress: bool = True) -> RunnerOptions:
    """:class:`RunnerOptions` from the CLI options (validated there)."""
    from labourlink.cluster.runner import RunnerOptions

    return RunnerOptions(workers=workers, scheduler=scheduler, progress=progress)
