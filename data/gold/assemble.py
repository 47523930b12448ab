"""Write data/gold/gold.jsonl.gz from the hand-label files.

    python -m qunguard.data.gold.assemble LABELS.tsv [LABELS.tsv ...]

Each LABELS.tsv has a header `id<TAB>label`, ids as written by sample_candidates
(`1-0000` .. `2-0607`). Rows labelled `skip` are left out. The text stored is the
candidate's text after data.mapping.clean_text (the same cleaning training rows get),
so gold and training texts are compared like for like.
"""
from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

from qunguard.data.gold.sample_candidates import draw
from qunguard.data.mapping import clean_text
from qunguard.data.sources import RawRow
from qunguard.model.labels import LABELS

OUT = Path(__file__).resolve().parent / "gold.jsonl.gz"


def candidates_by_id() -> dict[str, tuple[str, str, str]]:
    rows = draw()
    half = (len(rows) + 1) // 2
    out = {}
    for part, chunk in ((1, rows[:half]), (2, rows[half:])):
        for i, row in enumerate(chunk):
            out[f"{part}-{i:04d}"] = row
    return out


def read_labels(paths: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()[1:], start=2):
            if not line.strip():
                continue
            gid, label = line.split("\t")[:2]
            label = label.strip()
            if label not in (*LABELS, "skip"):
                raise SystemExit(f"{path}:{n}: unknown label {label!r}")
            if gid in labels:
                raise SystemExit(f"{path}:{n}: id {gid} labelled twice")
            labels[gid] = label
    return labels


def main(paths: list[str]) -> None:
    cands = candidates_by_id()
    labels = read_labels(paths)
    missing = sorted(set(labels) - set(cands))
    if missing:
        raise SystemExit(f"labels for ids that are not candidates: {missing[:5]}")
    rows = []
    for gid in sorted(labels):
        if labels[gid] == "skip":
            continue
        source, raw_label, text = cands[gid]
        text = clean_text(RawRow(text, source, raw_label))
        if text:
            rows.append({"id": gid, "text": text, "label": labels[gid], "source": source})
    # mtime=0: the same labels give a byte-identical file
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for r in rows:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    counts = Counter(r["label"] for r in rows)
    print(f"{OUT}: {len(rows)} rows ({sum(1 for v in labels.values() if v == 'skip')} skipped) {dict(counts)}")


if __name__ == "__main__":
    main(sys.argv[1:])
