"""Periods, valuation date, discounting convention and money basis.

Time axis
---------
A model has ``n_periods`` equal periods of ``1 / periods_per_year`` years (annual or
quarterly). Period 0 starts on 1 January of ``start_year``. Times are measured in years
from the **valuation date**; ``valuation_offset_years`` is the time from the valuation
date to the start of period 0 (0 when the valuation date is 1 January of the start year,
negative when the valuation date falls later).

Each period's cash flow is placed at one instant, the *cash time*, by the convention:

``"end"``
    end of the period (spreadsheet ``NPV()`` over the whole row: the first flow is
    discounted one full period);
``"mid"``
    middle of the period (flows spread evenly through the period);
``"start"``
    start of the period (the first flow undiscounted, as numpy-financial's ``npv`` and a
    spreadsheet "year 0" column do).

Money basis
-----------
Real money is money of the valuation date. Nominal amounts at cash time ``t`` are real
amounts times ``(1 + i)^t`` for that cost class's escalation rate ``i``. Real and nominal
discount rates are linked by Fisher: ``(1 + n) = (1 + r)(1 + i)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import numpy as np

__all__ = [
    "CONVENTIONS",
    "Convention",
    "Timing",
    "escalation_index",
    "fisher_nominal",
    "fisher_real",
]

Convention = Literal["end", "mid", "start"]
#: Timing conventions and the fraction of a period at which a period's flow is placed.
CONVENTIONS: dict[str, float] = {"end": 1.0, "mid": 0.5, "start": 0.0}


@dataclass(frozen=True)
class Timing:
    """The time axis of a cash-flow model.

    Parameters
    ----------
    n_periods : int
        Number of periods [-].
    start_year : int
        Calendar year in which period 0 starts (1 January) [-].
    periods_per_year : int
        1 (annual) or 4 (quarterly) [-].
    convention : {"end", "mid", "start"}
        Where in its period each flow is placed (module docstring).
    valuation_offset_years : float
        Time from the valuation date to the start of period 0 [y].

    Examples
    --------
    >>> t = Timing(3, 2027, convention="mid")
    >>> t.cash_times().tolist()
    [0.5, 1.5, 2.5]
    >>> Timing(4, 2027, periods_per_year=4).calendar_year().tolist()
    [2027, 2027, 2027, 2027]
    """

    n_periods: int
    start_year: int = 2027
    periods_per_year: int = 1
    convention: Convention = "end"
    valuation_offset_years: float = 0.0

    def __post_init__(self) -> None:
        if self.n_periods < 1:
            raise ValueError(f"n_periods must be >= 1, got {self.n_periods}")
        if self.periods_per_year not in (1, 2, 4, 12):
            raise ValueError(f"periods_per_year must be 1, 2, 4 or 12, got {self.periods_per_year}")
        if self.convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {sorted(CONVENTIONS)}")
        if not np.isfinite(self.valuation_offset_years):
            raise ValueError("valuation_offset_years must be finite")

    @classmethod
    def from_dates(
        cls,
        n_periods: int,
        start_year: int,
        valuation_date: date | None = None,
        *,
        periods_per_year: int = 1,
        convention: Convention = "end",
    ) -> Timing:
        """Build from a calendar valuation date (default: 1 January of ``start_year``)."""
        vd = valuation_date or date(start_year, 1, 1)
        offset = (date(start_year, 1, 1) - vd).days / 365.25
        return cls(n_periods, start_year, periods_per_year, convention, offset)

    @property
    def dt(self) -> float:
        """Period length [y]."""
        return 1.0 / self.periods_per_year

    def extended(self, n_periods: int) -> Timing:
        """The same axis with ``n_periods`` periods."""
        return replace(self, n_periods=n_periods)

    def period_starts(self) -> np.ndarray:
        """Start of each period, from the valuation date [y]."""
        return self.valuation_offset_years + np.arange(self.n_periods) * self.dt

    def cash_times(self) -> np.ndarray:
        """Instant of each period's cash flow under the convention [y]."""
        return self.period_starts() + CONVENTIONS[self.convention] * self.dt

    def discount_factors(self, rate: float | np.ndarray) -> np.ndarray:
        """``(1 + rate)^-t`` at each cash time; shape ``rate.shape + (n_periods,)`` [-].

        Parameters
        ----------
        rate : float or array
            Annual effective discount rate(s) [-] (0.08 = 8 %).
        """
        r = np.asarray(rate, dtype=float)[..., None]
        return (1.0 + r) ** (-self.cash_times())

    def calendar_year(self) -> np.ndarray:
        """Calendar (fiscal) year of each period [-]."""
        return self.start_year + np.arange(self.n_periods) // self.periods_per_year

    def fiscal_year_index(self) -> np.ndarray:
        """0-based fiscal-year number of each period [-]."""
        return np.arange(self.n_periods) // self.periods_per_year

    @property
    def n_fiscal_years(self) -> int:
        """Number of (possibly partial) fiscal years covered [-]."""
        return int(self.fiscal_year_index()[-1]) + 1


def fisher_nominal(real_rate: float, inflation: float) -> float:
    """Nominal rate from a real rate and inflation: ``(1 + r)(1 + i) - 1`` [-].

    Examples
    --------
    >>> round(fisher_nominal(0.08, 0.02), 6)
    0.1016
    """
    return (1.0 + real_rate) * (1.0 + inflation) - 1.0


def fisher_real(nominal_rate: float, inflation: float) -> float:
    """Real rate from a nominal rate and inflation: ``(1 + n)/(1 + i) - 1`` [-]."""
    return (1.0 + nominal_rate) / (1.0 + inflation) - 1.0


def escalation_index(timing: Timing, rate: float) -> np.ndarray:
    """Nominal-to-real index ``(1 + rate)^t`` at each cash time [-].

    Parameters
    ----------
    timing : Timing
    rate : float
        Annual escalation (inflation) rate [-].
    """
    return (1.0 + rate) ** timing.cash_times()
