"""The examples in the docstrings of the estimation stage run."""

import doctest
import importlib

import pytest

MODULES = [
    "mine2magnet.blockmodel.estimate",
    "mine2magnet.blockmodel.export",
    "mine2magnet.blockmodel.gradetonnage",
    "mine2magnet.blockmodel.grid",
    "mine2magnet.blockmodel.params",
    "mine2magnet.blockmodel.validation",
    "mine2magnet.geostats.crossval",
    "mine2magnet.geostats.params",
    "mine2magnet.geostats.stats",
    "mine2magnet.geostats.variography",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0
