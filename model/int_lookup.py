"""Vectorised int64 -> position lookup: an open-addressing hash table in two numpy arrays.

The featurizer looks up ~150 gram keys per message in a vocabulary of ~150k keys.
`np.searchsorted` does that in O(log n) random probes per key; this table needs
~1.3 probes at load factor <= 1/3, all as whole-array gathers. Built at load time
from the sorted key array the artifact ships, never pickled.
"""
from __future__ import annotations

import numpy as np

_EMPTY = np.iinfo(np.int64).min  # never a key: gram keys are >= 0, pinyin keys small negatives
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier


class IntLookup:
    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        if (keys == _EMPTY).any():
            raise ValueError("key collides with the empty-slot marker")
        bits = max(4, int(np.ceil(np.log2(max(1, len(keys)) * 3))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, _EMPTY, dtype=np.int64)
        self._vals = np.full(1 << bits, -1, dtype=np.int64)
        # keys in order of their home slot, each in its home slot or the one after the previous
        # key's, whichever comes later: every slot from a key's home to its own is taken, as
        # linear probing needs. One sort instead of a round of np.unique per probe step.
        home = self._hash(keys)
        order = np.argsort(home, kind="stable")
        rank = np.arange(len(keys))
        slot = np.maximum.accumulate(home[order] - rank) + rank
        fits = slot <= self._mask
        self._keys[slot[fits]] = keys[order[fits]]
        self._vals[slot[fits]] = order[fits]
        self._insert(keys, order[~fits])  # the few pushed past the end wrap around to the start

    def _insert(self, keys: np.ndarray, pending: np.ndarray) -> None:
        """Linear probing from each pending key's home slot to the first free one."""
        slot = self._hash(keys)
        while len(pending):
            s = slot[pending]
            free = self._keys[s] == _EMPTY
            cand, cs = pending[free], s[free]
            taken, first = np.unique(cs, return_index=True)  # one claimant wins each free slot
            winners = cand[first]
            self._keys[taken] = keys[winners]
            self._vals[taken] = winners
            won = np.zeros(len(keys), dtype=bool)
            won[winners] = True
            pending = pending[~won[pending]]
            slot[pending] = (slot[pending] + 1) & self._mask  # linear probing

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        return (keys.view(np.uint64) * _GOLDEN >> self._shift).astype(np.int64)

    def positions(self, keys: np.ndarray) -> np.ndarray:
        """Index of each key in the array the table was built from, or -1 if absent."""
        keys = np.asarray(keys, dtype=np.int64)
        out = np.full(len(keys), -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slot = self._hash(keys)
        while len(pending):
            s = slot[pending]
            found = self._keys[s]
            hit = found == keys[pending]
            out[pending[hit]] = self._vals[s[hit]]
            go_on = ~hit & (found != _EMPTY)
            pending = pending[go_on]
            slot[pending] = (slot[pending] + 1) & self._mask
        return out
