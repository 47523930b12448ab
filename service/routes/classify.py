"""POST /v1/classify and /v1/classify/batch: verdicts for bots."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from qunguard.service import engine, hidden_links
from qunguard.service.errors import APIError
from qunguard.service.json_response import JSONBytes
from qunguard.service.quotes import Quote
from qunguard.service.routes.deps import AsBot, BatcherDep, MetricsDep, ModeratorDep, SettingsDep
from qunguard.service.schemas import ERRORS, BatchIn, BatchOut, MessageFields, MessageIn, VerdictOut

router = APIRouter(prefix="/v1", tags=["classify"])

# `evidence` reasons are spans of the message a member can read; the model's own token names are for us
Debug = Annotated[bool, Query(description="also give `evidence_token` reasons: the model's machine token names "
                                          "(`^出`, `pinyin yao de`) behind a flagged verdict")]


def engine_message(m: MessageFields, max_chars: int, field: str, debug: bool = False) -> engine.Message:
    """`field`: where the message's text is in the request (`text`, `messages.3.text`), named by a 422."""
    if len(m.text) > max_chars:
        raise APIError(422, "text_too_long", f"text has {len(m.text)} characters; the limit is {max_chars}", field)
    quote = None
    if m.reply_to is not None:
        if len(m.reply_to.text) > max_chars:
            raise APIError(422, "text_too_long", f"reply_to.text has {len(m.reply_to.text)} characters; the limit is "
                                                 f"{max_chars}", field.removesuffix("text") + "reply_to.text")
        quote = Quote(m.reply_to.text, external=m.reply_to.external)
    edited = isinstance(m, MessageIn) and m.edited  # a report is never a message sent again
    # links hidden behind the words are judged after them, and the queue shows them there (service/hidden_links.py)
    links = hidden_links.hidden(m.text, m.links)
    # a post of the group's own linked channel is the group's, not a forward (service/forwards.py)
    forwarded = m.forward_origin.type if m.forward_origin is not None and not m.is_automatic_forward else None
    return engine.Message(m.group_id, m.user_id, hidden_links.with_links(m.text, links), m.message_id, m.ts, debug,
                          quote, edited, tuple(links), forwarded)


@router.post("/classify", response_model=VerdictOut, responses=ERRORS, summary="Verdict for one message")
async def classify(body: MessageIn, _: AsBot, batcher: BatcherDep, settings: SettingsDep, metrics: MetricsDep,
                   debug: Debug = False):
    verdict = await batcher.classify(engine_message(body, settings.max_message_chars, "text", debug))
    metrics.count_verdicts([verdict])
    return JSONBytes(verdict)


@router.post("/classify/batch", response_model=BatchOut, responses=ERRORS, summary="Verdicts for up to QUNGUARD_MAX_BATCH messages, in order")
async def classify_batch(body: BatchIn, _: AsBot, moderator: ModeratorDep, settings: SettingsDep, metrics: MetricsDep,
                         debug: Debug = False):
    if len(body.messages) > settings.max_batch:
        raise APIError(422, "batch_too_large", f"{len(body.messages)} messages; the limit is {settings.max_batch}", "messages")
    msgs = [engine_message(m, settings.max_message_chars, f"messages.{i}.text", debug) for i, m in enumerate(body.messages)]
    verdicts = moderator.classify(msgs)
    metrics.count_verdicts(verdicts)
    return JSONBytes({"verdicts": verdicts, "count": len(verdicts)})
