"""What the Redis flood windows cost a message: the script's time in Redis and the round trip, per message.

    python bench/bench_flood_redis.py [--redis redis://127.0.0.1:6379/15] [--messages 50000]
    python bench/bench_flood_redis.py --code DIR      # the same with an older checkout's code (a git worktree):
    git worktree add /tmp/before d5f70c0 && python bench/bench_flood_redis.py --code /tmp/before

Two streams, in batches of 100 (one script call each), as the engine sends them:
- **chat**: the first --messages real danmaku of bili_danmaku_random in send-time order (each video a group, each
  sender a user), with a message id each;
- **raid**: 256 members pasting one ad, 20 rounds (the widest raid window a text keeps).
Printed per message: the server's time in the script (`INFO commandstats`, usec of EVALSHA) and the wall time of
observe_batch() from this process. The machine's other load moves both; compare runs made one after the other.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data" / "raw")
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--code", type=Path, default=None, help="an older checkout whose service code to measure")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    if args.code is not None:
        from checkouts import mount_checkout

        sys.path.insert(0, mount_checkout(args.code, Path(tempfile.mkdtemp())))
    else:
        sys.path.insert(0, str(ROOT))
    from bench_flood_replay import danmaku

    from qunguard.model.normalize import normalize
    from qunguard.service.flood import FloodLimits, Observation, repeat_key
    from qunguard.service.flood_redis import RedisFloodTracker

    fields = Observation.__dataclass_fields__  # older code: no `said`, no `message_id`

    def observation(group, user, text, ts, mid):
        norm = normalize(text)
        extra = {}
        if "said" in fields:
            from qunguard.service.quotes import fingerprint

            extra["said"] = fingerprint(norm)
        if "message_id" in fields:
            extra["message_id"] = mid
        return Observation(group, user, repeat_key(norm), ts, FloodLimits(), **extra)

    chat = []
    for n, (group, ts, user, text) in enumerate(danmaku(args.raw)):
        if n == args.messages:
            break
        chat.append(observation(group, user, text, ts, str(n)))
    ad = "加微信 abc_8899 领取优惠券 限时包邮"
    raid = [observation("raided", f"member{u}", ad, 1.7e9 + r * 60 + u * 0.1, f"r{r}u{u}")
            for r in range(20) for u in range(256)]

    tracker = RedisFloodTracker(args.redis, prefix=f"qgcost:{time.time_ns()}:")
    client = tracker.client
    checkout = args.code or ROOT
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], check=False, capture_output=True,
                            text=True)
    results = {"code": commit.stdout.strip() or str(checkout)}
    try:
        for name, stream in (("chat", chat), ("raid", raid)):
            client.config_resetstat()
            t0 = time.perf_counter()
            for i in range(0, len(stream), 100):
                tracker.observe_batch(stream[i : i + 100])
            wall = (time.perf_counter() - t0) / len(stream) * 1e6
            script = client.info("commandstats").get("cmdstat_evalsha", {}).get("usec", 0) / len(stream)
            results[name] = {"messages": len(stream), "script_us": round(script, 2), "wall_us": round(wall, 2)}
            print(f"{name}: {len(stream):,} messages; in the script {script:.1f} µs a message, "
                  f"observe_batch() {wall:.1f} µs a message")
    finally:
        keys = list(client.scan_iter(match=tracker.prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        tracker.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
