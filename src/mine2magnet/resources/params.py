"""Schema of the ``[resources]`` section of ``project.toml``.

:func:`resource_params` validates the raw ``Project.resources`` dict into
:class:`ResourceParams`; errors are :class:`~mine2magnet.errors.ConfigError` naming the
dotted key (``resources.classification.measured.max_spacing_m`` …). An empty section
gives defaults that classify and report the demo deposit.

Layout (every key optional)::

    [resources]
    effective_date = 2026-01-01
    grade_column = "TREO_pct"                  # estimated blocks: this column is finite
    reporting_cutoff = { basis = "TREO_pct", value = 0.5 }
    statement_cutoffs = [0.5, 1.0, 1.5, 2.0, 3.0]     # same basis as reporting_cutoff
    grade_tonnage_cutoffs = [0.0, 0.25, 0.5, 1.0]     # default: by basis

    [resources.rounding]                       # significant figures of the statement
    measured_indicated = { tonnes = 3, grades = 3, contained = 3 }
    inferred = { tonnes = 2, grades = 2, contained = 2 }   # also used for "Total"

    [resources.classification]
    nearest_holes = 3                          # spacing = distance to the 3rd nearest hole
    same_domain = true                         # only composites of the block's domain
    search = { radius_m = 60.0, anisotropy = [1.0, 1.0, 1.0], angles = [0.0, 0.0, 0.0] }
    measured = { max_spacing_m = 30, min_holes = 4, min_samples = 12, min_slope = 0.8,
                 min_ke = 0.4, max_pass = 1 }
    indicated = { max_spacing_m = 60, min_holes = 3, min_samples = 8, min_slope = 0.5,
                  max_pass = 2 }
    inferred = { max_spacing_m = 120, min_holes = 1, min_samples = 1, max_pass = 3 }

    [resources.classification.qaqc]            # blocks relying on suspect holes drop a class
    rules = ["crm_outside_3sd", "crm_2x2sd_same_side", "crm_bias_trend", "blank_above_limit"]
    holes = []                                 # holes downgraded whatever their QA/QC
    min_share = 0.5                            # of the nearest holes, flagged
    downgrade = 1

    [resources.classification.smoothing]
    method = "majority"                        # or "none"
    window = [3, 3, 3]
    iterations = 2
    max_upgrade = 1
    max_downgrade = 1

    [resources.rpeee]
    constraint = "depth"                       # "depth", "strip_ratio", "pit", "none"
    max_depth_m = 300.0
    max_strip_ratio = 8.0
    overburden_density_t_m3 = 2.2
    price_factor = 1.0
    prices_usd_kg = { Nd2O3 = 110.0, Pr6O11 = 110.0, ... }
    recovery_pct = 50.0
    recoveries_pct = { }                       # per oxide, overrides recovery_pct
    payability_pct = 75.0
    costs = { processing_usd_t = 45.0, ga_usd_t = 10.0 }

Sources of the defaults
-----------------------
Prices are *facts* compiled in ``../shared/DOMAIN.md`` §5 (real US$/kg oxide, ex-China,
early 2026): NdPr oxide, Nd2O3 and Pr6O11 110 (US DoD price floor for MP Materials,
Jul 2025); Dy2O3 290, Tb4O7 1,150, La2O3 0.90, CeO2 1.7 (FOB China, 30 Jan 2026); Y2O3 11
(China domestic, Feb 2026). Oxides without a reliable price (Sm2O3 and the other heavy
REO) are valued at zero. The 75 % payability of a mixed concentrate is DOMAIN.md §5
(Bear Lodge PFS, 2014). Recovery, costs, cut-off, depth and every classification
threshold are *assumptions* of this toolkit chosen for the SYNTHETIC demo (25 m infill
and 50 m grid drilling); a Competent Person replaces them for a real deposit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mine2magnet.chemistry import REO
from mine2magnet.config import validate_section

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project

__all__ = [
    "CLASSES",
    "PRICE_SOURCE",
    "ClassCriteria",
    "ClassificationParams",
    "CostParams",
    "CutoffParams",
    "QaqcParams",
    "RPEEEParams",
    "ResourceParams",
    "RoundingParams",
    "SearchParams",
    "SigFigs",
    "SmoothingParams",
    "default_cutoffs",
    "resource_params",
]

#: Mineral Resource classes in order of decreasing geological confidence.
CLASSES: tuple[str, ...] = ("measured", "indicated", "inferred")

#: Source of the default price deck (quoted in the statement metadata).
PRICE_SOURCE = (
    "DOMAIN.md §5, real US$/kg oxide, ex-China early 2026: NdPr/Nd2O3/Pr6O11 110 "
    "(US DoD price floor for MP Materials, Jul 2025); Dy2O3 290, Tb4O7 1,150, La2O3 0.90, "
    "CeO2 1.7 (FOB China, 30 Jan 2026); Y2O3 11 (China domestic, Feb 2026); other REO 0 "
    "(no reliable price)"
)

_DEFAULT_PRICES: dict[str, float] = {
    "La2O3": 0.90, "CeO2": 1.7, "Pr6O11": 110.0, "Nd2O3": 110.0, "Tb4O7": 1150.0,
    "Dy2O3": 290.0, "Y2O3": 11.0,
}  # fmt: skip

Basis = Literal["TREO_pct", "NSR_usd_t"]
NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Pct = Annotated[float, Field(ge=0, le=100)]


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------- classification


class ClassCriteria(_Strict):
    """Thresholds a block must meet for one class (None switches a criterion off).

    A block is in a class when it meets that class's criteria *and* those of every
    lower-confidence class, so classes nest whatever the thresholds.
    """

    max_spacing_m: Positive | None = Field(
        default=None,
        description="Largest distance from the block centroid to the n-th nearest distinct "
        "hole (n = classification.nearest_holes) [m].",
    )
    min_holes: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Distinct holes with a composite inside the search [-]."
    )
    min_samples: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Composites inside the search [-]."
    )
    min_slope: float | None = Field(
        default=None, description="Smallest slope of regression of the estimate [-]."
    )
    min_ke: float | None = Field(
        default=None, description="Smallest kriging efficiency of the estimate [-]."
    )
    max_pass: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Highest search pass that estimated the block [-]."
    )


class SearchParams(_Strict):
    """The neighbourhood in which holes and samples are counted.

    An ellipsoid with major radius ``radius_m``, semi-major and minor radii
    ``radius_m × anisotropy[1]`` and ``radius_m × anisotropy[2]``, oriented by GSLIB
    ``angles`` (azimuth, dip, rake; see :mod:`mine2magnet.geostats.rotation`).
    """

    radius_m: Positive = Field(default=60.0, description="Major radius [m].")
    anisotropy: Annotated[list[Annotated[float, Field(gt=0, le=1)]], Field(
        min_length=3, max_length=3)] = Field(
        default_factory=lambda: [1.0, 1.0, 1.0],
        description="Radii relative to the major radius: [1, semi/major, minor/major] [-].",
    )  # fmt: skip
    angles: Annotated[list[float], Field(min_length=3, max_length=3)] = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        description="Azimuth, dip, rake of the ellipsoid, GSLIB [deg].",
    )

    @model_validator(mode="after")
    def _major_first(self) -> SearchParams:
        if self.anisotropy[0] != 1.0:
            raise ValueError("anisotropy[0] is the major axis and must be 1.0")
        return self


class QaqcParams(_Strict):
    """QA/QC downgrade: blocks relying on holes with failed QA/QC drop ``downgrade`` classes.

    A hole is *flagged* when a QA/QC insert of its sample stream (``qaqc_samples.hole_id``)
    broke one of ``rules`` (in ``qaqc_failures``), or when it is listed in ``holes``. A
    block is downgraded when the flagged share of its ``nearest_holes`` nearest holes is
    at least ``min_share``.
    """

    rules: list[str] = Field(
        default_factory=lambda: [
            "crm_outside_3sd", "crm_2x2sd_same_side", "crm_bias_trend", "blank_above_limit",
        ],
        description="QA/QC failure rules that flag the hole of the failed insert.",
    )  # fmt: skip
    holes: list[str] = Field(
        default_factory=list, description="Holes flagged whatever their QA/QC (e.g. twins)."
    )
    min_share: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.5, description="Flagged share of the nearest holes that downgrades [-]."
    )
    downgrade: Annotated[int, Field(ge=0, le=3)] = Field(
        default=1, description="Classes dropped (0 switches the rule off) [-]."
    )


class SmoothingParams(_Strict):
    """Majority filter on the i, j, k grid that removes isolated ("spotted dog") blocks."""

    method: Literal["majority", "none"] = "majority"
    window: Annotated[list[Annotated[int, Field(ge=1, le=9)]], Field(
        min_length=3, max_length=3)] = Field(
        default_factory=lambda: [3, 3, 3], description="Odd window size along i, j, k [-]."
    )  # fmt: skip
    iterations: Annotated[int, Field(ge=1, le=10)] = Field(
        default=2, description="Passes of the filter [-]."
    )
    max_upgrade: Annotated[int, Field(ge=0, le=2)] = Field(
        default=1, description="Most classes a block may rise above its criteria class [-]."
    )
    max_downgrade: Annotated[int, Field(ge=0, le=3)] = Field(
        default=1, description="Most classes a block may fall below its criteria class [-]."
    )

    @model_validator(mode="after")
    def _odd(self) -> SmoothingParams:
        if any(w % 2 == 0 for w in self.window):
            raise ValueError(f"window sizes must be odd, got {self.window}")
        return self


def _measured() -> ClassCriteria:
    return ClassCriteria(max_spacing_m=30.0, min_holes=4, min_samples=12, min_slope=0.8,
                         min_ke=0.4, max_pass=1)  # fmt: skip


def _indicated() -> ClassCriteria:
    return ClassCriteria(max_spacing_m=60.0, min_holes=3, min_samples=8, min_slope=0.5,
                         max_pass=2)  # fmt: skip


def _inferred() -> ClassCriteria:
    return ClassCriteria(max_spacing_m=120.0, min_holes=1, min_samples=1, max_pass=3)


_CLASS_DEFAULTS = {"measured": _measured, "indicated": _indicated, "inferred": _inferred}


class ClassificationParams(_Strict):
    """Criteria per class, the QA/QC downgrade and the smoothing.

    A class table given in the project file is merged into that class's defaults, so
    ``measured = { max_spacing_m = 25 }`` changes one threshold only. To switch a
    criterion off in TOML set ``min_holes``/``min_samples`` to 0, ``min_slope``/``min_ke``
    to ``-inf`` or ``max_spacing_m`` to ``inf``.
    """

    nearest_holes: Annotated[int, Field(ge=1, le=20)] = Field(
        default=3, description="n of 'distance to the n-th nearest distinct hole' [-]."
    )
    same_domain: bool = Field(
        default=True,
        description="Count only composites of the block's domain (hard boundaries, as "
        "in the estimate).",
    )
    search: SearchParams = SearchParams()
    measured: ClassCriteria = Field(default_factory=_measured)
    indicated: ClassCriteria = Field(default_factory=_indicated)
    inferred: ClassCriteria = Field(default_factory=_inferred)
    qaqc: QaqcParams = QaqcParams()
    smoothing: SmoothingParams = SmoothingParams()

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for name, default in _CLASS_DEFAULTS.items():
            given = out.get(name)
            if isinstance(given, Mapping):
                out[name] = {**default().model_dump(), **given}
        return out

    @model_validator(mode="after")
    def _nested(self) -> ClassificationParams:
        """Higher-confidence classes must be at least as strict as lower ones."""
        pairs = (("measured", "indicated"), ("indicated", "inferred"))
        for hi, lo in pairs:
            a, b = getattr(self, hi), getattr(self, lo)
            for key, sign in (("max_spacing_m", -1), ("min_holes", 1), ("min_samples", 1),
                              ("min_slope", 1), ("min_ke", 1), ("max_pass", -1)):  # fmt: skip
                va, vb = getattr(a, key), getattr(b, key)
                if vb is None:
                    continue
                if va is None or sign * (va - vb) < 0:
                    rel = "at most" if sign < 0 else "at least"
                    raise ValueError(
                        f"{hi}.{key} ({va}) must be {rel} {lo}.{key} ({vb}): a more "
                        "confident class cannot have a looser criterion"
                    )
        return self

    def criteria(self, cls: str) -> ClassCriteria:
        """The thresholds of one class (``"measured"``, ``"indicated"``, ``"inferred"``)."""
        return getattr(self, cls)


# -------------------------------------------------------------------------------- RPEEE


class CostParams(_Strict):
    """Costs per tonne of ore processed; their sum is the NSR break-even cut-off."""

    processing_usd_t: NonNeg = Field(
        default=45.0, description="Processing to concentrate, assumption [US$/t ore]."
    )
    ga_usd_t: NonNeg = Field(default=10.0, description="General and admin, assumption [US$/t].")

    @property
    def breakeven_usd_t(self) -> float:
        """Processing plus G&A [US$/t]."""
        return self.processing_usd_t + self.ga_usd_t


class RPEEEParams(_Strict):
    """Reasonable prospects for eventual economic extraction: constraint and NSR inputs.

    ``constraint``: ``"depth"`` keeps blocks whose centroid lies at most ``max_depth_m``
    below the topography; ``"strip_ratio"`` keeps, in every block column (i, j), the
    levels down to the deepest one whose cumulative strip ratio (waste / resource tonnes
    from the surface) is at most ``max_strip_ratio``; ``"pit"`` keeps blocks inside the pit
    shell handed in by the mining stage; ``"none"`` applies the cut-off only.
    """

    constraint: Literal["depth", "strip_ratio", "pit", "none"] = "depth"
    max_depth_m: Positive = Field(
        default=300.0, description="Deepest block centroid below topography, assumption [m]."
    )
    max_strip_ratio: Positive = Field(
        default=8.0, description="Largest cumulative column strip ratio, assumption [t/t]."
    )
    overburden_density_t_m3: Positive = Field(
        default=2.2,
        description="Density of ground between topography and the top of the block "
        "model, counted as waste by the strip-ratio constraint [t/m3].",
    )
    price_factor: Annotated[float, Field(gt=0, le=5)] = Field(
        default=1.0,
        description="Multiplier on prices for RPEEE (1.3 = 30 % uplift) [-]; the mining "
        "stage uses the same factor for its RPEEE pit shell.",
    )
    prices_usd_kg: dict[str, NonNeg] = Field(
        default_factory=lambda: dict(_DEFAULT_PRICES),
        description="Separated-oxide prices by oxide (La2O3 … Y2O3), real [US$/kg oxide]; "
        "oxides left out are worth 0.",
    )
    price_source: str = Field(default=PRICE_SOURCE, description="Where the prices come from.")
    recovery_pct: Pct = Field(
        default=50.0, description="Overall recovery to payable product, assumption [%]."
    )
    recoveries_pct: dict[str, Pct] = Field(
        default_factory=dict, description="Recovery by oxide, overrides recovery_pct [%]."
    )
    payability_pct: Pct = Field(
        default=75.0,
        description="Share of the separated-oxide value paid for a mixed concentrate "
        "(~75 %, Bear Lodge PFS 2014, DOMAIN.md §5) [%].",
    )
    costs: CostParams = CostParams()

    @model_validator(mode="after")
    def _oxides(self) -> RPEEEParams:
        for name, d in (("prices_usd_kg", self.prices_usd_kg),
                        ("recoveries_pct", self.recoveries_pct)):  # fmt: skip
            bad = sorted(set(d) - set(REO))
            if bad:
                raise ValueError(f"{name}: unknown oxide(s) {bad}; use {', '.join(REO)}")
        return self

    def recovery(self, oxide: str) -> float:
        """Recovery of one oxide [%]."""
        return float(self.recoveries_pct.get(oxide, self.recovery_pct))


# ---------------------------------------------------------------------------- statement


class CutoffParams(_Strict):
    """A cut-off: TREO grade [%] or net smelter return [US$/t]."""

    basis: Basis = "TREO_pct"
    value: NonNeg | None = Field(
        default=0.5,
        description="Cut-off in the basis unit; None with basis NSR_usd_t uses the "
        "break-even rpeee.costs (processing + G&A) [% or US$/t].",
    )

    @model_validator(mode="after")
    def _value(self) -> CutoffParams:
        if self.value is None and self.basis == "TREO_pct":
            raise ValueError("value is required when basis = 'TREO_pct'")
        return self


class SigFigs(_Strict):
    """Significant figures of tonnes, grades and contained tonnes."""

    tonnes: Annotated[int, Field(ge=1, le=6)] = 2
    grades: Annotated[int, Field(ge=1, le=6)] = 2
    contained: Annotated[int, Field(ge=1, le=6)] = 2


class RoundingParams(_Strict):
    """Rounding of the published statement (the unrounded table is kept as well).

    ``measured_indicated`` applies to Measured, Indicated and Measured + Indicated rows;
    ``inferred`` to Inferred and Total rows (a total is no more certain than its least
    certain part).
    """

    measured_indicated: SigFigs = SigFigs(tonnes=3, grades=3, contained=3)
    inferred: SigFigs = SigFigs(tonnes=2, grades=2, contained=2)


def default_cutoffs(basis: str) -> list[float]:
    """Grade-tonnage cut-offs used when none are configured.

    Parameters
    ----------
    basis : str
        ``"TREO_pct"`` [%] or ``"NSR_usd_t"`` [US$/t].

    Returns
    -------
    list of float
        Cut-offs in the basis unit.

    Examples
    --------
    >>> default_cutoffs("TREO_pct")[:4]
    [0.0, 0.25, 0.5, 0.75]
    """
    if basis == "NSR_usd_t":
        return [0.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0, 800.0]
    return [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0]


class ResourceParams(_Strict):
    """The whole ``[resources]`` section."""

    effective_date: date | None = Field(
        default=None, description="Effective date of the estimate (stated in the report)."
    )
    grade_column: str = Field(
        default="TREO_pct",
        description="Blocks where this column is finite are 'estimated' and classified.",
    )
    reporting_cutoff: CutoffParams = CutoffParams()
    statement_cutoffs: list[NonNeg] | None = Field(
        default=None,
        description="Further cut-offs of the statement, in the reporting basis; default "
        "0.5, 1, 1.5, 2, 3 % TREO or 50, 100, 150, 200, 300 US$/t.",
    )
    grade_tonnage_cutoffs: list[NonNeg] | None = Field(
        default=None, description="Cut-offs of the grade-tonnage table (default by basis)."
    )
    rounding: RoundingParams = RoundingParams()
    classification: ClassificationParams = ClassificationParams()
    rpeee: RPEEEParams = RPEEEParams()
    table1: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="The Competent Person's JORC Table 1 text: section_<n> → criterion → "
        "text (validated against the Code's criteria by resources.table1).",
    )

    def cutoff_value(self) -> float:
        """The reporting cut-off in its basis unit [% or US$/t]."""
        v = self.reporting_cutoff.value
        return float(self.rpeee.costs.breakeven_usd_t if v is None else v)

    def cutoffs(self) -> list[float]:
        """Statement cut-offs, the reporting cut-off first, the rest ascending."""
        if self.statement_cutoffs is None:
            rest = ([50.0, 100.0, 150.0, 200.0, 300.0]
                    if self.reporting_cutoff.basis == "NSR_usd_t"
                    else [0.5, 1.0, 1.5, 2.0, 3.0])  # fmt: skip
        else:
            rest = list(self.statement_cutoffs)
        rc = self.cutoff_value()
        return [rc, *sorted({float(c) for c in rest} - {rc})]

    def gt_cutoffs(self) -> list[float]:
        """Grade-tonnage cut-offs, ascending."""
        base = self.grade_tonnage_cutoffs or default_cutoffs(self.reporting_cutoff.basis)
        return sorted({float(c) for c in base})


def resource_params(
    section: Mapping[str, Any] | Project | None, *, source: str | Path | None = None
) -> ResourceParams:
    """Validate the ``[resources]`` section.

    Parameters
    ----------
    section : Mapping or Project or None
        The raw section (``Project.resources``), a loaded Project, or None (defaults).
    source : str or Path, optional
        File named in error messages (taken from the Project when one is given).

    Returns
    -------
    ResourceParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``resources.classification.measured.min_holes``.

    Examples
    --------
    >>> p = resource_params({"reporting_cutoff": {"basis": "TREO_pct", "value": 1.0}})
    >>> p.cutoff_value(), p.classification.nearest_holes
    (1.0, 3)
    """
    return validate_section(ResourceParams, section, "resources", source=source)
