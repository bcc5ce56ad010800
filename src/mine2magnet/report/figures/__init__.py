"""Figures of the Mineral Resource report.

Every function returns a :class:`mine2magnet.report.document.Figure` with a stable ``id``,
a title, a caption stating units and content, and a static SVG (matplotlib, text kept as
text); the 3-D view also carries a plotly figure dict. Each takes ``synthetic=True`` to mark
the figure and caption as SYNTHETIC data. Inputs are the project-store tables as stored
(``drillholes__*``, ``estimation__*``); functions never modify them.

Class colours (colour-blind safe, :data:`CLASS_COLOURS`): Measured ``#B2182B``, Indicated
``#EF8A62``, Inferred ``#67A9CF``, Unclassified ``#BDBDBD``; grades use *viridis*.
"""

from mine2magnet.report.figures._common import CLASS_COLOURS, CLASS_ORDER
from mine2magnet.report.figures.geology import (
    blocks_in_slab,
    collar_plan,
    plan_view,
    section_view,
)
from mine2magnet.report.figures.gradetonnage import grade_tonnage_curve
from mine2magnet.report.figures.qaqc import (
    blank_chart,
    crm_control_chart,
    duplicate_scatter,
    hard_plot,
)
from mine2magnet.report.figures.stats import histogram, log_probability
from mine2magnet.report.figures.validation import crossval_scatter, swath_plot
from mine2magnet.report.figures.variography import variogram_plot
from mine2magnet.report.figures.view3d import blocks_and_drillholes_3d, subsample_blocks

__all__ = [
    "CLASS_COLOURS",
    "CLASS_ORDER",
    "blank_chart",
    "blocks_and_drillholes_3d",
    "blocks_in_slab",
    "collar_plan",
    "crm_control_chart",
    "crossval_scatter",
    "duplicate_scatter",
    "grade_tonnage_curve",
    "hard_plot",
    "histogram",
    "log_probability",
    "plan_view",
    "section_view",
    "subsample_blocks",
    "swath_plot",
    "variogram_plot",
]
