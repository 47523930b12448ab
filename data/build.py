"""Rebuild data/ from ../shared/data/raw: one command, deterministic.

    python -m qunguard.data.build [--raw ../shared/data/raw]

Steps: read every source (data/sources.py) -> remove source tells and map to
our labels (data/mapping.py), or take our own hand label where there is one
(data/hand_labels.py) -> set aside what is only for evaluation (held-out sources,
danmaku pools and the later stretch of the real QQ group log) -> drop exact and
near duplicates, keeping whole near-duplicate clusters on one side of every split
-> drop anything that repeats an evaluation text -> cap each (source, label) and
each near-duplicate cluster so no source or campaign dominates a class -> random
90/10 split by cluster -> drop test rows close to a training row -> give chat rows
what members attach (data/augment.py), and ad and spam rows a dodged contact at the same rate
(data/dodge.py) -> write gzipped JSONL, the evaluation sets
under data/eval/ and data/build_report.json.
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

from qunguard.data import hand_labels
from qunguard.data.augment import augment
from qunguard.data.dodge import dodge_contacts
from qunguard.data.mapping import clean_text, map_row, text_flood
from qunguard.data.sources import READERS
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize

DATA = Path(__file__).resolve().parent
DEFAULT_RAW = DATA.parent.parent / "shared" / "data" / "raw"
SEED = 20261123
OOD_SOURCE = "qq_campus_adfilter"  # real QQ-group chat + ads, never trained on
# whole sources and parts of sources kept for evaluation only: groups the model never sees
EVAL_ONLY_SOURCES = (OOD_SOURCE, "tieba_cyuyan_spam", "campus_qq_ads")
HELDOUT_DANMAKU_POOLS = frozenset(f"pool_{v}" for v in ("307364844", "307379343", "307397843", "307415843"))
QQ_SCU = "qq_scu_group_2017"
TEST_SHARE = 0.10
CLUSTER_CAP = 3  # near copies of one campaign or meme kept in training at most
QQ_SCU_REPEAT_CAP = 20  # a reaction posted every day ([表情], 收到) keeps this many of its copies
PROTECT_MIN_KEY = 6  # an evaluation text shorter than this (好的, [表情]) is generic, not a leak
TEST_NEAR_TRAIN = 0.7  # a test row this close (Jaccard, masked) to a training row is dropped
MAX_CHARS = 600  # longer rows are channel posts, not chat messages

# at most this many rows per (source, label), drawn at random after de-duplication
CAPS = {
    ("game_ad_chat", "on_topic"): 16000,
    ("game_ad_chat", "advertising"): 12000,
    ("game_chat_spam", "on_topic"): 14000,
    ("lccc_toy", "on_topic"): 10000,
    ("bili_danmaku_random", "on_topic"): 16000,
    ("bili_danmaku_random", "flooding"): 9000,
    ("bili_flood_danmaku", "on_topic"): 5000,
    # SMS is not chat: enough to teach what is sold, not so much that SMS style decides
    ("sms80w", "on_topic"): 1500,
    ("sms80w", "advertising"): 15000,  # ads: many shops and services to learn what is sold from (s26);
    ("mudou_spam", "advertising"): 8000,  # train.py weighs each cell down to 1,500 rows, so SMS style does not grow
    ("mudou_spam", "on_topic"): 1500,
    ("fbs_sms", "advertising"): 5000,
    ("fbs_sms", "spam"): 2500,
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


def minhash(key: str) -> MinHash:
    """The MinHash of a key's character 3-gram shingles; one seed everywhere, so signatures compare."""
    m = MinHash(num_perm=64, seed=1)
    m.update_batch(list(shingles(key)))
    return m


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
    return read_jsonl_rows(path) if path.exists() else []


def read_all(raw: Path, review_files: tuple[str, ...] = hand_labels.OVERRIDE_FILES) -> tuple[list[dict], Counter]:
    rows: list[dict] = []
    dropped: Counter = Counter()
    overrides = hand_labels.training_overrides(files=review_files)
    for name, reader in READERS.items():
        for r in reader(raw):
            text = clean_text(r)
            if not text or len(text) > MAX_CHARS:
                dropped[(name, "empty_or_too_long")] += 1
                continue
            hand = overrides.get((name, r.ref if r.ref else r.text))
            mapped = (hand, "hand_label") if hand else map_row(r, text)
            if mapped is None:
                dropped[(name, "no_rule")] += 1
                continue
            row = {"text": text, "label": mapped[0], "source": name, "raw_label": r.raw_label, "rule": mapped[1]}
            if r.ref:
                row["ref"] = r.ref
            rows.append(row)
    return rows, dropped


def is_eval_only(row: dict) -> bool:
    """Rows no model may train on: held-out sources, danmaku pools and the QQ log's later stretch."""
    return (row["source"] in EVAL_ONLY_SOURCES
            or (row["source"] == "bili_danmaku_random" and row["raw_label"] in HELDOUT_DANMAKU_POOLS)
            or (row["source"] == QQ_SCU and row["raw_label"] == "heldout"))


