"""labourlink: regional integration, trade and labour mobility in Asia and the Pacific.

Data flows one way: ``sources`` (official files) -> ``store`` (DuckDB) -> analysis
(``trends``, ``gravity``, ``scenarios``, ``governance``) -> interfaces (``cli``, ``report``, ``web``).
Country codes are ISO3 throughout; years are integers.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
