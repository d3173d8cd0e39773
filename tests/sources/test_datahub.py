"""datahub.io WDI GDP and population CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.countries import WB_AGGREGATE_CODES
from labourlink.errors import SourceError
from labourlink.sources import datahub as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

RAW_ROWS = {"NY.GDP.MKTP.CD": 13_979, "SP.POP.TOTL": 17_195}  # MANIFEST
RAW_CODES = {"NY.GDP.MKTP.CD": 262, "SP.POP.TOTL": 265}


@pytest.fixture(scope="module")
def tables(data_dir: Path):
    return mod.load(data_dir)


def test_schema_and_provenance(tables, data_dir: Path) -> None:
    for t, ds in zip(tables, mod.DATASETS, strict=True):
        f = t.frame
        assert t.table == "indicator" and list(f.columns) == TABLES["indicator"].column_names
        assert set(f["code"]) == {ds.code} and set(f["unit"]) == {ds.unit}
        assert set(f["source"]) == {"datahub_wdi"}
        assert f["year"].dtype == np.int64 and f["value"].dtype == np.float64
        assert f["value"].notna().all() and (f["value"] >= 0).all()
        assert not f.duplicated(list(TABLES["indicator"].key)).any()
        assert t.provenance.rows == len(f)
        assert t.provenance.sha256 == ds.file.sha256 == sha256_file(data_dir / ds.file.path)
    assert [ds.unit for ds in mod.DATASETS] == ["current US$", "persons"]


def test_aggregates_dropped_and_counted(tables, data_dir: Path) -> None:
    for t, ds in zip(tables, mod.DATASETS, strict=True):
        raw = pd.read_csv(data_dir / ds.file.path)
        d = t.provenance.dropped
        assert len(raw) == RAW_ROWS[ds.code] and raw["Country Code"].nunique() == RAW_CODES[ds.code]
        n_agg = d["World Bank aggregate code (WB_AGGREGATE_CODES)"]
        assert n_agg == raw["Country Code"].isin(set(WB_AGGREGATE_CODES)).sum() > 0
        assert t.provenance.rows + n_agg + d["empty value"] == len(raw)
        assert not set(t.frame["iso3"]) & set(WB_AGGREGATE_CODES)
        assert "WLD" not in set(t.frame["iso3"])
        # every code kept is a country code, unchanged by resolution
        kept = raw[~raw["Country Code"].isin(set(WB_AGGREGATE_CODES))]
        assert sorted(kept["Country Code"].unique()) == sorted(t.frame["iso3"].unique())


def test_values_match_file(tables, data_dir: Path) -> None:
    pop = tables[1].frame.set_index(["iso3", "year"])["value"]
    raw = pd.read_csv(data_dir / mod.DATASETS[1].file.path).set_index(["Country Code", "Year"])
    assert pop[("PHL", 2019)] == raw.loc[("PHL", 2019), "Value"]
    assert pop[("PHL", 2019)] == pytest.approx(1.108e8, rel=0.01)
    gdp = tables[0].frame.set_index(["iso3", "year"])["value"]
    assert 2e13 < gdp[("USA", 2019)] < 2.2e13  # US GDP 2019, current US$


def test_text_value_raises_naming_line_and_field(data_dir: Path, tmp_path: Path) -> None:
    ds = mod.DATASETS[1]
    target = copy_raw(data_dir, tmp_path, ds.file)
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2].startswith("Aruba,ABW,1961,")
    lines[2] = "Aruba,ABW,1961,n/a\n"
    target.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"population\.csv, row 3, field 'Value'.*'n/a'"):
        mod.load_dataset(tmp_path, ds)


def test_unknown_code_is_listed(data_dir: Path, tmp_path: Path) -> None:
    ds = mod.DATASETS[0]
    target = copy_raw(data_dir, tmp_path, ds.file)
    text = target.read_text(encoding="utf-8").rstrip("\n")
    target.write_text(text + "\nAtlantis,ZZZ,2019,1000.0\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"field 'Country Code'.*\['ZZZ'\]"):
        mod.load_dataset(tmp_path, ds)


def test_empty_file_raises(tmp_path: Path) -> None:
    ds = mod.DATASETS[0]
    (tmp_path / ds.file.path).parent.mkdir(parents=True)
    (tmp_path / ds.file.path).write_text("Country Name,Country Code,Year,Value\n")
    with pytest.raises(SourceError, match=r"gdp\.csv.*no data rows"):
        mod.load_dataset(tmp_path, ds)