def masked_key(text: str) -> str:
    """dedup_key of the masked text: names (handles) and digits do not make two messages differ."""
    return dedup_key(normalize(text).masked)


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
        m = minhash(k)
        for j in lsh.query(m):
            clusters.union(i, j)
        lsh.insert(i, m)
    cluster_of = [clusters.find(i) for i in range(len(keys))]
    protected = {cluster_of[i] for i in range(len(rows), len(keys)) if len(keys[i]) >= PROTECT_MIN_KEY}
    return cluster_of[: len(rows)], protected


def near_train(train: list[dict], others: list[dict], threshold: float = TEST_NEAR_TRAIN) -> set[int]:
    """Indexes of `others` whose masked text is within Jaccard `threshold` of a training row."""
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    exact = set()
    for i, r in enumerate(train):
        k = masked_key(r["text"])
        exact.add(k)
        if len(k) >= 8:
            lsh.insert(i, minhash(k))
    close = set()
    for j, r in enumerate(others):
        k = masked_key(r["text"])
        if len(k) < PROTECT_MIN_KEY:
            continue  # 好的, [表情]: every group says these; not a copy of a training row
        if k in exact or (len(k) >= 8 and lsh.query(minhash(k))):
            close.add(j)
    return close


def link_pool(rows: list[dict]) -> list[str]:
    """Links that members shared in on_topic chat rows of the training sources (for data/augment.py)."""
    links: set[str] = set()
    for r in rows:
        if r["label"] == "on_topic" and ("http" in r["text"] or "www." in r["text"] or ".c" in r["text"]):
            links.update(h.text for h in normalize(r["text"]).handles if h.kind == "url")
    return sorted(links)


def keep_label_shape(augmented: list[dict]) -> list[dict]:
    """The augmented copies whose label still holds: an attachment must not turn chat into a
    text flood (three placeholders) or a flood back into chat."""
    return [r for r in augmented if text_flood(r["text"]) == (r["label"] == "flooding")]


def eval_sets(rows: list[dict]) -> dict[str, list[dict]]:
    """The hand-labelled evaluation sets (data/labels/) as rows, and the QQ log's stretch to replay."""
    realchat = [{"id": r["id"], "text": r["text"], "label": r["label"], "source": r["source"]}
                for r in hand_labels.read_label_file(hand_labels.REALCHAT_FILE)]
    stretch = {int(r["ref"]): r for r in rows if r["source"] == QQ_SCU and r["raw_label"] == "heldout"}
    scu = [{"line": r["line"], "text": stretch[r["line"]]["text"], "label": r["label"], "source": QQ_SCU}
           for r in hand_labels.read_label_file(hand_labels.QQ_SCU_HELDOUT_FILE) if r["line"] in stretch]
    return {"realchat": realchat, "scu_heldout": scu}


