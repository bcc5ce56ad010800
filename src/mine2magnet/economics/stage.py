"""The economics stage: product slate (or mine schedule) → every table the report needs.

:func:`run_economics` is pure: production plan → valuation → sensitivity (tornado, spider)
→ break-even prices → Monte Carlo → mine to magnet → partner scenarios, returned as one
:class:`EconomicsResult` whose :meth:`~EconomicsResult.tables` are the store tables
``economics__<name>`` (:data:`TABLE_NAMES`).

Where the products come from
----------------------------
* a :class:`~mine2magnet.processing.Flowsheet` (its slate, feed and streams);
* the processing stage's stored tables (``processing__products``, ``processing__streams``,
  ``processing__stream_summary``, ``processing__kpis``, optionally
  ``processing__refinery_costs``; with or without the ``processing__`` prefix), when that
  stage was reused from the store (:func:`slate_from_tables`);
* a bare :class:`~mine2magnet.processing.ProductSlate` with the ore throughput (routes (a)
  and (b) of the scenarios then have no flowsheet streams to draw on);
* nothing, when ``[economics.production]`` has ``products_from = "params"``.

The plan is the steady-state plan of ``[economics.production]``, or — with
``schedule_periods`` (``mining.Schedule.periods``) — the mine schedule
(:func:`plan_from_schedule`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mine2magnet.economics.magnet import (
    MagnetEquivalents,
    magnet_equivalents,
    oxide_tpa_from_plan,
)
from mine2magnet.economics.montecarlo import MonteCarloResult, run_monte_carlo
from mine2magnet.economics.params import EconomicsParams
from mine2magnet.economics.plan import ProductionPlan, plan_for_project, plan_from_product_slate
from mine2magnet.economics.prices import PriceDeck, load_price_deck
from mine2magnet.economics.scenarios import (
    ScenarioParams,
    ScenarioResults,
    route_intermediates,
    run_scenarios,
)
from mine2magnet.economics.sensitivity import Sensitivity, break_even_prices, sensitivity
from mine2magnet.economics.valuation import Metrics, Valuation, npv_profile, value_project
from mine2magnet.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.processing.types import ProductSlate

__all__ = [
    "MAX_STORED_DRAWS",
    "TABLE_NAMES",
    "EconomicsResult",
    "ProcessingBasis",
    "economics_plan",
    "plan_from_schedule",
    "processing_basis",
    "run_economics",
    "slate_from_tables",
]

#: Monte Carlo draws stored one per row; above this ``montecarlo_npv`` is a histogram.
MAX_STORED_DRAWS = 20_000
#: Bins of the stored NPV histogram [-].
HISTOGRAM_BINS = 60

#: Names of :meth:`EconomicsResult.tables`, in order (store tables ``economics__<name>``).
TABLE_NAMES: tuple[str, ...] = (
    "cashflow",
    "metrics",
    "npv_vs_rate",
    "revenue_by_product",
    "owners",
    "tornado",
    "spider",
    "break_even",
    "montecarlo_summary",
    "montecarlo_npv",
    "magnet",
    "scenarios",
    "scenario_cashflows",
    "scenario_assumptions",
    "prices",
    "assumptions",
    "notes",
)

_REE_KINDS = ("separated_oxide", "mixed_oxide", "cerium_product")


# ------------------------------------------------------------------ processing input
@dataclass(frozen=True)
class ProcessingBasis:
    """What the economics stage takes from the processing stage.

    Attributes
    ----------
    slate : ProductSlate or None
        Products at the design feed [t/y]; None when the plan comes from the parameters.
    ore_tpa : float or None
        Design ore throughput [t/y].
    feed_treo_tpa : float or None
        REO in the design feed [t/y] (scales rare-earth products with a schedule's grade).
    intermediates : pandas.DataFrame or None
        :func:`~mine2magnet.economics.scenarios.route_intermediates`.
    source : str
    """

    slate: ProductSlate | None
    ore_tpa: float | None
    feed_treo_tpa: float | None = None
    intermediates: pd.DataFrame | None = field(default=None, repr=False)
    source: str = ""


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    for key in (f"processing__{name}", name):
        t = tables.get(key)
        if isinstance(t, pd.DataFrame):
            return t
    return None


def slate_from_tables(tables: Mapping[str, pd.DataFrame]) -> ProductSlate:
    """Rebuild the processing stage's :class:`ProductSlate` from its stored tables.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        ``products``, ``streams`` and ``stream_summary`` (with or without the
        ``processing__`` prefix); ``refinery_costs`` when the refinery was designed.

    Returns
    -------
    ProductSlate
        ``composition`` is rebuilt from each product's stream (element tonnes × the
        species factors of the stream's form), as the flowsheet builds it.

    Raises
    ------
    DataError
        When a table or a product's stream is missing.
    """
    from mine2magnet.processing.types import COMPONENTS, ProductSlate, form_factors

    products = _get(tables, "products")
    streams = _get(tables, "streams")
    summary = _get(tables, "stream_summary")
    missing = [
        f"processing__{n}"
        for n, t in (("products", products), ("streams", streams), ("stream_summary", summary))
        if t is None
    ]
    if missing:
        raise DataError(
            f"the processing stage's tables {missing} are missing; run `m2m process` first"
        )
    assert products is not None and streams is not None and summary is not None
    form = dict(zip(summary["stream"].astype(str), summary["form"].astype(str), strict=True))
    index = {el: i for i, el in enumerate(COMPONENTS)}
    parts = []
    for name, stream in zip(products["product"], products["stream"], strict=True):
        st = streams.loc[streams["stream"] == stream]
        if stream not in form or st.empty:
            raise DataError(
                f"processing__streams has no stream {stream!r} of product {name!r}; "
                "rerun `m2m process --force`"
            )
        st = st.loc[st["tonnes_per_year"] > 0]
        f = form_factors(form[stream])
        parts.append(
            pd.DataFrame(
                {
                    "product": name,
                    "element": st["element"].astype(str).to_numpy(),
                    "tonnes_per_year": st["tonnes_per_year"].to_numpy(dtype=float),
                    "species_tpa": st["tonnes_per_year"].to_numpy(dtype=float)
                    * f[[index[e] for e in st["element"].astype(str)]],
                }
            )
        )
    comp = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["product", "element", "tonnes_per_year", "species_tpa"])
    )
    costs = _get(tables, "refinery_costs")
    if costs is None:
        return ProductSlate(products=products.copy(), composition=comp)
    cat = costs["category"]
    return ProductSlate(
        products=products.copy(),
        composition=comp,
        refinery_capex_usd=float(costs.loc[cat == "capex", "value_usd"].sum()),
        refinery_opex_usd_per_year=float(costs.loc[cat == "opex", "value_usd"].sum()),
        refinery_costs=costs.copy(),
    )


def _kpi(tables: Mapping[str, pd.DataFrame], name: str) -> float | None:
    k = _get(tables, "kpis")
    if k is None:
        return None
    hit = k.loc[k["kpi"] == name, "value"]
    return float(hit.iloc[0]) if len(hit) else None


def processing_basis(
    products: Any, ore_tpa: float | None = None, *, feed_treo_tpa: float | None = None
) -> ProcessingBasis:
    """Normalise the processing stage's output for :func:`run_economics`.

    Parameters
    ----------
    products : Flowsheet, ProductSlate, Mapping[str, DataFrame] or None
        The flowsheet, its product slate, or the processing stage's stored tables.
    ore_tpa : float, optional
        Design ore throughput [t/y]; taken from the flowsheet or the ``kpis`` table when
        not given (required with a bare ProductSlate).
    feed_treo_tpa : float, optional
        REO in the design feed [t/y]; from the flowsheet or ``kpis`` when not given.

    Returns
    -------
    ProcessingBasis
    """
    from mine2magnet.processing.types import Flowsheet, ProductSlate

    if products is None:
        return ProcessingBasis(None, ore_tpa, feed_treo_tpa, None, "project file")
    if isinstance(products, Flowsheet):
        ore = products.feed.ore_tpa if ore_tpa is None else ore_tpa
        treo = (
            products.feed.TREO_pct / 100.0 * products.feed.ore_tpa
            if feed_treo_tpa is None
            else feed_treo_tpa
        )
        inter = route_intermediates(products.products, products.streams, products.summary)
        return ProcessingBasis(products.products, float(ore), treo, inter, "processing flowsheet")
    if isinstance(products, ProductSlate):
        if ore_tpa is None:
            raise ConfigError(
                "key 'economics.production': a product slate needs the ore throughput "
                "(ore_tpa) it was made from"
            )
        inter = route_intermediates(products, None, None)
        return ProcessingBasis(products, float(ore_tpa), feed_treo_tpa, inter, "product slate")
    if isinstance(products, Mapping):
        slate = slate_from_tables(products)
        ore = ore_tpa if ore_tpa is not None else _kpi(products, "ore_tpa")
        if ore is None:
            raise DataError("processing__kpis has no 'ore_tpa'; rerun `m2m process --force`")
        treo = feed_treo_tpa if feed_treo_tpa is not None else _kpi(products, "feed_TREO_tpa")
        inter = route_intermediates(
            slate, _get(products, "streams"), _get(products, "stream_summary")
        )
        return ProcessingBasis(slate, float(ore), treo, inter, "processing stage tables")
    raise TypeError(
        "products must be a Flowsheet, a ProductSlate, a mapping of processing tables or "
        f"None, not {type(products).__name__}"
    )


# ----------------------------------------------------------------------------- plan
def plan_from_schedule(
    basis: ProcessingBasis, schedule_periods: pd.DataFrame, params: EconomicsParams
) -> ProductionPlan:
    """A production plan from the mine schedule's periods and the design product slate.

    Two shapes are read: ``mining.Schedule.periods`` (``processed_tonnes``,
    ``TREO_pct_oxide_tonnes``; one schedule period = one model period) and the mining
    stage's ``schedule_periods`` table (``feed_tonnes``, ``TREO_t``, ``year_from``,
    ``year_to``: a schedule period of ``L`` years is spread evenly over ``L ×
    periods_per_year`` model periods). Schedule period 0 starts after
    ``preproduction_years``. Ore = ``processed_tonnes`` (or ``feed_tonnes``); material
    mined = ``mined_tonnes`` (or ore + ``waste_tonnes``), the difference is waste (at least
    0: reclaimed stockpile beyond what is mined is charged as mined, a rehandling proxy).
    The flowsheet is linear: rare-earth products scale with the REO fed
    (``TREO_pct_oxide_tonnes``, ``TREO_t``, else ``TREO_pct`` × ore) relative to the design
    feed, by-products with the ore; recoveries and the product distribution stay those of
    the design. ``production_years`` and ``ramp_up_pct`` are not used (the schedule
    carries them).

    Parameters
    ----------
    basis : ProcessingBasis
        The design product slate and feed.
    schedule_periods : pandas.DataFrame
        ``period``, ``processed_tonnes`` or ``feed_tonnes`` [t], optionally
        ``mined_tonnes``, ``waste_tonnes`` [t], ``TREO_pct`` [%],
        ``TREO_pct_oxide_tonnes`` or ``TREO_t`` [t], ``year_from``, ``year_to`` [y].
    params : EconomicsParams

    Returns
    -------
    ProductionPlan
    """
    sp = schedule_periods
    ore_col = next((c for c in ("processed_tonnes", "feed_tonnes") if c in sp.columns), None)
    if ore_col is None or "period" not in sp.columns:
        raise DataError(
            "schedule periods need the columns 'period' and 'processed_tonnes' "
            "(mining.Schedule.periods) or 'feed_tonnes' (mining__schedule_periods)"
        )
    sp = sp.sort_values("period")
    if not np.array_equal(sp["period"].to_numpy(), np.arange(len(sp))):
        raise DataError("schedule periods must be 0, 1, …, n-1 (mining.Schedule.periods)")
    prod = params.production
    pre_years = prod.preproduction_years if prod is not None else 0
    ppy = params.timing.periods_per_year
    pre = pre_years * ppy
    rep = 1
    if {"year_from", "year_to"} <= set(sp.columns) and len(sp):
        span = (sp["year_to"] - sp["year_from"]).to_numpy(dtype=float)
        if not (np.all(span == span[0]) and span[0] >= 1 and span[0] == round(span[0])):
            raise DataError("schedule periods must all last the same whole number of years")
        rep = int(span[0]) * ppy

    def col(name: str) -> np.ndarray:
        return np.repeat(sp[name].to_numpy(dtype=float) / rep, rep)

    ore = col(ore_col)
    if "mined_tonnes" in sp.columns:
        mined = col("mined_tonnes")
    else:
        mined = ore + (col("waste_tonnes") if "waste_tonnes" in sp else 0.0)
    waste = np.maximum(mined - ore, 0.0)
    treo_col = next((c for c in ("TREO_pct_oxide_tonnes", "TREO_t") if c in sp.columns), None)
    if treo_col is not None:
        treo = col(treo_col)
    elif "TREO_pct" in sp.columns:
        treo = np.repeat(sp["TREO_pct"].to_numpy(dtype=float), rep) / 100.0 * ore
    else:
        treo = None
    pad = np.zeros(pre)
    if basis.slate is None:
        if prod is None or prod.ore_tpa is None or np.ndim(prod.ore_tpa):
            raise ConfigError(
                "key 'economics.production.ore_tpa': a schedule with products_from = "
                "'params' needs one nameplate ore_tpa to scale products_tpa"
            )
        bulk = ore / (float(prod.ore_tpa) / ppy)
        products = {
            n: np.r_[pad, np.asarray(v, dtype=float).mean() / ppy * bulk]
            for n, v in prod.products_tpa.items()
        }
        composition = {
            n: {s: p / 100.0 for s, p in t.composition_pct.items()}
            for n, t in params.products.items()
            if t.composition_pct
        }
        return ProductionPlan.from_arrays(
            np.r_[pad, ore],
            products,
            composition,
            waste_t=np.r_[pad, waste],
            periods_per_year=ppy,
            source="mine schedule; products_tpa scaled by ore",
        )
    if basis.ore_tpa is None or basis.ore_tpa <= 0:
        raise ConfigError("key 'economics.production': the design ore throughput is unknown")
    bulk = ore / (basis.ore_tpa / ppy)
    if treo is not None and basis.feed_treo_tpa:
        ree = treo / (basis.feed_treo_tpa / ppy)
        how = "rare-earth products scaled by the REO fed"
    else:
        ree = bulk
        how = "rare-earth products scaled by the ore processed (no feed grade)"
    design = plan_from_product_slate(
        basis.slate, ore_tpa=basis.ore_tpa, preproduction_years=0, production_years=1
    )
    kinds = dict(
        zip(basis.slate.products["product"], basis.slate.products["kind"].astype(str), strict=True)
    )
    tonnes = dict(zip(design.product_names, design.product_tonnes()[:, 0], strict=True))
    products = {
        n: np.r_[pad, t / ppy * (ree if kinds.get(n) in _REE_KINDS else bulk)]
        for n, t in tonnes.items()
    }
    composition = {
        n: design.composition_of(n) for n in design.product_names if design.composition_of(n)
    }
    return ProductionPlan.from_arrays(
        np.r_[pad, ore],
        products,
        composition,
        waste_t=np.r_[pad, waste],
        periods_per_year=ppy,
        source=f"mine schedule ({how})",
    )


def economics_plan(
    basis: ProcessingBasis,
    params: EconomicsParams,
    *,
    schedule_periods: pd.DataFrame | None = None,
) -> ProductionPlan:
    """The base case's production plan: the mine schedule if given, else steady state.

    Parameters
    ----------
    basis : ProcessingBasis
    params : EconomicsParams
    schedule_periods : pandas.DataFrame, optional
        ``mining.Schedule.periods`` (:func:`plan_from_schedule`).

    Returns
    -------
    ProductionPlan
    """
    if schedule_periods is not None:
        return plan_from_schedule(basis, schedule_periods, params)
    if params.production is None:
        raise ConfigError(
            "key 'economics.production': give the production plan (products_from = "
            "'processing' with preproduction_years and production_years), or a schedule"
        )
    try:
        return plan_for_project(params, product_slate=basis.slate, ore_tpa=basis.ore_tpa)
    except ValueError as exc:
        raise ConfigError(f"key 'economics.production': {exc}") from None


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class EconomicsResult:
    """Everything the economics stage computes for one project.

    Attributes
    ----------
    plan : ProductionPlan
    valuation : Valuation
    sensitivity : Sensitivity
    break_even : pandas.DataFrame
    montecarlo : MonteCarloResult
    magnet : MagnetEquivalents
    scenarios : ScenarioResults
    deck : PriceDeck
    notes : tuple of str
    """

    plan: ProductionPlan
    valuation: Valuation
    sensitivity: Sensitivity
    break_even: pd.DataFrame
    montecarlo: MonteCarloResult
    magnet: MagnetEquivalents
    scenarios: ScenarioResults
    deck: PriceDeck
    params: EconomicsParams = field(repr=False)
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The store tables (:data:`TABLE_NAMES`); money in the model's basis [US$].

        ``metrics``: ``name``, ``value``, ``unit``, ``series`` (after_tax, pre_tax,
        equity, project), ``kind`` (npv, npv_at_rate, irr, irr_root, irr_flag, mirr,
        payback, discounted_payback, discount_rate, initial_capex, …), ``rate_pct``,
        ``text`` (the IRR flag, the basis). ``npv_vs_rate``: ``rate_pct``,
        ``npv_after_tax_usd``, ``npv_pre_tax_usd``, ``npv_equity_usd``.
        ``montecarlo_npv``: ``draw``, ``npv_usd``, ``npv_pre_tax_usd`` when at most
        :data:`MAX_STORED_DRAWS` draws, else a histogram ``bin_low_usd``,
        ``bin_high_usd``, ``count``. The others are the tables of the valuation,
        sensitivity, Monte Carlo, magnet and scenario results, plus ``prices``,
        ``assumptions`` (``item``, ``value``, ``unit``, ``source``) and ``notes``.
        """
        v = self.valuation
        owners = v.owners.copy()
        owners["irr_roots"] = [", ".join(f"{r:.6f}" for r in rs) for rs in owners["irr_roots"]]
        mc = self.montecarlo
        summary = mc.summary()
        summary.loc[len(summary)] = {
            "statistic": "draws",
            "after_tax_usd": float(mc.draws),
            "pre_tax_usd": float(mc.draws),
        }
        if mc.draws <= MAX_STORED_DRAWS:
            npvs = pd.DataFrame(
                {"draw": np.arange(mc.draws), "npv_usd": mc.npv, "npv_pre_tax_usd": mc.npv_pre_tax}
            )
        else:
            npvs = mc.histogram(HISTOGRAM_BINS)
        out = {
            "cashflow": v.table.copy(),
            "metrics": _metrics_table(v),
            "npv_vs_rate": _npv_vs_rate(v),
            "revenue_by_product": v.revenue_by_product.copy(),
            "owners": owners,
            "tornado": self.sensitivity.tornado.copy(),
            "spider": self.sensitivity.spider.copy(),
            "break_even": self.break_even.copy(),
            "montecarlo_summary": summary,
            "montecarlo_npv": npvs,
            "magnet": self.magnet.table.copy(),
            "scenarios": self.scenarios.table.copy(),
            "scenario_cashflows": self.scenarios.cashflows.copy(),
            "scenario_assumptions": self.scenarios.assumptions.copy(),
            "prices": _prices_table(v, self.deck, self.params),
            "assumptions": _assumptions_table(self),
            "notes": pd.DataFrame({"note": pd.Series(list(self.notes), dtype=str)}),
        }
        return {k: out[k] for k in TABLE_NAMES}


