"""penppml Comtrade trade + DTA provisions loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from labourlink.countries import SPECIAL_CODES
from labourlink.errors import SourceError
from labourlink.sources import penppml
from labourlink.sources.base import SourceTable, sha256_file
from labourlink.store.schema import TABLES


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> list[SourceTable]:
    return penppml.load(data_dir)


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return pyreadr.read_r(str(data_dir / penppml.FILE))["trade"]


def test_file_checksum(data_dir: Path) -> None:
    (rf,) = penppml.FILES
    assert sha256_file(data_dir / rf.path) == rf.sha256


def test_every_input_row_accounted_for(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    trade = tables[0]
    assert len(raw) == 316_317
    assert len(trade.frame) + sum(trade.provenance.dropped.values()) == 316_317
    assert trade.provenance.rows == len(trade.frame)
    assert trade.provenance.dropped["not_country (UNS, SPE, FRE, BUN, NZE)"] > 0
    assert not {"UNS", "SPE", "FRE", "BUN", "NZE"} & (set(trade.frame.exporter)
                                                       | set(trade.frame.importer))


def test_trade_schema_key_and_values(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    assert list(f.columns) == TABLES["trade"].column_names
    assert not f.duplicated(list(TABLES["trade"].key)).any()
    assert (f["value"] >= 0).all()
    assert (f["value"] == 0).mean() > 0.3  # zeros kept (about 40 % of the rows)
    assert sorted(set(f["year"])) == list(range(1964, 2017, 4))
    assert set(f["unit"]) == {"current US$"}
    assert (f.exporter != f.importer).all()  # no domestic flows


def test_published_numbers(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    chn_usa = f[(f.exporter == "CHN") & (f.importer == "USA") & (f.year == 2016)]["value"]
    assert float(chn_usa.iloc[0]) / 1e9 == pytest.approx(384.9, abs=0.05)
    chn_total = f[(f.exporter == "CHN") & (f.year == 2016)]["value"].sum()
    assert chn_total / 1e9 == pytest.approx(2091, rel=0.01)


def test_codes_renamed_or_special(tables: list[SourceTable]) -> None:
    f = tables[0].frame
    codes = set(f.exporter) | set(f.importer)
    assert {"ROU", "TLS", "COD", "MNE", "BLX"} <= codes
    assert not {"ROM", "TMP", "ZAR", "MNT"} & codes
    from labourlink.countries import country_table

    known = set(country_table()["iso3"]) | set(SPECIAL_CODES)
    assert codes <= known, sorted(codes - known)


def test_covariates(tables: list[SourceTable], raw: pd.DataFrame) -> None:
    trade, cov = tables[0].frame, tables[1].frame
    assert list(cov.columns) == TABLES["trade_covariate"].column_names
    assert not cov.duplicated(list(TABLES["trade_covariate"].key)).any()
    counts = cov["name"].value_counts()
    assert counts["dta_agreement"] == len(trade)
    n_agr = int((cov[cov.name == "dta_agreement"]["value"] == 1).sum())
    for p in penppml.PROVISIONS:
        assert counts[p] == n_agr
    assert set(cov[cov.name.isin(penppml.PROVISIONS)]["value"]) <= {0.0, 1.0}
    # provision totals preserved by the wide->long reshape (rows with a dropped code aside)
    lm_raw = raw["lm_prov_10"].sum()
    lm = cov[cov.name == "lm_prov_10"]["value"].sum()
    assert lm_raw == 748 and 700 <= lm <= 748
    # an agreement id without a name still counts as an agreement (480 such rows in the file)
    assert ((raw["id"] != 0) & (raw["agreement"] == "")).sum() == 480
    n_raw = int((raw["id"] != 0).sum())
    assert n_agr <= n_raw and n_raw - n_agr < 1_000


def test_eu_members_have_agreement_in_2016(tables: list[SourceTable]) -> None:
    cov = tables[1].frame
    row = cov[(cov.exporter == "FRA") & (cov.importer == "DEU") & (cov.year == 2016)
              & (cov.name == "dta_agreement")]
    assert float(row["value"].iloc[0]) == 1.0
    row = cov[(cov.exporter == "CHN") & (cov.importer == "USA") & (cov.year == 2016)
              & (cov.name == "dta_agreement")]
    assert float(row["value"].iloc[0]) == 0.0


def _write(raw: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / penppml.FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    df = raw.copy()
    for c in ("exp", "imp", "time"):
        df[c] = df[c].astype(str)
    pyreadr.write_rdata(str(target), df, df_name="trade")


def test_text_in_export_names_row_and_field(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:200].copy()
    sub["export"] = sub["export"].astype(object)
    sub.iloc[9, sub.columns.get_loc("export")] = "1.2e6 (est.)"
    _write(sub, tmp_path)
    with pytest.raises(SourceError) as exc:
        penppml.load(tmp_path)
    msg = str(exc.value)
    assert "trade.rda" in msg and "row 10" in msg and "'export'" in msg and "est." in msg


def test_provision_without_agreement_is_an_error(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:200].copy()
    assert (sub["id"].iloc[:5] == 0).all()
    sub.iloc[4, sub.columns.get_loc("lm_prov_10")] = 1.0
    _write(sub, tmp_path)
    with pytest.raises(SourceError, match=r"row 5.*'lm_prov_10'"):
        penppml.load(tmp_path)


def test_unknown_code_listed(raw: pd.DataFrame, tmp_path: Path) -> None:
    sub = raw.iloc[:200].copy()
    sub["imp"] = sub["imp"].astype(str)
    sub.iloc[3, sub.columns.get_loc("imp")] = "QQX"
    _write(sub, tmp_path)
    with pytest.raises(SourceError, match="QQX"):
        penppml.load(tmp_path)


def test_truncated_file(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / penppml.FILE
    target.parent.mkdir(parents=True)
    target.write_bytes((data_dir / penppml.FILE).read_bytes()[:100_000])
    with pytest.raises(SourceError, match="trade.rda"):
        penppml.load(tmp_path)
