"""Schema of the ``[processing]`` section of ``project.toml``.

:class:`ProcessingParams` validates the raw ``Project.processing`` dict; every error is a
:class:`~mine2magnet.errors.ConfigError` that names the dotted key (e.g.
``processing.beneficiation.rare_earth.recovery_pct``), the value and the fix.

Sources of the defaults
-----------------------
Each default says where it comes from in its field description. Three kinds:

* *cited*: a published figure (source named);
* *DOMAIN*: ``../shared/DOMAIN.md`` (its own sources given there);
* *assumption*: a placeholder chosen by this toolkit to give a plausible balance. Replace
  every assumption with test-work for a real project; the report lists them.

Percent values end in ``_pct`` and are in [0, 100]; per-element dictionaries accept the
tracked elements (``La`` … ``Lu``, ``Y``, ``Th``, ``U``, ``F``, ``Ba``, ``Ca``, ``Fe``,
``other``) and the group keys ``REE`` (La–Lu + Y), ``LREE`` (La–Sm), ``HREE`` (Eu–Lu + Y);
a single element overrides its group.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from mine2magnet.config import validate_section
from mine2magnet.processing.refinery_params import RefineryParams
from mine2magnet.processing.types import COMPONENTS, LANTHANIDES_15, REE_16

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "BariteCircuit",
    "BeneficiationParams",
    "CeriumRemovalParams",
    "ChecksParams",
    "ComminutionParams",
    "CrackingParams",
    "FeedParams",
    "FluoriteCircuit",
    "ImpurityRemovalParams",
    "PrecipitationParams",
    "ProcessingParams",
    "RadioactivityParams",
    "RareEarthCircuit",
    "RefineryParams",
    "SeparationParams",
    "SxProduct",
    "TargetsParams",
    "cracking_route",
    "expand_elements",
    "processing_params",
    "ree_distribution",
    "with_sx_products",
]

Pct = Annotated[float, Field(ge=0, le=100)]
PositivePct = Annotated[float, Field(gt=0, le=100)]
#: Keys of per-element dictionaries: the tracked components and the groups.
ElementKey = Literal[
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
    "Y", "Th", "U", "F", "Ba", "Ca", "Fe", "other", "REE", "LREE", "HREE",
]  # fmt: skip

#: Group keys accepted in per-element dictionaries.
ELEMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "REE": REE_16,
    "LREE": ("La", "Ce", "Pr", "Nd", "Pm", "Sm"),
    "HREE": ("Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"),
}
_GROUP_ORDER = ("REE", "LREE", "HREE")


def expand_elements(mapping: Mapping[str, float]) -> dict[str, float]:
    """Expand group keys (REE, LREE, HREE) of a per-element mapping; elements win.

    Parameters
    ----------
    mapping : Mapping[str, float]
        Element or group → value.

    Returns
    -------
    dict[str, float]
        Element → value, only for the elements covered.

    Examples
    --------
    >>> expand_elements({"REE": 95.0, "Ce": 10.0})["Ce"], expand_elements({"REE": 95.0})["Y"]
    (10.0, 95.0)
    """
    out: dict[str, float] = {}
    for group in _GROUP_ORDER:
        if group in mapping:
            out.update(dict.fromkeys(ELEMENT_GROUPS[group], mapping[group]))
    out.update({k: v for k, v in mapping.items() if k not in ELEMENT_GROUPS})
    return out


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- data files


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("mine2magnet.processing").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def ree_distribution(name: str) -> dict[str, float]:
    """A cited rare-earth distribution, % of TREO by oxide, renormalised to 100.

    Parameters
    ----------
    name : str
        A table of ``data/ree_distributions.toml`` (``mountain_pass``, ``bayan_obo``).

    Returns
    -------
    dict[str, float]
        ``<oxide>_pct`` → percent of TREO [%].

    Examples
    --------
    >>> round(ree_distribution("bayan_obo")["Nd2O3_pct"], 2)
    18.57
    """
    table = _data("ree_distributions.toml")
    if name not in table:
        raise KeyError(f"unknown REE distribution {name!r}; have {sorted(table)}")
    values = {k: float(v) for k, v in table[name].items() if k != "source"}
    total = sum(values.values())
    return {f"{k}_pct": 100.0 * v / total for k, v in values.items()}


def cracking_route(name: str) -> dict[str, Any]:
    """Defaults of one cracking route from ``data/cracking_routes.toml`` (see its header)."""
    table = _data("cracking_routes.toml")
    if name not in table:
        raise KeyError(f"unknown cracking route {name!r}; have {sorted(table)}")
    return table[name]


# ---------------------------------------------------------------------------- sections


_REO_FIELDS = ("La2O3", "CeO2", "Pr6O11", "Nd2O3", "Sm2O3", "Eu2O3", "Gd2O3", "Tb4O7",
               "Dy2O3", "Ho2O3", "Er2O3", "Tm2O3", "Yb2O3", "Lu2O3", "Y2O3")  # fmt: skip


class FeedParams(_Strict):
    """Plant feed from the project file (until the mine schedule provides it).

    Give either ``TREO_pct`` with a ``distribution`` (a cited light-REE pattern), or the
    individual rare-earth oxides (``La2O3_pct`` …). The rest of the ore is ``other``.
    """

    ore_tpa: float = Field(gt=0, description="Dry ore processed [t/y].")
    TREO_pct: Pct | None = Field(default=None, description="Total REO grade [wt %].")
    distribution: str | None = Field(
        default=None,
        description="REE pattern (% of TREO) from data/ree_distributions.toml: "
        "'mountain_pass' or 'bayan_obo' (Castor & Hedrick 2006 via USGS SIR 2010-5220).",
    )
    La2O3_pct: Pct | None = None
    CeO2_pct: Pct | None = None
    Pr6O11_pct: Pct | None = None
    Nd2O3_pct: Pct | None = None
    Sm2O3_pct: Pct | None = None
    Eu2O3_pct: Pct | None = None
    Gd2O3_pct: Pct | None = None
    Tb4O7_pct: Pct | None = None
    Dy2O3_pct: Pct | None = None
    Ho2O3_pct: Pct | None = None
    Er2O3_pct: Pct | None = None
    Tm2O3_pct: Pct | None = None
    Yb2O3_pct: Pct | None = None
    Lu2O3_pct: Pct | None = None
    Y2O3_pct: Pct | None = None
    ThO2_pct: Pct = Field(default=0.0, description="Thorium as ThO2 [wt %].")
    U3O8_pct: Pct = Field(default=0.0, description="Uranium as U3O8 [wt %].")
    CaF2_pct: Pct = Field(default=0.0, description="Fluorite [wt %].")
    BaSO4_pct: Pct = Field(default=0.0, description="Barite [wt %].")
    Fe2O3_pct: Pct = Field(default=0.0, description="Iron as Fe2O3 [wt %].")
    CaO_pct: Pct = Field(
        default=0.0, description="Non-fluorite calcium (calcite, apatite) as CaO [wt %]."
    )
    F_pct: Pct = Field(default=0.0, description="Non-fluorite fluorine (bastnäsite) [wt %].")

    @field_validator("distribution")
    @classmethod
    def _known_distribution(cls, v: str | None) -> str | None:
        if v is not None:
            have = sorted(_data("ree_distributions.toml"))
            if v not in have:
                raise ValueError(f"unknown distribution {v!r}; use one of {have}")
        return v

    @model_validator(mode="after")
    def _one_way(self) -> FeedParams:
        explicit = [f"{s}_pct" for s in _REO_FIELDS if getattr(self, f"{s}_pct") is not None]
        if (self.TREO_pct is None) != (self.distribution is None):
            raise ValueError(
                "give TREO_pct and distribution together (or neither, with the individual "
                "oxides La2O3_pct, CeO2_pct, …)"
            )
        if self.TREO_pct is not None and explicit:
            raise ValueError(
                f"give either TREO_pct + distribution or the individual oxides, not both "
                f"(found {explicit[0]})"
            )
        total = sum(self.grades_pct().values())
        if total > 100.0:
            raise ValueError(f"the feed grades sum to {total:.4g} % > 100 %")
        return self

    def grades_pct(self) -> dict[str, float]:
        """The composition as ``<species>_pct`` → wt % (expanded distribution)."""
        out: dict[str, float] = {}
        if self.TREO_pct is not None and self.distribution is not None:
            for k, share in ree_distribution(self.distribution).items():
                out[k] = self.TREO_pct * share / 100.0
        else:
            for s in _REO_FIELDS:
                v = getattr(self, f"{s}_pct")
                if v is not None:
                    out[f"{s}_pct"] = v
        for k in ("ThO2", "U3O8", "CaF2", "BaSO4", "Fe2O3", "CaO", "F"):
            out[f"{k}_pct"] = getattr(self, f"{k}_pct")
        return out


class ComminutionParams(_Strict):
    """Crushing and grinding: no separation except optional desliming (mass pull only)."""

    desliming_mass_pct: Pct = Field(
        default=0.0,
        description="Mass rejected as slimes at feed grade (no upgrading) [%]. Assumption: "
        "0. Beylikova's REE minerals are very fine (DOMAIN §1), so desliming loses REE "
        "pro rata.",
    )
    bond_work_index_kwh_t: float = Field(
        default=12.0,
        gt=0,
        description="Bond ball-mill work index [kWh/t]. Assumption: 12, a medium ore.",
    )
    f80_um: float = Field(default=10_000.0, gt=0, description="Feed 80 % passing size [µm].")
    p80_um: float = Field(
        default=38.0,
        gt=0,
        description="Grind 80 % passing size [µm]. Assumption: 38 µm, because the REE "
        "minerals are much finer than 38 µm (DOMAIN §1).",
    )

    @model_validator(mode="after")
    def _sizes(self) -> ComminutionParams:
        if self.p80_um >= self.f80_um:
            raise ValueError(f"p80_um ({self.p80_um}) must be smaller than f80_um ({self.f80_um})")
        return self


Method = Literal["flotation", "gravity", "magnetic", "gravity+magnetic", "flotation+gravity"]


class _Circuit(_Strict):
    """A beneficiation circuit: recovery of the key mineral and concentrate grade.

    Model ``grade``: the key mineral is recovered at ``recovery_pct`` and the concentrate
    is diluted to ``concentrate_grade_pct`` by non-selective entrainment of everything
    else (one gangue recovery for all non-key components, solved from the grade).
    Model ``selectivity``: the gangue recovery follows Gaudin's selectivity index
    ``SI = sqrt(R_v (1 - R_g) / (R_g (1 - R_v)))`` (Gaudin 1939, Principles of Mineral
    Dressing), and the grade is a result — a one-parameter recovery–grade curve.
    ``element_recovery_pct`` sets the recovery of single non-key elements explicitly.
    """

    _key_elements: ClassVar[tuple[str, ...]] = ()

    enabled: bool = True
    method: Method = "flotation"
    recovery_pct: Pct
    model: Literal["grade", "selectivity"] = "grade"
    concentrate_grade_pct: PositivePct
    selectivity_index: float | None = Field(
        default=None, ge=1, description="Gaudin selectivity index [-] (model 'selectivity')."
    )
    element_recovery_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict,
        description="Recovery of single non-key elements to the concentrate [%], "
        "overriding the entrainment model.",
    )

    @field_validator("element_recovery_pct")
    @classmethod
    def _elements(cls, v: dict[str, float]) -> dict[str, float]:
        key = set(cls._key_elements)
        clash = [k for k in expand_elements(v) if k in key]
        if clash:
            raise ValueError(
                f"{clash[0]!r} is a key element of this circuit; set recovery_pct instead"
            )
        return v

    @model_validator(mode="after")
    def _model_inputs(self) -> _Circuit:
        if self.model == "selectivity" and self.selectivity_index is None:
            raise ValueError("model 'selectivity' needs selectivity_index (>= 1)")
        return self


class RareEarthCircuit(_Circuit):
    """Rare-earth mineral (bastnäsite) circuit; key elements La–Lu + Y; grade as TREO %."""

    _key_elements: ClassVar[tuple[str, ...]] = REE_16

    recovery_pct: Pct = Field(
        default=50.0,
        description="REO recovery to the concentrate [%]. Assumption: 50, the middle of the "
        "30–70 % typical for flotation (DOMAIN §1); Beylikova centrifugal test-work gave "
        "32–42 % (Döğme 2025, PhD thesis METU, open.metu.edu.tr/handle/11511/116067).",
    )
    concentrate_grade_pct: PositivePct = Field(
        default=30.0,
        description="Concentrate grade [% TREO]. Assumption: 30; Beylikova test-work "
        "reached 20–40 % TREE (Döğme 2025); Mountain Pass/Bayan Obo flotation "
        "concentrates are ~50–60 % REO.",
    )
    radionuclide_recovery_pct: Pct | None = Field(
        default=None,
        description="Th and U recovery to the REE concentrate [%]; None: the same as the "
        "REE (assumption: Th sits in the REE minerals, e.g. Th-parisite, monazite — "
        "Minerals Engineering 186 (2022) 107733).",
    )


class FluoriteCircuit(_Circuit):
    """Fluorite by-product circuit (from the REE circuit's tailings); grade as CaF2 %.

    The key is fluorite: Ca and F in the CaF2 ratio; surplus Ca (calcite) or F
    (bastnäsite) is gangue. CaF2 of a stream = min(Ca, F) in CaF2 equivalents.
    """

    _key_elements: ClassVar[tuple[str, ...]] = ("Ca", "F")

    recovery_pct: Pct = Field(default=70.0, description="CaF2 recovery [%]. Assumption: 70.")
    concentrate_grade_pct: PositivePct = Field(
        default=97.0,
        description="Concentrate grade [% CaF2]. Default 97: acid grade (acidspar "
        "> 97 % CaF2, USGS Mineral Commodity Summaries, Fluorspar).",
    )
    saleable_grade_pct: PositivePct = Field(
        default=97.0, description="Grade checked for saleability [% CaF2] (acidspar, USGS)."
    )


class BariteCircuit(_Circuit):
    """Barite by-product circuit (from the fluorite circuit's tailings); grade as BaSO4 %."""

    _key_elements: ClassVar[tuple[str, ...]] = ("Ba",)

    recovery_pct: Pct = Field(default=80.0, description="BaSO4 recovery [%]. Assumption: 80.")
    concentrate_grade_pct: PositivePct = Field(
        default=92.0,
        description="Concentrate grade [% BaSO4]. Assumption: 92; drilling barite is "
        "specified by density (API 13A, >= 4.20 or 4.10 g/cm3), roughly 90–92 % BaSO4.",
    )
    saleable_grade_pct: PositivePct = Field(
        default=90.0, description="Grade checked for saleability [% BaSO4]. Assumption: 90."
    )


class BeneficiationParams(_Strict):
    """Circuits in series: rare earth → fluorite (on REE tails) → barite (on fluorite tails)."""

    rare_earth: RareEarthCircuit = RareEarthCircuit()
    fluorite: FluoriteCircuit = FluoriteCircuit()
    barite: BariteCircuit = BariteCircuit()

    @field_validator("rare_earth")
    @classmethod
    def _ree_on(cls, v: RareEarthCircuit) -> RareEarthCircuit:
        if not v.enabled:
            raise ValueError("the rare-earth circuit cannot be disabled (it feeds cracking)")
        return v


CrackingRoute = Literal["acid_bake_high_t", "acid_bake_low_t", "caustic", "roast_leach"]


class CrackingParams(_Strict):
    """Decomposition of the REE concentrate and leach (defaults per route in
    ``data/cracking_routes.toml``; see its header for sources and assumptions)."""

    route: CrackingRoute = Field(
        default="acid_bake_high_t",
        description="acid_bake_high_t (Th to residue), acid_bake_low_t (Th dissolves), "
        "caustic (NaOH), roast_leach (oxidising roast + HCl; Ce stays in the residue).",
    )
    dissolution_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict, description="Overrides: % of each element to the leach liquor."
    )
    volatilisation_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict,
        description="Overrides: % of each element to the fluoride stream (off-gas or wash).",
    )
    reagent_excess_factor: float = Field(
        default=1.5,
        ge=1,
        description="Reagent use over stoichiometry [-]. Assumption: 1.5.",
    )

    def fractions(self) -> tuple[dict[str, float], dict[str, float]]:
        """Dissolution and volatilisation per element [%], route defaults + overrides."""
        route = cracking_route(self.route)
        d = expand_elements({**route["dissolution"], **self.dissolution_pct})
        v = expand_elements({**route.get("volatilisation", {}), **self.volatilisation_pct})
        return d, v

    @model_validator(mode="after")
    def _at_most_100(self) -> CrackingParams:
        d, v = self.fractions()
        for el in COMPONENTS:
            if d.get(el, 0.0) + v.get(el, 0.0) > 100.0 + 1e-9:
                raise ValueError(
                    f"dissolution_pct.{el} + volatilisation_pct.{el} is "
                    f"{d.get(el, 0.0) + v.get(el, 0.0):g} % > 100 %"
                )
        return self


