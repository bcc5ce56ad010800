"""Stage-profile figure of a cascade: McCabe–Thiele-style diagram and purity vs stage.

Matplotlib is imported lazily and drawn on an Agg canvas, so headless use needs no display
and the user's pyplot backend is left alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mine2magnet.errors import ConfigError
from mine2magnet.processing.sx.cascade import CascadeResult
from mine2magnet.processing.sx.design import DesignResult

__all__ = ["plot_cascade"]


def plot_cascade(result: CascadeResult | DesignResult, out_png: str | Path) -> Path:
    """Draw the stage profile of a cascade to a PNG file.

    Left: McCabe–Thiele-style diagram for the split — the extract group's mole fraction in
    the organic (``y``) against the aqueous (``x``), one point per stage (the equilibrium
    curve the cascade actually followed) joined by the stage-to-stage steps. Right: mole
    fraction of each element in the aqueous phase versus stage (log scale) and the
    extract-group purity of both phases, sections shaded.

    Parameters
    ----------
    result : CascadeResult or DesignResult
        A steady state (a design's cascade is used).
    out_png : str or Path
        Output file [-].

    Returns
    -------
    Path
        The file written.
    """
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    res = result.cascade if isinstance(result, DesignResult) else result
    cas = res.cascade
    if not cas.extract_elements:
        raise ConfigError("plot: the cascade has no split (extract_elements); nothing to plot")
    g = np.array([e in cas.extract_elements for e in cas.elements])
    aq, org = res.aqueous_mol_h, res.organic_mol_h
    with np.errstate(invalid="ignore", divide="ignore"):
        xa = aq[:, g].sum(axis=1) / aq.sum(axis=1)
        ya = org[:, g].sum(axis=1) / org.sum(axis=1)
        frac = aq / aq.sum(axis=1, keepdims=True)
    n = cas.n_stages
    stages = np.arange(1, n + 1)

    fig = Figure(figsize=(13, 5.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot([0, 1], [0, 1], color="0.6", lw=0.8, label="y = x")
    ax1.plot(xa, ya, "o", ms=3.5, color="C0", label="stage equilibrium (x_k, y_k)")
    steps_x, steps_y = [xa[0]], [ya[0]]
    for k in range(n - 1):
        steps_x += [xa[k + 1], xa[k + 1]]
        steps_y += [ya[k], ya[k + 1]]
    ax1.plot(steps_x, steps_y, color="C1", lw=0.9, label="stage steps")
    ax1.set_xlim(0, 1)
    ax1.set_ylim(0, 1)
    ax1.set_xlabel("extract group in aqueous, x [mol/mol]")
    ax1.set_ylabel("extract group in organic, y [mol/mol]")
    ax1.set_title(f"McCabe–Thiele view: {'-'.join(cas.extract_elements)} to organic")
    ax1.legend(loc="lower right", fontsize=8)

    colours = {"extraction": "#e8f1fa", "scrub": "#fbeee0", "strip": "#eaf5e6"}
    start = 0
    for k in range(1, n + 1):
        if k == n or cas.section[k] != cas.section[start]:
            ax2.axvspan(start + 0.5, k + 0.5, color=colours[cas.section[start]], lw=0)
            ax2.text(
                (start + k + 1) / 2,
                0.97,
                cas.section[start],
                ha="center",
                va="top",
                fontsize=8,
                transform=ax2.get_xaxis_transform(),
            )
            start = k
    floor = 1e-12
    palette = colormaps["tab20"]
    for i, e in enumerate(cas.elements):
        if np.nanmax(frac[:, i]) < floor:
            continue
        ax2.semilogy(
            stages, np.clip(frac[:, i], floor, None), lw=1.1, label=e, color=palette(i % 20)
        )
    ax2.semilogy(stages, np.clip(1 - ya, floor, None), "k--", lw=1.2, label="1 - y (organic)")
    ax2.semilogy(stages, np.clip(xa, floor, None), "k:", lw=1.2, label="x (aqueous)")
    fs = np.flatnonzero(cas.feed_aqueous_mol_h.sum(axis=1) + cas.feed_organic_mol_h.sum(axis=1))
    for k in fs:
        ax2.axvline(k + 1, color="0.3", lw=0.8, ls="-.")
    ax2.set_xlim(0.5, n + 0.5)
    shown = np.concatenate([frac[frac >= floor], (1 - ya)[(1 - ya) >= floor], xa[xa >= floor]])
    low = max(floor, 0.3 * float(shown.min())) if shown.size else floor
    ax2.set_ylim(low, 3)
    ax2.set_xlabel("stage (organic enters at 1, raffinate leaves at 1)")
    ax2.set_ylabel("aqueous mole fraction [-]")
    ax2.set_title(
        f"purity by stage: extract {res.extract_purity:.6f}, raffinate {res.raffinate_purity:.6f}"
    )
    ax2.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.01, 0.5))
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    return out
