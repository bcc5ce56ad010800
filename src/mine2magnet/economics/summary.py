"""Printable summaries of the economics tables (for ``m2m economics`` and ``m2m scenarios``).

Pure functions: each takes the tables of :meth:`EconomicsResult.tables
<mine2magnet.economics.stage.EconomicsResult.tables>` (names with or without the store
prefix ``economics__``) and returns a small DataFrame in display units — money in US$ M
(the model's basis), rates in %, times in years. :func:`format_frame` turns any of them
into strings for a terminal table; the numeric frames are what ``--json`` prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "cashflow_summary",
    "economics_summary",
    "format_frame",
    "headline_metrics",
    "magnet_panel",
    "montecarlo_percentiles",
    "scenario_summary",
]

_M = 1e6


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    for key in (f"economics__{name}", name):
        t = tables.get(key)
        if isinstance(t, pd.DataFrame):
            return t
    raise KeyError(f"no economics table {name!r} (economics__{name}); run the economics stage")


def _pct(x: float) -> str:
    return f"{x:.1f} %" if math.isfinite(x) else "—"


def headline_metrics(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Key figures of the base case.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Needs ``metrics``.

    Returns
    -------
    pandas.DataFrame
        ``item``, ``value`` (float; NaN when only ``detail`` applies), ``unit``,
        ``detail`` (IRR flag and every root, the money basis).

    Examples
    --------
    >>> m = pd.DataFrame({"name": ["discount rate"], "value": [8.0], "unit": ["%"],
    ...                   "series": ["project"], "kind": ["discount_rate"],
    ...                   "rate_pct": [np.nan], "text": ["real"]})
    >>> headline_metrics({"metrics": m})["item"].tolist()
    ['discount rate']
    """
    m = _get(tables, "metrics")
    rows: list[tuple[str, float, str, str]] = []

    def one(kind: str, series: str = "project") -> pd.Series | None:
        hit = m.loc[(m["kind"] == kind) & (m["series"] == series)]
        return hit.iloc[0] if len(hit) else None

    r = one("discount_rate")
    if r is not None:
        rows.append(("discount rate", float(r["value"]), "%", f"{r['text']} terms"))
    for series, label in (("after_tax", "after tax"), ("pre_tax", "pre-tax"), ("equity", "equity")):
        npv = one("npv", series)
        if npv is None:
            continue
        rows.append((f"NPV at {npv['rate_pct']:.4g} % ({label})", npv["value"] / _M, "US$ M", ""))
        if series == "after_tax":
            at = m.loc[(m["kind"] == "npv_at_rate") & (m["series"] == series)]
            for _, a in at.iterrows():
                if a["rate_pct"] != npv["rate_pct"]:
                    rows.append(
                        (f"NPV at {a['rate_pct']:.4g} % ({label})", a["value"] / _M, "US$ M", "")
                    )
        flag = one("irr_flag", series)
        roots = m.loc[(m["kind"] == "irr_root") & (m["series"] == series), "value"]
        irr = one("irr", series)
        detail = str(flag["text"]) if flag is not None else ""
        if len(roots):
            detail += ": " + ", ".join(_pct(float(x)) for x in roots)
        rows.append(
            (f"IRR ({label})", float(irr["value"]) if irr is not None else np.nan, "%", detail)
        )
        if series == "after_tax":
            for kind, name, unit in (
                ("mirr", "MIRR", "%"),
                ("payback", "payback", "y from first production"),
                ("discounted_payback", "discounted payback", "y from first production"),
            ):
                x = one(kind, series)
                if x is not None:
                    rows.append((f"{name} ({label})", float(x["value"]), unit, ""))
    cap = one("initial_capex")
    if cap is not None:
        rows.append(("initial capex (incl. contingency)", cap["value"] / _M, "US$ M real", ""))
    for kind, name in (
        ("lom_revenue_usd", "life-of-mine revenue"),
        ("lom_government_take_usd", "life-of-mine government take"),
    ):
        x = one(kind)
        if x is not None:
            rows.append((name, x["value"] / _M, "US$ M", "undiscounted"))
    return pd.DataFrame(rows, columns=["item", "value", "unit", "detail"])


