"""Drillhole database: read, validate, desurvey, composite, QA/QC.

The stage's typed results are :class:`DrillholeDB` and :class:`Composites`.
"""

from mine2magnet.drillholes.composite import assign_domains, composite, composite_drillholes
from mine2magnet.drillholes.database import build_drillhole_db, load_drillholes
from mine2magnet.drillholes.desurvey import desurvey_depths, desurvey_intervals, survey_status
from mine2magnet.drillholes.qaqc import QaqcResult, qaqc_summary
from mine2magnet.drillholes.types import Composites, DrillholeDB

__all__ = [
    "Composites",
    "DrillholeDB",
    "QaqcResult",
    "assign_domains",
    "build_drillhole_db",
    "composite",
    "composite_drillholes",
    "desurvey_depths",
    "desurvey_intervals",
    "load_drillholes",
    "qaqc_summary",
    "survey_status",
]