Neutralant = Literal["MgO", "limestone", "lime", "ammonia", "NaOH"]


class ImpurityRemovalParams(_Strict):
    """Neutralisation of the leach liquor to pH ~3.5–4.5: Th, U, Fe (and Al, P in
    ``other``) precipitate as a hydroxide cake — the thorium residue."""

    neutralant: Neutralant = Field(
        default="MgO",
        description="Base used: MgO, limestone (CaCO3), lime (Ca(OH)2), ammonia, NaOH. "
        "Ca-based bases add Ca (gypsum) to the cake and dilute its activity.",
    )
    precipitation_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict,
        description="Overrides: % of each element to the cake. Defaults (assumptions): "
        "Th 99, U 50, Fe 98, Ba 100, F 50, other 50, REE 3 (co-precipitation loss); Ca "
        "in sulfate liquor (acid bake) 90 with a Ca-based neutralant else 30 (gypsum), in "
        "chloride liquor 0.",
    )
    residual_acid_t_per_t_concentrate: float = Field(
        default=0.1,
        ge=0,
        description="Free H2SO4 left in the liquor per t of concentrate cracked [t/t]. "
        "Assumption: 0.1.",
    )
    neutralant_excess_factor: float = Field(default=1.1, ge=1, description="[-]. Assumption.")
    thorium_is_product: bool = Field(
        default=False,
        description="Report the Th cake as a thorium concentrate (stockpiled product) "
        "rather than a residue.",
    )

    def fractions(self, medium: str = "sulfate") -> dict[str, float]:
        """Precipitation per element [%], defaults + overrides.

        Parameters
        ----------
        medium : {"sulfate", "chloride"}
            Anion of the leach liquor (from the cracking route): gypsum forms only in
            sulfate liquor.
        """
        if medium == "chloride":
            ca = 0.0
        else:
            ca = 90.0 if self.neutralant in ("limestone", "lime") else 30.0
        base = {"REE": 3.0, "Th": 99.0, "U": 50.0, "Fe": 98.0, "Ba": 100.0, "F": 50.0,
                "other": 50.0, "Ca": ca}  # fmt: skip
        return expand_elements({**base, **self.precipitation_pct})


