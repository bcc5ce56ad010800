"""The production plan the cash-flow model runs on.

:class:`ProductionPlan` is the seam between the physical stages and the money: per period,
ore processed, waste mined, tonnes of each product, and optionally operating costs already
costed upstream. It is built

* from the project file's simple plan (:func:`plan_from_params`: pre-production years,
  production years, nameplate tonnes, ramp-up) — the default until the mine schedule lands;
* from the processing stage's :class:`~mine2magnet.processing.ProductSlate` at steady state
  (:func:`plan_from_product_slate`);
* from arrays (:meth:`ProductionPlan.from_arrays`) — e.g. a mining ``Schedule`` run period by
  period through the flowsheet.

Tables
------
``periods``
    ``period`` (0 … T−1), ``ore_t`` [t], ``waste_t`` [t], and optional
    ``opex_<class>_usd`` [US$ real, money of the valuation date] for the cost classes
    ``mining``, ``processing``, ``refining``, ``g_and_a``, ``transport``.
``products``
    long: ``period``, ``product``, ``tonnes`` [t of product].
``composition``
    ``product``, ``species``, ``mass_fraction`` [-]: the payable species in each product
    (oxides for rare-earth products, CaF2/BaSO4 for by-product concentrates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, REO
from mine2magnet.economics.fiscal import COST_CLASSES

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.economics.params import EconomicsParams
    from mine2magnet.processing.types import ProductSlate

__all__ = [
    "ProductionPlan",
    "plan_for_project",
    "plan_from_params",
    "plan_from_product_slate",
    "ramp_profile",
]


@dataclass(frozen=True)
class ProductionPlan:
    """Per-period physical plan (see the module docstring for the tables).

    Attributes
    ----------
    periods, products, composition : pandas.DataFrame
    periods_per_year : int
        Periods per year [-]; tonnes are per period.
    source : str
        Where the plan came from (for the report).
    """

    periods: pd.DataFrame
    products: pd.DataFrame
    composition: pd.DataFrame
    periods_per_year: int = 1
    source: str = ""

    def __post_init__(self) -> None:
        per = self.periods
        T = len(per)
        if T == 0:
            raise ValueError("a production plan needs at least one period")
        if not np.array_equal(per["period"].to_numpy(), np.arange(T)):
            raise ValueError("plan periods must be 0, 1, …, T-1 in order")
        for col in per.columns:
            if col == "period":
                continue
            v = per[col].to_numpy(dtype=float)
            if not np.all(np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"plan column {col!r} must be finite and >= 0")
        bad_cols = [
            c
            for c in per.columns
            if c.startswith("opex_")
            and c.removeprefix("opex_").removesuffix("_usd") not in COST_CLASSES
        ]
        if bad_cols:
            raise ValueError(f"unknown opex column(s) {bad_cols}; classes are {list(COST_CLASSES)}")
        t = self.products["tonnes"].to_numpy(dtype=float)
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError("product tonnes must be finite and >= 0")
        if len(self.products) and not self.products["period"].between(0, T - 1).all():
            raise ValueError("product periods outside the plan's periods")
        fr = self.composition["mass_fraction"].to_numpy(dtype=float)
        if np.any(fr < 0) or np.any(fr > 1 + 1e-9):
            raise ValueError("composition mass fractions must be in [0, 1]")
        sums = self.composition.groupby("product")["mass_fraction"].sum()
        if (sums > 1 + 1e-6).any():
            raise ValueError(
                f"payable mass fractions sum above 1 for {list(sums[sums > 1 + 1e-6].index)}"
            )
        if not np.all(self.ore_t() >= 0):  # pragma: no cover - guarded above
            raise ValueError("ore tonnes must be >= 0")
        if self.production_mask().sum() == 0:
            raise ValueError("the plan has no production period (ore or product tonnes > 0)")

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        ore_t: Sequence[float] | np.ndarray,
        products: Mapping[str, Sequence[float] | np.ndarray],
        composition: Mapping[str, Mapping[str, float]] | None = None,
        *,
        waste_t: Sequence[float] | np.ndarray | None = None,
        opex_usd: Mapping[str, Sequence[float] | np.ndarray] | None = None,
        periods_per_year: int = 1,
        source: str = "arrays",
    ) -> ProductionPlan:
        """Build from per-period arrays.

        Parameters
        ----------
        ore_t : array
            Ore processed per period [t].
        products : Mapping[str, array]
            Product tonnes per period by product name [t].
        composition : Mapping[str, Mapping[str, float]], optional
            Payable species mass fractions per product [-].
        waste_t : array, optional
            Waste mined per period [t].
        opex_usd : Mapping[str, array], optional
            Operating cost per period by class, already costed [US$ real].
        periods_per_year : int
        source : str

        Examples
        --------
        >>> p = ProductionPlan.from_arrays([0, 100, 100], {"conc": [0, 5, 5]},
        ...                                {"conc": {"Nd2O3": 0.5}})
        >>> p.first_production, p.last_production, p.product_names
        (1, 2, ('conc',))
        """
        ore = np.asarray(ore_t, dtype=float)
        T = ore.size
        per = pd.DataFrame({"period": np.arange(T), "ore_t": ore})
        per["waste_t"] = np.zeros(T) if waste_t is None else _length(waste_t, T, "waste_t")
        for c, v in (opex_usd or {}).items():
            per[f"opex_{c}_usd"] = _length(v, T, f"opex_usd[{c}]")
        rows = [
            pd.DataFrame({"period": np.arange(T), "product": name, "tonnes": _length(v, T, name)})
            for name, v in products.items()
        ]
        prods = (
            pd.concat(rows, ignore_index=True)
            if rows
            else pd.DataFrame({"period": [], "product": [], "tonnes": []})
        )
        comp = pd.DataFrame(
            [
                {"product": p, "species": s, "mass_fraction": float(f)}
                for p, d in (composition or {}).items()
                for s, f in d.items()
            ],
            columns=["product", "species", "mass_fraction"],
        )
        return cls(per, prods, comp, periods_per_year, source)

    # -- accessors ----------------------------------------------------------------------
    @property
    def n_periods(self) -> int:
        """Number of periods [-]."""
        return len(self.periods)

    @property
    def product_names(self) -> tuple[str, ...]:
        """Products in order of first appearance."""
        return tuple(dict.fromkeys(self.products["product"]))

    def ore_t(self) -> np.ndarray:
        """Ore processed per period [t]."""
        return self.periods["ore_t"].to_numpy(dtype=float)

    def waste_t(self) -> np.ndarray:
        """Waste mined per period [t]."""
        if "waste_t" not in self.periods:
            return np.zeros(self.n_periods)
        return self.periods["waste_t"].to_numpy(dtype=float)

    def mined_t(self) -> np.ndarray:
        """Total material mined (ore + waste) per period [t]."""
        return self.ore_t() + self.waste_t()

    def product_tonnes(self, names: Sequence[str] | None = None) -> np.ndarray:
        """Product tonnes per period, shape (P, T) in ``names`` order [t]."""
        names = list(self.product_names if names is None else names)
        wide = self.products.pivot_table(
            index="product", columns="period", values="tonnes", aggfunc="sum", fill_value=0.0
        )
        wide = wide.reindex(index=names, columns=range(self.n_periods), fill_value=0.0)
        return wide.to_numpy(dtype=float)

    def explicit_opex(self, cost_class: str) -> np.ndarray:
        """Operating cost already costed upstream for one class [US$ real] (zeros if none)."""
        col = f"opex_{cost_class}_usd"
        if col not in self.periods:
            return np.zeros(self.n_periods)
        return self.periods[col].to_numpy(dtype=float)

    def production_mask(self) -> np.ndarray:
        """True in periods with ore processed or product made [-]."""
        prod = self.product_tonnes().sum(axis=0) if len(self.products) else 0.0
        return (self.ore_t() > 0) | (np.asarray(prod) > 0)

    @property
    def first_production(self) -> int:
        """First production period [-]."""
        return int(np.flatnonzero(self.production_mask())[0])

    @property
    def last_production(self) -> int:
        """Last production period [-]."""
        return int(np.flatnonzero(self.production_mask())[-1])

    def composition_of(self, product: str) -> dict[str, float]:
        """Payable species mass fractions of one product [-] (empty if not given)."""
        rows = self.composition.loc[self.composition["product"] == product]
        return dict(zip(rows["species"], rows["mass_fraction"].astype(float), strict=True))

    def species_tonnes(self) -> pd.DataFrame:
        """Payable species tonnes per period (``period`` × species) [t]."""
        tonnes = self.product_tonnes()
        out: dict[str, np.ndarray] = {}
        for p, name in enumerate(self.product_names):
            for sp, f in self.composition_of(name).items():
                out[sp] = out.get(sp, np.zeros(self.n_periods)) + f * tonnes[p]
        df = pd.DataFrame(out)
        df.insert(0, "period", np.arange(self.n_periods))
        return df


def _length(v: Sequence[float] | np.ndarray | float, T: int, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return np.full(T, float(a))
    if a.size != T:
        raise ValueError(f"{name}: {a.size} values for {T} periods")
    return a


def ramp_profile(
    production_years: int, ramp_up_pct: Sequence[float], periods_per_year: int = 1
) -> np.ndarray:
    """Share of nameplate per production period: the ramp-up then 1 [-].

    Examples
    --------
    >>> ramp_profile(4, [50, 80]).tolist()
    [0.5, 0.8, 1.0, 1.0]
    """
    years = np.ones(production_years)
    r = np.asarray(ramp_up_pct, dtype=float)[:production_years] / 100.0
    years[: r.size] = r
    return np.repeat(years, periods_per_year)


def _per_year(value: float | Sequence[float], production_years: int, name: str) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return np.full(production_years, float(a))
    if a.size != production_years:
        raise ValueError(f"{name}: {a.size} values for {production_years} production years")
    return a


def plan_from_params(params: EconomicsParams) -> ProductionPlan:
    """The simple plan of ``[economics.production]``: construction, ramp-up, nameplate.

    Tonnes given per year (a number or one value per production year) are spread evenly
    over the periods of a year; ramp-up percentages scale the first production years.
    Compositions come from ``[economics.products.<name>].composition_pct``.

    Parameters
    ----------
    params : EconomicsParams

    Returns
    -------
    ProductionPlan
    """
    prod = params.production
    if prod is None:
        raise ValueError("economics.production is not given")
    if prod.products_from != "params" or prod.ore_tpa is None:
        raise ValueError(
            "economics.production.products_from = 'processing': build the plan with "
            "plan_for_project(params, product_slate=..., ore_tpa=...)"
        )
    ppy = params.timing.periods_per_year
    pre = prod.preproduction_years * ppy
    n_prod = prod.production_years
    ramp = ramp_profile(n_prod, prod.ramp_up_pct, ppy)

    def series(value: float | Sequence[float], name: str) -> np.ndarray:
        yearly = np.repeat(_per_year(value, n_prod, name), ppy) / ppy
        return np.concatenate([np.zeros(pre), yearly * ramp])

    ore = series(prod.ore_tpa, "economics.production.ore_tpa")
    waste = series(prod.waste_tpa, "economics.production.waste_tpa")
    products = {
        name: series(v, f"economics.production.products_tpa.{name}")
        for name, v in prod.products_tpa.items()
    }
    composition = {
        name: {sp: pct / 100.0 for sp, pct in terms.composition_pct.items()}
        for name, terms in params.products.items()
        if terms.composition_pct
    }
    return ProductionPlan.from_arrays(
        ore, products, composition, waste_t=waste, periods_per_year=ppy, source="project file"
    )


def plan_from_product_slate(
    slate: ProductSlate,
    *,
    ore_tpa: float,
    preproduction_years: int,
    production_years: int,
    ramp_up_pct: Sequence[float] = (),
    waste_tpa: float = 0.0,
    periods_per_year: int = 1,
) -> ProductionPlan:
    """A steady-state plan from the processing stage's product slate.

    Payable composition: a separated oxide pays its species at its purity; mixed and
    cerium products pay each rare-earth oxide they contain (``species_tpa / tpa``);
    by-products (CaF2, BaSO4, ThO2) pay their species at their purity.

    Parameters
    ----------
    slate : ProductSlate
        Products at nameplate [t/y].
    ore_tpa : float
        Nameplate ore throughput [t/y].
    preproduction_years, production_years : int
        Construction and operating years [y].
    ramp_up_pct : sequence of float
        Share of nameplate in the first production years [%].
    waste_tpa : float
        Waste mined per year at nameplate [t/y].
    periods_per_year : int

    Returns
    -------
    ProductionPlan
    """
    ppy = periods_per_year
    pre = preproduction_years * ppy
    ramp = ramp_profile(production_years, ramp_up_pct, ppy)
    shape = np.concatenate([np.zeros(pre), ramp / ppy])
    prods = slate.products
    comp_tab = slate.composition
    oxide_of = {
        el: CANONICAL_SPECIES[el] for el in CANONICAL_SPECIES if CANONICAL_SPECIES[el] in REO
    }
    products: dict[str, np.ndarray] = {}
    composition: dict[str, dict[str, float]] = {}
    for _, r in prods.iterrows():
        name, tpa = str(r["product"]), float(r["tpa"])
        products[name] = tpa * shape
        if tpa <= 0:
            continue
        kind = str(r["kind"])
        if kind in ("mixed_oxide", "cerium_product"):
            rows = comp_tab.loc[
                (comp_tab["product"] == name) & comp_tab["element"].isin(list(oxide_of))
            ]
            composition[name] = {
                oxide_of[str(e)]: float(s) / tpa
                for e, s in zip(rows["element"], rows["species_tpa"], strict=True)
                if float(s) > 0
            }
        else:
            composition[name] = {str(r["species"]): float(r["purity"])}
    return ProductionPlan.from_arrays(
        ore_tpa * shape,
        products,
        composition,
        waste_t=waste_tpa * shape,
        periods_per_year=ppy,
        source="processing product slate (steady state)",
    )


def plan_for_project(
    params: EconomicsParams,
    *,
    product_slate: ProductSlate | None = None,
    ore_tpa: float | None = None,
) -> ProductionPlan:
    """The plan ``[economics.production]`` asks for.

    ``products_from = "params"``: :func:`plan_from_params`. ``"processing"``: the processing
    stage's product slate at steady state (:func:`plan_from_product_slate`) with this
    section's construction years, production years, ramp-up and waste.

    Parameters
    ----------
    params : EconomicsParams
    product_slate : ProductSlate, optional
        ``Flowsheet.products`` (required for ``"processing"``).
    ore_tpa : float, optional
        Nameplate ore throughput [t/y] (``Flowsheet.feed.ore_tpa``; required for
        ``"processing"``).

    Returns
    -------
    ProductionPlan
    """
    prod = params.production
    if prod is None:
        raise ValueError("economics.production is not given")
    if prod.products_from == "params":
        return plan_from_params(params)
    if product_slate is None or ore_tpa is None:
        raise ValueError(
            "economics.production.products_from = 'processing' needs the flowsheet's "
            "product slate and ore throughput"
        )
    waste = np.asarray(prod.waste_tpa, dtype=float)
    if waste.ndim:
        raise ValueError("economics.production.waste_tpa must be one number with 'processing'")
    return plan_from_product_slate(
        product_slate,
        ore_tpa=float(ore_tpa),
        preproduction_years=prod.preproduction_years,
        production_years=prod.production_years,
        ramp_up_pct=prod.ramp_up_pct,
        waste_tpa=float(waste),
        periods_per_year=params.timing.periods_per_year,
    )
