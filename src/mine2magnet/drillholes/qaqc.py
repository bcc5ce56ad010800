"""QA/QC of assay data: certified reference materials, blanks and duplicates.

Pure functions over the drillhole tables (see :mod:`mine2magnet.drillholes.types`), so
tests and notebooks can build the tables by hand; :func:`qaqc_summary` wires them to a
:class:`~mine2magnet.drillholes.types.DrillholeDB`.

Input tables
------------
``qaqc``
    One row per QA/QC insert: ``sample_id``, ``qc_type`` (``crm``, ``blank``,
    ``field_duplicate``, ``lab_duplicate``), ``standard_id`` (CRMs), ``parent_sample_id``
    (duplicates), ``row`` (line of the assay file, a proxy for analysis order) and the
    canonical grade columns ``<species>_pct`` [%] (missing = NaN).
``standards``
    One row per certified value: ``standard_id``, ``column`` (a canonical grade column),
    ``expected`` and ``sd`` in canonical units [%]; one row per (standard, column).
``assays``
    The primary samples: ``sample_id``, ``row`` and the grade columns [%].

Checks
------
* **CRMs** — z-score ``(value − expected) / sd`` of every result; Westgard-style rules
  (Westgard et al. 1981, as adapted to mining QA/QC by Abzalov 2008): beyond ±2 SD is a
  warning, beyond ±3 SD a failure (rule 1-3s), two consecutive results beyond 2 SD on the
  same side a failure (rule 2-2s), and a run of ``trend_run`` (default 9) consecutive
  results on one side of the expected value a bias trend. "Consecutive" follows the assay
  file order (``row``) within one (standard, column) series.
* **Blanks** — value as a multiple of the detection limit; failure above
  ``limit_multiple`` × DL. A failing blank that directly follows a high-grade sample in
  the assay file gets a carry-over note.
* **Duplicates** (field and lab separately) — half absolute relative difference
  ``HARD = 100 |a − b| / (a + b)``, the share of pairs within a HARD limit, the average
  coefficient of variation ``CV_avg`` (root mean square of per-pair CVs; Stanley & Lawie
  2007), Pearson correlation and the reduced-major-axis (RMA) slope.

Every broken rule becomes a row of the ``failures`` table (see :data:`FAILURE_RULES`).

References
----------
Abzalov, M. (2008). Quality control of assay data: a review of procedures for measuring
and monitoring precision and accuracy. *Exploration and Mining Geology* 17(3–4), 131–144.

Stanley, C.R. & Lawie, D. (2007). Average relative error in geochemical determinations:
clarification, calculation, and a plea for consistency. *Exploration and Mining Geology*
16(3–4), 265–274.

Westgard, J.O., Barry, P.L., Hunt, M.R. & Groth, T. (1981). A multi-rule Shewhart chart
for quality control in clinical chemistry. *Clinical Chemistry* 27(3), 493–501.

Kermack, K.A. & Haldane, J.B.S. (1950). Organic correlation and allometry.
*Biometrika* 37, 30–41 (reduced major axis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mine2magnet.config import QaqcParams
from mine2magnet.drillholes.types import DrillholeDB

__all__ = [
    "FAILURE_RULES",
    "QC_TYPES",
    "BlankCheck",
    "CrmCheck",
    "DuplicateCheck",
    "QaqcResult",
    "blank_check",
    "crm_check",
    "cv_avg_pct",
    "duplicate_check",
    "hard_pct",
    "pair_cv_pct",
    "qaqc_summary",
    "rma_fit",
]

QC_TYPES = ("crm", "blank", "field_duplicate", "lab_duplicate")
DUPLICATE_TYPES = ("field_duplicate", "lab_duplicate")

#: Rule codes of the ``failures`` table and what ``value`` / ``limit`` hold for each.
FAILURE_RULES: dict[str, str] = {
    "crm_outside_3sd": "CRM result beyond expected ± 3 SD (Westgard 1-3s); value = result "
    "[%], limit = the crossed bound expected ± 3 SD [%]",
    "crm_2x2sd_same_side": "second of two consecutive CRM results beyond 2 SD on the same "
    "side (Westgard 2-2s); value = result [%], limit = expected ± 2 SD [%]",
    "crm_bias_trend": "run of consecutive CRM results on one side of the expected value; "
    "listed at the result that completes the minimum run; value = full run length [-], "
    "limit = minimum run length [-]",
    "crm_unknown_standard": "CRM whose standard_id is missing or has no certified values; "
    "value and limit empty",
    "blank_above_limit": "blank above the limit multiple of the detection limit; value = "
    "result [%], limit = multiple × DL [%]",
    "duplicate_hard": "duplicate pair with HARD above the limit; value = HARD [%], limit = "
    "HARD limit [%]",
    "duplicate_precision": "share of pairs within the HARD limit below the required share; "
    "value = share [%], limit = required share [%]",
    "duplicate_parent_missing": "duplicate without a parent in the assays table; value and "
    "limit empty, note gives the reason",
}

_FAILURE_SCHEMA = {
    "sample_id": "string",
    "qc_type": "string",
    "column": "string",
    "rule": "string",
    "value": "float64",
    "limit": "float64",
    "row": "Int64",
    "note": "string",
}

_CRM_RESULT_SCHEMA = {
    "sample_id": "string",
    "standard_id": "string",
    "column": "string",
    "row": "Int64",
    "value": "float64",
    "expected": "float64",
    "sd": "float64",
    "z_score": "float64",
    "outside_2sd": "bool",
    "outside_3sd": "bool",
    "two_consecutive_2sd": "bool",
    "run_length": "Int64",
    "bias_trend": "bool",
    "status": "string",
}

_CRM_SUMMARY_SCHEMA = {
    "standard_id": "string",
    "column": "string",
    "n": "int64",
    "n_missing": "int64",
    "expected": "float64",
    "certified_sd": "float64",
    "mean": "float64",
    "bias_pct": "float64",
    "observed_sd": "float64",
    "n_outside_2sd": "int64",
    "samples_outside_2sd": "string",
    "n_outside_3sd": "int64",
    "samples_outside_3sd": "string",
    "n_two_consecutive_2sd": "int64",
    "longest_run": "int64",
    "n_bias_trend_runs": "int64",
    "status": "string",
}

_BLANK_RESULT_SCHEMA = {
    "sample_id": "string",
    "column": "string",
    "row": "Int64",
    "value": "float64",
    "detection_limit": "float64",
    "dl_multiple": "float64",
    "limit_multiple": "float64",
    "status": "string",
    "preceding_sample_id": "string",
    "preceding_row": "Int64",
    "preceding_value": "float64",
    "high_grade_threshold": "float64",
    "preceding_high_grade": "bool",
    "note": "string",
}

_BLANK_SUMMARY_SCHEMA = {
    "column": "string",
    "n": "int64",
    "n_evaluated": "int64",
    "n_missing": "int64",
    "detection_limit": "float64",
    "limit_multiple": "float64",
    "limit_pct": "float64",
    "n_failures": "int64",
    "failure_pct": "float64",
    "max_dl_multiple": "float64",
    "mean_dl_multiple": "float64",
    "n_carryover_suspect": "int64",
}

_PAIR_SCHEMA = {
    "qc_type": "string",
    "sample_id": "string",
    "parent_sample_id": "string",
    "row": "Int64",
    "column": "string",
    "original": "float64",
    "duplicate": "float64",
    "mean": "float64",
    "hard_pct": "float64",
    "cv_pct": "float64",
    "hard_limit_pct": "float64",
    "status": "string",
}

_DUP_SUMMARY_SCHEMA = {
    "qc_type": "string",
    "column": "string",
    "n_pairs": "int64",
    "n_used": "int64",
    "n_excluded": "int64",
    "n_unmatched": "int64",
    "mean_original": "float64",
    "mean_duplicate": "float64",
    "hard_limit_pct": "float64",
    "n_within_limit": "int64",
    "pct_within_limit": "float64",
    "required_pct": "float64",
    "passes": "bool",
    "median_hard_pct": "float64",
    "cv_avg_pct": "float64",
    "correlation": "float64",
    "rma_slope": "float64",
    "rma_intercept": "float64",
}

_UNMATCHED_SCHEMA = {
    "qc_type": "string",
    "sample_id": "string",
    "parent_sample_id": "string",
    "row": "Int64",
    "reason": "string",
}

_COUNT_SCHEMA = {
    "qc_type": "string",
    "n_samples": "int64",
    "n_primary": "int64",
    "rate_pct": "float64",
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CrmCheck:
    """Result of :func:`crm_check`.

    ``results``: one row per (CRM sample, certified column), in series order — the data of
    the control charts. ``summary``: one row per (standard, column). ``failures``: rows of
    the common failure table.
    """

    results: pd.DataFrame
    summary: pd.DataFrame
    failures: pd.DataFrame


@dataclass(frozen=True)
class BlankCheck:
    """Result of :func:`blank_check`: per (blank, column) ``results``, per-column
    ``summary`` and ``failures``."""

    results: pd.DataFrame
    summary: pd.DataFrame
    failures: pd.DataFrame


@dataclass(frozen=True)
class DuplicateCheck:
    """Result of :func:`duplicate_check`.

    ``pairs``: one row per (duplicate, column) with a parent; ``summary``: one row per
    (qc_type, column); ``unmatched``: duplicates without a parent; ``failures``.
    """

    pairs: pd.DataFrame
    summary: pd.DataFrame
    unmatched: pd.DataFrame
    failures: pd.DataFrame


@dataclass(frozen=True)
class QaqcResult:
    """All QA/QC tables of a drillhole database (see the check functions for columns).

    ``qc_counts`` gives the insertion rate of each QA/QC type relative to the number of
    primary samples [%] (Abzalov 2008 recommends about 5–10 % field duplicates, 3–5 % pulp
    duplicates and 3–5 % standards).
    """

    crm_results: pd.DataFrame
    crm_summary: pd.DataFrame
    blank_results: pd.DataFrame
    blank_summary: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    duplicate_summary: pd.DataFrame
    unmatched_duplicates: pd.DataFrame
    qc_counts: pd.DataFrame
    failures: pd.DataFrame


# --------------------------------------------------------------------- pair statistics


def hard_pct(
    original: np.ndarray | Sequence[float], duplicate: np.ndarray | Sequence[float]
) -> np.ndarray:
    """Half absolute relative difference of duplicate pairs.

    ``HARD = 100 · |a − b| / (a + b)``, i.e. half the absolute difference relative to the
    pair mean. Equal values (including two zeros) give 0; a non-positive sum of unequal
    values or a missing value gives NaN.

    Parameters
    ----------
    original, duplicate : array_like
        Grades of the original and the duplicate sample [%] (any unit, the same for both).

    Returns
    -------
    numpy.ndarray
        HARD of each pair [%]; in [0, 100] for non-negative grades.

    Examples
    --------
    >>> hard_pct([1.0, 2.0, 0.0], [1.0, 1.0, 0.0]).round(3).tolist()
    [0.0, 33.333, 0.0]
    """
    a = np.asarray(original, dtype=float)
    b = np.asarray(duplicate, dtype=float)
    s = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s > 0, 100.0 * np.abs(a - b) / s, np.nan)
        # |a - b| <= a + b for non-negative grades: remove rounding above 100 %
        out = np.where((a >= 0) & (b >= 0), np.minimum(out, 100.0), out)
    return np.where(a == b, 0.0, out)


def pair_cv_pct(
    original: np.ndarray | Sequence[float], duplicate: np.ndarray | Sequence[float]
) -> np.ndarray:
    """Coefficient of variation of each duplicate pair (Stanley & Lawie 2007).

    For a pair the sample standard deviation is ``|a − b| / √2`` and the mean
    ``(a + b) / 2``, so ``CV = √2 · |a − b| / (a + b) = √2 · HARD``.

    Parameters
    ----------
    original, duplicate : array_like
        Grades of the original and the duplicate sample [%].

    Returns
    -------
    numpy.ndarray
        Per-pair CV [%].
    """
    return np.sqrt(2.0) * hard_pct(original, duplicate)


def cv_avg_pct(
    original: np.ndarray | Sequence[float], duplicate: np.ndarray | Sequence[float]
) -> float:
    """Average relative precision of duplicates: root mean square of per-pair CVs.

    ``CV_avg = 100 · sqrt( (2/N) · Σ (a_i − b_i)² / (a_i + b_i)² )`` — the estimator that
    Stanley & Lawie (2007) show to be unbiased and that Abzalov (2008) adopts as the
    universal measure of duplicate precision. Pairs with a NaN are ignored.

    Parameters
    ----------
    original, duplicate : array_like
        Grades of the original and the duplicate sample [%].

    Returns
    -------
    float
        CV_avg [%]; NaN when no pair is usable.

    Examples
    --------
    >>> round(cv_avg_pct([1.0, 2.0], [1.0, 1.0]), 4)
    33.3333
    """
    cv = pair_cv_pct(original, duplicate)
    cv = cv[np.isfinite(cv)]
    return float(np.sqrt(np.mean(cv**2))) if cv.size else float("nan")


def rma_fit(
    x: np.ndarray | Sequence[float], y: np.ndarray | Sequence[float]
) -> tuple[float, float]:
    """Reduced-major-axis line through paired data (Kermack & Haldane 1950).

    ``slope = sign(r) · s_y / s_x`` and ``intercept = ȳ − slope · x̄``; unlike ordinary
    least squares it treats both members of a duplicate pair as measured with error.
    Pairs with a NaN are ignored.

    Parameters
    ----------
    x, y : array_like
        Original and duplicate grades [%].

    Returns
    -------
    tuple of float
        ``(slope [-], intercept [%])``; NaN when fewer than two pairs or ``x`` or ``y`` is
        constant.

    Examples
    --------
    >>> rma_fit([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    (2.0, 0.0)
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    if xa.size < 2:
        return float("nan"), float("nan")
    sx, sy = xa.std(ddof=1), ya.std(ddof=1)
    if sx == 0 or sy == 0:
        return float("nan"), float("nan")
    cov = np.mean((xa - xa.mean()) * (ya - ya.mean()))
    slope = float(np.sign(cov) * sy / sx)
    return slope, float(ya.mean() - slope * xa.mean())


_REL_TOL = 1e-9


def _beyond(x: np.ndarray, limit: float | np.ndarray) -> np.ndarray:
    """``x > limit`` with a relative tolerance of 1e-9, so that a value lying exactly on a
    limit in decimal notation (e.g. HARD of 0.9 and 1.1 against 10 %) counts as inside;
    NaN is never beyond."""
    lim = np.asarray(limit, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(x, dtype=float) > lim + _REL_TOL * np.maximum(np.abs(lim), 1.0)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


# --------------------------------------------------------------------------- helpers


def _typed(df: pd.DataFrame | dict, schema: Mapping[str, str]) -> pd.DataFrame:
    """Columns of ``schema`` in order, cast to its dtypes; index reset."""
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    out = {}
    n = len(df)
    for col, dtype in schema.items():
        s = df[col] if col in df.columns else pd.Series([pd.NA] * n, index=df.index)
        if dtype == "string":
            s = s.astype("object").where(s.notna(), None).astype("string")
        elif dtype == "Int64":
            s = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif dtype == "bool":
            s = s.fillna(False).astype(bool)
        else:
            s = pd.to_numeric(s, errors="coerce").astype(dtype)
        out[col] = s.reset_index(drop=True)
    return pd.DataFrame(out, columns=list(schema))


def _empty(schema: Mapping[str, str]) -> pd.DataFrame:
    return _typed(pd.DataFrame(), schema)


def _of_type(qaqc: pd.DataFrame, qc_types: Sequence[str]) -> pd.DataFrame:
    """Rows of the given QA/QC types, with ``_order`` = (row, input position) rank."""
    if qaqc is None or len(qaqc) == 0:
        return pd.DataFrame(columns=["sample_id", "qc_type", "row", "_order"])
    missing = [c for c in ("sample_id", "qc_type") if c not in qaqc.columns]
    if missing:
        raise ValueError(f"qaqc table lacks column(s) {missing}; the loader must provide them")
    q = qaqc.reset_index(drop=True)
    q = q.assign(_pos=np.arange(len(q)))
    if "row" not in q.columns:
        q["row"] = pd.NA
    q = q[q["qc_type"].astype("string").isin(list(qc_types)).fillna(False).to_numpy()]
    for c in ("sample_id", "standard_id", "parent_sample_id"):
        if c in q.columns:
            q[c] = _text(q[c])
    q = q.assign(_row_f=pd.to_numeric(q["row"], errors="coerce").astype(float))
    q = q.sort_values(["_row_f", "_pos"], kind="mergesort", na_position="last")
    return q.assign(_order=np.arange(len(q))).drop(columns=["_row_f"])


def _text(s: pd.Series) -> pd.Series:
    """Identifier column as ``string`` dtype, stripped; empty strings are missing."""
    t = s.astype("string").str.strip()
    return t.mask(t.eq("").fillna(False))


def _grade_columns(*tables: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    """``columns`` if given, else the ``*_pct`` columns of the first table; kept only when
    present in every table."""
    if columns is None:
        columns = [c for c in tables[0].columns if str(c).endswith("_pct")]
    return [c for c in columns if all(c in t.columns for t in tables)]


def _failures(rows: pd.DataFrame | dict) -> pd.DataFrame:
    return _typed(rows, _FAILURE_SCHEMA)


def _concat(frames: Sequence[pd.DataFrame], schema: Mapping[str, str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(schema)
    return _typed(pd.concat(frames, ignore_index=True), schema)


def _join_ids(ids: pd.Series) -> str:
    return ";".join(ids.astype(str))


# ------------------------------------------------------------------------------ CRMs


def crm_check(
    qaqc: pd.DataFrame,
    standards: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    warning_sd: float = 2.0,
    failure_sd: float = 3.0,
    trend_run: int = 9,
) -> CrmCheck:
    """Accuracy of the laboratory from certified reference materials (CRMs).

    Each CRM result is compared with its certified value: ``z = (value − expected) / sd``.
    Rules, applied per (standard, column) series in assay-file order (``row``, a proxy
    for time; Westgard et al. 1981, Abzalov 2008):

    * ``|z| > warning_sd`` — warning (``outside_2sd``);
    * ``|z| > failure_sd`` — failure (``crm_outside_3sd``);
    * two consecutive results beyond ``warning_sd`` on the same side — failure
      (``crm_2x2sd_same_side``, flagged on the second result, the one whose batch must be
      re-assayed);
    * ``trend_run`` or more consecutive results on the same side of the expected value
      (a result equal to it breaks the run) — bias trend (``crm_bias_trend``; every
      member of the run gets ``bias_trend`` and one failure row per run is listed).

    Missing values (NaN) are reported with status ``missing`` and skipped by the run
    rules. Certified columns absent from ``qaqc`` count every result as missing. CRMs
    whose ``standard_id`` is missing or not in ``standards`` are listed as
    ``crm_unknown_standard`` failures. Standards in the certificate table that were never
    inserted are not reported.

    Parameters
    ----------
    qaqc : pandas.DataFrame
        QA/QC inserts; rows with ``qc_type == "crm"`` are used (columns ``sample_id``,
        ``standard_id``, ``row``, grade columns [%]).
    standards : pandas.DataFrame
        Certified values: ``standard_id``, ``column``, ``expected`` [%], ``sd`` [%]; one
        row per (standard, column).
    columns : sequence of str, optional
        Grade columns to check [-]; default: every certified column.
    warning_sd, failure_sd : float
        Warning and failure limits in certified standard deviations [-].
    trend_run : int
        Minimum number of consecutive results on one side of the expected value that
        makes a bias trend [-] (9 as in Nelson's rule 2; Westgard's 10x uses 10).

    Returns
    -------
    CrmCheck
        ``results`` (sample_id, standard_id, column, row, value, expected, sd, z_score,
        outside_2sd, outside_3sd, two_consecutive_2sd, run_length, bias_trend, status in
        {pass, warning, failure, missing, no_sd}); ``summary`` per (standard, column): n,
        n_missing, expected, certified_sd, mean, bias_pct = (mean / expected − 1)·100,
        observed_sd, n_outside_2sd (including those beyond 3 SD) and their sample ids
        (";"-joined), n_outside_3sd and ids, n_two_consecutive_2sd, longest_run,
        n_bias_trend_runs, status; ``failures``.

    Raises
    ------
    ValueError
        When ``standards`` holds two rows for the same (standard, column), or a table
        lacks a required column.

    Examples
    --------
    >>> q = pd.DataFrame({"sample_id": ["S1", "S2"], "qc_type": "crm",
    ...                   "standard_id": "OREAS-A", "row": [5, 9], "TREO_pct": [2.0, 2.4]})
    >>> std = pd.DataFrame({"standard_id": ["OREAS-A"], "column": ["TREO_pct"],
    ...                     "expected": [2.0], "sd": [0.1]})
    >>> crm_check(q, std).results["status"].tolist()
    ['pass', 'failure']
    """
    if trend_run < 2:
        raise ValueError(f"trend_run must be at least 2 (got {trend_run})")
    crm = _of_type(qaqc, ["crm"])
    if "standard_id" not in crm.columns:
        crm["standard_id"] = pd.NA
    cert = _certificates(standards, columns)

    # CRMs without certified values
    known = crm["standard_id"].astype("string").isin(cert["standard_id"]).fillna(False)
    unknown = crm[~known.to_numpy()]
    fails = [
        _failures(
            {
                "sample_id": unknown["sample_id"],
                "qc_type": "crm",
                "column": None,
                "rule": "crm_unknown_standard",
                "value": np.nan,
                "limit": np.nan,
                "row": unknown["row"],
                "note": [
                    f"standard_id {s!r} has no certified values"
                    if pd.notna(s)
                    else "standard_id missing"
                    for s in unknown["standard_id"]
                ],
            }
        )
    ]

    # long table: one row per (CRM result, certified column)
    crm = crm[known.to_numpy()]
    cols_present = [c for c in cert["column"].unique() if c in crm.columns]
    base = ["sample_id", "standard_id", "row", "_order"]
    crm_ids = crm[base].assign(standard_id=crm["standard_id"].astype("string"))
    long = crm_ids.merge(cert, on="standard_id", how="inner")
    if len(long):
        values = crm[["_order", *cols_present]].melt(
            id_vars="_order", var_name="column", value_name="value"
        )
        long = long.merge(values, on=["_order", "column"], how="left")
    else:
        long = long.assign(value=pd.Series(dtype=float))
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long = long.sort_values(["standard_id", "column", "_order"], kind="mergesort")
    long = long.reset_index(drop=True)

    sd = long["sd"].to_numpy(float)
    val = long["value"].to_numpy(float)
    exp = long["expected"].to_numpy(float)
    valid_sd = np.isfinite(sd) & (sd > 0)
    evaluated = np.isfinite(val) & valid_sd & np.isfinite(exp)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(evaluated, (val - exp) / sd, np.nan)
    long["z_score"] = z
    long["outside_2sd"] = evaluated & _beyond(np.abs(z), warning_sd)
    long["outside_3sd"] = evaluated & _beyond(np.abs(z), failure_sd)
    side = np.where(evaluated, np.sign(val - exp), np.nan)

    # run rules on the evaluated results of each series
    ev = long[evaluated].copy()
    ev["_side"] = side[evaluated]
    key = ev["standard_id"].astype(str) + "\x00" + ev["column"].astype(str)
    prev_same = key.eq(key.shift(1))
    prev_out2 = ev["outside_2sd"].shift(1, fill_value=False).astype(bool)
    prev_side = ev["_side"].shift(1)
    ev["two_consecutive_2sd"] = (
        prev_same & ev["outside_2sd"] & prev_out2 & ev["_side"].eq(prev_side)
    )
    new_run = ~prev_same | ev["_side"].ne(prev_side)
    run_id = new_run.cumsum()
    ev["run_length"] = run_id.map(run_id.value_counts()).astype("int64")
    ev["_pos_in_run"] = ev.groupby(run_id).cumcount() + 1
    ev["bias_trend"] = ev["_side"].ne(0) & (ev["run_length"] >= trend_run)
    long["two_consecutive_2sd"] = False
    long["bias_trend"] = False
    long["run_length"] = pd.array([pd.NA] * len(long), dtype="Int64")
    long.loc[ev.index, "two_consecutive_2sd"] = ev["two_consecutive_2sd"].to_numpy()
    long.loc[ev.index, "bias_trend"] = ev["bias_trend"].to_numpy()
    long.loc[ev.index, "run_length"] = ev["run_length"].to_numpy()

    status = np.full(len(long), "pass", dtype=object)
    status[long["outside_2sd"].to_numpy(bool)] = "warning"
    fail = long["outside_3sd"].to_numpy(bool) | long["two_consecutive_2sd"].to_numpy(bool)
    status[fail] = "failure"
    status[~np.isfinite(val)] = "missing"
    status[np.isfinite(val) & ~valid_sd] = "no_sd"
    long["status"] = status
    results = _typed(long, _CRM_RESULT_SCHEMA)

    # failures
    sign = np.sign(long["z_score"].to_numpy(float))
    for rule, flag, n_sd in (
        ("crm_outside_3sd", long["outside_3sd"].to_numpy(bool), failure_sd),
        ("crm_2x2sd_same_side", long["two_consecutive_2sd"].to_numpy(bool), warning_sd),
    ):
        f = long[flag]
        bound = f["expected"] + sign[flag] * n_sd * f["sd"]
        fails.append(
            _failures(
                {
                    "sample_id": f["sample_id"],
                    "qc_type": "crm",
                    "column": f["column"],
                    "rule": rule,
                    "value": f["value"],
                    "limit": bound,
                    "row": f["row"],
                    "note": "standard " + f["standard_id"].astype(str),
                }
            )
        )
    trend_start = ev[ev["bias_trend"] & ev["_pos_in_run"].eq(trend_run)]
    fails.append(
        _failures(
            {
                "sample_id": trend_start["sample_id"],
                "qc_type": "crm",
                "column": trend_start["column"],
                "rule": "crm_bias_trend",
                "value": trend_start["run_length"].astype(float),
                "limit": float(trend_run),
                "row": trend_start["row"],
                "note": [
                    f"standard {s}: {n} consecutive results {'above' if d > 0 else 'below'} "
                    "the expected value"
                    for s, n, d in zip(
                        trend_start["standard_id"],
                        trend_start["run_length"],
                        trend_start["_side"],
                        strict=True,
                    )
                ],
            }
        )
    )

    summary = _crm_summary(long, ev, cert, crm)
    return CrmCheck(
        results=results,
        summary=summary,
        failures=_concat(fails, _FAILURE_SCHEMA),
    )


def _certificates(standards: pd.DataFrame, columns: Sequence[str] | None) -> pd.DataFrame:
    need = ["standard_id", "column", "expected", "sd"]
    if standards is None or len(standards) == 0:
        return pd.DataFrame(
            {
                "standard_id": pd.Series(dtype="string"),
                "column": pd.Series(dtype="string"),
                "expected": pd.Series(dtype=float),
                "sd": pd.Series(dtype=float),
            }
        )
    missing = [c for c in need if c not in standards.columns]
    if missing:
        raise ValueError(f"standards table lacks column(s) {missing}")
    cert = standards[need].copy()
    cert["standard_id"] = _text(cert["standard_id"])
    cert["column"] = _text(cert["column"])
    cert["expected"] = pd.to_numeric(cert["expected"], errors="coerce").astype(float)
    cert["sd"] = pd.to_numeric(cert["sd"], errors="coerce").astype(float)
    if columns is not None:
        cert = cert[cert["column"].isin(list(columns)).fillna(False).to_numpy()]
    dup = cert.duplicated(["standard_id", "column"], keep=False)
    if dup.any():
        first = cert[dup].iloc[0]
        raise ValueError(
            f"standards table has {int(dup.sum())} rows for repeated (standard_id, column) "
            f"pairs, e.g. ({first['standard_id']}, {first['column']}); keep one certified "
            "value per standard and column"
        )
    return cert.reset_index(drop=True)


def _crm_summary(
    long: pd.DataFrame, ev: pd.DataFrame, cert: pd.DataFrame, crm: pd.DataFrame
) -> pd.DataFrame:
    if len(long) == 0:
        return _empty(_CRM_SUMMARY_SCHEMA)
    keys = ["standard_id", "column"]
    g = long.groupby(keys, sort=True, dropna=False)
    out = g.agg(
        expected=("expected", "first"),
        certified_sd=("sd", "first"),
        n_rows=("value", "size"),
        n_missing=("value", lambda s: int(s.isna().sum())),
    ).reset_index()
    if len(ev):
        ge = ev.groupby(keys, sort=True)
        stats = ge.agg(
            n=("value", "size"),
            mean=("value", "mean"),
            observed_sd=("value", lambda s: s.std(ddof=1) if len(s) > 1 else np.nan),
            n_outside_2sd=("outside_2sd", "sum"),
            n_outside_3sd=("outside_3sd", "sum"),
            n_two_consecutive_2sd=("two_consecutive_2sd", "sum"),
        ).reset_index()
        # longest run of same-side results (value equal to expected does not count)
        runs = ev[ev["_side"].ne(0)]
        longest = runs.groupby(keys)["run_length"].max().rename("longest_run")
        n_trend = (
            runs[runs["bias_trend"] & runs["_pos_in_run"].eq(1)]
            .groupby(keys)
            .size()
            .rename("n_bias_trend_runs")
        )
        ids2 = ev[ev["outside_2sd"]].groupby(keys)["sample_id"].agg(_join_ids)
        ids3 = ev[ev["outside_3sd"]].groupby(keys)["sample_id"].agg(_join_ids)
        stats = stats.set_index(keys)
        stats = stats.join(longest).join(n_trend)
        stats = stats.join(ids2.rename("samples_outside_2sd"))
        stats = stats.join(ids3.rename("samples_outside_3sd")).reset_index()
        out = out.merge(stats, on=keys, how="left")
    for c in ("n", "n_outside_2sd", "n_outside_3sd", "n_two_consecutive_2sd"):
        out[c] = out[c].fillna(0).astype("int64") if c in out else 0
    for c in ("longest_run", "n_bias_trend_runs"):
        out[c] = out[c].fillna(0).astype("int64") if c in out else 0
    for c in ("samples_outside_2sd", "samples_outside_3sd"):
        out[c] = out[c].fillna("") if c in out else ""
    for c in ("mean", "observed_sd"):
        if c not in out:
            out[c] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bias_pct"] = (out["mean"] / out["expected"] - 1.0) * 100.0
    fail = (out["n_outside_3sd"] > 0) | (out["n_two_consecutive_2sd"] > 0)
    fail |= out["n_bias_trend_runs"] > 0
    out["status"] = np.where(
        out["n"] == 0,
        "no_data",
        np.where(fail, "failure", np.where(out["n_outside_2sd"] > 0, "warning", "pass")),
    )
    return _typed(out, _CRM_SUMMARY_SCHEMA)


# ---------------------------------------------------------------------------- blanks


def blank_check(
    qaqc: pd.DataFrame,
    assays: pd.DataFrame,
    detection_limits: Mapping[str, float],
    *,
    limit_multiple: float = 5.0,
    columns: Sequence[str] | None = None,
    high_grade: Mapping[str, float] | None = None,
    high_grade_quantile: float = 0.9,
) -> BlankCheck:
    """Contamination check from blanks.

    Each blank value is expressed as a multiple of the column's detection limit (DL);
    a blank fails above ``limit_multiple`` × DL (the usual industry rule is 5–10 × DL).

    Carry-over hint: the sample analysed just before a blank is the entry with the
    largest ``row`` below the blank's among the ``assays`` *and* ``qaqc`` tables (the
    assay-file order, so a high-grade CRM counts too). When it is high-grade — at or
    above ``high_grade[column]`` or, by default, the ``high_grade_quantile`` of the
    primary assays of that column, and positive — a failing blank gets a note that the
    failure may be carry-over rather than contamination of the blank material.

    Parameters
    ----------
    qaqc : pandas.DataFrame
        QA/QC inserts; rows with ``qc_type == "blank"`` are used.
    assays : pandas.DataFrame
        Primary samples with ``sample_id``, ``row`` and grade columns [%].
    detection_limits : mapping of str to float
        Lower detection limit per canonical grade column, in canonical units [%].
        Columns without a limit are reported with status ``no_detection_limit``.
    limit_multiple : float
        Failure threshold as a multiple of the detection limit [-].
    columns : sequence of str, optional
        Grade columns to check [-]; default: every ``*_pct`` column of ``qaqc``.
    high_grade : mapping of str to float, optional
        High-grade threshold per column [%]; overrides the quantile.
    high_grade_quantile : float
        Quantile of the primary assays defining high grade when ``high_grade`` has no
        entry for a column [-].

    Returns
    -------
    BlankCheck
        ``results`` per (blank, column): sample_id, column, row, value [%],
        detection_limit [%], dl_multiple [-], limit_multiple [-], status in {pass,
        failure, missing, no_detection_limit}, preceding_sample_id, preceding_row,
        preceding_value [%], high_grade_threshold [%], preceding_high_grade, note;
        ``summary`` per column: n, n_evaluated, n_missing, detection_limit, limit_multiple,
        limit_pct [%], n_failures, failure_pct [%], max_dl_multiple, mean_dl_multiple,
        n_carryover_suspect; ``failures`` (rule ``blank_above_limit``).

    Examples
    --------
    >>> q = pd.DataFrame({"sample_id": ["B1"], "qc_type": "blank", "row": [3],
    ...                   "TREO_pct": [0.02]})
    >>> a = pd.DataFrame({"sample_id": ["A1"], "row": [2], "TREO_pct": [5.0]})
    >>> r = blank_check(q, a, {"TREO_pct": 0.001}).results
    >>> r[["dl_multiple", "status", "preceding_sample_id"]].values.tolist()
    [[20.0, 'failure', 'A1']]
    """
    blanks = _of_type(qaqc, ["blank"])
    if len(blanks) == 0:
        return BlankCheck(
            _empty(_BLANK_RESULT_SCHEMA), _empty(_BLANK_SUMMARY_SCHEMA), _empty(_FAILURE_SCHEMA)
        )
    cols = _grade_columns(blanks, columns=columns)
    assays = assays if assays is not None else pd.DataFrame()

    long = blanks[["sample_id", "row", "_order", *cols]].melt(
        id_vars=["sample_id", "row", "_order"], var_name="column", value_name="value"
    )
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    dl = long["column"].map(lambda c: detection_limits.get(c, np.nan)).astype(float)
    long["detection_limit"] = dl
    has_dl = np.isfinite(dl.to_numpy()) & (dl.to_numpy() > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        long["dl_multiple"] = np.where(has_dl, long["value"] / dl, np.nan)
    long["limit_multiple"] = float(limit_multiple)
    over = _beyond(long["dl_multiple"].to_numpy(float), limit_multiple)
    status = np.where(over, "failure", "pass").astype(object)
    status[~has_dl] = "no_detection_limit"
    status[long["value"].isna().to_numpy()] = "missing"
    long["status"] = status

    # preceding sample in assay-file order
    prev = _preceding(blanks, assays, qaqc, cols)
    long = long.merge(prev, on=["_order", "column"], how="left")
    thr = {}
    for c in cols:
        if high_grade is not None and c in high_grade:
            thr[c] = float(high_grade[c])
        elif c in assays.columns:
            v = pd.to_numeric(assays[c], errors="coerce").dropna()
            thr[c] = float(v.quantile(high_grade_quantile)) if len(v) else np.nan
        else:
            thr[c] = np.nan
    long["high_grade_threshold"] = long["column"].map(thr).astype(float)
    pv = long["preceding_value"].to_numpy(float)
    th = long["high_grade_threshold"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        long["preceding_high_grade"] = np.isfinite(pv) & np.isfinite(th) & (pv >= th) & (pv > 0)
    suspect = long["preceding_high_grade"].to_numpy(bool) & (status == "failure")
    long["note"] = [
        f"preceded by high-grade sample {p} (row {int(r)}) at {v:.4g} % >= {t:.4g} %: "
        "possible carry-over contamination"
        if s
        else ""
        for s, p, r, v, t in zip(
            suspect,
            long["preceding_sample_id"],
            long["preceding_row"],
            pv,
            th,
            strict=True,
        )
    ]
    long = long.sort_values(["_order", "column"], kind="mergesort").reset_index(drop=True)
    results = _typed(long, _BLANK_RESULT_SCHEMA)

    f = long[long["status"].eq("failure")]
    failures = _failures(
        {
            "sample_id": f["sample_id"],
            "qc_type": "blank",
            "column": f["column"],
            "rule": "blank_above_limit",
            "value": f["value"],
            "limit": f["detection_limit"] * limit_multiple,
            "row": f["row"],
            "note": f["note"],
        }
    )

    g = long.groupby("column", sort=False)
    summary = g.agg(
        n=("value", "size"),
        n_missing=("value", lambda s: int(s.isna().sum())),
        detection_limit=("detection_limit", "first"),
        n_evaluated=("dl_multiple", lambda s: int(s.notna().sum())),
        n_failures=("status", lambda s: int(s.eq("failure").sum())),
        max_dl_multiple=("dl_multiple", "max"),
        mean_dl_multiple=("dl_multiple", "mean"),
        n_carryover_suspect=("note", lambda s: int(s.ne("").sum())),
    ).reset_index()
    summary["limit_multiple"] = float(limit_multiple)
    summary["limit_pct"] = summary["detection_limit"] * limit_multiple
    n_eval = summary["n_evaluated"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        summary["failure_pct"] = np.where(
            n_eval > 0, 100.0 * summary["n_failures"].to_numpy(float) / n_eval, np.nan
        )
    summary = summary.set_index("column").loc[cols].reset_index()
    return BlankCheck(results, _typed(summary, _BLANK_SUMMARY_SCHEMA), failures)


def _preceding(
    blanks: pd.DataFrame, assays: pd.DataFrame, qaqc: pd.DataFrame, cols: list[str]
) -> pd.DataFrame:
    """Per (blank ``_order``, column): the sample just before the blank in file order."""
    parts = []
    for t in (assays, qaqc):
        if t is None or len(t) == 0 or "row" not in t.columns or "sample_id" not in t.columns:
            continue
        keep = ["sample_id", "row", *[c for c in cols if c in t.columns]]
        parts.append(t[keep])
    empty = pd.DataFrame(
        {
            "_order": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="object"),
            "preceding_sample_id": pd.Series(dtype="object"),
            "preceding_row": pd.Series(dtype="float64"),
            "preceding_value": pd.Series(dtype="float64"),
        }
    )
    b = blanks[["_order", "row"]].assign(_r=pd.to_numeric(blanks["row"], errors="coerce"))
    b = b[b["_r"].notna()]
    if not parts or len(b) == 0:
        return empty
    seq = pd.concat(parts, ignore_index=True)
    seq["_r"] = pd.to_numeric(seq["row"], errors="coerce").astype(float)
    seq = seq[seq["_r"].notna()].reset_index(drop=True)
    seq = seq.sort_values("_r", kind="mergesort").reset_index(drop=True)
    seq["_seq"] = np.arange(len(seq))
    b = b.assign(_r=b["_r"].astype(float)).sort_values("_r", kind="mergesort")
    m = pd.merge_asof(
        b[["_order", "_r"]],
        seq[["_r", "_seq"]],
        on="_r",
        direction="backward",
        allow_exact_matches=False,
    )
    m = m[m["_seq"].notna()].astype({"_seq": "int64"})
    if len(m) == 0:
        return empty
    hit = seq.loc[m["_seq"].to_numpy()].reset_index(drop=True)
    hit["_order"] = m["_order"].to_numpy()
    vcols = [c for c in cols if c in hit.columns]
    out = hit[["_order", "sample_id", "row", *vcols]].melt(
        id_vars=["_order", "sample_id", "row"], var_name="column", value_name="preceding_value"
    )
    out = out.rename(columns={"sample_id": "preceding_sample_id", "row": "preceding_row"})
    out["preceding_value"] = pd.to_numeric(out["preceding_value"], errors="coerce")
    # columns the preceding table lacks: id and row known, value missing
    missing_cols = [c for c in cols if c not in vcols]
    if missing_cols:
        extra = hit[["_order", "sample_id", "row"]].merge(
            pd.DataFrame({"column": missing_cols}), how="cross"
        )
        extra = extra.rename(columns={"sample_id": "preceding_sample_id", "row": "preceding_row"})
        out = pd.concat([out, extra.assign(preceding_value=np.nan)], ignore_index=True)
    return out


# ------------------------------------------------------------------------ duplicates


def duplicate_check(
    qaqc: pd.DataFrame,
    assays: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    field_hard_limit_pct: float = 20.0,
    lab_hard_limit_pct: float = 10.0,
    field_required_pct: float = 90.0,
    lab_required_pct: float = 90.0,
    detection_limits: Mapping[str, float] | None = None,
    min_dl_multiple: float = 10.0,
) -> DuplicateCheck:
    """Precision from field and laboratory duplicates, each type separately.

    Each duplicate is paired with its parent (``parent_sample_id`` → ``assays.sample_id``)
    and, per grade column, compared by the half absolute relative difference
    ``HARD = 100 |a − b| / (a + b)`` [%]. The industry rule of thumb is that 90 % of
    field duplicates lie within 20–30 % HARD and 90 % of pulp (laboratory) duplicates
    within 10 % (Abzalov 2008); both the limits and the required share are arguments.

    Per (type, column) the summary also gives the average relative precision
    ``CV_avg`` — the root mean square of per-pair coefficients of variation, the
    unbiased estimator recommended by Stanley & Lawie (2007) and Abzalov (2008) — the
    Pearson correlation and the reduced-major-axis slope and intercept of duplicate on
    original (Kermack & Haldane 1950).

    Pairs with a missing value (or an invalid negative sum) in a column are excluded for
    that column only and counted (``n_excluded``; status ``missing``). Duplicates
    without a parent are listed in ``unmatched`` (reason ``no_parent_id`` or
    ``parent_not_found``) and as ``duplicate_parent_missing`` failures. When a
    ``sample_id`` occurs twice in ``assays``, the first in file order is the parent.

    Parameters
    ----------
    qaqc : pandas.DataFrame
        QA/QC inserts; rows with ``qc_type`` ``field_duplicate`` or ``lab_duplicate``
        are used (``sample_id``, ``parent_sample_id``, ``row``, grade columns [%]).
    assays : pandas.DataFrame
        Primary samples with ``sample_id`` and grade columns [%].
    columns : sequence of str, optional
        Grade columns to compare [-]; default: the ``*_pct`` columns in both tables.
    field_hard_limit_pct, lab_hard_limit_pct : float
        HARD limit of a pair for field and laboratory (pulp) duplicates [%].
    field_required_pct, lab_required_pct : float
        Share of pairs that must be within the HARD limit [%].
    detection_limits : mapping of str to float, optional
        Detection limit per grade column [%]. Pairs whose mean is below
        ``min_dl_multiple`` times the limit get status ``near_detection`` and are left out
        of the statistics (counted in ``n_excluded``): near the limit, relative
        differences measure counting statistics, not sampling precision (Stanley & Lawie
        2007 use pairs well above the detection limit).
    min_dl_multiple : float
        Multiple of the detection limit below which a pair is not judged [-].

    Returns
    -------
    DuplicateCheck
        ``pairs`` (qc_type, sample_id, parent_sample_id, row, column, original,
        duplicate, mean [%], hard_pct, cv_pct, hard_limit_pct [%], status in {pass,
        failure, missing}); ``summary`` (qc_type, column, n_pairs, n_used, n_excluded,
        n_unmatched, mean_original, mean_duplicate [%], hard_limit_pct, n_within_limit,
        pct_within_limit, required_pct [%], passes (False when no pair is usable),
        median_hard_pct, cv_avg_pct [%],
        correlation [-], rma_slope [-], rma_intercept [%]); ``unmatched``; ``failures``
        (rules ``duplicate_hard``, ``duplicate_precision``, ``duplicate_parent_missing``).

    Examples
    --------
    >>> q = pd.DataFrame({"sample_id": ["D1"], "qc_type": "lab_duplicate",
    ...                   "parent_sample_id": ["A1"], "row": [3], "TREO_pct": [1.1]})
    >>> a = pd.DataFrame({"sample_id": ["A1"], "row": [2], "TREO_pct": [0.9]})
    >>> duplicate_check(q, a).pairs[["hard_pct", "status"]].round(9).values.tolist()
    [[10.0, 'pass']]
    """
    limits = {"field_duplicate": field_hard_limit_pct, "lab_duplicate": lab_hard_limit_pct}
    required = {"field_duplicate": field_required_pct, "lab_duplicate": lab_required_pct}
    dups = _of_type(qaqc, DUPLICATE_TYPES)
    if len(dups) == 0:
        return DuplicateCheck(
            _empty(_PAIR_SCHEMA),
            _empty(_DUP_SUMMARY_SCHEMA),
            _empty(_UNMATCHED_SCHEMA),
            _empty(_FAILURE_SCHEMA),
        )
    if "parent_sample_id" not in dups.columns:
        dups["parent_sample_id"] = pd.NA
    assays = assays if assays is not None and len(assays.columns) else pd.DataFrame()
    if "sample_id" not in assays.columns:
        assays = assays.assign(sample_id=pd.Series(dtype="string"))
    cols = _grade_columns(dups, assays, columns=columns)

    parent_key = _text(dups["parent_sample_id"])
    par = assays.reset_index(drop=True).assign(_pos=np.arange(len(assays)))
    if "row" in par.columns:
        par = par.assign(_r=pd.to_numeric(par["row"], errors="coerce"))
        par = par.sort_values(["_r", "_pos"], kind="mergesort", na_position="last")
    par = par.assign(sample_id=_text(par["sample_id"]))
    par = par[par["sample_id"].notna()].drop_duplicates("sample_id", keep="first")
    found = parent_key.isin(par["sample_id"]).fillna(False).to_numpy()
    no_id = parent_key.isna().to_numpy()

    um = dups[~found]
    reason = np.where(no_id[~found], "no_parent_id", "parent_not_found")
    unmatched = _typed(
        {
            "qc_type": um["qc_type"],
            "sample_id": um["sample_id"],
            "parent_sample_id": um["parent_sample_id"],
            "row": um["row"],
            "reason": reason,
        },
        _UNMATCHED_SCHEMA,
    )
    fails = [
        _failures(
            {
                "sample_id": um["sample_id"],
                "qc_type": um["qc_type"],
                "column": None,
                "rule": "duplicate_parent_missing",
                "value": np.nan,
                "limit": np.nan,
                "row": um["row"],
                "note": [
                    "no parent_sample_id"
                    if r == "no_parent_id"
                    else f"parent {p!r} not in the assays table"
                    for r, p in zip(reason, um["parent_sample_id"], strict=True)
                ],
            }
        )
    ]

    m = dups[found]
    ids = ["qc_type", "sample_id", "parent_sample_id", "row", "_order"]
    d_long = (
        m[[*ids, *cols]]
        .assign(parent_sample_id=parent_key[found])
        .melt(id_vars=ids, var_name="column", value_name="duplicate")
    )
    p_long = par[["sample_id", *cols]].melt(
        id_vars="sample_id", var_name="column", value_name="original"
    )
    p_long = p_long.rename(columns={"sample_id": "parent_sample_id"})
    pairs = d_long.merge(p_long, on=["parent_sample_id", "column"], how="left")
    for c in ("original", "duplicate"):
        pairs[c] = pd.to_numeric(pairs[c], errors="coerce").astype(float)
    a = pairs["original"].to_numpy(float)
    b = pairs["duplicate"].to_numpy(float)
    pairs["mean"] = (a + b) / 2.0
    pairs["hard_pct"] = hard_pct(a, b)
    pairs["cv_pct"] = pair_cv_pct(a, b)
    pairs["hard_limit_pct"] = pairs["qc_type"].map(limits).astype(float)
    used = np.isfinite(pairs["hard_pct"].to_numpy(float))
    within = used & ~_beyond(pairs["hard_pct"].to_numpy(float), pairs["hard_limit_pct"].to_numpy())
    pairs["status"] = np.where(~used, "missing", np.where(within, "pass", "failure"))
    if detection_limits:
        dl = pairs["column"].map(dict(detection_limits)).astype(float).to_numpy()
        near = used & np.isfinite(dl) & (pairs["mean"].to_numpy(float) < min_dl_multiple * dl)
        pairs.loc[near, "status"] = "near_detection"
    type_rank = {t: i for i, t in enumerate(DUPLICATE_TYPES)}
    pairs["_t"] = pairs["qc_type"].map(type_rank)
    col_rank = {c: i for i, c in enumerate(cols)}
    pairs["_c"] = pairs["column"].map(col_rank)
    pairs = pairs.sort_values(["_t", "_order", "_c"], kind="mergesort").reset_index(drop=True)

    f = pairs[pairs["status"].eq("failure")]
    fails.append(
        _failures(
            {
                "sample_id": f["sample_id"],
                "qc_type": f["qc_type"],
                "column": f["column"],
                "rule": "duplicate_hard",
                "value": f["hard_pct"],
                "limit": f["hard_limit_pct"],
                "row": f["row"],
                "note": "parent " + f["parent_sample_id"].astype(str),
            }
        )
    )

    n_unmatched = um["qc_type"].value_counts()
    rows = []
    for t in DUPLICATE_TYPES:
        if not (dups["qc_type"] == t).any():
            continue
        for c in cols:
            p = pairs[(pairs["qc_type"] == t) & (pairs["column"] == c)]
            ok = p[p["status"].isin(("pass", "failure"))]
            x = ok["original"].to_numpy(float)
            y = ok["duplicate"].to_numpy(float)
            n_within = int(ok["status"].eq("pass").sum())
            pct = 100.0 * n_within / len(ok) if len(ok) else np.nan
            slope, icpt = rma_fit(x, y)
            rows.append(
                {
                    "qc_type": t,
                    "column": c,
                    "n_pairs": len(p),
                    "n_used": len(ok),
                    "n_excluded": len(p) - len(ok),
                    "n_unmatched": int(n_unmatched.get(t, 0)),
                    "mean_original": x.mean() if x.size else np.nan,
                    "mean_duplicate": y.mean() if y.size else np.nan,
                    "hard_limit_pct": limits[t],
                    "n_within_limit": n_within,
                    "pct_within_limit": pct,
                    "required_pct": required[t],
                    "passes": bool(len(ok) and pct >= required[t]),
                    "median_hard_pct": float(np.median(ok["hard_pct"])) if len(ok) else np.nan,
                    "cv_avg_pct": cv_avg_pct(x, y),
                    "correlation": _pearson(x, y),
                    "rma_slope": slope,
                    "rma_intercept": icpt,
                }
            )
    summary = _typed(pd.DataFrame(rows), _DUP_SUMMARY_SCHEMA)
    bad = summary[(summary["n_used"] > 0) & ~summary["passes"]]
    fails.append(
        _failures(
            {
                "sample_id": None,
                "qc_type": bad["qc_type"],
                "column": bad["column"],
                "rule": "duplicate_precision",
                "value": bad["pct_within_limit"],
                "limit": bad["required_pct"],
                "row": pd.NA,
                "note": [
                    f"{w} of {n} pairs within {h:g} % HARD"
                    for w, n, h in zip(
                        bad["n_within_limit"], bad["n_used"], bad["hard_limit_pct"], strict=True
                    )
                ],
            }
        )
    )
    return DuplicateCheck(
        pairs=_typed(pairs, _PAIR_SCHEMA),
        summary=summary,
        unmatched=unmatched,
        failures=_concat(fails, _FAILURE_SCHEMA),
    )


# --------------------------------------------------------------------------- summary


def _qc_counts(qaqc: pd.DataFrame, assays: pd.DataFrame) -> pd.DataFrame:
    n_primary = 0 if assays is None else len(assays)
    if qaqc is None or len(qaqc) == 0 or "qc_type" not in qaqc.columns:
        counts = pd.Series(dtype="int64")
    else:
        counts = qaqc["qc_type"].astype("string").fillna("<missing>").value_counts()
    types = list(QC_TYPES) + sorted(t for t in counts.index if t not in QC_TYPES)
    n = [int(counts.get(t, 0)) for t in types]
    rate = [100.0 * k / n_primary if n_primary else np.nan for k in n]
    return _typed(
        {"qc_type": types, "n_samples": n, "n_primary": n_primary, "rate_pct": rate},
        _COUNT_SCHEMA,
    )


def _sort_failures(f: pd.DataFrame) -> pd.DataFrame:
    if len(f) == 0:
        return _empty(_FAILURE_SCHEMA)
    rank = {t: i for i, t in enumerate(QC_TYPES)}
    key = f.assign(
        _t=f["qc_type"].map(rank).fillna(len(rank)),
        _r=f["row"].astype("Float64").fillna(np.inf),
    )
    key = key.sort_values(
        ["_t", "_r", "column", "rule", "sample_id"], kind="mergesort", na_position="last"
    )
    return _typed(key, _FAILURE_SCHEMA)


def qaqc_summary(
    db: DrillholeDB,
    params: QaqcParams,
    detection_limits: Mapping[str, float],
    *,
    field_hard_limit_pct: float = 20.0,
    lab_hard_limit_pct: float | None = None,
    required_pct: float = 90.0,
    trend_run: int = 9,
    high_grade: Mapping[str, float] | None = None,
) -> QaqcResult:
    """Run every QA/QC check on a drillhole database.

    Uses ``db.qaqc``, ``db.standards`` and ``db.assays`` restricted to
    ``db.grade_columns``. No QA/QC data gives empty tables, not errors.

    Parameters
    ----------
    db : DrillholeDB
        The validated drillhole database.
    params : QaqcParams
        ``blank_limit_multiple`` [-] for blanks and ``hard_limit_pct`` [%], the default
        HARD limit of laboratory (pulp) duplicates.
    detection_limits : mapping of str to float
        Detection limit per canonical grade column in canonical units [%].
    field_hard_limit_pct : float
        HARD limit of field duplicates [%] (industry: 20–30 %; Abzalov 2008).
    lab_hard_limit_pct : float, optional
        HARD limit of laboratory duplicates [%]; default ``params.hard_limit_pct``.
    required_pct : float
        Share of duplicate pairs that must be within the limit, both types [%].
    trend_run : int
        Minimum run of CRM results on one side of the expected value for a bias
        trend [-].
    high_grade : mapping of str to float, optional
        High-grade thresholds for the blank carry-over note [%]; default: the 90th
        percentile of the primary assays.

    Returns
    -------
    QaqcResult
        All tables; ``failures`` sorted by QA/QC type, row, column and rule.
    """
    cols = list(db.grade_columns)
    lab_limit = params.hard_limit_pct if lab_hard_limit_pct is None else lab_hard_limit_pct
    crm = crm_check(db.qaqc, db.standards, columns=cols, trend_run=trend_run)
    blank = blank_check(
        db.qaqc,
        db.assays,
        detection_limits,
        limit_multiple=params.blank_limit_multiple,
        columns=cols,
        high_grade=high_grade,
    )
    dup = duplicate_check(
        db.qaqc,
        db.assays,
        columns=cols,
        field_hard_limit_pct=field_hard_limit_pct,
        lab_hard_limit_pct=lab_limit,
        field_required_pct=required_pct,
        lab_required_pct=required_pct,
        detection_limits=detection_limits,
        min_dl_multiple=params.duplicate_min_dl_multiple,
    )
    failures = _sort_failures(
        _concat([crm.failures, blank.failures, dup.failures], _FAILURE_SCHEMA)
    )
    return QaqcResult(
        crm_results=crm.results,
        crm_summary=crm.summary,
        blank_results=blank.results,
        blank_summary=blank.summary,
        duplicate_pairs=dup.pairs,
        duplicate_summary=dup.summary,
        unmatched_duplicates=dup.unmatched,
        qc_counts=_qc_counts(db.qaqc, db.assays),
        failures=failures,
    )
