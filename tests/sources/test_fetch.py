"""`labourlink data fetch` against a local HTTP server serving ../shared/data/raw (no internet)."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from labourlink.errors import SourceError
from labourlink.sources.base import RemoteFile, sha256_file
from labourlink.sources.fetch import fetch, fetch_file, remote_files


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with HTTP Range support (single range), counting requests."""

    ranges: list[str] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        rng = self.headers.get("Range")
        if not rng:
            return super().send_head()
        RangeHandler.ranges.append(rng)
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return None
        size = path.stat().st_size
        start = int(re.match(r"bytes=(\d+)-", rng).group(1))  # type: ignore[union-attr]
        if start >= size:
            self.send_error(416)
            return None
        fh = open(path, "rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        return fh


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    handler = functools.partial(RangeHandler, directory=str(data_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _small_file(data_dir: Path) -> RemoteFile:
    rel = "cepii_geodist/geo_cepii.csv"
    return RemoteFile(rel, "https://example.invalid/" + rel, sha256_file(data_dir / rel))


def test_fetch_downloads_and_verifies(server: str, data_dir: Path, tmp_path: Path) -> None:
    rf = _small_file(data_dir)
    res = fetch(tmp_path, [rf], mirror=server, progress=False)
    assert res[0].status == "downloaded"
    assert sha256_file(tmp_path / rf.path) == rf.sha256
    # second run: present, nothing downloaded
    assert fetch(tmp_path, [rf], mirror=server, progress=False)[0].status == "present"


def test_fetch_resumes_partial_download(server: str, data_dir: Path, tmp_path: Path) -> None:
    rf = _small_file(data_dir)
    src = data_dir / rf.path
    part = tmp_path / (rf.path + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(src.read_bytes()[:1000])
    RangeHandler.ranges.clear()
    res = fetch_file(rf, tmp_path, mirror=server)
    assert res.status == "resumed"
    assert RangeHandler.ranges == ["bytes=1000-"]
    assert sha256_file(tmp_path / rf.path) == rf.sha256
    assert not part.exists()


def test_checksum_mismatch_is_an_error_and_discards(server: str, data_dir: Path,
                                                    tmp_path: Path) -> None:
    rf = _small_file(data_dir)
    bad = RemoteFile(rf.path, rf.url, "0" * 64)
    with pytest.raises(SourceError, match="checksum mismatch"):
        fetch_file(bad, tmp_path, mirror=server)
    assert not (tmp_path / rf.path).exists()
    assert not (tmp_path / (rf.path + ".part")).exists()


def test_http_error_names_url(server: str, tmp_path: Path) -> None:
    rf = RemoteFile("nope/missing.csv", None, "0" * 64)
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch_file(rf, tmp_path, mirror=server)


def test_every_loader_file_is_listed_with_checksum_and_fetchable(server: str, data_dir: Path,
                                                                 tmp_path: Path) -> None:
    files = remote_files()
    assert files, "loaders declare their files"
    for rf in files:
        assert len(rf.sha256) == 64
        assert rf.url is not None or rf.note, f"{rf.path}: no address and no note"
        assert sha256_file(data_dir / rf.path) == rf.sha256, f"{rf.path}: checksum differs"
    # download the five smallest files from the mirror into an empty data dir
    smallest = sorted(files, key=lambda r: (data_dir / r.path).stat().st_size)[:5]
    res = fetch(tmp_path, smallest, mirror=server, progress=False)
    assert {r.status for r in res} == {"downloaded"}
    for rf in smallest:
        assert sha256_file(tmp_path / rf.path) == rf.sha256
    shutil.rmtree(tmp_path)
