"""Tried at s31: the source-neutral kind of commerce only in part.

    python bench/tried/commerce_kind_blend.py KIND_DIR [KIND_DIR ...] [--alphas 0,0.25,0.5,0.75,1] [--json OUT]
    python bench/tried/commerce_kind_blend.py KIND_DIR ... --alphas 1,0.5 --keep-above 0.9,0.8
    python bench/tried/commerce_kind_blend.py KIND_DIR ... --alphas 1 --gates deceit,one-way,deceit+one-way
    python bench/tried/commerce_kind_blend.py KIND_DIR --read-flips none   # read suites only: what the column moves

KIND_DIR is a model trained with `train.py --commerce-kind source-neutral`. Its main model is the recipe's own
(the option fits the kind column beside it and leaves the main model as it is), so alpha 0 is the model without
the option and alpha 1 the option as shipped. In between, a message's spam-minus-advertising logit is
alpha x the kind column's + (1 - alpha) x the main model's own (both calibrated); where a guide rule for spam or
advertising fired, the main model's division stands, as in model/commerce_kind.py. At s30 the option moved ads read
as spam back to advertising on real chat (advertising F1 0.670 -> 0.720 / 0.738) and cost 3-4 of the 72 unread
lures; a part of it might keep most of the first and little of the second. `--keep-above T`: where the main
model gives spam T or more of the commerce share, its division stands too (the lures it is sure of), each alpha
with each T. `--gates`: `deceit` keeps the main model's division wherever the text names one of the guide's spam
forms (model/commerce_kind.SPAM_FORMS: the guide's list of spam, its words and their plain variants), as where a
rule fired;
`one-way` lets the column move commerce only toward advertising (it was fitted to take each source's lean out, and
the sources that lean to spam are the ones group chat is least like). Figures: bench_candidates.py's, each variant
against alpha 0. The gates were written here first and are now `train.py --commerce-kind source-neutral-gated`
(model/commerce_kind.py); the script uses the model's own code for them.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_candidates
from bench_probes import PROBES

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.commerce_kind import ADS, SPAM, KindColumn
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.features import Features
from qunguard.model.normalize import Normalized


@dataclass(frozen=True)
class BlendedKind(KindColumn):
    alpha: float = 1.0
    keep_above: float = 1.0  # rows whose own spam share is at least this keep it

    def divide(self, proba: np.ndarray, feats: Features, rules: Sequence[tuple[str, str] | None],
               norms: Sequence[Normalized]) -> None:
        """KindColumn.divide (its gates included), with the logit alpha x the column's + (1 - alpha) x the main
        model's, and rows the main model gives spam `keep_above` or more of the commerce share kept as if ruled."""
        commerce = proba[:, SPAM] + proba[:, ADS]
        kept = np.clip(proba[:, SPAM] / np.maximum(commerce, 1e-300), 1e-12, 1 - 1e-12)
        object.__setattr__(self, "_own", np.log(kept) - np.log1p(-kept))  # read by lean(), this batch only
        sure = ("scam_bait", "")  # a spam rule's hit: KindColumn.divide keeps such a row's division
        rules = [sure if hit is None and k >= self.keep_above else hit for hit, k in zip(rules, kept, strict=True)]
        super().divide(proba, feats, rules, norms)

    def lean(self, feats: Features) -> np.ndarray:
        return self.alpha * super().lean(feats) + (1.0 - self.alpha) * self._own


def blended(clf: MessageClassifier, alpha: float, keep_above: float = 1.0, gates: str = "") -> MessageClassifier:
    k = clf.kind
    if k is None:
        raise SystemExit("the model has no kind column: train it with --commerce-kind source-neutral")
    kind = BlendedKind(k.weights, k.intercept, k.temperature, one_way="one-way" in gates,
                       spam_forms_keep="deceit" in gates, alpha=alpha, keep_above=keep_above)
    return MessageClassifier(clf.featurizer, clf.coef, clf.intercept, clf.classes, clf.temperature, kind)


def read_flips(clf: MessageClassifier, gates: str) -> None:
    """The read suites' messages whose verdict changes, and whether to right or to wrong; the unread are not read."""
    rows = [r for s in bench_candidates.READ for r in read_jsonl_rows(PROBES / f"{s}.jsonl.gz")]
    texts = [r["text"] for r in rows]
    before = blended(clf, 0.0).classify_batch(texts, explain=False)
    after = blended(clf, 1.0, 1.0, gates).classify_batch(texts, explain=False)
    flips = sorted((("GAIN" if b.label == r["label"] else "LOST"), r["capability"], r["label"], a.label, b.label, r["text"])
                   for r, a, b in zip(rows, before, after, strict=True) if a.label != b.label and r["label"] in (a.label, b.label))
    for f in flips:
        print(f"{f[0]} {f[1]:<18} {f[2]:>11}: {f[3]} -> {f[4]} {f[5][:110]!r}")
    print(Counter(f[:2] for f in flips).most_common())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--alphas", default="0,0.25,0.5,0.75,1")
    ap.add_argument("--keep-above", default="", help="comma-separated T; each alpha with each T (and alpha 0 first)")
    ap.add_argument("--gates", default="", help="comma-separated: none, deceit, one-way, deceit+one-way (each with each alpha)")
    ap.add_argument("--read-flips", metavar="GATES", default=None,
                    help="only list the read suites' (A-X) messages whose verdict the whole column with these gates "
                         "(none, deceit, one-way, deceit+one-way) turns right (GAIN) or wrong (LOST), against no column")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.read_flips is not None:
        for d in args.models:
            read_flips(artifact.load(d)[0], args.read_flips)
        return 0
    alphas = [float(a) for a in args.alphas.split(",")]
    keeps = [float(t) for t in args.keep_above.split(",") if t]
    gates = [g for g in args.gates.split(",") if g]
    if gates:
        variants = [(0.0, 1.0, "")] + [(a, 1.0, g) for a in alphas for g in gates]
    elif keeps:
        variants = [(0.0, 1.0, "")] + [(a, t, "") for a in alphas for t in keeps]
    else:
        variants = [(a, 1.0, "") for a in alphas]
    rc = 0
    for d in args.models:
        clf, meta = artifact.load(d)
        print(f"\n## {d}")
        models = [(f"{d.name} alpha {a:g} keep {t:g} {g}", blended(clf, a, t, g),
                   {**meta, "model_version": f"{d.name}-a{a:g}-k{t:g}" + (f"-{g}" if g else "")}) for a, t, g in variants]
        json_path = args.json.with_name(f"{args.json.stem}_{d.name}.json") if args.json else None
        rc |= bench_candidates.compare(models, json_path)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
