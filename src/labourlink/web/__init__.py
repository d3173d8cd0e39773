"""labourlink.web: the local dashboard and JSON API (``labourlink serve``).

>>> from labourlink.web.app import create_app      # doctest: +SKIP
>>> app = create_app("data/labourlink.duckdb")      # read-only store   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app"]

if TYPE_CHECKING:
    from labourlink.web.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from labourlink.web.app import create_app

        return create_app
    raise AttributeError(f"module 'labourlink.web' has no attribute {name!r}")
