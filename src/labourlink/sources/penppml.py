"""penppml ``trade``: UN Comtrade exports 1964-2016 (every 4 years) with DTA provision dummies.

``penppml_trade/trade.rda`` (object ``trade``, the R package penppml's example data, byte copy;
read with pyreadr) has 316,317 rows: ``exp``, ``imp``, ``time`` (1964, 1968, ..., 2016),
``export`` (merchandise exports, current US$; 40 % zeros, kept: they are reported zeros of a
balanced panel), ``id``/``agreement`` (the World Bank Deep Trade Agreements agreement in force
for the pair, ``id`` 0 if none) and 16 provision dummies (``lm_prov_10`` = reference to
internationally recognised labour standards, ...).

Store tables:

``trade``
    ``exporter`` = ``exp``, ``importer`` = ``imp``, ``product = '_T'``, ``unit = 'current US$'``.
    The reporting side is not uniform (see MANIFEST section 9): use for elasticities and
    patterns, not exact bilateral levels.
``trade_covariate``
    ``dta_agreement`` (1 if a DTA is in force for the pair-year, i.e. ``id != 0``, else 0) for
    **every** trade row; ``dta_agreement_id`` (the DTA id) and the 16 provisions (value 0/1) only
    for the pair-years with an agreement. Where ``dta_agreement = 0`` every provision is 0 (the
    loader checks this and raises otherwise), so they are not repeated for the 281k pair-years
    without agreement. 480 pair-years have an ``id`` but a blank ``agreement`` name in the file
    (ids 103, 20, 45, 205, 223, ...): they count as having an agreement (their provisions are set).

Country codes are Comtrade's ISO3 plus historical codes, handled by :data:`PUBLISHER_CODES`:

- renamed codes of the same territory: ``ROM``->``ROU``, ``TMP``->``TLS``, ``ZAR``->``COD``,
  ``MNT``->``MNE`` (Montenegro, 2008-2016);
- **not countries**, dropped and counted: ``UNS`` (areas n.e.s.), ``SPE`` (special categories),
  ``FRE`` (free zones), ``BUN`` (bunkers), ``NZE`` (neutral zone);
- **former states and territories** (``BLX`` Belgium-Luxembourg, ``DDR``, ``CSK``, ``SVU``
  USSR -> ``SUN``, ``YUG`` SFR Yugoslavia, ``YDR`` South Yemen -> ``YMD``, ``ANT`` Netherlands
  Antilles, and small historical units such as ``VDR``/``SVR`` North/South Viet Nam, ``KN1``,
  ``TAN``, ``ZPM``, ``ZW1``, ``SIK``, ``RYU``, ``PCZ``, ``PCE``, ``USP``, ``BAT``): stored under the
  store code in the table when that code is one of :data:`labourlink.countries.SPECIAL_CODES`;
  otherwise their rows are dropped and counted under ``former_state_without_special_code``. They
  are never mapped to a successor (the USSR's trade is not Russia's), so adding a special code
  in :mod:`labourlink.countries` is enough to keep them.

Every other code must resolve with ``resolver('iso3')``, or the load fails listing it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_columns,
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

SOURCE = "penppml_comtrade"
FILE = "penppml_trade/trade.rda"
EDITION = "penppml 0.2.4 example data `trade` (UN Comtrade flows; DTA provisions, Mattoo et al. 2020)"
PUBLISHER = "penppml (Breinlich, Corradi, Rocha, Ruta, Santos Silva & Zylkin); UN Comtrade; World Bank DTA"
UNIT = "current US$"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        FILE,
        github_raw("tomzylkin/penppml", "46adeb2bc8df8f0f2c906c915e8e382cbd2e59c3", "data/trade.rda"),
        "d97178aa1cfa26b89f24a70004f86b4de6c36a903d3a5b5bb0e7da7d7870ee9e",
        note="MIT package; attribute UN Comtrade and the World Bank Deep Trade Agreements database",
    ),
)

PROVISIONS: tuple[str, ...] = (
    "ad_prov_14", "cp_prov_23", "tbt_prov_07", "tbt_prov_33", "tf_prov_41", "tf_prov_45",
    "env_prov_18", "et_prov_38", "inv_prov_22", "ipr_prov_15", "ipr_prov_44", "lm_prov_10",
    "moc_prov_21", "ser_prov_47", "ste_prov_30", "cp_prov_26",
)

RENAMED = "renamed"
NOT_COUNTRY = "not_country"
FORMER = "former_state"

#: Publisher codes that are not current ISO3 codes: code -> (kind, store code or None, meaning).
PUBLISHER_CODES: dict[str, tuple[str, str | None, str]] = {
    "ROM": (RENAMED, "ROU", "Romania (old code)"),
    "TMP": (RENAMED, "TLS", "East Timor (old code)"),
    "ZAR": (RENAMED, "COD", "Zaire / DR Congo (old code)"),
    "MNT": (RENAMED, "MNE", "Montenegro (penppml code, 2008-2016)"),
    "UNS": (NOT_COUNTRY, None, "areas not elsewhere specified"),
    "SPE": (NOT_COUNTRY, None, "special categories"),
    "FRE": (NOT_COUNTRY, None, "free zones"),
    "BUN": (NOT_COUNTRY, None, "bunkers"),
    "NZE": (NOT_COUNTRY, None, "neutral zone"),
    "BLX": (FORMER, "BLX", "Belgium-Luxembourg economic union"),
    "DDR": (FORMER, "DDR", "German Democratic Republic"),
    "CSK": (FORMER, "CSK", "Czechoslovakia"),
    "SVU": (FORMER, "SUN", "USSR (ISO 3166-3 SUN)"),
    "YUG": (FORMER, "YUG", "Socialist Federal Republic of Yugoslavia"),
    "YDR": (FORMER, "YMD", "People's Democratic Republic of Yemen (ISO 3166-3 YMD)"),
    "VDR": (FORMER, "VDR", "Democratic Republic of Viet Nam (North, until 1976)"),
    "SVR": (FORMER, "SVR", "Republic of Viet Nam (South, until 1976)"),
    "ANT": (FORMER, "ANT", "Netherlands Antilles (until 2010)"),
    "KN1": (FORMER, "KN1", "St Kitts-Nevis-Anguilla"),
    "TAN": (FORMER, "TAN", "Tanganyika (1964)"),
    "ZPM": (FORMER, "ZPM", "Zanzibar and Pemba (1964)"),
    "ZW1": (FORMER, "ZW1", "Southern Rhodesia"),
    "SIK": (FORMER, "SIK", "Sikkim (until 1975)"),
    "RYU": (FORMER, "RYU", "Ryukyu Islands (until 1972)"),
    "PCZ": (FORMER, "PCZ", "Panama Canal Zone"),
    "PCE": (FORMER, "PCE", "Pacific Islands (Trust Territory)"),
    "USP": (FORMER, "USP", "US Miscellaneous Pacific Islands"),
    "BAT": (FORMER, "BAT", "British Antarctic Territory"),
}


def _code_map(codes: pd.Series, path: Path, field: str) -> tuple[pd.Series, pd.Series]:
    """Map publisher codes to store codes; returns (codes or None, reason for dropping or None)."""
    from labourlink.countries import SPECIAL_CODES, resolver

    iso3: Callable[[object], str | None] = resolver("iso3")
    uniques = [str(c) for c in pd.unique(codes.dropna())]
    if codes.isna().any():
        pos = int(np.flatnonzero(codes.isna().to_numpy())[0])
        raise SourceError(path, "missing country code", row=pos + 1, field=field)
    target: dict[str, str | None] = {}
    reason: dict[str, str | None] = {}
    plain: list[str] = []
    for c in uniques:
        if c in PUBLISHER_CODES:
            kind, store, _ = PUBLISHER_CODES[c]
            if kind == RENAMED:
                target[c], reason[c] = store, None
            elif kind == NOT_COUNTRY:
                target[c], reason[c] = None, "not_country (UNS, SPE, FRE, BUN, NZE)"
            elif store in SPECIAL_CODES:
                target[c], reason[c] = store, None
            else:
                target[c], reason[c] = None, "former_state_without_special_code"
        else:
            plain.append(c)
    if plain:
        resolved = resolve_column(pd.Series(plain), iso3, path, field)
        for c, r in zip(plain, resolved, strict=True):
            target[c], reason[c] = r, None
    return (pd.Series(codes.map(target).to_numpy(dtype=object), index=codes.index),
            pd.Series(codes.map(reason).to_numpy(dtype=object), index=codes.index))


def _as_category(values: pd.Series) -> pd.Series:
    """The column as a categorical of stripped strings (R factors arrive as categoricals)."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    return cat.cat.rename_categories([str(c).strip() for c in cat.cat.categories])


