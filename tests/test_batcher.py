"""Concurrent single-message requests are classified together and each gets its own verdict."""
import asyncio

import httpx
import pytest

from qunguard.service import engine
from qunguard.service.batcher import MicroBatcher
from qunguard.service.engine import Message
from tests.conftest import auth

TEXTS = ["早上好", "加我微信 Was4872 领取优惠券，限时包邮", "哈哈哈哈哈哈哈哈哈哈哈", "今晚几点开会？", "[图片]"]


def test_concurrent_requests_get_their_own_verdicts(client):
    app = client.app
    batches = []
    moderator = app.state.moderator
    real = moderator.classify
    moderator.classify = lambda msgs: batches.append(len(msgs)) or real(msgs)  # observe batch sizes

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            bodies = [{"group_id": "g1", "user_id": f"u{i}", "text": TEXTS[i % len(TEXTS)], "message_id": str(i)}
                      for i in range(40)]
            return await asyncio.gather(*(http.post("/v1/classify", json=b, headers=auth("bot")) for b in bodies))

    try:
        responses = asyncio.run(run())
    finally:
        moderator.classify = real
    assert all(r.status_code == 200 for r in responses)
    assert [r.json()["message_id"] for r in responses] == [str(i) for i in range(40)]
    # the model's scores do not depend on the company a message had in its batch
    # (labels may: five users pasting the same ad in a second is a raid)
    alone = {t: real([Message(f"solo-{i}", "solo", t)])[0]["scores"] for i, t in enumerate(TEXTS)}
    assert all(r.json()["scores"] == alone[TEXTS[i % len(TEXTS)]] for i, r in enumerate(responses))
    assert sum(batches) == 40 and max(batches) > 1  # they were batched, none lost or doubled


def test_an_engine_error_reaches_every_request_of_the_batch(client):
    app = client.app
    moderator = app.state.moderator
    real = moderator.classify

    def broken(msgs):
        raise RuntimeError("boom")

    moderator.classify = broken

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post("/v1/classify", json={"group_id": "g", "user_id": f"u{i}", "text": "你好"},
                                                    headers=auth("bot")) for i in range(5)))

    try:
        responses = asyncio.run(run())
    finally:
        moderator.classify = real
    assert [r.status_code for r in responses] == [500] * 5
    assert all(r.json()["error"]["code"] == "internal_error" for r in responses)


# --- one bad message never costs the others their verdicts -----------------------------------------
POISON = "这条消息会让模型出错"


@pytest.fixture
def poisoned_normalize(monkeypatch):
    """The real Moderator, except that normalising POISON fails (as a lone surrogate once did)."""
    real = engine.normalize

    def normalize(text):
        if text == POISON:
            raise UnicodeEncodeError("utf-8", text, 0, 1, "surrogates not allowed")
        return real(text)

    monkeypatch.setattr(engine, "normalize", normalize)


def counted(moderator, monkeypatch) -> list[int]:
    """Sizes of the batches the moderator is asked to classify."""
    sizes: list[int] = []
    real = moderator.classify

    def classify(msgs):
        sizes.append(len(msgs))
        return real(msgs)

    monkeypatch.setattr(moderator, "classify", classify)
    return sizes


async def classify_together(batcher: MicroBatcher, texts: list[str]) -> list:
    messages = [Message("g1", f"u{i}", t, message_id=str(i)) for i, t in enumerate(texts)]
    return await asyncio.gather(*(batcher.classify(m) for m in messages), return_exceptions=True)


def test_a_failing_message_fails_alone_and_its_batch_gets_verdicts(client, poisoned_normalize, monkeypatch):
    moderator = client.app.state.moderator
    sizes = counted(moderator, monkeypatch)
    texts = [TEXTS[i % len(TEXTS)] for i in range(10)]
    texts[6] = POISON
    results = asyncio.run(classify_together(MicroBatcher(moderator), texts))
    assert isinstance(results[6], UnicodeEncodeError)
    good = [r for i, r in enumerate(results) if i != 6]
    assert all(isinstance(r, dict) for r in good), results
    assert [r["message_id"] for r in good] == [str(i) for i in range(10) if i != 6]
    assert sizes == [10] + [1] * 10  # the whole batch once, then each message alone


def test_a_batch_without_failures_is_one_call(client, monkeypatch):
    moderator = client.app.state.moderator
    sizes = counted(moderator, monkeypatch)
    results = asyncio.run(classify_together(MicroBatcher(moderator), TEXTS * 2))
    assert all(isinstance(r, dict) for r in results) and sizes == [10]


def test_a_store_failure_is_the_whole_batch_and_is_not_retried(client, monkeypatch):
    from qunguard.service.store import StoreUnavailable
    from tests.store_lock import write_lock_held_elsewhere

    moderator = client.app.state.moderator
    sizes = counted(moderator, monkeypatch)
    with write_lock_held_elsewhere(moderator.store):
        results = asyncio.run(classify_together(MicroBatcher(moderator), TEXTS))
    assert all(isinstance(r, StoreUnavailable) for r in results) and sizes == [5]


def test_over_http_only_the_failing_request_is_a_500(client, poisoned_normalize):
    async def run():
        transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            bodies = [{"group_id": "g1", "user_id": f"u{i}", "text": POISON if i == 3 else TEXTS[i % len(TEXTS)]}
                      for i in range(40)]
            return await asyncio.gather(*(http.post("/v1/classify", json=b, headers=auth("bot")) for b in bodies))

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [500 if i == 3 else 200 for i in range(40)]
    assert responses[3].json()["error"]["code"] == "internal_error"
