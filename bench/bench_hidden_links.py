"""Links hidden behind words or buttons (Telegram's text_link entities, URL buttons), through the engine.

    python bench/bench_hidden_links.py [--model model/shipped] [--json bench/results/hidden_links.json]

A Telegram sender can show `点这里` and keep the address in a `text_link` entity, or put it under an inline keyboard
button; a bot that passes `message.text` alone sends the words without the address. No corpus here holds Telegram's
entities, so they are made from labelled messages that write their link out: every message with an address
(`http(s)://`, `www.`, `t.me/`) in the hand-labelled sets (real chat, the QQ group's held-out stretch) and in our 38
probe suites (counted here, never read: only totals are printed). Each is sent four ways, one message per member,
a minute apart, so no flood window fires:

- **written**: as labelled, the address in the text;
- **anchor, text only**: each address replaced by an anchor word (点这里, 链接, 详情, 戳我, in turn), as a bot
  passing `message.text` sends a text_link; **anchor + links**: the same, with the addresses as `links`;
- **button, text only**: each address taken out, as a URL button leaves the text; **button + links**: with `links`.

Printed per hand label: the share sent to review or deleted, the share deleted, and the share whose label is the
hand label.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_run import by_label, judge_messages, model_and_json, print_table

from qunguard.model.dataset import read_jsonl_rows
from qunguard.service import hidden_links
from qunguard.service.engine import LoadedModel, Message

SETS = [ROOT / "data" / "eval" / "realchat.jsonl.gz", ROOT / "data" / "eval" / "scu_heldout.jsonl.gz",
        *sorted((ROOT / "data" / "eval" / "probes").glob("probe_*.jsonl.gz"))]
# an address as a text_link or a button would carry it: a scheme, www. or t.me, up to the first space or CJK
ADDRESS = re.compile(r"(?:https?://|www\.|t\.me/)[!-~]+?(?=[\s，。！？、；：）（【】《》“”‘’\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]|$)",
                     re.IGNORECASE)
ANCHORS = ["点这里", "链接", "详情", "戳我"]
WAYS = ["written", "anchor, text only", "anchor + links", "button, text only", "button + links"]


def renditions(text: str, n: int) -> dict[str, tuple[str, list[str]]] | None:
    """The five ways a message with addresses reaches us: (text, links) each; None for a message without one."""
    found = [m.group(0).rstrip(".,!?)") for m in ADDRESS.finditer(text)]
    if not found:
        return None
    anchored, buttoned = text, text
    for k, url in enumerate(found):
        anchored = anchored.replace(url, ANCHORS[(n + k) % len(ANCHORS)], 1)
        buttoned = buttoned.replace(url, " ", 1)
    buttoned = re.sub(r"[ \t]{2,}", " ", buttoned).strip() or "[图片]"  # a bare link under a picture
    return {"written": (text, []), "anchor, text only": (anchored, []), "anchor + links": (anchored, found),
            "button, text only": (buttoned, []), "button + links": (buttoned, found)}


def judge(model: LoadedModel, messages: list[tuple[str, list[str]]]) -> list[dict]:
    """Verdicts as the API gives them, one member per message, a minute apart."""
    batch = []
    for i, (text, links) in enumerate(messages):
        shown = hidden_links.hidden(text, links)  # as service/routes/classify.py reads the request
        batch.append(Message("bench", f"u{i}", hidden_links.with_links(text, shown), str(i),
                             1_700_000_000.0 + 60 * i, hidden_links=tuple(shown)))
    return judge_messages(model, batch)


def main(argv: list[str] | None = None) -> int:
    model, json_out = model_and_json(__doc__ or "", argv)
    rows, ways = [], []
    for path in SETS:
        for r in read_jsonl_rows(path):
            if (made := renditions(r["text"], len(rows))) is not None:
                rows.append({"label": r["label"], "set": path.name.split(".")[0]})
                ways.append(made)
    results: dict = {"model": model.version, "messages": len(rows),
                     "by_label": {lab: sum(r["label"] == lab for r in rows) for lab in sorted({r["label"] for r in rows})}}
    for way in WAYS:
        results[way] = by_label(judge(model, [w[way] for w in ways]), rows)
    print(f"model {model.version}; {len(rows):,} labelled messages with an address {results['by_label']}")
    print_table("sent as", results, WAYS)
    if json_out:
        json_out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
