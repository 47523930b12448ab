"""The retraining gate: a candidate replaces the current model only if it is no worse where it counts.

Both models are scored on the same held-out data: the held-out sets train.py evaluates (those
neither model trained on) and the held-out share of the moderators' exports. The candidate
passes when, on every set, no label with at least `min_support` rows loses more than
`tolerance` of F1, and the behaviour suite does not get worse: it loses no more than `behaviour_cases`
cases net (0 by default: the pass rate may not drop).
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from qunguard.model.dataset import Example
from qunguard.model.labels import LABELS

DEFAULT_TOLERANCE = 0.02
DEFAULT_BEHAVIOUR_CASES = 0
DEFAULT_HOLDOUT_SHARE = 0.2
HOLDOUT_SALT = "qunguard-export-holdout-1"  # fixed, not the training seed: every run holds out the same rows
# below this many rows of a label in a set, one message moves F1 by several hundredths: shown, not gated
MIN_SUPPORT = 50


def held_out(text: str, share: float, salt: str = HOLDOUT_SALT) -> bool:
    """Whether an export row is kept out of training, from a salted hash of its text: the same text
    always lands on the same side (a repeated ad cannot be both trained on and tested on), and a row
    held out by one run is held out by the next, so no version of the registry trained on what the
    gate scores it on (same share). Each label keeps about `share` of its rows."""
    digest = hashlib.blake2b(f"{salt}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") < share * 2**64


def split_exports(rows: list[Example], share: float, salt: str = HOLDOUT_SALT) -> tuple[list[Example], list[Example]]:
    """(to train on, held out) of the export rows."""
    train: list[Example] = []
    test: list[Example] = []
    for ex in rows:
        (test if held_out(ex.text, share, salt) else train).append(ex)
    return train, test


@dataclass(frozen=True)
class LabelCheck:
    set: str
    label: str
    support: int
    current: float
    candidate: float
    gated: bool  # enough rows to count
    ok: bool

    @property
    def delta(self) -> float:
        return round(self.candidate - self.current, 4)


@dataclass
class Comparison:
    current_version: str
    tolerance: float
    min_support: int
    behaviour_cases: int = DEFAULT_BEHAVIOUR_CASES
    labels: list[LabelCheck] = field(default_factory=list)
    behaviour: dict | None = None  # {"current", "candidate", "ok", "newly_failing": [...]}
    skipped_sets: dict[str, str] = field(default_factory=dict)  # set -> why it is not compared

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.labels) and (self.behaviour is None or self.behaviour["ok"])

    def failures(self) -> list[str]:
        out = [f"{c.set}/{c.label}: F1 {c.current:.3f} -> {c.candidate:.3f} ({c.delta:+.3f})" for c in self.labels if not c.ok]
        if self.behaviour is not None and not self.behaviour["ok"]:
            out.append(f"behaviour suite: pass rate {self.behaviour['current']:.3f} -> {self.behaviour['candidate']:.3f}")
        return out

    def as_dict(self) -> dict:
        return {"passed": self.passed, "current_version": self.current_version, "tolerance": self.tolerance,
                "min_support": self.min_support, "behaviour_cases": self.behaviour_cases, "failures": self.failures(),
                "labels": [asdict(c) | {"delta": c.delta} for c in self.labels],
                "behaviour": self.behaviour, "skipped_sets": self.skipped_sets}


def compare(current: dict, candidate: dict, *, current_version: str, tolerance: float = DEFAULT_TOLERANCE,
            min_support: int = MIN_SUPPORT, behaviour_cases: int = DEFAULT_BEHAVIOUR_CASES,
            behaviour_key: str = "behaviour_suite") -> Comparison:
    """Compare two models' metrics (train.py's {set: evaluate(), behaviour_key: behaviour_report()}),
    taken on the same data. Only the sets both were scored on are compared."""
    result = Comparison(current_version, tolerance, min_support, behaviour_cases)
    for name, cand in candidate.items():
        if name == behaviour_key:
            continue
        cur = current.get(name)
        if cur is None:
            result.skipped_sets[name] = "the current model was not scored on it"
            continue
        for label in LABELS:
            support = cand["per_class"][label]["support"]
            if not support:
                continue
            f_cur, f_cand = cur["per_class"][label]["f1"], cand["per_class"][label]["f1"]
            gated = support >= min_support
            ok = not gated or f_cand >= f_cur - tolerance - 1e-9
            result.labels.append(LabelCheck(name, label, support, f_cur, f_cand, gated, ok))
    if behaviour_key in candidate and behaviour_key in current:
        cur_b, cand_b = current[behaviour_key], candidate[behaviour_key]
        def case(f: dict) -> tuple:
            return f.get("id"), f["capability"], f["text"]  # a text may be in the suite twice

        was_failing = {case(f) for f in cur_b["failures"]}
        result.behaviour = {
            "current": cur_b["pass_rate"], "candidate": cand_b["pass_rate"],
            "ok": _passed(cand_b) >= _passed(cur_b) - behaviour_cases,
            # what the candidate gets wrong that the current model got right: the first thing to read
            "newly_failing": [f for f in cand_b["failures"] if case(f) not in was_failing],
        }
    return result


def _passed(report: dict) -> int:
    return report["n"] - len(report["failures"])


def format_comparison(c: Comparison, candidate_version: str) -> str:
    verdict = "PASSED: promoted" if c.passed else "REFUSED"
    lines = [f"## Gate: candidate {candidate_version} against current {c.current_version}: {verdict}", "",
             f"A label's F1 may drop by at most {c.tolerance:.3f} on a set where it has at least {c.min_support} rows; "
             + ("the behaviour suite's pass rate may not drop." if not c.behaviour_cases else
                f"the behaviour suite may lose at most {c.behaviour_cases} cases net."), "",
             "| set | label | n | F1 current | F1 candidate | change | |", "|---|---|---|---|---|---|---|"]
    for k in c.labels:
        mark = ("ok" if k.ok else "**DROP**") if k.gated else f"not gated (n < {c.min_support})"
        lines.append(f"| {k.set} | {k.label} | {k.support} | {k.current:.3f} | {k.candidate:.3f} | {k.delta:+.3f} | {mark} |")
    if c.behaviour is not None:
        b = c.behaviour
        ok = "ok" if b["ok"] else "**DROP**"
        lines += ["", f"behaviour suite pass rate: current {b['current']:.3f}, candidate {b['candidate']:.3f} ({ok})"]
        if b["newly_failing"]:
            lines += ["", "newly failing behaviour cases:", ""]
            lines += [f"- `{f['capability']}` {f['text']!r}: {f['label']} → {f['predicted']}" for f in b["newly_failing"]]
    for name, why in c.skipped_sets.items():
        lines.append(f"\nnot compared: {name} ({why})")
    if not c.passed:
        lines += ["", "failed: " + "; ".join(c.failures())]
    return "\n".join(lines) + "\n"