def write_replay(raw: Path, path: Path) -> str:
    """The QQ log's held-out stretch in time order (text, user, ts): what bench/bench_replay.py sends."""
    from qunguard.data.sources import QQ_SCU_HELDOUT_FROM

    out = []
    with (raw / QQ_SCU / "messages.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            item = json.loads(line)
            if item["ts"] >= QQ_SCU_HELDOUT_FROM and item.get("text", "").strip():
                out.append({"line": i, "text": item["text"], "user": item["user"], "ts": item["ts"]})
    return write_jsonl_gz(path, out)


def write_jsonl_gz(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    # mtime=0 keeps the gzip bytes reproducible, so the data hash in model metadata is stable
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return hashlib.sha256(payload).hexdigest()


def keyed_rng(seed: int, *key) -> random.Random:
    """A generator of its own for one draw (one cap, one cluster, one split): relabelling one
    source re-draws that source's rows alone. With one generator for the whole build, a change
    anywhere shifted every later draw, so two builds differed in thousands of unrelated rows and
    a trial's measured gain mixed its own effect with a new random sample."""
    return random.Random("/".join(map(str, (seed, *key))))


def row_order(row: dict) -> bytes:
    """A fixed pseudo-random place for each row, the same in every build that keeps the row."""
    return hashlib.blake2b(json.dumps(row, ensure_ascii=False, sort_keys=True).encode(), digest_size=8).digest()


def build(raw: Path, out: Path, review_files: tuple[str, ...] = hand_labels.OVERRIDE_FILES, seed: int = SEED) -> dict:
    rows, dropped = read_all(raw, review_files)
    gold = load_gold(DATA / "gold" / "gold.jsonl.gz")  # the repo's, also when --out is elsewhere
    evals = eval_sets(rows)
    held = [r for r in rows if is_eval_only(r)]
    ood_rows = [r for r in held if r["source"] in EVAL_ONLY_SOURCES]
    rows = [r for r in rows if not is_eval_only(r)]
    protected_texts = [g["text"] for g in gold] + [r["text"] for r in held]
    protected_texts += [r["text"] for rs in evals.values() for r in rs]

    cluster_of, protected = cluster_rows(rows, protected_texts)

    # one row per exact key; drop keys whose copies disagree on the label
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_key[dedup_key(r["text"])].append(i)
    kept: list[int] = []
    for idx in by_key.values():
        if cluster_of[idx[0]] in protected:
            dropped[("all", "repeats_gold_or_ood")] += len(idx)
            continue
        if len({rows[i]["label"] for i in idx}) > 1:
            dropped[("all", "conflicting_labels")] += len(idx)
            continue
        # a reaction the group posts every day keeps some of its copies: its weight is the point
        keep = QQ_SCU_REPEAT_CAP if all(rows[i]["source"] == QQ_SCU for i in idx) else 1
        kept.extend(idx[:keep])
        dropped[("all", "exact_duplicate")] += len(idx) - min(keep, len(idx))

    # caps per (source, label)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in kept:
        groups[(rows[i]["source"], rows[i]["label"])].append(i)
    selected: list[int] = []
    for g, idx in sorted(groups.items()):
        cap = CAPS.get(g)
        if cap is not None and len(idx) > cap:
            idx = keyed_rng(seed, "cap", *g).sample(sorted(idx), cap)
            dropped[(g[0], "over_cap")] += len(groups[g]) - cap
        selected.extend(sorted(idx))

    # at most CLUSTER_CAP near copies of one text (a campaign, a meme) in the data
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for i in selected:
        by_cluster[cluster_of[i]].append(i)
    capped: list[int] = []
    for cluster, idx in sorted(by_cluster.items()):
        exact_copies = len({dedup_key(rows[i]["text"]) for i in idx}) == 1
        if len(idx) > CLUSTER_CAP and not exact_copies:
            dropped[("all", "over_cluster_cap")] += len(idx) - CLUSTER_CAP
            idx = keyed_rng(seed, "cluster", cluster).sample(idx, CLUSTER_CAP)
        capped.extend(sorted(idx))
    selected = capped

    # split by near-duplicate cluster so no near copy straddles train and test
    test_clusters = {c for c in {cluster_of[i] for i in selected} if keyed_rng(seed, "split", c).random() < TEST_SHARE}
    train = [rows[i] for i in selected if cluster_of[i] not in test_clusters]
    test = [rows[i] for i in selected if cluster_of[i] in test_clusters]
    close = near_train(train, test)
    dropped[("test", "near_a_training_row")] += len(close)
    test = [r for j, r in enumerate(test) if j not in close]
    extra = keep_label_shape(augment(train, link_pool(train), seed) + dodge_contacts(train, seed))
    train += extra
    train.sort(key=row_order)
    test.sort(key=row_order)
    for name, rs in evals.items():
        near = near_train(train, rs)
        evals[name] = [dict(r, near_train=j in near) for j, r in enumerate(rs)]

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
        "eval/scu_replay": write_replay(raw, out / "eval" / "scu_replay.jsonl.gz"),
    }
    for name, rs in evals.items():
        if rs:
            hashes[f"eval/{name}"] = write_jsonl_gz(out / "eval" / f"{name}.jsonl.gz", rs)
    report = {
        "seed": seed,
        "ood_source": OOD_SOURCE,
        "gold_rows_excluded_against": len(gold),
        "sha256": hashes,
        "counts": {
            name: {
                "total": len(part),
                "by_label": dict(Counter(r["label"] for r in part)),
                "by_source_label": {f"{s}/{lab}": n for (s, lab), n in sorted(Counter((r["source"], r["label"]) for r in part).items())},
            }
            for name, part in (("train", train), ("test", test), ("ood", ood), *evals.items())
        },
        "augmented_train_rows": dict(Counter(r["rule"] for r in extra)),
        "eval_rows_near_train": {name: sum(r["near_train"] for r in rs) for name, rs in evals.items()},
        "rules": {f"{s}/{rule}": n for (s, rule), n in sorted(Counter((r["source"], r["rule"]) for r in train + test).items())},
        "dropped": {f"{s}/{why}": n for (s, why), n in sorted(dropped.items())},
    }
    (out / "build_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="folder of the raw corpora (../shared/data/raw)")
    ap.add_argument("--out", type=Path, default=DATA)
    ap.add_argument("--with-set-aside-labels", nargs="*", metavar="FILE", choices=hand_labels.NOT_USED_FILES,
                    help="also use review labels set aside (hand_labels.NOT_USED_FILES; none named: all of them): "
                         "repeats a trial")
    ap.add_argument("--seed", type=int, default=SEED,
                    help="another random draw (caps, split, attachments): how far a trial's figures move by chance")
    args = ap.parse_args()
    set_aside = () if args.with_set_aside_labels is None else tuple(args.with_set_aside_labels or hand_labels.NOT_USED_FILES)
    files = hand_labels.OVERRIDE_FILES + set_aside
    report = build(args.raw, args.out, files, args.seed)
    for name, c in report["counts"].items():
        print(f"{name}: {c['total']} {c['by_label']}")


if __name__ == "__main__":
    main()
