"""The figures data/README.md gives about our labels, from the label files alone.

    python -m qunguard.data.label_checks
    python -m qunguard.data.label_checks --draw-blind OUT.jsonl --key KEY.json --per-label 100 --seed 2026
    python -m qunguard.data.label_checks --join LABELS.jsonl --blind OUT.jsonl --key KEY.json [--into noise_check_3.jsonl.gz]

- noise estimate: share of the blind re-labelled training rows (labels/noise_check, noise_check_2)
  whose training label differs from the hand label, per training label, with a 95 % Wilson
  interval; all rows and blind rows only; and the confusion of the wrong ones;
- --draw-blind: a seeded random sample of non-augmented training rows per label, none an earlier
  check labelled, written with id, source and text only; the training label goes to a key file
  kept aside until labelled;
- --join: hand labels (id, label, unsure, note) + blind file + key -> labels/<--into>;
- mapping agreement: per reviewed slice (labels/review_tg_harm, review_game_sms), the share of
  rows where the mapping agrees with the hand label, as the file recorded it when labelled
  (`mapped`, "before") and as data/mapping.py maps it now ("after"), over the rows it keeps.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import random
from collections import Counter, defaultdict
from pathlib import Path

from qunguard.data.hand_labels import (
    LABELS_DIR,
    NOISE_CHECK_3_FILE,
    NOISE_CHECKS,
    read_label_file,
)
from qunguard.data.mapping import clean_text, map_row
from qunguard.data.sources import RawRow
from qunguard.model.labels import LABELS

REVIEW_FILES = ("review_tg_harm.jsonl.gz", "review_game_sms.jsonl.gz")
TRAIN_FILE = Path(__file__).resolve().parent / "train.jsonl.gz"


def noise_estimate(rows: list[dict]) -> dict[str, dict[str, tuple[int, int]]]:
    """training label -> {"all": (wrong, n), "blind": (wrong, n)}."""
    out: dict[str, dict[str, list[int]]] = {lab: {"all": [0, 0], "blind": [0, 0]} for lab in LABELS}
    for r in rows:
        wrong = int(r["label"] != r["data_label"])
        for part in ("all", "blind") if r["blind"] else ("all",):
            out[r["data_label"]][part][0] += wrong
            out[r["data_label"]][part][1] += 1
    return {lab: {part: (w, n) for part, (w, n) in parts.items()} for lab, parts in out.items()}


def wilson_interval(wrong: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of wrong / n: sound at 0 wrong and small n, unlike the normal one."""
    if n == 0:
        return (0.0, 1.0)
    p = wrong / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def draw_blind(train: list[dict], skip_texts: set[str], per_label: int,
               seed: int) -> tuple[list[dict], dict[str, dict]]:
    """(blind rows {id, source, text}, key id -> {data_label, rule, train_index}).

    Non-augmented rows only, none whose text an earlier check labelled, no text twice; the
    rows of all labels are shuffled together so neither the id nor the order tells the label."""
    rng = random.Random(seed)
    picked: list[int] = []
    seen: set[str] = set(skip_texts)
    for lab in LABELS:
        pool = [i for i, r in enumerate(train) if r["label"] == lab and not r.get("augmented")]
        rng.shuffle(pool)
        taken = 0
        for i in pool:
            if taken == per_label:
                break
            if train[i]["text"] not in seen:
                seen.add(train[i]["text"])
                picked.append(i)
                taken += 1
    rng.shuffle(picked)
    blind, key = [], {}
    for n, i in enumerate(picked):
        row_id = f"n{n:03d}"
        blind.append({"id": row_id, "source": train[i]["source"], "text": train[i]["text"]})
        key[row_id] = {"data_label": train[i]["label"], "rule": train[i].get("rule"), "train_index": i}
    return blind, key


def join_blind(blind: list[dict], hand: dict[str, dict], key: dict[str, dict]) -> list[dict]:
    """Rows in the format of labels/noise_check; every blind row must carry a hand label."""
    missing = [r["id"] for r in blind if r["id"] not in hand]
    if missing:
        raise ValueError(f"{len(missing)} blind rows have no hand label, e.g. {missing[:5]}")
    return [{"id": r["id"], "source": r["source"], "text": r["text"], "data_label": key[r["id"]]["data_label"],
             "label": hand[r["id"]]["label"], "unsure": bool(hand[r["id"]].get("unsure")), "blind": True,
             "note": hand[r["id"]].get("note", "")} for r in blind]


