"""A model on the sets it never trained on: hand-labelled real chat, the QQ group's later stretch, gold, the behaviour suite.

    python bench/bench_heldout.py [--model DIR] [--without-rules]
    git worktree add /tmp/before af1b97c && python bench/bench_heldout.py --code /tmp/before [--model DIR]

`--code` scores with an older checkout's own code and shipped model (its top-level `model`
package), so a model from before a change is measured as it ran then, on today's sets. The
README's "before" column comes from the second command, the evaluation model's figures from
`python train.py` (its report) and this command with `--model` on its folder; `--code` with `--model` scores
one model with two versions of the code. Real chat is also shown by community, with its confusion matrix and
the errors of each community; `--without-rules` scores the model alone, no guide rule applied.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checkouts import mount_checkout

from qunguard.model import artifact, classifier
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.evaluate import behaviour_report, evaluate
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize
from train import BEHAVIOUR_SUITE

SETS = {
    "real_chat": ROOT / "data" / "eval" / "realchat.jsonl.gz",
    "qq_group_later_stretch": ROOT / "data" / "eval" / "scu_heldout.jsonl.gz",
    "held_out_sources_mapped": ROOT / "data" / "ood.jsonl.gz",  # the real-chat sources, with their mapped labels
    "gold": ROOT / "data" / "gold" / "gold.jsonl.gz",
}


def rerun_mounted(code: Path, model_dir: Path | None, argv: list[str]) -> int:
    """This bench again in a child process, with a checkout of the `qunguard` layout mounted as `qunguard`
    (bench/checkouts.py): put on sys.path as it is, its modules would import this checkout's package."""
    args, skip = [], False
    for a in argv:  # every argument but --code and its value
        if skip or a == "--code" or a.startswith("--code="):
            skip = a == "--code"
            continue
        args.append(a)
    if model_dir is None:
        args += ["--model", str(code / "model" / "shipped")]
    with tempfile.TemporaryDirectory(prefix="qunguard-heldout-") as tmp:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [mount_checkout(code, Path(tmp)),
                                                                           os.environ.get("PYTHONPATH")])))
        return subprocess.run([sys.executable, __file__, *args], env=env, check=False).returncode


def load_classifier(model_dir: Path | None, code: Path | None):
    """The classifier of `model_dir` with today's code, or of an older checkout (before the `qunguard` package)
    with its own code."""
    if code is None:
        return artifact.load(model_dir or artifact.SHIPPED)[0]
    sys.path.insert(0, str(code))
    from model import artifact as old_artifact  # the older checkout's package, not qunguard's

    return old_artifact.load(model_dir or code / "model" / "shipped")[0]


def print_communities(clf, rows: list[dict], figures: dict) -> None:
    """Real chat by community: a forum thread's replies (the Tieba) are not a group's chat, so each is shown apart."""
    m = figures["real_chat"]
    print("\nreal chat, confusion (rows: hand label, columns: verdict, order " + ", ".join(LABELS) + "):")
    for label, row in zip(LABELS, m["confusion"]["rows_true_cols_pred"], strict=True):
        print(f"  {label:>11} " + " ".join(f"{v:5d}" for v in row))
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["source"], []).append(r)
    groups["all but the Tieba"] = [r for r in rows if r["source"] != "tieba_cyuyan_spam"]
    print("\nreal chat by community (macro-F1; F1 and support per label):")
    for name, part in groups.items():
        m = evaluate(clf.predict_proba([r["text"] for r in part]), [r["label"] for r in part])
        figures[f"real_chat/{name}"] = m
        cells = ", ".join(f"{lab} {c['f1']:.3f} ({c['support']})" for lab, c in m["per_class"].items() if c["support"])
        errors = m["n"] - sum(m["confusion"]["rows_true_cols_pred"][i][i] for i in range(len(LABELS)))
        print(f"  {name}: {m['n']:,} messages, {errors} errors, macro-F1 {m['macro_f1']:.3f}; {cells}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--code", type=Path, default=None, help="an older checkout whose code and model to measure")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    ap.add_argument("--without-rules", action="store_true", help="the model alone: no guide rule (this tree's code)")
    args = ap.parse_args(argv)
    if args.code is not None and (args.code / "model" / "artifact.py").read_text(encoding="utf-8").count("qunguard."):
        return rerun_mounted(args.code, args.model, sys.argv[1:] if argv is None else argv)
    if args.without_rules:
        if args.code is not None:
            ap.error("--without-rules scores this tree's code only")
        # every row gets no rule hit: lift() then leaves the logits as the model gave them
        classifier.find_rules = lambda norms, logits, classes: [None] * len(norms)
    clf = load_classifier(args.model, args.code)
    trained_on = set()
    if args.code is None and artifact.read_meta(args.model or artifact.SHIPPED).get("trained_on_real_chat_eval"):
        # the shipped recipe adds these labels (every message of the three held-out sources) to training
        trained_on.update({"real_chat", "held_out_sources_mapped"})
    figures: dict[str, dict] = {}
    print("| set | n | macro-F1 | on_topic F1 | spam F1 | advertising F1 | flooding F1 |\n|---|---|---|---|---|---|---|")
    for name, path in SETS.items():
        rows = read_jsonl_rows(path)
        m = evaluate(clf.predict_proba([r["text"] for r in rows]), [r["label"] for r in rows])
        figures[name] = m
        f1 = [f"{c['f1']:.3f}" if c["support"] else "–" for c in m["per_class"].values()]
        note = " (trained on: not a held-out figure)" if name in trained_on else ""
        print(f"| {name}{note} | {m['n']:,} | {m['macro_f1']:.3f} | " + " | ".join(f1) + " |")
    rows = read_jsonl_rows(SETS["real_chat"])
    print_communities(clf, rows, figures)
    if getattr(clf, "kind", None) is not None and hasattr(s := clf.score([normalize(r["text"]) for r in rows]),
                                                          "kind_turned"):  # s32's code: the verdicts with a commerce_kind reason
        flagged = [(t, label == r["label"]) for t, label, r in zip(s.kind_turned, s.labels, rows, strict=True)
                   if label in ("spam", "advertising")]
        turned = [right for t, right in flagged if t]
        figures["real_chat/kind_turned"] = {"flagged": len(flagged), "turned": len(turned), "turned_right": sum(turned)}
        print(f"\nreal chat, spam or advertising verdicts the commerce kind turned between the two: {len(turned)} of "
              f"{len(flagged)}, {sum(turned)} of them right")
    if BEHAVIOUR_SUITE.exists():
        cases = read_jsonl_rows(BEHAVIOUR_SUITE)
        b = behaviour_report([v.label for v in clf.classify_batch([c["text"] for c in cases], explain=False)], cases)
        figures["behaviour_suite"] = b
        print(f"\nbehaviour suite: {b['pass_rate']:.3f} of {b['n']}; " +
              ", ".join(f"{cap} {c['passed']}/{c['n']}" for cap, c in b["per_capability"].items()))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
