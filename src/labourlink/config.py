"""Configuration read from the environment, each setting with a documented default.

``LABOURLINK_DATA_DIR``
    Folder with the raw official files (the layout of ``shared/data/raw``). Default: the first of
    ``../shared/data/raw`` (relative to the working directory), ``../shared/data/raw`` relative to
    the project checkout, that exists; otherwise a per-user cache directory
    (``$XDG_CACHE_HOME/labourlink/raw`` or ``~/.cache/labourlink/raw``), which
    ``labourlink data fetch`` fills from the publishers' addresses.
``LABOURLINK_STORE``
    The DuckDB store file. Default: ``data/labourlink.duckdb`` under the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def user_cache_dir() -> Path:
    """Per-user cache folder for labourlink (``$XDG_CACHE_HOME/labourlink``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labourlink"


def data_dir() -> Path:
    """Folder holding the raw official files (see module docstring for the default)."""
    env = os.environ.get("LABOURLINK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    for candidate in (Path.cwd() / ".." / "shared" / "data" / "raw",
                      _PROJECT_ROOT / ".." / "shared" / "data" / "raw"):
        if candidate.is_dir():
            return candidate.resolve()
    return user_cache_dir() / "raw"


def store_path() -> Path:
    """Path of the DuckDB store file (``LABOURLINK_STORE``; default ``data/labourlink.duckdb``)."""
    env = os.environ.get("LABOURLINK_STORE")
    if env:
        return Path(env).expanduser()
    return Path.cwd() / "data" / "labourlink.duckdb"
