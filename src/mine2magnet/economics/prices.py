"""Price decks: one price per rare-earth oxide, each with its source and date.

Decks ship in ``economics/data/price_decks.toml`` (see that file for the sources):

* ``ex_china_spot_2026q1`` — ex-China recent spot, early 2026;
* ``china_domestic_2026q1`` — China domestic ex-VAT, Jan–Feb 2026;
* ``trough_2024`` — the 2024 low.

Prices are US$ per kg of **oxide** in real money of the deck date. A project may override
any oxide or add one (``economics.prices.overrides_usd_kg``), and may give a price path per
period (``economics.prices.schedule_usd_kg``). An oxide missing from the deck is valued at
zero, and :func:`basket_price` reports it so the valuation can list it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from types import MappingProxyType

from mine2magnet.errors import ConfigError

__all__ = [
    "OxidePrice",
    "PriceDeck",
    "available_price_decks",
    "basket_price",
    "load_price_deck",
]

_FILE = "price_decks.toml"


@dataclass(frozen=True)
class OxidePrice:
    """One oxide's price with provenance.

    Attributes
    ----------
    species : str
        Oxide formula, e.g. ``"Nd2O3"``.
    usd_kg : float
        Price [US$/kg oxide].
    source, date : str
        Where and when the price was observed.
    secondary : bool
        Reported by a third party rather than read from the price series.
    proxy : bool
        Borrowed from another market or date.
    low, high : float or None
        Published range when ``usd_kg`` is its mid-point [US$/kg].
    """

    species: str
    usd_kg: float
    source: str
    date: str
    secondary: bool = False
    proxy: bool = False
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class PriceDeck:
    """A named set of oxide prices.

    Attributes
    ----------
    name, label, date, description : str
    oxides : Mapping[str, OxidePrice]
        Prices by oxide formula.
    """

    name: str
    label: str
    date: str
    oxides: Mapping[str, OxidePrice]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "oxides", MappingProxyType(dict(self.oxides)))

    def price(self, species: str) -> float:
        """Price of one oxide [US$/kg]; 0 when the deck has none."""
        p = self.oxides.get(species)
        return 0.0 if p is None else p.usd_kg

    def prices(self) -> dict[str, float]:
        """All prices as ``{species: US$/kg}``."""
        return {k: v.usd_kg for k, v in self.oxides.items()}

    def with_overrides(self, overrides: Mapping[str, float], *, source: str) -> PriceDeck:
        """A copy with some oxides repriced (or added) [US$/kg], citing ``source``."""
        new = dict(self.oxides)
        for species, value in overrides.items():
            v = float(value)
            if not v >= 0:
                raise ConfigError(f"price override for {species} must be >= 0, got {value!r}")
            new[species] = OxidePrice(species, v, source, self.date)
        return replace(self, name=f"{self.name}+overrides", oxides=new)

    def table(self) -> list[dict[str, object]]:
        """Rows ``species, usd_kg, low, high, source, date, secondary, proxy`` for reports."""
        return [
            {
                "species": p.species,
                "usd_kg": p.usd_kg,
                "low": p.low,
                "high": p.high,
                "source": p.source,
                "date": p.date,
                "secondary": p.secondary,
                "proxy": p.proxy,
            }
            for p in self.oxides.values()
        ]


@cache
def _raw() -> dict[str, dict]:
    text = resources.files("mine2magnet.economics").joinpath("data", _FILE).read_text("utf-8")
    return tomllib.loads(text)


def available_price_decks() -> list[str]:
    """Names of the shipped decks."""
    return sorted(_raw())


def load_price_deck(name: str) -> PriceDeck:
    """Load a shipped deck by name.

    Raises
    ------
    ConfigError
        When the deck is unknown (the message lists the available ones).

    Examples
    --------
    >>> d = load_price_deck("ex_china_spot_2026q1")
    >>> d.price("Nd2O3"), d.price("Ho2O3")
    (110.0, 0.0)
    """
    raw = _raw()
    if name not in raw:
        raise ConfigError(
            f"unknown price deck {name!r}; use one of {available_price_decks()} "
            "or give prices in economics.prices.overrides_usd_kg"
        )
    d = raw[name]
    oxides = {
        sp: OxidePrice(
            species=sp,
            usd_kg=float(v["usd_kg"]),
            source=str(v["source"]),
            date=str(v["date"]),
            secondary=bool(v.get("secondary", False)),
            proxy=bool(v.get("proxy", False)),
            low=None if "low" not in v else float(v["low"]),
            high=None if "high" not in v else float(v["high"]),
        )
        for sp, v in d["oxides"].items()
    }
    return PriceDeck(name, str(d["label"]), str(d["date"]), oxides, str(d.get("description", "")))


def basket_price(
    composition: Mapping[str, float], prices: Mapping[str, float]
) -> tuple[float, list[str]]:
    """Value of a product per kg from its payable composition.

    Parameters
    ----------
    composition : Mapping[str, float]
        Mass fraction of each payable oxide in the product [-].
    prices : Mapping[str, float]
        Oxide prices [US$/kg oxide].

    Returns
    -------
    value : float
        Σ fraction × price [US$/kg product].
    unpriced : list of str
        Oxides with a non-zero fraction and no price (valued at zero).

    Examples
    --------
    >>> basket_price({"Nd2O3": 0.75, "Pr6O11": 0.25}, {"Nd2O3": 100.0, "Pr6O11": 80.0})
    (95.0, [])
    """
    value = 0.0
    unpriced = []
    for sp, frac in composition.items():
        if frac <= 0:
            continue
        if sp not in prices:
            unpriced.append(sp)
            continue
        value += frac * prices[sp]
    return value, unpriced
