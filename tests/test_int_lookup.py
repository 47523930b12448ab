"""The vocabulary hash table answers exactly what a sorted search would."""
import numpy as np
import pytest

from qunguard.model.int_lookup import IntLookup


@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_positions_match_a_sorted_search(n):
    rng = np.random.default_rng(n)
    keys = np.unique(np.concatenate([rng.integers(0, 2**62, n), -rng.integers(1, 2**32, n // 10 + 1)]))
    queries = np.concatenate([keys, rng.integers(-(2**40), 2**62, 3 * n + 5), keys[::3]])
    ref = np.searchsorted(keys, queries)
    ref[ref == len(keys)] = 0
    ref = np.where(keys[ref] == queries, ref, -1) if len(keys) else np.full(len(queries), -1)
    assert (IntLookup(keys).positions(queries) == ref).all()


def test_colliding_keys_all_found():
    keys = np.arange(0, 64 * 1024, 1024, dtype=np.int64)  # many keys sharing low bits
    assert (IntLookup(keys).positions(keys) == np.arange(len(keys))).all()
