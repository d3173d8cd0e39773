"""labourlink.report: the brief (HTML, PDF, CSV tables), charts and maps.

>>> from labourlink.report import build_brief
>>> build_brief("out", group="ESCAP", year=2020)     # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["build_brief"]

if TYPE_CHECKING:
    from labourlink.report.brief import build_brief


def __getattr__(name: str) -> Any:
    if name == "build_brief":
        from labourlink.report.brief import build_brief

        return build_brief
    raise AttributeError(f"module 'labourlink.report' has no attribute {name!r}")
