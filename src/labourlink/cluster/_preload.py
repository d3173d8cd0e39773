"""Dask worker preload of the local clusters: workers ignore Ctrl-C (SIGINT).

Ctrl-C in a terminal reaches the whole process group; the client stops the run and closes the
cluster, so the worker processes must not die first with tracebacks of their own.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def dask_setup(worker: Any) -> None:
    """Called by Dask when a worker process starts."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
