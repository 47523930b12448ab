"""Replay real chat logs with their timestamps through the flood windows.

- false floods: Bilibili danmaku pools (bili_danmaku_random, 81 videos, 179k lines), each
  pool a "group", each sender hash a user, in send-time order. A calm room should see almost
  no behaviour verdicts; the ones it does see are printed so a reader can judge them.
- catches: campus_qq_ads, advertisers re-posting the same invites in three QQ groups.

    python bench/bench_flood_replay.py [--raw ../shared/data/raw] [--examples 15]
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model.normalize import normalize
from qunguard.service.flood import FloodLimits, InMemoryFloodTracker, repeat_key


def danmaku(raw: Path):
    """(pool, ts, user, text) for every line, each pool sorted by send time."""
    for path in sorted((raw / "bili_danmaku_random" / "unmarked").glob("*.csv")):
        rows = []
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.reader(fh):
                if len(row) < 2 or not row[1].strip():
                    continue
                meta = row[0].split(",")
                rows.append((float(meta[4]), meta[6], row[1]))
        rows.sort(key=lambda r: r[0])
        for ts, user, text in rows:
            yield path.stem, ts, user, text


def campus_ads(raw: Path):
    with (raw / "campus_qq_ads" / "campus_qq_ads.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["group"], datetime.fromisoformat(r["sent_at"]).timestamp(), r["member"], r["text"])
                for r in csv.DictReader(fh, delimiter="\t")]
    return sorted(rows, key=lambda r: r[1])


def replay(rows, limits: FloodLimits):
    tracker = InMemoryFloodTracker()
    n = 0
    by_signal: Counter[str] = Counter()
    flagged = []
    named: set[str] = set()  # the flagged messages and the others their signals name
    t0 = time.perf_counter()
    for group, ts, user, text in rows:
        n += 1
        signals = tracker.observe(group, user, repeat_key(normalize(text)), ts, limits, str(n))
        if signals:
            by_signal.update(s.name for s in signals)
            flagged.append((group, user, text, ", ".join(f"{s.name} {s.detail}" for s in signals)))
            named.update(m for s in signals for m in s.earlier)
            named.add(str(n))  # the flagged message itself
    return n, flagged, by_signal, time.perf_counter() - t0, named


def memory_per_user(n: int = 20_000) -> float:
    """Bytes the tracker holds per user (its user and raid windows), n users one message each, with a bot's
    message id of 10 digits."""
    import tracemalloc

    tracker = InMemoryFloodTracker(max_users=10 * n, max_keys=10 * n)
    users = [f"user-{i:07d}" for i in range(n)]
    keys = [repeat_key(normalize(f"第{chr(0x4E00 + i)}条消息，大家好，这是一条普通的发言")) for i in range(n)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, (u, k) in enumerate(zip(users, keys, strict=True)):
        tracker.observe("g", u, k, 1_700_000_000 + i * 0.01, FloodLimits(), f"{1_700_000_000 + i}")
    per_user = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    return per_user


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data" / "raw")
    ap.add_argument("--examples", type=int, default=15)
    args = ap.parse_args(argv)
    limits = FloodLimits()
    print(f"limits: {limits}")
    print(f"memory: {memory_per_user():,.0f} bytes per live user (user window + raid window of a distinct text)")

    n, flagged, by_signal, secs, named = replay(danmaku(args.raw), limits)
    users = len({(g, u) for g, u, _, _ in flagged})
    print(f"\nbili_danmaku_random replay: {n:,} messages in {secs:.1f} s ({n / secs:,.0f} msg/s incl. normalise)")
    print(f"  flagged by behaviour: {len(flagged):,} ({100 * len(flagged) / n:.2f}%) from {users:,} senders; "
          f"by signal: {dict(by_signal)}")
    step = max(1, len(flagged) // max(1, args.examples))
    for _g, _u, text, why in flagged[::step][: args.examples]:
        print(f"    [{why}] {text[:60]!r}")
    print(f"  a bot acting on those verdicts removes {len(flagged):,} messages; with the other messages their bursts, "
          f"repeats and raids name (reason message_ids), {len(named):,}")

    rows = campus_ads(args.raw)
    n, flagged, by_signal, _, _ = replay(rows, limits)
    print(f"\ncampus_qq_ads replay: {n} messages; flagged {len(flagged)} ({100 * len(flagged) / n:.1f}%); by signal: {dict(by_signal)}")
    # how many were re-posts at all (same text seen before from anyone), the most any window could catch
    seen, reposts = set(), 0
    for _, _, _, text in rows:
        k = repeat_key(normalize(text))
        reposts += k in seen
        seen.add(k)
    print(f"  re-posts of an earlier text: {reposts} (the most any window could catch)")

    # groups that see slow campaigns can widen the repeat/raid windows: what does that cost?
    print("\nwider repeat/raid windows (group setting): catches on campus_qq_ads vs false floods on danmaku")
    dm = list(danmaku(args.raw))
    for w in (600.0, 3600.0):
        wide = FloodLimits(repeat_window_s=w, raid_window_s=w, raid_users=3)
        n_ads, caught, _, _, _ = replay(rows, wide)
        n_dm, false, by, _, _ = replay(dm, wide)
        print(f"  window {w:>6.0f} s, raid 3 users: ads caught {len(caught)}/{n_ads} ({100 * len(caught) / n_ads:.1f}%), "
              f"danmaku flagged {len(false)}/{n_dm} ({100 * len(false) / n_dm:.2f}%) {dict(by)}")


if __name__ == "__main__":
    main()
