"""Overlapping handle candidates -> one handle per span, longest-leftmost."""
from __future__ import annotations


def longest_leftmost(cands: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Sort (start, end, kind, value) by start, longer first, and keep the non-overlapping ones.
    The sort is stable: of two equal spans, the one found first wins."""
    if len(cands) < 2:
        return cands
    cands.sort(key=lambda c: (c[0], c[0] - c[1]))
    out, end = [], -1
    for c in cands:
        if c[0] >= end:
            out.append(c)
            end = c[1]
    return out
