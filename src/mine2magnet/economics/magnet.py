"""Mine to magnet: what a project's oxides mean in NdFeB magnets, EV motors and wind power.

Factors and their sources are in ``economics/data/magnet.toml`` (DOMAIN.md §4); a project
may override the magnet composition in ``[economics.magnet]``.

Chain
-----
1. Oxide → metal by stoichiometry (IUPAC atomic weights; 0.8574 kg Nd per kg Nd2O3,
   0.8277 kg Pr per kg Pr6O11).
2. Usable NdPr metal: Pr counts up to ``pr_share_max`` of the NdPr (Pr beyond it cannot
   replace Nd in the alloy).
3. Magnet tonnes = usable NdPr / (RE content × (1 − heavy share)) × yield; for a
   high-temperature grade (heavy share > 0) also limited by Dy + Tb metal /
   (RE content × heavy share). Nd2Fe14B itself is 26.68 wt % Nd; commercial sintered
   magnets hold 29–32 wt % RE (grain-boundary phase).
4. EV traction motors = magnet kg / 1.6–1.9 kg per motor; direct-drive wind MW = NdPr metal
   / 150–280 kg per MW (the figures quote Nd; NdPr metal is used, Pr substituting for Nd).
5. Shares of world supply: TREO against world mine production (390 kt in 2024), and
   NdPr oxide against an *estimate* of world NdPr oxide (world TREO × the Bayan Obo NdPr
   share; Mountain Pass's share gives the upper end of the range).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from mine2magnet.chemistry import ATOMIC_WEIGHT, REO, oxide_factor
from mine2magnet.economics.params import MagnetParams
from mine2magnet.economics.plan import ProductionPlan

__all__ = [
    "MagnetEquivalents",
    "magnet_equivalents",
    "magnet_factors",
    "nd_fraction_nd2fe14b",
    "oxide_tpa_from_plan",
]


@cache
def magnet_factors() -> dict[str, dict]:
    """The cited factors of ``economics/data/magnet.toml`` (name → value, range, source)."""
    text = (
        resources.files("mine2magnet.economics").joinpath("data", "magnet.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


def nd_fraction_nd2fe14b() -> float:
    """Mass fraction of Nd in Nd2Fe14B from IUPAC atomic weights [-] (0.2668).

    Examples
    --------
    >>> round(nd_fraction_nd2fe14b(), 4)
    0.2668
    """
    w = ATOMIC_WEIGHT
    return 2 * w["Nd"] / (2 * w["Nd"] + 14 * w["Fe"] + w["B"])


@dataclass(frozen=True)
class MagnetEquivalents:
    """Mine-to-magnet panel.

    Attributes
    ----------
    table : pandas.DataFrame
        ``quantity``, ``value``, ``low``, ``high``, ``unit``, ``source``.
    """

    table: pd.DataFrame

    def value(self, quantity: str) -> float:
        """One quantity's central value (KeyError if absent)."""
        row = self.table.loc[self.table["quantity"] == quantity]
        if row.empty:
            raise KeyError(f"no quantity {quantity!r}; have {list(self.table['quantity'])}")
        return float(row["value"].iloc[0])


