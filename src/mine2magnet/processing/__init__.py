"""Processing: flowsheet mass balance, thorium deportment, SX cascades, refinery, products."""

from mine2magnet.processing.flowsheet import feed_from_params, run_flowsheet, unit_balance
from mine2magnet.processing.params import ProcessingParams, processing_params
from mine2magnet.processing.refinery import design_refinery, refinery_sx_products
from mine2magnet.processing.refinery_params import RefineryParams
from mine2magnet.processing.types import Feed, Flowsheet, ProductSlate, Refinery

__all__ = [
    "Feed",
    "Flowsheet",
    "ProcessingParams",
    "ProductSlate",
    "Refinery",
    "RefineryParams",
    "design_refinery",
    "feed_from_params",
    "processing_params",
    "refinery_sx_products",
    "run_flowsheet",
    "unit_balance",
]
