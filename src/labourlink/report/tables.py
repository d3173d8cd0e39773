"""Regression tables across models, like fixest's ``etable``: terminal, Markdown, LaTeX, HTML.

>>> from labourlink.report.tables import etable
>>> print(etable({"(1)": res1, "(2)": res2}, fmt="md"))        # doctest: +SKIP

Works with any result that has ``tidy()`` (index = term; columns ``estimate``, ``std_error``,
``p_value``) and ``nobs``; optional ``formula``, ``converged``, ``separated``, ``pseudo_r2`` or
``r2`` and a vcov description (``vcov_label``, or the ``vcov`` column of ``to_frame()``) are
shown when present. Every number comes from ``tidy()``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from labourlink.errors import InvalidArgumentError

Format = Literal["table", "md", "latex", "html"]
FORMATS: tuple[str, ...] = ("table", "md", "latex", "html")
STARS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def _stars(p: float) -> str:
    if p is None or not math.isfinite(p):
        return ""
    for cut, s in STARS:
        if p < cut:
            return s
    return ""


def _vcov_label(res: Any) -> str:
    lab = getattr(res, "vcov_label", None)
    if isinstance(lab, str):
        return lab
    try:
        fr = res.to_frame()
        if "vcov" in fr.columns and len(fr):
            return str(fr["vcov"].iloc[0])
    except Exception:  # noqa: BLE001 - optional display information only
        pass
    return ""


def _fixef(res: Any) -> list[str]:
    f = getattr(res, "formula", None)
    if isinstance(f, str) and "|" in f:
        return [s.strip() for s in f.split("|", 1)[1].split("+") if s.strip()]
    return []


@dataclass(frozen=True)
class RegressionTable:
    """A table of several models: ``cells`` (term x model strings for estimates and standard
    errors) and ``stats`` (statistic x model strings); render with :meth:`render`."""

    models: tuple[str, ...]
    terms: tuple[str, ...]
    coef: pd.DataFrame  # term x model, estimate (float)
    se: pd.DataFrame  # term x model, std error (float)
    pvalue: pd.DataFrame  # term x model
    stats: pd.DataFrame  # row label x model, strings
    digits: int = 4
    title: str = ""
    notes: str = "Standard errors in parentheses. *** p<0.01, ** p<0.05, * p<0.1."

    def _est(self, term: str, model: str) -> tuple[str, str]:
        b = self.coef.at[term, model]
        if b is None or not np.isfinite(b):
            return "", ""
        s = self.se.at[term, model]
        est = f"{b:.{self.digits}f}{_stars(self.pvalue.at[term, model])}"
        sd = f"({s:.{self.digits}f})" if s is not None and np.isfinite(s) else ""
        return est, sd

    def to_frame(self) -> pd.DataFrame:
        """The table as strings: two rows per term (estimate, standard error), then statistics."""
        rows: list[list[str]] = []
        index: list[str] = []
        for t in self.terms:
            e, s = zip(*(self._est(t, m) for m in self.models), strict=True)
            rows.append(list(e))
            index.append(t)
            rows.append(list(s))
            index.append("")
        for lab, r in self.stats.iterrows():
            rows.append([str(r[m]) for m in self.models])
            index.append(str(lab))
        return pd.DataFrame(rows, index=pd.Index(index, name=""), columns=list(self.models))

    def to_terminal(self) -> str:
        """Plain text with aligned columns."""
        fr = self.to_frame()
        n_terms = 2 * len(self.terms)
        w0 = max([len(str(i)) for i in fr.index] + [4])
        ws = [max([len(str(c))] + [len(str(v)) for v in fr[c]]) for c in fr.columns]
        line = "-" * (w0 + sum(w + 2 for w in ws))
        out = [self.title] if self.title else []
        out += [line, " " * w0 + "".join(f"  {c:>{w}}" for c, w in zip(fr.columns, ws, strict=True)), line]
        for k, (idx, row) in enumerate(fr.iterrows()):
            if k == n_terms:
                out.append(line)
            out.append(f"{idx:<{w0}}" + "".join(f"  {v:>{w}}" for v, w in zip(row, ws, strict=True)))
        out += [line, self.notes]
        return "\n".join(out)

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown table."""
        fr = self.to_frame()

        def esc(s: str) -> str:
            return str(s).replace("|", "\\|")

        out = [f"**{self.title}**", ""] if self.title else []
        out.append("| | " + " | ".join(esc(c) for c in fr.columns) + " |")
        out.append("|---|" + "---:|" * len(fr.columns))
        for idx, row in fr.iterrows():
            out.append(f"| {esc(idx)} | " + " | ".join(esc(v) for v in row) + " |")
        out += ["", self.notes]
        return "\n".join(out)

    def to_latex(self) -> str:
        """A LaTeX ``tabular`` (booktabs rules) wrapped in a ``table`` float."""
        fr = self.to_frame()

        def esc(s: str) -> str:
            s = str(s)
            for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                         ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}")):
                s = s.replace(a, b)
            return s.replace("***", "$^{***}$") if "***" in s else (
                s.replace("**", "$^{**}$") if "**" in s else s.replace("*", "$^{*}$"))

        n_terms = 2 * len(self.terms)
        out = [r"\begin{table}[htbp]", r"\centering"]
        if self.title:
            out.append(rf"\caption{{{esc(self.title)}}}")
        out += [r"\begin{tabular}{l" + "c" * len(fr.columns) + "}", r"\toprule",
                " & " + " & ".join(esc(c) for c in fr.columns) + r" \\", r"\midrule"]
        for k, (idx, row) in enumerate(fr.iterrows()):
            if k == n_terms:
                out.append(r"\midrule")
            out.append(esc(idx) + " & " + " & ".join(esc(v) for v in row) + r" \\")
        out += [r"\bottomrule", r"\end{tabular}",
                rf"\par\footnotesize {esc(self.notes).replace('$^{***}$', '***')}",
                r"\end{table}"]
        return "\n".join(out)

    def to_html(self) -> str:
        """An HTML ``<table>`` (class ``regression-table``)."""
        fr = self.to_frame()
        n_terms = 2 * len(self.terms)
        out = ['<table class="regression-table">']
        if self.title:
            out.append(f"<caption>{html.escape(self.title)}</caption>")
        out.append("<thead><tr><th></th>" + "".join(f"<th>{html.escape(str(c))}</th>"
                                                    for c in fr.columns) + "</tr></thead><tbody>")
        for k, (idx, row) in enumerate(fr.iterrows()):
            cls = ' class="stat"' if k >= n_terms else (' class="se"' if k % 2 else "")
            out.append(f"<tr{cls}><th>{html.escape(str(idx))}</th>"
                       + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
        out.append(f'</tbody><tfoot><tr><td colspan="{len(fr.columns) + 1}">'
                   f"{html.escape(self.notes)}</td></tr></tfoot></table>")
        return "\n".join(out)

    def render(self, fmt: str = "table") -> str:
        """Render as ``table`` (terminal), ``md``, ``latex`` or ``html``."""
        if fmt == "table":
            return self.to_terminal()
        if fmt == "md":
            return self.to_markdown()
        if fmt == "latex":
            return self.to_latex()
        if fmt == "html":
            return self.to_html()
        raise InvalidArgumentError("fmt", fmt, FORMATS)

    def __str__(self) -> str:
        return self.to_terminal()

    def _repr_html_(self) -> str:
        return self.to_html()


def regression_table(models: Mapping[str, Any] | Sequence[Any], *, digits: int = 4,
                     terms: Sequence[str] | None = None, title: str = "") -> RegressionTable:
    """Collect several fitted models into a :class:`RegressionTable`.

    Parameters
    ----------
    models : mapping label -> result, or sequence of results (labelled ``(1)``, ``(2)``, ...)
    digits : int
        Decimals of estimates and standard errors.
    terms : sequence of str, optional
        Terms to show, in order (default: every term, in order of first appearance).
    title : str
        Caption.
    """
    if not isinstance(models, Mapping):
        models = {f"({k + 1})": m for k, m in enumerate(models)}
    if not models:
        raise InvalidArgumentError("models", models, "at least one fitted model")
    labels = tuple(str(k) for k in models)
    tidies = {str(k): m.tidy() for k, m in models.items()}
    order: list[str] = []
    for t in tidies.values():
        order += [str(x) for x in t.index if str(x) not in order]
    if terms is not None:
        unknown = [t for t in terms if t not in order]
        if unknown:
            raise InvalidArgumentError("terms", unknown, order)
        order = list(terms)

    def grid(col: str) -> pd.DataFrame:
        return pd.DataFrame({lab: tidies[lab][col].reindex(order) if col in tidies[lab] else
                             pd.Series(np.nan, index=order) for lab in labels}, index=order)

    stats_rows: dict[str, dict[str, str]] = {}
    fes = {lab: _fixef(m) for lab, m in zip(labels, models.values(), strict=True)}
    all_fe: list[str] = []
    for f in fes.values():
        all_fe += [x for x in f if x not in all_fe]
    for fe in all_fe:
        stats_rows[f"FE: {fe}"] = {lab: ("Yes" if fe in fes[lab] else "No") for lab in labels}
    stats_rows["Observations"] = {lab: f"{int(m.nobs):,}" for lab, m in
                                  zip(labels, models.values(), strict=True)}
    fit: dict[str, str] = {}
    for lab, m in zip(labels, models.values(), strict=True):
        pr = getattr(m, "pseudo_r2", None)
        r2 = getattr(m, "r2", None)
        fit[lab] = (f"{pr:.4f}" if isinstance(pr, float) else
                    f"R2 {r2:.4f}" if isinstance(r2, float) else "")
    if any(fit.values()):
        stats_rows["Pseudo R2 / R2"] = fit
    sep = {lab: f"{int(np.asarray(getattr(m, 'separated', [])).sum()):,}"
           for lab, m in zip(labels, models.values(), strict=True)}
    stats_rows["Separated"] = sep
    vl = {lab: _vcov_label(m) for lab, m in zip(labels, models.values(), strict=True)}
    if any(vl.values()):
        stats_rows["S.E."] = vl
    conv = {lab: ("Yes" if bool(getattr(m, "converged", True)) else "NO")
            for lab, m in zip(labels, models.values(), strict=True)}
    stats_rows["Converged"] = conv
    stats = pd.DataFrame(stats_rows).T[list(labels)]
    return RegressionTable(labels, tuple(order), grid("estimate"), grid("std_error"),
                           grid("p_value"), stats, digits=digits, title=title)


def etable(models: Mapping[str, Any] | Sequence[Any], fmt: str = "table", *, digits: int = 4,
           terms: Sequence[str] | None = None, title: str = "") -> str:
    """Render several models side by side (fixest's ``etable``).

    Parameters
    ----------
    models : mapping label -> result, or sequence of results
    fmt : {"table", "md", "latex", "html"}
        Terminal text, Markdown, LaTeX or HTML.
    digits, terms, title
        See :func:`regression_table`.

    Returns
    -------
    str
    """
    if fmt not in FORMATS:
        raise InvalidArgumentError("fmt", fmt, FORMATS)
    return regression_table(models, digits=digits, terms=terms, title=title).render(fmt)
