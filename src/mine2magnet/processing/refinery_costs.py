"""Sizing, reagents and factored costs of the SX refinery.

Sizing (per cascade section, from the designed flows):

* aqueous feed ``F / c_feed``, organic ``S / c_org`` with the organic's loading
  ``c_org = extractant × saponification / 3``, scrub acid ``3 W / c_scrub``, strip acid
  ``3 E / c_strip`` (E the loaded organic's rare earths) [m3/h];
* mixer volume per stage = total flow × residence time; settler area per stage = total
  flow / specific settling rate; settler volume = area × depth;
* organic inventory = the organic's share (by flow) of every mixer and settler, times an
  allowance for tanks and pipes; extractant and diluent masses from the extractant
  concentration, its molar mass and the densities.

Reagents: saponification base 3 mol/mol RE loaded, HCl 3 mol/mol RE for scrubbing and
stripping (DOMAIN.md §3), HCl 3 mol/mol RE to bring the feed into chloride solution, the
precipitant per product (oxalic acid or sodium carbonate 1.5, ammonium bicarbonate 3 mol/mol
RE) times its excess, calcination fuel and power per tonne of oxide, mixer power.

Costs: purchased equipment by the cost–capacity rule, then Lang's or Hand's factors (see the
header of ``data/refinery_costs.toml``, which holds every price, factor and norm with its
source and date); opex from reagents at unit prices, organic make-up for entrainment
losses, power, fuel, labour and maintenance.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

from mine2magnet.chemistry import molar_mass

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.processing.refinery_params import RefineryParams

__all__ = [
    "PRECIPITANTS",
    "CascadeFlows",
    "ProductFlow",
    "cascade_sizing",
    "cost_data",
    "cost_table",
    "equipment_table",
    "organic_composition",
    "reagent_table",
    "unit_price",
]

#: Precipitant → (formula, mol per mol RE) (oxalate RE2(C2O4)3: 1.5, DOMAIN §3; carbonate
#: RE2(CO3)3 from Na2CO3: 1.5; from NH4HCO3: 3, half the bicarbonate leaves as CO2).
PRECIPITANTS: dict[str, tuple[str, float]] = {
    "oxalic_acid": ("H2C2O4", 1.5),
    "sodium_carbonate": ("Na2CO3", 1.5),
    "ammonium_bicarbonate": ("NH5CO3", 3.0),
}
_BASE_PER_RE = 3.0
_HCL_PER_RE = 3.0
_SECTIONS = ("extraction", "scrub", "strip")
_REAGENT_COLUMNS = ["use", "reagent", "cascade", "unit", "per_year", "per_t_product", "basis"]
_EQUIPMENT_COLUMNS = [
    "item",
    "cascade",
    "section",
    "count",
    "size",
    "size_unit",
    "flow_m3_h",
    "mixer_m3",
    "settler_m2",
    "settler_m3",
    "purchased_usd",
    "installation_factor",
    "installed_usd",
    "basis",
]
_COST_COLUMNS = [
    "category",
    "item",
    "value_usd",
    "quantity",
    "quantity_unit",
    "unit_price",
    "price_unit",
    "basis",
    "source",
    "date",
]


@cache
def cost_data() -> dict[str, Any]:
    """The packaged cost basis ``processing/data/refinery_costs.toml`` (read once)."""
    ref = resources.files("mine2magnet.processing").joinpath("data", "refinery_costs.toml")
    return tomllib.loads(ref.read_text("utf-8"))


def unit_price(key: str, params: RefineryParams) -> dict[str, Any]:
    """One unit price, with the project's override applied.

    Parameters
    ----------
    key : str
        A key of ``[prices]`` (``NaOH``, ``HCl``, ``P507``, ``electricity``, …).
    params : RefineryParams
        For ``unit_prices`` overrides.

    Returns
    -------
    dict
        ``value`` [the entry's unit], ``unit``, ``basis``, ``source``, ``date``.
    """
    entry = dict(cost_data()["prices"][key])
    if key in params.unit_prices:
        entry.update(
            value=float(params.unit_prices[key]),
            source="project file",
            basis=f"processing.refinery.unit_prices.{key}",
            date="",
        )
    return entry


@dataclass(frozen=True)
class CascadeFlows:
    """Rare-earth flows and stage numbers of one designed cascade.

    Attributes
    ----------
    name : str
        Cascade name.
    feed_phase : str
        ``"aqueous"`` or ``"organic"``.
    stages : dict[str, int]
        Stages per section (``extraction``, ``scrub``, ``strip``) [-].
    feed_mol_h, organic_mol_h, scrub_mol_h, loaded_mol_h : float
        Rare earths fed, carried by the saponified organic (S), returned by the scrub acid
        (W) and on the loaded organic going to stripping [mol/h].
    """

    name: str
    feed_phase: str
    stages: dict[str, int]
    feed_mol_h: float
    organic_mol_h: float
    scrub_mol_h: float
    loaded_mol_h: float


@dataclass(frozen=True)
class ProductFlow:
    """A product of the train: name, oxide output and rare-earth molar flow.

    Attributes
    ----------
    name : str
        Product name.
    oxide_tpa : float
        Oxide in the product liquor [t/y].
    re_mol_h : float
        Rare earths in the product liquor [mol/h].
    """

    name: str
    oxide_tpa: float
    re_mol_h: float


def _volumes(c: CascadeFlows, p: RefineryParams) -> dict[str, float]:
    """Stream volumes [m3/h]."""
    org_c = p.organic_loading_mol_l
    feed_c = p.feed_mol_l if c.feed_phase == "aqueous" else org_c
    return {
        "feed": c.feed_mol_h / feed_c / 1e3,
        "organic": c.organic_mol_h / org_c / 1e3,
        "scrub": _HCL_PER_RE * c.scrub_mol_h / p.scrub_acid_mol_l / 1e3,
        "strip": _HCL_PER_RE * c.loaded_mol_h / p.strip_acid_mol_l / 1e3,
    }


def cascade_sizing(c: CascadeFlows, p: RefineryParams) -> tuple[dict[str, float], list[dict]]:
    """Flows, O/A ratios, mixer-settler sizes and organic inventory of one cascade.

    Parameters
    ----------
    c : CascadeFlows
        The cascade's flows [mol/h] and stage numbers.
    p : RefineryParams
        Concentrations [mol/L], residence time [min], settling rate [m3/(h·m2)], settler
        depth [m], inventory allowance [-].

    Returns
    -------
    summary : dict[str, float]
        ``feed_m3_h``, ``organic_m3_h``, ``scrub_m3_h``, ``strip_m3_h``, ``oa_extraction``,
        ``oa_scrub``, ``oa_strip``, ``mixer_m3``, ``settler_m2``, ``settler_m3``,
        ``organic_inventory_m3``, ``aqueous_out_m3_h`` (raffinate + strip liquor).
    sections : list of dict
        Per section with stages: ``section``, ``count``, ``flow_m3_h``, ``organic_m3_h``,
        ``mixer_m3``, ``settler_m2``, ``settler_m3`` (per stage).
    """
    v = _volumes(c, p)
    org_feed = v["feed"] if c.feed_phase == "organic" else 0.0
    aq_feed = v["feed"] if c.feed_phase == "aqueous" else 0.0
    phases = {  # (organic, aqueous) per section [m3/h]
        "extraction": (v["organic"], aq_feed + v["scrub"]),
        "scrub": (v["organic"] + org_feed, v["scrub"]),
        "strip": (v["organic"] + org_feed, v["strip"]),
    }
    tau_h = p.mixer_residence_min / 60.0
    sections = []
    mixer = settler_a = settler_v = organic = 0.0
    for name in _SECTIONS:
        n = int(c.stages.get(name, 0))
        if n <= 0:
            continue
        o, a = phases[name]
        q = o + a
        m_v, s_a = q * tau_h, q / p.settling_rate_m3_h_m2
        s_v = s_a * p.settler_depth_m
        share = o / q if q > 0 else 0.0
        sections.append(
            {
                "section": name,
                "count": n,
                "flow_m3_h": q,
                "organic_m3_h": o,
                "mixer_m3": m_v,
                "settler_m2": s_a,
                "settler_m3": s_v,
            }
        )
        mixer += n * m_v
        settler_a += n * s_a
        settler_v += n * s_v
        organic += n * share * (m_v + s_v)

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else math.nan

    summary = {
        "feed_m3_h": v["feed"],
        "organic_m3_h": v["organic"],
        "scrub_m3_h": v["scrub"],
        "strip_m3_h": v["strip"],
        "oa_extraction": ratio(*phases["extraction"]),
        "oa_scrub": ratio(*phases["scrub"]),
        "oa_strip": ratio(*phases["strip"]),
        "mixer_m3": mixer,
        "settler_m2": settler_a,
        "settler_m3": settler_v,
        "organic_inventory_m3": organic * p.inventory_allowance,
        "aqueous_out_m3_h": phases["extraction"][1] + v["strip"],
    }
    return summary, sections


def organic_composition(p: RefineryParams) -> dict[str, float]:
    """Extractant and diluent in one m3 of organic.

    Returns
    -------
    dict[str, float]
        ``extractant_t_m3`` and ``diluent_t_m3`` [t/m3], ``extractant_vol_frac`` [-].
    """
    ext = cost_data()["extractants"]
    spec = ext[p.extractant]
    m = molar_mass(spec["formula"])
    ext_t = p.extractant_mol_l * m / 1e3  # mol/L × g/mol = g/L = kg/m3 → t/m3 / 1e3
    vol = ext_t / spec["density_t_m3"]
    if vol >= 1.0:
        raise ValueError(
            f"processing.refinery.extractant_mol_l {p.extractant_mol_l:g} M of "
            f"{p.extractant} is more than pure extractant; lower it"
        )
    return {
        "extractant_t_m3": ext_t,
        "diluent_t_m3": (1.0 - vol) * ext["diluent"]["density_t_m3"],
        "extractant_vol_frac": vol,
    }


def reagent_table(
    cascades: Sequence[CascadeFlows],
    products: Sequence[ProductFlow],
    feed_mol_h: float,
    mixer_m3: float,
    p: RefineryParams,
    *,
    precipitant: str = "oxalic_acid",
    precipitant_excess: float = 1.2,
) -> pd.DataFrame:
    """Reagents, fuel and power per year and per tonne of product.

    Parameters
    ----------
    cascades : sequence of CascadeFlows
        The designed cascades [mol/h].
    products : sequence of ProductFlow
        The products [t/y, mol/h].
    feed_mol_h : float
        Rare earths fed to the train [mol/h].
    mixer_m3 : float
        Total mixer volume of the train [m3] (agitation power).
    p : RefineryParams
        Base, operating hours [h/y], ``feed_to_chloride``.
    precipitant : {"oxalic_acid", "sodium_carbonate", "ammonium_bicarbonate"}
        As in ``[processing.precipitation]``.
    precipitant_excess : float
        Precipitant over stoichiometry [-].

    Returns
    -------
    pandas.DataFrame
        Columns ``use``, ``reagent``, ``cascade``, ``unit``, ``per_year``,
        ``per_t_product``, ``basis``.
    """
    hours = p.operating_hours_per_year
    total_t = sum(pr.oxide_tpa for pr in products)
    rows: list[tuple] = []

    def chem(use: str, formula: str, where: str, mol_h: float, basis: str) -> None:
        rows.append((use, formula, where, "t", mol_h * molar_mass(formula) / 1e6 * hours, basis))

    if p.feed_to_chloride:
        chem(
            "feed to chloride",
            "HCl",
            "feed",
            _HCL_PER_RE * feed_mol_h,
            "3 mol HCl/mol RE to redissolve the SX feed",
        )
    for c in cascades:
        if c.organic_mol_h <= 0:
            continue
        chem(
            "saponification",
            p.base,
            c.name,
            _BASE_PER_RE * c.organic_mol_h,
            "3 mol/mol RE loaded on the saponified organic (S)",
        )
        chem(
            "scrub acid",
            "HCl",
            c.name,
            _HCL_PER_RE * c.scrub_mol_h,
            "3 mol/mol RE of the scrub reflux (W)",
        )
        chem(
            "strip acid",
            "HCl",
            c.name,
            _HCL_PER_RE * c.loaded_mol_h,
            "3 mol/mol RE on the loaded organic",
        )
    formula, stoich = PRECIPITANTS[precipitant]
    norms = cost_data()["norms"]
    fuel = norms["calcination_fuel_gj_t"]["value"]
    kwh = norms["calcination_power_kwh_t"]["value"]
    for pr in products:
        if pr.oxide_tpa <= 0:
            continue
        chem(
            "precipitation",
            formula,
            pr.name,
            stoich * precipitant_excess * pr.re_mol_h,
            f"{stoich:g} mol/mol RE × {precipitant_excess:g}",
        )
        rows.append(
            ("calcination fuel", "fuel", pr.name, "GJ", fuel * pr.oxide_tpa, f"{fuel:g} GJ/t oxide")
        )
        rows.append(
            (
                "calcination power",
                "electricity",
                pr.name,
                "MWh",
                kwh * pr.oxide_tpa / 1e3,
                f"{kwh:g} kWh/t oxide",
            )
        )
    kw = norms["mixer_power_kw_m3"]["value"]
    rows.append(
        (
            "SX mixers",
            "electricity",
            "all",
            "MWh",
            kw * mixer_m3 * hours / 1e3,
            f"{kw:g} kW/m3 of mixer volume",
        )
    )
    df = pd.DataFrame(rows, columns=["use", "reagent", "cascade", "unit", "per_year", "basis"])
    df.insert(5, "per_t_product", df["per_year"] / total_t if total_t > 0 else math.nan)
    return df[_REAGENT_COLUMNS]


def _purchased(kind: str, size: float, count: int, p: RefineryParams) -> tuple[float, float]:
    """Purchased cost of ``count`` items of one size [US$] and the Hand factor [-]."""
    e = cost_data()["equipment"][kind]
    unit = (
        e["reference_cost_usd"] * p.cost_escalation * (size / e["reference_size"]) ** e["exponent"]
    )
    return unit * count, float(e["hand_factor"])


def equipment_table(
    sections: Sequence[tuple[str, dict]],
    tanks: Sequence[tuple[str, str, float]],
    products: Sequence[ProductFlow],
    p: RefineryParams,
) -> pd.DataFrame:
    """Equipment list with purchased and installed costs.

    Parameters
    ----------
    sections : sequence of (cascade, section dict)
        Mixer-settler sections from :func:`cascade_sizing`.
    tanks : sequence of (cascade, label, volume_m3)
        Storage tanks [m3].
    products : sequence of ProductFlow
        One precipitation line and one calciner per product with output.
    p : RefineryParams
        Factor method and cost escalation.

    Returns
    -------
    pandas.DataFrame
        Columns listed in :class:`~mine2magnet.processing.types.Refinery`. With Lang's
        method ``installation_factor`` is 1 (the factor applies to the total).
    """
    data = cost_data()["equipment"]
    hand = p.factor_method == "hand"
    rows = []

    def add(
        kind,
        cascade,
        section,
        count,
        size,
        flow=math.nan,
        mix=math.nan,
        sa=math.nan,
        sv=math.nan,
        label=None,
    ):
        if count <= 0 or not size > 0:
            return
        cost, hf = _purchased(kind, size, count, p)
        e = data[kind]
        f = hf if hand else 1.0
        rows.append(
            (
                label or e["label"],
                cascade,
                section,
                count,
                size,
                e["size_unit"],
                flow,
                mix,
                sa,
                sv,
                cost,
                f,
                cost * f,
                f"{e['reference_cost_usd']:,.0f} US$ at {e['reference_size']:g} "
                f"{e['size_unit']}, exponent {e['exponent']:g}; {e['source']}",
            )
        )

    for cascade, s in sections:
        add(
            "mixer_settler",
            cascade,
            s["section"],
            s["count"],
            s["settler_m2"],
            s["flow_m3_h"],
            s["mixer_m3"],
            s["settler_m2"],
            s["settler_m3"],
        )
    for cascade, label, vol in tanks:
        add("storage_tank", cascade, "tanks", 1, vol, label=label)
    for pr in products:
        add("precipitation", pr.name, "product", 1, pr.oxide_tpa)
        add("calciner", pr.name, "product", 1, pr.oxide_tpa)
    return pd.DataFrame(rows, columns=_EQUIPMENT_COLUMNS)


def cost_table(
    equipment: pd.DataFrame,
    reagents: pd.DataFrame,
    organic_m3: float,
    entrained_m3_y: float,
    total_stages: int,
    p: RefineryParams,
) -> pd.DataFrame:
    """Capital and operating cost lines with their basis, source and date.

    Parameters
    ----------
    equipment : pandas.DataFrame
        From :func:`equipment_table`.
    reagents : pandas.DataFrame
        From :func:`reagent_table`.
    organic_m3 : float
        Organic inventory (first fill) [m3].
    entrained_m3_y : float
        Organic lost by entrainment [m3/y].
    total_stages : int
        Mixer-settler stages of the train [-] (labour).
    p : RefineryParams
        Prices, factor method.

    Returns
    -------
    pandas.DataFrame
        Columns ``category`` (capex, opex), ``item``, ``value_usd`` (capex US$, opex
        US$/y), ``quantity``, ``quantity_unit``, ``unit_price``, ``price_unit``,
        ``basis``, ``source``, ``date``.
    """
    data = cost_data()
    f = data["factors"]
    norms = data["norms"]
    rows: list[tuple] = []
    pec = float(equipment["purchased_usd"].sum())
    n_items = int(equipment["count"].sum())
    rows.append(
        (
            "capex",
            "purchased equipment",
            pec,
            n_items,
            "items",
            math.nan,
            "",
            "cost-capacity rule per item (see the equipment table)",
            "Williams1947",
            str(data["meta"]["base_year"]),
        )
    )
    if p.factor_method == "lang":
        lf = f["lang"]
        fci = lf["value"] * pec
        rows.append(
            (
                "capex",
                "installation, piping, instruments, buildings, indirects",
                fci - pec,
                lf["value"],
                "Lang factor",
                math.nan,
                "",
                f"fixed capital = {lf['value']:g} × purchased equipment ({lf['basis']})",
                lf["source"],
                str(lf["date"]),
            )
        )
    else:
        hi = f["hand_indirect"]
        installed = float(equipment["installed_usd"].sum())
        fci = hi["value"] * installed
        rows.append(
            (
                "capex",
                "installation (Hand factors per equipment type)",
                installed - pec,
                math.nan,
                "",
                math.nan,
                "",
                "installed = Σ Hand factor × purchased cost",
                "Hand1958",
                "1958",
            )
        )
        rows.append(
            (
                "capex",
                "indirects on installed cost",
                fci - installed,
                hi["value"],
                "factor",
                math.nan,
                "",
                hi["basis"],
                hi["source"],
                hi["date"],
            )
        )
    comp = organic_composition(p)
    makeup: list[tuple] = []
    for name, key, t_m3 in (
        (f"extractant ({p.extractant})", p.extractant, comp["extractant_t_m3"]),
        ("diluent", "diluent", comp["diluent_t_m3"]),
    ):
        pr = unit_price(key, p)
        t = organic_m3 * t_m3
        rows.append(
            (
                "capex",
                f"organic first fill: {name}",
                t * pr["value"],
                t,
                "t",
                pr["value"],
                pr["unit"],
                f"{organic_m3:,.0f} m3 organic; {pr['basis']}",
                pr["source"],
                pr["date"],
            )
        )
        t_y = entrained_m3_y * t_m3
        makeup.append(
            (
                "opex",
                f"organic make-up: {name}",
                t_y * pr["value"],
                t_y,
                "t/y",
                pr["value"],
                pr["unit"],
                f"entrainment {p.entrainment_ppm:g} ppm of the aqueous leaving each "
                f"cascade ({entrained_m3_y:,.1f} m3/y organic)",
                pr["source"],
                pr["date"],
            )
        )
    rows += makeup
    grouped = reagents.groupby(["reagent", "unit"], sort=False)["per_year"].sum()
    for (reagent, unit), qty in grouped.items():
        pr = unit_price(reagent, p)
        q = qty * (1e3 if unit == "MWh" else 1.0)
        qu = "kWh/y" if unit == "MWh" else f"{unit}/y"
        uses = ", ".join(sorted(set(reagents.loc[reagents["reagent"] == reagent, "use"])))
        rows.append(
            (
                "opex",
                f"{reagent}",
                q * pr["value"],
                q,
                qu,
                pr["value"],
                pr["unit"],
                f"{uses}; {pr['basis']}",
                pr["source"],
                pr["date"],
            )
        )
    lab = unit_price("labour", p)
    per_shift = math.ceil(
        norms["operators_base"]["value"]
        + norms["operators_per_100_stages"]["value"] * total_stages / 100.0
    )
    persons = per_shift * norms["crews"]["value"]
    rows.append(
        (
            "opex",
            "labour",
            persons * lab["value"],
            persons,
            "persons",
            lab["value"],
            lab["unit"],
            f"{per_shift} per shift ({norms['operators_base']['value']:g} + "
            f"{norms['operators_per_100_stages']['value']:g} per 100 stages) × "
            f"{norms['crews']['value']:g} crews; {lab['basis']}",
            lab["source"],
            lab["date"],
        )
    )
    mt = norms["maintenance_pct_fci"]
    rows.append(
        (
            "opex",
            "maintenance",
            mt["value"] / 100.0 * fci,
            fci,
            "US$ fixed capital",
            mt["value"],
            mt["unit"],
            mt["basis"],
            mt["source"],
            mt["date"],
        )
    )
    return pd.DataFrame(rows, columns=_COST_COLUMNS)
