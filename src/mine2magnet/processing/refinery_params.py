"""Schema of ``[processing.refinery]``: the SX separation train and its plant basis.

The train is a list of splits (cascades). Each split cuts the elements of its source stream
in extractability order — ``cut = "Nd|Sm"`` sends Nd and everything less extractable to the
raffinate, Sm and everything more extractable to the loaded organic (extract) — and takes
its feed from the plant's SX feed (``source = "feed"``) or from an output of an earlier
split (``source = "Nd|Sm.raffinate"``). Outputs that no later split consumes are the
products; each gets a name and a purity target from 99.5, 99.9, 99.99 and 99.999 %.

Defaults (the light-REE bastnäsite train, P507 in chloride media)::

    Nd|Sm  on the feed          → SEG+HRE concentrate (extract) | La–Nd (raffinate)
    Ce|Pr  on Nd|Sm.raffinate   → Pr–Nd (extract)               | La–Ce (raffinate)
    La|Ce  on Ce|Pr.raffinate   → CeO2                          | La2O3
    Pr|Nd  on Ce|Pr.extract     → Nd2O3                         | Pr6O11

Every default says where it comes from in its description: DOMAIN (``../shared/DOMAIN.md``),
a cited source, or *assumption* (a placeholder of the right order, to be replaced with the
project's own test-work or vendor data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mine2magnet.processing.types import REE_16

__all__ = [
    "PURITY_GRADES_PCT",
    "RefineryParams",
    "SplitParams",
    "TrainStream",
    "extractabilities",
    "train_streams",
]

#: Purity grades a refinery product can be designed for [% of product oxides].
PURITY_GRADES_PCT: tuple[float, ...] = (99.5, 99.9, 99.99, 99.999)
PurityPct = Literal[99.5, 99.9, 99.99, 99.999]
Pos = Annotated[float, Field(gt=0)]

#: Extractant → system key of ``processing/sx/data/separation_factors.toml``.
SYSTEMS: dict[str, str] = {"P507": "P507_HCl", "D2EHPA": "D2EHPA_HCl"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitParams(_Strict):
    """One cascade of the train."""

    cut: str = Field(
        description="'B|A': the most extractable element of the raffinate and the least "
        "extractable of the extract, e.g. 'Nd|Sm'."
    )
    name: str | None = Field(default=None, description="Cascade name; default the cut.")
    source: str = Field(
        default="feed",
        description="'feed' or '<earlier cascade>.extract' / '<earlier cascade>.raffinate'.",
    )
    feed_phase: Literal["aqueous", "organic"] = Field(
        default="aqueous",
        description="Phase carrying the feed: 'aqueous' (a strip liquor or the plant's SX "
        "feed) or 'organic' (the loaded organic of the source cascade, unstripped).",
    )
    extract_product: str | None = Field(
        default=None, description="Product name of the extract, if no later cascade takes it."
    )
    raffinate_product: str | None = Field(
        default=None, description="Product name of the raffinate, if no later cascade takes it."
    )
    extract_purity_pct: PurityPct | None = Field(
        default=None, description="Purity target of the extract product [%]."
    )
    raffinate_purity_pct: PurityPct | None = Field(
        default=None, description="Purity target of the raffinate product [%]."
    )

    @field_validator("cut")
    @classmethod
    def _cut_shape(cls, v: str) -> str:
        parts = [p.strip() for p in v.split("|")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"cut must look like 'Nd|Sm', got {v!r}")
        bad = [p for p in parts if p not in REE_16 or p == "Pm"]
        if bad:
            raise ValueError(f"cut {v!r}: {bad[0]!r} is not a rare earth (La–Lu, Y)")
        return f"{parts[0]}|{parts[1]}"

    @property
    def label(self) -> str:
        """Name of the cascade (the cut when no name is given)."""
        return self.name or self.cut


def _default_splits() -> list[SplitParams]:
    return [
        SplitParams(cut="Nd|Sm", extract_product="SEG+HRE concentrate"),
        SplitParams(cut="Ce|Pr", source="Nd|Sm.raffinate"),
        SplitParams(
            cut="La|Ce",
            source="Ce|Pr.raffinate",
            raffinate_product="La2O3",
            extract_product="CeO2",
        ),
        SplitParams(
            cut="Pr|Nd",
            source="Ce|Pr.extract",
            raffinate_product="Pr6O11",
            extract_product="Nd2O3",
        ),
    ]


class RefineryParams(_Strict):
    """The ``[processing.refinery]`` section: train, plant basis, sizing and cost basis."""

    extractant: Literal["P507", "D2EHPA"] = Field(
        default="P507",
        description="Acidic organophosphorus extractant; its separation factors in chloride "
        "media come from processing/sx/data/separation_factors.toml (cited there).",
    )
    beta: dict[str, Pos] | None = Field(
        default=None,
        description="Your own extractabilities relative to any reference element [-], one "
        "per rare earth in the feed; replaces the packaged separation factors.",
    )
    splits: list[SplitParams] = Field(
        default_factory=_default_splits,
        min_length=1,
        description="The cascades in order; default the four-split light-REE train.",
    )
    default_purity_pct: PurityPct = Field(
        default=99.5,
        description="Purity target of products without their own [%]. Default 99.5, the "
        "usual separated-oxide grade (USGS MCS 2025; DOMAIN §3).",
    )
    design_margin: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.8,
        description="Fraction of each product's impurity allowance the cascades are "
        "designed to use [-] (the rest covers rounding of stage numbers into the next "
        "cascade's feed). Assumption.",
    )
    min_recovery_pct: Annotated[float, Field(gt=50, lt=100)] = Field(
        default=99.0,
        description="In every cascade, at least this share of each side's key element (the "
        "one next to the cut) reports to its own side [%]: bounds the losses of a minor "
        "element across the cut when the purity targets alone would allow them (e.g. little "
        "Pr in a Ce-rich feed). Assumption.",
    )
    operating_hours_per_year: Annotated[float, Field(gt=0, le=8784)] = Field(
        default=8000.0, description="Operating hours [h/y]. Assumption: 8000 (91 %)."
    )
    extractant_mol_l: Pos = Field(
        default=1.5,
        description="Extractant in the organic [mol/L]. Assumption: 1.5 M P507 in "
        "kerosene (the PlantBasis default of processing.sx).",
    )
    saponification_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        default=36.0,
        description="Saponification degree of the extractant [%]. The organic's rare-earth "
        "loading is extractant × saponification / 3 (3 exchanged H+ per RE3+): 1.5 M at "
        "36 % carries 0.18 mol/L. Assumption.",
    )
    feed_mol_l: Pos = Field(default=1.0, description="Rare earths in the SX feed [mol/L].")
    scrub_acid_mol_l: Pos = Field(default=4.0, description="HCl in the scrub acid [mol/L].")
    strip_acid_mol_l: Pos = Field(default=5.0, description="HCl in the strip acid [mol/L].")
    base: Literal["NaOH", "NH3"] = Field(
        default="NaOH", description="Saponification base (3 mol per mol RE loaded, DOMAIN §3)."
    )
    feed_to_chloride: bool = Field(
        default=True,
        description="Count HCl (3 mol/mol RE) to redissolve the SX feed as chloride (the "
        "sulfate leach liquor of an acid bake is precipitated and redissolved).",
    )
    stage_efficiency: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0, description="Murphree stage efficiency used in the design [-]."
    )
    max_stages: Annotated[int, Field(ge=1, le=2000)] = Field(
        default=300, description="Largest number of stages per section considered [-]."
    )
    strip_extraction_factor: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.1,
        description="Extraction factor in the strip stages (O/A × D of the most "
        "extractable element) [-]; the strip section is sized by Kremser. Assumption.",
    )
    strip_residual: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=1e-3,
        description="Fraction of the loaded rare earths left on the stripped organic [-].",
    )
    loss_pct_per_cascade: Annotated[float, Field(ge=0, lt=100)] = Field(
        default=0.2,
        description="Rare earths lost per cascade (crud, entrainment, bleed) from each of "
        "its outputs [%]. Assumption.",
    )
    mixer_residence_min: Pos = Field(
        default=3.0,
        description="Mixer residence time on the total flow [min]. Assumption: 3 (typical "
        "2–5 min for mixer-settlers).",
    )
    settling_rate_m3_h_m2: Pos = Field(
        default=3.0,
        description="Specific settling rate: total flow per settler area [m3/(h·m2)]. "
        "Assumption: 3.",
    )
    settler_depth_m: Pos = Field(default=1.0, description="Settler liquid depth [m].")
    inventory_allowance: Annotated[float, Field(ge=1)] = Field(
        default=1.25,
        description="Organic in tanks and pipes per organic in the mixer-settlers [-]. Assumption.",
    )
    entrainment_ppm: Annotated[float, Field(ge=0)] = Field(
        default=100.0,
        description="Organic lost by entrainment in the aqueous leaving each cascade "
        "[ppm by volume]. Assumption: 100 (typical 50–200).",
    )
    hold_up_h: Pos = Field(
        default=8.0, description="Aqueous feed and product tank hold-up [h]. Assumption."
    )
    factor_method: Literal["lang", "hand"] = Field(
        default="lang",
        description="Capital factoring: 'lang' (one factor on purchased equipment) or "
        "'hand' (one installation factor per equipment type, then indirects).",
    )
    unit_prices: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Overrides of unit prices from processing/data/refinery_costs.toml "
        "[prices] (key → value in that entry's unit).",
    )
    cost_escalation: Pos = Field(
        default=1.0,
        description="Multiplier on the equipment reference costs (cost-index ratio to the "
        "data file's base year) [-].",
    )

    @field_validator("beta")
    @classmethod
    def _beta_elements(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            bad = [k for k in v if k not in REE_16 or k == "Pm"]
            if bad:
                raise ValueError(f"beta: {bad[0]!r} is not a rare earth (La–Lu, Y)")
        return v

    @field_validator("unit_prices")
    @classmethod
    def _known_prices(cls, v: dict[str, float]) -> dict[str, float]:
        from mine2magnet.processing.refinery_costs import cost_data

        known = sorted(cost_data()["prices"])
        bad = [k for k in v if k not in known]
        if bad:
            raise ValueError(f"unit_prices: unknown key {bad[0]!r}; use one of {known}")
        return v

    @property
    def system(self) -> str:
        """Key of the separation-factor system of :attr:`extractant`."""
        return SYSTEMS[self.extractant]

    @property
    def organic_loading_mol_l(self) -> float:
        """Rare earths on the saponified organic [mol/L]."""
        return self.extractant_mol_l * self.saponification_pct / 100.0 / 3.0

    @model_validator(mode="after")
    def _train(self) -> RefineryParams:
        order = extractabilities(self)
        train_streams(self, tuple(order))
        return self


def extractabilities(params: RefineryParams) -> dict[str, float]:
    """Extractability of each element, from the user's ``beta`` or the packaged table [-].

    Returns
    -------
    dict[str, float]
        Element → extractability relative to the system's least extractable element,
        ordered from least to most extractable.
    """
    if params.beta is not None:
        items = sorted(params.beta.items(), key=lambda kv: kv[1])
        return dict(items)
    from mine2magnet.processing.sx.equilibrium import load_separation_factors

    sf = load_separation_factors(params.system)
    return dict(zip(sf.elements, (float(b) for b in sf.beta), strict=True))


@dataclass(frozen=True)
class TrainStream:
    """One output of a cascade of the train.

    Attributes
    ----------
    cascade : int
        Index of the producing split.
    side : str
        ``"extract"`` or ``"raffinate"``.
    elements : tuple of str
        Elements this stream is meant to carry: the intersection of the sides of every cut
        on its path from the feed (in extractability order).
    consumer : int or None
        Index of the split fed by this stream; None for a product.
    product : str or None
        Product name (terminal streams only).
    purity_pct : float or None
        Purity target of the product [%] (terminal streams only).
    """

    cascade: int
    side: str
    elements: tuple[str, ...]
    consumer: int | None
    product: str | None
    purity_pct: float | None

    @property
    def key(self) -> str:
        """``"<cascade index>.<side>"``."""
        return f"{self.cascade}.{self.side}"


def _species(elements: tuple[str, ...]) -> str:
    from mine2magnet.chemistry import CANONICAL_SPECIES

    if len(elements) <= 2:
        return "+".join(CANONICAL_SPECIES[e] for e in elements)
    return f"{elements[0]}–{elements[-1]} group"


def train_streams(
    params: RefineryParams, order: tuple[str, ...]
) -> tuple[tuple[tuple[str, ...], ...], dict[str, TrainStream]]:
    """Check the train's topology and name every stream.

    Parameters
    ----------
    params : RefineryParams
        The refinery section.
    order : tuple of str
        Elements from least to most extractable.

    Returns
    -------
    feeds : tuple of tuple of str
        For each split, the elements its feed is meant to carry.
    streams : dict[str, TrainStream]
        Every output, keyed ``"<index>.<side>"``.

    Raises
    ------
    ValueError
        Naming ``splits[i].<key>``: an unknown or later source, a stream fed twice, a cut
        outside the source's elements, product keys on an intermediate stream, a product
        name used twice.
    """
    pos = {e: i for i, e in enumerate(order)}
    names: dict[str, int] = {}
    feeds: list[tuple[str, ...]] = []
    consumer: dict[str, int] = {}
    for i, sp in enumerate(params.splits):
        where = f"splits[{i}]"
        if sp.label in names:
            raise ValueError(f"{where}.name: cascade name {sp.label!r} is used twice")
        lo, hi = sp.cut.split("|")
        for e in (lo, hi):
            if e not in pos:
                raise ValueError(
                    f"{where}.cut: {e} has no separation factor in "
                    f"{'beta' if params.beta is not None else params.system}"
                )
        if not pos[hi] > pos[lo]:
            raise ValueError(
                f"{where}.cut {sp.cut!r}: {hi} must be more extractable than {lo}; write "
                "the cut as 'less|more' extractable"
            )
        if sp.source == "feed":
            src_elements = tuple(order)
            src_key = "feed"
        else:
            name, _, side = sp.source.rpartition(".")
            if side not in ("extract", "raffinate") or name not in names:
                raise ValueError(
                    f"{where}.source {sp.source!r}: use 'feed' or '<earlier cascade>."
                    f"extract|raffinate' with one of {sorted(names)}"
                )
            j = names[name]
            src_key = f"{j}.{side}"
            src_elements = _side(feeds[j], params.splits[j].cut, side, pos)
        if src_key in consumer:
            raise ValueError(
                f"{where}.source {sp.source!r}: that stream already feeds "
                f"splits[{consumer[src_key]}]; each stream feeds one cascade"
            )
        consumer[src_key] = i
        between = [e for e in src_elements if pos[lo] < pos[e] < pos[hi]]
        if lo not in src_elements or hi not in src_elements or between:
            raise ValueError(
                f"{where}.cut {sp.cut!r} is not a cut between two neighbours of its source "
                f"{sp.source!r} (elements {'-'.join(src_elements)}); choose one there"
            )
        feeds.append(src_elements)
        names[sp.label] = i
    streams: dict[str, TrainStream] = {}
    products: set[str] = set()
    for i, sp in enumerate(params.splits):
        for side in ("extract", "raffinate"):
            key = f"{i}.{side}"
            name = getattr(sp, f"{side}_product")
            purity = getattr(sp, f"{side}_purity_pct")
            elements = _side(feeds[i], sp.cut, side, pos)
            if key in consumer:
                if name is not None or purity is not None:
                    raise ValueError(
                        f"splits[{i}].{side}_product: the {side} feeds "
                        f"splits[{consumer[key]}]; only final streams are products"
                    )
                streams[key] = TrainStream(i, side, elements, consumer[key], None, None)
                continue
            name = name or _species(elements)
            if name in products:
                raise ValueError(f"splits[{i}].{side}_product: product {name!r} named twice")
            products.add(name)
            purity = float(purity if purity is not None else params.default_purity_pct)
            streams[key] = TrainStream(i, side, elements, None, name, purity)
    return tuple(feeds), streams


def _side(elements: tuple[str, ...], cut: str, side: str, pos: dict[str, int]) -> tuple[str, ...]:
    lo, hi = cut.split("|")
    if side == "extract":
        return tuple(e for e in elements if pos[e] >= pos[hi])
    return tuple(e for e in elements if pos[e] <= pos[lo])
