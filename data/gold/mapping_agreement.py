"""How often the source-to-label mapping (data/mapping.py) agrees with hand labels.

    python -m data.gold.mapping_agreement LABELS.tsv PART

Re-draws the gold candidates (same seed), maps each with its source label, and
compares with the hand label. Rows the mapping drops are counted apart.
"""
from __future__ import annotations

import sys
from collections import Counter

from data.gold.sample_candidates import draw
from data.mapping import clean_text, map_row
from data.sources import RawRow


def agreement(labels_path: str, part: int) -> None:
    rows = draw()
    half = (len(rows) + 1) // 2
    chunk = rows[:half] if part == 1 else rows[half:]
    hand = {}
    for line in open(labels_path, encoding="utf-8").read().splitlines()[1:]:
        gid, label, *_ = line.split("\t")
        hand[gid] = label
    per_source, dropped, wrong = Counter(), Counter(), Counter()
    for i, (src, raw, text) in enumerate(chunk):
        truth = hand.get(f"{part}-{i:04d}")
        if truth in (None, "skip"):
            continue
        r = RawRow(text, src, raw)
        mapped = map_row(r, clean_text(r))
        if mapped is None:
            dropped[truth] += 1
            continue
        per_source[src, mapped[0] == truth] += 1
        if mapped[0] != truth:
            wrong[(src, mapped[1], mapped[0], truth)] += 1
    ok = sum(v for (s, a), v in per_source.items() if a)
    total = sum(per_source.values())
    print(f"part {part}: mapping agrees with the hand label on {ok}/{total} = {ok / total:.1%} kept rows; dropped {sum(dropped.values())} {dict(dropped)}")
    for src in sorted({s for s, _ in per_source}):
        n = per_source[src, True] + per_source[src, False]
        print(f"  {src}: {per_source[src, True]}/{n}")
    print("  most common disagreements (source, rule, mapped, hand):")
    for k, v in wrong.most_common(8):
        print(f"    {k}: {v}")


if __name__ == "__main__":
    agreement(sys.argv[1], int(sys.argv[2]))
