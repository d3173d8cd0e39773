"""Penn World Table 10.01 loader."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from labourlink.errors import SourceError
from labourlink.sources import pwt as mod
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

# MANIFEST section 13: 2019 rgdpe/pop (2017 US$ PPP per person).
GDP_PC_2019 = {"USA": 63_393, "SGP": 88_619, "AUS": 50_821, "JPN": 39_637, "PHL": 8_205,
               "IND": 6_547, "NPL": 3_104, "FJI": 13_748}


@pytest.fixture(scope="module")
def table(data_dir: Path):
    (t,) = mod.load(data_dir)
    return t


def test_schema_units_provenance(table, data_dir: Path) -> None:
    f = table.frame
    assert table.table == "indicator" and list(f.columns) == TABLES["indicator"].column_names
    assert set(f["code"]) == {f"PWT.{v}" for v in mod.VARIABLES}
    units = f.drop_duplicates("code").set_index("code")["unit"].to_dict()
    assert units["PWT.rgdpe"] == "million 2017 US$ PPP" and units["PWT.pop"] == "million persons"
    assert set(f["source"]) == {"pwt_10.01"}
    assert f["year"].dtype == np.int64 and f["year"].between(1950, 2019).all()
    assert f["value"].notna().all() and (f["value"] >= 0).all()
    assert not f.duplicated(list(TABLES["indicator"].key)).any()
    assert f["iso3"].nunique() == 183
    # every cell of the 7 variables is kept or counted as empty (12,810 country-years)
    assert table.provenance.rows + table.provenance.dropped["empty cell"] == 12_810 * 7
    assert table.provenance.sha256 == mod.FILES[0].sha256 == sha256_file(
        data_dir / mod.FILES[0].path)


def test_gdp_per_capita_2019(table) -> None:
    f = table.frame[table.frame["year"] == 2019].pivot(index="iso3", columns="code",
                                                       values="value")
    gdp_pc = f["PWT.rgdpe"] / f["PWT.pop"]
    for iso3, value in GDP_PC_2019.items():
        assert gdp_pc[iso3] == pytest.approx(value, abs=0.5), iso3
    assert {"TON", "WSM", "KIR", "TUV"}.isdisjoint(f.index)  # MANIFEST: not in PWT
    assert np.isnan(f.loc["ARE", "PWT.labsh"]) and np.isnan(f.loc["NPL", "PWT.labsh"])


def test_truncated_file_raises(data_dir: Path, tmp_path: Path) -> None:
    rel = mod.FILES[0].path
    (tmp_path / rel).parent.mkdir(parents=True)
    target = Path(shutil.copy(data_dir / rel, tmp_path / rel))
    target.write_bytes(target.read_bytes()[:400_000])
    with pytest.raises(SourceError, match=r"pwt10\.01\.rda.*cannot be read as an R data file"):
        mod.load(tmp_path)


def test_wrong_object_raises(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadr

    rel = mod.FILES[0].path
    (tmp_path / rel).parent.mkdir(parents=True)
    pyreadr.write_rdata(str(tmp_path / rel), pd.DataFrame({"a": [1.0]}), df_name="pwt10.0")
    with pytest.raises(SourceError, match=r"object 'pwt10.01' not found"):
        mod.load(tmp_path)


def test_text_in_variable_raises_naming_row(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadr

    rel = mod.FILES[0].path
    (tmp_path / rel).parent.mkdir(parents=True)
    df = pd.DataFrame({"isocode": ["PHL", "PHL"], "year": [2018, 2019]})
    for v in mod.VARIABLES:
        df[v] = ["1.5", "2.5"]
    df.loc[1, "emp"] = "many"
    pyreadr.write_rdata(str(tmp_path / rel), df, df_name="pwt10.01")
    with pytest.raises(SourceError, match=r"row 2, field 'emp'.*'many'"):
        mod.load(tmp_path)
