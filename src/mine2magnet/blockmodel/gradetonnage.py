"""Grade-tonnage tables: tonnes, mean grades and contained oxide above cut-offs.

For a cut-off ``c`` on column ``g`` the rows of the block model with ``g ≥ c`` (and a
finite ``g``) give ``tonnes = Σ t``, mean grades ``Σ t·x / Σ t`` (over the rows where
``x`` is finite) and contained tonnes ``Σ t·x / 100`` for every reported ``*_pct``
column (``TREO_pct`` → ``TREO_t``). Rows are partial blocks (one per domain in a
block), so the tonnes already carry the volume fractions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError

__all__ = ["ALL_DOMAINS", "contained_column", "grade_tonnage"]

ALL_DOMAINS = "ALL"
"""Domain label of the rows that sum every domain."""


def contained_column(column: str) -> str:
    """Name of the contained-tonnes column of a grade column (``X_pct`` → ``X_t``).

    Examples
    --------
    >>> contained_column("Nd2O3_pct")
    'Nd2O3_t'
    """
    return f"{column[:-4]}_t" if column.endswith("_pct") else f"{column}_t"


def _one(table: pd.DataFrame, column: str, cutoffs: Sequence[float],
         report: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    g = table[column].to_numpy(dtype=float)
    t = table["tonnes"].to_numpy(dtype=float)
    v = table["volume_m3"].to_numpy(dtype=float) if "volume_m3" in table else None
    vals = {c: table[c].to_numpy(dtype=float) for c in report}
    rows = []
    for c in cutoffs:
        sel = np.isfinite(g) & (g >= c)
        ts = t[sel]
        tonnes = float(ts.sum())
        row: dict[str, float] = {"cutoff_pct": float(c), "tonnes": tonnes}
        if v is not None:
            row["volume_m3"] = float(v[sel].sum())
        for name, x in vals.items():
            xs = x[sel]
            ok = np.isfinite(xs)
            tt = float(ts[ok].sum())
            metal = float(np.sum(ts[ok] * xs[ok]))
            row[name] = metal / tt if tt > 0 else np.nan
            if name.endswith("_pct"):
                row[contained_column(name)] = metal / 100.0
        rows.append(row)
    return pd.DataFrame(rows)


def grade_tonnage(
    table: pd.DataFrame,
    *,
    column: str = "TREO_pct",
    cutoffs: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
    report_columns: Sequence[str] | None = None,
    by_domain: bool = True,
    domains: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tonnes, grades and contained tonnes above each cut-off.

    Parameters
    ----------
    table : pandas.DataFrame
        Block-model rows with ``tonnes`` [t], the cut-off column and the reported
        columns (``domain`` when ``by_domain``).
    column : str
        Cut-off column [%].
    cutoffs : sequence of float
        Cut-off grades [%].
    report_columns : sequence of str, optional
        Grades to report; default the cut-off column.
    by_domain : bool
        Also one block of rows per domain (the total is ``domain = "ALL"``).
    domains : sequence of str, optional
        Only these domains (default all in the table).

    Returns
    -------
    pandas.DataFrame
        ``domain``, ``cutoff_pct`` [%], ``tonnes`` [t], ``volume_m3`` [m³], each
        reported grade [%] and its contained tonnes ``*_t`` [t].

    Examples
    --------
    >>> t = pd.DataFrame({"domain": ["A", "A", "B"], "tonnes": [100.0, 300.0, 100.0],
    ...                   "TREO_pct": [1.0, 3.0, 2.0]})
    >>> gt = grade_tonnage(t, cutoffs=[0.0, 1.5], by_domain=False)
    >>> gt[["cutoff_pct", "tonnes", "TREO_pct", "TREO_t"]].values.tolist()
    [[0.0, 500.0, 2.4, 12.0], [1.5, 400.0, 2.75, 11.0]]
    """
    if column not in table.columns:
        raise ConfigError(f"grade-tonnage cut-off column {column!r} is not in the block model")
    report = list(report_columns) if report_columns is not None else [column]
    missing = [c for c in report if c not in table.columns]
    if missing:
        raise ConfigError(f"grade-tonnage report column(s) {missing} are not in the block model")
    cut = sorted(float(c) for c in cutoffs)
    t = table if domains is None else table[table["domain"].isin(list(domains))]
    parts = [_one(t, column, cut, report).assign(domain=ALL_DOMAINS)]
    if by_domain:
        for d in sorted(t["domain"].unique()):
            parts.append(_one(t[t["domain"] == d], column, cut, report).assign(domain=d))
    out = pd.concat(parts, ignore_index=True)
    return out[["domain", *[c for c in out.columns if c != "domain"]]]
