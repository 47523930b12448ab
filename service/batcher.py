"""Micro-batching of single-message requests.

The model costs far less per message in a batch (one sparse matrix, one matrix
product) than one message at a time. Under load, single-message requests that
arrive together are classified together: each request parks its message here,
and one flush a loop turn later classifies everything parked. An idle service
adds no wait: a lone request is flushed on the next turn of the event loop.
"""
from __future__ import annotations

import asyncio

from service.engine import MessageIn, Moderator


class MicroBatcher:
    def __init__(self, moderator: Moderator, max_batch: int = 64, turns: int = 2) -> None:
        self.moderator = moderator
        self.max_batch = max_batch
        self.turns = turns  # loop turns to wait for company before flushing
        self._pending: list[tuple[MessageIn, asyncio.Future]] = []
        self._scheduled = False

    async def classify(self, message: MessageIn) -> dict:
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
        if not batch:
            return
        try:
            verdicts = self.moderator.classify([m for m, _ in batch])  # stores flagged items before returning
        except Exception as exc:  # every request of the batch gets the error, none is left hanging
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, fut), verdict in zip(batch, verdicts):
            if not fut.done():  # the client may have gone away
                fut.set_result(verdict)
