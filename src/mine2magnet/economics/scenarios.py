"""Partner scenarios: the same deposit sold at four points of the value chain.

A scenario (``[[economics.scenarios]]`` in the project file) takes the base case — the
production plan and the ``[economics]`` section — and changes where the value chain stops
at home, who owns the project and on what terms the product is sold:

``concentrate`` (a)
    the rare-earth mineral concentrate is sold to a foreign refiner at a payability of its
    contained-oxide basket (or a tolling charge); no cracking or separation at home;
``mixed_chemical`` (b)
    the concentrate is cracked at home and a mixed carbonate is sold (per tonne of REO);
``separated_oxides`` (c)
    the base case: separated oxides from the refinery of the processing stage;
``metals_magnet`` (d)
    the separated Nd and Pr oxides go on to NdPr metal and NdFeB strip-cast alloy.

Route products
--------------
(a) and (b) replace every rare-earth product of the plan by one intermediate. With the
flowsheet's streams (:func:`route_intermediates`) the intermediate is the flowsheet's own
REE concentrate (the stream fed to cracking) or its purified leach liquor (the SX feed)
precipitated with the oxide circuit's precipitation recovery; its tonnes follow the plan's
rare-earth output period by period. Without streams the intermediate holds the plan's
rare-earth oxides (no credit for the losses not incurred) and the concentrate its
``concentrate_treo_pct``. (d) converts the Nd2O3, Pr6O11 and NdPr oxide products
(Nd2O3 + Pr6O11 ≥ 90 % of their payable oxides; the rest is not recovered) to NdPr metal
(stoichiometry × ``metal_yield_pct``), a share of it to alloy at ``alloy_re_content_pct``;
metal is priced at its oxide-equivalent deck value × (1 + ``metal_premium_pct``), alloy at
its RE metal value × (1 + ``alloy_premium_pct``); conversion costs go to the ``refining``
class and the plants' capital (per t/y of peak capacity) is added as initial capital in
the year before first production. Per-tonne-of-product costs of the products a route
replaces follow the new product (routes a, b; ``transport`` in d) or stay on the oxide
tonnes (the other classes in d). Route defaults and their sources are in
``economics/data/routes.toml`` (:func:`route_defaults`).

Other changes, in this order: ``opex_exclude`` (cost classes set to zero; default the
route's), ``capex_exclude`` (capital items of the base case by name), ``capex_add``,
``owners``, ``domestic_opex_share_pct`` (local share of each cost class: the jobs proxy),
``overrides`` (any ``[economics]`` keys, deep-merged; not ``production`` or ``timing``) and
``offtake`` (a partner buys ``share_pct`` of the products at ``discount_pct`` below market:
the project's payability falls by share × discount and the difference is value transferred
to the offtaker).

Value captured in the country
-----------------------------
At the unchanged discount rate, in the model's money basis::

    value in country = NPV(government take) + NPV(local opex) + Σ NPV(domestic owners)
                       (+ NPV(offtake transfer) when the offtaker is domestic)
    foreign partner  = Σ NPV(foreign owners, after withholding)
                       (+ NPV(offtake transfer) when the offtaker is foreign)

Government take is royalties + income tax + dividend withholding; local opex is each cost
class × its ``local_share_pct``; owners' NPVs are after withholding.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mine2magnet.chemistry import CANONICAL_SPECIES, REE, REO, oxide_factor
from mine2magnet.config import validate_section
from mine2magnet.economics.fiscal import COST_CLASSES
from mine2magnet.economics.params import (
    CapexItem,
    CostClass,
    EconomicsParams,
    OwnerParams,
    economics_params,
)
from mine2magnet.economics.plan import ProductionPlan, plan_from_product_slate
from mine2magnet.economics.prices import PriceDeck, load_price_deck
from mine2magnet.economics.valuation import Valuation, value_project
from mine2magnet.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project
    from mine2magnet.processing.types import ProductSlate

__all__ = [
    "BASE_CASE",
    "ROUTES",
    "OfftakeParams",
    "ScenarioCase",
    "ScenarioParams",
    "ScenarioResults",
    "ScenarioTerms",
    "economics_and_scenarios",
    "route_assumptions",
    "route_defaults",
    "route_intermediates",
    "route_label",
    "run_scenarios",
    "scenario_case",
    "scenario_params",
]

#: The routes, from least to most processing at home.
ROUTES: tuple[str, ...] = ("concentrate", "mixed_chemical", "separated_oxides", "metals_magnet")
#: Name of the base-case row of the scenario table.
BASE_CASE = "base case"

Route = Literal["concentrate", "mixed_chemical", "separated_oxides", "metals_magnet"]
Pct = Annotated[float, Field(ge=0, le=100)]
NonNeg = Annotated[float, Field(ge=0)]
_NDPR = ("Nd2O3", "Pr6O11")
#: A product is an NdPr product (route d) when Nd2O3 + Pr6O11 are at least this share of
#: its payable oxides; its other oxides (impurities) are not recovered to metal.
_NDPR_MIN = 0.9
_MERGE_FORBIDDEN = ("production", "timing", "scenarios")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioTerms(_Strict):
    """Route assumptions overriding ``economics/data/routes.toml`` (None: the default)."""

    product: str | None = Field(
        default=None, description="Name of the route product (routes a and b)."
    )
    concentrate_treo_pct: Annotated[float, Field(gt=0, le=100)] | None = Field(
        default=None, description="Concentrate grade when the flowsheet streams are absent [%]."
    )
    metal_yield_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    metal_premium_pct: Annotated[float, Field(ge=-100, le=1000)] | None = None
    metal_conversion_usd_kg: NonNeg | None = None
    metal_capex_usd_per_tpa: NonNeg | None = None
    alloy_share_pct: Pct | None = None
    alloy_re_content_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    alloy_premium_pct: Annotated[float, Field(ge=-100, le=1000)] | None = None
    alloy_conversion_usd_kg: NonNeg | None = None
    alloy_capex_usd_per_tpa: NonNeg | None = None
    capex_local_share_pct: Pct = Field(
        default=0.0, description="Local-currency share of the route's added capital [%]."
    )


class OfftakeParams(_Strict):
    """A partner buys part of the products below market price."""

    partner: str = Field(
        default="foreign partner", description="The offtaker (an owner's name or another)."
    )
    foreign: bool | None = Field(
        default=None, description="Offtaker abroad; default: the owner's flag, else true."
    )
    share_pct: Pct = Field(default=100.0, description="Share of each product sold to it [%].")
    discount_pct: Annotated[float, Field(ge=0, lt=100)] = Field(
        default=0.0, description="Price discount to market [%]."
    )
    products: list[str] | None = Field(
        default=None, description="Products under the offtake; default every non-by-product."
    )


class ScenarioParams(_Strict):
    """One ``[[economics.scenarios]]`` entry."""

    name: Annotated[str, Field(min_length=1)]
    route: Route
    description: str = ""
    payability_pct: Pct | None = Field(
        default=None, description="Payability of the route product (routes a and b) [%]."
    )
    toll_usd_kg: NonNeg | None = Field(
        default=None,
        description="Price the route product by a toll per kg REO instead (routes a, b) [US$/kg].",
    )
    terms: ScenarioTerms = ScenarioTerms()
    opex_exclude: list[CostClass] | None = Field(
        default=None, description="Cost classes not incurred; default the route's."
    )
    capex_exclude: list[str] = Field(
        default_factory=list, description="Base-case capital items (by name) not built."
    )
    capex_add: list[CapexItem] = Field(default_factory=list)
    owners: list[OwnerParams] | None = Field(
        default=None, description="Ownership split; default the base case's."
    )
    offtake: OfftakeParams | None = None
    domestic_opex_share_pct: dict[CostClass, Pct] = Field(
        default_factory=dict, description="Local share of each cost class [%]."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Any [economics] keys, deep-merged onto the base."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioParams:
        if self.route not in ("concentrate", "mixed_chemical") and (
            self.payability_pct is not None or self.toll_usd_kg is not None
        ):
            raise ValueError(
                "payability_pct and toll_usd_kg price the route product of routes "
                "'concentrate' and 'mixed_chemical'; for other products use "
                "overrides.products.<name>"
            )
        bad = sorted(set(self.overrides) & set(_MERGE_FORBIDDEN))
        if bad:
            raise ValueError(
                f"overrides may not change {bad}: every scenario runs on the base case's plan"
            )
        return self


def scenario_params(
    raw: Sequence[Mapping[str, Any]] | None, *, source: str | Path | None = None
) -> tuple[ScenarioParams, ...]:
    """Validate the ``[[economics.scenarios]]`` list.

    Parameters
    ----------
    raw : sequence of mappings or None
    source : str or Path, optional
        File named in error messages.

    Returns
    -------
    tuple of ScenarioParams

    Raises
    ------
    ConfigError
        Naming the key, e.g. ``economics.scenarios[1].route``.

    Examples
    --------
    >>> s = scenario_params([{"name": "(c)", "route": "separated_oxides"}])
    >>> s[0].route, s[0].capex_exclude
    ('separated_oxides', [])
    """
    if raw is None:
        return ()
    if isinstance(raw, Mapping) or not isinstance(raw, Sequence):
        where = f"{source}: " if source else ""
        raise ConfigError(
            f"{where}key 'economics.scenarios': expected a list of tables "
            "([[economics.scenarios]]); write each scenario as [[economics.scenarios]]"
        )
    out = tuple(
        validate_section(ScenarioParams, r, f"economics.scenarios[{i}]", source=source)
        for i, r in enumerate(raw)
    )
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1} | ({BASE_CASE} & set(names)))
    if dup:
        where = f"{source}: " if source else ""
        raise ConfigError(
            f"{where}key 'economics.scenarios': scenario names must be unique and not "
            f"{BASE_CASE!r}; rename {dup}"
        )
    return out


def economics_and_scenarios(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> tuple[EconomicsParams, tuple[ScenarioParams, ...]]:
    """The ``[economics]`` section and its ``[[economics.scenarios]]``, validated.

    The scenarios are split off before :func:`~mine2magnet.economics.economics_params`
    validates the rest of the section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.economics``) or a loaded Project.
    source : str or Path, optional

    Returns
    -------
    (EconomicsParams, tuple of ScenarioParams)
    """
    from mine2magnet.config import Project

    if isinstance(section, Project):
        source = source or section.source_file
        section = section.economics
    raw = dict(section or {})
    scenarios = raw.pop("scenarios", None)
    return economics_params(raw, source=source), scenario_params(scenarios, source=source)


# ------------------------------------------------------------------------- defaults
@cache
def _routes_file() -> dict[str, Any]:
    text = (
        resources.files("mine2magnet.economics").joinpath("data", "routes.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


def route_defaults(route: str) -> dict[str, dict[str, Any]]:
    """Default assumptions of one route: name → ``{value, unit, source}``.

    Examples
    --------
    >>> d = route_defaults("mixed_chemical")
    >>> d["payability_pct"]["value"], "Bear Lodge" in d["payability_pct"]["source"]
    (75.0, True)
    """
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; use one of {list(ROUTES)}")
    return {k: dict(v) for k, v in _routes_file()[route].items() if isinstance(v, dict)}


def route_label(route: str) -> str:
    """Human-readable label of a route, e.g. ``"(c) separated oxides at home"``."""
    if route not in ROUTES:
        return route
    return str(_routes_file()[route].get("label", route))


def _term(scenario: ScenarioParams, name: str) -> Any:
    given = getattr(scenario.terms, name, None)
    if given is not None:
        return given
    d = route_defaults(scenario.route).get(name)
    if d is None:
        raise KeyError(f"route {scenario.route!r} has no default for {name!r}")
    return d["value"]


def _opex_excluded(scenario: ScenarioParams) -> list[str]:
    if scenario.opex_exclude is not None:
        return list(scenario.opex_exclude)
    d = route_defaults(scenario.route).get("opex_exclude")
    return list(d["value"]) if d else []


def route_assumptions(
    scenario: ScenarioParams, *, key: str = "economics.scenarios"
) -> pd.DataFrame:
    """The assumptions a scenario runs on, each with its source.

    Parameters
    ----------
    scenario : ScenarioParams
    key : str
        Dotted key of the scenario in the project file (cited for project values).

    Returns
    -------
    pandas.DataFrame
        ``scenario``, ``route``, ``item``, ``value`` (text), ``unit``, ``source``.
    """
    rows: list[tuple[str, str, str, str]] = []
    defaults = route_defaults(scenario.route)
    for item, d in defaults.items():
        if item == "opex_exclude":
            continue
        given = getattr(scenario.terms, item, None)
        if item == "payability_pct" and scenario.payability_pct is not None:
            given = scenario.payability_pct
        if given is not None:
            rows.append((item, _text(given), d.get("unit", ""), f"project file ({key})"))
        else:
            rows.append((item, _text(d["value"]), d.get("unit", ""), str(d["source"])))
    if scenario.toll_usd_kg is not None:
        rows.append(
            ("toll_usd_kg", _text(scenario.toll_usd_kg), "US$/kg REO", f"project file ({key})")
        )
    excl = _opex_excluded(scenario)
    src = (
        f"project file ({key}.opex_exclude)"
        if scenario.opex_exclude is not None
        else str(defaults.get("opex_exclude", {}).get("source", "route definition"))
    )
    rows.append(("opex_exclude", ", ".join(excl) or "none", "cost classes", src))
    for item, value, unit in (
        ("capex_exclude", ", ".join(scenario.capex_exclude) or "none", "capital items"),
        ("capex_add", ", ".join(c.name for c in scenario.capex_add) or "none", "capital items"),
        (
            "owners",
            "; ".join(
                f"{o.name} {o.share_pct:g} %"
                + (f" carried ({o.carried})" if o.carried != "none" else "")
                + (" foreign" if o.foreign else "")
                for o in scenario.owners
            )
            if scenario.owners is not None
            else "as base case",
            "",
        ),
        (
            "offtake",
            f"{scenario.offtake.partner}: {scenario.offtake.share_pct:g} % at "
            f"{scenario.offtake.discount_pct:g} % discount"
            if scenario.offtake is not None
            else "none",
            "",
        ),
        (
            "domestic_opex_share_pct",
            ", ".join(f"{k} {v:g} %" for k, v in scenario.domestic_opex_share_pct.items())
            or "as base case",
            "% local",
        ),
        ("overrides", ", ".join(_flat_keys(scenario.overrides)) or "none", "keys"),
    ):
        rows.append((item, value, unit, f"project file ({key})"))
    return pd.DataFrame(
        [(scenario.name, scenario.route, *r) for r in rows],
        columns=["scenario", "route", "item", "value", "unit", "source"],
    )


def _text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(_text(x) for x in v)
    return str(v)


def _flat_keys(d: Mapping[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        out += _flat_keys(v, key) if isinstance(v, Mapping) and v else [key]
    return out


# ------------------------------------------------------------------ intermediates
def route_intermediates(
    slate: ProductSlate, streams: pd.DataFrame | None, stream_summary: pd.DataFrame | None
) -> pd.DataFrame:
    """Rare-earth oxides in each route's product at the flowsheet's steady state.

    Parameters
    ----------
    slate : ProductSlate
        The flowsheet's product slate.
    streams : pandas.DataFrame or None
        ``Flowsheet.streams`` / ``processing__streams`` (``stream``, ``element``,
        ``tonnes_per_year``).
    stream_summary : pandas.DataFrame or None
        ``Flowsheet.summary`` / ``processing__stream_summary``.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``stream``, ``product_tpa`` (product mass [t/y]), ``species``,
        ``species_tpa`` (oxide in it [t/y]). Route ``separated_oxides`` holds the slate's
        payable rare-earth oxides (the design the plan was scaled from); ``concentrate``
        the REE concentrate fed to cracking; ``mixed_chemical`` the SX feed liquor × the
        oxide circuit's precipitation recovery, sold per tonne of REO. Routes whose stream
        is not found are absent.
    """
    design = plan_from_product_slate(
        slate, ore_tpa=0.0, preproduction_years=0, production_years=1
    ).species_tonnes()
    rows = [
        ("separated_oxides", "products", sp, float(design[sp].iloc[0]))
        for sp in design.columns
        if sp in REO and float(design[sp].iloc[0]) > 0
    ]
    out = pd.DataFrame(rows, columns=["route", "stream", "species", "species_tpa"])
    out.insert(2, "product_tpa", out["species_tpa"].sum())
    if streams is None or stream_summary is None or streams.empty or stream_summary.empty:
        return out
    summ = stream_summary.set_index("stream")

    def pick(to_unit: str, fallback: str) -> str | None:
        hit = stream_summary.loc[stream_summary["to_unit"] == to_unit, "stream"]
        if len(hit):
            return str(hit.iloc[0])
        return fallback if fallback in summ.index else None

    def reo(stream: str) -> dict[str, float]:
        st = streams.loc[streams["stream"] == stream]
        tpa = dict(zip(st["element"].astype(str), st["tonnes_per_year"].astype(float), strict=True))
        return {
            CANONICAL_SPECIES[el]: tpa[el] * oxide_factor(CANONICAL_SPECIES[el])
            for el in REE
            if tpa.get(el, 0.0) > 0
        }

    parts = [out]
    conc = pick("cracking", "ree_concentrate")
    if conc is not None:
        ox = reo(conc)
        mass = float(summ.loc[conc, "tonnes_per_year"])
        parts.append(_route_rows("concentrate", conc, mass, ox))
    liquor = pick("sx_separation", "purified_liquor")
    if liquor is not None:
        ox = reo(liquor)
        to_prec = stream_summary.loc[stream_summary["to_unit"] == "precipitation", "TREO_tpa"]
        kinds = ("separated_oxide", "mixed_oxide", "cerium_product")
        made = slate.products.loc[slate.products["kind"].isin(kinds), "TREO_tpa"]
        rec = float(made.sum() / to_prec.sum()) if to_prec.sum() > 0 else 1.0
        ox = {k: v * min(rec, 1.0) for k, v in ox.items()}
        parts.append(_route_rows("mixed_chemical", liquor, sum(ox.values()), ox))
    return pd.concat(parts, ignore_index=True)


def _route_rows(route: str, stream: str, mass: float, ox: Mapping[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "route": route,
            "stream": stream,
            "product_tpa": mass,
            "species": list(ox),
            "species_tpa": [float(v) for v in ox.values()],
        }
    )


# ---------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class ScenarioCase:
    """One scenario laid out for :func:`~mine2magnet.economics.value_project`.

    Attributes
    ----------
    name, route : str
    plan : ProductionPlan
    params : EconomicsParams
    deck : PriceDeck or None
        None: the deck of ``params``; route (d) adds metal and alloy prices.
    offtake_products : tuple of str
    offtake_fraction : float
        Share × discount of the offtake [-] (0 without one).
    offtaker : str
    offtaker_foreign : bool
    notes : tuple of str
    """

    name: str
    route: str
    plan: ProductionPlan
    params: EconomicsParams
    deck: PriceDeck | None = None
    offtake_products: tuple[str, ...] = ()
    offtake_fraction: float = 0.0
    offtaker: str = ""
    offtaker_foreign: bool = True
    notes: tuple[str, ...] = ()

    def value(self) -> Valuation:
        """Value the case."""
        return value_project(self.plan, self.params, deck=self.deck)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _ree_products(plan: ProductionPlan, params: EconomicsParams) -> dict[str, dict[str, float]]:
    """Payable composition of every rare-earth product (only REO species, not fixed-price)."""
    out: dict[str, dict[str, float]] = {}
    for name in plan.product_names:
        t = params.products.get(name)
        if t is not None and t.pricing == "fixed":
            continue
        comp = (
            {sp: v / 100.0 for sp, v in t.composition_pct.items()}
            if t is not None and t.composition_pct
            else plan.composition_of(name)
        )
        if comp and all(sp in REO for sp in comp):
            out[name] = comp
    return out


def _species_t(
    plan: ProductionPlan, comps: Mapping[str, Mapping[str, float]]
) -> dict[str, np.ndarray]:
    """Payable oxide tonnes per period of the given products, by species [t]."""
    names = list(comps)
    tonnes = plan.product_tonnes(names)
    out: dict[str, np.ndarray] = {}
    for p, name in enumerate(names):
        for sp, f in comps[name].items():
            out[sp] = out.get(sp, np.zeros(plan.n_periods)) + f * tonnes[p]
    return out


def _grade_linked(params: EconomicsParams, name: str) -> bool:
    t = params.products.get(name)
    return True if t is None else t.grade_linked


def _targets(params: EconomicsParams, plan: ProductionPlan, cls: str) -> list[str]:
    o = getattr(params.opex, cls)
    if o.products is not None:
        return list(o.products)
    return [n for n in plan.product_names if _grade_linked(params, n)]


def _new_plan(
    plan: ProductionPlan,
    drop: Sequence[str],
    add: Mapping[str, np.ndarray],
    composition: Mapping[str, Mapping[str, float]],
    explicit_opex: Mapping[str, np.ndarray] | None = None,
    source: str = "",
) -> ProductionPlan:
    keep = plan.products.loc[~plan.products["product"].isin(list(drop))]
    rows = [keep] + [
        pd.DataFrame({"period": np.arange(plan.n_periods), "product": n, "tonnes": t})
        for n, t in add.items()
    ]
    comp = plan.composition.loc[~plan.composition["product"].isin(list(drop))]
    comp_rows = [comp] + [
        pd.DataFrame(
            {"product": n, "species": list(c), "mass_fraction": [float(x) for x in c.values()]}
        )
        for n, c in composition.items()
    ]
    periods = plan.periods.copy()
    for cls, v in (explicit_opex or {}).items():
        periods[f"opex_{cls}_usd"] = v
    return ProductionPlan(
        periods,
        pd.concat(rows, ignore_index=True),
        pd.concat(comp_rows, ignore_index=True),
        plan.periods_per_year,
        source or plan.source,
    )


def _mixed_route(
    plan: ProductionPlan,
    params: EconomicsParams,
    dump: dict[str, Any],
    scenario: ScenarioParams,
    intermediates: pd.DataFrame | None,
    key: str,
    notes: list[str],
) -> ProductionPlan:
    route = scenario.route
    comps = _ree_products(plan, params)
    if not comps:
        raise ConfigError(
            f"key '{key}.route': the plan has no rare-earth product to sell as {route!r}; "
            "use route 'separated_oxides' or give the products a composition"
        )
    name = str(_term(scenario, "product"))
    if name in plan.product_names and name not in comps:
        raise ConfigError(
            f"key '{key}.terms.product': {name!r} is already a product of the plan; rename it"
        )
    sp_t = _species_t(plan, comps)
    reo_t = np.sum(list(sp_t.values()), axis=0)
    inter = None if intermediates is None else intermediates
    rows = None if inter is None else inter.loc[inter["route"] == route]
    design = None if inter is None else inter.loc[inter["route"] == "separated_oxides"]
    if rows is not None and len(rows) and design is not None and design["species_tpa"].sum() > 0:
        mass = float(rows["product_tpa"].iloc[0])
        tonnes = mass * reo_t / float(design["species_tpa"].sum())
        comp = {
            str(s): float(v) / mass
            for s, v in zip(rows["species"], rows["species_tpa"], strict=True)
        }
        notes.append(
            f"{scenario.name}: {name} from flowsheet stream {rows['stream'].iloc[0]!r} "
            f"({mass:,.0f} t/y at design, scaled with the plan's rare-earth output)"
        )
    else:
        total = {sp: float(v.sum()) for sp, v in sp_t.items()}
        s = sum(total.values())
        share = {sp: v / s for sp, v in total.items()} if s > 0 else {}
        if route == "concentrate":
            g = float(_term(scenario, "concentrate_treo_pct")) / 100.0
            tonnes = reo_t / g
            comp = {sp: f * g for sp, f in share.items()}
        else:
            tonnes = reo_t.copy()
            comp = share
        notes.append(
            f"{scenario.name}: no flowsheet streams; {name} holds the plan's rare-earth oxides "
            "(no credit for the cracking and separation losses not incurred)"
        )
    consumed = list(comps)
    for cls in COST_CLASSES:
        o = dump["opex"][cls]
        if o.get("products") is not None and set(consumed) & set(o["products"]):
            o["products"] = [p for p in o["products"] if p not in consumed] + [name]
    for p in consumed:
        dump["products"].pop(p, None)
    pay = scenario.payability_pct
    if scenario.toll_usd_kg is not None:
        terms = {
            "pricing": "tolling",
            "toll_usd_kg": scenario.toll_usd_kg,
            "payability_pct": 100.0 if pay is None else pay,
        }
    else:
        terms = {
            "pricing": "basket",
            "payability_pct": float(_term(scenario, "payability_pct")) if pay is None else pay,
        }
    src = route_defaults(route).get("payability_pct", {}).get("source", "")
    dump["products"][name] = {**terms, "grade_linked": True, "source": f"route {route}: {src}"}
    return _new_plan(
        plan, consumed, {name: tonnes}, {name: comp}, source=f"{plan.source}; route {route}"
    )


def _metal_route(
    plan: ProductionPlan,
    params: EconomicsParams,
    dump: dict[str, Any],
    scenario: ScenarioParams,
    key: str,
) -> tuple[ProductionPlan, dict[str, float], dict[str, np.ndarray]]:
    comps = _ree_products(plan, params)
    ndpr = {
        n: {sp: f for sp, f in c.items() if sp in _NDPR}
        for n, c in comps.items()
        if sum(c.get(sp, 0.0) for sp in _NDPR) >= _NDPR_MIN * sum(c.values())
    }
    if not ndpr:
        raise ConfigError(
            f"key '{key}.route': route 'metals_magnet' needs Nd2O3 or Pr6O11 products in the "
            f"plan; it has {list(plan.product_names)}"
        )
    ppy = plan.periods_per_year
    ox = _species_t(plan, ndpr)
    y = float(_term(scenario, "metal_yield_pct")) / 100.0
    metal_el = {sp: ox[sp] / oxide_factor(sp) * y for sp in ox}
    metal = np.sum(list(metal_el.values()), axis=0)
    share = float(_term(scenario, "alloy_share_pct")) / 100.0
    re = float(_term(scenario, "alloy_re_content_pct")) / 100.0
    alloy = metal * share / re
    metal_sold = metal * (1.0 - share)
    m_name = str(_term(scenario, "metal_product"))
    a_name = str(_term(scenario, "alloy_product"))
    for n in (m_name, a_name):
        if n in plan.product_names:
            raise ConfigError(f"key '{key}.route': {n!r} is already a product of the plan")
    add: dict[str, np.ndarray] = {}
    comp: dict[str, dict[str, float]] = {}
    if share < 1.0:
        add[m_name], comp[m_name] = metal_sold, {m_name: 1.0}
    if share > 0.0:
        add[a_name], comp[a_name] = alloy, {a_name: 1.0}
    explicit = {cls: plan.explicit_opex(cls).copy() for cls in COST_CLASSES}
    explicit["refining"] += 1000.0 * (
        float(_term(scenario, "metal_conversion_usd_kg")) * metal
        + float(_term(scenario, "alloy_conversion_usd_kg")) * alloy
    )
    consumed = list(ndpr)
    tonnes = dict(zip(plan.product_names, plan.product_tonnes(), strict=True))
    for cls in COST_CLASSES:
        o = getattr(params.opex, cls)
        targets = _targets(params, plan, cls)
        hit = [p for p in consumed if p in targets]
        if o.usd_per_t_product == 0 or not hit:
            continue
        rest = [p for p in targets if p not in consumed]
        if cls == "transport":
            dump["opex"][cls]["products"] = rest + list(add)
        else:
            explicit[cls] += o.usd_per_t_product * np.sum([tonnes[p] for p in hit], axis=0)
            dump["opex"][cls]["products"] = rest
    for p in consumed:
        dump["products"].pop(p, None)
    for n in add:
        dump["products"][n] = {
            "pricing": "basket",
            "grade_linked": True,
            "source": "route metals_magnet",
        }
    first_year = max(plan.first_production // ppy - 1, 0)
    local = scenario.terms.capex_local_share_pct
    for label, peak, rate in (
        (f"{m_name} plant (route metals_magnet)", metal.max() * ppy, "metal_capex_usd_per_tpa"),
        (f"{a_name} plant (route metals_magnet)", alloy.max() * ppy, "alloy_capex_usd_per_tpa"),
    ):
        amount = float(peak) * float(_term(scenario, rate))
        if amount > 0:
            dump["capex"].append(
                {
                    "name": label,
                    "category": "initial",
                    "amounts_usd": [amount],
                    "year": first_year,
                    "tax_class": "plant",
                    "local_share_pct": local,
                    "source": route_defaults("metals_magnet")[rate]["source"],
                }
            )
    el_total = {sp: float(v.sum()) for sp, v in metal_el.items()}
    s = sum(el_total.values())
    fractions = {sp: v / s for sp, v in el_total.items()} if s > 0 else {}
    new = _new_plan(
        plan,
        consumed,
        add,
        comp,
        {c: v for c, v in explicit.items() if v.any() or f"opex_{c}_usd" in plan.periods},
        source=f"{plan.source}; route metals_magnet",
    )
    return new, fractions, {"metal": metal, "alloy": alloy}


def _deck(params: EconomicsParams) -> PriceDeck:
    deck = load_price_deck(params.prices.deck)
    if params.prices.overrides_usd_kg:
        deck = deck.with_overrides(
            params.prices.overrides_usd_kg, source=params.prices.override_source
        )
    return deck


def _metal_prices(
    params: EconomicsParams, scenario: ScenarioParams, fractions: Mapping[str, float]
) -> tuple[PriceDeck, EconomicsParams]:
    """Deck with the metal and alloy prices; their yearly paths when the oxides have one."""
    deck = _deck(params)
    prem = 1.0 + float(_term(scenario, "metal_premium_pct")) / 100.0
    re = float(_term(scenario, "alloy_re_content_pct")) / 100.0
    a_prem = 1.0 + float(_term(scenario, "alloy_premium_pct")) / 100.0
    m_name = str(_term(scenario, "metal_product"))
    a_name = str(_term(scenario, "alloy_product"))

    def metal_price(p: Mapping[str, float]) -> float:
        return prem * sum(f * oxide_factor(sp) * p[sp] for sp, f in fractions.items())

    base = {sp: deck.price(sp) for sp in fractions}
    pm = metal_price(base)
    src = (
        "route metals_magnet: oxide-equivalent value (stoichiometry) x "
        f"{prem:g}; alloy {re:g} x metal x {a_prem:g} (economics/data/routes.toml)"
    )
    deck = deck.with_overrides({m_name: pm, a_name: re * pm * a_prem}, source=src)
    sched = params.prices.schedule_usd_kg
    if not any(sp in sched for sp in fractions):
        return deck, params
    n = max(len(sched[sp]) for sp in fractions if sp in sched)
    paths = {
        sp: [(sched[sp][min(i, len(sched[sp]) - 1)] if sp in sched else base[sp]) for i in range(n)]
        for sp in fractions
    }
    metal_path = [metal_price({sp: paths[sp][i] for sp in fractions}) for i in range(n)]
    new_sched = {**sched, m_name: metal_path, a_name: [re * a_prem * v for v in metal_path]}
    prices = params.prices.model_copy(update={"schedule_usd_kg": new_sched})
    return deck, params.model_copy(update={"prices": prices})


def scenario_case(
    plan: ProductionPlan,
    params: EconomicsParams,
    scenario: ScenarioParams,
    *,
    intermediates: pd.DataFrame | None = None,
    key: str = "economics.scenarios",
) -> ScenarioCase:
    """Lay out one scenario on the base case (module docstring for the order of changes).

    Parameters
    ----------
    plan : ProductionPlan
        The base case's plan (steady state or from the mine schedule).
    params : EconomicsParams
        The base case's ``[economics]``.
    scenario : ScenarioParams
    intermediates : pandas.DataFrame, optional
        :func:`route_intermediates` of the flowsheet.
    key : str
        Dotted key of the scenario (error messages).

    Returns
    -------
    ScenarioCase

    Raises
    ------
    ConfigError
        Naming the scenario's key: unknown capital items, a route the plan cannot take,
        overrides that break the ``[economics]`` schema.
    """
    notes: list[str] = []
    dump = params.model_dump()
    fractions: dict[str, float] = {}
    new_plan = plan
    if scenario.route in ("concentrate", "mixed_chemical"):
        new_plan = _mixed_route(plan, params, dump, scenario, intermediates, key, notes)
    elif scenario.route == "metals_magnet":
        new_plan, fractions, _ = _metal_route(plan, params, dump, scenario, key)
    excluded = _opex_excluded(scenario)
    if excluded:
        periods = new_plan.periods.copy()
        for cls in excluded:
            keep = dump["opex"][cls].get("local_share_pct", 0.0)
            dump["opex"][cls] = {"local_share_pct": keep, "source": f"excluded by {key}"}
            if f"opex_{cls}_usd" in periods:
                periods[f"opex_{cls}_usd"] = 0.0
        new_plan = ProductionPlan(
            periods,
            new_plan.products,
            new_plan.composition,
            new_plan.periods_per_year,
            new_plan.source,
        )
    names = [c["name"] for c in dump["capex"]]
    unknown = sorted(set(scenario.capex_exclude) - set(names))
    if unknown:
        raise ConfigError(
            f"key '{key}.capex_exclude': no capital item(s) {unknown} in economics.capex; "
            f"the items are {names}"
        )
    dump["capex"] = [c for c in dump["capex"] if c["name"] not in scenario.capex_exclude]
    dump["capex"] += [c.model_dump() for c in scenario.capex_add]
    if scenario.owners is not None:
        dump["owners"] = [o.model_dump() for o in scenario.owners]
    for cls, v in scenario.domestic_opex_share_pct.items():
        dump["opex"][cls]["local_share_pct"] = v
    dump = _deep_merge(dump, scenario.overrides)
    prod = dump.get("production")
    if prod is not None and prod.get("products_from") == "params":
        # the plan is laid out already; keep the schema's product-name check satisfied
        tpa = prod.get("products_tpa", {})
        prod["products_tpa"] = {n: tpa.get(n, 0.0) for n in new_plan.product_names}
    off = scenario.offtake
    off_products: tuple[str, ...] = ()
    fraction = 0.0
    foreign = True
    if off is not None:
        fraction = off.share_pct / 100.0 * off.discount_pct / 100.0
        terms = dump.get("products", {})
        if off.products is not None:
            missing = sorted(set(off.products) - set(new_plan.product_names))
            if missing:
                raise ConfigError(
                    f"key '{key}.offtake.products': {missing} are not products of the "
                    f"scenario; it has {list(new_plan.product_names)}"
                )
            off_products = tuple(off.products)
        else:
            off_products = tuple(
                n for n in new_plan.product_names if not terms.get(n, {}).get("by_product", False)
            )
        for n in off_products:
            t = dict(terms.get(n, {}))
            t["payability_pct"] = float(t.get("payability_pct", 100.0)) * (1.0 - fraction)
            terms[n] = t
        dump["products"] = terms
        owners = {o["name"]: o for o in dump.get("owners", [])}
        foreign = (
            off.foreign
            if off.foreign is not None
            else bool(owners[off.partner].get("foreign", False))
            if off.partner in owners
            else True
        )
    new_params = validate_section(EconomicsParams, dump, key)
    deck = None
    if scenario.route == "metals_magnet":
        deck, new_params = _metal_prices(new_params, scenario, fractions)
    return ScenarioCase(
        name=scenario.name,
        route=scenario.route,
        plan=new_plan,
        params=new_params,
        deck=deck,
        offtake_products=off_products,
        offtake_fraction=fraction,
        offtaker=off.partner if off is not None else "",
        offtaker_foreign=foreign,
        notes=tuple(notes),
    )


# ------------------------------------------------------------------------ results
@dataclass(frozen=True)
class ScenarioResults:
    """The scenario comparison.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per case (the base case first): ``scenario``, ``route``, ``npv_usd``,
        ``irr`` [-] (NaN unless unique), ``irr_roots`` (text), ``irr_flag``,
        ``initial_capex_usd``, ``lom_capex_usd``, ``revenue_usd_per_year``,
        ``opex_usd_per_year``, ``local_opex_usd_per_year`` (the jobs proxy; averages over
        production years), ``government_take_npv_usd``, ``local_opex_npv_usd``,
        ``domestic_owners_npv_usd``, ``foreign_owners_npv_usd``,
        ``offtake_transfer_npv_usd``, ``value_in_country_npv_usd``,
        ``foreign_partner_npv_usd``, ``npv_vs_base_usd``. Money in the model's basis.
    cashflows : pandas.DataFrame
        Long: ``scenario``, ``period``, ``year``, ``revenue_usd``, ``opex_usd``,
        ``local_opex_usd``, ``royalty_usd``, ``tax_usd``, ``capex_usd``,
        ``government_take_usd``, ``cash_flow``, ``equity_cash_flow``,
        ``offtake_transfer_usd``, ``discount_factor``.
    assumptions : pandas.DataFrame
        :func:`route_assumptions` of every scenario.
    notes : tuple of str
    valuations : tuple of Valuation
        The base case's and each scenario's, in table order.
    """

    table: pd.DataFrame
    cashflows: pd.DataFrame
    assumptions: pd.DataFrame
    notes: tuple[str, ...] = ()
    valuations: tuple[Valuation, ...] = field(default=(), repr=False)


def _transfer(v: Valuation, case: ScenarioCase | None) -> np.ndarray:
    """Value passed to the offtaker by its discount, per period [US$ in the basis]."""
    T = len(v.table)
    if case is None or case.offtake_fraction <= 0:
        return np.zeros(T)
    m = v.model
    f = case.offtake_fraction
    out = np.zeros(T)
    for n in case.offtake_products:
        out += m.product_revenue[m.products.index(n)] / m.deflator * f / (1.0 - f)
    return out


def _case_row(
    name: str, route: str, v: Valuation, case: ScenarioCase | None
) -> tuple[dict, pd.DataFrame]:
    tab = v.table
    df = tab["discount_factor"].to_numpy()
    prod = tab["production"].to_numpy(dtype=bool)
    years = max(prod.sum() / v.model.timing.periods_per_year, 1e-12)
    transfer = _transfer(v, case)
    owners = v.owners
    dom = float(owners.loc[~owners["foreign"].astype(bool), "npv_usd"].sum())
    fgn = float(owners.loc[owners["foreign"].astype(bool), "npv_usd"].sum())
    gov = float(tab["government_take_usd"].to_numpy() @ df)
    local = float(tab["local_opex_usd"].to_numpy() @ df)
    tr = float(transfer @ df)
    foreign_offtaker = case is None or case.offtaker_foreign
    row = {
        "scenario": name,
        "route": route,
        "npv_usd": v.npv,
        "irr": v.after_tax.irr,
        "irr_roots": ", ".join(f"{r:.4f}" for r in v.irr_roots),
        "irr_flag": v.irr_flag,
        "initial_capex_usd": v.initial_capex_usd,
        "lom_capex_usd": float(tab["capex_usd"].sum()),
        "revenue_usd_per_year": float(tab["revenue_usd"].sum() / years),
        "opex_usd_per_year": float(tab["opex_usd"].sum() / years),
        "local_opex_usd_per_year": float(tab["local_opex_usd"].sum() / years),
        "government_take_npv_usd": gov,
        "local_opex_npv_usd": local,
        "domestic_owners_npv_usd": dom,
        "foreign_owners_npv_usd": fgn,
        "offtake_transfer_npv_usd": tr,
        "value_in_country_npv_usd": gov + local + dom + (0.0 if foreign_offtaker else tr),
        "foreign_partner_npv_usd": fgn + (tr if foreign_offtaker else 0.0),
    }
    cf = pd.DataFrame(
        {
            "scenario": name,
            "period": tab["period"],
            "year": tab["year"],
            **{
                c: tab[c]
                for c in (
                    "revenue_usd",
                    "opex_usd",
                    "local_opex_usd",
                    "royalty_usd",
                    "tax_usd",
                    "capex_usd",
                    "government_take_usd",
                    "cash_flow",
                    "equity_cash_flow",
                )
            },
            "offtake_transfer_usd": transfer,
            "discount_factor": df,
        }
    )
    return row, cf


def run_scenarios(
    plan: ProductionPlan,
    params: EconomicsParams,
    scenarios: Sequence[ScenarioParams],
    *,
    intermediates: pd.DataFrame | None = None,
    base: Valuation | None = None,
) -> ScenarioResults:
    """Value the base case and every scenario; compare them in one table.

    Parameters
    ----------
    plan : ProductionPlan
        The base case's plan.
    params : EconomicsParams
        The base case's ``[economics]``.
    scenarios : sequence of ScenarioParams
    intermediates : pandas.DataFrame, optional
        :func:`route_intermediates` of the flowsheet (routes a and b).
    base : Valuation, optional
        The base case already valued (default: valued here).

    Returns
    -------
    ScenarioResults

    Examples
    --------
    >>> from mine2magnet.economics import ProductionPlan, economics_params
    >>> plan = ProductionPlan.from_arrays([0, 1e5, 1e5], {"Nd2O3": [0, 50.0, 50.0]},
    ...                                   {"Nd2O3": {"Nd2O3": 0.995}})
    >>> params = economics_params({"capex": [{"name": "plant", "category": "initial",
    ...                                       "amounts_usd": [5e6]}]})
    >>> r = run_scenarios(plan, params, scenario_params([{"name": "c",
    ...                   "route": "separated_oxides"}]))
    >>> bool(r.table["npv_usd"].iloc[0] == r.table["npv_usd"].iloc[1])
    True
    """
    base_v = value_project(plan, params) if base is None else base
    rows, flows, assumptions = [], [], []
    notes: list[str] = []
    vals = [base_v]
    r, cf = _case_row(BASE_CASE, "base", base_v, None)
    rows.append(r)
    flows.append(cf)
    for i, s in enumerate(scenarios):
        key = f"economics.scenarios[{i}]"
        case = scenario_case(plan, params, s, intermediates=intermediates, key=key)
        v = case.value()
        vals.append(v)
        r, cf = _case_row(s.name, s.route, v, case)
        rows.append(r)
        flows.append(cf)
        assumptions.append(route_assumptions(s, key=key))
        notes += list(case.notes)
        notes += [f"{s.name}: {n}" for n in v.notes if n not in base_v.notes]
    table = pd.DataFrame(rows)
    table["npv_vs_base_usd"] = table["npv_usd"] - base_v.npv
    cols = ["scenario", "route", "item", "value", "unit", "source"]
    return ScenarioResults(
        table=table,
        cashflows=pd.concat(flows, ignore_index=True),
        assumptions=pd.concat(assumptions, ignore_index=True)
        if assumptions
        else pd.DataFrame({c: pd.Series(dtype=str) for c in cols}),
        notes=tuple(dict.fromkeys(notes)),
        valuations=tuple(vals),
    )
