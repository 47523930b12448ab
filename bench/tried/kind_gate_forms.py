"""s31 review: which list of the guide's spam forms the gated kind of commerce should ask, and what asking costs.

    python bench/tried/kind_gate_forms.py KIND_DIR [KIND_DIR ...]

guide_rules already holds the guide's spam forms in words (`_DECEIT`, asked through `_deceit`): it stops an offer
rule from calling a text advertising, so it is wide on purpose (分成, 收益, 赚, 软件, 平台, 长期…). The gate of
`--commerce-kind source-neutral-gated` asks its own narrower list (model/commerce_kind.SPAM_FORMS). For each model
(trained with --commerce-kind source-neutral), this prints the read suites A-X (passed, worst capability, lures) and
real chat (macro-F1, advertising F1) with no column, the whole column, the gate asking SPAM_FORMS and the gate asking
`_deceit`; the unread suites are not scored. Then the gate's cost: SPAM_FORMS searched over the normalised texts of
the QQ group's held-out stretch, best of 5, per message.
"""
from __future__ import annotations

import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "tried"))

from bench_candidates import READ, suite_counts, worst
from bench_heldout import SETS
from bench_probes import PROBES
from commerce_kind_blend import blended

from qunguard.model import artifact, commerce_kind
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.evaluate import evaluate
from qunguard.model.guide_rules import _deceit
from qunguard.model.normalize import normalize

GUIDE_RULES_FORMS = types.SimpleNamespace(search=lambda text: True if _deceit(text) else None)  # SPAM_FORMS' one use


def main(argv: list[str]) -> int:
    read = {s: read_jsonl_rows(PROBES / f"{s}.jsonl.gz") for s in READ}
    chat = read_jsonl_rows(SETS["real_chat"])
    own = commerce_kind.SPAM_FORMS
    variants = (("no column", own, 0.0, ""), ("whole column", own, 1.0, "none"),
                ("gated, SPAM_FORMS", own, 1.0, "deceit+one-way"), ("gated, guide_rules._deceit", GUIDE_RULES_FORMS, 1.0, "deceit+one-way"))
    for d in map(Path, argv):
        clf, _ = artifact.load(d)
        for name, forms, alpha, gates in variants:
            commerce_kind.SPAM_FORMS = forms  # the module global divide() reads
            try:
                model = blended(clf, alpha, 1.0, gates)
                ok, n = suite_counts(model, read)
                m = evaluate(model.predict_proba([r["text"] for r in chat]), [r["label"] for r in chat])
            finally:
                commerce_kind.SPAM_FORMS = own
            cap, a, of = worst(ok, n)
            print(f"{d.name} {name:<27} read A-X {sum(ok.values())}/{sum(n.values())}, worst {cap} {a}/{of}, lures "
                  f"{ok['spam_lure']}/{n['spam_lure']} | real chat {m['macro_f1']:.3f} (adv {m['per_class']['advertising']['f1']:.3f})",
                  flush=True)
    texts = [normalize(r["text"]).text for r in read_jsonl_rows(ROOT / "data" / "eval" / "scu_replay.jsonl.gz")]
    best = min(_timed(texts) for _ in range(5))
    print(f"SPAM_FORMS.search: {best / len(texts) * 1e6:.2f} µs a message over {len(texts):,} (the QQ stretch), best of 5")
    return 0


def _timed(texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        commerce_kind.SPAM_FORMS.search(t)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
