"""What each guide rule costs a message, side by side with an older checkout's rules, in one process.

    python bench/bench_rule_cost.py [--code OLD_CHECKOUT] [--n 10000] [--rounds 3]

The box's speed changes from hour to hour (README "qunguard classify"), so two versions are compared
in the same process, their rounds interleaved: each rule's finder over the same normalised messages
of the random test split (real held-out chat), µs a message, best of --rounds; and `honest_offer`
over every message (in the engine it runs only on the rows the model calls spam).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import guide_rules
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize


def load_rules(checkout: Path):
    """An older checkout's model/guide_rules.py, imported beside today's (it imports today's helpers)."""
    spec = importlib.util.spec_from_file_location("qunguard.model.guide_rules_old", checkout / "model" / "guide_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def per_rule(module, norms) -> dict[str, float]:
    out = {}
    for name, _, find, _ in module.RULES:
        t = time.perf_counter()
        for n in norms:
            find(n)
        out[name] = (time.perf_counter() - t) / len(norms) * 1e6
    t = time.perf_counter()
    for n in norms:
        module.honest_offer(n)
    out["honest_offer (every row)"] = (time.perf_counter() - t) / len(norms) * 1e6
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, default=None, help="an older checkout to compare with")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    norms = [normalize(r["text"]) for r in read_jsonl_rows(ROOT / "data" / "test.jsonl.gz")[: a.n]]
    versions = {"this checkout": guide_rules}
    if a.code is not None:
        versions[str(a.code)] = load_rules(a.code)
    best: dict[str, dict[str, float]] = {v: {} for v in versions}
    for _ in range(a.rounds):
        for v, module in versions.items():
            for rule, us in per_rule(module, norms).items():
                best[v][rule] = min(us, best[v].get(rule, float("inf")))
    rules = list(dict.fromkeys(r for b in best.values() for r in b))
    print(f"{len(norms):,} messages of the test split, µs a message, best of {a.rounds}\n")
    print("| rule | " + " | ".join(versions) + " |\n|---|" + "---|" * len(versions))
    for r in rules:
        print(f"| {r} | " + " | ".join(f"{best[v][r]:.1f}" if r in best[v] else "–" for v in versions) + " |")
    totals = [sum(us for r, us in best[v].items() if not r.startswith("honest_offer")) for v in versions]
    print("| all RULES, each row through every rule | " + " | ".join(f"{t:.1f}" for t in totals) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
