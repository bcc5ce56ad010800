"""Solvent-extraction (SX) cascades of rare earths: simulation and design.

* :mod:`.equilibrium` — cited separation factors (P507, D2EHPA in chloride media) and the
  stage equilibrium models;
* :mod:`.cascade` — countercurrent extraction–scrubbing–stripping cascades of any size,
  solved to steady state (:func:`simulate` → :class:`CascadeResult`);
* :mod:`.design` — Xu Guangxian's formulas, refined by simulation to minimum stage numbers,
  minimum reflux, stage–reagent trade-off and reagents per tonne
  (:func:`design_cascade` → :class:`DesignResult`);
* :mod:`.spec` — the standalone SX TOML (:func:`run_sx_design`, :func:`run_sx_simulate`);
* :mod:`.plot` — the stage-profile figure (:func:`plot_cascade`).
"""

from mine2magnet.processing.sx.cascade import (
    BALANCE_TOL,
    Cascade,
    CascadeConvergenceError,
    CascadeResult,
    countercurrent,
    simulate,
)
from mine2magnet.processing.sx.design import (
    DesignError,
    DesignResult,
    PlantBasis,
    XuEstimate,
    design_cascade,
    design_train,
    min_reflux_key_pair,
    reagent_table,
    resolve_targets,
    stoichiometric_reagents_per_tonne,
    xu_estimate,
)
from mine2magnet.processing.sx.equilibrium import (
    SeparationFactors,
    available_systems,
    fixed_loading_equilibrium,
    load_separation_factors,
    loading_limited_equilibrium,
)
from mine2magnet.processing.sx.plot import plot_cascade
from mine2magnet.processing.sx.spec import (
    SxSpec,
    cascade_summary,
    design_summary,
    load_sx_spec,
    run_sx_design,
    run_sx_simulate,
)

__all__ = [
    "BALANCE_TOL",
    "Cascade",
    "CascadeConvergenceError",
    "CascadeResult",
    "DesignError",
    "DesignResult",
    "PlantBasis",
    "SeparationFactors",
    "SxSpec",
    "XuEstimate",
    "available_systems",
    "cascade_summary",
    "countercurrent",
    "design_cascade",
    "design_summary",
    "design_train",
    "fixed_loading_equilibrium",
    "load_separation_factors",
    "load_sx_spec",
    "loading_limited_equilibrium",
    "min_reflux_key_pair",
    "plot_cascade",
    "reagent_table",
    "resolve_targets",
    "run_sx_design",
    "run_sx_simulate",
    "simulate",
    "stoichiometric_reagents_per_tonne",
    "xu_estimate",
]
