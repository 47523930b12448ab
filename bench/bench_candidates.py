"""Several evaluation models side by side: chosen on the read probe suites, checked on what nobody chose on.

    python bench/bench_candidates.py --model BASE_DIR --model DIR ... [--json OUT]

The first model is the baseline. For each model it prints the read suites A-X (the development set: passing
count and worst capability), then the held-out sets nobody chose on: the hand-labelled real chat (macro-F1,
advertising F1, and all but the C-language Tieba), the QQ group's later stretch, the held-out sources' mapped
labels, gold, the behaviour suite, and the unread suites Y-AD, AE-AF (s29), AG-AH (s31), AI-AJ (s32) and AK-AL (s33) as counts only (total, lures, and
their worst capability): their texts are never printed, so they stay unread.

The choice is made on the read suites alone, by the rule of s27's prior shift: the largest read count whose worst
capability is not below the baseline's. The held-out columns then say whether the choice carries over.
Used at s29 for the regularisation and vocabulary size (`train.py --C`, `--max-features`: bench/tried/
regularisation_vocabulary.out) and for the commerce balance (`train.py --balance-commerce`, docs/experiments.md). For each model it
also counts the misses a group feels first: commerce let through as chat and chat flagged, on real chat, Y-AD and AE-AF,
and (s30) for each model after the first, its real-chat and mapped macro-F1 minus the baseline's with the 95 % interval
of a paired bootstrap over the messages: how large a difference the sets' size allows by chance, and (s32) which
capabilities of each unread pair it passes more or fewer of than the baseline.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_heldout import SETS
from bench_probes import PROBES, READ_SETS

from qunguard.model import artifact
from qunguard.model.classifier import Verdict
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.evaluate import evaluate, paired_bootstrap
from qunguard.model.labels import LABELS
from train import BEHAVIOUR_SUITE

READ = tuple(s for s in READ_SETS if s.startswith("probe_"))  # A-X
UNREAD = ("probe_y", "probe_z", "probe_aa", "probe_ab", "probe_ac", "probe_ad")
FRESH = ("probe_ae", "probe_af")  # written at s29, after the models of its commerce-balance trial were trained
NEWEST = ("probe_ag", "probe_ah")  # written at s31, after every model of its trials was trained
S32 = ("probe_ai", "probe_aj")  # written at s32, after the rule that reads them was committed (docs/experiments.md)
# the unread suites by pair, as printed; the JSON keys of each are `{key}`, `{key}_worst`, `{key}_lures`, `{key}_misses`
S33 = ("probe_ak", "probe_al")  # written at s33 as a measurement only, counted once (docs/experiments.md)
UNREAD_GROUPS = (("Y-AD", "unread", UNREAD), ("AE-AF", "fresh", FRESH), ("AG-AH", "newest", NEWEST), ("AI-AJ", "s32", S32),
                 ("AK-AL", "s33", S33))
TIEBA = "tieba_cyuyan_spam"


def suite_counts(clf, suites: dict[str, list[dict]], swaps: Counter | None = None) -> tuple[Counter, Counter]:
    """Passed and total per capability over the given probe suites (guide rules applied, as in use);
    `swaps` counts each (label, verdict) miss."""
    ok, n = Counter(), Counter()
    for rows in suites.values():
        for r, v in zip(rows, clf.classify_batch([r["text"] for r in rows], explain=False), strict=True):
            n[r["capability"]] += 1
            ok[r["capability"]] += v.label == r["label"]
            if swaps is not None and v.label != r["label"]:
                swaps[r["label"], v.label] += 1
    return ok, n


def worst(ok: Counter, n: Counter) -> tuple[str, int, int]:
    cap = min(n, key=lambda c: (ok[c] / n[c], c))
    return cap, ok[cap], n[cap]


def held_out_figures(clf, held: dict[str, list[dict]], verdicts: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Macro-F1 and advertising F1 of each held-out set (guide rules applied: score() lifts them into the
    probabilities), and of real chat without the C-language Tieba; `verdicts` gets each set's labels."""
    out = {}
    for name, rows in held.items():
        parts = {name: rows}
        if name == "real_chat":
            parts["real_chat_without_tieba"] = [r for r in rows if r.get("source") != TIEBA]
        for part, sub in parts.items():
            proba = clf.predict_proba([r["text"] for r in sub])
            m = evaluate(proba, [r["label"] for r in sub])
            out[part] = {"macro_f1": m["macro_f1"], "advertising_f1": m["per_class"]["advertising"]["f1"], "n": m["n"],
                         **flag_counts(m["confusion"]["rows_true_cols_pred"])}
            if verdicts is not None:
                verdicts[part] = [LABELS[i] for i in proba.argmax(axis=1)]
    return out


def against_baseline(held: dict[str, list[dict]], base: dict[str, list[str]], verdicts: dict[str, list[str]]) -> dict:
    """Each held-out set's macro-F1 minus the baseline's on the same messages, with the 95 % interval a paired
    bootstrap gives (model/evaluate.py): a difference inside it is one this set's size allows by chance."""
    sets = {"real_chat": held["real_chat"], "held_out_sources_mapped": held["held_out_sources_mapped"]}
    return {name: paired_bootstrap([r["label"] for r in rows], base[name], verdicts[name]) for name, rows in sets.items()}


