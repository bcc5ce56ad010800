"""Probabilistic outputs, assembled by streaming over the realisations on disk.

- :func:`percentiles`: P10/P50/P90 (any percentiles) and the mean of the values of a
  small per-realisation table row by row (grade-tonnage curves by cut-off; pit value and
  NPV with one row). P10 is the 10th percentile (``numpy.percentile``, linear
  interpolation between realisations), so P10 ≤ P50 ≤ P90.
- :func:`probability_above`: per block the fraction of realisations whose grade is at or
  above a cut-off (the mean of the indicator), accumulated one realisation and one
  Parquet batch at a time.
- :func:`period_confidence`: production-period classification support. For each
  period (a year or quarter of the schedule: a bench slice, a panel) the 90 % interval
  of ore tonnes and metal over the realisations, P5 … P95, relative to the mean:
  ``rel_ci = max(mean − P5, P95 − mean) / mean``. A period whose tonnes and metal are all
  within ±15 % at 90 % confidence (``rel_ci ≤ 0.15``) supports Measured; this is reported
  alongside the geometric classification, never instead of it.

Only one realisation's table (or one batch of it) and the per-row arrays of the summary
are in memory at a time; the functions check these against ``run.memory_limit_mb``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.uncertainty.runner import RealisationRun

__all__ = ["percentiles", "period_confidence", "probability_above"]


def _label(q: float) -> str:
    return f"p{q:g}".replace(".", "_")


def percentiles(
    run: RealisationRun,
    table: str,
    *,
    values: Sequence[str],
    by: Sequence[str] = (),
    q: Sequence[float] = (10.0, 50.0, 90.0),
) -> pd.DataFrame:
    """Percentiles and mean over realisations of a small per-realisation table.

    Parameters
    ----------
    run : RealisationRun
        Completed realisations.
    table : str
        Table name, e.g. ``"gradetonnage"`` [-].
    values : sequence of str
        Value columns, e.g. ``("tonnes", "TREO_pct", "TREO_t")`` [their units].
    by : sequence of str
        Key columns identifying a row, identical in every realisation (e.g.
        ``("cutoff_pct",)``); empty for one-row tables [-].
    q : sequence of float
        Percentiles in [0, 100] [%].

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n_realisations``, then per value ``<v>_mean`` and
        ``<v>_p10``, ``<v>_p50``, ``<v>_p90`` … [units of the value].

    Raises
    ------
    DataError
        When the key rows differ between realisations.
    ConfigError
        When the summary arrays exceed ``run.memory_limit_mb``.
    """
    if not run.records:
        raise DataError("no completed realisation to summarise")
    rows = max(int(r["tables"].get(table, {}).get("rows", 0)) for r in run.records)
    need = 8.0 * rows * len(values) * len(run.records) / 1e6
    if need > run.memory_limit_mb:
        raise ConfigError(
            f"percentiles of {table!r} need {need:.1f} MB over memory_limit_mb="
            f"{run.memory_limit_mb:g}; summarise fewer rows (fewer cut-offs or periods)"
        )
    keys: pd.DataFrame | None = None
    stack: list[np.ndarray] = []
    for r, df in run.iter_table(table, [*by, *values]):
        if by:
            df = df.sort_values(list(by), kind="stable").reset_index(drop=True)
        k = df[list(by)]
        if keys is None:
            keys = k
        elif not k.equals(keys):
            raise DataError(f"table {table!r} of realisation {r} has other {list(by)} rows")
        stack.append(df[list(values)].to_numpy(dtype=float))
    a = np.stack(stack)  # realisation × row × value
    out = keys.copy() if by else pd.DataFrame(index=range(a.shape[1]))
    out["n_realisations"] = a.shape[0]
    pct = np.percentile(a, list(q), axis=0)  # q × row × value
    for j, v in enumerate(values):
        out[f"{v}_mean"] = a[:, :, j].mean(axis=0)
        for i, qq in enumerate(q):
            out[f"{v}_{_label(qq)}"] = pct[i, :, j]
    return out.reset_index(drop=True)


def probability_above(
    run: RealisationRun,
    *,
    column: str,
    cutoff_pct: float,
    table: str = "blocks",
    key: str = "block_index",
) -> pd.DataFrame:
    """Per block, the fraction of realisations with ``column ≥ cutoff_pct``.

    Streams every realisation's Parquet file in batches sized to
    ``run.memory_limit_mb``; only the per-block counts stay in memory.

    Parameters
    ----------
    run : RealisationRun
        Completed realisations.
    column : str
        Grade column [%].
    cutoff_pct : float
        Cut-off [%].
    table : str
        Block table name [-].
    key : str
        Integer block key (flat block index ``i + nx·(j + ny·k)``), ≥ 0 [-].

    Returns
    -------
    pandas.DataFrame
        ``block_index``, ``probability`` [-] for every block present, by key.
    """
    if not run.records:
        raise DataError("no completed realisation to summarise")
    limit = run.memory_limit_mb * 1e6  # [bytes]
    count = np.zeros(0, np.int32)
    seen = np.zeros(0, np.bool_)
    batch = max(1024, int(limit / 4 / 16))  # two 8-byte columns, with headroom
    for r in run.realisations:
        for path in run.paths(table, r):  # one file, or the parts of a chunked realisation
            for b in pq.ParquetFile(path).iter_batches(batch_size=batch, columns=[key, column]):
                count, seen = _count_above(
                    b, key, column, cutoff_pct, count, seen, run.memory_limit_mb, path
                )
    present = np.flatnonzero(seen)
    return pd.DataFrame(
        {
            "block_index": present.astype(np.int64),
            "probability": count[present] / len(run.realisations),
        }
    )


def _count_above(
    batch: Any,
    key: str,
    column: str,
    cutoff_pct: float,
    count: np.ndarray,
    seen: np.ndarray,
    memory_limit_mb: float,
    path: Path,
) -> tuple[np.ndarray, np.ndarray]:
    """Add one Parquet record batch to the per-block counts above cut-off.

    ``count`` and ``seen`` are indexed by the block key and grow to the largest key seen;
    growing past ``memory_limit_mb`` (5 bytes per block) is refused.
    """
    idx = batch.column(key).to_numpy()
    g = batch.column(column).to_numpy(zero_copy_only=False)
    if idx.size and idx.min() < 0:
        raise DataError(f"{path}: negative {key}")
    top = int(idx.max()) + 1 if idx.size else 0
    if top > count.size:
        if 5 * top > memory_limit_mb * 1e6:
            raise ConfigError(
                f"{top} blocks need {5 * top / 1e6:.1f} MB of counts, over "
                f"memory_limit_mb={memory_limit_mb:g}; raise the limit"
            )
        count = np.concatenate([count, np.zeros(top - count.size, np.int32)])
        seen = np.concatenate([seen, np.zeros(top - seen.size, np.bool_)])
    hit = np.isfinite(g) & (g >= cutoff_pct)
    np.add.at(count, idx[hit], 1)
    seen[idx] = True
    return count, seen


def period_confidence(
    run: RealisationRun,
    *,
    table: str = "periods",
    values: Sequence[str] = ("tonnes", "metal_t"),
    tolerance: float = 0.15,
    confidence: float = 0.90,
) -> pd.DataFrame:
    """Relative confidence interval of production per period and the ±tolerance flag.

    Parameters
    ----------
    run : RealisationRun
        Completed realisations.
    table : str
        Per-realisation period table with a ``period`` column [-].
    values : sequence of str
        Production quantities, e.g. ore ``tonnes`` [t] and ``metal_t`` [t].
    tolerance : float
        Relative half-width accepted, e.g. 0.15 for ±15 % [-].
    confidence : float
        Two-sided confidence of the interval, e.g. 0.90 [-].

    Returns
    -------
    pandas.DataFrame
        ``period``, ``n_realisations``, per value the mean, lower and upper percentile
        and ``<v>_rel_ci`` [-]; ``within_tolerance`` (bool) when every ``rel_ci`` is at
        most ``tolerance``.

    Notes
    -----
    With ``confidence = 0.90`` the interval is P5 … P95 over the realisations; a period
    whose tonnes vary uniformly by ±20 % has ``rel_ci ≈ 0.18`` and is not within ±15 %.
    """
    if not 0 < confidence < 1 or tolerance <= 0:
        raise ConfigError("confidence must be in (0, 1) and tolerance > 0")
    lo, hi = 50 * (1 - confidence), 50 * (1 + confidence)
    out = percentiles(run, table, values=values, by=("period",), q=(lo, 50.0, hi))
    ok = np.ones(len(out), bool)
    for v in values:
        m = out[f"{v}_mean"].to_numpy()
        half = np.maximum(m - out[f"{v}_{_label(lo)}"], out[f"{v}_{_label(hi)}"] - m)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(m > 0, half / m, np.inf)
        out[f"{v}_rel_ci"] = rel
        ok &= rel <= tolerance
    out["within_tolerance"] = ok
    return out
