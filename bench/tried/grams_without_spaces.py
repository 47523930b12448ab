"""Tried at s30: character n-grams read with the spaces taken out.

    python bench/tried/grams_without_spaces.py [--digit-runs] train --out DIR [train.py options]
    python bench/tried/grams_without_spaces.py [--digit-runs] bench --model BASE --model DIR ...   # bench_candidates.py

normalize() drops whitespace between two Chinese characters, but a space beside a digit or a Latin letter stays
(`年费 168`, `QQ 频道`). The biggest advertising source, game_ad_chat, has none at all (0 of 10,783 advertising
rows, 0.3 % of its chat), while Telegram's spam has one in 26 % of its rows: the ' ' column's weight is -1.31 for
advertising and +0.43 for spam in the shipped model, a source's habit that a space in real chat inherits. Here the
gram keys are taken from the masked text without its whitespace; words, pinyin and shape features are as before.
The same patch applies when training and when scoring, to every model the process loads: bench a model trained
without it with bench/bench_candidates.py itself.

--digit-runs also reads every run of two or more digits as `00`: how long a number is (an order number of 19
digits, a QQ number of 9) is a corpus's habit too, where the digits themselves are already all `0`.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from qunguard.model import features

_plain_gram_keys = features.gram_keys


class _Masked:
    __slots__ = ("masked",)

    def __init__(self, masked: str) -> None:
        self.masked = masked


_DIGIT_RUN = re.compile("00+")


def _gram_keys_without_spaces(norms, max_n: int):
    return _plain_gram_keys([_Masked("".join(n.masked.split())) for n in norms], max_n)


def _gram_keys_plain_numbers(norms, max_n: int):
    return _plain_gram_keys([_Masked(_DIGIT_RUN.sub("00", "".join(n.masked.split()))) for n in norms], max_n)


def main(argv: list[str]) -> int:
    digit_runs = argv[:1] == ["--digit-runs"]
    argv = argv[1:] if digit_runs else argv
    if not argv or argv[0] not in ("train", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    features.gram_keys = _gram_keys_plain_numbers if digit_runs else _gram_keys_without_spaces
    if argv[0] == "train":
        import train

        return train.main(argv[1:])
    import bench_candidates

    return bench_candidates.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