def mapping_agreement(rows: list[dict]) -> dict[tuple, dict[str, tuple[int, int]]]:
    """(source, raw label, slice) -> {"before": (agree, kept), "after": (agree, kept)}."""
    out: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: {"before": [0, 0], "after": [0, 0]})
    for r in rows:
        key = (r["source"], r["raw_label"], r.get("slice"))
        raw = RawRow(r["text"], r["source"], r["raw_label"])
        now = map_row(raw, clean_text(raw))
        for when, mapped in (("before", r.get("mapped")), ("after", now[0] if now else None)):
            if mapped is not None:
                out[key][when][0] += int(mapped == r["label"])
                out[key][when][1] += 1
    return {k: {when: (a, n) for when, (a, n) in v.items()} for k, v in out.items()}


def _share(a: int, n: int) -> str:
    return f"{a}/{n} = {a / n:.1%}" if n else "–"


def _share_ci(a: int, n: int) -> str:
    lo, hi = wilson_interval(a, n)
    return f"{_share(a, n)} [{lo:.1%}, {hi:.1%}]" if n else "–"


def print_noise_check(name: str) -> None:
    """Per training label: wrong / n with its 95 % Wilson interval, then the wrong rows' confusion."""
    if not (LABELS_DIR / name).exists():
        return
    noise = read_label_file(name)
    print(f"noise estimate, labels/{name} (training label differs from the hand label; 95 % Wilson interval):")
    if not noise:
        print("  (no rows)")
        return
    for lab, parts in noise_estimate(noise).items():
        print(f"  {lab}: all {_share_ci(*parts['all'])}, blind rows only {_share_ci(*parts['blind'])}")
    wrong = Counter((r["data_label"], r["label"]) for r in noise if r["label"] != r["data_label"])
    print("  training label -> hand label:", ", ".join(f"{a} -> {b} x{n}" for (a, b), n in wrong.most_common()))
    sure = [r for r in noise if not r.get("unsure")]
    if len(sure) < len(noise):
        print("  sure rows only:", ", ".join(f"{lab} {_share(*parts['all'])}"
                                             for lab, parts in noise_estimate(sure).items()))


def print_checks() -> None:
    for name in NOISE_CHECKS:
        print_noise_check(name)
        print()
    rows = [r for name in REVIEW_FILES for r in read_label_file(name)]
    print("\nmapping agreement with the hand labels, before (as labelled) -> after (data/mapping.py now):")
    for (source, raw, slice_), v in sorted(mapping_agreement(rows).items(), key=str):
        where = f"{source} label {raw}" + (f", slice {slice_}" if slice_ else "")
        print(f"  {where}: {_share(*v['before'])} -> {_share(*v['after'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draw-blind", type=Path, metavar="OUT", help="write a blind sample of the training data")
    ap.add_argument("--join", type=Path, metavar="LABELS", help="hand labels to join into labels/<--into>")
    ap.add_argument("--into", default=NOISE_CHECK_3_FILE, choices=NOISE_CHECKS[1:], help="the check file --join writes")
    ap.add_argument("--blind", type=Path, help="the blind file the hand labels are for (with --join)")
    ap.add_argument("--key", type=Path, help="id -> training label, kept apart from the labeller (with --draw-blind, --join)")
    ap.add_argument("--per-label", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if (args.draw_blind or args.join) and args.key is None:
        ap.error("--draw-blind and --join need --key FILE")
    if args.draw_blind:
        # no row an earlier check labelled
        skip = {r["text"] for name in NOISE_CHECKS if (LABELS_DIR / name).exists() for r in read_label_file(name)}
        blind, key = draw_blind(read_jsonl(TRAIN_FILE), skip, args.per_label, args.seed)
        write_jsonl(args.draw_blind, blind)
        args.key.write_text(json.dumps(key, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"{len(blind)} blind rows -> {args.draw_blind}; key -> {args.key} (do not open before labelling)")
    elif args.join:
        hand = {r["id"]: r for r in read_jsonl(args.join)}
        key = json.loads(args.key.read_text(encoding="utf-8"))
        rows = join_blind(read_jsonl(args.blind), hand, key)
        write_jsonl(LABELS_DIR / args.into, rows)
        print(f"{len(rows)} rows -> {LABELS_DIR / args.into}")
    else:
        print_checks()


if __name__ == "__main__":
    main()
