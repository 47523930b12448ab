"""Readers for each corpus in ../shared/data/raw.

Each reader yields RawRow(text, source, raw_label): the text as stored, the
source folder and the source's own label (never ours). Mapping to our four
labels lives in data/mapping.py, so readers stay dumb and testable.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(10**7)


@dataclass(frozen=True)
class RawRow:
    text: str
    source: str
    raw_label: str
    ref: str = ""  # where the row sits in its source, when that matters (a line of a group log)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line.strip():
                yield line


_SINGLE_CHAR_SPACING = re.compile(r"(?<=\S) (?=\S)")


def unspace_chars(text: str) -> str:
    """LCCC stores every character separated by a space; join them back.

    Keeps a space only where two ASCII words meet (so 'so easy' stays readable).
    """
    out: list[str] = []
    tokens = text.split(" ")
    for i, tok in enumerate(tokens):
        if i and tok and out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and tok[0].isascii() and tok[0].isalnum():
            out.append(" ")
        out.append(tok)
    return "".join(out)


def read_tg_spam_zh(root: Path) -> Iterator[RawRow]:
    # not proper CSV: "<digit>,<text>" split on the first comma (see SOURCE.md)
    for name in ("train.csv", "eval.csv"):
        for i, line in enumerate(_lines(root / "tg_spam_zh" / name)):
            if i == 0 and line.startswith("target,"):
                continue
            label, _, text = line.partition(",")
            if label in ("0", "1"):
                yield RawRow(text, "tg_spam_zh", label)


def read_game_chat_spam(root: Path) -> Iterator[RawRow]:
    for name, label in (("normal_sample50k.tsv", "normal"), ("spam_sample50k.tsv", "spam")):
        for i, line in enumerate(_lines(root / "game_chat_spam" / name)):
            if i == 0:
                continue
            parts = line.split("\t", 2)
            if len(parts) == 3:
                yield RawRow(parts[2], "game_chat_spam", label)


def read_game_ad_chat(root: Path) -> Iterator[RawRow]:
    for name in ("train.txt", "validation.txt"):
        for i, line in enumerate(_lines(root / "game_ad_chat" / name)):
            if i == 0:
                continue
            label, _, text = line.partition("\t")
            if label in ("0", "1"):
                yield RawRow(text, "game_ad_chat", label)


def read_chineseharm_bench(root: Path) -> Iterator[RawRow]:
    for path in sorted((root / "chineseharm_bench").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            yield RawRow(item["文本"], "chineseharm_bench", item["标签"])


def read_fbs_sms(root: Path) -> Iterator[RawRow]:
    for path in sorted((root / "fbs_sms").glob("*.txt")):
        for line in _lines(path):
            yield RawRow(line, "fbs_sms", path.stem)


def read_sms80w(root: Path) -> Iterator[RawRow]:
    for line in _lines(root / "sms80w" / "chenhangjun_dataset.csv"):
        label, _, text = line.partition(",")
        if label in ("0", "1"):
            yield RawRow(text, "sms80w", label)
    with (root / "sms80w" / "ydoit_test.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("label") in ("0", "1") and row.get("content", "").strip():
                yield RawRow(row["content"].strip(), "sms80w", row["label"])


def read_mudou_spam(root: Path) -> Iterator[RawRow]:
    for name in ("mudou_spam.train.txt", "mudou_spam.test.txt"):
        for line in _lines(root / "mudou_spam" / name):
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0] in ("0", "1") and parts[1].strip():
                yield RawRow(parts[1], "mudou_spam", parts[0])


def read_lccc_toy(root: Path) -> Iterator[RawRow]:
    for name in ("toy_train.txt", "toy_valid.txt"):
        for line in _lines(root / "lccc_toy" / name):
            for utt in line.split("\t"):
                if utt.strip():
                    yield RawRow(unspace_chars(utt.strip()), "lccc_toy", "utterance")


def read_bili_flood_danmaku(root: Path) -> Iterator[RawRow]:
    base = root / "bili_flood_danmaku"
    for line in _lines(base / "Fashion_message.txt"):
        yield RawRow(line, "bili_flood_danmaku", "flooded_in_burst")
    for line in _lines(base / "dirty_danmaku.txt"):
        yield RawRow(line.strip(), "bili_flood_danmaku", "script_bot_spam")


def read_bili_danmaku_random(root: Path) -> Iterator[RawRow]:
    for path in sorted((root / "bili_danmaku_random" / "unmarked").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2 and row[1].strip():
                    yield RawRow(row[1], "bili_danmaku_random", "pool_" + path.stem)


def read_tieba_cyuyan_spam(root: Path) -> Iterator[RawRow]:
    for name in ("ham", "spam", "fraud_ham", "fraud_spam"):
        for line in _lines(root / "tieba_cyuyan_spam" / f"{name}.txt"):
            yield RawRow(line, "tieba_cyuyan_spam", name)


def read_qq_campus_adfilter(root: Path) -> Iterator[RawRow]:
    base = root / "qq_campus_adfilter"
    with (base / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("type") in ("0", "1") and row.get("text", "").strip():
                yield RawRow(row["text"], "qq_campus_adfilter", "chat_" + row["type"])
    # whole multi-line ads, separated by blank lines
    blocks = re.split(r"\n\s*\n", (base / "ad_809a8ac.txt").read_text(encoding="utf-8"))
    for block in blocks:
        if block.strip():
            yield RawRow(block.strip(), "qq_campus_adfilter", "whole_ad")
    for i, line in enumerate(_lines(base / "data-normal.txt")):
        # lines 1-183 are the QQ group, the rest personal SMS (SOURCE.md)
        yield RawRow(line, "qq_campus_adfilter", "group_chat" if i < 183 else "sms")


def read_campus_qq_ads(root: Path) -> Iterator[RawRow]:
    with (root / "campus_qq_ads" / "campus_qq_ads.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            yield RawRow(row["text"], "campus_qq_ads", row["matched_rule"])


def read_tg_channel_ads(root: Path) -> Iterator[RawRow]:
    for line in _lines(root / "tg_channel_ads" / "tg_channel_ads.jsonl"):
        item = json.loads(line)
        if item.get("text", "").strip():
            yield RawRow(item["text"], "tg_channel_ads", "channel_ad")


def read_online_shopping(root: Path) -> Iterator[RawRow]:
    with (root / "online_shopping_10cats" / "online_shopping_10_cats.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("review", "").strip():
                yield RawRow(row["review"], "online_shopping_10cats", row["cat"])


def read_toutiao_titles(root: Path) -> Iterator[RawRow]:
    for line in _lines(root / "toutiao_titles" / "toutiao_test.txt"):
        text, _, label = line.rpartition("_!_")
        if text:
            yield RawRow(text, "toutiao_titles", label)


def read_thucnews_titles(root: Path) -> Iterator[RawRow]:
    names = (root / "thucnews_titles" / "class.txt").read_text(encoding="utf-8").split()
    for name in ("dev.txt", "test.txt"):
        for line in _lines(root / "thucnews_titles" / name):
            text, _, label = line.rpartition("\t")
            if text and label.isdigit():
                yield RawRow(text, "thucnews_titles", names[int(label)])


QQ_SCU_HELDOUT_FROM = "2017-04-20"  # the group's later stretch: evaluation and replay only


def read_qq_scu_group_2017(root: Path) -> Iterator[RawRow]:
    """A whole QQ group export, in time order. raw_label says which stretch a message is in
    (the source has no labels): "train" before QQ_SCU_HELDOUT_FROM, "heldout" from then on."""
    with (root / "qq_scu_group_2017" / "messages.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            item = json.loads(line)
            stretch = "heldout" if item["ts"] >= QQ_SCU_HELDOUT_FROM else "train"
            if item.get("text", "").strip():
                yield RawRow(item["text"], "qq_scu_group_2017", stretch, ref=str(i))


READERS = {
    "tg_spam_zh": read_tg_spam_zh,
    "game_chat_spam": read_game_chat_spam,
    "game_ad_chat": read_game_ad_chat,
    "chineseharm_bench": read_chineseharm_bench,
    "fbs_sms": read_fbs_sms,
    "sms80w": read_sms80w,
    "mudou_spam": read_mudou_spam,
    "lccc_toy": read_lccc_toy,
    "bili_flood_danmaku": read_bili_flood_danmaku,
    "bili_danmaku_random": read_bili_danmaku_random,
    "tieba_cyuyan_spam": read_tieba_cyuyan_spam,
    "qq_campus_adfilter": read_qq_campus_adfilter,
    "campus_qq_ads": read_campus_qq_ads,
    "tg_channel_ads": read_tg_channel_ads,
    "online_shopping_10cats": read_online_shopping,
    "toutiao_titles": read_toutiao_titles,
    "thucnews_titles": read_thucnews_titles,
    "qq_scu_group_2017": read_qq_scu_group_2017,
}