def _metrics_table(v: Valuation) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float, unit: str, series: str, kind: str, **kw: Any) -> None:
        rows.append(
            {
                "name": name,
                "value": float(value),
                "unit": unit,
                "series": series,
                "kind": kind,
                "rate_pct": kw.get("rate_pct", np.nan),
                "text": kw.get("text", ""),
            }
        )

    r = v.discount_rate * 100.0
    add("discount rate", r, "%", "project", "discount_rate", text=v.basis)
    add(
        "initial capex (incl. contingency, real)",
        v.initial_capex_usd,
        "US$",
        "project",
        "initial_capex",
    )
    labels = {"after_tax": "after tax", "pre_tax": "pre-tax", "equity": "equity"}
    for key, m in (("after_tax", v.after_tax), ("pre_tax", v.pre_tax), ("equity", v.equity)):
        lab = labels[key]
        add(f"NPV at {r:.4g} % ({lab})", m.npv, "US$", key, "npv", rate_pct=r)
        for rate, value in m.npv_by_rate.items():
            add(
                f"NPV at {rate:.4g} % ({lab})",
                value,
                "US$",
                key,
                "npv_at_rate",
                rate_pct=float(rate),
            )
        add(f"IRR ({lab})", m.irr * 100.0, "%", key, "irr", text=m.irr_flag)
        add(f"IRR roots ({lab})", len(m.irr_roots), "roots", key, "irr_flag", text=m.irr_flag)
        for i, root in enumerate(m.irr_roots):
            add(f"IRR root {i + 1} ({lab})", root * 100.0, "%", key, "irr_root")
        add(f"MIRR ({lab})", m.mirr * 100.0, "%", key, "mirr")
        add(f"payback ({lab})", m.payback_years, "y from first production", key, "payback")
        add(
            f"discounted payback ({lab})",
            m.discounted_payback_years,
            "y from first production",
            key,
            "discounted_payback",
        )
    tab = v.table
    prod = tab["production"].to_numpy(dtype=bool)
    years = prod.sum() / v.model.timing.periods_per_year
    add("production years", years, "y", "project", "production_years")
    add("first production year", float(tab.loc[prod, "year"].min()), "", "project", "first_year")
    for col, name in (
        ("revenue_usd", "revenue"),
        ("opex_usd", "operating cost"),
        ("royalty_usd", "royalties"),
        ("tax_usd", "income tax"),
        ("capex_usd", "capital (all)"),
        ("government_take_usd", "government take"),
        ("local_opex_usd", "local operating spend"),
        ("cash_flow", "after-tax cash flow"),
    ):
        add(f"life-of-mine {name}", float(tab[col].sum()), "US$", "project", f"lom_{col}")
    return pd.DataFrame(rows)


