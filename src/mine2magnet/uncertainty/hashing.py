"""Content hashes of parameters and tables (hex SHA-256).

:func:`fingerprint` hashes nested parameters: mappings (by sorted key), sequences,
numpy arrays (dtype, shape, bytes), DataFrames (:func:`frame_hash`), pydantic models
(their JSON), dataclasses (their fields), functions (module and name) and scalars
(``repr``; a repr with a memory address raises :class:`ConfigError`). :func:`frame_hash`
hashes a table bit for bit: column names, dtypes and the bytes of every numeric column
(object columns through ``pandas.util.hash_pandas_object``), index excluded.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError

__all__ = ["fingerprint", "frame_hash"]


def frame_hash(frame: pd.DataFrame) -> str:
    """Bitwise content hash of a table (index excluded).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table [-].

    Returns
    -------
    str
        Hex SHA-256 [-].
    """
    h = hashlib.sha256()
    h.update(repr(len(frame)).encode())
    for name in frame.columns:
        col = frame[name]
        h.update(repr((str(name), str(col.dtype))).encode())
        if col.dtype.kind in "biufcmM":
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
        else:
            h.update(pd.util.hash_pandas_object(col, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _update(h: Any, obj: Any) -> None:
    if isinstance(obj, pd.DataFrame):
        h.update(b"df" + frame_hash(obj).encode())
    elif isinstance(obj, pd.Series):
        h.update(b"s" + frame_hash(obj.to_frame()).encode())
    elif isinstance(obj, np.ndarray):
        h.update(repr((obj.dtype.str, obj.shape)).encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, Mapping):
        h.update(b"{")
        for k in sorted(obj, key=repr):
            h.update(repr(k).encode())
            _update(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, list | tuple):
        h.update(b"[" + type(obj).__name__.encode())
        for x in obj:
            _update(h, x)
        h.update(b"]")
    elif hasattr(obj, "model_dump_json"):  # pydantic model
        h.update(type(obj).__qualname__.encode() + obj.model_dump_json().encode())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(type(obj).__qualname__.encode())
        _update(h, {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    elif callable(obj) and hasattr(obj, "__qualname__"):
        h.update(f"{getattr(obj, '__module__', '?')}.{obj.__qualname__}".encode())
    else:
        text = repr(obj)
        if " at 0x" in text:
            raise ConfigError(
                f"cannot fingerprint {type(obj).__qualname__}: its repr holds a memory "
                "address, so every run would look new; pass plain values, arrays, tables, "
                "dataclasses or pydantic models"
            )
        h.update(text.encode())


def fingerprint(obj: Any) -> str:
    """Hash of nested parameters.

    Parameters
    ----------
    obj : object
        Parameters (see the module docstring for the types understood) [-].

    Returns
    -------
    str
        Hex SHA-256 [-].

    Examples
    --------
    >>> fingerprint({"a": 1, "b": [1.0, 2.0]}) == fingerprint({"b": [1.0, 2.0], "a": 1})
    True
    """
    h = hashlib.sha256()
    _update(h, obj)
    return h.hexdigest()
