"""Schema of the ``[geostats]`` section of ``project.toml``.

:func:`geostats_params` validates the raw ``Project.geostats`` dict into
:class:`GeostatsParams`; every error is a :class:`~mine2magnet.errors.ConfigError` naming
the dotted key (e.g. ``geostats.domains.HG.search.max_samples``), the value and the fix.

Layout (all lengths in metres, angles in degrees, GSLIB azimuth/dip/rake — see
:mod:`mine2magnet.geostats.rotation`)::

    [geostats]
    method = "ordinary"              # or "simple" (mean = declustered domain mean)
    discretisation = [4, 4, 2]       # block discretisation points along x, y, z
    primary_column = "TREO_pct"      # kv, slope, ke and cross-validation refer to it

    [geostats.domains.HG.variogram]  # model for every grade column of domain HG
    nugget = 0.69
    structures = [{ kind = "spherical", sill = 4.08, ranges = [105, 76, 25],
                    angles = [60, 0, 50] }]

    [geostats.domains.HG.variograms.ThO2_pct]   # optional per-column override
    ...

    [geostats.domains.HG.search]     # ellipsoid of pass 1; passes scale it
    ranges = [105, 76, 25]
    angles = [60, 0, 50]
    min_samples = 8
    max_samples = 24
    max_per_hole = 6
    passes = [{ factor = 1.0 }, { factor = 2.0, min_samples = 4 },
              { factor = 4.0, min_samples = 2 }]

How TREO stays the sum of the oxides
------------------------------------
Kriging weights do not change when a variogram model is multiplied by a constant, and
kriging is linear in the data. Every grade column of a domain without its own entry in
``variograms`` is therefore kriged with the *same* weights (one system per block,
:func:`~mine2magnet.geostats.krige` with ``(n, k)`` values), so
``estimate(TREO) = Σ estimate(oxides)`` to rounding wherever TREO is the sum of the
oxides in every composite. Giving an oxide its own variogram breaks that identity; the
estimation reports the largest deviation either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mine2magnet.config import validate_section
from mine2magnet.errors import ConfigError
from mine2magnet.geostats.search import SearchParameters
from mine2magnet.geostats.variogram import KINDS, MAX_STRUCTURES, Structure, VariogramModel

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "CrossValidationParams",
    "DeclusteringParams",
    "DomainParams",
    "ExperimentalParams",
    "GeostatsParams",
    "NeighbourhoodAnalysisParams",
    "PassParams",
    "SearchParams",
    "StructureParams",
    "TopCutParams",
    "ValidationParams",
    "VariogramParams",
    "geostats_params",
]

PositiveFloat = Annotated[float, Field(gt=0)]
Triple = Annotated[list[float], Field(min_length=3, max_length=3)]


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------- variograms


class StructureParams(_Strict):
    """One nested structure (see :class:`~mine2magnet.geostats.Structure`)."""

    kind: Literal["spherical", "exponential", "gaussian"] = Field(
        description=f"Structure shape, one of {', '.join(KINDS)}."
    )
    sill: Annotated[float, Field(ge=0)] = Field(description="Sill contribution [grade²].")
    ranges: Annotated[list[PositiveFloat], Field(min_length=1, max_length=3)] = Field(
        description="Major, semi-major, minor range; one number = isotropic [m]. "
        "Exponential and Gaussian ranges are practical ranges."
    )
    angles: Triple = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        description="Azimuth, dip (negative down), rake of the major axis, GSLIB [deg].",
    )

    @model_validator(mode="after")
    def _three_ranges(self) -> StructureParams:
        if len(self.ranges) == 2:
            raise ValueError("give one range (isotropic) or three (major, semi-major, minor)")
        return self

    def structure(self) -> Structure:
        """The core :class:`~mine2magnet.geostats.Structure`."""
        return Structure(self.kind, self.sill, tuple(self.ranges), tuple(self.angles))


class VariogramParams(_Strict):
    """Nugget plus one to three nested structures."""

    nugget: Annotated[float, Field(ge=0)] = Field(default=0.0, description="[grade²]")
    structures: Annotated[list[StructureParams], Field(min_length=1)] = Field(
        description=f"One to {MAX_STRUCTURES} nested structures."
    )
    source: str = Field(
        default="", description="Where the model comes from (fit, date, data); free text."
    )

    @model_validator(mode="after")
    def _limits(self) -> VariogramParams:
        if len(self.structures) > MAX_STRUCTURES:
            raise ValueError(f"at most {MAX_STRUCTURES} nested structures are supported")
        if self.nugget + sum(s.sill for s in self.structures) <= 0:
            raise ValueError("the total sill (nugget + sills) must be > 0")
        return self

    def model(self) -> VariogramModel:
        """The core :class:`~mine2magnet.geostats.VariogramModel`."""
        return VariogramModel(self.nugget, tuple(s.structure() for s in self.structures))

    @classmethod
    def from_model(cls, model: VariogramModel, source: str = "") -> VariogramParams:
        """Parameters from a fitted model (e.g. ``VariogramFitter().fit(...).model_``)."""
        return cls.model_validate({**model.to_dict(), "source": source})


# --------------------------------------------------------------------------- search


class PassParams(_Strict):
    """One search pass: the pass-1 ellipsoid scaled by ``factor``; limits may change."""

    factor: PositiveFloat = Field(default=1.0, description="Radius multiplier [-].")
    min_samples: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Overrides search.min_samples in this pass [-]."
    )
    max_samples: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Overrides search.max_samples in this pass [-]."
    )
    max_per_hole: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Overrides search.max_per_hole in this pass [-]."
    )


class SearchParams(_Strict):
    """Anisotropic search ellipsoid, sample limits and up to three passes."""

    ranges: Annotated[list[PositiveFloat], Field(min_length=1, max_length=3)] = Field(
        description="Radii along major, semi-major, minor axes (pass 1) [m]."
    )
    angles: Triple = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        description="Azimuth, dip, rake of the ellipsoid, GSLIB [deg].",
    )
    min_samples: Annotated[int, Field(ge=1)] = Field(default=4, description="[-]")
    max_samples: Annotated[int, Field(ge=1, le=200)] = Field(default=24, description="[-]")
    max_per_hole: Annotated[int, Field(ge=1)] | None = Field(default=None, description="[-]")
    max_per_octant: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Most samples per octant of the ellipsoid [-]."
    )
    passes: Annotated[list[PassParams], Field(min_length=1, max_length=3)] = Field(
        default_factory=lambda: [PassParams()],
        description="One to three passes, each a growing ellipsoid (factor ≥ previous).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SearchParams:
        if len(self.ranges) == 2:
            raise ValueError("give one radius (sphere) or three (major, semi-major, minor)")
        if self.min_samples > self.max_samples:
            raise ValueError(
                f"min_samples {self.min_samples} exceeds max_samples {self.max_samples}"
            )
        factors = [p.factor for p in self.passes]
        if any(b < a for a, b in itertools.pairwise(factors)):
            raise ValueError(f"pass factors {factors} must not decrease")
        for k, p in enumerate(self.passes):
            lo = p.min_samples if p.min_samples is not None else self.min_samples
            hi = p.max_samples if p.max_samples is not None else self.max_samples
            if lo > hi:
                raise ValueError(f"pass {k + 1}: min_samples {lo} exceeds max_samples {hi}")
        return self

    def search_passes(self) -> tuple[SearchParameters, ...]:
        """The core :class:`~mine2magnet.geostats.SearchParameters`, one per pass."""
        r = list(self.ranges) * 3 if len(self.ranges) == 1 else list(self.ranges)
        out = []
        for p in self.passes:
            out.append(
                SearchParameters(
                    ranges=tuple(x * p.factor for x in r),
                    angles=tuple(self.angles),
                    min_samples=p.min_samples if p.min_samples is not None else self.min_samples,
                    max_samples=p.max_samples if p.max_samples is not None else self.max_samples,
                    max_per_hole=(
                        p.max_per_hole if p.max_per_hole is not None else self.max_per_hole
                    ),
                    max_per_octant=self.max_per_octant,
                )
            )
        return tuple(out)


# --------------------------------------------------------------------- statistics


class ExperimentalParams(_Strict):
    """Experimental variograms along the three axes of the domain's model (and downhole).

    Lags default to a tenth of the model's largest range along each axis.
    """

    lags_m: Annotated[list[PositiveFloat], Field(min_length=3, max_length=3)] | None = Field(
        default=None, description="Lag spacing along major, semi-major, minor [m]."
    )
    n_lags: Annotated[int, Field(ge=2, le=200)] = Field(default=12, description="[-]")
    angle_tol_deg: Annotated[float, Field(gt=0, le=90)] = Field(
        default=22.5, description="Azimuth and dip half-angle tolerance [deg]."
    )
    bandwidth_m: PositiveFloat = Field(
        default=30.0, description="Horizontal and vertical bandwidth [m]."
    )
    downhole_lag_m: PositiveFloat | None = Field(
        default=None, description="Downhole lag; default the composite length [m]."
    )
    downhole_n_lags: Annotated[int, Field(ge=2, le=500)] = Field(default=15, description="[-]")


class DeclusteringParams(_Strict):
    """Cell declustering per domain (GSLIB ``declus``), see :func:`cell_declustering`."""

    cell_sizes_m: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="Cell sizes along x to scan; default 0 … half the extent [m]."
    )
    n_sizes: Annotated[int, Field(ge=2, le=500)] = Field(default=21, description="[-]")
    anisotropy: Annotated[list[PositiveFloat], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [1.0, 1.0], description="Cell size ratios y/x and z/x [-]."
    )
    n_offsets: Annotated[int, Field(ge=1, le=100)] = Field(default=8, description="[-]")
    objective: Literal["minimum", "maximum"] = Field(
        default="minimum", description="Keep the size with the minimum (or maximum) mean."
    )


class TopCutParams(_Strict):
    """Top-cut analysis: the thresholds examined (percentiles of the domain's data)."""

    percentiles: Annotated[list[Annotated[float, Field(gt=0, lt=100)]], Field(min_length=1)] = (
        Field(
            default_factory=lambda: [90.0, 95.0, 97.5, 99.0, 99.5, 99.9],
            description="Percentiles tested as top-cut thresholds [%].",
        )
    )
    histogram_bins: Annotated[int, Field(ge=2, le=500)] = Field(default=30, description="[-]")


class CrossValidationParams(_Strict):
    """Cross-validation of the primary (and listed) columns, point support."""

    kinds: list[Literal["leave_one_out", "leave_hole_out"]] = Field(
        default_factory=lambda: ["leave_one_out", "leave_hole_out"],
        description="Which cross-validations to run; [] for none.",
    )
    columns: list[str] | None = Field(
        default=None, description="Grade columns; default the primary column only."
    )
    max_targets: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="At most this many samples per domain are left out (a seeded random "
        "subset); default all [-].",
    )


