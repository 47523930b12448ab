"""Training rows whose label a model trained without them doubts: candidates for a blind hand label.

    python -m qunguard.data.disagreements --blind OUT.jsonl --key KEY.json [--folds 3]
    python -m qunguard.data.disagreements --join LABELS.jsonl --key KEY.json --into labels/review_round4_disagreements.jsonl.gz
    python -m qunguard.data.disagreements --report labels/review_round4_disagreements.jsonl.gz

The first command trains one model per fold on the other folds (rows split by a hash of their text, weighed
as train.py weighs them but a hand label x2, not x3, as when round 4 was drawn) and scores the fold's own rows, so no row is scored by a model that saw it. A row
of a chat source (not SMS, titles or reviews) is a candidate when that model strongly disagrees with its
label: chat it calls commerce (p(on_topic) < 0.2), spam it calls advertising or advertising spam (> 0.6),
spam or advertising it calls chat (p(on_topic) > 0.8). Rows already hand-labelled are left out. The blind
file holds only an id and the text, shuffled; the key (id -> source, text, label, why) stays with whoever
joins. The labeller reads the guide and the blind file alone; --join writes the review file
(hand_labels.read_label_file's format, with the mapped label and the doubt kept), and --report prints how each
doubt fared: the labellers' labels by kind of doubt. data/README.md says how round 4 was drawn and what it did.
"""
from __future__ import annotations

import argparse
import json
import random
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from qunguard.data.hand_labels import LABELS_DIR
from qunguard.data.label_checks import read_jsonl, write_jsonl

DATA = Path(__file__).resolve().parent
CHAT_SOURCES = frozenset(("game_ad_chat", "game_chat_spam", "tg_spam_zh", "chineseharm_bench", "qq_scu_group_2017",
                          "lccc_toy", "bili_flood_danmaku", "bili_danmaku_random"))
BALANCE = 1500  # train.py's --balance-sources default
HAND_WEIGHT = 2.0  # a hand-labelled row's weight when round 4 was drawn (train.py weighs it 3.0)


def _fold(text: str, folds: int) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % folds


def out_of_fold(train: list[dict], folds: int) -> list[tuple[dict, dict[str, float]]]:
    """(row, its label probabilities from the model of the other folds) for every non-augmented row."""
    from qunguard.model.classifier import MessageClassifier  # training only
    from qunguard.model.labels import LABELS

    scored = []
    for k in range(folds):
        fit = [r for r in train if _fold(r["text"], folds) != k]
        held = [r for r in train if _fold(r["text"], folds) == k and not r.get("augmented")]
        cells = Counter((r["source"], r["label"]) for r in fit)
        weights = np.array([(HAND_WEIGHT if r.get("rule") == "hand_label" else 1.0)
                            * min(1.0, BALANCE / cells[r["source"], r["label"]]) for r in fit])
        clf = MessageClassifier.fit([r["text"] for r in fit], [r["label"] for r in fit], sample_weight=weights)
        proba = clf.predict_proba([r["text"] for r in held])
        scored += [(r, dict(zip(LABELS, p.tolist(), strict=True))) for r, p in zip(held, proba, strict=True)]
    return scored


def doubt(label: str, p: dict[str, float]) -> str | None:
    """Why a model of the other folds doubts `label`, or None."""
    if label == "on_topic" and p["on_topic"] < 0.2 and max(p["advertising"], p["spam"]) > 0.6:
        return "on_topic->commerce"
    if label == "spam" and p["advertising"] > 0.6:
        return "spam->advertising"
    if label == "advertising" and p["spam"] > 0.6:
        return "advertising->spam"
    if label in ("spam", "advertising") and p["on_topic"] > 0.8:
        return label + "->on_topic"
    return None


def candidates(scored: list[tuple[dict, dict[str, float]]], labelled: set[str], seed: int) -> tuple[list[dict], dict]:
    """(blind rows {id, text}, key id -> {source, raw_label, text, data_label, why}), shuffled."""
    picked, seen = [], set(labelled)
    for row, p in scored:
        why = doubt(row["label"], p)
        if why and row["source"] in CHAT_SOURCES and row.get("rule") != "hand_label" and row["text"] not in seen:
            seen.add(row["text"])
            picked.append((row, why))
    random.Random(seed).shuffle(picked)
    blind, key = [], {}
    for n, (row, why) in enumerate(picked):
        blind.append({"id": f"b{n:04d}", "text": row["text"]})
        key[f"b{n:04d}"] = {"source": row["source"], "raw_label": row.get("raw_label"), "text": row["text"],
                            "data_label": row["label"], "why": why}
    return blind, key


def join(hand: list[dict], key: dict) -> list[dict]:
    """The review file's rows: every keyed id needs a hand label."""
    by_id = {h["id"]: h for h in hand}
    missing = [i for i in key if i not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} rows have no hand label, e.g. {missing[:5]}")
    return [{"source": k["source"], "raw_label": k["raw_label"], "text": k["text"], "label": by_id[i]["label"],
             "unsure": bool(by_id[i].get("unsure")), "note": by_id[i].get("note", ""), "data_label": k["data_label"],
             "why": k["why"]} for i, k in key.items()]


def report(rows: list[dict]) -> dict[str, Counter]:
    """Kind of doubt -> the labellers' labels of its rows."""
    out: dict[str, Counter] = {}
    for r in rows:
        out.setdefault(r["why"], Counter())[r["label"]] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blind", type=Path, help="write the blind candidates here")
    ap.add_argument("--join", type=Path, metavar="LABELS", help="hand labels ({id, label, unsure, note}) to join")
    ap.add_argument("--report", type=Path, metavar="REVIEW", help="a joined review file: how each kind of doubt fared")
    ap.add_argument("--key", type=Path)
    ap.add_argument("--into", type=Path, help="the review file --join writes")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2028)
    args = ap.parse_args()
    if args.report:
        for why, labels in report(read_jsonl(args.report)).items():
            n = sum(labels.values())
            print(f"{why}: {n} rows; " + ", ".join(f"{lab} {c} ({c / n:.0%})" for lab, c in labels.most_common()))
        return
    if args.key is None:
        ap.error("--blind and --join need --key")
    if args.join:
        rows = join(read_jsonl(args.join), json.loads(args.key.read_text(encoding="utf-8")))
        write_jsonl(args.into, rows)
        print(f"wrote {args.into}: {len(rows)} rows, {dict(Counter(r['label'] for r in rows))}")
        return
    labelled = {r["text"] for path in LABELS_DIR.glob("review_*.jsonl.gz") for r in read_jsonl(path)}
    blind, key = candidates(out_of_fold(read_jsonl(DATA / "train.jsonl.gz"), args.folds), labelled, args.seed)
    write_jsonl(args.blind, blind)
    args.key.write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.blind}: {len(blind)} candidates, {dict(Counter(k['why'] for k in key.values()))}")


if __name__ == "__main__":
    main()
