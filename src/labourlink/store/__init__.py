"""The DuckDB store: one schema (:mod:`.schema`), atomic builds (:mod:`.build`), Parquet export.

>>> from labourlink.store import connect
>>> con = connect()            # read-only connection to LABOURLINK_STORE   # doctest: +SKIP
>>> con.sql("select * from provenance").df()                                # doctest: +SKIP
"""

from __future__ import annotations

from labourlink.store.build import BuildReport, build_store, input_fingerprint
from labourlink.store.db import connect, export_tables, provenance_table

__all__ = ["BuildReport", "build_store", "connect", "export_tables", "input_fingerprint",
           "provenance_table"]
