"""Download the raw official files into the data directory: resumable, checksummed, with progress.

Every loader module lists its files in ``FILES`` (:class:`~labourlink.sources.base.RemoteFile`:
path in the data directory, publisher's address, sha256). :func:`fetch` downloads each missing
or mismatching file to ``<path>.part``, resuming a partial download with an HTTP ``Range``
request, checks the sha256 and only then renames it into place. ``mirror`` replaces every
address with ``<mirror>/<path>`` (a copy of the data directory served over HTTP, as the tests do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from labourlink.errors import SourceError
from labourlink.sources import file_modules
from labourlink.sources.base import RemoteFile, sha256_file


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Outcome for one file: status is 'present', 'downloaded', 'resumed' or 'no-address'."""

    path: str
    status: str
    bytes: int


def remote_files() -> list[RemoteFile]:
    """Every raw file the loaders and the map module read (deduplicated by path)."""
    seen: dict[str, RemoteFile] = {}
    for mod in file_modules():
        for rf in getattr(mod, "FILES", ()):
            seen.setdefault(rf.path, rf)
    return list(seen.values())


def _url(rf: RemoteFile, mirror: str | None) -> str | None:
    if mirror:
        return mirror.rstrip("/") + "/" + rf.path
    return rf.url


def fetch_file(rf: RemoteFile, data_dir: Path, *, mirror: str | None = None,
               client: httpx.Client | None = None,
               on_bytes: Callable[[int], None] | None = None) -> FetchResult:
    """Download one file unless it is already present with the right checksum."""
    target = Path(data_dir) / rf.path
    if target.is_file() and sha256_file(target) == rf.sha256:
        return FetchResult(rf.path, "present", target.stat().st_size)
    url = _url(rf, mirror)
    if url is None:
        return FetchResult(rf.path, "no-address", 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    own = client is None
    cl = client or httpx.Client(follow_redirects=True, timeout=60.0)
    resumed = False
    try:
        for _attempt in range(2):
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            with cl.stream("GET", url, headers=headers) as resp:
                if resp.status_code == 416 and offset:  # part file already complete or stale
                    part.unlink()
                    offset = 0
                    continue
                if resp.status_code not in (200, 206):
                    raise SourceError(url, f"HTTP {resp.status_code} while downloading {rf.path}",
                                      fix="check the address or pass --mirror with a working copy")
                resumed = resp.status_code == 206 and offset > 0
                with open(part, "ab" if resumed else "wb") as fh:
                    for chunk in resp.iter_bytes(1 << 16):
                        fh.write(chunk)
                        if on_bytes:
                            on_bytes(len(chunk))
                break
    except httpx.HTTPError as exc:
        raise SourceError(url, f"download failed ({type(exc).__name__}: {exc}); the partial file "
                          f"{part} is kept and the next `labourlink data fetch` resumes it") from exc
    finally:
        if own:
            cl.close()
    got = sha256_file(part)
    if got != rf.sha256:
        part.unlink()
        raise SourceError(url, f"checksum mismatch for {rf.path}: expected sha256 {rf.sha256}, "
                          f"got {got}; the download was discarded",
                          fix="retry; if it persists the publisher changed the file: update FILES")
    part.replace(target)
    return FetchResult(rf.path, "resumed" if resumed else "downloaded", target.stat().st_size)


def fetch(data_dir: Path, files: Iterable[RemoteFile] | None = None, *, mirror: str | None = None,
          progress: bool = True) -> list[FetchResult]:
    """Download every missing raw file into ``data_dir`` (see module docstring)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskID,
        TextColumn,
        TransferSpeedColumn,
    )

    todo = list(files) if files is not None else remote_files()
    results = []
    with httpx.Client(follow_redirects=True, timeout=60.0) as client, Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), disable=not progress) as bar:
        for rf in todo:
            task = bar.add_task(rf.path, total=None)

            def advance(n: int, t: TaskID = task) -> None:
                bar.advance(t, n)

            res = fetch_file(rf, data_dir, mirror=mirror, client=client, on_bytes=advance)
            bar.update(task, description=f"{rf.path} [{res.status}]")
            results.append(res)
    return results
