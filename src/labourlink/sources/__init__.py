"""Official-source loaders: one module per source.

Each loader module defines ``SOURCE`` (short id), ``FILES`` (tuple of
:class:`labourlink.sources.base.RemoteFile`: every raw file it reads, with its publisher's address
and checksum) and ``load(data_dir: Path) -> list[SourceTable]`` returning validated tidy frames for
store tables (see :mod:`labourlink.store.schema`), each with its provenance.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

# Loader modules in build order. A module listed here that does not exist yet is skipped.
LOADER_MODULES: tuple[str, ...] = (
    "undesa_ims2024",
    "undesa_ims2020",
    "undesa_ims2019",
    "undesa_totals",
    "wpp2024",
    "wb_bilateral",
    "wdi_remittances",
    "knomad",
    "datahub",
    "gdiviz",
    "pwt",
    "cepii",
    "centroids",
    "wto_imports",
    "penppml",
    "yotov",
    "rose",
    "fixest_trade",
    "wto_rta",
    "labpta",
    "chilton_woda",
)


# Modules that declare raw FILES but feed no store table (read directly by the interfaces).
FILE_MODULES: tuple[str, ...] = ("geometry",)


def file_modules() -> list[ModuleType]:
    """Every module that declares raw ``FILES``: the loaders, then the file-only modules."""
    return loader_modules() + _present(FILE_MODULES)


def loader_modules() -> list[ModuleType]:
    """The loader modules present, in build order."""
    return _present(LOADER_MODULES)


def _present(names: tuple[str, ...]) -> list[ModuleType]:
    out = []
    for name in names:
        full = f"{__name__}.{name}"
        if importlib.util.find_spec(full) is not None:
            out.append(importlib.import_module(full))
    return out
