"""Schemas of ``[mining.schedule]`` and ``[mining.reserve]`` (the schedule and the Ore Reserve).

:class:`~mine2magnet.mining.params.MiningParams` keeps both sub-sections as raw dicts;
:func:`schedule_params` and :func:`reserve_params` validate them. Errors are
:class:`~mine2magnet.errors.ConfigError` naming the dotted key
(``mining.schedule.period_years`` …). Empty sections give defaults that work on the demo.

Layout (every key optional)::

    [mining.schedule]
    periods = "auto"              # number of periods, or "auto": enough for the pit's ore
    max_periods = 40              # cap of "auto" [-]
    period_years = 1              # length of a period [y]
    mining_rate_tpa = 6_000_000   # default [mining] mining_rate_tpa (none: unlimited) [t/y]
    processing_rate_tpa = 570_000 # default [mining] processing_rate_tpa; plant feed [t/y]
    processing_ramp_up_pct = [50, 80]   # plant capacity share of the first periods [%]
    discount_rate_pct = 8.0       # default [mining] discount_rate_pct [%/y]
    benches_per_increment = 1     # benches merged into one (phase, bench) increment [-]
    lag = 1                       # increments by which phase p - 1 stays ahead of p [-]
    grade_bins = 3                # processing-margin bins: Lane-style variable cut-off [-]
    stockpile_capacity_t = 0      # 0: no stockpile [t of rock]
    rehandle_cost_usd_t = 1.0     # reclaiming one tonne from the stockpile [US$/t]
    time_limit_s = 30             # HiGHS time limit [s]
    mip_gap_pct = 1.0             # relative MIP gap [%]

    [mining.reserve]
    basis = "scheduled"           # or "final_pit": every block of the phase pit is mined
    effective_date = 2026-01-01   # default: none ("to be completed by the Competent Person")
    reference_point = "plant feed: ore delivered to the processing plant"
    mining_method = "conventional open pit: drill and blast, excavators and trucks"
    rounding = { reserve = { tonnes = 3, grades = 3, contained = 3 },
                 inferred = { tonnes = 2, grades = 2, contained = 2 } }

Every default without a source is an *assumption* of this toolkit, chosen to give a
plausible schedule of the demo in seconds: replace it with study figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mine2magnet.config import validate_section
from mine2magnet.resources.params import SigFigs

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.mining.params import MiningParams

__all__ = [
    "ReserveParams",
    "ReserveRounding",
    "ScheduleParams",
    "reserve_params",
    "schedule_params",
]

Pct = Annotated[float, Field(ge=0, le=100)]


class _Strict(BaseModel):
    """Base: unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleParams(_Strict):
    """The ``[mining.schedule]`` section: the phase-bench life-of-mine schedule."""

    periods: Literal["auto"] | Annotated[int, Field(ge=1, le=200)] = Field(
        default="auto",
        description="Number of periods, or 'auto': enough periods to process the ore of "
        "the phase pit (and move its rock), plus one, at most max_periods [-].",
    )
    max_periods: Annotated[int, Field(ge=1, le=200)] = Field(
        default=40, description="Largest number of periods of 'auto' [-]."
    )
    period_years: Annotated[int, Field(ge=1, le=10)] = Field(
        default=1, description="Length of one period [y]."
    )
    mining_rate_tpa: Annotated[float, Field(gt=0)] | None = Field(
        default=None,
        description="Rock moved per year; None: [mining] mining_rate_tpa, itself None for "
        "unlimited [t/y].",
    )
    processing_rate_tpa: Annotated[float, Field(gt=0)] | None = Field(
        default=None,
        description="Plant feed per year (after mining recovery and dilution); None: "
        "[mining] processing_rate_tpa [t/y].",
    )
    processing_ramp_up_pct: Annotated[list[Pct], Field(max_length=50)] = Field(
        default_factory=list,
        description="Plant capacity of the first periods as a share of the full rate [%].",
    )
    discount_rate_pct: Annotated[float, Field(ge=0, le=100)] | None = Field(
        default=None, description="Real discount rate; None: [mining] discount_rate_pct [%/y]."
    )
    benches_per_increment: Annotated[int, Field(ge=1, le=20)] = Field(
        default=1, description="Benches of a phase merged into one increment [-]."
    )
    lag: Annotated[int, Field(ge=0, le=20)] = Field(
        default=1,
        description="Increments (bench groups) by which phase p - 1 stays ahead of phase p [-].",
    )
    grade_bins: Annotated[int, Field(ge=1, le=10)] = Field(
        default=3,
        description="Bins of the processing margin per increment; more than one lets the "
        "cut-off vary by period (Lane) [-].",
    )
    stockpile_capacity_t: Annotated[float, Field(ge=0)] = Field(
        default=0.0, description="Largest stockpile inventory, 0 for none [t of rock]."
    )
    rehandle_cost_usd_t: Annotated[float, Field(ge=0)] = Field(
        default=1.0, description="Cost of reclaiming a tonne from the stockpile [US$/t]."
    )
    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=30.0, description="HiGHS time limit [s]."
    )
    mip_gap_pct: Annotated[float, Field(gt=0, lt=100)] = Field(
        default=1.0, description="Relative MIP gap at which HiGHS stops [%]."
    )

    def discount_rate(self, mining: MiningParams) -> float:
        """Annual discount rate, this section's or ``[mining]``'s [-]."""
        pct = (
            self.discount_rate_pct
            if self.discount_rate_pct is not None
            else (mining.discount_rate_pct)
        )
        return pct / 100.0

    def rates(self, mining: MiningParams) -> tuple[float | None, float]:
        """Mining (None: unlimited) and processing rates [t/y], this section's or [mining]'s."""
        m = self.mining_rate_tpa if self.mining_rate_tpa is not None else mining.mining_rate_tpa
        p = (
            self.processing_rate_tpa
            if self.processing_rate_tpa is not None
            else mining.processing_rate_tpa
        )
        return m, float(p)

    def n_periods(self, feed_tonnes: float, rock_tonnes: float, mining: MiningParams) -> int:
        """Periods of the horizon: ``periods``, or for "auto" the life at the rates + 1.

        Parameters
        ----------
        feed_tonnes : float
            Plant feed available in the pit [t].
        rock_tonnes : float
            Rock of the pit [t].
        mining : MiningParams

        Returns
        -------
        int
            At least 1; "auto" is capped at ``max_periods`` [-].
        """
        if self.periods != "auto":
            return int(self.periods)
        m, p = self.rates(mining)
        years = feed_tonnes / p
        if m is not None:
            years = max(years, rock_tonnes / m)
        n = math.ceil(years / self.period_years - 1e-9) + 1
        return int(min(max(n, 1), self.max_periods))


