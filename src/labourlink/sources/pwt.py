"""Penn World Table 10.01 (Feenstra, Inklaar & Timmer 2015; GGDC, January 2023).

Read from ``pwt10.01.rda`` as shipped in the CRAN package ``pwt10`` 10.01-0 (byte copy of the
``cran/pwt10`` mirror; the CSV beside it is a conversion made for this project and is not read).
Object ``pwt10.01``: 12,810 rows (183 countries x 1950-2019), columns ``country``, ``isocode``
(ISO3), ``year`` and the PWT variables. The variables in :data:`VARIABLES` go to table
``indicator`` as codes ``PWT.<variable>`` with the units of the package documentation. Empty cells
(e.g. ``labsh`` for ARE and NPL in 2019) are dropped and counted. GDP per capita (2017 US$ PPP) =
``PWT.rgdpe`` / ``PWT.pop``; labour compensation per worker = ``labsh * cgdpo / emp``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from labourlink.errors import SourceError
from labourlink.sources.base import (
    Provenance,
    RemoteFile,
    SourceTable,
    check_unique,
    github_raw,
    indicator_frame,
    read_rda_checked,
    require_file,
    resolve_column,
    sha256_file,
    to_numeric_checked,
)
from labourlink.sources.undesa_ims2020 import iso3_resolver

SOURCE = "pwt_10.01"
EDITION = "Penn World Table 10.01"
PUBLISHER = "Groningen Growth and Development Centre (Feenstra, Inklaar & Timmer)"
TABLE = "indicator"
OBJECT = "pwt10.01"

FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        "pwt10/pwt10.01.rda",
        github_raw("cran/pwt10", "957b298fd706a567af96ccb1663ad68d5e5d07ba", "data/pwt10.01.rda"),
        "6d9e028a69669e1550d6dea48ae8383bf0b629af9467fc826d2ed9ab222ead1a",
    ),
)

#: PWT variable -> unit (from the package's ``pwt10.01.Rd``). Stored as code ``PWT.<variable>``.
VARIABLES: dict[str, str] = {
    "rgdpe": "million 2017 US$ PPP",  # expenditure-side real GDP at chained PPPs
    "pop": "million persons",
    "emp": "million persons",  # persons engaged
    "labsh": "share of GDP",  # share of labour compensation in GDP at current national prices
    "cgdpo": "million 2017 US$ PPP",  # output-side real GDP at current PPPs
    "hc": "index",  # human capital index (years of schooling and returns to education)
    "avh": "hours per person engaged per year",
}


def load(data_dir: Path) -> list[SourceTable]:
    """Load selected PWT 10.01 variables into table ``indicator``.

    Parameters
    ----------
    data_dir
        Folder laid out like ``shared/data/raw``.

    Returns
    -------
    list[SourceTable]
        One ``indicator`` table with codes ``PWT.rgdpe`` ... ``PWT.avh`` (units in
        :data:`VARIABLES`), source ``pwt_10.01``. Errors name the 1-based data row and field.
    """
    rel = FILES[0].path
    path = require_file(data_dir, rel)
    raw = read_rda_checked(path, OBJECT).reset_index(drop=True)
    missing = [c for c in ("isocode", "year", *VARIABLES) if c not in raw.columns]
    if missing:
        raise SourceError(path, f"columns {missing} missing", field=missing[0],
                          fix="use pwt10.01.rda as shipped in the pwt10 package")
    year = to_numeric_checked(raw, "year", path, row_offset=1, allow_na=False)
    iso = raw["isocode"].astype(str).str.strip()
    wide = pd.DataFrame({"iso": iso, "year": year.astype("int64")})
    for var in VARIABLES:
        vals = to_numeric_checked(raw, var, path, row_offset=1, non_negative=True)
        wide[var] = vals
    check_unique(wide, ["iso", "year"], path, row_offset=1)

    names = list(VARIABLES)
    values = wide[names].to_numpy(dtype=float)
    n, k = values.shape
    flat = values.reshape(-1)
    ok = ~np.isnan(flat)
    var = np.tile(np.asarray(names, dtype=object), n)[ok]
    long = pd.DataFrame({
        "iso": np.repeat(wide["iso"].to_numpy(), k)[ok],
        "year": np.repeat(wide["year"].to_numpy(), k)[ok],
        "var": var,
        "value": flat[ok],
    })
    frame = indicator_frame(resolve_column(long["iso"], iso3_resolver(), path, "isocode"),
                            long["year"], long["value"], code="PWT." + long["var"],
                            unit=long["var"].map(VARIABLES), source=SOURCE)
    check_unique(frame, ["code", "iso3", "year"], path, row_offset=0)
    prov = Provenance(SOURCE, EDITION, PUBLISHER, rel, sha256_file(path), len(frame),
                      {"empty cell": int((~ok).sum())})
    return [SourceTable(TABLE, frame, prov)]
