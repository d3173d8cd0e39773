"""Numbers as people read them: the one formatting module of the brief and the country briefs.

Every number the publications print goes through this module, whether it lands in a sentence, a
table cell, a chart label or a CSV header, so the same quantity is printed the same way
everywhere (and tests format an API value with the same function to find it in the PDF).

Rules (``shared/design/publication.md``):

* no scientific notation, never ``-0`` or ``+0.0`` (a change that rounds to zero is "no change");
* a true minus sign (U+2212) for negative numbers in text and tables;
* persons: ``66,984,019`` in tables, ``67.0 million`` in text (below a million: ``848,155``);
* money: ``US$ 285.2 billion`` / ``US$ 512.3 million`` in text, US$ million with one decimal in
  tables (``1,234.5``);
* percentages: one decimal (``43.6%``), two below 0.1 (``0.04%``) and ``less than 0.01%`` below
  that in text (``<0.01`` and ``>−0.01`` in tables);
* column headers carry their unit (``Migrants, 2024 (persons)``); CSV headers are snake_case
  names ending in their unit (``migrants_persons``, ``remittances_usd_million``).

>>> persons_text(66_984_019)
'67.0 million'
>>> usd_text(285.2e9)
'US$ 285.2 billion'
>>> pct_text(0.00004)
'less than 0.01%'
>>> change_persons_text(-2_100_000)
'−2.1 million'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MINUS", "Column", "Kind", "change_pct_text", "change_persons_text", "change_usd_text",
    "coef", "csv_column", "csv_header", "csv_value", "fixed", "header", "integer", "is_missing", "money_scale", "pct", "pct_text",
    "persons", "persons_text", "share_pct_text", "table_cell", "usd_million", "usd_text", "year",
]

#: The minus sign printed for negative numbers (U+2212), never the hyphen.
MINUS = "\u2212"
#: Printed where a value is missing.
MISSING = "–"

Kind = Literal["text", "year", "rank", "int", "persons", "usd", "usd_million", "usd_billion", "pct",
               "share", "coef", "ratio"]


def is_missing(v: object) -> bool:
    """True for None, NaN, NA and infinities."""
    if v is None:
        return True
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v) in ("<NA>", "nan", "NaN", "")
    return not math.isfinite(f)


def _signed(text: str, negative: bool) -> str:
    return f"{MINUS}{text}" if negative else text


def _fixed(v: float, digits: int) -> str:
    """``v`` with ``digits`` decimals and thousands separators; never ``-0`` (sign dropped when
    the rounded value is zero), the minus sign is U+2212."""
    text = f"{abs(v):,.{digits}f}"
    zero = float(text.replace(",", "")) == 0.0
    return _signed(text, v < 0 and not zero)


def fixed(v: float, digits: int = 1) -> str:
    """A plain number with ``digits`` decimals and separators (chart labels): ``1,234.5``,
    ``−0.3``; never ``-0``."""
    return MISSING if is_missing(v) else _fixed(float(v), digits)


# ----------------------------------------------------------------------------- tables (cells)
def integer(v: float | int) -> str:
    """A count with thousands separators: ``66,984,019`` (rounded to a whole number)."""
    return MISSING if is_missing(v) else _fixed(float(v), 0)


def persons(v: float | int) -> str:
    """Persons in a table: ``66,984,019``."""
    return integer(v)


def year(v: float | int) -> str:
    """A year: ``2024`` (no separator)."""
    return MISSING if is_missing(v) else str(int(round(float(v))))


def usd_million(v_usd: float) -> str:
    """US$ (not millions) shown in US$ million with one decimal: ``1,234.5``; below 0.05 million
    and above zero: ``<0.1``."""
    if is_missing(v_usd):
        return MISSING
    m = float(v_usd) / 1e6
    if 0 < abs(m) < 0.05:
        return "<0.1" if m > 0 else f">{MINUS}0.1"
    return _fixed(m, 1)


def usd_billion(v_usd: float) -> str:
    """US$ shown in US$ billion with one decimal: ``366.3``."""
    if is_missing(v_usd):
        return MISSING
    b = float(v_usd) / 1e9
    if 0 < abs(b) < 0.05:
        return "<0.1" if b > 0 else f">{MINUS}0.1"
    return _fixed(b, 1)


def pct(v: float, digits: int = 1) -> str:
    """A percentage in a table (the value is already in percent): ``43.6``; two decimals below
    0.1, ``<0.01`` (``>−0.01``) below 0.005 in magnitude; never ``-0.0``."""
    if is_missing(v):
        return MISSING
    f = float(v)
    a = abs(f)
    if a == 0:
        return _fixed(0.0, digits)
    if a < 0.005:
        return "<0.01" if f > 0 else f">{MINUS}0.01"
    if a < 0.1:
        return _fixed(f, max(digits, 2))
    return _fixed(f, digits)


def coef(v: float, digits: int = 3) -> str:
    """A regression coefficient or elasticity: ``0.024``, ``−0.036`` (fixed decimals)."""
    return MISSING if is_missing(v) else _fixed(float(v), digits)


def ratio(v: float, digits: int = 2) -> str:
    """A plain ratio with ``digits`` decimals."""
    return MISSING if is_missing(v) else _fixed(float(v), digits)


# ----------------------------------------------------------------------------- text
def _scaled(v: float, unit_words: tuple[tuple[float, str], ...], small_digits: int = 0) -> str:
    a = abs(v)
    for size, word in unit_words:
        if a >= size * 0.9995:
            return f"{_fixed(v / size, 1)} {word}"
    return _fixed(v, small_digits)


def persons_text(v: float | int) -> str:
    """Persons in a sentence: ``67.0 million``, ``1.2 billion``, below a million ``848,155``."""
    if is_missing(v):
        return "no data"
    return _scaled(float(v), ((1e9, "billion"), (1e6, "million")))


def usd_text(v_usd: float, currency: str = "US$") -> str:
    """Money in a sentence: ``US$ 285.2 billion``, ``US$ 512.3 million``, ``US$ 12,345``
    (``currency`` replaces ``US$``, e.g. ``PPP $``)."""
    if is_missing(v_usd):
        return "no data"
    f = float(v_usd)
    body = _scaled(abs(f), ((1e9, "billion"), (1e6, "million")))
    return _signed(f"{currency} {body}", f < 0 and body != "0")


def pct_text(v: float, digits: int = 1) -> str:
    """A percentage in a sentence (value in percent): ``43.6%``, ``0.04%``, ``less than 0.01%``
    (and ``less than −0.01%`` for small negatives), ``0%`` for exactly zero."""
    if is_missing(v):
        return "no data"
    f = float(v)
    if f == 0:
        return "0%"
    if abs(f) < 0.005:
        return "less than 0.01%" if f > 0 else f"between {MINUS}0.01% and 0%"
    return f"{pct(f, digits)}%"


def share_pct_text(share: float, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage in a sentence: ``0.436`` -> ``43.6%``."""
    return "no data" if is_missing(share) else pct_text(100.0 * float(share), digits)