class ReserveRounding(_Strict):
    """Significant figures of the Ore Reserve statement (the unrounded table is kept)."""

    reserve: SigFigs = Field(
        default=SigFigs(tonnes=3, grades=3, contained=3),
        description="Proved, Probable and Total rows.",
    )
    inferred: SigFigs = Field(
        default=SigFigs(tonnes=2, grades=2, contained=2),
        description="The memo row of Inferred material inside the pit.",
    )


class ReserveParams(_Strict):
    """The ``[mining.reserve]`` section: basis and wording of the Ore Reserve."""

    basis: Literal["scheduled", "final_pit"] = Field(
        default="scheduled",
        description="'scheduled': the material the schedule mines and processes; "
        "'final_pit': every block of the phase pit, processed when it pays.",
    )
    effective_date: date | None = Field(
        default=None, description="Effective date; None: to be completed by the CP."
    )
    reference_point: str = Field(
        default="plant feed: run-of-mine ore delivered to the processing plant",
        max_length=300,
        description="Where the Reserve tonnes and grades are measured.",
    )
    mining_method: str = Field(
        default="conventional open pit: drill and blast, hydraulic excavators and trucks "
        "(assumption)",
        max_length=300,
        description="Mining method the modifying factors assume.",
    )
    rounding: ReserveRounding = ReserveRounding()


def schedule_params(mining: MiningParams | Mapping[str, Any] | None) -> ScheduleParams:
    """Validate ``[mining.schedule]``.

    Parameters
    ----------
    mining : MiningParams or Mapping or None
        The validated ``[mining]`` section (its raw ``schedule`` dict is read), the raw
        ``[mining.schedule]`` mapping itself, or None for the defaults.

    Returns
    -------
    ScheduleParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``mining.schedule.period_years``.

    Examples
    --------
    >>> schedule_params({"period_years": 2}).period_years
    2
    """
    raw = getattr(mining, "schedule", mining)
    return validate_section(ScheduleParams, raw, "mining.schedule")


def reserve_params(mining: MiningParams | Mapping[str, Any] | None) -> ReserveParams:
    """Validate ``[mining.reserve]``.

    Parameters
    ----------
    mining : MiningParams or Mapping or None
        The validated ``[mining]`` section (its raw ``reserve`` dict is read), the raw
        ``[mining.reserve]`` mapping itself, or None for the defaults.

    Returns
    -------
    ReserveParams

    Raises
    ------
    ConfigError
        Naming the dotted key, e.g. ``mining.reserve.basis``.

    Examples
    --------
    >>> reserve_params(None).rounding.reserve.tonnes
    3
    """
    raw = getattr(mining, "reserve", mining)
    return validate_section(ReserveParams, raw, "mining.reserve")