def _irr_max(m: Metrics) -> float:
    pos = [r for r in m.irr_roots if r > 0]
    return max(pos) if pos else 0.0


def _npv_vs_rate(v: Valuation) -> pd.DataFrame:
    top = max(0.3, 2.0 * v.discount_rate, 1.25 * max(_irr_max(v.after_tax), _irr_max(v.pre_tax)))
    top = min(top, 1.0)
    rates = np.round(np.linspace(0.0, top, 101), 10)
    out = pd.DataFrame({"rate_pct": rates * 100.0})
    for series, col in (
        ("cash_flow", "npv_after_tax_usd"),
        ("pre_tax_cash_flow", "npv_pre_tax_usd"),
        ("equity_cash_flow", "npv_equity_usd"),
    ):
        out[col] = npv_profile(v, rates, series=series)["npv_usd"].to_numpy()
    return out


def _price_deck(params: EconomicsParams) -> PriceDeck:
    deck = load_price_deck(params.prices.deck)
    if params.prices.overrides_usd_kg:
        deck = deck.with_overrides(
            params.prices.overrides_usd_kg, source=params.prices.override_source
        )
    return deck


def _prices_table(v: Valuation, deck: PriceDeck, params: EconomicsParams) -> pd.DataFrame:
    rows = []
    deck_rows = {str(r["species"]): r for r in deck.table()}
    for d in v.model.drivers:
        if d.startswith("product:"):
            name = d.removeprefix("product:")
            t = params.products.get(name)
            rows.append(
                {
                    "driver": d,
                    "usd_kg": t.price_usd_kg if t else np.nan,
                    "source": (
                        t.source
                        if t and t.source
                        else f"project file (economics.products.{name}.price_usd_kg)"
                    ),
                    "date": "",
                    "deck": "project file",
                }
            )
            continue
        r = deck_rows.get(d)
        rows.append(
            {
                "driver": d,
                "usd_kg": float(r["usd_kg"]) if r else 0.0,
                "source": str(r["source"]) if r else "no price in the deck: valued at zero",
                "date": str(r["date"]) if r else "",
                "deck": deck.name,
            }
        )
    for name in v.model.products:
        t = params.products.get(name)
        if t is None:
            continue
        rows.append(
            {
                "driver": f"terms:{name}",
                "usd_kg": np.nan,
                "source": f"{t.pricing}, payability {t.payability_pct:g} %"
                + (f", toll {t.toll_usd_kg:g} US$/kg REO" if t.pricing == "tolling" else "")
                + (f" ({t.source})" if t.source else ""),
                "date": "",
                "deck": "project file",
            }
        )
    return pd.DataFrame(rows, columns=["driver", "usd_kg", "source", "date", "deck"])


