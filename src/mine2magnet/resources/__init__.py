"""Mineral Resources (JORC Code 2012): classification, RPEEE and the resource statement.

The stage function is :func:`run_resources` (block model, composites, QA/QC tables,
topography and the ``[resources]`` section in; :class:`ResourceModel` out). Its tables
(:meth:`ResourceModel.tables`, stored as ``resources__<name>``) are documented in
:mod:`mine2magnet.resources.types` and ``docs/resources.md``.
"""

from mine2magnet.resources.classify import (
    class_codes,
    classify_blocks,
    criteria_table,
    flag_holes,
    nearest_distinct_holes,
    qaqc_downgrade,
    search_counts,
    smooth_classes,
)
from mine2magnet.resources.params import (
    CLASSES,
    ClassCriteria,
    ClassificationParams,
    ResourceParams,
    RPEEEParams,
    resource_params,
)
from mine2magnet.resources.rpeee import (
    column_strip_ratio,
    depth_below_topography,
    nsr_per_tonne,
    pit_membership,
    rpeee_table,
)
from mine2magnet.resources.stage import run_resources
from mine2magnet.resources.statement import (
    STATEMENT_CLASSES,
    grade_tonnage_by_class,
    resource_statement,
    round_sig,
    round_statement,
    statement_metadata,
)
from mine2magnet.resources.types import CLASS_NAMES, Classification, ResourceModel

__all__ = [
    "CLASSES",
    "CLASS_NAMES",
    "STATEMENT_CLASSES",
    "ClassCriteria",
    "Classification",
    "ClassificationParams",
    "RPEEEParams",
    "ResourceModel",
    "ResourceParams",
    "class_codes",
    "classify_blocks",
    "column_strip_ratio",
    "criteria_table",
    "depth_below_topography",
    "flag_holes",
    "grade_tonnage_by_class",
    "nearest_distinct_holes",
    "nsr_per_tonne",
    "pit_membership",
    "qaqc_downgrade",
    "resource_params",
    "resource_statement",
    "round_sig",
    "round_statement",
    "rpeee_table",
    "run_resources",
    "search_counts",
    "smooth_classes",
    "statement_metadata",
]
