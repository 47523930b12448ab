"""Does training on our real-chat hand labels help on a real-chat community it never saw?

    python bench/bench_realchat_cv.py [--baseline DIR] [--out bench/results/realchat_cv.json]   (~4 min)

The shipped model trains on the hand-labelled real chat of data/eval/realchat (`train.py
--with-real-chat`), so that set no longer measures it. This bench measures the choice instead: for
each community of that set in turn (the C-language tieba, the campus QQ groups, the danmaku pools),
a model trains with the hand labels of the other communities and is scored on the left-out one,
against the same recipe without any real-chat labels (the evaluation model: `--baseline DIR`, or
trained here). Same data build, seed and settings otherwise.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import train
from qunguard.model import artifact
from qunguard.model.evaluate import evaluate

DATA = ROOT / "data"
REALCHAT = DATA / "eval" / "realchat.jsonl.gz"
# the communities of the real-chat set, by source
FOLDS = {
    "tieba": ("tieba_cyuyan_spam",),
    "campus": ("campus_qq_ads", "qq_campus_adfilter"),
    "danmaku": ("bili_danmaku_random",),
}
LINKED = ("train.jsonl.gz", "test.jsonl.gz", "ood.jsonl.gz", "gold", "eval/scu_heldout.jsonl.gz")


def data_without(folder: Path, rows: list[dict], left_out: tuple[str, ...]) -> Path:
    """A data folder like data/, whose real-chat set lacks the left-out community's rows."""
    (folder / "eval").mkdir(parents=True)
    for name in LINKED:
        (folder / name).symlink_to(DATA / name)
    with gzip.open(folder / "eval" / "realchat.jsonl.gz", "wt", encoding="utf-8") as fh:
        for r in rows:
            if r["source"] not in left_out:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return folder


def scores(model_dir: Path, rows: list[dict]) -> dict:
    clf = artifact.load(model_dir)[0]
    m = evaluate(clf.predict_proba([r["text"] for r in rows]), [r["label"] for r in rows])
    return {"n": m["n"], "macro_f1": m["macro_f1"],
            "f1": {lab: c["f1"] for lab, c in m["per_class"].items() if c["support"]}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, help="a model trained without real-chat labels (default: train one)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "realchat_cv.json")
    args = ap.parse_args(argv)
    with gzip.open(REALCHAT, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        baseline = args.baseline
        if baseline is None:
            baseline = Path(tmp) / "baseline"
            if train.main(["--out", str(baseline), "--version", "realchat-cv-baseline"]) != 0:
                return 2
        for fold, sources in FOLDS.items():
            held = [r for r in rows if r["source"] in sources]
            data = data_without(Path(tmp) / f"data-{fold}", rows, sources)
            model = Path(tmp) / f"model-{fold}"
            if train.main(["--data", str(data), "--with-real-chat", "--out", str(model),
                           "--version", f"realchat-cv-{fold}"]) != 0:
                return 2
            results[fold] = {"without_real_chat": scores(baseline, held), "with_the_others": scores(model, held)}
            print(f"{fold}: {results[fold]}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n| left-out community | n | macro-F1 without real-chat labels → with the others' | spam F1 | advertising F1 |")
    print("|---|---|---|---|---|")
    for fold, r in results.items():
        a, b = r["without_real_chat"], r["with_the_others"]
        cells = [f"{a['f1'][lab]:.3f} → {b['f1'][lab]:.3f}" if lab in a["f1"] else "–" for lab in ("spam", "advertising")]
        print(f"| {fold} | {a['n']:,} | {a['macro_f1']:.3f} → {b['macro_f1']:.3f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
