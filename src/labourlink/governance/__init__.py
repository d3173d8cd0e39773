"""labourlink.governance: registry of migration-governance instruments, coverage and impact.

* :mod:`~labourlink.governance.schema` -- the record schema (pydantic) and vocabularies;
* :mod:`~labourlink.governance.registry` -- loading and validating records
  (:func:`load_registry`, :func:`validate_records`);
* :mod:`~labourlink.governance.derive` -- records derived from the store (BLAs, trade agreements);
* :mod:`~labourlink.governance.coverage` -- corridor coverage, gaps, timeline;
* :mod:`~labourlink.governance.impact` -- PPML of migrant stocks on instrument-in-force.
"""

from __future__ import annotations

from labourlink.governance.registry import (
    RecordError,
    Registry,
    RegistryError,
    load_curated,
    load_registry,
    validate_records,
)
from labourlink.governance.schema import KINDS, PROVISIONS, Instrument, PartialDate

__all__ = [
    "KINDS",
    "PROVISIONS",
    "Instrument",
    "PartialDate",
    "RecordError",
    "Registry",
    "RegistryError",
    "load_curated",
    "load_registry",
    "validate_records",
]
