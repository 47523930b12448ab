"""Rebuild the shipped model from data/ (and moderators' exports).

    python train.py                         # data/ -> model/versions/<version>/ (never over the shipped model)
    python train.py --exports review.jsonl  # add moderator-labelled messages
    python train.py --limit 3000 --out /tmp/m  # a quick small run
    python train.py --out model/shipped     # replace the shipped model, on purpose

Prints how to load the new folder (QUNGUARD_MODEL_DIR, or POST /v1/model/reload), and
records the run's wall time and peak memory in meta.json (train_seconds, peak_rss_mb).

Deterministic for a given --seed and data. Prints and saves a report
(report.md, and the metrics in meta.json): per-class precision, recall, F1
and confusion on the random held-out split, the held-out source and the
hand-labelled gold set; and MODEL_CARD.md beside the model (model/model_card.py).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.dataset import DatasetError, Example, read_export, read_jsonl_gz
from qunguard.model.evaluate import evaluate, format_behaviour, format_report, run_behaviour_suite
from qunguard.model.features import MessageFeaturizer
from qunguard.model.model_card import write_model_card

ROOT = Path(__file__).resolve().parent
# the behaviour suite: a test, never training data (../shared/checklist/README.md)
BEHAVIOUR_SUITE = ROOT.parent / "shared" / "checklist" / "behaviour.jsonl"
EXPORT_WEIGHT = 3.0  # a moderator's label on a real group message outweighs a mapped corpus row
HAND_WEIGHT = 3.0  # so does our own hand label (data/labels/) on a corpus row
CALIBRATION_SHARE = 0.05
VERSIONS = ROOT / "model" / "versions"  # where a run writes by default: a folder of its own per version


@contextlib.contextmanager
def timed_step(desc: str):
    """A progress line for a step with no loop to count (the solver): its elapsed time, redrawn every second."""
    bar = tqdm(total=1, desc=desc, bar_format="{desc}: {elapsed}")
    done = threading.Event()

    def tick() -> None:
        while not done.wait(1.0):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.update(1)
        bar.close()


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20) if sys.platform == "darwin" else peak / 1024, 1)  # bytes on macOS, KiB on Linux


def output_folder(out: Path | None, version: str) -> Path | None:
    """Where to save: --out as given (overwritten on purpose), else a new folder for this version;
    None if that folder already holds a model."""
    if out is not None:
        return out
    folder = VERSIONS / version
    return None if (folder / artifact.META_FILE).exists() else folder


def how_to_load(folder: Path) -> str:
    folder = folder.resolve()
    return (f"to serve it:          QUNGUARD_MODEL_DIR={folder} qunguard serve\n"
            f"or, on a running one: curl -X POST localhost:8000/v1/model/reload -H 'Authorization: Bearer <admin token>' "
            f"-H 'content-type: application/json' -d '{{\"path\": \"{folder}\"}}'")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit_temperature(clf: MessageClassifier, texts: list[str], labels: list[str]) -> float:
    """One scalar T that minimises log-loss on data the model did not train on."""
    from qunguard.model.labels import LABELS

    with timed_step("calibration features"):
        X = clf.featurizer.transform(texts)
    y = np.array([LABELS.index(lab) for lab in labels])
    best = (np.inf, 1.0)
    for t in tqdm(np.round(np.arange(0.4, 3.01, 0.05), 2), desc="calibration", unit="T"):
        clf.temperature = float(t)
        p = clf._proba(X)
        nll = -np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean()
        best = min(best, (nll, float(t)))
    clf.temperature = best[1]
    return best[1]


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train/test/ood .jsonl.gz and gold/")
    ap.add_argument("--out", type=Path, default=None,
                    help="model folder to write, overwritten if it exists (default: a new model/versions/<version>/)")
    ap.add_argument("--exports", type=Path, nargs="*", default=[], help="moderator exports (JSONL or CSV with text,label)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--C", type=float, default=4.0, help="inverse regularisation of the logistic regression")
    ap.add_argument("--max-features", type=int, default=200_000, help="vocabulary size (most frequent tokens)")
    ap.add_argument("--limit", type=int, default=None, help="train on a seeded sample of this many rows (quick runs)")
    ap.add_argument("--version", default=None, help="model version string (default: date-based)")
    ap.add_argument("--leave-out", default=None, metavar="SOURCE",
                    help="train without this source and report it as 'left_out_source' (bench/bench_loso.py)")
    ap.add_argument("--with-real-chat", action="store_true",
                    help="also train on the hand-labelled real chat of data/eval/realchat (for the model you ship, "
                         "once the held-out figures are measured without it); its figure is then not reported")
    ap.add_argument("--behaviour", type=Path, default=BEHAVIOUR_SUITE, help="behaviour suite to report (a test, never trained on)")
    args = ap.parse_args(argv)

    started = time.time()
    version = args.version or time.strftime("%Y.%m.%d", time.gmtime()) + f"-s{args.seed}"
    out = output_folder(args.out, version)
    if out is None:  # said before training, not after minutes of it
        print(f"error: {VERSIONS / version} already holds a model; pass --version NAME for a new folder, "
              f"or --out DIR to overwrite one on purpose", file=sys.stderr)
        return 2
    train_path = args.data / "train.jsonl.gz"
    try:
        train = read_jsonl_gz(train_path)
        exports: list[Example] = [ex for f in args.exports for ex in read_export(f)]
    except (OSError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    left_out: list[Example] = []
    if args.leave_out:
        # the left-out source's own rows (not their augmented copies) from both splits are its test
        left_out = [ex for ex in train + read_jsonl_gz(args.data / "test.jsonl.gz")
                    if ex.source == args.leave_out and not ex.augmented]
        train = [ex for ex in train if ex.source != args.leave_out]
        if not left_out:
            print(f"error: no rows of source {args.leave_out!r} in {args.data}", file=sys.stderr)
            return 2
    if args.with_real_chat:
        # our own hand labels of real group chat: the chat-style commerce the corpora lack
        train += [Example(ex.text, ex.label, ex.source, hand_labelled=True)
                  for ex in read_jsonl_gz(args.data / "eval" / "realchat.jsonl.gz")]
    rng = random.Random(args.seed)
    if args.limit:
        train = rng.sample(train, min(args.limit, len(train)))
    rng.shuffle(train)
    n_cal = int(len(train) * CALIBRATION_SHARE)
    calibration, train = train[:n_cal], train[n_cal:]
    rows = train + exports
    weights = np.array([EXPORT_WEIGHT if ex.source.startswith("export:") else HAND_WEIGHT if ex.hand_labelled else 1.0
                        for ex in rows])
    print(f"training on {len(train)} corpus rows + {len(exports)} export rows; {n_cal} rows kept for calibration")

    clf = MessageClassifier.fit(
        [ex.text for ex in rows], [ex.label for ex in rows], sample_weight=weights, C=args.C, seed=args.seed,
        featurizer=MessageFeaturizer(max_features=args.max_features),
        progress=lambda it, desc: tqdm(it, desc=desc, unit="msg", mininterval=1.0), step=timed_step,
    )
    temperature = fit_temperature(clf, [ex.text for ex in calibration], [ex.label for ex in calibration])
    print(f"temperature {temperature}")

    evals = {
        "random_split": args.data / "test.jsonl.gz",
        "held_out_source": args.data / "ood.jsonl.gz",
        "gold": args.data / "gold" / "gold.jsonl.gz",
        # hand-labelled messages of groups, pools and stretches never trained on (data/README.md)
        "real_chat": args.data / "eval" / "realchat.jsonl.gz",
        "qq_group_later_stretch": args.data / "eval" / "scu_heldout.jsonl.gz",
    }
    metrics, report = {}, [f"# Training report\n\ntrain rows {len(rows)} (exports {len(exports)}), seed {args.seed}, C {args.C}, temperature {temperature}\n"]
    if args.with_real_chat:
        del evals["real_chat"]  # trained on: no longer a held-out figure
    sets = {name: path for name, path in evals.items() if path.exists()}
    for name, path in tqdm(list(sets.items()) + ([("left_out_source", None)] if left_out else []), desc="evaluate", unit="set"):
        examples = read_jsonl_gz(path) if path else left_out
        m = evaluate(clf.predict_proba([ex.text for ex in examples]), [ex.label for ex in examples])
        metrics[name] = m
        where = path.relative_to(args.data) if path else f"source {args.leave_out}, never trained on"
        report.append(format_report(f"{name} ({where})", m))
    if args.behaviour.exists():
        metrics["behaviour_suite"] = run_behaviour_suite(clf, args.behaviour)
        report.append(format_behaviour(f"behaviour suite ({args.behaviour.name})", metrics["behaviour_suite"]))
    text = "\n".join(report)
    print(text)

    data_files = {p.name: file_sha256(p) for p in sorted(args.data.glob("*.jsonl.gz"))} | {f"gold/{p.name}": file_sha256(p) for p in sorted((args.data / "gold").glob("*.jsonl.gz"))}
    meta = artifact.save(clf, out, {
        "model_version": version,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python train.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "git_commit": git_commit(),
        "seed": args.seed,
        "C": args.C,
        "temperature": temperature,
        "max_features": args.max_features,
        "trained_on_real_chat_eval": args.with_real_chat,
        "train_rows": len(rows),
        "export_files": {str(p): file_sha256(p) for p in args.exports},
        "training_data_sha256": data_files,
        "metrics": metrics,
        "train_seconds": round(time.time() - started, 1),  # wall time of this run, imports aside
        "peak_rss_mb": peak_rss_mb(),
    })
    (out / "report.md").write_text(text, encoding="utf-8")
    write_model_card(out, meta, data_readme=args.data / "README.md")
    size = (out / artifact.MODEL_FILE).stat().st_size
    print(f"saved {out / artifact.MODEL_FILE} ({size / 1e6:.1f} MB), version {meta['model_version']}, "
          f"{meta['train_seconds']:.0f} s, peak memory {meta['peak_rss_mb']:.0f} MB")
    print(how_to_load(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