class CeriumRemovalParams(_Strict):
    """Optional oxidative Ce separation: Ce(III) → Ce(IV) (H2O2) and precipitation of
    Ce(OH)4 at pH ~3–4, ahead of SX (halves the SX load of a bastnäsite feed)."""

    enabled: bool = False
    precipitation_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict,
        description="Overrides: % of each element to the Ce(IV) precipitate. Defaults "
        "(assumptions): Ce 95, other REE 2, Th 95, U 10, Fe 50.",
    )
    oxidant_excess_factor: float = Field(default=1.5, ge=1, description="[-]. Assumption.")

    def fractions(self) -> dict[str, float]:
        """Precipitation per element [%], defaults + overrides."""
        base = {"REE": 2.0, "Ce": 95.0, "Th": 95.0, "U": 10.0, "Fe": 50.0}
        return expand_elements({**base, **self.precipitation_pct})


class SxProduct(_Strict):
    """One product of the SX separation train.

    Placeholder model (no ``distribution_pct``): ``recovery_pct`` of each payable element
    goes to the product; the product then takes other rare earths until its purity
    (payable oxides / all oxides) is ``purity_pct`` — contamination drawn pro rata from the
    unrecovered rare earths. Designed model (``distribution_pct`` from the refinery
    design, :func:`mine2magnet.processing.refinery.refinery_sx_products`): the product
    receives exactly that share of every rare earth of the SX feed; ``recovery_pct`` and
    ``purity_pct`` are then the design's recovery and purity target (reported, checked).
    """

    name: str = Field(min_length=1, description="Product name, e.g. 'NdPr oxide'.")
    elements: list[str] = Field(min_length=1, description="Payable rare earths.")
    recovery_pct: Pct = Field(
        default=98.0, description="Recovery of the payable elements [%]. Assumption: 98."
    )
    purity_pct: PositivePct = Field(
        default=99.5,
        description="Purity [% of product oxides]. Default 99.5, the usual separated-"
        "oxide grade (USGS MCS 2025; DOMAIN §3).",
    )

    distribution_pct: dict[str, Pct] | None = Field(
        default=None,
        description="Share of each rare earth of the SX feed reporting to this product "
        "[%], from the refinery design; unlisted elements 0.",
    )

    @field_validator("distribution_pct")
    @classmethod
    def _ree_keys(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            bad = [k for k in v if k not in REE_16]
            if bad:
                raise ValueError(f"distribution_pct: {bad[0]!r} is not a rare earth")
        return v

    @field_validator("elements")
    @classmethod
    def _ree_only(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if e not in REE_16]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a rare earth; use La–Lu or Y")
        if len(set(v)) != len(v):
            raise ValueError("an element is listed twice")
        return v


def _default_products() -> list[SxProduct]:
    heavy = [e for e in LANTHANIDES_15 if e not in ("La", "Ce", "Pr", "Nd", "Pm")] + ["Y"]
    return [
        SxProduct(name="La2O3", elements=["La"]),
        SxProduct(name="CeO2", elements=["Ce"]),
        SxProduct(name="NdPr oxide", elements=["Pr", "Nd"]),
        SxProduct(name="SEG+HRE concentrate", elements=heavy, purity_pct=95.0),
    ]


class SeparationParams(_Strict):
    """SX separation: on/off and, without ``[processing.refinery]``, placeholder products."""

    enabled: bool = Field(
        default=True,
        description="False: no SX; the whole liquor is precipitated as one mixed product.",
    )
    products: list[SxProduct] = Field(
        default_factory=_default_products,
        description="Products with payable elements, recovery and purity. Default: the "
        "light-REE slate La | Ce | NdPr | SEG+HRE (recoveries 98 %, assumption).",
    )
    mixed_product_name: str = Field(default="mixed REO", min_length=1)

    @model_validator(mode="after")
    def _disjoint(self) -> SeparationParams:
        seen: dict[str, str] = {}
        names: set[str] = set()
        for i, p in enumerate(self.products):
            if p.name in names:
                raise ValueError(f"products[{i}].name {p.name!r} is used twice")
            names.add(p.name)
            for e in p.elements:
                if e in seen:
                    raise ValueError(
                        f"products[{i}].elements: {e} is payable in both {seen[e]!r} and "
                        f"{p.name!r}; each element may belong to one product"
                    )
                seen[e] = p.name
        if self.enabled and not self.products:
            raise ValueError("separation is enabled but lists no products")
        designed = {p.distribution_pct is not None for p in self.products}
        if len(designed) > 1:
            raise ValueError(
                "products: give distribution_pct for every product or for none (designed "
                "and placeholder products cannot be mixed)"
            )
        if designed == {True}:
            for e in REE_16:
                total = sum((p.distribution_pct or {}).get(e, 0.0) for p in self.products)
                if total > 100.0 + 1e-9:
                    raise ValueError(f"products: distribution_pct of {e} sums to {total:g} > 100")
        return self


class PrecipitationParams(_Strict):
    """Precipitation of each product liquor and calcination to oxides."""

    precipitant: Literal["oxalic_acid", "sodium_carbonate", "ammonium_bicarbonate"] = Field(
        default="oxalic_acid",
        description="Oxalic acid (oxalate; 1.5 mol/mol RE, DOMAIN §3) or a carbonate.",
    )
    precipitation_pct: dict[ElementKey, Pct] = Field(
        default_factory=dict,
        description="Overrides: % of each element precipitated. Defaults (assumptions): "
        "REE 99.5, Th 100, U 10, Ca 50 (Ca oxalate is insoluble), Fe 5, Ba 50, F 0, "
        "other 5.",
    )
    excess_factor: float = Field(default=1.2, ge=1, description="[-]. Assumption.")

    def fractions(self) -> dict[str, float]:
        """Precipitation per element [%], defaults + overrides."""
        base = {"REE": 99.5, "Th": 100.0, "U": 10.0, "Ca": 50.0, "Fe": 5.0, "Ba": 50.0,
                "F": 0.0, "other": 5.0}  # fmt: skip
        return expand_elements({**base, **self.precipitation_pct})


class RadioactivityParams(_Strict):
    """Activity concentrations and the NORM clearance test (see ``radioactivity``)."""

    secular_equilibrium: bool = Field(
        default=True,
        description="Count the daughters (10 Th-232, 14 U-238 series members) in the total "
        "activity; the clearance test uses the parents either way.",
    )
    include_u235: bool = False
    clearance_bq_g: float = Field(
        default=1.0, gt=0, description="Per nuclide [Bq/g] (IAEA GSR Part 3, para. 3.4)."
    )


class ChecksParams(_Strict):
    """Reference ranges for the plausibility checks."""

    typical_flotation_recovery_pct: tuple[Pct, Pct] = Field(
        default=(30.0, 70.0), description="Typical flotation REO recovery [%] (DOMAIN §1)."
    )
    separated_purity_pct: PositivePct = Field(
        default=99.5, description="Separated-oxide sales grade [%] (USGS MCS 2025)."
    )
    tolerance_pct: Pct = Field(
        default=10.0, description="Relative gap to an announced figure flagged [%]."
    )

    @field_validator("typical_flotation_recovery_pct")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] > v[1]:
            raise ValueError("give (low, high)")
        return v


