"""Copy raw files into a test's temporary data folder, to damage them there (never in place)."""

from __future__ import annotations

import shutil
from pathlib import Path

from labourlink.sources.base import RemoteFile


def copy_raw(data_dir: Path, tmp_path: Path, *files: str | RemoteFile) -> Path:
    """Copy ``files`` (paths relative to ``data_dir``, or :class:`RemoteFile`) to ``tmp_path``.

    The relative layout is kept, so ``tmp_path`` can be passed to a loader as its data folder.
    Returns the path of the first copy.
    """
    rels = [f.path if isinstance(f, RemoteFile) else f for f in files]
    for rel in rels:
        dst = tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / rel, dst)
    return tmp_path / rels[0]
