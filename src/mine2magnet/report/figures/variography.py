"""Variogram figure: experimental points with pair counts, the fitted model and its sill.

Directions follow the estimation stage (``major``, ``semi_major``, ``minor`` axes of the
domain's model, GSLIB angles; ``downhole``); one panel per direction present.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mine2magnet.report.document import Figure
from mine2magnet.report.figures._common import (
    figure_id,
    finish,
    grade_label,
    house_style,
    new_figure,
    require_columns,
    rows_for,
)

__all__ = ["variogram_plot"]

_ORDER = ("major", "semi_major", "minor", "downhole")
_NAMES = {"major": "major", "semi_major": "semi-major", "minor": "minor", "downhole": "downhole"}
_FEW_PAIRS = 30  # points from fewer pairs are drawn hollow (unreliable)


def _direction_title(name: str, g: pd.DataFrame) -> str:
    label = _NAMES.get(name, name)
    if {"azimuth_deg", "dip_deg"} <= set(g.columns):
        az = g["azimuth_deg"].iloc[0]
        dip = g["dip_deg"].iloc[0]
        if pd.notna(az) and pd.notna(dip):
            return f"{label} (azimuth {az:.0f}°, dip {dip:.0f}°)"
    return label


def variogram_plot(
    experimental: pd.DataFrame,
    curves: pd.DataFrame | None,
    domain: str,
    column: str,
    *,
    sill_pct2: float | None = None,
    synthetic: bool = False,
) -> Figure:
    """Experimental variograms and the fitted model, one panel per direction.

    Parameters
    ----------
    experimental : pandas.DataFrame
        Table ``estimation__variogram_experimental``: ``domain``, ``column``,
        ``direction``, ``lag_m`` [m] (mean pair distance), ``gamma_pct2`` [%²],
        ``n_pairs`` [-], optionally ``azimuth_deg``, ``dip_deg`` [deg].
    curves : pandas.DataFrame or None
        Table ``estimation__variogram_model_curves``: ``domain``, ``column``,
        ``direction``, ``lag_m`` [m], ``gamma_pct2`` [%²]. Rows with column ``*`` apply
        to every column of the domain.
    domain : str
        Domain code.
    column : str
        Grade column, e.g. ``TREO_pct``.
    sill_pct2 : float, optional
        Total sill drawn as a dashed line [%²]; default the largest value of the model
        curves (the sill of bounded models).
    synthetic : bool
        Mark the figure and caption as SYNTHETIC data.

    Returns
    -------
    mine2magnet.report.document.Figure
        Points labelled with their number of pairs (hollow below 30 pairs), model curve,
        sill line; common γ axis.
    """
    table = "estimation__variogram_experimental"
    require_columns(experimental, ["direction", "lag_m", "gamma_pct2", "n_pairs"], table)
    ex = rows_for(experimental, table, domain=domain, column=column)
    cv = pd.DataFrame()
    if curves is not None and len(curves):
        require_columns(
            curves,
            ["domain", "column", "direction", "lag_m", "gamma_pct2"],
            "estimation__variogram_model_curves",
        )
        cv = curves[(curves["domain"] == domain) & curves["column"].isin([column, "*"])]
    present = [d for d in _ORDER if d in set(ex["direction"])]
    present += sorted(set(ex["direction"].astype(str)) - set(present))
    if sill_pct2 is None and len(cv):
        sill_pct2 = float(np.nanmax(cv["gamma_pct2"].to_numpy(float)))
    ex_ok = ex[(ex["n_pairs"] > 0) & np.isfinite(ex["gamma_pct2"])]
    top = max(
        float(ex_ok["gamma_pct2"].max()) if len(ex_ok) else 0.0,
        float(cv["gamma_pct2"].max()) if len(cv) else 0.0,
        sill_pct2 or 0.0,
    )
    ncols = 2 if len(present) > 1 else 1
    nrows = math.ceil(len(present) / ncols)
    label = grade_label(column)
    title = f"Variograms of {label}, domain {domain}"
    with house_style():
        fig = new_figure(2.35 * nrows + 0.6)
        axs = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
        for ax, name in zip(axs, present, strict=False):
            g = ex_ok[ex_ok["direction"] == name].sort_values("lag_m")
            lag = g["lag_m"].to_numpy(float)
            gam = g["gamma_pct2"].to_numpy(float)
            pairs = g["n_pairs"].to_numpy(int)
            few = pairs < _FEW_PAIRS
            ax.plot(lag[~few], gam[~few], "o", ms=3.5, color="#2166AC", label="experimental")
            if few.any():
                ax.plot(
                    lag[few],
                    gam[few],
                    "o",
                    ms=3.5,
                    mfc="white",
                    mec="#2166AC",
                    label=f"< {_FEW_PAIRS} pairs",
                )
            for x, y, p in zip(lag, gam, pairs, strict=True):
                ax.annotate(
                    f"{p:,}",
                    (x, y),
                    xytext=(0, 4),
                    textcoords="offset points",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=5,
                    color="0.35",
                )
            m = cv[cv["direction"] == name].sort_values("lag_m") if len(cv) else cv
            if len(m):
                ax.plot(m["lag_m"], m["gamma_pct2"], "-", color="#B2182B", lw=1.3, label="model")
            if sill_pct2:
                ax.axhline(sill_pct2, color="0.3", lw=0.8, ls="--", label="sill")
            ax.set_title(_direction_title(name, g if len(g) else ex[ex["direction"] == name]))
            xmax = max(
                float(lag.max()) if len(lag) else 0.0, float(m["lag_m"].max()) if len(m) else 0.0
            )
            ax.set_xlim(0, xmax * 1.05 if xmax > 0 else 1.0)
            ax.set_ylim(0, top * 1.25 if top > 0 else 1.0)
            ax.set_xlabel("lag distance [m]")
            ax.grid(True, lw=0.3, alpha=0.5)
        for ax in axs[::ncols]:
            ax.set_ylabel("γ(h) [%²]")
        for ax in axs[len(present) :]:
            ax.set_visible(False)
        handles, labels = {}, []
        for ax in axs[: len(present)]:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in handles:
                    handles[lab] = h
                    labels.append(lab)
        fig.legend(
            [handles[k] for k in labels], labels, loc="outside lower center", ncol=len(labels)
        )
        sill_txt = f"; dashed: total sill {sill_pct2:.3g} %²" if sill_pct2 else ""
        caption = (
            f"Experimental variograms of {label} in domain {domain} along "
            f"{', '.join(_NAMES.get(d, d) for d in present)} (points at the mean pair "
            f"distance [m], γ in %², number of pairs printed above each point, hollow "
            f"below {_FEW_PAIRS} pairs) with the fitted model (line){sill_txt}."
        )
        fid = figure_id("variogram", domain, column)
        return finish(fig, fig_id=fid, title=title, caption=caption, synthetic=synthetic)
