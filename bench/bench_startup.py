"""`qunguard classify` as a user runs it: cold start, peak memory, throughput on real chat.

    python bench/bench_startup.py [--runs 7] [--passes 3] [--cpu 0] [--command CMD]
    python bench/bench_startup.py --against OLD_CHECKOUT [--rounds 3]   # two versions, runs alternating

Every figure comes from a fresh `qunguard classify` process pinned to one core
(BLAS threads 1), reading a JSONL file and writing verdicts with reasons:
- cold start: from process start to its first verdict line, on a one-line file
  (min and median of --runs runs); the process's peak RSS (ru_maxrss);
- peak RSS of a process that loaded the model and classified 10,000 messages;
- throughput: every text of data/test.jsonl.gz (the held-out split of every corpus: chat, SMS,
  reviews, titles; all lengths), --passes times over; msg/s from the first verdict to the last (the
  steady rate), and over the whole run, start included;
- the same on real group chat only (s30): the QQ group's later stretch in time order and the
  hand-labelled real chat of data/eval/, shorter on average, as a group's traffic is.

This box's speed changes from hour to hour (README), so --against times an older checkout's code
(`git worktree add /tmp/before REV`) beside this one's: its `model`, `service` and `data` folders mounted
as the `qunguard` package through PYTHONPATH, and every run of one version followed by the same run of the
other, on the same core; the cold starts `--runs` times each, the throughput run `--rounds` times each.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from checkouts import mount_checkout

ONE_LINE = "需要的加V Was4872，限时包邮"


@dataclass
class Run:
    first_verdict_s: float  # process start -> first output line
    total_s: float  # process start -> end of output
    lines: int
    max_rss_mb: float


def default_command() -> list[str]:
    """The console script installed beside this interpreter (a version manager's shim in PATH,
    such as pyenv's, adds its own start-up time), else `python -m qunguard.service.cli`."""
    beside = Path(sys.executable).parent / "qunguard"
    exe = str(beside) if beside.exists() else shutil.which("qunguard")
    return [exe] if exe else [sys.executable, "-m", "qunguard.service.cli"]


def test_texts() -> list[str]:
    with gzip.open(ROOT / "data" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def group_chat_texts() -> list[str]:
    """Real group chat never trained on by the evaluation model: the QQ group's later stretch as it was
    posted (bench_replay.py's messages) and the hand-labelled real chat (groups, a forum, danmaku)."""
    texts = []
    for name in ("scu_replay.jsonl.gz", "realchat.jsonl.gz"):
        with gzip.open(ROOT / "data" / "eval" / name, "rt", encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return texts


def write_jsonl(path: Path, texts: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for t in texts:
            fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    return path


def run_classify(command: list[str], path: Path, cpu: int, pythonpath: str | None = None) -> Run:
    """One fresh `COMMAND classify PATH` on one core; its timings and peak RSS. `pythonpath`: where an
    older checkout's code is mounted as `qunguard` (bench/checkouts.py)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    t0 = time.perf_counter()
    proc = subprocess.Popen([*command, "classify", str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env,  # in the caller's folder: `--command "python -m service.cli"` runs that tree's code
                            # Popen has no CPU-affinity argument, and this script starts no threads
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))  # noqa: PLW1509
    assert proc.stdout is not None
    first = proc.stdout.readline()
    t_first = time.perf_counter()
    lines = 1 if first else 0
    while chunk := proc.stdout.read(1 << 16):
        lines += chunk.count(b"\n")
    t_end = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage: ru_maxrss in KB on Linux
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"qunguard classify {path} exited with {proc.returncode}")
    return Run(t_first - t0, t_end - t0, lines, usage.ru_maxrss / 1024)


def compare(args: argparse.Namespace, texts: list[str]) -> None:
    """This checkout's code and an older one's, each run followed by the other's on the same core."""
    with tempfile.TemporaryDirectory(prefix="qunguard-bench-") as tmp:
        # both mounted the same way, so neither pays for an import path the other skips
        versions = {"this checkout": mount_checkout(ROOT, Path(tmp) / "this"),
                    str(args.against): mount_checkout(args.against, Path(tmp) / "against")}
        command = [sys.executable, "-m", "qunguard.service.cli"]  # the same entry point for both
        one = write_jsonl(Path(tmp) / "one.jsonl", [ONE_LINE])
        chat = write_jsonl(Path(tmp) / "chat.jsonl", texts * args.passes)
        for path in versions.values():
            run_classify(command, one, args.cpu, path)  # page cache warm for both
        cold: dict[str, list[Run]] = {v: [] for v in versions}
        bulk: dict[str, list[Run]] = {v: [] for v in versions}
        for _ in range(args.runs):
            for v, path in versions.items():
                cold[v].append(run_classify(command, one, args.cpu, path))
        for _ in range(args.rounds):
            for v, path in versions.items():
                bulk[v].append(run_classify(command, chat, args.cpu, path))
    n = len(texts) * args.passes
    print(f"`python -m qunguard.service.cli classify`, one core, runs alternating ({args.runs} cold starts and "
          f"{args.rounds} throughput runs each, {n:,} messages of data/test.jsonl.gz x{args.passes}, with reasons)\n")
    print("| measure | " + " | ".join(versions) + " |\n|---|" + "---|" * len(versions))
    row = [f"min {min(r.first_verdict_s for r in cold[v]):.3f} s, median "
           f"{statistics.median(r.first_verdict_s for r in cold[v]):.3f} s" for v in versions]
    print("| cold start, one-line file, to the first verdict | " + " | ".join(row) + " |")
    print("| peak RSS, one-line run | " + " | ".join(f"{max(r.max_rss_mb for r in cold[v]):.0f} MB" for v in versions) + " |")
    row = [", ".join(f"{(n - 1) / (r.total_s - r.first_verdict_s):,.0f}" for r in bulk[v]) + " msg/s" for v in versions]
    print("| throughput with reasons, first verdict to last, each round | " + " | ".join(row) + " |")
    assert all(r.lines == n for runs in bulk.values() for r in runs), "every input line gives one output line"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="cold starts to time")
    ap.add_argument("--passes", type=int, default=3, help="times over the test texts for the throughput run")
    ap.add_argument("--cpu", type=int, default=0, help="the core every run is pinned to")
    ap.add_argument("--command", type=shlex.split, default=default_command(),
                    help="what to run instead of qunguard, in this folder: e.g. from an older checkout "
                         "(git worktree add /tmp/before af1b97c; cd /tmp/before) its 'python -m service.cli'")
    ap.add_argument("--against", type=Path, help="an older checkout (with model/, service/, data/) to time beside this one")
    ap.add_argument("--rounds", type=int, default=3, help="with --against: throughput runs of each version")
    args = ap.parse_args(argv)
    texts = test_texts()
    if args.against is not None:
        compare(args, texts)
        return
    group_texts = group_chat_texts()
    with tempfile.TemporaryDirectory(prefix="qunguard-bench-") as tmp:
        one = write_jsonl(Path(tmp) / "one.jsonl", [ONE_LINE])
        ten_k = write_jsonl(Path(tmp) / "10k.jsonl", (texts * 2)[:10_000])
        chat = write_jsonl(Path(tmp) / "chat.jsonl", texts * args.passes)
        group = write_jsonl(Path(tmp) / "group.jsonl", group_texts * args.passes)
        run_classify(args.command, one, args.cpu)  # warm the page cache: the runs below time the program, not the disk
        cold = [run_classify(args.command, one, args.cpu) for _ in range(args.runs)]
        loaded_10k = run_classify(args.command, ten_k, args.cpu)
        bulk = run_classify(args.command, chat, args.cpu)
        group_bulk = run_classify(args.command, group, args.cpu)
    starts = sorted(r.first_verdict_s for r in cold)
    n = len(texts) * args.passes
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"`qunguard classify`, one core ({shlex.join(args.command)})")
    print()
    print("| measure | result |")
    print("|---|---|")
    print(f"| cold start, one-line file, to the first verdict ({args.runs} runs) | "
          f"min {starts[0]:.3f} s, median {statistics.median(starts):.3f} s, max {starts[-1]:.3f} s |")
    print(f"| peak RSS, one-line run | {max(r.max_rss_mb for r in cold):.0f} MB |")
    print(f"| peak RSS, 10,000 messages classified | {loaded_10k.max_rss_mb:.0f} MB |")
    print(f"| throughput with reasons, {n:,} held-out corpus messages (data/test.jsonl.gz x{args.passes}, mean {mean_chars:.1f} "
          f"chars, all lengths), first verdict to last | {(n - 1) / (bulk.total_s - bulk.first_verdict_s):,.0f} msg/s |")
    print(f"| same run, process start to last verdict | {n / bulk.total_s:,.0f} msg/s ({bulk.total_s:.2f} s, "
          f"peak RSS {bulk.max_rss_mb:.0f} MB) |")
    g = len(group_texts) * args.passes
    group_chars = sum(map(len, group_texts)) / len(group_texts)
    print(f"| throughput with reasons, {g:,} messages of real group chat (data/eval: the QQ group's later stretch in "
          f"order and the hand-labelled real chat, x{args.passes}, mean {group_chars:.1f} chars), first verdict to last | "
          f"{(g - 1) / (group_bulk.total_s - group_bulk.first_verdict_s):,.0f} msg/s |")
    assert bulk.lines == n and loaded_10k.lines == 10_000 and group_bulk.lines == g, "every input line gives one output line"


if __name__ == "__main__":
    main()
