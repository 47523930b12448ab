"""Messages through a fresh engine, as the API would judge them: the benches that send made-up renditions of
labelled messages (hidden links, forwards) share it."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from qunguard.model import artifact
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.store import Store


def judge_messages(model: LoadedModel, messages: list[Message], batch: int = 100) -> list[dict]:
    """The verdicts of `messages` in order, in batches, from an engine with an empty store and flood windows."""
    with tempfile.TemporaryDirectory() as tmp:
        moderator = Moderator(model, Store(Path(tmp) / "bench.db"), InMemoryFloodTracker())
        verdicts = []
        for i in range(0, len(messages), batch):
            verdicts += moderator.classify(messages[i : i + batch])
        moderator.topics.close()
        moderator.store.close()
    return verdicts


def by_label(verdicts: list[dict], rows: list[dict]) -> dict[str, dict]:
    """Per hand label (`rows[i]["label"]`): how many, and the shares flagged (review or delete), deleted and
    given the hand label."""
    per = {}
    for lab in sorted({r["label"] for r in rows}):
        got = [v for v, r in zip(verdicts, rows, strict=True) if r["label"] == lab]
        per[lab] = {"n": len(got), "flagged": round(sum(v["action"] != "allow" for v in got) / len(got), 4),
                    "deleted": round(sum(v["action"] == "delete" for v in got) / len(got), 4),
                    "right_label": round(sum(v["label"] == lab for v in got) / len(got), 4)}
    return per


def print_table(first_column: str, results: dict, ways: list[str]) -> None:
    """by_label()'s shares of each way a message was sent, as a Markdown table."""
    labels = list(results[ways[0]])
    print(f"| {first_column} | " + " | ".join(f"{lab}: flagged / deleted / right label" for lab in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for way in ways:
        cells = [f"{p['flagged']:.1%} / {p['deleted']:.1%} / {p['right_label']:.1%}" for p in results[way].values()]
        print(f"| {way} | " + " | ".join(cells) + " |")


def model_and_json(doc: str, argv: list[str] | None) -> tuple[LoadedModel, Path | None]:
    """The command line these benches share: `--model DIR` (default: the shipped model) and `--json OUT`."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    return LoadedModel(*artifact.load(args.model)), args.json
