"""SYNTHETIC demo deposit: a seeded generator of a Beylikova-like fluorite–barite–REE body.

Everything this subpackage makes is invented and says so (file names start with
``SYNTHETIC_``; ``project.synthetic = true``). The same seed gives byte-identical files.

Modules
-------
``fields``   seeded spectral Gaussian random fields (anisotropic, Gaussian/exponential)
``deposit``  geometry, lithology and the point grade model; the true in-situ body
``drilling`` hole plan, survey drift, minimum-curvature paths, logging, sampling
``lab``      assay reporting, detection limits, QA/QC inserts and deliberate failures
``writer``   CSV files, ``project.toml`` and README with fixed formatting

Examples
--------
>>> from mine2magnet.synthetic import generate_demo
>>> paths = generate_demo("out/demo", seed=20260101)  # doctest: +SKIP

or from the shell: ``python -m mine2magnet.synthetic OUT_DIR [--seed N]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mine2magnet.synthetic.deposit import DepositModel, build_deposit, composition, truth
from mine2magnet.synthetic.drilling import Drilling, drill
from mine2magnet.synthetic.lab import LabResult, run_lab
from mine2magnet.synthetic.writer import FILES, DemoStatistics, demo_statistics, write_demo

__all__ = [
    "DEFAULT_SEED",
    "FILES",
    "DemoStatistics",
    "SyntheticDemo",
    "build_demo",
    "demo_statistics",
    "generate_demo",
    "write_demo",
]

#: Seed of the shipped demo (``examples/demo``); also the project's default seed.
DEFAULT_SEED = 20260101

_TRUTH_SPACING = (20.0, 20.0, 8.0)  # along strike, down dip, across [m]


@dataclass(frozen=True)
class SyntheticDemo:
    """The generated demo in memory.

    Attributes
    ----------
    seed : int
        The seed everything was drawn from.
    model : DepositModel
        The deposit (geometry and random fields).
    drilling : Drilling
        Collars, surveys, lithology intervals and sample intervals.
    samples_true : pandas.DataFrame
        True composition of every sample (before laboratory error), one row per sample
        of ``drilling.samples`` [ppm element / %].
    lab : LabResult
        The assay file (text and numbers), standards and the deliberate QA/QC failures.
    truth : pandas.DataFrame
        True in-situ vein tonnes and grades (see ``deposit.truth``).
    truth_spacing : tuple of float
        Lattice spacing of ``truth`` [m].
    """

    seed: int
    model: DepositModel
    drilling: Drilling
    samples_true: pd.DataFrame
    lab: LabResult
    truth: pd.DataFrame
    truth_spacing: tuple[float, float, float]


def _rng(seed: int, stream: int) -> np.random.Generator:
    """An independent generator per part, so changing one part leaves the others alone."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


def build_demo(seed: int = DEFAULT_SEED) -> SyntheticDemo:
    """Generate the synthetic deposit, its drilling and its assays in memory.

    Parameters
    ----------
    seed : int
        Seed [-]; the same seed gives identical tables.

    Returns
    -------
    SyntheticDemo
    """
    model = build_deposit(_rng(seed, 0))
    drilling = drill(model, _rng(seed, 1))
    s = drilling.samples
    true = composition(
        model,
        s[["easting", "northing", "elevation"]].to_numpy(),
        s["lith"].to_numpy(),
        _rng(seed, 2),
    )
    lab = run_lab(s, true, _rng(seed, 3))
    tr = truth(model, _rng(seed, 4), _TRUTH_SPACING)
    return SyntheticDemo(
        seed=seed,
        model=model,
        drilling=drilling,
        samples_true=pd.DataFrame(true),
        lab=lab,
        truth=tr,
        truth_spacing=_TRUTH_SPACING,
    )


def generate_demo(out_dir: str | Path, seed: int = DEFAULT_SEED) -> tuple[Path, ...]:
    """Generate the SYNTHETIC demo project and write it to ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Target folder (created if needed; files of the same names are overwritten).
    seed : int
        Seed [-]; the shipped ``examples/demo`` uses :data:`DEFAULT_SEED`.

    Returns
    -------
    tuple of pathlib.Path
        The files written (:data:`FILES`).
    """
    return write_demo(build_demo(seed), out_dir)