def _signed_change(v: float, text: Callable[[float], str], zero: str) -> str:
    """``+``/minus and ``text(|v|)``; ``no change`` when ``text`` rounds it to ``zero``."""
    if is_missing(v):
        return "no data"
    f = float(v)
    body = text(abs(f))
    if body == zero:
        return "no change"
    return ("+" if f > 0 else MINUS) + body


def change_persons_text(v: float) -> str:
    """A signed change of persons: ``+1.3 million``, ``−2,100``, ``no change``."""
    return _signed_change(v, persons_text, "0")


def change_usd_text(v_usd: float) -> str:
    """A signed change of money: ``+US$ 1.2 billion``, ``−US$ 25.3 million``, ``no change``."""
    return _signed_change(v_usd, usd_text, "US$ 0")


def change_pct_text(v: float, digits: int = 1) -> str:
    """A signed change in percent: ``+1.3%``, ``−2.1%``; ``a rise of less than 0.01%`` /
    ``a fall of less than 0.01%`` for tiny changes, ``no change`` for exactly zero."""
    if is_missing(v):
        return "no data"
    f = float(v)
    if f == 0:
        return "no change"
    if abs(f) < 0.005:
        return "a rise of less than 0.01%" if f > 0 else "a fall of less than 0.01%"
    return ("+" if f > 0 else MINUS) + f"{pct(abs(f), digits)}%"


# ----------------------------------------------------------------------------- money scale
def money_scale(values: list[float] | tuple[float, ...]) -> tuple[float, str]:
    """Divisor and unit label for a chart or table of US$ amounts: (1e9, "US$ billion") when
    the largest magnitude is at least a billion, (1e6, "US$ million") from a million, else
    (1e3, "US$ thousand")."""
    finite = [abs(float(v)) for v in values if not is_missing(v)]
    top = max(finite) if finite else 0.0
    if top >= 1e9:
        return 1e9, "US$ billion"
    if top >= 1e6:
        return 1e6, "US$ million"
    return 1e3, "US$ thousand"