def cashflow_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Annual cash flows in US$ M with a life-of-mine total row.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        Needs ``cashflow``.

    Returns
    -------
    pandas.DataFrame
        ``year`` (the last row ``"total"``), ``revenue``, ``royalties``, ``opex``,
        ``capex``, ``other`` (working capital, closure, salvage), ``tax``, ``cash_flow``,
        ``cumulative`` [US$ M]; quarterly models are summed per calendar year.
    """
    cf = _get(tables, "cashflow")
    other = -cf["working_capital_change_usd"] - cf["closure_usd"] + cf["salvage_usd"]
    frame = pd.DataFrame(
        {
            "year": cf["year"].astype(int),
            "revenue": cf["revenue_usd"] / _M,
            "royalties": -cf["royalty_usd"] / _M,
            "opex": -cf["opex_usd"] / _M,
            "capex": -cf["capex_usd"] / _M,
            "other": other / _M,
            "tax": -cf["tax_usd"] / _M,
            "cash_flow": cf["cash_flow"] / _M,
        }
    )
    yearly = frame.groupby("year", as_index=False, sort=True).sum()
    yearly["cumulative"] = yearly["cash_flow"].cumsum()
    total = yearly.drop(columns=["year", "cumulative"]).sum()
    out = yearly.astype({"year": object})
    out.loc[len(out)] = {"year": "total", **total.to_dict(), "cumulative": np.nan}
    return out


def montecarlo_percentiles(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """P10/P50/P90, mean, sd and P(NPV < 0) of the Monte Carlo NPV.

    Returns
    -------
    pandas.DataFrame
        ``statistic``, ``after_tax``, ``pre_tax``, ``unit`` (US$ M, or % for P(NPV<0),
        or draws).
    """
    s = _get(tables, "montecarlo_summary")
    rows = []
    for _, r in s.iterrows():
        stat = str(r["statistic"])
        if stat == "P(NPV<0)":
            rows.append((stat, 100 * r["after_tax_usd"], 100 * r["pre_tax_usd"], "%"))
        elif stat == "draws":
            rows.append((stat, r["after_tax_usd"], r["pre_tax_usd"], "draws"))
        else:
            rows.append((stat, r["after_tax_usd"] / _M, r["pre_tax_usd"] / _M, "US$ M"))
    return pd.DataFrame(rows, columns=["statistic", "after_tax", "pre_tax", "unit"])


def magnet_panel(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The mine-to-magnet panel: magnets, EV motors, wind MW, share of world supply.

    Returns
    -------
    pandas.DataFrame
        ``quantity``, ``value``, ``low``, ``high``, ``unit`` (shares in %), ``source``.
    """
    m = _get(tables, "magnet").copy()
    share = m["unit"] == "-"
    for c in ("value", "low", "high"):
        m[c] = np.where(share, 100.0 * m[c], m[c])
    m["unit"] = np.where(share, "%", m["unit"])
    return m[["quantity", "value", "low", "high", "unit", "source"]].reset_index(drop=True)


def scenario_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The partner-scenario comparison in US$ M.

    Returns
    -------
    pandas.DataFrame
        ``scenario``, ``route``, ``npv``, ``irr`` [%] (NaN unless unique), ``irr_flag``,
        ``initial_capex``, ``local_opex_per_year`` (jobs proxy), ``government_take``,
        ``value_in_country``, ``foreign_partner`` [US$ M; NPVs at the discount rate].
    """
    s = _get(tables, "scenarios")
    return pd.DataFrame(
        {
            "scenario": s["scenario"],
            "route": s["route"],
            "npv": s["npv_usd"] / _M,
            "irr": 100 * s["irr"],
            "irr_flag": s["irr_flag"],
            "initial_capex": s["initial_capex_usd"] / _M,
            "local_opex_per_year": s["local_opex_usd_per_year"] / _M,
            "government_take": s["government_take_npv_usd"] / _M,
            "value_in_country": s["value_in_country_npv_usd"] / _M,
            "foreign_partner": s["foreign_partner_npv_usd"] / _M,
        }
    )


def economics_summary(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What ``m2m economics`` prints: ``metrics``, ``cashflow``, ``montecarlo``, ``magnet``."""
    return {
        "metrics": headline_metrics(tables),
        "cashflow": cashflow_summary(tables),
        "montecarlo": montecarlo_percentiles(tables),
        "magnet": magnet_panel(tables),
    }


def _fmt(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool | np.bool_):
        return str(x)
    if isinstance(x, int | np.integer):
        return f"{int(x):,d}"
    if isinstance(x, float | np.floating):
        v = float(x) + 0.0  # no "-0.0"
        if not math.isfinite(v):
            return "—"
        a = abs(v)
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 10 or v == 0:
            return f"{v:,.1f}"
        return f"{v:.3g}"
    return str(x)


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text for a terminal table (thousands separators, ``—`` for NaN).

    Examples
    --------
    >>> format_frame(pd.DataFrame({"a": [1234.5, float("nan"), 0.01234]}))["a"].tolist()
    ['1,234', '—', '0.0123']
    """
    out = frame.apply(lambda col: col.map(_fmt)).astype(object)
    if "year" in frame.columns:
        out["year"] = frame["year"].map(str)
    return out