class ValidationParams(_Strict):
    """Swath tables (composites vs blocks) along easting, northing and elevation."""

    swath_widths_m: Annotated[list[PositiveFloat], Field(min_length=3, max_length=3)] | None = (
        Field(default=None, description="Swath widths along x, y, z; default 4 blocks [m].")
    )
    columns: list[str] | None = Field(
        default=None, description="Columns in the swaths; default the primary column."
    )


class NeighbourhoodAnalysisParams(_Strict):
    """Kriging neighbourhood analysis (slope and efficiency against block and search size)
    at ``n_blocks`` test blocks drawn (seeded) from the domain's estimated blocks."""

    block_sizes_m: Annotated[
        list[Annotated[list[PositiveFloat], Field(min_length=3, max_length=3)]],
        Field(min_length=1),
    ] = Field(description="Block sizes (x, y, z) to test [m].")
    max_samples: Annotated[list[Annotated[int, Field(ge=1, le=200)]], Field(min_length=1)] = Field(
        description="Maximum numbers of samples to test [-]."
    )
    n_blocks: Annotated[int, Field(ge=1, le=1000)] = Field(default=10, description="[-]")


class DomainParams(_Strict):
    """Estimation settings of one domain (hard boundary: only its own composites)."""

    variogram: VariogramParams = Field(
        description="Model for every grade column without its own entry in 'variograms'."
    )
    variograms: dict[str, VariogramParams] = Field(
        default_factory=dict,
        description="Per-column models (breaks TREO = Σ oxides for those columns).",
    )
    search: SearchParams
    method: Literal["ordinary", "simple"] | None = Field(
        default=None, description="Overrides geostats.method for this domain."
    )
    top_cuts: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="Caps per grade column [%]. A cap on the TREO column scales all "
        "rare-earth oxides of a capped sample by the same factor, keeping TREO = Σ oxides.",
    )
    experimental: ExperimentalParams = ExperimentalParams()
    neighbourhood_analysis: NeighbourhoodAnalysisParams | None = None


