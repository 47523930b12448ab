"""Does what members attach every day move a verdict? A cue check on held-out real messages.

    python bench/bench_attachments.py --model DIR [--model DIR ...] [--json OUT]

The lesson of issue 7: a sticker, a picture or a 👍 is posted by members every day, so it must never be a cue
for a label. Each hand-labelled message of real chat and of the QQ group's later stretch (never trained on) is
scored as written and with one everyday attachment added as members add them ([表情] or 👍 or 😂😂 after the
words, [图片] before or after; messages with words only, since three attachments and no words are a flood by
the guide), by the model alone (no guide rule, no group policy). Per model and attachment it
prints how often the label flips: chat (on_topic) to a flagged label, a flagged label to chat, and the mean
change of p(on_topic) on chat. A model that learned the attachment as a cue flips many; one that reads the words
flips few.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize

SETS = (ROOT / "data" / "eval" / "realchat.jsonl.gz", ROOT / "data" / "eval" / "scu_heldout.jsonl.gz")
ATTACHED = {  # how members attach them, as the QQ export and Telegram show: no space before a sticker
    "+[表情]": lambda t: t + "[表情]",
    "+👍": lambda t: t + "👍",
    "+😂😂": lambda t: t + "😂😂",
    "+[图片]": lambda t: t + "[图片]",
    "[图片]+": lambda t: "[图片]" + t,
}


_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,6}\]")
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def score(clf, texts: list[str]) -> tuple[list[str], np.ndarray]:
    scored = clf.score([normalize(t) for t in texts])
    return list(scored.labels), np.array([s["on_topic"] for s in scored.scores])


def measure(model_dir: Path, rows: list[dict]) -> dict:
    clf, meta = artifact.load(model_dir)
    texts = [r["text"] for r in rows]
    base, p_base = score(clf, texts)
    # only messages with words: three attachments and no words are a flood by the guide, so adding one or two to
    # a message of placeholders may rightly make it one
    worded = [bool(_WORD.search(_PLACEHOLDER.sub("", t))) for t in texts]
    chat = [i for i, r in enumerate(rows) if r["label"] == "on_topic" and base[i] == "on_topic" and worded[i]]
    flagged = [i for i, r in enumerate(rows) if r["label"] != "on_topic" and base[i] != "on_topic" and worded[i]]
    out = {"model": str(model_dir), "version": meta["model_version"], "chat": len(chat), "flagged": len(flagged)}
    for name, attach in ATTACHED.items():
        labels, p = score(clf, [attach(t) for t in texts])
        out[name] = {
            "chat_flagged": sum(labels[i] != "on_topic" for i in chat),
            "flagged_to_chat": sum(labels[i] == "on_topic" for i in flagged),
            "chat_dp_on_topic": round(float(np.mean(p[chat] - p_base[chat])), 4),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, action="append", required=True)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    rows = [r for path in SETS for r in read_jsonl_rows(path)]
    results = []
    for model_dir in args.model:
        r = measure(model_dir, rows)
        results.append(r)
        print(f"{r['model']} ({r['version']}): {len(rows)} held-out messages; right as written: chat {r['chat']}, "
              f"flagged {r['flagged']}")
        for name in ATTACHED:
            x = r[name]
            print(f"  {name:<8} chat flagged {x['chat_flagged']:>4} ({x['chat_flagged'] / r['chat']:.2%})  "
                  f"flagged let through {x['flagged_to_chat']:>3} ({x['flagged_to_chat'] / r['flagged']:.2%})  "
                  f"chat's p(on_topic) {x['chat_dp_on_topic']:+.4f}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
