"""The examples in the docstrings of the resources stage run."""

import doctest
import importlib

import pytest

MODULES = [
    "mine2magnet.resources.classify",
    "mine2magnet.resources.params",
    "mine2magnet.resources.rpeee",
    "mine2magnet.resources.statement",
    "mine2magnet.resources.types",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0
