"""s26: the data variants behind the README's table of dodged contacts and SMS ad caps (`data/dodge.py`, `build.CAPS`).

    python bench/tried/sms_caps_and_dodge.py DIR --dodge-rate 0 --caps sms80w/advertising=1500,mudou_spam/advertising=1500,fbs_sms/advertising=2500
    python bench/tried/sms_caps_and_dodge.py DIR --dodge-rate 0.6 --caps sms80w/advertising=1500,mudou_spam/advertising=1500,fbs_sms/advertising=2500
    python bench/tried/sms_caps_and_dodge.py DIR --dodge-rate 0 --caps sms80w/advertising=6000,mudou_spam/advertising=4000,fbs_sms/advertising=2500
    python bench/tried/sms_caps_and_dodge.py DIR --dodge-rate 0.5 --caps sms80w/advertising=6000,mudou_spam/advertising=4000,fbs_sms/advertising=2500
    python bench/tried/sms_caps_and_dodge.py DIR                    # the shipped recipe: the defaults of data/

Each run builds the data with the given caps and dodge rate (`data/build.py` with those two settings overridden:
rate 0 is the build without dodged copies, the first line s25's data) into DIR/data, trains an evaluation model on
it into DIR/model (`train.py --data DIR/data --out DIR/model`, the default seed) and scores it with
`bench/bench_heldout.py` and `bench/bench_probes.py`; ~8 min a run on a 2-core box. In s26 the dodge-only row was
made by appending `dodge_contacts` copies to s25's training file, which is this build's output but for the
`keep_label_shape` filter (in s26's build it dropped 1 of 2,218 copies).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--caps", default="", help="source/label=N,... overriding build.CAPS")
    ap.add_argument("--dodge-rate", type=float, default=None, help="overrides data/dodge.py's RATE (0: no dodged copies)")
    args = ap.parse_args()

    from qunguard.data import build, dodge
    for kv in filter(None, args.caps.split(",")):
        cell, n = kv.split("=")
        source, label = cell.split("/")
        build.CAPS[(source, label)] = int(n)
    if args.dodge_rate is not None:
        dodge.RATE = args.dodge_rate
    data, model = args.out / "data", args.out / "model"
    shutil.copytree(ROOT / "data" / "gold", data / "gold", dirs_exist_ok=True)
    build.build(build.DEFAULT_RAW, data, build.hand_labels.OVERRIDE_FILES, build.SEED)
    run = [sys.executable]
    subprocess.run([*run, str(ROOT / "train.py"), "--data", str(data), "--out", str(model),
                    "--version", f"tried-{args.out.name}"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*run, str(ROOT / "bench" / "bench_heldout.py"), "--model", str(model)], check=True)
    subprocess.run([*run, str(ROOT / "bench" / "bench_probes.py"), "--model", str(model)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
