"""Separation factors and stage equilibrium of rare earths in acidic extractants.

Separation factor ``beta(A/B) = D_A / D_B`` with A the more extractable element. In the
acidic organophosphorus extractants P507 (HEH/EHP, PC88A) and D2EHPA, extractability rises
with atomic number, so heavier lanthanides go to the organic (DOMAIN.md §3). The cited
table ``data/separation_factors.toml`` holds *adjacent* factors per system with source,
year and a ``verified`` flag; :func:`load_separation_factors` turns them into
extractabilities relative to the least extractable element.

Equilibrium models (flows in mol/h, ``x`` aqueous, ``y`` organic, per element):

* fixed loading (saponified organic, Xu's constant mixed extraction ratio):
  ``y_i = L * beta_i x_i / sum_j beta_j x_j`` — :func:`fixed_loading_equilibrium`;
* loading limited (extractant saturation, competitive Langmuir):
  ``y_i = Q * kappa beta_i x_i / (1 + kappa sum_j beta_j x_j)`` —
  :func:`loading_limited_equilibrium`;
* linear (dilute, Kremser): ``y_i = ratio * beta_i * x_i``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError

__all__ = [
    "SeparationFactors",
    "available_systems",
    "fixed_loading_equilibrium",
    "load_separation_factors",
    "loading_limited_equilibrium",
]

_DEFAULT_FILE = "separation_factors.toml"


@dataclass(frozen=True)
class SeparationFactors:
    """Extractabilities of one extractant system, built from cited adjacent factors.

    Attributes
    ----------
    system : str
        Key of the system in the data file, e.g. ``"P507_HCl"``.
    extractant, medium : str
        Description of the organic and the aqueous medium.
    elements : tuple of str
        Elements from least to most extractable.
    beta : ndarray, shape (n,)
        Extractability relative to ``elements[0]`` [-] (product of adjacent factors).
    pairs : pandas.DataFrame
        The adjacent factors as cited: ``pair``, ``beta``, ``source``, ``source_year``,
        ``entered``, ``verified``.
    source_file : str
        File the values came from.
    """

    system: str
    extractant: str
    medium: str
    elements: tuple[str, ...]
    beta: np.ndarray
    pairs: pd.DataFrame
    source_file: str

    def relative(self, elements: Sequence[str]) -> np.ndarray:
        """Extractabilities of ``elements`` relative to the system's reference [-].

        Raises
        ------
        ConfigError
            If an element is not in the system.
        """
        idx = {e: i for i, e in enumerate(self.elements)}
        missing = [e for e in elements if e not in idx]
        if missing:
            raise ConfigError(
                f"{self.source_file}: system '{self.system}' has no separation factor for "
                f"{missing}; add them or give beta inline"
            )
        return np.array([self.beta[idx[e]] for e in elements])

    def separation_factor(self, a: str, b: str) -> float:
        """Separation factor ``beta(a/b) = D_a / D_b`` [-]."""
        ba, bb = self.relative([a, b])
        return float(ba / bb)

    @property
    def unverified_pairs(self) -> tuple[str, ...]:
        """Adjacent pairs whose value is not verified against its source."""
        return tuple(self.pairs.loc[~self.pairs["verified"], "pair"])


def _read(path: Path | None) -> tuple[dict, str]:
    if path is None:
        ref = resources.files("mine2magnet.processing.sx") / "data" / _DEFAULT_FILE
        return tomllib.loads(ref.read_text(encoding="utf-8")), f"<package>/{_DEFAULT_FILE}"
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: separation-factor file not found; fix the path")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), str(path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}; fix the syntax there") from None


def available_systems(path: str | Path | None = None) -> tuple[str, ...]:
    """Names of the systems in a separation-factor file (default: the packaged table)."""
    data, _ = _read(Path(path) if path is not None else None)
    return tuple(data.get("systems", {}))


def load_separation_factors(
    system: str = "P507_HCl", path: str | Path | None = None
) -> SeparationFactors:
    """Load one system of adjacent separation factors.

    Parameters
    ----------
    system : str
        Key under ``[systems]``, e.g. ``"P507_HCl"`` or ``"D2EHPA_HCl"``.
    path : str or Path, optional
        A file in the same format as the packaged ``data/separation_factors.toml``.

    Returns
    -------
    SeparationFactors

    Raises
    ------
    ConfigError
        Unknown system, a pair that does not join neighbours of ``order``, a missing
        pair, a factor below 1 or a missing source.

    Examples
    --------
    >>> sf = load_separation_factors("P507_HCl")
    >>> sf.separation_factor("Nd", "Pr")
    1.5
    """
    data, where = _read(Path(path) if path is not None else None)
    systems = data.get("systems", {})
    if system not in systems:
        raise ConfigError(
            f"{where}: key 'systems.{system}' not found; use one of {sorted(systems)}"
        )
    sysd = systems[system]
    order = sysd.get("order")
    if not isinstance(order, list) or len(order) < 2 or len(set(order)) != len(order):
        raise ConfigError(
            f"{where}: key 'systems.{system}.order' must list two or more distinct elements"
        )
    adjacent = {f"{order[i + 1]}/{order[i]}": i for i in range(len(order) - 1)}
    factors = np.full(len(order) - 1, np.nan)
    rows = []
    for j, p in enumerate(sysd.get("pairs", [])):
        key = f"systems.{system}.pairs[{j}]"
        pair = p.get("pair")
        if pair not in adjacent:
            raise ConfigError(
                f"{where}: key '{key}.pair' = {pair!r} is not an adjacent pair of 'order' "
                "written as 'Heavier/Lighter'; fix it"
            )
        beta = p.get("beta")
        if not isinstance(beta, int | float) or not beta >= 1.0:
            raise ConfigError(
                f"{where}: key '{key}.beta' must be a number >= 1 (A is the more "
                f"extractable element) (got {beta!r})"
            )
        if not p.get("source"):
            raise ConfigError(f"{where}: key '{key}.source' is missing; cite where it is from")
        factors[adjacent[pair]] = float(beta)
        rows.append(
            (
                pair,
                float(beta),
                str(p["source"]),
                p.get("source_year"),
                str(p.get("entered", "")),
                bool(p.get("verified", False)),
            )
        )
    if np.isnan(factors).any():
        missing = [k for k, i in adjacent.items() if np.isnan(factors[i])]
        raise ConfigError(f"{where}: system '{system}' lacks pairs {missing}; add them")
    beta_rel = np.concatenate([[1.0], np.cumprod(factors)])
    beta_rel.setflags(write=False)
    return SeparationFactors(
        system=system,
        extractant=str(sysd.get("extractant", "")),
        medium=str(sysd.get("medium", "")),
        elements=tuple(order),
        beta=beta_rel,
        pairs=pd.DataFrame(
            rows, columns=["pair", "beta", "source", "source_year", "entered", "verified"]
        ),
        source_file=where,
    )


def fixed_loading_equilibrium(
    x_mol_h: np.ndarray, beta: np.ndarray, loading_mol_h: float
) -> np.ndarray:
    """Organic flows in equilibrium with an aqueous phase at fixed organic loading.

    Parameters
    ----------
    x_mol_h : ndarray, shape (..., C)
        Aqueous flows (or concentrations) of each element [mol/h].
    beta : ndarray, shape (C,)
        Extractabilities relative to a reference element [-].
    loading_mol_h : float
        Total rare earths on the organic [mol/h].

    Returns
    -------
    ndarray, shape (..., C)
        ``y_i = L beta_i x_i / sum_j beta_j x_j`` [mol/h].

    Examples
    --------
    >>> fixed_loading_equilibrium(np.array([1.0, 1.0]), np.array([1.0, 1.5]), 1.0)
    array([0.4, 0.6])
    """
    x = np.asarray(x_mol_h, dtype=float)
    w = np.asarray(beta, dtype=float) * x
    return loading_mol_h * w / w.sum(axis=-1, keepdims=True)


def loading_limited_equilibrium(
    x_mol_h: np.ndarray, beta: np.ndarray, capacity_mol_h: float, affinity_h_mol: float
) -> np.ndarray:
    """Organic flows of a saturating extractant (competitive Langmuir).

    Parameters
    ----------
    x_mol_h : ndarray, shape (..., C)
        Aqueous flows of each element [mol/h].
    beta : ndarray, shape (C,)
        Extractabilities relative to a reference element [-].
    capacity_mol_h : float
        Rare earths the organic carries at saturation [mol/h].
    affinity_h_mol : float
        Langmuir affinity of the reference element per unit aqueous flow [h/mol].

    Returns
    -------
    ndarray, shape (..., C)
        ``y_i = Q kappa beta_i x_i / (1 + kappa sum_j beta_j x_j)`` [mol/h].
    """
    x = np.asarray(x_mol_h, dtype=float)
    w = affinity_h_mol * np.asarray(beta, dtype=float) * x
    return capacity_mol_h * w / (1.0 + w.sum(axis=-1, keepdims=True))
