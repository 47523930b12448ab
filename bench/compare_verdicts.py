"""Does a code change move any output? The shipped model run by two versions of the code.

    python bench/compare_verdicts.py REV [--new REV2] [--limit N] [--old-model DIR] [--show N]

Checks out REV (and REV2; default: this working tree) in a temporary git worktree, mounts each as the
`qunguard` package (bench/checkouts.py) and, in a child process, loads this tree's shipped model and runs every
text of data/train, test, ood, gold, eval/realchat, eval/scu_heldout and eval/probes through it: normalize()'s
output, the guide rule that fires (and honest_offer), the label, the four scores, the shape feature columns and
the verdict's reasons. Prints how many differ, and with --show N the first N texts whose label differs (file,
its label there, old -> new label). Used to show that a speed change changed no output.

A REV before model format 2 (model.npz) cannot read this tree's model: give it the same model in format 1 with
--old-model (a folder with model.joblib and meta.json); the rule and normalisation columns need a REV of the
`qunguard` layout with model/guide_rules.py.
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_probes import READ_SETS
from checkouts import mount_checkout

from qunguard.model.labels import LABELS

LABELS_ARRAY = np.array(LABELS)  # the scores' column order, so a label index names its label

FILES = ("train.jsonl.gz", "test.jsonl.gz", "ood.jsonl.gz", "gold/gold.jsonl.gz", "eval/realchat.jsonl.gz",
         "eval/scu_heldout.jsonl.gz")

# runs inside one mounted tree: argv = model folder, data folder, output .npz, limit
_CHILD = r"""
import gzip, hashlib, json, sys
model_dir, data, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
import numpy as np
from pathlib import Path
from qunguard.model import artifact
from qunguard.model.normalize import normalize
from qunguard.model.shape import SHAPE_NAMES
texts, files, golds = [], [], []
for name in FILES + tuple(sorted(str(p.relative_to(data)) for p in Path(data, "eval", "probes").glob("*.jsonl.gz"))):
    with gzip.open(f"{data}/{name}", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    texts += [r["text"] for r in rows]
    files += [name] * len(rows)
    golds += [r.get("label", "") for r in rows]
if limit:
    texts, files, golds = texts[:limit], files[:limit], golds[:limit]
try:
    from qunguard.model import guide_rules
except ImportError:
    guide_rules = None
def digest(obj):
    return hashlib.sha256(repr(obj).encode("utf-8", "surrogatepass")).hexdigest()[:16]
clf, _ = artifact.load(model_dir)
labels, scores, shapes, norm_digests, rule_digests, reason_digests = [], [], [], [], [], []
for i in range(0, len(texts), 1000):
    batch = texts[i:i + 1000]
    norms = [normalize(t) for t in batch]
    norm_digests += [digest((n.text, n.masked, n.handles, n.n_emoji, n.n_placeholders)) for n in norms]
    rule_digests += [digest((guide_rules.guide_rule(n), guide_rules.honest_offer(n))) if guide_rules else "" for n in norms]
    if hasattr(clf, "score"):  # the scoring API (model format 2)
        P = clf.score(norms).proba
        shapes.append(clf.featurizer.featurize(norms).shapes)
        reason_digests += [digest(v) for v in clf.classify_batch(batch, explain=True)]
    else:
        X = clf.featurizer.transform_normalized(norms)
        P = clf._proba(X)
        shapes.append(X[:, X.shape[1] - len(SHAPE_NAMES):].toarray())
        reason_digests += [""] * len(batch)
    labels += P.argmax(axis=1).tolist()
    scores.append(P)
np.savez(out, labels=np.array(labels), scores=np.vstack(scores), shapes=np.vstack(shapes), norms=np.array(norm_digests),
         rules=np.array(rule_digests), reasons=np.array(reason_digests), texts=np.array(texts), files=np.array(files),
         golds=np.array(golds))
""".replace("FILES", repr(FILES))


@contextlib.contextmanager
def checked_out(rev: str | None, tmp: Path, name: str) -> Iterator[Path]:
    """A worktree of `rev` (removed afterwards), or this working tree for None."""
    if rev is None:
        yield ROOT
        return
    tree = tmp / name
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True, capture_output=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)


def run_tree(tree: Path, tmp: Path, name: str, limit: int, model_dir: Path) -> dict:
    """Every text scored by `model_dir` with the code of `tree`, mounted as `qunguard`."""
    path = mount_checkout(tree, tmp / f"mounted-{name}")
    prog = f"import sys; sys.path.insert(0, {path!r})\n" + _CHILD
    out = tmp / f"{name}.npz"
    subprocess.run([sys.executable, "-c", prog, str(model_dir), str(ROOT / "data"), str(out), str(limit)],
                   check=True, cwd=tmp)
    return dict(np.load(out))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev", help="the commit to compare with")
    ap.add_argument("--new", default=None, help="the commit compared with REV (default: this working tree)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N texts (0: all)")
    ap.add_argument("--old-model", type=Path, default=ROOT / "model" / "shipped",
                    help="the model folder REV loads (the same model in REV's format)")
    ap.add_argument("--show", type=int, default=0, metavar="N", help="list the first N texts whose label differs")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qunguard-compare-") as tmp_name:
        tmp = Path(tmp_name)
        with checked_out(args.rev, tmp, "old") as tree:
            old = run_tree(tree, tmp, "old", args.limit, args.old_model.resolve())
        with checked_out(args.new, tmp, "new") as tree:
            new = run_tree(tree, tmp, "new", args.limit, (ROOT / "model" / "shipped").resolve())
    n = len(new["labels"])
    print(f"{n:,} texts, shipped model, {args.rev} against {args.new or 'the working tree'}")
    print(f"normalize() outputs that differ: {int((old['norms'] != new['norms']).sum()):,}")
    print(f"guide rule hits (the first rule, honest_offer) that differ: {int((old['rules'] != new['rules']).sum()):,}")
    print(f"labels that differ: {int((old['labels'] != new['labels']).sum()):,}")
    print(f"largest score difference: {float(np.abs(old['scores'] - new['scores']).max()):.2e}")
    rows = (~np.isclose(old["shapes"], new["shapes"], rtol=0, atol=1e-9)).any(axis=1)
    print(f"texts whose shape features differ: {int(rows.sum()):,}")
    print(f"verdicts whose reasons differ: {int((old['reasons'] != new['reasons']).sum()):,}")
    # by file, counts only (the unread probe suites are among them): rule hits and labels that differ, and of the
    # labels, how many went from the file's label to another and from another to it
    right_old = LABELS_ARRAY[old["labels"]] == new["golds"]
    right_new = LABELS_ARRAY[new["labels"]] == new["golds"]
    for name in dict.fromkeys(new["files"].tolist()):
        f = new["files"] == name
        rules, labels = int((f & (old["rules"] != new["rules"])).sum()), int((f & (old["labels"] != new["labels"])).sum())
        if rules or labels:
            print(f"  {name}: rule hits {rules}, labels {labels} (right -> wrong {int((f & right_old & ~right_new).sum())}, "
                  f"wrong -> right {int((f & ~right_old & right_new).sum())})")
    for i in np.flatnonzero(old["labels"] != new["labels"])[: args.show].tolist():
        name = new["files"][i]
        # an unread probe suite stays unread: its texts are not printed (bench_probes.READ_SETS)
        unread = name.startswith("eval/probes/") and Path(name).name.removesuffix(".jsonl.gz") not in READ_SETS
        print(f"  {name} [{new['golds'][i]}] {LABELS[old['labels'][i]]} -> {LABELS[new['labels'][i]]}: "
              + ("(an unread suite: text not printed)" if unread else f"{new['texts'][i][:100]!r}"))


if __name__ == "__main__":
    main()
