"""Concurrent single-message requests are classified together and each gets its own verdict."""
import asyncio

import httpx

from service.engine import MessageIn
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
    alone = {t: real([MessageIn(f"solo-{i}", "solo", t)])[0]["scores"] for i, t in enumerate(TEXTS)}
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
