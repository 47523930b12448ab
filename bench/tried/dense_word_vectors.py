"""Tried at s25: word vectors beside the n-grams, an evaluation model trained as train.py trains it.

    python bench/tried/dense_word_vectors.py --build-background /tmp/bg_clean.npz        # ~20 s, once
    python bench/tried/dense_word_vectors.py --background /tmp/bg_clean.npz --scale 0    # the baseline: train.py's figures
    python bench/tried/dense_word_vectors.py --background /tmp/bg_clean.npz --scale 0.5  # also 1, 2 (~3 min each)

Short service offers (私信帮写, C/C++辅导，需要可以+我) fail on real chat as if the model had never seen their words
with a label; a dense block that knows 帮写 sits near 代写 might carry them. The word vectors are the topic
background's (PPMI of words sharing a message, truncated SVD, 128 dims: data/topic_background.py), built again
without the two real-chat evaluation sources the shipped background holds (tieba_cyuyan_spam, campus_qq_ads), so
the evaluation stays clean. Each message's SIF-weighted mean vector (centred, unit length) times --scale is appended
to the shape block; rows, weights, seed, calibration and the guide rules are train.py's. Prints one line of
figures (macro-F1, spam F1, advertising F1 per set; behaviour pass rate; all 26 probe suites and Y+Z) and writes
them as JSON with --json. docs/experiments.md ("word vectors beside the n-grams", s25) has the outcome: not shipped.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import train
from qunguard.model.classifier import MessageClassifier
from qunguard.model.dataset import read_jsonl_gz, read_jsonl_rows
from qunguard.model.evaluate import behaviour_report, evaluate
from qunguard.model.features import Features, MessageFeaturizer
from qunguard.model.topic_profile import Background, content_words

SETS = {"real_chat": "eval/realchat.jsonl.gz", "qq_stretch": "eval/scu_heldout.jsonl.gz", "mapped": "ood.jsonl.gz",
        "gold": "gold/gold.jsonl.gz", "random_split": "test.jsonl.gz"}


def build_background(out: Path) -> None:
    import qunguard.data.topic_background as tb

    tb.WHOLE = tuple(s for s in tb.WHOLE if s not in ("tieba_cyuyan_spam", "campus_qq_ads"))
    tb.build(ROOT.parent / "shared" / "data" / "raw", out)


def embed(bg: Background, cuts: list[list[str]]) -> np.ndarray:
    """Background.embed, summed in a fixed word order (its set() order follows Python's hash seed)."""
    out = np.zeros((len(cuts), bg.vectors.shape[1]), dtype=np.float32)
    for r, words in enumerate(cuts):
        rows = [bg.vec_row[i] for w in sorted(set(content_words(words))) if (i := bg.index.get(w)) is not None]
        rows = [k for k in rows if k >= 0]
        if rows:
            v = bg.vectors[rows].sum(axis=0)
            v /= np.linalg.norm(v) + 1e-9
            v -= bg.mean
            out[r] = v / (np.linalg.norm(v) + 1e-9)
    return out


class DenseFeaturizer(MessageFeaturizer):
    """MessageFeaturizer with each message's mean word vector appended to the shape block."""

    bg: Background | None = None
    scale = 0.0

    def _dims(self) -> int:
        return self.bg.vectors.shape[1] if self.bg is not None and self.scale > 0 else 0

    def set_vocabulary(self, *args, **kwargs):
        out = super().set_vocabulary(*args, **kwargs)
        self.n_features_out_ += self._dims()
        return out

    def featurize(self, norms):
        f = super().featurize(norms)
        if not self._dims() or not norms:
            return f
        dense = embed(self.bg, f.words) * self.scale
        return Features(f.tokens, np.hstack([f.shapes, dense]).astype(np.float32), f.words)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-background", type=Path, help="write the clean background here and stop")
    ap.add_argument("--background", type=Path)
    ap.add_argument("--scale", type=float, default=0.5, help="weight of the dense block (0: none, the baseline)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.build_background:
        build_background(args.build_background)
        return 0
    DenseFeaturizer.bg = Background.load(args.background) if args.scale > 0 else None
    DenseFeaturizer.scale = args.scale
    data = ROOT / "data"
    rows = read_jsonl_gz(data / "train.jsonl.gz")
    random.Random(13).shuffle(rows)  # train.py's seed, shuffle and calibration share
    n_cal = int(len(rows) * train.CALIBRATION_SHARE)
    calibration, rows = rows[:n_cal], rows[n_cal:]
    weights = np.array([train.HAND_WEIGHT if ex.hand_labelled else 1.0 for ex in rows])
    cells = Counter((ex.source, ex.label) for ex in rows)
    weights *= np.array([min(1.0, train.BALANCE_SOURCES / cells[ex.source, ex.label]) for ex in rows])
    clf = MessageClassifier.fit([ex.text for ex in rows], [ex.label for ex in rows], sample_weight=weights, C=4.0,
                                seed=13, featurizer=DenseFeaturizer(max_features=200_000, ignore_ordinary_links=True))
    train.fit_temperature(clf, [ex.text for ex in calibration], [ex.label for ex in calibration])
    figures = {}
    for name, rel in SETS.items():
        got = read_jsonl_rows(data / rel)
        figures[name] = evaluate(clf.predict_proba([r["text"] for r in got]), [r["label"] for r in got])
    cases = read_jsonl_rows(train.BEHAVIOUR_SUITE)
    behaviour = behaviour_report([v.label for v in clf.classify_batch([c["text"] for c in cases], explain=False)], cases)
    probes, by_capability = {}, Counter()
    for path in sorted((data / "eval" / "probes").glob("probe_*.jsonl.gz")):
        got = read_jsonl_rows(path)
        ok = [v.label == r["label"] for v, r in zip(clf.classify_batch([r["text"] for r in got], explain=False), got, strict=True)]
        probes[path.name.split(".")[0]] = sum(ok)
        by_capability.update(r["capability"] for r, o in zip(got, ok, strict=True) if o)
    short = {k: [round(m["macro_f1"], 3), round(m["per_class"]["spam"]["f1"], 3), round(m["per_class"]["advertising"]["f1"], 3)]
             for k, m in figures.items()}
    print(f"scale {args.scale}: {json.dumps(short)} behaviour {behaviour['pass_rate']:.3f} probes {sum(probes.values())} "
          f"Y+Z {probes['probe_y'] + probes['probe_z']} by capability {json.dumps(dict(sorted(by_capability.items())))}")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "figures": figures, "behaviour": behaviour, "probes": probes,
                                         "probes_by_capability": by_capability}, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
