"""Rebuild the shipped model from data/ (and moderators' exports).

    python train.py                         # data/ -> model/shipped/
    python train.py --exports review.jsonl  # add moderator-labelled messages
    python train.py --limit 3000 --out /tmp/m  # a quick small run

Deterministic for a given --seed and data. Prints and saves a report
(report.md, and the metrics in meta.json): per-class precision, recall, F1
and confusion on the random held-out split, the held-out source and the
hand-labelled gold set.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model import artifact
from model.classifier import MessageClassifier
from model.dataset import DatasetError, Example, read_export, read_jsonl_gz
from model.evaluate import evaluate, format_report
from model.features import MessageFeaturizer

ROOT = Path(__file__).resolve().parent
EXPORT_WEIGHT = 3.0  # a moderator's label on a real group message outweighs a mapped corpus row
CALIBRATION_SHARE = 0.05


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit_temperature(clf: MessageClassifier, texts: list[str], labels: list[str]) -> float:
    """One scalar T that minimises log-loss on data the model did not train on."""
    from model.labels import LABELS

    X = clf.featurizer.transform(texts)
    y = np.array([LABELS.index(lab) for lab in labels])
    best = (np.inf, 1.0)
    for t in np.round(np.arange(0.4, 3.01, 0.05), 2):
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
    ap.add_argument("--out", type=Path, default=artifact.SHIPPED, help="model folder to write")
    ap.add_argument("--exports", type=Path, nargs="*", default=[], help="moderator exports (JSONL or CSV with text,label)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--C", type=float, default=4.0, help="inverse regularisation of the logistic regression")
    ap.add_argument("--max-features", type=int, default=200_000, help="vocabulary size (most frequent tokens)")
    ap.add_argument("--limit", type=int, default=None, help="train on a seeded sample of this many rows (quick runs)")
    ap.add_argument("--version", default=None, help="model version string (default: date-based)")
    args = ap.parse_args(argv)

    started = time.time()
    train_path = args.data / "train.jsonl.gz"
    try:
        train = read_jsonl_gz(train_path)
        exports: list[Example] = [ex for f in args.exports for ex in read_export(f)]
    except (OSError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    if args.limit:
        train = rng.sample(train, min(args.limit, len(train)))
    rng.shuffle(train)
    n_cal = int(len(train) * CALIBRATION_SHARE)
    calibration, train = train[:n_cal], train[n_cal:]
    rows = train + exports
    weights = np.array([EXPORT_WEIGHT if ex.source.startswith("export:") else 1.0 for ex in rows])
    print(f"training on {len(train)} corpus rows + {len(exports)} export rows; {n_cal} rows kept for calibration")

    clf = MessageClassifier.fit(
        [ex.text for ex in rows], [ex.label for ex in rows], sample_weight=weights, C=args.C, seed=args.seed,
        featurizer=MessageFeaturizer(max_features=args.max_features),
        progress=lambda it, desc: tqdm(it, desc=desc, unit="msg", mininterval=1.0),
    )
    temperature = fit_temperature(clf, [ex.text for ex in calibration], [ex.label for ex in calibration])
    print(f"temperature {temperature}")

    evals = {"random_split": args.data / "test.jsonl.gz", "held_out_source": args.data / "ood.jsonl.gz", "gold": args.data / "gold" / "gold.jsonl.gz"}
    metrics, report = {}, [f"# Training report\n\ntrain rows {len(rows)} (exports {len(exports)}), seed {args.seed}, C {args.C}, temperature {temperature}\n"]
    for name, path in tqdm(list(evals.items()), desc="evaluate", unit="set"):
        if not path.exists():
            continue
        examples = read_jsonl_gz(path)
        m = evaluate(clf.predict_proba([ex.text for ex in examples]), [ex.label for ex in examples])
        metrics[name] = m
        report.append(format_report(f"{name} ({path.relative_to(args.data)})", m))
    text = "\n".join(report)
    print(text)

    version = args.version or time.strftime("%Y.%m.%d", time.gmtime()) + f"-s{args.seed}"
    data_files = {p.name: file_sha256(p) for p in sorted(args.data.glob("*.jsonl.gz"))} | {f"gold/{p.name}": file_sha256(p) for p in sorted((args.data / "gold").glob("*.jsonl.gz"))}
    meta = artifact.save(clf, args.out, {
        "model_version": version,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python train.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "git_commit": git_commit(),
        "seed": args.seed,
        "C": args.C,
        "temperature": temperature,
        "max_features": args.max_features,
        "train_rows": len(rows),
        "export_files": {str(p): file_sha256(p) for p in args.exports},
        "training_data_sha256": data_files,
        "metrics": metrics,
        "train_seconds": round(time.time() - started, 1),
    })
    (args.out / "report.md").write_text(text, encoding="utf-8")
    size = (args.out / artifact.MODEL_FILE).stat().st_size
    print(f"saved {args.out / artifact.MODEL_FILE} ({size / 1e6:.1f} MB), version {meta['model_version']}, {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