def magnet_equivalents(
    oxide_tpa: Mapping[str, float], params: MagnetParams | None = None
) -> MagnetEquivalents:
    """NdFeB magnets, EV motors, wind MW and world shares supported by a year's oxides.

    Parameters
    ----------
    oxide_tpa : Mapping[str, float]
        Oxide produced per year by species (``Nd2O3``, ``Pr6O11``, ``Dy2O3``, ``Tb4O7``,
        other REO for TREO) [t/y].
    params : MagnetParams, optional
        ``[economics.magnet]`` overrides.

    Returns
    -------
    MagnetEquivalents

    Examples
    --------
    >>> m = magnet_equivalents({"Nd2O3": 1500.0, "Pr6O11": 500.0})
    >>> round(m.value("NdFeB magnet"))
    5484
    """
    p = params or MagnetParams()
    f = magnet_factors()
    re = (p.re_content_pct if p.re_content_pct is not None else f["re_content"]["value"]) / 100.0
    ps = (
        p.pr_share_max_pct if p.pr_share_max_pct is not None else f["pr_share_max"]["value"]
    ) / 100.0
    hs = (p.heavy_share_pct if p.heavy_share_pct is not None else f["heavy_share"]["value"]) / 100.0
    yld = p.yield_pct / 100.0
    ox = {k: float(v) for k, v in oxide_tpa.items()}
    nd = ox.get("Nd2O3", 0.0) / oxide_factor("Nd2O3")
    pr = ox.get("Pr6O11", 0.0) / oxide_factor("Pr6O11")
    heavy = ox.get("Dy2O3", 0.0) / oxide_factor("Dy2O3") + ox.get("Tb4O7", 0.0) / oxide_factor(
        "Tb4O7"
    )
    pr_usable = min(pr, nd * ps / (1.0 - ps)) if ps < 1.0 else pr
    ndpr = nd + pr_usable
    by_ndpr = ndpr / (re * (1.0 - hs)) * yld if re * (1.0 - hs) > 0 else 0.0
    magnets = min(by_ndpr, heavy / (re * hs) * yld) if hs > 0 else by_ndpr
    ev = f["ev_motor"]
    wind = f["wind_direct_drive"]
    world = f["world_reo_2024"]["value"]
    share = f["world_ndpr_share"]
    treo = sum(v for k, v in ox.items() if k in REO)
    ndpr_ox = ox.get("Nd2O3", 0.0) + ox.get("Pr6O11", 0.0)
    world_ndpr = world * share["value"] / 100.0
    rows = [
        ("NdPr oxide", ndpr_ox, np.nan, np.nan, "t/y", "input"),
        ("Nd metal", nd, np.nan, np.nan, "t/y", f["nd_metal_in_oxide"]["source"]),
        ("Pr metal", pr, np.nan, np.nan, "t/y", f["pr_metal_in_oxide"]["source"]),
        (
            "Pr not usable (above the Pr share)",
            pr - pr_usable,
            np.nan,
            np.nan,
            "t/y",
            f["pr_share_max"]["source"],
        ),
        (
            "NdFeB magnet",
            magnets,
            magnets * re / (f["re_content"]["high"] / 100.0),
            magnets * re / (f["re_content"]["low"] / 100.0),
            "t/y",
            f"{f['re_content']['source']}; Nd2Fe14B is {nd_fraction_nd2fe14b():.2%} Nd",
        ),
        (
            "EV traction motors",
            magnets * 1000.0 / ev["value"],
            magnets * 1000.0 / ev["high"],
            magnets * 1000.0 / ev["low"],
            "motors/y",
            ev["source"],
        ),
        (
            "direct-drive wind",
            ndpr * 1000.0 / wind["value"],
            ndpr * 1000.0 / wind["high"],
            ndpr * 1000.0 / wind["low"],
            "MW/y",
            wind["source"],
        ),
        (
            "share of world REO mine production",
            treo / world,
            np.nan,
            np.nan,
            "-",
            f["world_reo_2024"]["source"],
        ),
        (
            "share of world NdPr oxide (estimate)",
            ndpr_ox / world_ndpr,
            ndpr_ox / (world * share["high"] / 100.0),
            ndpr_ox / (world * share["low"] / 100.0),
            "-",
            share["source"],
        ),
    ]
    return MagnetEquivalents(
        pd.DataFrame(rows, columns=["quantity", "value", "low", "high", "unit", "source"])
    )


def oxide_tpa_from_plan(plan: ProductionPlan) -> dict[str, float]:
    """Average oxide output per production year of a plan [t/y].

    Parameters
    ----------
    plan : ProductionPlan

    Returns
    -------
    dict
        Species → tonnes per year, averaged over the production periods.
    """
    st = plan.species_tonnes()
    mask = plan.production_mask()
    years = mask.sum() / plan.periods_per_year
    return {c: float(st.loc[mask, c].sum() / years) for c in st.columns if c != "period"}
