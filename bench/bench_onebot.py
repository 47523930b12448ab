"""The calm QQ group as a OneBot bot would send it: CQ codes in the text, through the engine.

    python bench/bench_onebot.py [--model model/shipped] [--json bench/results/onebot.json]

QQ bots on OneBot v11 (go-cqhttp, NapCat, Lagrange) pass each message's `raw_message`, where a mention is
`[CQ:at,qq=123456789]`, a picture `[CQ:image,file=…,url=https://gchat.qpic.cn/…]` and a face `[CQ:face,id=178]`.
The held-out stretch of the real QQ group (data/eval/scu_replay.jsonl.gz, 3,895 messages, in order, with each
member's real send times; the export shows these parts as `@群友6703`, `[图片]`, `[表情]`, `[思考]`) is written
back the way such a bot receives it, with made-up but well-formed numbers, and replayed as bench_replay.py does
(batches of 20, default settings), three ways:
- as exported (what bench_replay.py measures);
- as a OneBot bot sends it, read by the normaliser without step 0 (model/normalize/platform_codes.py switched off: the
  code before it);
- as a OneBot bot sends it, read now;
- the same two ways as a Koishi (Satori) bot's session content writes it (`<at id="…"/>`, `<img src="…"/>`,
  `<face id="…"/>`), and as the QQ open platform's bot API writes it (`<@!…>`, `<emoji:…>`; a picture is an
  attachment, not in the content).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import pipeline
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.store import Store

REPLAY = ROOT / "data" / "eval" / "scu_replay.jsonl.gz"
GROUP = "qq_scu_group_2017"
_PART = re.compile(r"@群友(\d{4})|\[(图片|闪照|动画表情)\]|\[([\u4e00-\u9fff]{1,4}(?:ing)?)\]")


def _number(seed: str, digits: int = 10) -> str:
    """A made-up account or file number of `digits` digits, the same for the same seed."""
    h = int(hashlib.blake2b(seed.encode(), digest_size=8).hexdigest(), 16)
    return str(10 ** (digits - 1) + h % (9 * 10 ** (digits - 1)))


def as_onebot(text: str, line: int) -> str:
    """The export's text as OneBot's raw_message writes it."""
    def part(m: re.Match) -> str:
        if m[1]:
            return f"[CQ:at,qq={_number('member' + m[1])}]"
        if m[2]:
            md5 = hashlib.md5(f"{line}{m.start()}".encode()).hexdigest().upper()  # a made-up file name
            kind = {"闪照": ",type=flash", "动画表情": ",subType=1"}.get(m[2], ",subType=0")
            return (f"[CQ:image,file={md5}.image{kind},url=https://gchat.qpic.cn/gchatpic_new/{_number('me')}/"
                    f"{_number('group')}-{_number(md5)}-{md5}/0?term=2]")
        return f"[CQ:face,id={int(_number(m[3], 3)) % 300}]"

    escaped = text.replace("&", "&amp;")
    return _PART.sub(part, escaped)


def as_satori(text: str, line: int) -> str:
    """The export's text as a Koishi (Satori) session's content writes it."""
    def part(m: re.Match) -> str:
        if m[1]:
            return f'<at id="{_number("member" + m[1])}"/>'
        if m[2]:
            file_id = hashlib.md5(f"{line}{m.start()}".encode()).hexdigest()  # a made-up file id
            return f'<img src="https://multimedia.nt.qq.com.cn/download?appid=1407&amp;fileid={file_id}&amp;rkey=x"/>'
        return f'<face id="{int(_number(m[3], 3)) % 300}"/>'

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _PART.sub(part, escaped)


def as_qq_api(text: str, line: int) -> str:
    """The export's text as the QQ open platform's bot API writes a message's content: mentions and faces in its
    codes; a picture is an attachment beside the content, so it is not in it."""
    def part(m: re.Match) -> str:
        if m[1]:
            return f"<@!{_number('member' + m[1])}>"
        if m[2]:
            return ""
        return f"<emoji:{int(_number(m[3], 3)) % 300}>"

    return _PART.sub(part, text)


def replay(model: LoadedModel, rows: list[dict], texts: list[str], batch: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        moderator = Moderator(model, Store(Path(tmp) / "onebot.db"), InMemoryFloodTracker())
        verdicts: list[dict] = []
        for i in range(0, len(rows), batch):
            verdicts += moderator.classify([
                Message(GROUP, r["user"], t, str(r["line"]), datetime.fromisoformat(r["ts"]).timestamp())
                for r, t in zip(rows[i : i + batch], texts[i : i + batch], strict=True)])
        moderator.topics.close()
        moderator.store.close()
    return verdicts


def shares(verdicts: list[dict]) -> dict:
    n = len(verdicts)
    flagged = sum(v["action"] != "allow" for v in verdicts)
    deleted = sum(v["action"] == "delete" for v in verdicts)
    return {"flagged": flagged, "deleted": deleted, "flagged_share": round(flagged / n, 4),
            "deleted_share": round(deleted / n, 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    model = LoadedModel(*artifact.load(args.model))
    rows = read_jsonl_rows(REPLAY)
    exported = [r["text"] for r in rows]
    onebot = [as_onebot(r["text"], r["line"]) for r in rows]
    satori = [as_satori(r["text"], r["line"]) for r in rows]
    qq_api = [as_qq_api(r["text"], r["line"]) for r in rows]
    coded = sum(t != e for t, e in zip(onebot, exported, strict=True))
    results = {"model": model.version, "messages": len(rows), "with_cq_codes": coded}
    results["as exported"] = shares(replay(model, rows, exported, args.batch))
    step0 = pipeline.read_cq_codes, pipeline.read_elements
    pipeline.read_cq_codes = pipeline.read_elements = lambda s: s  # the normaliser before step 0
    try:
        before = replay(model, rows, onebot, args.batch)
        results["koishi, before step 0"] = shares(replay(model, rows, satori, args.batch))
        results["qq bot api, before step 0"] = shares(replay(model, rows, qq_api, args.batch))
    finally:
        pipeline.read_cq_codes, pipeline.read_elements = step0
    results["onebot, before step 0"] = shares(before)
    # what the deleted ones were deleted on: the kind of contact the codes' numbers and addresses read as
    kinds: dict[str, int] = {}
    for v in before:
        if v["action"] == "delete":
            found = sorted({r["detail"].split(":", 1)[0] for r in v["reasons"] if r["name"] == "contact_handle"})
            kinds[" + ".join(found) or "no contact"] = kinds.get(" + ".join(found) or "no contact", 0) + 1
    results["onebot, before step 0"]["deleted_on"] = kinds
    results["onebot, now"] = shares(replay(model, rows, onebot, args.batch))
    results["koishi, now"] = shares(replay(model, rows, satori, args.batch))
    results["qq bot api, now"] = shares(replay(model, rows, qq_api, args.batch))
    print(f"model {model.version}; {len(rows):,} messages of {GROUP}'s held-out stretch, {coded:,} of them with CQ codes")
    print("| read | sent to review or deleted | deleted |\n|---|---|---|")
    for name in ("as exported", "onebot, before step 0", "onebot, now", "koishi, before step 0", "koishi, now",
                 "qq bot api, before step 0", "qq bot api, now"):
        r = results[name]
        print(f"| {name} | {r['flagged_share']:.2%} ({r['flagged']}) | {r['deleted_share']:.2%} ({r['deleted']}) |")
    print(f"deleted before step 0, by the contact they were read to carry: {kinds}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
