"""Progress display of a run: tasks done of total, workers, elapsed time and time left (stderr)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["RunProgress", "eta_seconds"]


def eta_seconds(done_now: int, remaining: int, elapsed: float) -> float | None:
    """Time left (s) at the rate of this session: ``remaining * elapsed / done_now``; None before
    the first task finished."""
    if done_now <= 0 or elapsed <= 0:
        return None
    return remaining * elapsed / done_now


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "ETA --:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"ETA {h:d}:{m:02d}:{s:02d}" if h else f"ETA {m:02d}:{s:02d}"


class RunProgress:
    """A rich progress bar on stderr (nothing when ``enabled`` is False).

    The time left is the tasks remaining times the mean wall time per task finished in this
    session (tasks resumed from a results file do not count toward the rate).
    """

    def __init__(self, label: str, total: int, already: int, enabled: bool = True,
                 console: Console | None = None) -> None:
        self.label = label if len(label) <= 48 else label[:47] + "…"
        self.total = total
        self.already = already
        self.done_now = 0
        self.enabled = enabled
        self._t0 = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._console = console or Console(stderr=True)
        self._info = ""

    def __enter__(self) -> RunProgress:
        if self.enabled:
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), TextColumn("{task.fields[eta]}"),
                                 console=self._console, transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, completed=self.already,
                                            info=self._info, eta=_fmt(None))
        self._t0 = time.perf_counter()
        return self

    def info(self, text: str) -> None:
        """Set the text shown after the count (e.g. ``2 workers``)."""
        self._info = text
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, info=text)

    def advance(self) -> None:
        """One more task finished."""
        self.done_now += 1
        if self._bar is not None and self._task is not None:
            left = self.total - self.already - self.done_now
            eta = eta_seconds(self.done_now, left, time.perf_counter() - self._t0)
            self._bar.update(self._task, advance=1, eta=_fmt(eta))

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
