"""Does a code change move any verdict? The shipped model run by two versions of the code.

    python bench/compare_verdicts.py REV [--limit N] [--old-model DIR]

Checks out REV (a commit) in a temporary git worktree, and in each tree (REV, then
this working tree) loads this tree's shipped model and runs every text of
data/train, data/test and data/gold through it: labels, the four scores and the
shape feature columns. Prints how many differ. Used to show that vectorising the
featurizer changed no label, score or shape feature.

A REV before model format 2 (model.npz) cannot read this tree's model: give it the
same model in format 1 with --old-model (a folder with model.joblib and meta.json).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# runs inside one tree: argv = tree, model folder, data folder, output .npz, limit
_CHILD = r"""
import gzip, json, sys
tree, model_dir, data, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
sys.path.insert(0, tree)
import numpy as np
from qunguard.model import artifact
from qunguard.model.normalize import normalize
from qunguard.model.shape import SHAPE_NAMES
texts = []
for name in ("train.jsonl.gz", "test.jsonl.gz", "gold/gold.jsonl.gz"):
    with gzip.open(f"{data}/{name}", "rt", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
texts = texts[:limit] if limit else texts
clf, _ = artifact.load(model_dir)
labels, scores, shapes = [], [], []
for i in range(0, len(texts), 1000):
    norms = [normalize(t) for t in texts[i:i + 1000]]
    if hasattr(clf, "score"):  # the scoring API (model format 2)
        P = clf.score(norms).proba
        shapes.append(clf.featurizer.featurize(norms).shapes)
    else:
        X = clf.featurizer.transform_normalized(norms)
        P = clf._proba(X)
        shapes.append(X[:, X.shape[1] - len(SHAPE_NAMES):].toarray())
    labels += P.argmax(axis=1).tolist()
    scores.append(P)
np.savez(out, labels=np.array(labels), scores=np.vstack(scores), shapes=np.vstack(shapes))
"""


def run_tree(tree: Path, out: Path, limit: int, model_dir: Path = ROOT / "model" / "shipped") -> dict:
    """This tree's texts, scored by `model_dir` (this tree's model) with the code in `tree`."""
    args = [str(tree), str(model_dir), str(ROOT / "data"), str(out), str(limit)]
    subprocess.run([sys.executable, "-c", _CHILD, *args], check=True, cwd=tree)
    return dict(np.load(out))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev", help="the commit to compare this working tree with")
    ap.add_argument("--limit", type=int, default=0, help="only the first N texts (0: all)")
    ap.add_argument("--old-model", type=Path, default=ROOT / "model" / "shipped",
                    help="the model folder REV loads (the same model in REV's format)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qunguard-compare-") as tmp:
        old_tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(old_tree), args.rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            old = run_tree(old_tree, Path(tmp) / "old.npz", args.limit, args.old_model)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=True)
        new = run_tree(ROOT, Path(tmp) / "new.npz", args.limit)
    n = len(new["labels"])
    print(f"{n:,} texts, shipped model, {args.rev} against the working tree")
    print(f"labels that differ: {int((old['labels'] != new['labels']).sum()):,}")
    print(f"largest score difference: {float(np.abs(old['scores'] - new['scores']).max()):.2e}")
    rows = (~np.isclose(old["shapes"], new["shapes"], rtol=0, atol=1e-9)).any(axis=1)
    print(f"texts whose shape features differ: {int(rows.sum()):,}")


if __name__ == "__main__":
    main()
