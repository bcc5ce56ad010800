"""Typed inputs and results of the processing stage.

Components
----------
Every stream carries the same components, as tonnes per year of the *element* (not the
oxide): the 15 lanthanides La–Lu (Pm always zero in ores), Y, Th, U, F, Ba, Ca, Fe, and
``other`` — the balance term: the mass of everything else in the ore (silicates, carbonate,
oxygen of CaO, …) that is not tied to a tracked element in its mineral form. Element
balances are exact; ``other`` is balanced exactly as well (it is split like an element).

Stream mass
-----------
Chemical units add reagents and release gases, so the *total* mass of a stream is not a
conserved quantity; it is derived from the element tonnes and the stream's ``form``: each
element counted as the species it is in (``FORMS``), plus ``other``. E.g. thorium counts as
ThO2 in ore, Th(OH)4 in a neutralisation cake; calcium as CaSO4·2H2O in a sulfate residue.
For solutions the "mass" is the oxide-equivalent of the dissolved load; for gases the
element mass. Activity concentrations (Bq/g) use this dry mass.

Columns (see also ``docs/conventions.md``)
------------------------------------------
* ``Flowsheet.streams`` (long): ``stream``, ``unit`` (the unit that produces it),
  ``element`` (one of :data:`COMPONENTS`), ``tonnes_per_year`` [t/y].
* ``Flowsheet.summary`` (one row per stream): ``stream``, ``label``, ``from_unit``,
  ``to_unit``, ``kind`` (feed, reagent, intermediate, product, by-product, residue,
  tailings, effluent, emission), ``phase`` (solid, solution, gas), ``form``,
  ``tonnes_per_year`` [t/y], ``TREO_tpa`` [t/y], ``TREO_pct``, ``ThO2_pct``, ``U3O8_pct``
  [%], ``Th_tpa``, ``U_tpa`` [t/y], ``Th232_Bq_g``, ``U238_Bq_g``, ``total_Bq_g`` [Bq/g],
  ``activity_GBq`` [GBq in one year's flow], ``radioactive`` (solids: a parent nuclide
  above the clearance level; <NA> for solutions and gases).
* ``ProductSlate.products``: ``product``, ``kind`` (separated_oxide, mixed_oxide,
  cerium_product, by-product), ``species`` (the payable species), ``purity`` (payable mass
  fraction [-], 0–1), ``tpa`` (product mass [t/y]), ``payable_tpa`` [t/y], ``TREO_tpa``
  [t/y], ``Th232_Bq_g``, ``U238_Bq_g`` [Bq/g], ``radioactive``, ``stream``,
  ``purity_target`` (the SX design target [-]; NaN for by-products and mixed products).
* ``Refinery`` (the SX separation train, :mod:`mine2magnet.processing.refinery`): see
  :class:`Refinery`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from mine2magnet.chemistry import ATOMIC_WEIGHT, CANONICAL_SPECIES, molar_mass, parse_formula

__all__ = [
    "COMPONENTS",
    "FEED_SPECIES",
    "FORMS",
    "LANTHANIDES_15",
    "REE_16",
    "Feed",
    "Flowsheet",
    "ProductSlate",
    "Refinery",
    "Stream",
    "form_factors",
    "species_factor",
]

#: The 15 lanthanides in atomic-number order, Pm included (always zero in ores).
LANTHANIDES_15: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)  # fmt: skip
#: Rare-earth elements counted in TREO: the lanthanides and yttrium.
REE_16: tuple[str, ...] = (*LANTHANIDES_15, "Y")
#: Tracked components of every stream, in this order; ``other`` is the balance term.
COMPONENTS: tuple[str, ...] = (*REE_16, "Th", "U", "F", "Ba", "Ca", "Fe", "other")

_OXIDE = {**CANONICAL_SPECIES, "Pm": "Pm2O3"}

#: Species each element is counted as, per stream form (``"REE:<template>"`` expands per
#: rare earth). ``"1"`` means the element itself (F; ``other``). Calcium and fluorine count
#: as elements in mineral streams, so fluorite CaF2 is exactly Ca + F and the mass of a
#: physical split is conserved too.
FORMS: dict[str, dict[str, str]] = {
    # ore, concentrates, tailings (the forms of the feed definition)
    "mineral": {"REE": "oxide", "Th": "ThO2", "U": "U3O8", "F": "1", "Ba": "BaSO4",
                "Ca": "1", "Fe": "Fe2O3"},
    # calcined products; also the oxide-equivalent of a dissolved load
    "oxide": {"REE": "oxide", "Th": "ThO2", "U": "U3O8", "F": "1", "Ba": "BaO",
              "Ca": "CaO", "Fe": "Fe2O3"},
    # acid-bake water-leach residue: gypsum, barite, hematite, unreacted REE as oxide eq.
    "sulfate_residue": {"REE": "oxide", "Th": "ThO2", "U": "U3O8", "F": "1", "Ba": "BaSO4",
                        "Ca": "CaSO6H4", "Fe": "Fe2O3"},
    # neutralisation cake: Th(OH)4, UO2(OH)2, FeO(OH), RE(OH)3, gypsum, barite
    "hydroxide_residue": {"REE": "hydroxide", "Th": "ThO4H4", "U": "UO4H2", "F": "1",
                          "Ba": "BaSO4", "Ca": "CaSO6H4", "Fe": "FeO2H"},
    # the same cake from chloride liquor: Ca (if any precipitates) as Ca(OH)2
    "hydroxide_residue_chloride": {"REE": "hydroxide", "Th": "ThO4H4", "U": "UO4H2",
                                   "F": "1", "Ba": "BaSO4", "Ca": "CaO2H2", "Fe": "FeO2H"},
    # oxidative Ce precipitate: Ce(OH)4, other RE(OH)3
    "ce_hydroxide": {"REE": "hydroxide", "Ce": "CeO4H4", "Th": "ThO4H4", "U": "UO4H2",
                     "F": "1", "Ba": "BaSO4", "Ca": "CaSO6H4", "Fe": "FeO2H"},
    # RE2(C2O4)3·10H2O, Th(C2O4)2·6H2O, CaC2O4·H2O, FeC2O4·2H2O, UO2C2O4, BaC2O4
    "oxalate": {"REE": "oxalate", "Th": "ThC4O14H12", "U": "UC2O6", "F": "1", "Ba": "BaC2O4",
                "Ca": "CaC2O5H2", "Fe": "FeC2O6H4"},
    # RE2(CO3)3, Th(CO3)2, UO2CO3, BaCO3, CaCO3, FeCO3
    "carbonate": {"REE": "carbonate", "Th": "ThC2O6", "U": "UCO5", "F": "1", "Ba": "BaCO3",
                  "Ca": "CaCO3", "Fe": "FeCO3"},
    # gases and anything counted as elements
    "element": {"REE": "element", "Th": "1", "U": "1", "F": "1", "Ba": "1", "Ca": "1",
                "Fe": "1"},
}  # fmt: skip

_REE_TEMPLATE = {
    "oxide": lambda el: _OXIDE[el],
    "hydroxide": lambda el: f"{el}O3H3",
    "oxalate": lambda el: f"{el}2C6O22H20",
    "carbonate": lambda el: f"{el}2C3O9",
    "element": lambda el: "1",
}

#: Species accepted in a feed composition (``<species>_pct``): the canonical rare-earth
#: oxides, ThO2, U3O8, the gangue minerals of a fluorite–barite–REE ore, and non-fluorite
#: Ca (as CaO, e.g. calcite) and F (as F, e.g. bastnäsite fluorine).
FEED_SPECIES: tuple[str, ...] = (
    *(_OXIDE[e] for e in REE_16 if e != "Pm"),
    "ThO2", "U3O8", "CaF2", "BaSO4", "Fe2O3", "CaO", "F",
)  # fmt: skip


def species_factor(species: str, element: str) -> float:
    """Mass of ``species`` per unit mass of ``element`` in it [-] (``"1"`` → 1).

    Examples
    --------
    >>> round(species_factor("CaSO6H4", "Ca"), 3)  # gypsum per Ca
    4.296
    """
    if species == "1":
        return 1.0
    n = dict(parse_formula(species))[element]
    return molar_mass(species) / (n * ATOMIC_WEIGHT[element])


@cache
def form_factors(form: str) -> np.ndarray:
    """Species-per-element factors of every component in a stream form [-].

    Parameters
    ----------
    form : str
        A key of :data:`FORMS`.

    Returns
    -------
    numpy.ndarray
        One factor per :data:`COMPONENTS` entry (``other`` is 1); read-only.
    """
    spec = FORMS[form]
    out = np.ones(len(COMPONENTS))
    for i, el in enumerate(COMPONENTS):
        if el == "other":
            continue
        if el in spec:
            out[i] = species_factor(spec[el], el)
        elif el in REE_16:
            out[i] = species_factor(_REE_TEMPLATE[spec["REE"]](el), el)
    out.setflags(write=False)
    return out


@cache
def _feed_element_fractions(species: str) -> dict[str, float]:
    parts = dict(parse_formula(species))
    m = molar_mass(species)
    return {el: n * ATOMIC_WEIGHT[el] / m for el, n in parts.items() if el in COMPONENTS}


@dataclass(frozen=True)
class Feed:
    """Ore fed to the plant: tonnes per year and composition.

    Parameters
    ----------
    ore_tpa : float
        Dry ore processed [t/y].
    grades_pct : Mapping[str, float]
        Composition as ``<species>_pct`` [wt %], species from :data:`FEED_SPECIES`
        (e.g. ``La2O3_pct``, ``CeO2_pct``, ``ThO2_pct``, ``CaF2_pct``, ``BaSO4_pct``).
        Missing species are zero; the rest of the ore is ``other``.
    source : str, optional
        Where the feed comes from (``"project file"``, a schedule period, …).

    Examples
    --------
    >>> f = Feed(1000.0, {"Nd2O3_pct": 1.0, "CaF2_pct": 40.0})
    >>> round(float(f.element_tpa()["Nd"]), 3), round(f.TREO_pct, 3)
    (8.574, 1.0)
    """

    ore_tpa: float
    grades_pct: Mapping[str, float]
    source: str = "project file"

    def __post_init__(self) -> None:
        if not np.isfinite(self.ore_tpa) or self.ore_tpa < 0:
            raise ValueError(f"ore_tpa must be a finite non-negative number, got {self.ore_tpa}")
        allowed = {f"{s}_pct" for s in FEED_SPECIES}
        clean: dict[str, float] = {}
        for key, value in self.grades_pct.items():
            if key not in allowed:
                raise ValueError(f"unknown feed grade column {key!r}; use one of {sorted(allowed)}")
            v = float(value)
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"feed grade {key} must be finite and >= 0, got {value!r}")
            clean[key] = v
        object.__setattr__(self, "grades_pct", MappingProxyType(clean))
        mineral_pct = float(self.element_pct()[:-1] @ form_factors("mineral")[:-1])
        if mineral_pct > 100.0 + 1e-9:
            raise ValueError(
                f"feed composition sums to {mineral_pct:.4g} % (REE as oxides, Th as ThO2, "
                "U as U3O8, Ba as BaSO4, Fe as Fe2O3, Ca and F as elements) > 100 %"
            )

    def element_pct(self) -> np.ndarray:
        """Element mass percentages in :data:`COMPONENTS` order, ``other`` last [wt %]."""
        out = np.zeros(len(COMPONENTS))
        index = {el: i for i, el in enumerate(COMPONENTS)}
        for key, value in self.grades_pct.items():
            for el, frac in _feed_element_fractions(key.removesuffix("_pct")).items():
                out[index[el]] += value * frac
        out[-1] = max(0.0, 100.0 - float(out[:-1] @ form_factors("mineral")[:-1]))
        return out

    def element_tpa(self) -> pd.Series:
        """Element tonnes per year in :data:`COMPONENTS` order, ``other`` included [t/y]."""
        return pd.Series(
            self.element_pct() * (self.ore_tpa / 100.0), index=list(COMPONENTS), name="feed"
        )

    @property
    def TREO_pct(self) -> float:
        """Total rare-earth oxide grade [wt %]."""
        return float(sum(self.grades_pct.get(f"{_OXIDE[e]}_pct", 0.0) for e in REE_16))


@dataclass(frozen=True)
class Stream:
    """One stream of a flowsheet (a convenience view of a :class:`Flowsheet` row).

    Attributes
    ----------
    name, label : str
        Identifier and human-readable name.
    from_unit, to_unit : str
        Producing unit (``"mine"`` or ``"reagents"`` for sources) and receiving unit or
        sink (``"market"``, ``"tailings storage"``, …).
    kind, phase, form : str
        See the module docstring.
    element_tpa : pandas.Series
        Tonnes per year of each component [t/y], indexed by :data:`COMPONENTS`.
    tonnes_per_year : float
        Mass of the stream in its form [t/y].
    """

    name: str
    label: str
    from_unit: str
    to_unit: str
    kind: str
    phase: str
    form: str
    element_tpa: pd.Series
    tonnes_per_year: float


@dataclass(frozen=True)
class ProductSlate:
    """Products and by-products with purity and tonnes per year (consumed by economics).

    Attributes
    ----------
    products : pandas.DataFrame
        One row per product; columns in the module docstring. ``purity`` is a mass
        fraction in [0, 1] of the payable species in the product as sold (oxides for
        the refinery products, CaF2 and BaSO4 for the by-product concentrates).
    composition : pandas.DataFrame
        Long table ``product``, ``element``, ``tonnes_per_year`` [t/y element] and
        ``species_tpa`` [t/y in the product's form], for pricing mixed products.
    refinery_capex_usd : float or None
        Capital cost of the SX refinery (factored estimate) [US$]; None without a
        refinery design.
    refinery_opex_usd_per_year : float or None
        Operating cost of the SX refinery [US$/y]; None without a refinery design.
    refinery_costs : pandas.DataFrame or None
        The refinery's capex and opex lines (:attr:`Refinery.costs`).
    """

    products: pd.DataFrame
    composition: pd.DataFrame
    refinery_capex_usd: float | None = None
    refinery_opex_usd_per_year: float | None = None
    refinery_costs: pd.DataFrame | None = None

    def tpa(self, product: str) -> float:
        """Tonnes per year of one product [t/y] (KeyError if absent)."""
        row = self.products.loc[self.products["product"] == product]
        if row.empty:
            raise KeyError(f"no product {product!r}; have {list(self.products['product'])}")
        return float(row["tpa"].iloc[0])


@dataclass(frozen=True)
class Refinery:
    """Design of the SX separation train: cascades, products, reagents, equipment, costs.

    Attributes
    ----------
    cascades : pandas.DataFrame
        One row per cascade: ``cascade``, ``cut``, ``source``, ``feed_phase``,
        ``bypassed`` (one side had nothing to separate), ``key_pair``, ``beta_key`` [-],
        stage counts ``n_extraction``, ``n_scrub``, ``n_strip``, ``n_total`` [-],
        ``feed_stage``, purity targets and results ``extract_purity_target``,
        ``raffinate_purity_target``, ``extract_purity``, ``raffinate_purity`` [mol/mol],
        ``feed_REO_tpa``, ``extract_REO_tpa``, ``raffinate_REO_tpa``, ``loss_REO_tpa``
        [t/y], ``organic_RE_kmol_h``, ``scrub_RE_kmol_h`` [kmol/h], ``reflux_ratio``
        (W / W_min of the key pair) [-], ``extraction_ratio``, ``scrub_ratio`` [-],
        ``feed_m3_h``, ``organic_m3_h``, ``scrub_m3_h``, ``strip_m3_h`` [m3/h],
        ``oa_extraction``, ``oa_scrub``, ``oa_strip`` [-], ``mixer_m3``, ``settler_m2``,
        ``settler_m3`` (all stages) and ``organic_inventory_m3``.
    products : pandas.DataFrame
        ``product``, ``species``, ``elements``, ``purity_target``, ``purity`` (oxide mass
        fraction of the payable elements) [-], ``tpa`` (oxide in the product liquor)
        [t/y], ``payable_tpa`` [t/y], ``recovery`` (payable oxide / payable oxide fed)
        [-], ``cascade``, ``stream`` (extract or raffinate), ``meets_target``.
    reagents : pandas.DataFrame
        ``use``, ``reagent``, ``cascade``, ``unit`` (t, GJ, MWh), ``per_year`` [unit/y],
        ``per_t_product`` [unit per t of all products], ``basis``.
    equipment : pandas.DataFrame
        ``item``, ``cascade``, ``section``, ``count``, ``size``, ``size_unit``,
        ``flow_m3_h``, ``mixer_m3``, ``settler_m2``, ``settler_m3`` (per unit),
        ``purchased_usd`` (all units) [US$], ``installation_factor`` [-],
        ``installed_usd`` [US$], ``basis``.
    costs : pandas.DataFrame
        Capital and operating cost lines: ``category`` (capex, opex), ``item``,
        ``value_usd`` (capex US$; opex US$/y), ``quantity``, ``quantity_unit``,
        ``unit_price``, ``price_unit``, ``basis``, ``source``, ``date``.
    distribution : pandas.DataFrame
        Where each element of the SX feed goes: ``element``, ``destination`` (a product
        or ``losses``), ``fraction`` [-], ``tonnes_per_year`` [t/y element].
    feed_oxide_tpa : pandas.Series
        The SX feed, rare-earth oxides [t/y], indexed by oxide species.
    system : str
        Extractant system and where its separation factors come from.
    designs : tuple
        The :class:`~mine2magnet.processing.sx.DesignResult` of each cascade (None where
        bypassed), for stage profiles and plots.
    """

    cascades: pd.DataFrame
    products: pd.DataFrame
    reagents: pd.DataFrame
    equipment: pd.DataFrame
    costs: pd.DataFrame
    distribution: pd.DataFrame
    feed_oxide_tpa: pd.Series
    system: str
    designs: tuple = field(default=(), repr=False)

    @property
    def total_stages(self) -> int:
        """All extraction, scrub and strip stages of the train [-]."""
        return int(self.cascades["n_total"].sum())

    @property
    def capex_usd(self) -> float:
        """Capital cost, sum of the capex lines [US$]."""
        return float(self.costs.loc[self.costs["category"] == "capex", "value_usd"].sum())

    @property
    def opex_usd_per_year(self) -> float:
        """Operating cost, sum of the opex lines [US$/y]."""
        return float(self.costs.loc[self.costs["category"] == "opex", "value_usd"].sum())


@dataclass(frozen=True)
class Flowsheet:
    """Steady-state mass balance from run-of-mine ore to products.

    Attributes
    ----------
    streams : pandas.DataFrame
        Long table ``stream``, ``unit``, ``element``, ``tonnes_per_year`` [t/y].
    summary : pandas.DataFrame
        One row per stream (columns in the module docstring).
    units : pandas.DataFrame
        ``unit``, ``label``, ``model`` (the recovery/grade model and its parameters),
        ``inputs``, ``outputs`` (comma-separated stream names).
    reagents : pandas.DataFrame
        ``unit``, ``reagent``, ``tonnes_per_year`` [t/y], ``basis``.
    checks : pandas.DataFrame
        ``check``, ``status`` (ok, info, warning), ``value``, ``reference``, ``message`` —
        e.g. the gap between an announced output and what the flowsheet recovers.
    kpis : pandas.DataFrame
        ``kpi``, ``value``, ``unit``.
    products : ProductSlate
        The product slate.
    feed : Feed
        The feed the balance was run on.
    input_hash : str
        Hash of the feed and the parameters (16 hex characters).
    refinery : Refinery or None
        The SX train design when ``[processing.refinery]`` is given.
    """

    streams: pd.DataFrame
    summary: pd.DataFrame
    units: pd.DataFrame
    reagents: pd.DataFrame
    checks: pd.DataFrame
    kpis: pd.DataFrame
    products: ProductSlate
    feed: Feed
    input_hash: str = field(default="")
    refinery: Refinery | None = field(default=None, repr=False)

    @property
    def warnings(self) -> list[str]:
        """Messages of the checks whose status is ``warning``."""
        return list(self.checks.loc[self.checks["status"] == "warning", "message"])

    def kpi(self, name: str) -> float:
        """Value of one KPI (KeyError if absent)."""
        row = self.kpis.loc[self.kpis["kpi"] == name]
        if row.empty:
            raise KeyError(f"no KPI {name!r}")
        return float(row["value"].iloc[0])

    def stream(self, name: str) -> Stream:
        """One stream as a :class:`Stream` (KeyError if absent)."""
        row = self.summary.loc[self.summary["stream"] == name]
        if row.empty:
            raise KeyError(f"no stream {name!r}; have {list(self.summary['stream'])}")
        r = row.iloc[0]
        tpa = self.streams.loc[self.streams["stream"] == name].set_index("element")[
            "tonnes_per_year"
        ]
        return Stream(
            name=name,
            label=str(r["label"]),
            from_unit=str(r["from_unit"]),
            to_unit=str(r["to_unit"]),
            kind=str(r["kind"]),
            phase=str(r["phase"]),
            form=str(r["form"]),
            element_tpa=tpa.reindex(list(COMPONENTS)).rename(name),
            tonnes_per_year=float(r["tonnes_per_year"]),
        )
