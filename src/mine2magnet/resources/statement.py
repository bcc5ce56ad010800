"""The Mineral Resource statement, its rounding, metadata and grade-tonnage table.

Conventions
-----------
* Rows by class: ``Measured``, ``Indicated``, ``Measured + Indicated``, ``Inferred``,
  ``Total`` (M + I + Inf); Unclassified material is not a Mineral Resource and appears
  only in the grade-tonnage table and the classification counts.
* A block is reported at cut-off *c* when it is inside the RPEEE constraint and its value
  in the cut-off basis is ``>= c``.
* Grades are tonnage-weighted means over the blocks where the grade is finite; contained
  oxide ``<species>_t = Σ tonnes × grade / 100`` [t]; ``NdPr_pct`` = Nd2O3 + Pr6O11;
  ``NdPr_TREO_pct`` = NdPr share of TREO.
* **Rounding** (JORC Code 2012, Clause 25 guidance: figures should reflect the relative
  uncertainty of the estimate). Every figure of a row is rounded to significant figures
  from its own *unrounded* value (round half away from zero): tonnes, grades and contained
  tonnes each with their own count, per class (``rounding.measured_indicated`` for
  Measured, Indicated and M + I; ``rounding.inferred`` for Inferred and Total). Totals are
  therefore computed from unrounded figures and rounded, never summed from rounded rows,
  and rounded rows may not add up exactly; the unrounded table is kept alongside.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mine2magnet.chemistry import NDPR_OXIDES, REO
from mine2magnet.resources.params import ResourceParams, RoundingParams, SigFigs
from mine2magnet.resources.types import INDICATED, INFERRED, MEASURED, UNCLASSIFIED

__all__ = [
    "STATEMENT_CLASSES",
    "format_sig",
    "grade_tonnage_by_class",
    "ordered_grade_columns",
    "resource_statement",
    "round_sig",
    "round_statement",
    "statement_metadata",
    "statement_text",
    "summarise",
]

#: Statement rows and the class codes each one sums.
STATEMENT_CLASSES: dict[str, tuple[int, ...]] = {
    "Measured": (MEASURED,),
    "Indicated": (INDICATED,),
    "Measured + Indicated": (MEASURED, INDICATED),
    "Inferred": (INFERRED,),
    "Total": (MEASURED, INDICATED, INFERRED),
}


def round_sig(x: float, sig: int) -> float:
    """Round to ``sig`` significant figures, half away from zero.

    The decimal value of ``x`` (its shortest repr) is rounded, so ``2.45`` becomes 2.5
    whatever its binary representation.

    Parameters
    ----------
    x : float
        Value (NaN and inf pass through).
    sig : int
        Significant figures, at least 1 [-].

    Returns
    -------
    float

    Examples
    --------
    >>> round_sig(1234567.0, 2), round_sig(0.0012345, 3), round_sig(2.45, 2), round_sig(-95.0, 1)
    (1200000.0, 0.00123, 2.5, -100.0)
    """
    if sig < 1:
        raise ValueError("sig must be at least 1")
    if not math.isfinite(x) or x == 0:
        return float(x)
    d = Decimal(repr(float(x)))
    exp = d.adjusted() - sig + 1
    return float(d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP))


def ordered_grade_columns(columns: Sequence[str]) -> list[str]:
    """Grade columns in statement order: TREO, the REO in atomic-number order, the rest.

    Examples
    --------
    >>> ordered_grade_columns(["ThO2_pct", "CeO2_pct", "TREO_pct", "La2O3_pct"])
    ['TREO_pct', 'La2O3_pct', 'CeO2_pct', 'ThO2_pct']
    """
    cols = list(dict.fromkeys(columns))
    head = [c for c in ["TREO_pct", *(f"{o}_pct" for o in REO)] if c in cols]
    return head + [c for c in cols if c not in head]


def summarise(
    frame: pd.DataFrame, grade_columns: Sequence[str], mask: NDArray[np.bool_] | None = None
) -> dict[str, float]:
    """Tonnes, tonnage-weighted grades and contained tonnes of the selected rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``tonnes`` [t], the grade columns [%] and optionally ``nsr_usd_t`` [US$/t].
    grade_columns : sequence of str
        ``<species>_pct`` columns, in output order.
    mask : numpy.ndarray, optional
        Rows to include (default all).

    Returns
    -------
    dict
        ``tonnes``, ``TREO_pct``, ``NdPr_pct``, ``NdPr_TREO_pct``, the other grades,
        ``nsr_usd_t``, then ``TREO_t``, ``NdPr_t`` and ``<species>_t``.

    Examples
    --------
    >>> f = pd.DataFrame({"tonnes": [100.0, 300.0], "TREO_pct": [2.0, 1.0]})
    >>> s = summarise(f, ["TREO_pct"])
    >>> s["tonnes"], s["TREO_pct"], s["TREO_t"]
    (400.0, 1.25, 5.0)
    """
    sel = frame if mask is None else frame[np.asarray(mask, dtype=bool)]
    t = sel["tonnes"].to_numpy(dtype=float)
    total = float(t.sum())
    grades: dict[str, float] = {}
    contained: dict[str, float] = {}

    def add(name: str, g: NDArray[np.float64]) -> None:
        ok = np.isfinite(g)
        w = float(t[ok].sum())
        metal = float((t[ok] * g[ok]).sum())
        grades[name] = metal / w if w > 0 else np.nan
        contained[name] = metal / 100.0

    cols = ordered_grade_columns(grade_columns)
    for c in cols:
        add(c, sel[c].to_numpy(dtype=float))
        if c == "TREO_pct" and all(f"{o}_pct" in sel for o in NDPR_OXIDES):
            ndpr = sum(sel[f"{o}_pct"].to_numpy(dtype=float) for o in NDPR_OXIDES)
            add("NdPr_pct", ndpr)
    out: dict[str, float] = {"tonnes": total}
    for name, g in grades.items():
        out[name] = g
        if name == "NdPr_pct":
            tr = contained.get("TREO_pct", np.nan)
            out["NdPr_TREO_pct"] = 100.0 * contained[name] / tr if tr > 0 else np.nan
    if "nsr_usd_t" in sel:
        v = sel["nsr_usd_t"].to_numpy(dtype=float)
        ok = np.isfinite(v)
        w = float(t[ok].sum())
        out["nsr_usd_t"] = float((t[ok] * v[ok]).sum()) / w if w > 0 else np.nan
    for name, m in contained.items():
        out[name.removesuffix("_pct") + "_t"] = m
    return out


def _table(
    frame: pd.DataFrame,
    value: NDArray[np.float64],
    inside: NDArray[np.bool_],
    cutoffs: Sequence[float],
    basis: str,
    classes: dict[str, tuple[int, ...]],
    grade_columns: Sequence[str],
) -> pd.DataFrame:
    code = frame["code"].to_numpy()
    rows = []
    for c in cutoffs:
        with np.errstate(invalid="ignore"):
            at = inside & np.isfinite(value) & (value >= c)
        for name, codes in classes.items():
            s = summarise(frame, grade_columns, at & np.isin(code, codes))
            rows.append({"cutoff": float(c), "cutoff_basis": basis, "class": name, **s})
    return pd.DataFrame(rows)


def resource_statement(
    frame: pd.DataFrame,
    value: NDArray[np.float64],
    inside: NDArray[np.bool_],
    cutoffs: Sequence[float],
    basis: str,
    grade_columns: Sequence[str],
) -> pd.DataFrame:
    """The unrounded statement: one row per cut-off and statement class.

    Parameters
    ----------
    frame : pandas.DataFrame
        Estimated blocks: ``code`` (1–4), ``tonnes`` [t], grades [%], ``nsr_usd_t``.
    value : numpy.ndarray
        Each block's value in the cut-off basis [% or US$/t].
    inside : numpy.ndarray
        Blocks inside the RPEEE constraint.
    cutoffs : sequence of float
        The reporting cut-off first, then the others.
    basis : str
        ``TREO_pct`` or ``NSR_usd_t``.
    grade_columns : sequence of str
        Grade columns reported.

    Returns
    -------
    pandas.DataFrame
        ``cutoff``, ``cutoff_basis``, ``reporting`` (the first cut-off), ``class``,
        ``tonnes`` and the :func:`summarise` columns.
    """
    t = _table(frame, value, inside, cutoffs, basis, STATEMENT_CLASSES, grade_columns)
    t.insert(2, "reporting", t["cutoff"] == float(cutoffs[0]))
    return t


def grade_tonnage_by_class(
    frame: pd.DataFrame,
    value: NDArray[np.float64],
    inside: NDArray[np.bool_],
    cutoffs: Sequence[float],
    basis: str,
    grade_columns: Sequence[str],
) -> pd.DataFrame:
    """Grade-tonnage table inside the RPEEE constraint, by class (Unclassified included).

    Returns
    -------
    pandas.DataFrame
        ``class``, ``cutoff``, ``cutoff_basis`` and the :func:`summarise` columns.
    """
    classes = {**STATEMENT_CLASSES, "Unclassified": (UNCLASSIFIED,)}
    t = _table(frame, value, inside, sorted(cutoffs), basis, classes, grade_columns)
    order = {c: n for n, c in enumerate(classes)}
    t = t.sort_values(["class", "cutoff"], key=lambda s: s.map(order) if s.name == "class"
                      else s, kind="stable", ignore_index=True)  # fmt: skip
    return t[["class", *[c for c in t.columns if c != "class"]]]


def _sig_for(cls: str, rounding: RoundingParams) -> SigFigs:
    return rounding.inferred if cls in ("Inferred", "Total") else rounding.measured_indicated


def round_statement(statement: pd.DataFrame, rounding: RoundingParams) -> pd.DataFrame:
    """Round every figure of the statement to significant figures (see module docs).

    Parameters
    ----------
    statement : pandas.DataFrame
        Unrounded statement (:func:`resource_statement`).
    rounding : RoundingParams

    Returns
    -------
    pandas.DataFrame
        Same shape; ``tonnes`` with ``tonnes`` s.f., ``*_pct`` and ``nsr_usd_t`` with
        ``grades`` s.f., ``*_t`` with ``contained`` s.f.
    """
    out = statement.copy()
    for col in out.columns:
        if col == "tonnes":
            kind = "tonnes"
        elif col.endswith("_pct") or col == "nsr_usd_t":
            kind = "grades"
        elif col.endswith("_t"):
            kind = "contained"
        else:
            continue
        out[col] = [
            round_sig(float(v), getattr(_sig_for(c, rounding), kind))
            for v, c in zip(out[col], out["class"], strict=True)
        ]
    return out


def format_sig(x: float, sig: int) -> str:
    """Text of ``x`` at ``sig`` significant figures, keeping trailing zeros.

    Thousands are separated by commas; no exponent is used.

    Examples
    --------
    >>> format_sig(1.6, 3), format_sig(1_234_567.0, 2), format_sig(9.996, 3), format_sig(0.0, 3)
    ('1.60', '1,200,000', '10.0', '0')
    """
    if x is None or not math.isfinite(float(x)):
        return ""
    v = round_sig(float(x), sig)
    if v == 0:
        return "0"
    decimals = sig - 1 - math.floor(math.log10(abs(v)))
    return f"{v:,.{max(decimals, 0)}f}"


def statement_text(
    statement: pd.DataFrame,
    rounding: RoundingParams,
    columns: Sequence[str],
    scale: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The statement as text at its significant figures, for printing and the report.

    Parameters
    ----------
    statement : pandas.DataFrame
        Statement rows (rounded or unrounded; the text is rounded here).
    rounding : RoundingParams
        Significant figures per class group (Measured/Indicated/M+I vs Inferred/Total).
    columns : sequence of str
        Columns to show; ``class``, ``cutoff_basis`` as text, ``cutoff`` as ``%g``.
    scale : dict, optional
        Column → factor applied before formatting (``{"tonnes": 1e-6}`` for Mt) [-].

    Returns
    -------
    pandas.DataFrame
        Same rows, the chosen columns, every cell a string.
    """
    scale = scale or {}
    rows = []
    for _, r in statement.iterrows():
        cls = str(r.get("class", ""))
        rule = _sig_for(cls, rounding)
        row: dict[str, str] = {}
        for c in columns:
            v = r.get(c)
            if c in ("class", "cutoff_basis", "reporting"):
                row[c] = str(v)
            elif c == "cutoff":
                row[c] = f"{float(v):g}"
            else:
                kind = "tonnes" if c == "tonnes" else "contained" if c.endswith("_t") else "grades"
                row[c] = format_sig(float(v) * scale.get(c, 1.0), getattr(rule, kind))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(columns))


