"""How much a link to an ordinary site moves a model toward spam, by itself.

    python bench/bench_link_weight.py [--model DIR]
    git worktree add /tmp/s21 04a500f && python bench/bench_link_weight.py --model /tmp/s21/model/shipped

For each of a few links to ordinary sites, bare and after a line of chat: the model's p(spam) (the model
alone, before the guide rules), and the link's push, (spam - chat logit with the link) - (the same without
it). A model since s22 leaves such links out (features.without_ordinary_links), so its push is 0; the
s21 model, which weighed "there is a link", is the "before" (README, "Measured": the shipped model's "Links shared in conversation").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize

LINKS = ["https://docs.python.org/3/library/re.html", "https://www.cnas.org.cn", "https://letsencrypt.org/docs/rate-limits/",
         "https://github.com/psf/requests", "https://www.ncbi.nlm.nih.gov/pmc/"]
BEFORE = "资料在这"  # a line of chat the link follows


def read(clf, texts: list[str]) -> tuple[list[float], list[float]]:
    """Each text's spam - chat logit and p(spam), from the model alone (no guide rules)."""
    logits = clf._logits(clf.featurizer.featurize([normalize(t) for t in texts]))
    gap = logits[:, clf.classes.index("spam")] - logits[:, clf.classes.index("on_topic")]
    return gap.tolist(), clf._calibrated(logits)[:, LABELS.index("spam")].tolist()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    a = ap.parse_args(argv)
    clf = artifact.load(a.model)[0]
    print(f"model {artifact.read_meta(a.model).get('model_version')} ({a.model})\n")
    print("| link | bare: p(spam) | bare: the link's push | after a line of chat: p(spam) | the link's push |")
    print("|---|---|---|---|---|")
    (empty, line), _ = read(clf, ["", BEFORE])
    for link in LINKS:
        (bare, with_line), (p_bare, p_line) = read(clf, [link, f"{BEFORE} {link}"])
        print(f"| `{link}` | {p_bare:.2f} | {bare - empty:+.2f} | {p_line:.2f} | {with_line - line:+.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
