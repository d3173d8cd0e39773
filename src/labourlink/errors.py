"""Every labourlink error derives from :class:`LabourlinkError`.

Messages name the bad input (file, sheet, row, field or value), what was expected, and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class LabourlinkError(Exception):
    """Root of all labourlink errors: catch this to catch them all."""


class SourceError(LabourlinkError):
    """A raw input file is missing, unreadable or does not hold what its publisher ships.

    The message names the file and, where known, the sheet, the row (1-based, as a spreadsheet
    shows it, or the 0-based data row when stated) and the field.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | str | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file)
        self.sheet = sheet
        self.row = row
        self.field = field
        self.problem = problem
        self.fix = fix
        where = [f"file {self.file}"]
        if sheet is not None:
            where.append(f"sheet '{sheet}'")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        msg = f"{', '.join(where)}: {problem}"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class UnknownCountryError(LabourlinkError, LookupError):
    """A country name or code that does not resolve to an ISO3 code."""

    def __init__(self, value: str, suggestions: Sequence[str] = (), context: str = "") -> None:
        self.value = value
        self.suggestions = list(suggestions)
        msg = f"unknown country {value!r}"
        if context:
            msg += f" ({context})"
        if self.suggestions:
            msg += "; closest matches: " + ", ".join(self.suggestions)
        msg += ". Pass an ISO3 code, an ISO2/M49 code or a UN DESA / World Bank name"
        super().__init__(msg)


class UnknownGroupError(LabourlinkError, LookupError):
    """A country grouping name that labourlink does not know."""

    def __init__(self, value: str, allowed: Sequence[str]) -> None:
        self.value = value
        self.allowed = list(allowed)
        super().__init__(
            f"unknown group {value!r}; allowed groups: {', '.join(self.allowed)}"
        )


class StoreError(LabourlinkError):
    """The store is missing, stale, or a build failed (the previous store is kept)."""


class InvalidArgumentError(LabourlinkError, ValueError):
    """A function or command argument outside its allowed values (the message lists them)."""

    def __init__(self, name: str, value: object, allowed: Sequence[object] | str) -> None:
        self.name = name
        self.value = value
        allowed_txt = allowed if isinstance(allowed, str) else ", ".join(map(str, allowed))
        super().__init__(f"{name}={value!r} is not allowed; expected {allowed_txt}")


class EstimationError(LabourlinkError):
    """A model cannot be estimated as specified (bad formula, no variation, ...)."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped before reaching its tolerance."""


class ClusterError(LabourlinkError):
    """The Dask runner (:mod:`labourlink.cluster`) cannot start or finish a run: unreachable
    scheduler, workers with another labourlink, data a worker cannot read, a failed task."""