def flag_counts(confusion: list[list[int]]) -> dict[str, int]:
    """What a group feels first is whether commerce is flagged at all, then which label it gets (s27's test
    of the prior shift): commerce let through as chat, chat flagged as commerce, and swaps between the two."""
    c = {(t, p): confusion[i][j] for i, t in enumerate(LABELS) for j, p in enumerate(LABELS)}
    return {"commerce_as_chat": c["spam", "on_topic"] + c["advertising", "on_topic"],
            "chat_as_commerce": c["on_topic", "spam"] + c["on_topic", "advertising"],
            "ads_as_spam": c["advertising", "spam"], "spam_as_ads": c["spam", "advertising"]}


class FromProba:
    """A classifier known by its probabilities alone (a mix of models or a decision rule tried in bench/tried/):
    its label is the most probable one. Subclasses give predict_proba()."""

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def classify_batch(self, texts: list[str], explain: bool = False) -> list[Verdict]:
        return [Verdict(LABELS[i], {}) for i in self.predict_proba(texts).argmax(axis=1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, action="append", required=True, help="a model folder; the first is the baseline")
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = ap.parse_args(argv)
    return compare(((str(folder), *artifact.load(folder)) for folder in args.model), args.json)  # one model loaded at a time


def compare(models: Iterable[tuple[str, object, dict]], json_path: Path | None = None) -> int:
    """Every figure of each (name, classifier, meta), the first the baseline; printed, and written to `json_path`."""
    read = {s: read_jsonl_rows(PROBES / f"{s}.jsonl.gz") for s in READ}
    groups = [(name, key, {s: read_jsonl_rows(PROBES / f"{s}.jsonl.gz") for s in sets}) for name, key, sets in UNREAD_GROUPS]
    held = {name: read_jsonl_rows(path) for name, path in SETS.items()}
    cases = read_jsonl_rows(BEHAVIOUR_SUITE) if BEHAVIOUR_SUITE.exists() else []
    results = []
    base_verdicts: dict[str, list[str]] = {}
    for name, clf, meta in models:
        held_verdicts: dict[str, list[str]] = {}
        ok, n = suite_counts(clf, read)
        verdicts = clf.classify_batch([c["text"] for c in cases], explain=False) if cases else []
        row = {"model": name, "version": meta.get("model_version"), "C": meta.get("C"),
               "read": [sum(ok.values()), sum(n.values())], "read_worst": worst(ok, n),
               "held_out": held_out_figures(clf, held, held_verdicts),
               "behaviour": [sum(v.label == c["label"] for v, c in zip(verdicts, cases, strict=True)), len(cases)]}
        for _, key, suites in groups:
            swaps: Counter = Counter()
            gok, gn = suite_counts(clf, suites, swaps)
            row |= {key: [sum(gok.values()), sum(gn.values())], f"{key}_worst": worst(gok, gn),
                    f"{key}_lures": [gok["spam_lure"], gn["spam_lure"]],
                    f"{key}_by_capability": {cap: gok[cap] for cap in sorted(gn)},
                    f"{key}_misses": {f"{t}->{p}": k for (t, p), k in sorted(swaps.items())}}
        if results:
            row["against_baseline"] = against_baseline(held, base_verdicts, held_verdicts)
        else:
            base_verdicts = held_verdicts
        results.append(row)
        h = row["held_out"]
        print(f"{row['version']} (C {row['C']}): read A-X {row['read'][0]}/{row['read'][1]}, worst "
              f"{row['read_worst'][0]} {row['read_worst'][1]}/{row['read_worst'][2]} | "
              + " | ".join(f"{k} {v['macro_f1']:.3f} (adv {v['advertising_f1']:.3f})" for k, v in h.items())
              + f" | behaviour {row['behaviour'][0]}/{row['behaviour'][1]}"
              + "".join(f" | {name} {row[key][0]}/{row[key][1]}, lures {row[f'{key}_lures'][0]}/{row[f'{key}_lures'][1]}, "
                        f"worst {row[f'{key}_worst'][0]} {row[f'{key}_worst'][1]}/{row[f'{key}_worst'][2]}"
                        for name, key, _ in groups), flush=True)
        rc = h["real_chat"]
        print(f"    real chat: commerce as chat {rc['commerce_as_chat']}, chat as commerce {rc['chat_as_commerce']}, ads as "
              f"spam {rc['ads_as_spam']}, spam as ads {rc['spam_as_ads']}"
              + "".join(f" | {name} misses {row[f'{key}_misses']}" for name, key, _ in groups), flush=True)
        if "against_baseline" in row:
            for name, key, _ in groups:  # capability names and counts only: the texts stay unread
                moved = {cap: (results[0][f"{key}_by_capability"][cap], k) for cap, k in row[f"{key}_by_capability"].items()
                         if k != results[0][f"{key}_by_capability"][cap]}
                print(f"    {name} capabilities that moved against the baseline: "
                      + (", ".join(f"{cap} {was} -> {now}" for cap, (was, now) in moved.items()) or "none"), flush=True)
            print("    against the baseline, paired bootstrap (95 % interval): " + ", ".join(
                f"{k} {v['difference']:+.3f} ({v['low']:+.3f} to {v['high']:+.3f})" for k, v in row["against_baseline"].items()),
                flush=True)
    base_floor = results[0]["read_worst"][1] / results[0]["read_worst"][2]
    allowed = [r for r in results if r["read_worst"][1] / r["read_worst"][2] >= base_floor]
    choice = max(allowed, key=lambda r: r["read"][0])
    print(f"the rule's choice (largest read count, worst read capability not below the baseline's): {choice['version']}")
    if json_path:
        json_path.write_text(json.dumps({"results": results, "choice": choice["version"]}, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
