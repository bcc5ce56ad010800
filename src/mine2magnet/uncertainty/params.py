"""``[uncertainty]``: the conditional-simulation stage's parameters (strict pydantic).

Every key, its default and its unit (see ``docs/simulation.md``, "The uncertainty stage")::

    [uncertainty]
    realisations = 20            # SGS realisations [-]
    domains = ["HG", "LG"]       # [] = every domain with a variogram model
    columns = ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"]   # first = total, others parts [%]
    discretisation = [2, 2, 2]   # simulated points per block along i, j, k [-]
    max_data = 24                # conditioning composites per node [-]
    max_previous = 24            # previously simulated nodes per node [-]
    ns_variogram = "fitted"      # "fitted" | "rescaled"
    cutoffs_pct = [0.5, 1.0, 2.0, 3.0, 4.0]             # grade-tonnage cut-offs [%]
    probability_cutoff_pct = 0.5 # [resource reporting cut-off] [%]
    pit = true                   # ultimate pit and its value per realisation
    npv = true                   # NPV of the base plan per realisation
    [uncertainty.classification_support]
    quarter_tonnes = 0           # [t]; 0 = a quarter of the annual plant feed
    tolerance_pct = 15.0         # [%] 90 % interval half-width / median
    confidence_pct = 90.0        # [%]

Errors name the key as ``uncertainty.<key>`` (and the project file).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mine2magnet.config import Project, validate_section

__all__ = ["ClassificationSupportParams", "UncertaintyParams", "uncertainty_params"]


class _Strict(BaseModel):
    """Base: unknown keys are errors, no type coercion, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ClassificationSupportParams(_Strict):
    """``[uncertainty.classification_support]``: panels and the confidence rule."""

    quarter_tonnes: Annotated[float, Field(ge=0)] = Field(
        default=0.0,
        description="Tonnage of a quarterly panel [t]; 0 = a quarter of the annual plant feed "
        "of the reserve schedule (or of [mining] processing_rate_tpa).",
    )
    tolerance_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        default=15.0, description="Largest 90 % interval half-width of metal, % of the median."
    )
    confidence_pct: Annotated[float, Field(gt=0, lt=100)] = Field(
        default=90.0, description="Two-sided confidence of the interval [%]."
    )


class UncertaintyParams(_Strict):
    """``[uncertainty]``: realisations, domains, grades, search, outputs."""

    realisations: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=20, description="Number of SGS realisations [-]."
    )
    domains: list[str] = Field(
        default_factory=list,
        description="Domains simulated; empty = every domain with a variogram model.",
    )
    columns: list[str] = Field(
        default_factory=lambda: ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"],
        description="Grade columns [%]: the first is the total, the others its parts.",
    )
    discretisation: list[Annotated[int, Field(ge=1, le=10)]] = Field(
        default_factory=lambda: [2, 2, 2],
        description="Simulated points per block along i, j, k (change of support) [-].",
    )
    max_data: Annotated[int, Field(ge=1, le=200)] = 24
    max_previous: Annotated[int, Field(ge=0, le=200)] = 24
    ns_variogram: Literal["fitted", "rescaled"] = Field(
        default="fitted",
        description="'fitted': normal-score variogram fitted to the composites' normal "
        "scores; 'rescaled': the grade model with its sill rescaled to 1.",
    )
    cutoffs_pct: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.5, 1.0, 2.0, 3.0, 4.0],
        description="Grade-tonnage cut-offs of the total [%].",
    )
    probability_cutoff_pct: Annotated[float, Field(ge=0)] | None = Field(
        default=None,
        description="Cut-off of the probability model [%]; default the resource cut-off.",
    )
    pit: bool = Field(default=True, description="Ultimate pit and its value per realisation.")
    npv: bool = Field(default=True, description="NPV of the base plan per realisation.")
    classification_support: ClassificationSupportParams = ClassificationSupportParams()

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least the total, e.g. ['TREO_pct']")
        if len(set(v)) != len(v):
            raise ValueError("columns must be distinct")
        if any(not c.endswith("_pct") for c in v):
            raise ValueError("grade columns end in '_pct' (oxide weight %)")
        return v

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("domains must be distinct")
        return v

    @field_validator("discretisation")
    @classmethod
    def _disc(cls, v: list[int]) -> list[int]:
        if len(v) != 3:
            raise ValueError("give three counts (i, j, k), e.g. [2, 2, 2]")
        return v

    @field_validator("cutoffs_pct")
    @classmethod
    def _cutoffs(cls, v: list[float]) -> list[float]:
        if not v:
            raise ValueError("give at least one cut-off")
        if sorted(set(v)) != list(v):
            raise ValueError("cut-offs must be distinct and ascending")
        return v


def uncertainty_params(
    project: Project | dict[str, Any] | None, overrides: dict[str, Any] | None = None
) -> UncertaintyParams:
    """The validated ``[uncertainty]`` section of a project (or a raw mapping).

    Parameters
    ----------
    project : Project, mapping or None
        A loaded project, the raw ``[uncertainty]`` mapping, or None for the defaults.
    overrides : mapping, optional
        Keys replacing the section's (e.g. the CLI's ``--realisations``).

    Returns
    -------
    UncertaintyParams

    Raises
    ------
    ConfigError
        Naming the file (for a Project) and the key ``uncertainty.<key>``.

    Examples
    --------
    >>> uncertainty_params({"realisations": 5}).realisations
    5
    """
    source = None
    section = project
    if isinstance(project, Project):
        source = project.source_file
        section = project.uncertainty
    merged = {**dict(section or {}), **dict(overrides or {})}
    return validate_section(UncertaintyParams, merged, "uncertainty", source=source)
