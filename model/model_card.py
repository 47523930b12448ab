"""MODEL_CARD.md beside a model: what it was trained on, how well it does, where it fails, what it is for.

Everything comes from the folder's meta.json (written by train.py), the source and licence
table of data/README.md and, when it exists, bench/results/loso.json. train.py writes the
card after every run; for a folder trained before cards existed:

    python -m qunguard.model.model_card model/shipped
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qunguard.model.errors import ModelArtifactError
from qunguard.model.labels import LABELS

CARD_FILE = "MODEL_CARD.md"
ROOT = Path(__file__).resolve().parents[1]
DATA_README = ROOT / "data" / "README.md"
LOSO_RESULTS = ROOT / "bench" / "results" / "loso.json"
SOURCES_HEADING = "## Sources, licences and mapping"

# the evaluation sets train.py measures, in the order the card shows them
EVAL_SETS = {
    "random_split": "random held-out split (`data/test.jsonl.gz`)",
    "held_out_source": "held-out sources (`data/ood.jsonl.gz`)",
    "gold": "hand-labelled gold set (`data/gold/gold.jsonl.gz`)",
    "real_chat": "hand-labelled real chat of groups never trained on (`data/eval/realchat.jsonl.gz`)",
    "qq_group_later_stretch": "the real QQ group's later stretch (`data/eval/scu_heldout.jsonl.gz`)",
    "left_out_source": "the source left out of this run (`--leave-out`)",
    "exports_held_out": "the held-out share of the moderators' exports, never trained on (`--exports`)",
}

INTENDED_USE = """\
- **For**: scoring single messages of Chinese group chats (QQ, WeChat, Telegram-style groups) as
  `on_topic`, `spam`, `advertising` or `flooding`, as one input to the service's group policy
  (`service/policy.py`): per-group review and delete thresholds, flood windows over time, and a
  second signal (a contact handle, a telling link, behaviour) before a delete.
- **Not for**: deleting or banning on the model's score alone; languages other than Chinese; abuse,
  politics or other content-safety categories (abuse is `on_topic` here: it is not one of the labels);
  judging a member rather than a message.
- **Before a commercial release**: several training sources are non-commercial, research-only, copyleft
  or state no licence (below); the owner must clear them or drop those sources (`data/sources.py`).
"""


@dataclass(frozen=True)
class Source:
    name: str
    licence: str
    kind: str


# --- inputs -----------------------------------------------------------------------------------
def read_sources(readme: Path = DATA_README) -> list[Source]:
    """The rows of data/README.md's source table (source, licence as stated, kind); [] if it is absent."""
    if not readme.exists():
        return []
    lines = readme.read_text(encoding="utf-8").splitlines()
    if SOURCES_HEADING not in lines:
        return []
    sources = []
    for line in lines[lines.index(SOURCES_HEADING) + 1:]:
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or cells[0] in ("source", "") or set(cells[0]) <= set("-"):
            continue
        sources.append(Source(cells[0], cells[1], cells[2]))
    return sources


