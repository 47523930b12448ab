"""Small numpy helpers the hot paths share."""
from __future__ import annotations

import numpy as np


def sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct values of `keys`, sorted, sorting `keys` in place: np.unique without its overhead (and
    without the import of numpy.ma its first call makes, ~17 ms of a cold start)."""
    keys.sort()
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return keys[first]
