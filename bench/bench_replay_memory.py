"""How much memory `qunguard replay` needs for a big export, per format: peak RSS and time of reading it, and of
the whole command.

    python bench/bench_replay_memory.py [--copies 11] [--runs 3] [--against OLD_CHECKOUT] [--replay]

A busy group's export holds hundreds of thousands of messages. The real QQ group's log
(../shared/data/raw/qq_scu_group_2017, 27,236 messages) is repeated `--copies` times, each copy 400 days after
the one before (11 copies: 299,596 messages), and written as PC QQ's .txt, Telegram Desktop's result.json
(indented, as Telegram writes it) and 留痕's WeChat CSV. Each file is read in a child process, `--runs` times: its
wall time and peak RSS, read whole (`read_chat_log`, every message held, as the replay read until s37), streamed
(`stream_chat_log`, as the replay reads since: a message at a time), and streamed with `--window-days 30` (only
the last 30 days kept); for Telegram also the check pass alone (ijson over the whole file, the events counted
where the messages are). `--replay` also runs the whole `qunguard replay FILE --list none` once per file and version.
The child's baseline (Python and the readers' imports, no file) is printed too; a peak is the child's own VmHWM
(/proc), since a forked child's ru_maxrss counts the parent's pages. --against also reads each file
with an older checkout's code (bench/checkouts.py), alternating with this one's, so the machine's load moves both.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_replay_export import write_qq_export
from checkouts import mount_checkout

RAW = ROOT.parent / "shared" / "data" / "raw" / "qq_scu_group_2017" / "messages.jsonl"

# what the child runs: read the export (or nothing), print how many messages it kept and left out
CHILD = """
import sys
from datetime import date, timedelta
from pathlib import Path
from qunguard.service.chat_logs import read_chat_log
path, last_day, days, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def peak_mib():  # this process's own high-water mark (VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's)
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
if path == "-":
    print(0, 0, peak_mib())
    raise SystemExit
kwargs = {}
if days:
    from qunguard.service.chat_logs import Window
    end = date.fromisoformat(last_day)
    kwargs["window"] = Window(since=end - timedelta(days=days - 1), until=end)
if mode == "check":  # the pass over Telegram's whole JSON that comes before its first message
    import ijson
    with open(path, "rb") as fh:
        events = sum(1 for _ in ijson.parse(fh))
    print(events, 0, peak_mib())
    raise SystemExit
if mode == "whole":
    log = read_chat_log(Path(path), **kwargs)
    kept = len(log.messages)
else:
    from qunguard.service.chat_logs import stream_chat_log
    log, stream = stream_chat_log(Path(path), **kwargs)
    kept = sum(1 for _ in stream)
print(kept, sum(log.skipped.values()), peak_mib())
"""


def copies_of_the_log(copies: int) -> list[dict]:
    with RAW.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    out = []
    for k in range(copies):
        shift = timedelta(days=400 * k)
        out.extend({**r, "ts": (datetime.fromisoformat(r["ts"]) + shift).isoformat()} for r in rows)
    return out


def write_telegram(rows: list[dict], path: Path) -> None:
    messages = [{"id": i, "type": "message", "date": r["ts"][:19], "date_unixtime": str(int(datetime.fromisoformat(r["ts"]).timestamp())),
                 "from": "群友", "from_id": f"user{r['user']}", "text": r["text"],
                 "text_entities": [{"type": "plain", "text": r["text"]}]} for i, r in enumerate(rows, start=1)]
    with path.open("w", encoding="utf-8") as fh:
        json.dump({"name": "川大老乡群", "type": "private_supergroup", "id": 1, "messages": messages}, fh,
                  ensure_ascii=False, indent=1)


def write_wechat(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
        for i, r in enumerate(rows, start=1):
            w.writerow([i, "文本", r["user"], datetime.fromisoformat(r["ts"]).strftime("%Y-%m-%d %H:%M:%S"), r["text"],
                        "", r["user"], ""])


def child(argv: list[str], pythonpath: str | None) -> tuple[str, float, float]:
    """(stdout, wall s, peak RSS MiB) of a fresh Python running argv; the peak from GNU time's report if argv is not
    the reading child (which prints its own VmHWM)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    peak = [line.split()[-1] for line in done.stderr.splitlines() if "Maximum resident set size" in line]
    return done.stdout, wall, int(peak[0]) / 1024 if peak else 0.0