def read_loso(path: Path = LOSO_RESULTS) -> dict | None:
    """bench/bench_loso.py's results (source -> n, macro_f1, accuracy, f1 per label), if it was run."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# --- sections ---------------------------------------------------------------------------------
def header_section(meta: dict) -> str:
    lines = [f"# Model card: QunGuard {meta['model_version']}", "",
             (f"- trained: {meta.get('trained_at', 'unknown')} by `{meta.get('command', 'unknown')}`"
              f" (git {meta.get('git_commit') or 'unknown'})"),
             (f"- training rows: {meta.get('train_rows', 'unknown')}, seed {meta.get('seed')}, C {meta.get('C')},"
              f" vocabulary {meta.get('max_features')}")]
    if "balance_sources" in meta:
        commerce = meta.get("balance_commerce") or 0
        lines.append((f"- weights: a (source, label) cell weighs at most {meta['balance_sources']} rows"
                      if meta["balance_sources"] else "- weights: no cap on a (source, label) cell")
                     + (f"; within each source, advertising and spam weigh the same, no cell scaled by more than "
                        f"{commerce:g}" if commerce else ""))
    if meta.get("commerce_kind") in ("source-neutral", "source-neutral-gated"):
        lines.append(f"- commerce kind: **{meta['commerce_kind']}**: a second model, fitted with a column per source, divides "
                     "p(spam) + p(advertising) between the two (`train.py --commerce-kind`, model/commerce_kind.py)"
                     + ("; not where the text names a guide spam form, and only toward advertising"
                        if meta["commerce_kind"] == "source-neutral-gated" else ""))
    if meta.get("trained_on_real_chat_eval"):
        lines.append("- trained **with `--with-real-chat`**: the hand-labelled real-chat messages of "
                     "`data/eval/realchat.jsonl.gz` are training data here, so this card has no real-chat figure")
    if meta.get("export_files"):
        lines.append(f"- moderator exports: {', '.join(meta['export_files'])}")
    return "\n".join(lines) + "\n"


def data_section(sources: list[Source]) -> str:
    lines = ["## Training data and licences", "",
             ("Built by `data/build.py` from public corpora only; `data/README.md` has the mapping rules, hold-outs, "
              "de-duplication and our hand labels."), ""]
    if not sources:
        return "\n".join(lines + ["(data/README.md was not found: see it for the sources and their licences.)"]) + "\n"
    lines += ["| source | licence as stated | kind |", "|---|---|---|"]
    lines += [f"| {s.name} | {s.licence} | {s.kind} |" for s in sources]
    return "\n".join(lines) + "\n"


def metrics_section(metrics: dict, trained_on_real_chat: bool) -> str:
    lines = ["## Metrics", "", "| set | n | accuracy | macro-F1 | " + " | ".join(f"F1 {lab}" for lab in LABELS) + " | ECE |",
             "|---|---|---|---|" + "---|" * len(LABELS) + "---|"]
    for name, what in EVAL_SETS.items():
        m = metrics.get(name)
        if m is None:
            continue
        f1 = [f"{c['f1']:.3f}" if c["support"] else "–" for c in (m["per_class"][lab] for lab in LABELS)]
        lines.append(f"| {what} | {m['n']:,} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | " + " | ".join(f1)
                     + f" | {m['ece']:.3f} |")
    if trained_on_real_chat:
        lines += ["", ("Real chat: not reported, since this model was trained on it (`--with-real-chat`); the figure "
                       "measured without it is in the report of a run without that flag.")]
    lines += ["", "Macro-F1 is over the labels a set contains; – marks a label the set does not contain."]
    return "\n".join(lines) + "\n"


def behaviour_section(behaviour: dict | None) -> str:
    if not behaviour:
        return "## Behaviour suite\n\nNot run (`../shared/checklist/behaviour.jsonl` was not found).\n"
    lines = ["## Behaviour suite", "",
             (f"{behaviour['n']} cases (`../shared/checklist/behaviour.jsonl`, a test, never trained on): pass rate "
              f"{behaviour['pass_rate']:.3f}, worst capability {behaviour['worst_capability_rate']:.3f}."), "",
             "| capability | passed | n | rate |", "|---|---|---|---|"]
    lines += [f"| {cap} | {c['passed']} | {c['n']} | {c['rate']:.2f} |" for cap, c in behaviour["per_capability"].items()]
    return "\n".join(lines) + "\n"


def loso_section(loso: dict | None) -> str:
    if not loso:
        return ("## Leave-one-source-out\n\nNot measured for this card (`python bench/bench_loso.py` writes "
                "`bench/results/loso.json`).\n")
    lines = ["## Leave-one-source-out", "",
             "Each source in turn left out of training and scored (`bench/bench_loso.py`):", "",
             "| left-out source | n | macro-F1 | " + " | ".join(LABELS) + " |", "|---|---|---|" + "---|" * len(LABELS)]
    for source, r in loso.items():
        cells = [f"{r['f1'][lab]:.3f}" if lab in r["f1"] else "–" for lab in LABELS]
        lines.append(f"| {source} | {r['n']:,} | {r['macro_f1']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def calibration_section(meta: dict) -> str:
    metrics = meta.get("metrics", {})
    ece = ", ".join(f"{name} {m['ece']:.3f}" for name, m in metrics.items() if isinstance(m, dict) and "ece" in m)
    return ("## Calibration\n\n"
            f"Temperature scaling: one temperature T = {meta.get('temperature')} fitted on 5 % of the training rows "
            "kept out of the fit (minimum log-loss)"
            + (f", then the spam logit lowered by {shift} (a prior shift for group chat, `train.py --spam-prior-shift`)"
               if (shift := meta.get("spam_prior_shift")) else "")
            + f". Expected calibration error of the top label (10 bins): {ece or 'not measured'}.\n")


def failure_modes_section(metrics: dict) -> str:
    lines = ["## Known failure modes", ""]
    behaviour = metrics.get("behaviour_suite")
    if behaviour and behaviour["failures"]:
        lines += ["From the behaviour suite's failures (label → predicted, with examples):", ""]
        lines += [failure_line(cap, fails) for cap, fails in failures_by_capability(behaviour["failures"]).items()]
        lines.append("")
    confusions = largest_confusions(metrics)
    if confusions:
        lines += ["Commonest confusions on the held-out sets:", ""]
        lines += [f"- {name}: {true} read as {pred}, {n} of {support}" for name, true, pred, n, support in confusions]
        lines.append("")
    lines += [("Always: the model reads one message's text. Floods spread over messages, raids and repeats are seen by "
               "the service's flood windows, not by the model; a new kind of lure or shop template it has not seen is "
               "likely to read as chat.")]
    return "\n".join(lines) + "\n"


def failures_by_capability(failures: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for f in failures:
        grouped.setdefault(f["capability"], []).append(f)
    return dict(sorted(grouped.items(), key=lambda kv: -len(kv[1])))


def failure_line(capability: str, fails: list[dict]) -> str:
    mistakes = Counter(f"{f['label']} → {f['predicted']}" for f in fails)
    examples = "; ".join(f"`{f['text']}`" for f in fails[:2])
    return f"- **{capability}**: {len(fails)} failed ({', '.join(f'{k} ×{n}' for k, n in mistakes.most_common())}), e.g. {examples}"


def largest_confusions(metrics: dict, per_set: int = 2) -> list[tuple[str, str, str, int, int]]:
    """The biggest off-diagonal cells of each held-out set's confusion matrix: (set, true, predicted, count, support)."""
    out = []
    for name in EVAL_SETS:
        m = metrics.get(name)
        if m is None or name == "random_split":
            continue
        rows = m["confusion"]["rows_true_cols_pred"]
        labels = m["confusion"]["labels"]
        cells = [(rows[i][j], i, j) for i in range(len(labels)) for j in range(len(labels)) if i != j and rows[i][j]]
        for n, i, j in sorted(cells, reverse=True)[:per_set]:
            out.append((name, labels[i], labels[j], n, sum(rows[i])))
    return out


