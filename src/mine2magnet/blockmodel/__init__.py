"""Block model: grid and domain coding, estimation, grade-tonnage, validation, export.

The stage function is :func:`run_estimation` (composites and the ``[geostats]`` and
``[blockmodel]`` sections in, :class:`EstimationOutcome` out). Coordinates are
(easting, northing, elevation) in metres; the grid convention is in
:mod:`mine2magnet.blockmodel.grid`; grades are oxide weight percent.
"""

from mine2magnet.blockmodel.estimate import (
    EstimationOutcome,
    comparison_column,
    estimate_block_model,
    run_estimation,
)
from mine2magnet.blockmodel.export import export_block_model, read_vti, write_vti
from mine2magnet.blockmodel.gradetonnage import ALL_DOMAINS, contained_column, grade_tonnage
from mine2magnet.blockmodel.grid import (
    BlockGrid,
    BlockModel,
    DomainCoding,
    Topography,
    code_domains,
)
from mine2magnet.blockmodel.io import load_topography, read_topography
from mine2magnet.blockmodel.params import BlockModelParams, blockmodel_params
from mine2magnet.blockmodel.validation import global_comparison, swath_table

__all__ = [
    "ALL_DOMAINS",
    "BlockGrid",
    "BlockModel",
    "BlockModelParams",
    "DomainCoding",
    "EstimationOutcome",
    "Topography",
    "blockmodel_params",
    "code_domains",
    "comparison_column",
    "contained_column",
    "estimate_block_model",
    "export_block_model",
    "global_comparison",
    "grade_tonnage",
    "load_topography",
    "read_topography",
    "read_vti",
    "run_estimation",
    "swath_table",
    "write_vti",
]