def _category_numbers(values: pd.Series, path: Path, field: str) -> pd.Series:
    """Numbers from a categorical of numeric text; the first bad row is named in the error."""
    cats = pd.Series(values.cat.categories)
    nums = pd.to_numeric(cats, errors="coerce")
    bad_cats = set(cats[nums.isna() | (np.mod(nums, 1) != 0)])
    bad = values.isin(bad_cats).to_numpy() | values.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise SourceError(path, f"expected a year, found {values.iloc[pos]!r}", row=pos + 1,
                          field=field, fix="restore the file as published")
    mapping = dict(zip(cats, nums.astype("int64"), strict=True))
    return pd.Series(values.map(mapping).to_numpy(dtype="int64"), index=values.index)


def load(data_dir: Path) -> list[SourceTable]:
    """Load penppml's Comtrade exports (``trade``) and DTA covariates (``trade_covariate``).

    Parameters
    ----------
    data_dir : Path
        Folder with the raw files (layout of ``shared/data/raw``).

    Returns
    -------
    list[SourceTable]
        ``trade`` (current US$, zeros kept) and ``trade_covariate`` (``dta_agreement`` 0/1 for
        every row; ``dta_agreement_id`` and the 16 provision dummies for pair-years with a DTA).
    """
    path = require_file(Path(data_dir), FILE)
    raw = read_rda_checked(path, "trade").reset_index(drop=True)
    check_columns(raw, ["exp", "imp", "time", "export", "id", *PROVISIONS], path,
                  fix="use trade.rda as published in penppml")
    exp_raw = _as_category(raw["exp"])
    imp_raw = _as_category(raw["imp"])
    year = _category_numbers(_as_category(raw["time"]), path, "time")
    value = to_numeric_checked(raw, "export", path, row_offset=1, allow_na=False)
    agr_id = to_numeric_checked(raw, "id", path, row_offset=1, allow_na=False)
    check_non_negative(pd.DataFrame({"export": value}), "export", path, row_offset=1)
    provisions = {p: to_numeric_checked(raw, p, path, row_offset=1, allow_na=False)
                  for p in PROVISIONS}
    has_agr = (agr_id != 0).to_numpy()
    for p, vals in provisions.items():
        bad = ~vals.isin([0.0, 1.0]).to_numpy() | ((vals.to_numpy() != 0) & ~has_agr)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise SourceError(path, f"provision {p} = {vals.iloc[pos]!r} (id {agr_id.iloc[pos]!r}): "
                              "expected 0/1, and 0 where no agreement is in force",
                              row=pos + 1, field=p, fix="restore the file as published")

    exporter, why_e = _code_map(exp_raw, path, "exp")
    importer, why_i = _code_map(imp_raw, path, "imp")
    why = why_e.where(why_e.notna(), why_i)
    keep = why.isna().to_numpy()
    dropped = {str(k): int(v) for k, v in why[~keep].value_counts().sort_index().items()}

    trade = trade_frame(exporter[keep], importer[keep], year[keep], value[keep], unit=UNIT,
                        source=SOURCE)
    check_unique(trade, TABLES["trade"].key, path, row_offset=1)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha256_file(path), len(trade), dropped)

    k_agr = has_agr[keep]
    with_agr = {"dta_agreement_id": agr_id[keep][k_agr].to_numpy()}
    with_agr.update({p: provisions[p][keep][k_agr].to_numpy() for p in PROVISIONS})
    cov = pd.concat([covariate_frame(trade, {"dta_agreement": k_agr.astype(float)}, SOURCE),
                     covariate_frame(trade[k_agr], with_agr, SOURCE)], ignore_index=True)
    cov_prov = Provenance(SOURCE, EDITION, PUBLISHER, FILE, sha256_file(path), len(cov), dropped)
    return [SourceTable("trade", trade, prov), SourceTable("trade_covariate", cov, cov_prov)]
