"""labourlink.gravity: PPML with high-dimensional fixed effects (the engine of every gravity model).

``ppml(data, "trade ~ log_mig + rta | exp^year + imp^year + pair", vcov={"CRV1": "pair"})``
returns a read-only :class:`PPMLResult`. See :mod:`labourlink.gravity.model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ppml", "PPMLResult"]

if TYPE_CHECKING:
    from labourlink.gravity.model import ppml
    from labourlink.gravity.results import PPMLResult


def __getattr__(name: str) -> Any:
    if name == "ppml":
        from labourlink.gravity.model import ppml

        return ppml
    if name == "PPMLResult":
        from labourlink.gravity.results import PPMLResult

        return PPMLResult
    raise AttributeError(f"module 'labourlink.gravity' has no attribute {name!r}")
