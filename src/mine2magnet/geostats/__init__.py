"""Geostatistics: rotations, variograms, neighbourhood search and kriging.

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
from mine2magnet.geostats.rotation import (
    anisotropic_distance,
    anisotropy_matrix,
    axis_vectors,
    rotation_matrix,
)
from mine2magnet.geostats.search import Neighbours, NeighbourSearch, SearchParameters
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
    "DeclusteringResult",
    "EstimationResult",
    "ExperimentalVariogram",
    "NeighbourSearch",
    "Neighbours",
    "SearchParameters",
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
    "experimental_variogram",
    "inverse_distance",
    "krige",
    "nearest_neighbour",
    "neighbourhood_analysis",
    "normal_scores",
    "rotation_matrix",
    "transform_values",
    "unit_variogram",
    "variogram",
    "variogram_map",
]
