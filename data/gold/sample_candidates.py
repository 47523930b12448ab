"""Draw the gold-set candidates: chat-like messages from the raw corpora.

Run once (seeded); the drawn rows were then labelled by hand by the labelling
guide and saved as data/gold/gold.jsonl.gz. Re-running reproduces the same draw.

    python -m qunguard.data.gold.sample_candidates OUT_DIR
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from qunguard.data.sources import READERS

RAW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw"
SEED = 20261123

# (source, raw-label filter or None, how many)
PLAN = [
    ("tg_spam_zh", "0", 170),
    ("tg_spam_zh", "1", 170),
    ("game_ad_chat", "1", 130),
    ("game_ad_chat", "0", 90),
    ("game_chat_spam", "spam", 90),
    ("game_chat_spam", "normal", 40),
    ("chineseharm_bench", "黑产广告", 45),
    ("chineseharm_bench", "欺诈", 30),
    ("chineseharm_bench", "博彩", 30),
    ("chineseharm_bench", "低俗色情", 30),
    ("chineseharm_bench", "谩骂引战", 25),
    ("bili_flood_danmaku", "flooded_in_burst", 110),
    ("bili_flood_danmaku", "script_bot_spam", 20),
    ("bili_danmaku_random", None, 110),
    ("tieba_cyuyan_spam", None, 40),
    ("campus_qq_ads", None, 25),
    ("tg_channel_ads", None, 15),
    ("lccc_toy", None, 50),
]

_RUN = re.compile(r"(.)\1{4,}")


def draw() -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)
    seen: set[str] = set()
    picked = []
    cache: dict[str, list] = {}
    for source, label, n in PLAN:
        rows = cache.setdefault(source, list(READERS[source](RAW)))
        pool = [r for r in rows if (label is None or r.raw_label == label) and 2 <= len(r.text) <= 300]
        if source in ("bili_flood_danmaku", "bili_danmaku_random", "game_chat_spam"):
            # over-draw visibly repetitive lines so flooding is well covered
            runs = [r for r in pool if _RUN.search(r.text)]
            pool = rng.sample(runs, min(len(runs), n // 3)) + rng.sample(pool, min(len(pool), n * 2))
        else:
            pool = rng.sample(pool, min(len(pool), n * 2))
        taken = 0
        for r in pool:
            key = r.text.strip()
            if key in seen or "\t" in key or "\n" in key:
                continue
            seen.add(key)
            picked.append((source, r.raw_label, key))
            taken += 1
            if taken == n:
                break
    rng.shuffle(picked)
    return picked


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rows = draw()
    half = (len(rows) + 1) // 2
    for part, chunk in ((1, rows[:half]), (2, rows[half:])):
        with (out / f"candidates_{part}.tsv").open("w", encoding="utf-8") as fh:
            fh.write("id\tsource\ttext\n")
            for i, (source, _raw, text) in enumerate(chunk):
                fh.write(f"{part}-{i:04d}\t{source}\t{text}\n")
    print(len(rows), "candidates")
