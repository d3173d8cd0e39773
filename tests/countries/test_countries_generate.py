"""The committed data files are exactly what the generator makes from the raw files and coco."""

from __future__ import annotations

from pathlib import Path

import pytest

from labourlink.countries._generate import DATA, build

GENERATED = ["countries.csv", "cow.csv", "groups.csv", "aggregates.csv"]


@pytest.mark.slow
def test_generated_files_are_up_to_date(data_dir: Path, tmp_path: Path) -> None:
    build(data_dir, tmp_path)
    stale = [f for f in GENERATED if (tmp_path / f).read_bytes() != (DATA / f).read_bytes()]
    assert stale == [], (f"{stale} differ from a fresh build: run "
                         "`python -m labourlink.countries._generate` and review the diff")
