"""The mute ladder (service/mutes.py) on real group logs, through the engine with default settings.

    python bench/bench_mutes.py [--raw ../shared/data/raw] [--model model/shipped] [--json bench/results/mutes.json]

Three streams, each in send-time order, 20 messages a batch, a real SQLite file as the review queue:
- the real QQ group's held-out stretch (data/eval/scu_replay.jsonl.gz, 3,895 messages): a calm group, where a
  mute is a member wronged;
- campus_qq_ads: advertisers re-posting their invites in three QQ freshmen's groups over weeks (held out from
  training), where a mute is what the anchors' bots would do to a repeat offender;
- the Bilibili danmaku pools (bili_danmaku_random, 81 videos, each a group): busy rooms, where bursts are deleted.
Printed per stream: deletes, the members behind them, their incidents, the verdicts that ask for a mute by its
length, the members muted, the first 20 deleted messages with their reasons, and what mutes cost: CPU time of one offence look-up in the review queue (once per
batch that deletes), and the share of the engine's CPU time spent on mutes (Moderator._mutes, in every batch).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_flood_replay as flood_replay

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.mutes import incident_starts
from qunguard.service.store import Store

REPLAY = ROOT / "data" / "eval" / "scu_replay.jsonl.gz"


def scu_stretch() -> list[tuple[str, str, float, str]]:
    return [("qq_scu_group_2017", r["user"], datetime.fromisoformat(r["ts"]).timestamp(), r["text"])
            for r in read_jsonl_rows(REPLAY)]


def campus_ads(raw: Path) -> list[tuple[str, str, float, str]]:
    return [(g, u, ts, t) for g, ts, u, t in flood_replay.campus_ads(raw)]  # bench_flood_replay's reader, in time order


def danmaku(raw: Path) -> list[tuple[str, str, float, str]]:
    return [(g, u, ts, t) for g, ts, u, t in flood_replay.danmaku(raw)]  # each pool in send-time order


class TimedStore(Store):
    """The review store, with the CPU time and the calls of the offence look-up added up."""

    lookup_s = 0.0
    lookups = 0

    def member_offences(self, members):
        t0 = time.process_time()
        try:
            return super().member_offences(members)
        finally:
            self.lookup_s += time.process_time() - t0
            self.lookups += 1


class TimedModerator(Moderator):
    """The engine, with the CPU time of the mutes (look-up and ladder) added up."""

    mute_s = 0.0

    def _mutes(self, messages, decisions, groups):
        t0 = time.process_time()
        try:
            return super()._mutes(messages, decisions, groups)
        finally:
            self.mute_s += time.process_time() - t0


def run(model: LoadedModel, rows: list[tuple[str, str, float, str]], batch: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = TimedStore(Path(tmp) / "mutes.db")
        moderator = TimedModerator(model, store, InMemoryFloodTracker())
        verdicts: list[dict] = []
        t0 = time.process_time()
        for i in range(0, len(rows), batch):
            verdicts += moderator.classify([Message(g, u, t, str(i + k), ts)
                                            for k, (g, u, ts, t) in enumerate(rows[i : i + batch])])
        total = time.process_time() - t0
        moderator.topics.close()
        moderator.store.close()
    deleted = [(r, v) for r, v in zip(rows, verdicts, strict=True) if v["action"] == "delete"]
    offences: dict[tuple[str, str], list[float]] = {}
    for (g, u, ts, _), _v in deleted:
        offences.setdefault((g, u), []).append(ts)
    muted = [(r, v) for r, v in deleted if v["mute_s"]]
    return {
        "messages": len(rows),
        "deleted": len(deleted),
        "members_deleted": len(offences),
        "incidents": sum(len(incident_starts(sorted(t))) for t in offences.values()),
        "members_with_2_or_more_incidents": sum(len(incident_starts(sorted(t))) >= 2 for t in offences.values()),
        "verdicts_asking_a_mute": len(muted),
        "by_mute_s": dict(sorted(Counter(v["mute_s"] for _, v in muted).items())),
        "members_muted": len({(r[0], r[1]) for r, _ in muted}),
        "lookup_calls": store.lookups,
        "lookup_us_per_call": round(1e6 * store.lookup_s / max(1, store.lookups), 1),
        "mutes_share_of_engine": round(moderator.mute_s / total, 5),
        "deleted_messages": [f"{r[0]} {r[1]} {r[3][:50]!r}: " + "; ".join(f"{x['name']} {x['detail'][:40]}" for x in v["reasons"])
                             for r, v in deleted[:20]],
        "examples_muted": [f"{r[0]} {r[1]} {datetime.fromtimestamp(r[2]).isoformat(' ')} mute {v['mute_s']} s: {r[3][:50]}"
                           for r, v in muted[:8]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data" / "raw")
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    model = LoadedModel(*artifact.load(args.model))
    results = {"model": model.version}
    for name, rows in (("qq_group_held_out_stretch", scu_stretch()), ("campus_qq_ads", campus_ads(args.raw)),
                       ("bili_danmaku_pools", danmaku(args.raw))):
        r = results[name] = run(model, rows, args.batch)
        print(f"{name}: {r['messages']:,} messages, {r['deleted']:,} deleted from {r['members_deleted']:,} members in "
              f"{r['incidents']:,} incidents; {r['members_with_2_or_more_incidents']:,} members with 2+ incidents; "
              f"{r['verdicts_asking_a_mute']:,} verdicts ask a mute {r['by_mute_s']}, {r['members_muted']:,} members; "
              f"{r['lookup_calls']:,} look-ups of {r['lookup_us_per_call']} µs; mutes {r['mutes_share_of_engine']:.3%} of the "
              "engine's CPU time")
        for title in ("deleted_messages", "examples_muted"):
            if r[title]:
                print(f"  {title.replace('_', ' ')} (at most {20 if title == 'deleted_messages' else 8}):")
            for line in r[title]:
                print("   ", line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
