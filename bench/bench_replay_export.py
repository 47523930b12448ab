"""`qunguard replay` on the real QQ group written back as PC QQ's .txt export: what an operator runs, timed.

    python bench/bench_replay_export.py [--runs 3] [--whole]

The held-out stretch (data/eval/scu_replay.jsonl.gz, 3,895 messages) and, with --whole, the whole log
(../shared/data/raw/qq_scu_group_2017/messages.jsonl, 27,236) are written as QQ's 消息管理器 writes its .txt
(a header, then `2017-01-01 9:09:03 name(id)` + content blocks) and replayed by the command in a child process,
`--runs` times each: its summary (the shares allowed, reviewed, deleted; the drift alerts) once, then per run the
wall time, the child's CPU time and its peak RSS. The box's speed varies from run to run, so a range is the figure.
"""
from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRETCH = ROOT / "data" / "eval" / "scu_replay.jsonl.gz"
WHOLE = ROOT.parent / "shared" / "data" / "raw" / "qq_scu_group_2017" / "messages.jsonl"


def write_qq_export(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig") as fh:
        fh.write("消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n消息对象:川大老乡群\n" + "=" * 64 + "\n\n")
        for r in rows:
            t = datetime.fromisoformat(r["ts"])
            fh.write(f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour}:{t.minute:02d}:{t.second:02d} 群友({r['user']})\n"
                     f"{r['text']}\n\n")


def run_once(export: Path, db: Path) -> tuple[str, float, float, float]:
    """(the command's stdout, wall s, CPU s, peak RSS MiB) of one `qunguard replay`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qunguard.service.cli", "replay", str(export), "--db", str(db),
                           "--list", "none"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return done.stdout, wall, cpu, after.ru_maxrss / 1024  # the largest child so far: the runs are alike


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--whole", action="store_true", help="also the whole log (needs ../shared/data/raw)")
    args = ap.parse_args(argv)
    with gzip.open(STRETCH, "rt", encoding="utf-8") as fh:
        logs = {"held-out stretch": [json.loads(line) for line in fh]}
    if args.whole:
        with WHOLE.open(encoding="utf-8") as fh:
            logs["whole log"] = [json.loads(line) for line in fh]
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in logs.items():
            export = Path(tmp) / f"{name.replace(' ', '_')}.txt"
            write_qq_export(rows, export)
            for k in range(args.runs):
                out, wall, cpu, rss = run_once(export, Path(tmp) / f"{export.stem}{k}.db")
                if k == 0:
                    print(f"== {name}: {len(rows):,} messages\n" + "\n".join(
                        line for line in out.splitlines() if not line.startswith(("The store", "  qunguard", "  QUNGUARD"))))
                print(f"run {k + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
