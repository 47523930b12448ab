"""Where a flagged message's reasons are in its text: the handle, the block word, the evidence, the repeats.

A review item's reasons name what they found (service/engine.py): `contact_handle` ("wechat: 加v was4872",
the span as normalised), `block_word` (the group's word, matched on normalised text), `evidence` (a span
as written), `text_flood` (the text repeats itself) and `repeat` (the member sent this line again). Each
is found in the message as written: the text is folded character by character the way normalize() folds
it (model/evidence.py), so 加V Was4872 is found for "加v was4872". What cannot be found is not marked; the
reason itself is still listed beside the message.

The result is a list of (text, kind) segments; the template escapes every segment.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# the fold that model/evidence.py finds evidence spans with: one original character -> its normalised form
from qunguard.model.evidence import _fold, _fold_char

# a later kind wins where spans overlap: the most specific reason is the one a moderator sees
KINDS = ("repeat", "text_flood", "evidence", "block_word", "contact_handle")
_RANK = {kind: i for i, kind in enumerate(KINDS)}
# a unit of up to 12 characters said 3+ times in a row: 哈哈哈哈, [表情][表情][表情], 666666, 顶顶顶
_RUN = re.compile(r"(.{1,12}?)\1{2,}", re.DOTALL)

Segment = tuple[str, str | None]


def _folded_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Every place `needle` (as written or as normalised) is in `text`, by folded comparison."""
    target = "".join(map(_fold_char, needle))
    if not target:
        return []
    folded, origin = _fold(text)
    spans, start = [], folded.find(target)
    while start >= 0:
        spans.append((origin[start], origin[start + len(target) - 1] + 1))
        start = folded.find(target, start + len(target))
    return spans


def reason_spans(text: str, reasons: Iterable[dict]) -> list[tuple[int, int, str]]:
    """(start, end, kind) for each reason found in the text."""
    out: list[tuple[int, int, str]] = []
    for reason in reasons:
        name, detail = reason.get("name"), str(reason.get("detail") or "")
        if name == "contact_handle":
            needle = detail.partition(": ")[2] or detail
            out += [(a, b, name) for a, b in _folded_spans(text, needle)]
        elif name == "block_word":
            out += [(a, b, name) for a, b in _folded_spans(text, detail)]
        elif name == "evidence":  # a span the model read in one place: its first, as model/evidence.py finds it
            out += [(a, b, name) for a, b in _folded_spans(text, detail)[:1]]
        elif name == "text_flood":
            out += [(m.start(), m.end(), name) for m in _RUN.finditer(text)]
        elif name == "repeat" and text.strip():
            out.append((0, len(text), name))  # the whole line is what the member repeated
    return out


def segments(text: str, reasons: Iterable[dict]) -> list[Segment]:
    """The text cut into runs of plain text (kind None) and of marked text (the reason's kind)."""
    spans = reason_spans(text, reasons)
    if not spans:
        return [(text, None)]
    kinds: list[str | None] = [None] * len(text)
    for a, b, kind in sorted(spans, key=lambda s: _RANK[s[2]]):  # stronger kinds paint last
        kinds[a:b] = [kind] * (b - a)
    out: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or kinds[i] != kinds[start]:
            out.append((text[start:i], kinds[start]))
            start = i
    return out
