"""Geostatistics: rotations, variograms, neighbourhood search, kriging and simulation.

Angles follow GSLIB (azimuth clockwise from north, dip negative down, rake about the
major axis; see :mod:`mine2magnet.geostats.rotation`). Coordinates are (easting,
northing, elevation) in metres.
"""

from mine2magnet.geostats.declustering import (
    DeclusteringResult,
    cell_declustering,
    cell_weights,
)
from mine2magnet.geostats.kriging import (
    STATUS_CODES,
    EstimationResult,
    block_covariance,
    discretisation_offsets,
    inverse_distance,
    krige,
    nearest_neighbour,
    neighbourhood_analysis,
)
from mine2magnet.geostats.normal_score import NormalScoreTransform
from mine2magnet.geostats.rotation import (
    anisotropic_distance,
    anisotropy_matrix,
    axis_vectors,
    rotation_matrix,
)
from mine2magnet.geostats.search import Neighbours, NeighbourSearch, SearchParameters
from mine2magnet.geostats.simulation import (
    CompositionalTransform,
    SimulationParams,
    SimulationStats,
    sgs,
    simulate_blocks,
)
from mine2magnet.geostats.simulation_validation import (
    ergodic_fluctuations,
    histogram_reproduction,
    variogram_reproduction,
)
from mine2magnet.geostats.variogram import (
    KINDS,
    ExperimentalVariogram,
    Structure,
    VariogramFitter,
    VariogramMap,
    VariogramModel,
    covariance,
    downhole_variogram,
    experimental_variogram,
    normal_scores,
    transform_values,
    unit_variogram,
    variogram,
    variogram_map,
)

__all__ = [
    "KINDS",
    "STATUS_CODES",
    "CompositionalTransform",
    "DeclusteringResult",
    "EstimationResult",
    "ExperimentalVariogram",
    "NeighbourSearch",
    "Neighbours",
    "NormalScoreTransform",
    "SearchParameters",
    "SimulationParams",
    "SimulationStats",
    "Structure",
    "VariogramFitter",
    "VariogramMap",
    "VariogramModel",
    "anisotropic_distance",
    "anisotropy_matrix",
    "axis_vectors",
    "block_covariance",
    "cell_declustering",
    "cell_weights",
    "covariance",
    "discretisation_offsets",
    "downhole_variogram",
    "ergodic_fluctuations",
    "experimental_variogram",
    "histogram_reproduction",
    "inverse_distance",
    "krige",
    "nearest_neighbour",
    "neighbourhood_analysis",
    "normal_scores",
    "rotation_matrix",
    "sgs",
    "simulate_blocks",
    "transform_values",
    "unit_variogram",
    "variogram",
    "variogram_map",
    "variogram_reproduction",
]
