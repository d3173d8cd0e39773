"""LABPTA (manytrade) loader, on the real CSV conversions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rawcopy import copy_raw

from labourlink.errors import SourceError
from labourlink.sources import labpta
from labourlink.sources.base import sha256_file
from labourlink.store.schema import TABLES

countries = pytest.importorskip("labourlink.countries")
if not hasattr(countries, "resolver"):
    pytest.skip("labourlink.countries.resolver not available yet", allow_module_level=True)


@pytest.fixture(scope="module")
def loaded(data_dir: Path):
    try:
        return {t.table: t for t in labpta.load(data_dir)}
    except SourceError as exc:
        if "do not resolve" in str(exc):
            pytest.fail("labourlink.countries does not resolve names used by the manytrade "
                        f"membership tables; add them to labourlink/countries (owner: countries "
                        f"helper): {exc}")
        raise


def test_files(data_dir: Path) -> None:
    for f in labpta.FILES:
        assert sha256_file(data_dir / f.path) == f.sha256, f.path
        assert f.url is None and "manytrade" in f.note  # conversions: no public address


def test_agreements(loaded) -> None:
    a = loaded["trade_agreement"].frame
    assert list(a.columns) == TABLES["trade_agreement"].column_names
    assert len(a) == 483 and a["agreement_id"].is_unique  # MANIFEST: 483 x 7
    assert a["labour_provisions"].eq(True).all()
    assert a["in_force"].notna().all()


def test_members(loaded) -> None:
    t = loaded["trade_agreement_member"]
    m = t.frame
    assert list(m.columns) == TABLES["trade_agreement_member"].column_names
    assert not m.duplicated(["agreement_id", "iso3"]).any()
    bad = m.loc[~m["iso3"].str.fullmatch(r"[A-Z]{3}"), "iso3"]
    assert bad.empty, set(bad)
    # 478 of the 483 LABPTA agreements have parties in DESTA_MEM / GPTAD_MEM
    assert m["agreement_id"].nunique() == 478
    assert set(m["agreement_id"]) <= set(loaded["trade_agreement"].frame["agreement_id"])
    # every bilateral agreement has at least two parties
    size = m.groupby("agreement_id").size()
    assert (size >= 2).mean() > 0.95
    acfta = set(m.loc[m["agreement_id"] == "ASEANC_2004O", "iso3"])
    assert acfta == {"BRN", "CHN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM"}
    dropped = t.provenance.dropped
    assert dropped["historical code FNJ (Funj Sultanate), not a state at the time"] == 1
    assert dropped["repeated (agreement, party) row"] > 0


def test_bad_date_names_file_row_field(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *labpta.FILES)
    path = tmp_path / labpta.AGREEMENTS
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[9, "Force"] = "soon"
    df.to_csv(path, index=False)
    with pytest.raises(SourceError) as exc:
        labpta.load(tmp_path)
    msg = str(exc.value)
    assert "agreements_LABPTA.csv" in msg and "row 11" in msg and "Force" in msg


def test_header_only_file(data_dir: Path, tmp_path: Path) -> None:
    copy_raw(data_dir, tmp_path, *labpta.FILES)
    path = tmp_path / labpta.AGREEMENTS
    path.write_text(path.read_text().splitlines()[0] + "\n")
    with pytest.raises(SourceError, match="agreements_LABPTA.csv"):
        labpta.load(tmp_path)