# ----------------------------------------------------------------------------- columns
@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``key`` (the frame column), ``label`` (printed header, without unit),
    ``kind`` (how cells are formatted and which unit the header and CSV name carry);
    ``signed`` prints a ``+`` before positive values (changes)."""

    key: str
    label: str
    kind: Kind = "text"
    digits: int = 1
    signed: bool = False

    @property
    def unit(self) -> str:
        """Unit printed in the header ("" for text and years)."""
        return UNITS[self.kind][0]

    @property
    def numeric(self) -> bool:
        """Right-aligned, tabular figures."""
        return self.kind != "text"


#: kind -> (unit printed in headers, suffix of CSV headers)
UNITS: dict[str, tuple[str, str]] = {
    "text": ("", ""),
    "year": ("", "year"),
    "rank": ("", ""),
    "int": ("number", "count"),
    "persons": ("persons", "persons"),
    "usd": ("US$", "usd"),
    "usd_million": ("US$ million", "usd_million"),
    "usd_billion": ("US$ billion", "usd_billion"),
    "pct": ("%", "pct"),
    "share": ("%", "pct"),
    "coef": ("elasticity", "elasticity"),
    "ratio": ("ratio", "ratio"),
}


def header(col: Column) -> str:
    """The printed header: ``Migrants, 2024 (persons)``; text and year columns have no unit."""
    unit = col.unit
    if col.kind in ("text", "year") or not unit:
        return col.label
    return f"{col.label} ({unit})"


#: Trailing unit tokens of API column names, replaced by the column's own unit in CSV headers.
_UNIT_ENDINGS = ("_usd", "_persons", "_share", "_pct")


def csv_header(col: Column) -> str:
    """The CSV header: a snake_case name ending in the unit of the values written
    (``received_usd`` in US$ million -> ``received_usd_million``; ``hosted`` in persons ->
    ``hosted_persons``); names that already carry their unit are kept (``received_pct_gdp``)."""
    suffix = UNITS[col.kind][1]
    key = col.key
    if not suffix:
        return key
    if key == suffix or key.endswith("_" + suffix):
        return key
    for ending in _UNIT_ENDINGS:
        if key.endswith(ending) and ending[1:] != suffix:
            key = key[: -len(ending)]
            break
    if suffix in key.split("_"):
        return key
    return f"{key}_{suffix}"


def table_cell(col: Column, v: object) -> str:
    """A table cell of column ``col``."""
    text = _cell(col, v)
    if col.signed and not is_missing(v) and col.kind != "text" and float(v) > 0:  # type: ignore[arg-type]
        if text.strip("0.,<") != "":
            return "+" + text
    return text


def _cell(col: Column, v: object) -> str:
    if col.kind == "text":
        return MISSING if is_missing(v) and not isinstance(v, str) else str(v)
    if is_missing(v):
        return MISSING
    f = float(v)  # type: ignore[arg-type]
    if col.kind in ("year", "rank"):
        return year(f)
    if col.kind in ("int", "persons"):
        return integer(f)
    if col.kind == "usd":
        return integer(f)
    if col.kind == "usd_million":
        return usd_million(f)
    if col.kind == "usd_billion":
        return usd_billion(f)
    if col.kind == "pct":
        return pct(f, col.digits)
    if col.kind == "share":
        return pct(100.0 * f, col.digits)
    if col.kind == "coef":
        return coef(f, col.digits if col.digits > 1 else 3)
    return ratio(f, col.digits)


def csv_column(col: Column, values: object) -> object:
    """A CSV column of ``col``: :func:`csv_value` of each value; years and counts as nullable
    integers (no ``2022.0``)."""
    import pandas as pd

    vals = [csv_value(col, v) for v in values]  # type: ignore[attr-defined]
    if col.kind in ("year", "rank", "int"):
        return pd.array([None if v is None else int(round(float(v))) for v in vals],  # type: ignore[arg-type]
                        dtype="Int64")
    return vals


def csv_value(col: Column, v: object) -> object:
    """The value written to the CSV (full precision; shares as percent, money in its unit)."""
    if is_missing(v):
        return None
    if col.kind == "text":
        return v
    f = float(v)  # type: ignore[arg-type]
    if col.kind in ("year", "rank"):
        return int(round(f))
    if col.kind == "usd_million":
        return f / 1e6
    if col.kind == "usd_billion":
        return f / 1e9
    if col.kind == "share":
        return 100.0 * f
    return f