def _assumptions_table(res: EconomicsResult) -> pd.DataFrame:
    p = res.params
    v = res.valuation
    reg = v.model.regime
    rows: list[tuple[str, str, str, str]] = [
        ("money basis", p.basis, "", "economics.basis"),
        (
            "discount rate",
            f"{p.discount_rate_pct:g}",
            f"% {p.discount_rate_basis}",
            "economics.discount_rate_pct",
        ),
        ("inflation (US$ CPI)", f"{p.inflation_pct:g}", "%/y", "economics.inflation_pct"),
        ("start year", str(p.timing.start_year), "", "economics.timing.start_year"),
        (
            "valuation date",
            str(p.timing.valuation_date or f"{p.timing.start_year}-01-01"),
            "",
            "economics.timing.valuation_date",
        ),
        ("cash-flow timing", p.timing.convention, "", "economics.timing.convention"),
        ("periods per year", str(p.timing.periods_per_year), "", "economics.timing"),
        ("production plan", res.plan.source, "", "economics.production"),
        (
            "price deck",
            f"{res.deck.name} ({res.deck.label}, {res.deck.date})",
            "",
            "economics/data/price_decks.toml",
        ),
        (
            "fiscal regime",
            f"{reg.name} ({reg.label}, {reg.date})",
            "",
            "economics/data/fiscal_regimes.toml",
        ),
        ("corporate tax", f"{reg.corporate_tax_pct:g}", "%", reg.sources.get("corporate_tax", "")),
        (
            "minimum tax",
            f"{reg.minimum_tax_pct:g}",
            "% of income before losses",
            reg.sources.get("minimum_tax", ""),
        ),
        (
            "loss carry-forward",
            "indefinite"
            if reg.loss_carry_forward_years is None
            else f"{reg.loss_carry_forward_years}",
            "y",
            reg.sources.get("losses", ""),
        ),
        (
            "dividend withholding",
            f"{reg.dividend_withholding_pct:g}",
            "%",
            reg.sources.get("dividend_withholding", ""),
        ),
    ]
    for rule in reg.royalties:
        rows.append(
            (
                f"royalty: {rule.name}",
                f"{100 * rule.effective_rate:.4g}",
                f"% of {rule.base} value",
                rule.legal_basis or rule.source,
            )
        )
    mc = res.montecarlo
    rows += [
        ("Monte Carlo draws", f"{mc.draws}", "", "economics.montecarlo.draws"),
        ("Monte Carlo seed", f"{mc.seed}", "", "economics.montecarlo.seed or project seed"),
        (
            "price mean reversion",
            f"{p.montecarlo.reversion_per_year:g}",
            "1/y",
            "economics.montecarlo.reversion_per_year",
        ),
        (
            "price correlation",
            f"{p.montecarlo.correlation_pct:g}",
            "%",
            "economics.montecarlo.correlation_pct",
        ),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit", "source"])


# ----------------------------------------------------------------------------- stage
def run_economics(
    flowsheet_products: Any,
    ore_tpa: float | None,
    params: EconomicsParams,
    *,
    scenarios: Sequence[ScenarioParams] = (),
    schedule_periods: pd.DataFrame | None = None,
    seed: int,
    draws: int | None = None,
    executor: str | Any = "serial",
) -> EconomicsResult:
    """Run the whole economics stage (pure: the same inputs give the same tables).

    Parameters
    ----------
    flowsheet_products : Flowsheet, ProductSlate, Mapping[str, DataFrame] or None
        The processing stage's output (:func:`processing_basis`); None with
        ``products_from = "params"``.
    ore_tpa : float or None
        Design ore throughput [t/y]; None to take it from the flowsheet or its tables.
    params : EconomicsParams
        ``[economics]`` (without ``scenarios``: see
        :func:`~mine2magnet.economics.scenarios.economics_and_scenarios`).
    scenarios : sequence of ScenarioParams
        ``[[economics.scenarios]]``.
    schedule_periods : pandas.DataFrame, optional
        ``mining.Schedule.periods``: replaces the steady-state plan.
    seed : int
        Project seed; the Monte Carlo uses ``economics.montecarlo.seed`` when given.
    draws : int, optional
        Monte Carlo draws (default ``economics.montecarlo.draws``).
    executor : str or dask Client
        Monte Carlo executor (``"serial"``, ``"threads"``, a Dask client).

    Returns
    -------
    EconomicsResult

    Examples
    --------
    >>> from mine2magnet.economics import economics_params
    >>> params = economics_params({
    ...     "production": {"preproduction_years": 1, "production_years": 5,
    ...                    "ore_tpa": 1e5, "products_tpa": {"conc": 100.0}},
    ...     "products": {"conc": {"pricing": "fixed", "price_usd_kg": 30.0}},
    ...     "capex": [{"name": "plant", "category": "initial", "amounts_usd": [5e6]}]})
    >>> r = run_economics(None, None, params, seed=1, draws=200)
    >>> sorted(r.tables())[:3], r.montecarlo.draws
    (['assumptions', 'break_even', 'cashflow'], 200)
    """
    basis = processing_basis(flowsheet_products, ore_tpa)
    plan = economics_plan(basis, params, schedule_periods=schedule_periods)
    deck = _price_deck(params)
    v = value_project(plan, params)
    sp = params.sensitivity
    sens = sensitivity(
        v.model, variables=sp.variables, steps_pct=sp.steps_pct, range_pct=sp.range_pct
    )
    be = break_even_prices(v.model)
    mc_seed = params.montecarlo.seed if params.montecarlo.seed is not None else seed
    mc = run_monte_carlo(v.model, params.montecarlo, draws=draws, seed=mc_seed, executor=executor)
    magnet = magnet_equivalents(oxide_tpa_from_plan(plan), params.magnet)
    sc = run_scenarios(plan, params, scenarios, intermediates=basis.intermediates, base=v)
    notes = list(v.notes) + list(sc.notes)
    if schedule_periods is not None:
        notes.insert(0, f"production plan from the mine schedule: {plan.source}")
    return EconomicsResult(
        plan=plan,
        valuation=v,
        sensitivity=sens,
        break_even=be,
        montecarlo=mc,
        magnet=magnet,
        scenarios=sc,
        deck=deck,
        params=params,
        notes=tuple(dict.fromkeys(notes)),
    )
