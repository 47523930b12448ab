"""Rebuild data/ from ../shared/data/raw: one command, deterministic.

    python -m data.build [--raw ../shared/data/raw]

Steps: read every source (data/sources.py) -> remove source tells and map to
our labels (data/mapping.py) -> drop exact and near duplicates, keeping whole
near-duplicate clusters on one side of every split -> drop anything that
repeats a gold-set or out-of-domain text -> cap each (source, label) so no
source dominates a class -> random 90/10 split by cluster -> write gzipped
JSONL and data/build_report.json.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from data.mapping import clean_text, map_row
from data.sources import READERS

DATA = Path(__file__).resolve().parent
DEFAULT_RAW = DATA.parent.parent / "shared" / "data" / "raw"
SEED = 20261123
OOD_SOURCE = "qq_campus_adfilter"  # real QQ-group chat + ads, never trained on
TEST_SHARE = 0.10
MAX_CHARS = 600  # longer rows are channel posts, not chat messages

# at most this many rows per (source, label), drawn at random after de-duplication
CAPS = {
    ("game_ad_chat", "on_topic"): 16000,
    ("game_ad_chat", "advertising"): 18000,
    ("game_chat_spam", "on_topic"): 14000,
    ("lccc_toy", "on_topic"): 10000,
    ("bili_danmaku_random", "on_topic"): 16000,
    ("bili_danmaku_random", "flooding"): 9000,
    ("bili_flood_danmaku", "on_topic"): 5000,
    ("sms80w", "on_topic"): 4000,
    ("sms80w", "advertising"): 2500,
    ("mudou_spam", "advertising"): 2500,
    ("mudou_spam", "on_topic"): 3000,
    ("fbs_sms", "advertising"): 4000,
    ("fbs_sms", "spam"): 3500,
    ("online_shopping_10cats", "on_topic"): 6000,
    ("toutiao_titles", "on_topic"): 3000,
    ("thucnews_titles", "on_topic"): 2000,
}

_DIGITS = re.compile(r"\d+")


def dedup_key(text: str) -> str:
    """Exact-duplicate key: case, width, punctuation, spacing and digits do not count.

    Emoji and other symbols do count: dropping them would make every emoji-only
    message one "duplicate" (and one gold emoji string would then exclude them all).
    A text of punctuation only keys on itself, for the same reason.
    """
    t = unicodedata.normalize("NFKC", text).lower()
    key = "".join(ch for ch in t if unicodedata.category(ch)[0] not in "PZC")
    return _DIGITS.sub("0", key) if key else "".join(t.split())


def shingles(key: str) -> set[bytes]:
    return {key[i : i + 3].encode() for i in range(max(1, len(key) - 2))}


class Clusters:
    """Union-find over row ids: near duplicates end up in one cluster."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        self.parent.setdefault(i, i)
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def load_gold(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read_all(raw: Path) -> tuple[list[dict], Counter]:
    rows, dropped = [], Counter()
    for name, reader in READERS.items():
        for r in reader(raw):
            text = clean_text(r)
            if not text or len(text) > MAX_CHARS:
                dropped[(name, "empty_or_too_long")] += 1
                continue
            mapped = map_row(r, text)
            if mapped is None:
                dropped[(name, "no_rule")] += 1
                continue
            rows.append({"text": text, "label": mapped[0], "source": name, "raw_label": r.raw_label, "rule": mapped[1]})
    return rows, dropped


def cluster_rows(rows: list[dict], extra_keys: list[str]) -> tuple[list[int], set[int]]:
    """Cluster id per row; and the clusters that contain a protected (gold/OOD) text."""
    keys = [dedup_key(r["text"]) for r in rows] + [dedup_key(t) for t in extra_keys]
    clusters = Clusters()
    first_by_key: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in first_by_key:
            clusters.union(first_by_key[k], i)
        else:
            first_by_key[k] = i
    lsh = MinHashLSH(threshold=0.8, num_perm=64)
    for k, i in first_by_key.items():
        if len(k) < 8:  # too short for near-duplicate shingles; exact key already handled
            continue
        m = MinHash(num_perm=64, seed=1)
        m.update_batch(list(shingles(k)))
        for j in lsh.query(m):
            clusters.union(i, j)
        lsh.insert(i, m)
    cluster_of = [clusters.find(i) for i in range(len(keys))]
    protected = {cluster_of[i] for i in range(len(rows), len(keys))}
    return cluster_of[: len(rows)], protected


def write_jsonl_gz(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    # mtime=0 keeps the gzip bytes reproducible, so the data hash in model metadata is stable
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return hashlib.sha256(payload).hexdigest()


def build(raw: Path, out: Path) -> dict:
    rng = random.Random(SEED)
    rows, dropped = read_all(raw)
    gold = load_gold(out / "gold" / "gold.jsonl.gz")
    ood_rows = [r for r in rows if r["source"] == OOD_SOURCE]
    rows = [r for r in rows if r["source"] != OOD_SOURCE]

    cluster_of, protected = cluster_rows(rows, [g["text"] for g in gold] + [r["text"] for r in ood_rows])

    # one row per exact key; drop keys whose copies disagree on the label
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_key[dedup_key(r["text"])].append(i)
    kept: list[int] = []
    for key, idx in by_key.items():
        if cluster_of[idx[0]] in protected:
            dropped[("all", "repeats_gold_or_ood")] += len(idx)
            continue
        if len({rows[i]["label"] for i in idx}) > 1:
            dropped[("all", "conflicting_labels")] += len(idx)
            continue
        kept.append(idx[0])
        dropped[("all", "exact_duplicate")] += len(idx) - 1

    # caps per (source, label)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in kept:
        groups[(rows[i]["source"], rows[i]["label"])].append(i)
    selected: list[int] = []
    for g, idx in sorted(groups.items()):
        cap = CAPS.get(g)
        if cap is not None and len(idx) > cap:
            idx = rng.sample(sorted(idx), cap)
            dropped[(g[0], "over_cap")] += len(groups[g]) - cap
        selected.extend(sorted(idx))

    # split by near-duplicate cluster so no near copy straddles train and test
    cluster_ids = sorted({cluster_of[i] for i in selected})
    rng.shuffle(cluster_ids)
    test_clusters = set(cluster_ids[: int(len(cluster_ids) * TEST_SHARE)])
    train = [rows[i] for i in selected if cluster_of[i] not in test_clusters]
    test = [rows[i] for i in selected if cluster_of[i] in test_clusters]
    rng.shuffle(train)
    rng.shuffle(test)

    ood_seen, ood = set(), []
    for r in ood_rows:
        k = dedup_key(r["text"])
        if k not in ood_seen:
            ood_seen.add(k)
            ood.append(r)

    hashes = {
        "train": write_jsonl_gz(out / "train.jsonl.gz", train),
        "test": write_jsonl_gz(out / "test.jsonl.gz", test),
        "ood": write_jsonl_gz(out / "ood.jsonl.gz", ood),
    }
    report = {
        "seed": SEED,
        "ood_source": OOD_SOURCE,
        "gold_rows_excluded_against": len(gold),
        "sha256": hashes,
        "counts": {
            name: {
                "total": len(part),
                "by_label": dict(Counter(r["label"] for r in part)),
                "by_source_label": {f"{s}/{l}": n for (s, l), n in sorted(Counter((r["source"], r["label"]) for r in part).items())},
            }
            for name, part in (("train", train), ("test", test), ("ood", ood))
        },
        "rules": {f"{s}/{rule}": n for (s, rule), n in sorted(Counter((r["source"], r["rule"]) for r in train + test).items())},
        "dropped": {f"{s}/{why}": n for (s, why), n in sorted(dropped.items())},
    }
    (out / "build_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="folder of the raw corpora (../shared/data/raw)")
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args()
    report = build(args.raw, args.out)
    for name, c in report["counts"].items():
        print(f"{name}: {c['total']} {c['by_label']}")


if __name__ == "__main__":
    main()
