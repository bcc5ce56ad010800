"""Processing: flowsheet mass balance, thorium deportment, SX cascades, product slate."""

from mine2magnet.processing.flowsheet import feed_from_params, run_flowsheet, unit_balance
from mine2magnet.processing.params import ProcessingParams, processing_params
from mine2magnet.processing.types import Feed, Flowsheet, ProductSlate

__all__ = [
    "Feed",
    "Flowsheet",
    "ProcessingParams",
    "ProductSlate",
    "feed_from_params",
    "processing_params",
    "run_flowsheet",
    "unit_balance",
]