class GeostatsParams(_Strict):
    """The whole ``[geostats]`` section."""

    method: Literal["ordinary", "simple"] = Field(
        default="ordinary",
        description="Kriging method; simple kriging uses the declustered domain mean.",
    )
    discretisation: Annotated[
        list[Annotated[int, Field(ge=1, le=20)]], Field(min_length=3, max_length=3)
    ] = Field(default_factory=lambda: [4, 4, 2], description="Points along x, y, z [-].")
    primary_column: str = Field(
        default="TREO_pct",
        description="Column whose kriging variance is stored (kv) and that is "
        "cross-validated, top-cut analysed and swathed by default.",
    )
    columns: list[str] | None = Field(
        default=None, description="Grade columns to estimate; default every grade column."
    )
    comparison_columns: list[str] | None = Field(
        default=None,
        description="Columns also estimated by inverse distance and nearest neighbour; "
        "default the primary column.",
    )
    idw_power: Annotated[float, Field(ge=0, le=10)] = Field(default=2.0, description="[-]")
    chunk_size: Annotated[int, Field(ge=1)] = Field(
        default=20_000, description="Blocks per chunk sent to the executor [-]."
    )
    declustering: DeclusteringParams = DeclusteringParams()
    top_cut_analysis: TopCutParams = TopCutParams()
    cross_validation: CrossValidationParams = CrossValidationParams()
    validation: ValidationParams = ValidationParams()
    domains: dict[str, DomainParams] = Field(
        default_factory=dict, description="Settings per estimated domain code."
    )

    def domain(self, code: str) -> DomainParams:
        """Settings of domain ``code``; ConfigError naming the missing key."""
        if code not in self.domains:
            raise ConfigError(
                f"key 'geostats.domains.{code}': domain {code!r} is estimated "
                f"([[domains]] estimate = true) but has no variogram and search; add "
                f"[geostats.domains.{code}.variogram] and [geostats.domains.{code}.search] "
                "or set estimate = false"
            )
        return self.domains[code]


# ------------------------------------------------------------------------- loading


def geostats_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> GeostatsParams:
    """Validate the ``[geostats]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.geostats``), a loaded
        :class:`~mine2magnet.config.Project`, or None for all defaults (no domains).
    source : str or Path, optional
        File named in error messages (taken from the Project when one is given).

    Returns
    -------
    GeostatsParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``geostats.domains.HG.search.max_samples``.

    Examples
    --------
    >>> p = geostats_params({"domains": {"HG": {
    ...     "variogram": {"nugget": 0.1, "structures": [
    ...         {"kind": "spherical", "sill": 0.9, "ranges": [100, 50, 10]}]},
    ...     "search": {"ranges": [100, 50, 10], "max_samples": 16}}}})
    >>> p.domains["HG"].search.search_passes()[0].max_samples
    16
    """
    return validate_section(GeostatsParams, section, "geostats", source=source)