def read_once(path: str, last_day: str, days: int, mode: str, pythonpath: str | None) -> tuple[str, float, float]:
    """(kept and left out, wall s, peak RSS MiB) of one read in a fresh process."""
    out, wall, _ = child([sys.executable, "-c", CHILD, path, last_day, str(days), mode], pythonpath)
    kept, left_out, peak = out.split()
    return f"{int(kept):,} / {int(left_out):,}", wall, float(peak)


def replay_once(path: str, pythonpath: str | None) -> tuple[str, float, float]:
    """(the command's first line, wall s, peak RSS MiB) of the whole `qunguard replay` under GNU time."""
    out, wall, peak = child(["/usr/bin/time", "-v", sys.executable, "-m", "qunguard.service.cli", "replay", path,
                             "--list", "none"], pythonpath)
    return out.splitlines()[0][:60], wall, peak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=11)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--window-days", type=int, default=30)
    ap.add_argument("--against", type=Path, help="an older checkout to read the same files with, alternating")
    ap.add_argument("--replay", action="store_true", help="also the whole command, once per file and version (~1 min each)")
    args = ap.parse_args(argv)
    rows = copies_of_the_log(args.copies)
    last_day = rows[-1]["ts"][:10]
    with tempfile.TemporaryDirectory(prefix="qunguard-replay-memory-") as tmp:
        folder = Path(tmp)
        files = {"qq": folder / "group.txt", "telegram": folder / "result.json", "wechat": folder / "group.csv"}
        write_qq_export(rows, files["qq"])
        write_telegram(rows, files["telegram"])
        write_wechat(rows, files["wechat"])
        versions = {"this checkout": mount_checkout(ROOT, folder / "this")}
        if args.against is not None:
            versions[str(args.against)] = mount_checkout(args.against, folder / "against")
        print(f"{len(rows):,} messages ({args.copies} copies of the QQ group's log), the last day {last_day}")
        for version, path in versions.items():
            _, _, rss = read_once("-", last_day, 0, "whole", path)
            print(f"{version}: baseline (imports, no file) peak RSS {rss:.0f} MiB")
        for fmt, path in files.items():
            size = path.stat().st_size / 2**20
            modes = [(0, "whole"), (0, "stream"), (args.window_days, "stream")] + ([(0, "check")] if fmt == "telegram" else [])
            for days, mode in modes:
                for version, pythonpath in versions.items():
                    if mode != "whole" and version != "this checkout":
                        continue  # streaming and --since/--until are new: the older code reads the whole file
                    runs = [read_once(str(path), last_day, days, mode, pythonpath) for _ in range(args.runs)]
                    walls = [w for _, w, _ in runs]
                    peaks = [r for _, _, r in runs]
                    what = f"{mode}, last {days} d" if days else mode
                    print(f"{fmt:<9} {size:6.1f} MB  {what:<19} {version:<16} kept/left out {runs[0][0]:<16} "
                          f"{min(walls):.2f}-{max(walls):.2f} s  peak RSS {min(peaks):.0f}-{max(peaks):.0f} MiB")
            if args.replay:
                for version, pythonpath in versions.items():
                    first, wall, peak = replay_once(str(path), pythonpath)
                    print(f"{fmt:<9} {size:6.1f} MB  qunguard replay     {version:<16} {wall:.1f} s  peak RSS "
                          f"{peak:.0f} MiB  ({first}…)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
