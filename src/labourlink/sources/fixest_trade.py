"""fixest ``trade``: EU15 bilateral imports by product category, Eurostat, 2007-2016 (Euros).

``fixest_trade/trade.RData`` (the R package fixest's example data, byte copy of the published
file) is read with pyreadr, **not** the ``trade.csv`` beside it: the ``.RData`` is the file as
published (the CSV is a conversion made for this project) and keeps the factor levels exactly;
reading it takes about as long as the CSV. 38,325 rows: ``Destination`` and ``Origin`` (ISO2, 15
EU countries), ``Product`` (category 1-20), ``Year`` (2007-2016), ``dist_km``, ``Euros``. Zero
flows are absent (not stored as zeros).

Store tables:

``trade``
    ``exporter`` = ``Origin``, ``importer`` = ``Destination`` (ISO2 -> ISO3 with
    ``resolver('iso2')``), ``product`` = ``Product`` as text (``'1'`` ... ``'20'``), ``value`` =
    ``Euros``, ``unit = 'EUR'`` (current euros).
``trade_covariate``
    ``dist_km`` (km) once per exporter-importer-year (it does not vary by product; the loader
    checks that and raises otherwise).
"""

from __future__ import annotations

from pathlib import Path

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_columns,
    check_integer,
    check_non_negative,
    check_unique,
    covariate_frame,
    github_raw,
    read_rda_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
    trade_frame,
)
from labourlink.store.schema import TABLES

SOURCE = "fixest_trade"
FILE = "fixest_trade/trade.RData"
EDITION = "fixest 0.12.2 example data `trade` (Eurostat, extracted October 2017)"
PUBLISHER = "Eurostat (data packaged by lrberge/fixest)"
UNIT = "EUR"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        FILE,
        github_raw("lrberge/fixest", "77c4e608b0829b52ea16ddeb5d42d60e8e15be40", "data/trade.RData"),
        "5a99c88995884f66fb02ab66a215617f780943ca0c211f16bfdfcbaae7ec7769",
        note="GPL-3 package (fixest); data from Eurostat",
    ),
)


def load(data_dir: Path) -> list[SourceTable]:
    """Load fixest's EU15 trade data into ``trade`` (EUR) and ``trade_covariate`` (dist_km).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade`` (value in euros, by product category '1'-'20') and ``trade_covariate``
        (``dist_km``, km, one row per exporter-importer-year).
    """
    from labourlink.countries import resolver

    path = require_file(Path(data_dir), FILE)
    raw = read_rda_checked(path, "trade").reset_index(drop=True)
    check_columns(raw, ["Destination", "Origin", "Product", "Year", "dist_km", "Euros"], path,
                  fix="use trade.RData as published in fixest")
    year = to_numeric_checked(raw, "Year", path, row_offset=1, allow_na=False)
    product = to_numeric_checked(raw, "Product", path, row_offset=1, allow_na=False)
    check_integer(year, path, "Year", row_offset=1)
    check_integer(product, path, "Product", row_offset=1)
    value = to_numeric_checked(raw, "Euros", path, row_offset=1, allow_na=False)
    dist = to_numeric_checked(raw, "dist_km", path, row_offset=1, allow_na=False)
    iso2 = resolver("iso2")
    trade = trade_frame(
        resolve_column(raw["Origin"].astype(str).str.strip(), iso2, path, "Origin"),
        resolve_column(raw["Destination"].astype(str).str.strip(), iso2, path, "Destination"),
        year, value, unit=UNIT, source=SOURCE,
        product=product.astype("int64").astype(str).to_numpy())
    check_non_negative(trade, "value", path, row_offset=1)
    check_unique(trade, TABLES["trade"].key, path, row_offset=1)
    sha = sha256_file(path)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(trade), {})

    d = trade[["exporter", "importer", "year"]].assign(value=dist.to_numpy())
    check_non_negative(d, "value", path, row_offset=1)
    spread = d.groupby(["exporter", "importer", "year"], sort=False)["value"].agg(["min", "max"])
    varies = spread[spread["max"] - spread["min"] > 1e-9 * spread["max"].abs().clip(lower=1.0)]
    if not varies.empty:
        key = varies.index[0]
        raise SourceError(path, f"dist_km differs across products for {key}", field="dist_km",
                          fix="restore the file as published")
    per_pair = d.drop_duplicates(["exporter", "importer", "year"], keep="first")
    cov = covariate_frame(per_pair, {"dist_km": per_pair["value"].to_numpy()}, SOURCE)
    cov_prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha, len(cov),
                          {"repeated_per_product (dist_km stored once per pair-year)":
                           len(d) - len(cov)})
    return [SourceTable("trade", trade, prov), SourceTable("trade_covariate", cov, cov_prov)]
