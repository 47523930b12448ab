"""How often the source-to-label mapping (data/mapping.py) agrees with hand labels.

    python -m qunguard.data.gold.mapping_agreement LABELS.tsv [LABELS.tsv ...]

Maps every hand-labelled gold candidate with its source label and compares with the
hand label, per source and per candidate half (part 1 / part 2). Rows the mapping
drops are counted apart.
"""
from __future__ import annotations

import sys
from collections import Counter

from qunguard.data.gold.assemble import candidates_by_id, read_labels
from qunguard.data.mapping import clean_text, map_row
from qunguard.data.sources import RawRow


def agreement(paths: list[str]) -> None:
    cands = candidates_by_id()
    hand = read_labels(paths)
    per_source: Counter[tuple[str, bool]] = Counter()
    per_part: Counter[tuple[str, bool]] = Counter()
    dropped: Counter[str] = Counter()
    wrong: Counter[tuple[str, str, str, str]] = Counter()
    for gid, truth in hand.items():
        if truth == "skip":
            continue
        src, raw, text = cands[gid]
        r = RawRow(text, src, raw)
        mapped = map_row(r, clean_text(r))
        if mapped is None:
            dropped[truth] += 1
            continue
        ok = mapped[0] == truth
        per_source[src, ok] += 1
        per_part[gid[0], ok] += 1
        if not ok:
            wrong[(src, mapped[1], mapped[0], truth)] += 1
    agreed = sum(v for (_, a), v in per_source.items() if a)
    total = sum(per_source.values())
    print(f"mapping agrees with the hand label on {agreed}/{total} = {agreed / total:.1%} of kept rows; "
          f"dropped by the mapping {sum(dropped.values())} {dict(dropped)}")
    for part in sorted({p for p, _ in per_part}):
        n = per_part[part, True] + per_part[part, False]
        print(f"  part {part}: {per_part[part, True]}/{n} = {per_part[part, True] / n:.1%}")
    for src in sorted({s for s, _ in per_source}):
        n = per_source[src, True] + per_source[src, False]
        print(f"  {src}: {per_source[src, True]}/{n} = {per_source[src, True] / n:.0%}")
    print("  most common disagreements (source, rule, mapped, hand):")
    for k, v in wrong.most_common(12):
        print(f"    {k}: {v}")


if __name__ == "__main__":
    agreement(sys.argv[1:])
