"""The examples in the docstrings of the processing stage run."""

import doctest
import importlib

import pytest

MODULES = [
    "mine2magnet.processing.flowsheet",
    "mine2magnet.processing.params",
    "mine2magnet.processing.refinery",
    "mine2magnet.processing.types",
    "mine2magnet.processing.sx.cascade",
    "mine2magnet.processing.sx.design",
    "mine2magnet.processing.sx.equilibrium",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
