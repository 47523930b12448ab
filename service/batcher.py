"""Micro-batching of single-message requests.

The model costs far less per message in a batch (one sparse matrix, one matrix
product) than one message at a time. Under load, single-message requests that
arrive together are classified together: each request parks its message here,
and one flush a loop turn later classifies everything parked. An idle service
adds no wait: a lone request is flushed on the next turn of the event loop.

One bad message must not cost its company their verdicts: if the batch fails, each
of its messages is classified alone, and only the one that fails again gets the error.
"""
from __future__ import annotations

import asyncio
import logging

from qunguard.service.engine import Message, Moderator
from qunguard.service.store import StoreUnavailable

log = logging.getLogger("qunguard")

# failures of the whole batch, not of one message in it: retrying message by message would
# only repeat them (and count each message in the flood windows again)
BATCH_WIDE_ERRORS = (StoreUnavailable,)
Pending = tuple[Message, asyncio.Future]


class MicroBatcher:
    def __init__(self, moderator: Moderator, max_batch: int = 64, turns: int = 2) -> None:
        self.moderator = moderator
        self.max_batch = max_batch
        self.turns = turns  # loop turns to wait for company before flushing
        self._pending: list[Pending] = []
        self._scheduled = False

    async def classify(self, message: Message) -> dict:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._pending.append((message, fut))
        if len(self._pending) >= self.max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._wait, loop, self.turns)
        return await fut

    def _wait(self, loop: asyncio.AbstractEventLoop, turns: int) -> None:
        if turns > 1 and self._pending:
            loop.call_soon(self._wait, loop, turns - 1)  # let requests read in this turn reach us
        else:
            self._scheduled = False
            self._flush()

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            self._classify(batch)

    def _classify(self, batch: list[Pending]) -> None:
        """Settle every future of `batch`: one model call for all (the fast path), one a message if that fails."""
        try:
            verdicts = self.moderator.classify([m for m, _ in batch])  # stores flagged items before returning
        except BATCH_WIDE_ERRORS as exc:
            _fail(batch, exc)
        except Exception as exc:  # noqa: BLE001 - whatever one message did, the others still get verdicts
            if len(batch) == 1:
                _fail(batch, exc)
            else:
                self._classify_each(batch, exc)
        else:
            _succeed(batch, verdicts)

    def _classify_each(self, batch: list[Pending], exc: Exception) -> None:
        log.warning("a batch of %d messages failed (%r); classifying each alone", len(batch), exc)
        for pending in batch:
            self._classify([pending])


def _succeed(batch: list[Pending], verdicts: list[dict]) -> None:
    for (_, fut), verdict in zip(batch, verdicts, strict=True):
        if not fut.done():  # the client may have gone away
            fut.set_result(verdict)


def _fail(batch: list[Pending], exc: Exception) -> None:
    for _, fut in batch:
        if not fut.done():  # none is left hanging
            fut.set_exception(exc)
