"""Which edition of a revised series a number comes from: one home for revisions and defaults.

UN DESA revises the International Migrant Stock as a whole: the 2024 revision restates every year
back to 1990 (world 2020: 275,284,032 persons in Rev.2024, 280,598,105 in Rev.2020). The store
keeps each revision under its own ``migrant_stock.source``; every analysis reads one revision,
never a mix, and says which (:func:`revision_label`). The latest revision is the default.

The same holds for the World Bank/KNOMAD bilateral remittance matrices (2021, December 2022
version, the default; 2017, April 2018 version).

Accepted spellings of a revision: ``"2024"``, ``2024``, or the source id ``"undesa_ims2024"``;
``None`` means :data:`DEFAULT_REVISION`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from labourlink.errors import InvalidArgumentError

if TYPE_CHECKING:
    import duckdb

Revision = Literal["2024", "2020"]

#: Migrant stock revision -> ``migrant_stock.source``, newest first.
REVISIONS: dict[str, str] = {"2024": "undesa_ims2024", "2020": "undesa_ims2020"}
#: The default migrant stock revision (the latest).
DEFAULT_REVISION: str = "2024"
#: Publisher's edition code of each revision.
EDITIONS: dict[str, str] = {"2024": "POP/DB/MIG/Stock/Rev.2024",
                            "2020": "POP/DB/MIG/Stock/Rev.2020"}
#: Older revisions the store also holds, reachable by source id only (both sexes, no 'Other').
LEGACY_SOURCES: dict[str, str] = {"undesa_ims2019": "2019"}

#: Bilateral remittance matrix edition -> ``remittance_bilateral.source``, newest first.
REMITTANCE_MATRICES: dict[str, str] = {"2021": "knomad_remittance_matrix_2021",
                                       "2017": "wb_remittance_matrix_2017"}
DEFAULT_REMITTANCE_MATRIX: str = "2021"
REMITTANCE_MATRIX_LABELS: dict[str, str] = {
    "2021": "KNOMAD/World Bank Bilateral Remittance Matrix 2021 (December 2022)",
    "2017": "World Bank Bilateral Remittance Matrix 2017 (April 2018)",
}


def _resolve(value: object, table: Mapping[str, str], default: str, name: str,
             legacy: Mapping[str, str] | None = None) -> str:
    if value is None:
        return default
    text = str(value).strip()
    if text in table:
        return text
    for key, source in table.items():
        if text == source:
            return key
    if legacy and text in legacy:
        return legacy[text]
    if legacy and text in legacy.values():
        return text
    allowed = list(table) + list(table.values())
    raise InvalidArgumentError(name, value, allowed)


def normalise_revision(revision: object = None, *, allow_legacy: bool = False) -> str:
    """A revision as its year string (``"2024"``); ``None`` gives the default.

    Raises :class:`~labourlink.errors.InvalidArgumentError` listing the allowed revisions.
    ``allow_legacy`` also accepts the source ids of :data:`LEGACY_SOURCES` (``"undesa_ims2019"``).
    """
    return _resolve(revision, REVISIONS, DEFAULT_REVISION, "revision",
                    LEGACY_SOURCES if allow_legacy else None)


def stock_source(revision: object = None, *, allow_legacy: bool = False) -> str:
    """``migrant_stock.source`` of a revision (``"2024"`` -> ``"undesa_ims2024"``)."""
    rev = normalise_revision(revision, allow_legacy=allow_legacy)
    if rev in REVISIONS:
        return REVISIONS[rev]
    return {v: k for k, v in LEGACY_SOURCES.items()}[rev]


def revision_of(source: str) -> str:
    """The revision (``"2024"``) of a ``migrant_stock`` source id (``"undesa_ims2024"``)."""
    return normalise_revision(source, allow_legacy=True)


def available_revisions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Revisions (``"2024"``, ``"2020"``) whose stocks are in the store, newest first."""
    present = {r[0] for r in con.execute("SELECT DISTINCT source FROM migrant_stock").fetchall()}
    return [rev for rev, src in REVISIONS.items() if src in present]


def resolve_revision(con: duckdb.DuckDBPyConnection, revision: object = None, *,
                     allow_legacy: bool = False) -> str:
    """The revision to use with this store: ``revision`` itself (checked), or with ``None`` the
    newest revision the store holds (:data:`DEFAULT_REVISION` in a store built from the full data
    folder)."""
    if revision is None:
        avail = available_revisions(con)
        return avail[0] if avail else DEFAULT_REVISION
    return normalise_revision(revision, allow_legacy=allow_legacy)


def resolve_stock_source(con: duckdb.DuckDBPyConnection, revision: object = None) -> str:
    """``migrant_stock.source`` for ``revision`` in this store (see :func:`resolve_revision`);
    legacy source ids (``"undesa_ims2019"``) are accepted."""
    return stock_source(resolve_revision(con, revision, allow_legacy=True), allow_legacy=True)


def resolve_remittance_matrix(con: duckdb.DuckDBPyConnection, edition: object = None) -> str:
    """The remittance matrix edition to use: ``edition`` (checked) or with ``None`` the newest
    edition the store holds."""
    if edition is None:
        present = {r[0] for r in con.execute(
            "SELECT DISTINCT source FROM remittance_bilateral").fetchall()}
        for key, src in REMITTANCE_MATRICES.items():
            if src in present:
                return key
        return DEFAULT_REMITTANCE_MATRIX
    return normalise_remittance_matrix(edition)


def revision_label(revision: object = None) -> str:
    """Citation line of a revision: ``"UN DESA International Migrant Stock 2024
    (POP/DB/MIG/Stock/Rev.2024)"``."""
    rev = normalise_revision(revision, allow_legacy=True)
    edition = EDITIONS.get(rev, f"POP/DB/MIG/Stock/Rev.{rev}")
    return f"UN DESA International Migrant Stock {rev} ({edition})"


def normalise_remittance_matrix(edition: object = None) -> str:
    """A remittance matrix edition as its year string (``"2021"``); ``None`` gives the default."""
    return _resolve(edition, REMITTANCE_MATRICES, DEFAULT_REMITTANCE_MATRIX, "remittance_matrix")


def remittance_matrix_source(edition: object = None) -> str:
    """``remittance_bilateral.source`` of a matrix edition (``"2021"`` ->
    ``"knomad_remittance_matrix_2021"``)."""
    return REMITTANCE_MATRICES[normalise_remittance_matrix(edition)]


def nearest_at_or_before(year: int, available: list[int] | tuple[int, ...]) -> int | None:
    """The latest of ``available`` years that is ``<= year`` (``None`` if there is none).

    Used where another input stops earlier than the stock revision (trade 2020, employment 2019):
    a 2024 stock is joined with the input's year nearest at or before 2024, and outputs say so.
    """
    before = [y for y in available if y <= year]
    return max(before) if before else None


__all__ = [
    "DEFAULT_REMITTANCE_MATRIX", "DEFAULT_REVISION", "EDITIONS", "LEGACY_SOURCES",
    "REMITTANCE_MATRICES", "REVISIONS", "Revision", "available_revisions", "nearest_at_or_before",
    "normalise_remittance_matrix", "normalise_revision", "remittance_matrix_source",
    "resolve_remittance_matrix", "resolve_revision", "resolve_stock_source", "revision_label",
    "revision_of", "stock_source",
]
