"""Schema of the ``[mining]`` section of ``project.toml`` (pit optimisation part).

:func:`mining_params` validates the raw ``Project.mining`` dict into :class:`MiningParams`;
errors are :class:`~mine2magnet.errors.ConfigError` naming the dotted key
(``mining.slopes.sectors[0].angle_deg`` …). An empty section gives defaults that work on
the demo block model.

Layout (every key optional)::

    [mining]
    engine = "mineflow"                  # or "ortools" (max-flow engine of the closures)
    prices_usd_kg = { Nd2O3 = 110.0, Pr6O11 = 110.0, Dy2O3 = 290.0 }   # per kg of species
    default_recovery_pct = 45.0          # processing recovery of every priced species [%]
    recovery_pct = { CeO2 = 40.0 }       # per species overrides [%]
    payable_pct = 100.0                  # share of the recovered species paid [%]
    selling_cost_usd_kg = 0.5            # per kg of payable species [US$/kg]
    royalty_pct = 3.75                   # on revenue net of selling cost [%]
    mining_cost_usd_t = 2.5              # every tonne moved, at the reference level [US$/t]
    mining_cost_increment_usd_t = 0.03   # added per bench below the reference [US$/t/bench]
    reference_elevation_m = 1040.0       # default: the highest ground of the model [m]
    processing_cost_usd_t = 150.0        # per tonne of ore processed [US$/t]
    dilution_pct = 5.0                   # waste tonnes added to ore at zero grade [%]
    mining_recovery_pct = 95.0           # ore tonnes recovered by mining [%]
    rpeee_price_uplift_pct = 30.0        # price uplift of the RPEEE (resource) shell [%]
    discount_rate_pct = 8.0              # pit-by-pit best/worst case [%/year]
    processing_rate_tpa = 570_000        # ore processed per year [t/y]
    mining_rate_tpa = 6_000_000          # rock moved per year, ore + waste [t/y]; none: unlimited
    pad_cells = "auto"                   # waste cells added around the grid for the walls
    revenue_factors = { start = 0.3, stop = 2.0, step = 0.05 }   # or a list

    [mining.slopes]
    default_angle_deg = 45.0             # overall slope angle where no sector applies [deg]
    max_benches = 8                      # benches spanned by the precedence pattern [-]
    angular_tolerance_deg = 1.0          # optional: fewest benches within this error
    [[mining.slopes.sectors]]
    azimuth_from_deg = 300.0             # clockwise from north; the range may wrap past 360
    azimuth_to_deg = 60.0
    angle_deg = 38.0
    domains = ["HOST"]                   # optional: only blocks of these domains
    elevation_from_m = 800.0             # optional depth band on the block centroid [m]
    elevation_to_m = 1100.0

    [mining.phases]
    count = 4                            # pushbacks wanted (or target_tonnes)
    min_width_m = 50.0                   # minimum mining width of a pushback [m]

Sources of the defaults: prices are the early-2026 ex-China deck of ``DOMAIN.md`` §5
(NdPr 110, Dy2O3 290, Tb4O7 1,150, La2O3 0.90, CeO2 1.7, Y2O3 11 US$/kg; species without a
reliable print are unpriced, i.e. paid nothing); the royalty is Türkiye's state right for
Group IV minerals, 3 % × 1.25 (DOMAIN §5); the processing rate is the announced 570 kt/y
plant (DOMAIN §1). Every other default is an *assumption* of this toolkit, chosen to give a
plausible pit on the demo: replace it with study figures for a real project.

Slope azimuth convention: a sector's azimuth is the direction, seen from a block, towards
the wall it constrains (the wall on the north side of a pit, which dips south, takes the
sector containing 0°). Angles are overall slope angles from the horizontal, measured
block centre to block centre.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mine2magnet.chemistry import parse_formula
from mine2magnet.config import validate_section

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "DEFAULT_PRICES_USD_KG",
    "MiningParams",
    "PhaseParams",
    "RevenueFactorRange",
    "SlopeParams",
    "SlopeSector",
    "mining_params",
]

Pct = Annotated[float, Field(ge=0, le=100)]
NonNeg = Annotated[float, Field(ge=0)]
Angle = Annotated[float, Field(ge=5.0, le=89.0)]
Azimuth = Annotated[float, Field(ge=0.0, le=360.0)]

#: Separated-oxide prices, ex-China, early 2026 [US$/kg oxide] (DOMAIN.md §5: US DoD NdPr
#: floor Jul 2025; FOB China 30 Jan 2026 for Dy2O3, Tb4O7, La2O3, CeO2; China domestic Feb
#: 2026 for Y2O3). Species without a reliable recent print (Sm, Eu, Gd, Ho, Er, Tm, Yb, Lu)
#: are not priced: they earn nothing until a price is given.
DEFAULT_PRICES_USD_KG: dict[str, float] = {
    "La2O3": 0.90,
    "CeO2": 1.7,
    "Pr6O11": 110.0,
    "Nd2O3": 110.0,
    "Tb4O7": 1150.0,
    "Dy2O3": 290.0,
    "Y2O3": 11.0,
}


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_species(keys: Mapping[str, Any]) -> None:
    for k in keys:
        try:
            parse_formula(k)
        except ValueError:
            raise ValueError(
                f"{k!r} is not a species; write the grade column's species, e.g. 'Nd2O3' "
                "for Nd2O3_pct"
            ) from None


class SlopeSector(_Strict):
    """One overall slope angle over an azimuth range, optionally per domain and depth band.

    The azimuth range runs clockwise from ``azimuth_from_deg`` to ``azimuth_to_deg``
    (``from`` included, ``to`` excluded) and may wrap past north (300 → 60). A block takes,
    for each azimuth, the first sector listed that matches its domain, its centroid
    elevation and the azimuth; else ``default_angle_deg``.
    """

    azimuth_from_deg: Azimuth = Field(description="Start of the range, clockwise [deg].")
    azimuth_to_deg: Azimuth = Field(description="End of the range, clockwise [deg].")
    angle_deg: Angle = Field(description="Overall slope angle from horizontal [deg].")
    domains: list[str] | None = Field(
        default=None, description="Domains it applies to; None: every domain."
    )
    elevation_from_m: float | None = Field(
        default=None, description="Lowest block-centroid elevation of the band [m]."
    )
    elevation_to_m: float | None = Field(
        default=None, description="Highest block-centroid elevation of the band [m]."
    )

    @model_validator(mode="after")
    def _band(self) -> SlopeSector:
        lo, hi = self.elevation_from_m, self.elevation_to_m
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError("elevation_from_m must be below elevation_to_m")
        return self


class SlopeParams(_Strict):
    """Slope angles and the precision of the precedence pattern."""

    default_angle_deg: Angle = Field(
        default=45.0, description="Overall slope angle where no sector applies [deg]."
    )
    sectors: Annotated[list[SlopeSector], Field(max_length=62)] = Field(default_factory=list)
    max_benches: Annotated[int, Field(ge=1, le=30)] = Field(
        default=8, description="Benches spanned by the precedence pattern [-]."
    )
    angular_tolerance_deg: Annotated[float, Field(gt=0, le=10)] | None = Field(
        default=None,
        description="When set, the pattern uses the fewest benches (≤ max_benches) whose "
        "largest angular error is within this tolerance [deg].",
    )


class RevenueFactorRange(_Strict):
    """Revenue factors ``start, start + step, …, stop`` (both ends included)."""

    start: Annotated[float, Field(gt=0)] = 0.3
    stop: Annotated[float, Field(gt=0)] = 2.0
    step: Annotated[float, Field(gt=0)] = 0.05

    @model_validator(mode="after")
    def _order(self) -> RevenueFactorRange:
        if self.stop < self.start:
            raise ValueError("stop must not be below start")
        if (self.stop - self.start) / self.step > 1000:
            raise ValueError("more than 1000 revenue factors; use a larger step")
        return self

    def values(self) -> list[float]:
        """The factors, rounded to 10 decimals [-]."""
        n = int(np.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        return [round(self.start + i * self.step, 10) for i in range(n)]


class PhaseParams(_Strict):
    """Pushback (phase) selection from the nested pits."""

    count: Annotated[int, Field(ge=1, le=50)] | None = Field(
        default=4, description="Number of phases wanted (ignored with target_tonnes) [-]."
    )
    target_tonnes: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="Rock tonnes wanted per phase [t]."
    )
    min_width_m: Annotated[float, Field(gt=0)] = Field(
        default=50.0, description="Minimum mining width of a pushback on every bench [m]."
    )
    final_revenue_factor: Annotated[float, Field(gt=0)] = Field(
        default=1.0,
        description="The final pit is the shell at the largest revenue factor not above "
        "this one [-].",
    )

    @model_validator(mode="after")
    def _target(self) -> PhaseParams:
        if self.count is None and self.target_tonnes is None:
            raise ValueError("give count or target_tonnes")
        return self


class MiningParams(_Strict):
    """The pit-optimisation keys of the ``[mining]`` section (see the module docstring)."""

    engine: Literal["mineflow", "ortools"] = Field(
        default="mineflow", description="Max-flow engine of the closures."
    )
    prices_usd_kg: dict[str, NonNeg] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES_USD_KG),
        description="Price per kg of each species (grade column <species>_pct) [US$/kg].",
    )
    price_source: str = Field(
        default="DOMAIN.md §5: ex-China separated-oxide deck, early 2026 (real US$)",
        description="Where the prices come from (shown in the report).",
    )
    default_recovery_pct: Pct = Field(
        default=45.0,
        description="Processing recovery of every priced species without its own [%]. "
        "Assumption: flotation 50 % × cracking/leach 92 % × separation 98 %.",
    )
    recovery_pct: dict[str, Pct] = Field(
        default_factory=dict, description="Processing recovery per species [%]."
    )
    payable_pct: Pct = Field(default=100.0, description="Share of the product paid [%].")
    selling_cost_usd_kg: NonNeg = Field(
        default=0.5,
        description="Selling cost (freight, marketing) per kg of payable species [US$/kg]. "
        "Assumption.",
    )
    royalty_pct: Pct = Field(
        default=3.75,
        description="Royalty on revenue net of selling cost [%] (Türkiye, Group IV, DOMAIN §5).",
    )
    mining_cost_usd_t: NonNeg = Field(
        default=2.5, description="Mining cost at the reference level [US$/t]. Assumption."
    )
    mining_cost_increment_usd_t: NonNeg = Field(
        default=0.03,
        description="Mining cost added per bench below the reference elevation "
        "[US$/t/bench]. Assumption.",
    )
    reference_elevation_m: float | None = Field(
        default=None,
        description="Elevation where the mining-cost increment starts; None: the highest "
        "ground of the model [m].",
    )
    processing_cost_usd_t: NonNeg = Field(
        default=150.0,
        description="Processing cost per tonne of ore: flotation, cracking, leach and SX "
        "with site G&A [US$/t]. Assumption (Bear Lodge PFS 2014 spends ~15 US$/kg TREO, "
        "~350 US$/t at its head grade, for a mixed concentrate; DOMAIN §5).",
    )
    dilution_pct: Annotated[float, Field(ge=0, le=200)] = Field(
        default=5.0, description="Waste at zero grade added to ore tonnes [%]. Assumption."
    )
    mining_recovery_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        default=95.0, description="Ore tonnes recovered by mining [%]. Assumption."
    )
    rpeee_price_uplift_pct: Annotated[float, Field(ge=0, le=200)] = Field(
        default=30.0,
        description="Price uplift of the shell that shows reasonable prospects (RPEEE) [%].",
    )
    discount_rate_pct: Annotated[float, Field(ge=0, le=100)] = Field(
        default=8.0, description="Discount rate of the pit-by-pit cases [%/year]."
    )
    processing_rate_tpa: Annotated[float, Field(gt=0)] = Field(
        default=570_000.0, description="Ore processed per year [t/y] (DOMAIN §1)."
    )
    mining_rate_tpa: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="Rock moved per year [t/y]; None: unlimited."
    )
    revenue_factors: RevenueFactorRange | list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=RevenueFactorRange,
        description="Revenue factors of the nested pits [-].",
    )
    pad_cells: Literal["auto"] | Annotated[int, Field(ge=0, le=500)] = Field(
        default="auto",
        description="Waste columns added on every side of the grid so the pit walls can "
        "develop; 'auto': enough for the flattest slope over the grid's height [-].",
    )
    fill_domain: str | None = Field(
        default=None,
        description="Domain of generated waste cells; None: the largest unestimated domain.",
    )
    fill_density_t_m3: Annotated[float, Field(gt=0, lt=10)] | None = Field(
        default=None,
        description="Density of generated waste cells; None: that domain's median [t/m³].",
    )
    slopes: SlopeParams = SlopeParams()
    phases: PhaseParams = PhaseParams()
    schedule: dict[str, Any] = Field(
        default_factory=dict, description="[mining.schedule]: validated by the schedule."
    )
    reserve: dict[str, Any] = Field(
        default_factory=dict, description="[mining.reserve]: validated by the Ore Reserve."
    )

    @field_validator("prices_usd_kg", "recovery_pct")
    @classmethod
    def _species(cls, v: dict[str, float]) -> dict[str, float]:
        _check_species(v)
        return v

    @model_validator(mode="after")
    def _recovery_keys(self) -> MiningParams:
        extra = set(self.recovery_pct) - set(self.prices_usd_kg)
        if extra:
            raise ValueError(
                f"recovery_pct has unpriced species {sorted(extra)}; price them in "
                "prices_usd_kg or remove them"
            )
        return self

    def factors(self) -> list[float]:
        """The revenue factors, sorted and unique [-]."""
        rf = self.revenue_factors
        vals = rf.values() if isinstance(rf, RevenueFactorRange) else list(rf)
        return sorted({round(float(v), 10) for v in vals})


def mining_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> MiningParams:
    """Validate the ``[mining]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.mining``), a loaded Project, or None for the defaults.
    source : str or Path, optional
        File named in error messages (taken from the Project when one is given).

    Returns
    -------
    MiningParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``mining.slopes.default_angle_deg``.

    Examples
    --------
    >>> p = mining_params({"slopes": {"default_angle_deg": 42}})
    >>> p.slopes.default_angle_deg, p.engine, p.factors()[:3]
    (42.0, 'mineflow', [0.3, 0.35, 0.4])
    """
    return validate_section(MiningParams, section, "mining", source=source)