def statement_metadata(
    params: ResourceParams,
    *,
    density: dict[str, float],
    flagged_holes: Sequence[str],
    estimated_tonnes: float,
    unclassified_tonnes: float,
    grade_column: str,
    has_topography: bool,
    extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Key/value facts every statement must carry (cut-off, date, density, constraint …).

    Parameters
    ----------
    params : ResourceParams
    density : dict
        Domain → dry bulk density used for tonnes [t/m³].
    flagged_holes : sequence of str
        Holes flagged by QA/QC.
    estimated_tonnes : float
        Tonnes of all estimated blocks [t].
    unclassified_tonnes : float
        Unclassified tonnes inside the RPEEE at the reporting cut-off [t].
    grade_column : str
        Column that marks estimated blocks.
    has_topography : bool
        Whether a topography surface was available.
    extra : dict, optional
        Further ``key → (value, unit)`` rows.

    Returns
    -------
    pandas.DataFrame
        ``key``, ``value`` (text), ``unit``.
    """
    r = params.rpeee
    mi, inf = params.rounding.measured_indicated, params.rounding.inferred
    basis = params.reporting_cutoff.basis
    unit = "% TREO" if basis == "TREO_pct" else "US$/t NSR"
    rows: list[tuple[str, str, str]] = [
        ("reporting_code", "JORC Code (2012 Edition)", ""),
        ("effective_date",
         params.effective_date.isoformat() if params.effective_date
         else "not stated: to be completed by the Competent Person", ""),
        ("cutoff_basis", basis, ""),
        ("reporting_cutoff", f"{params.cutoff_value():g}", unit),
        ("cutoff_rule", f"blocks with {basis} >= cut-off inside the RPEEE constraint", ""),
        ("statement_cutoffs", ", ".join(f"{c:g}" for c in params.cutoffs()), unit),
        ("estimated_blocks",
         f"block rows with a finite {grade_column}; tonnes {estimated_tonnes:.6g}", "t"),
        ("density_basis",
         "dry bulk density per domain from [[domains]] density_t_m3 ("
         + ", ".join(f"{k} {v:g}" for k, v in sorted(density.items()))
         + "); tonnes = block volume × volume fraction × density", "t/m3"),
        ("grade_basis", "tonnage-weighted block grades, oxide weight percent", "%"),
        ("ndpr_definition", "NdPr_pct = Nd2O3_pct + Pr6O11_pct; NdPr_TREO_pct its share "
         "of TREO", "%"),
        ("classes_reported", "Measured, Indicated, Measured + Indicated, Inferred, Total", ""),
        ("unclassified_tonnes",
         f"{unclassified_tonnes:.6g} (estimated, inside the RPEEE at the reporting cut-off; "
         "not a Mineral Resource)", "t"),
        ("rpeee_constraint", r.constraint, ""),
    ]  # fmt: skip
    if r.constraint == "depth":
        rows.append(("max_depth_m", f"{r.max_depth_m:g} below topography", "m"))
    elif r.constraint == "strip_ratio":
        rows.append(("max_strip_ratio",
                     f"{r.max_strip_ratio:g} cumulative per block column (vertical proxy "
                     "for a pit, no slopes); overburden above the model at "
                     f"{r.overburden_density_t_m3:g} t/m3", "t/t"))  # fmt: skip
    elif r.constraint == "pit":
        rows.append(("pit_shell", "pit shell from the mining stage", ""))
    if not has_topography:
        rows.append(("topography", "none: depths not computed", ""))
    rows += [
        ("price_factor", f"{r.price_factor:g}", "-"),
        ("price_source", r.price_source, ""),
    ]
    rows += [(f"price_{ox}", f"{p:g}", "US$/kg oxide") for ox, p in r.prices_usd_kg.items()]
    rows += [
        ("recovery_pct", f"{r.recovery_pct:g}"
         + ("; " + ", ".join(f"{k} {v:g}" for k, v in r.recoveries_pct.items())
            if r.recoveries_pct else ""), "%"),
        ("payability_pct", f"{r.payability_pct:g}", "%"),
        ("processing_cost", f"{r.costs.processing_usd_t:g}", "US$/t"),
        ("ga_cost", f"{r.costs.ga_usd_t:g}", "US$/t"),
        ("nsr_breakeven", f"{r.costs.breakeven_usd_t:g}", "US$/t"),
        ("nsr_formula", "Σ grade/100 × 1000 kg/t × price × price_factor × recovery × "
         "payability", "US$/t"),
        ("rounding",
         "each figure rounded half away from zero from its unrounded value; Measured, "
         f"Indicated, M+I: tonnes {mi.tonnes}, grades {mi.grades}, contained {mi.contained} "
         f"s.f.; Inferred and Total: tonnes {inf.tonnes}, grades {inf.grades}, contained "
         f"{inf.contained} s.f.", ""),
        ("totals", "totals computed from unrounded figures, then rounded: rounded rows may "
         "not add up", ""),
        ("qaqc_flagged_holes", ", ".join(flagged_holes) or "none", ""),
        ("note", "Mineral Resources are not Ore Reserves and do not have demonstrated "
         "economic viability; Inferred Resources have the lowest geological confidence", ""),
    ]  # fmt: skip
    for k, (v, u) in (extra or {}).items():
        rows.append((k, str(v), u))
    return pd.DataFrame(rows, columns=["key", "value", "unit"])
