"""Mining: block value, slope precedence, ultimate pit, nested pits and phases.

The stage function of the pit optimisation is :func:`optimise_pit` (a block model and the
``[mining]`` section in, :class:`PitOptimisation` out). The steps are public too:
:func:`block_values` → :func:`block_precedence` (or :func:`slope_pattern` +
:func:`grid_precedence` on any grid) → :func:`ultimate_pit` → :func:`nested_pits` →
:func:`select_phases`. See ``docs/mining.md``.
"""

from mine2magnet.mining.closure import ENGINES, integer_values, max_closure, subgraph, ultimate_pit
from mine2magnet.mining.nested import PitInputs, discounted_sequence, nested_pits
from mine2magnet.mining.params import (
    MiningParams,
    PhaseParams,
    RevenueFactorRange,
    SlopeParams,
    SlopeSector,
    mining_params,
)
from mine2magnet.mining.phases import (
    PitOptimisation,
    min_width_check,
    optimise_pit,
    select_phases,
)
from mine2magnet.mining.slopes import (
    SlopePattern,
    SlopePrecedence,
    block_precedence,
    edge_blocked,
    effective_angles,
    grid_precedence,
    sector_angle_function,
    slope_pattern,
)
from mine2magnet.mining.types import PhasePlan, PitResult, PitShells, PrecedenceGraph
from mine2magnet.mining.value import (
    AIR,
    BlockEconomics,
    BlockValues,
    auto_pad_cells,
    block_values,
)

__all__ = [
    "AIR",
    "ENGINES",
    "BlockEconomics",
    "BlockValues",
    "CpitSchedule",
    "MineLibInstance",
    "MiningParams",
    "PhaseParams",
    "PhasePlan",
    "PhaseScheduleParams",
    "PitInputs",
    "PitOptimisation",
    "PitResult",
    "PitShells",
    "PrecedenceGraph",
    "RevenueFactorRange",
    "Schedule",
    "SlopeParams",
    "SlopePattern",
    "SlopePrecedence",
    "SlopeSector",
    "auto_pad_cells",
    "block_precedence",
    "block_values",
    "check_cpit",
    "discounted_sequence",
    "edge_blocked",
    "effective_angles",
    "grid_precedence",
    "integer_values",
    "max_closure",
    "min_width_check",
    "mining_params",
    "nested_pits",
    "optimise_pit",
    "read_instance",
    "read_model",
    "schedule_phases",
    "sector_angle_function",
    "select_phases",
    "slope_pattern",
    "solve_cpit",
    "subgraph",
    "ultimate_pit",
]


# The schedulers import highspy, which cannot share a process with OR-Tools 9.15 (the
# OR-Tools engine runs in a child process that imports this package): load them lazily.
_LAZY = {
    "MineLibInstance": "minelib",
    "read_instance": "minelib",
    "read_model": "minelib",
    "check_cpit": "schedule_cpit",
    "solve_cpit": "schedule_cpit",
    "PhaseScheduleParams": "schedule_phase",
    "schedule_phases": "schedule_phase",
    "CpitSchedule": "schedule_types",
    "Schedule": "schedule_types",
}


def __getattr__(name: str):  # PEP 562
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"mine2magnet.mining.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'mine2magnet.mining' has no attribute {name!r}")