class TargetsParams(_Strict):
    """Announced or design figures to compare with the balance (gaps become warnings)."""

    source: str = ""
    treo_tpa: float | None = Field(default=None, ge=0, description="REO products [t/y].")
    fluorite_tpa: float | None = Field(default=None, ge=0, description="Fluorite [t/y].")
    barite_tpa: float | None = Field(default=None, ge=0, description="Barite [t/y].")
    thorium_tpa: float | None = Field(default=None, ge=0, description="Thorium, as Th [t/y].")


class ProcessingParams(_Strict):
    """The ``[processing]`` section. Every sub-section has defaults except ``feed``, which
    is needed only when the feed comes from the project file."""

    feed: FeedParams | None = None
    comminution: ComminutionParams = ComminutionParams()
    beneficiation: BeneficiationParams = BeneficiationParams()
    cracking: CrackingParams = CrackingParams()
    impurity_removal: ImpurityRemovalParams = ImpurityRemovalParams()
    cerium_removal: CeriumRemovalParams = CeriumRemovalParams()
    separation: SeparationParams = SeparationParams()
    refinery: RefineryParams | None = Field(
        default=None,
        description="The SX train to design (cascades, products, purities, costs). When "
        "absent, the placeholder products of [processing.separation] are used.",
    )
    precipitation: PrecipitationParams = PrecipitationParams()
    radioactivity: RadioactivityParams = RadioactivityParams()
    checks: ChecksParams = ChecksParams()
    targets: TargetsParams | None = None

    @model_validator(mode="after")
    def _one_sx_model(self) -> ProcessingParams:
        if self.refinery is None:
            return self
        if not self.separation.enabled:
            raise ValueError(
                "[processing.refinery] is given but processing.separation.enabled is false; "
                "remove one of them"
            )
        if "products" in self.separation.model_fields_set:
            raise ValueError(
                "give either processing.separation.products (placeholder) or "
                "[processing.refinery] (designed train), not both"
            )
        return self


# ---------------------------------------------------------------------------- loading


def processing_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> ProcessingParams:
    """Validate the ``[processing]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.processing``), a loaded :class:`~mine2magnet.config.
        Project`, or None for all defaults.
    source : str or Path, optional
        File named in error messages (taken from the Project when one is given).

    Returns
    -------
    ProcessingParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``processing.beneficiation.rare_earth.recovery_pct``.

    Examples
    --------
    >>> p = processing_params({"beneficiation": {"rare_earth": {"recovery_pct": 60}}})
    >>> p.beneficiation.rare_earth.recovery_pct
    60.0
    """
    return validate_section(ProcessingParams, section, "processing", source=source)


def with_sx_products(params: ProcessingParams, products: Sequence[SxProduct]) -> ProcessingParams:
    """A copy of ``params`` whose separation train has ``products`` (the seam through which
    the SX designer's recoveries, purities and element distributions enter the mass
    balance); re-validated. The copy has no ``refinery`` section: the products stand for
    its design."""
    data = params.model_dump()
    data["separation"]["products"] = [p.model_dump() for p in products]
    data["separation"]["enabled"] = True
    data["refinery"] = None
    return processing_params(data)