def libraries_section(meta: dict) -> str:
    libs = ", ".join(f"{name} {v}" for name, v in meta.get("libraries", {}).items())
    return ("## Reproducing\n\n"
            f"Trained with {libs}. The features depend on rjieba, jieba, pypinyin, opencc, emoji and numpy: the service "
            "warns at load and in `/healthz` (`feature_libraries`) when the installed versions differ. "
            "`pip install -c constraints.txt .` installs the tested set.\n")


# --- the card ---------------------------------------------------------------------------------
def build_model_card(meta: dict, sources: list[Source], loso: dict | None) -> str:
    metrics = meta.get("metrics", {})
    sections = [
        header_section(meta),
        "## Intended use\n\n" + INTENDED_USE,
        data_section(sources),
        metrics_section(metrics, bool(meta.get("trained_on_real_chat_eval"))),
        behaviour_section(metrics.get("behaviour_suite")),
        loso_section(loso),
        calibration_section(meta),
        failure_modes_section(metrics),
        libraries_section(meta),
    ]
    return "\n".join(sections)


def write_model_card(folder: Path, meta: dict, *, data_readme: Path = DATA_README, loso: Path = LOSO_RESULTS) -> Path:
    path = Path(folder) / CARD_FILE
    path.write_text(build_model_card(meta, read_sources(data_readme), read_loso(loso)), encoding="utf-8")
    return path


def write_card_for_folder(folder: Path, **kwargs) -> Path:
    """The card of an existing model folder, from its meta.json (no retraining)."""
    from qunguard.model.artifact import read_meta

    return write_model_card(folder, read_meta(folder), **kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m qunguard.model.model_card", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="model folder with meta.json")
    args = ap.parse_args(argv)
    try:
        print(write_card_for_folder(args.folder))
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
