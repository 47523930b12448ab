"""Topic profiles, topic scores, drift and health reports, over real HTTP against a real SQLite file."""
import sqlite3
import time

import pytest

from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import TopicProfile
from tests.conftest import auth

# a photography group: what its members say, and what they say when the group drifts
PHOTO_TALK = [
    "这个镜头的光圈开到多大比较合适", "晚上拍星空快门要设多久", "人像构图有什么技巧吗", "新买的三脚架很稳，风光照清楚多了",
    "逆光拍人像脸总是太暗，要补光吗", "长焦镜头拍鸟对焦老是跑焦", "RAW格式后期调色空间大很多", "广角镜头拍建筑边缘会变形",
    "黄金时刻的光线拍风景最好看", "ISO调高了噪点好多怎么办", "微距镜头拍花蕊细节很清楚", "曝光补偿一般加多少合适",
    "人文街拍用定焦镜头更方便", "滤镜ND减光镜拍流水效果不错", "相机的白平衡自动模式偏黄", "手动对焦拍夜景更准一些",
]
PHOTO_EXAMPLES = PHOTO_TALK + [
    "分享一组日落时拍的海边风光照", "新手入门单反先学光圈快门感光度", "周末去公园扫街拍了一组黑白照片", "这张照片的景深控制得真好",
    "人像摄影的布光用一盏柔光箱够吗", "拍雪景要适当增加曝光", "用手机拍照也能玩出构图感", "后期修图用Lightroom调色",
    "这支镜头的锐度和焦外都很出色", "拍烟花要用三脚架和B门", "逆光剪影构图很有意境", "星轨照片要连续拍几百张叠加",
    "人像摄影眼神光很重要", "拍美食照片用侧逆光更有质感", "延时摄影拍云海要定时拍摄", "全画幅和半画幅相机画质差别大吗",
    "色温调低画面会偏冷色调", "拍孩子要用高速快门抓拍", "胶片相机拍出来的颜色很有味道", "鱼眼镜头拍出来画面很夸张",
    "风光摄影的前景很重要", "用渐变灰滤镜压暗天空", "拍蓝调时刻要等日落后二十分钟", "镜头遮光罩能减少眩光",
]
OFF_TALK = [
    "周末打算去爬山，天气预报说会下雨", "这家火锅店的毛肚特别新鲜", "最近在追一部电视剧，剧情挺好看的",
    "我家孩子明天要考试了，有点紧张", "新买的电脑玩游戏很流畅", "今天股市大跌，基金全绿了", "晚饭吃了红烧肉和米饭",
    "房贷利率又降了，考虑提前还款", "球赛昨晚踢到加时赛才分胜负", "公司年会抽奖抽到了电饭煲",
    "楼下新开的奶茶店排队的人好多", "周五晚上一起去唱歌吗", "我妈又催我回老家相亲了", "地铁今天早上又晚点了半小时",
    "这次体检报告血脂有点高", "暑假带孩子去海南玩了一周", "猫咪最近总是半夜跑酷", "老板说下个月开始要加班",
    "明天降温记得多穿件外套", "装修的瓷砖到底选哪个颜色好", "篮球联赛我们队进决赛了", "昨天做的可乐鸡翅有点咸",
    "驾照科目二又挂了一次", "双十一买的羽绒服到货了", "小区停车位涨价了好多", "最近失眠，晚上总是睡不着",
    "高铁票抢了好久才抢到", "健身房办了年卡结果没去几次", "隔壁邻居家的狗天天叫", "这周末带爸妈去吃烤鸭",
]
CHIT_CHAT = ["好的", "哈哈", "在吗", "[表情]"]


def classify(client, text, *, group, user="u1", ts=None):
    body = {"group_id": group, "user_id": user, "text": text}
    if ts is not None:
        body["ts"] = ts
    res = client.post("/v1/classify", json=body, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()


def batch(client, texts, *, group, t0, step=1.0, users=None):
    msgs = [{"group_id": group, "user_id": users[i] if users else f"m{i}", "text": t, "ts": t0 + i * step}
            for i, t in enumerate(texts)]
    res = client.post("/v1/classify/batch", json={"messages": msgs}, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()["verdicts"]


def legit(v) -> bool:
    return v["action"] == "allow" and v["label"] == "on_topic"


def examples(client, group, texts, role="moderator"):
    return client.post(f"/v1/groups/{group}/profile/examples", json={"texts": texts}, headers=auth(role))


def get(client, path, role="moderator"):
    return client.get(path, headers=auth(role))


# -- topic scores in verdicts ---------------------------------------------------------------
def test_a_description_gives_every_verdict_a_topic_score(client):
    client.put("/v1/groups/pets", json={"topic_description": "养猫养狗的交流群，聊宠物喂养、疫苗和看病",
                                         "topic_keywords": ["猫粮", "狗粮", "疫苗", "驱虫"]}, headers=auth("moderator"))
    on = classify(client, "我家猫最近不爱吃猫粮，是不是该驱虫了", group="pets")
    off = classify(client, "今天股市大跌，基金全绿了", group="pets")
    ad = classify(client, "本店新品上架全场八折，需要的加微信 abc_8899", group="pets")
    for v in (on, off, ad):  # every verdict of a group with a profile, whatever its label
        assert 0 <= v["topic_score"] <= 1 and 0 <= v["topic_confidence"] <= 1
    assert on["topic_score"] > off["topic_score"]
    profile = get(client, "/v1/groups/pets/profile", role="bot").json()
    assert profile["source"] == "description" and profile["learning"] is None
    assert {"猫粮", "驱虫"} & {t["term"] for t in profile["top_terms"]}


def test_no_profile_no_topic_score(client):
    v = classify(client, "这个镜头的光圈开到多大比较合适", group="fresh")
    assert v["topic_score"] is None and v["topic_confidence"] is None
    profile = get(client, "/v1/groups/fresh/profile").json()
    assert profile["source"] is None and profile["top_terms"] == []
    assert profile["learning"] == {"texts": int(legit(v)), "needed": 80}  # the default setting


def test_chit_chat_says_it_carries_little_topic_signal(client):
    assert examples(client, "photo", PHOTO_EXAMPLES).status_code == 200
    talk = classify(client, "逆光拍人像脸总是太暗，要补光吗", group="photo")
    assert talk["topic_confidence"] > 0.7
    for text in CHIT_CHAT:
        v = classify(client, text, group="photo", user=f"c-{text}")
        assert v["topic_score"] is not None and v["topic_confidence"] < 0.3, (text, v)


# -- profiles -------------------------------------------------------------------------------
@pytest.mark.parametrize("texts", [[], ["好的"], ["好的", "哈哈", "在吗", "[表情]", "嗯嗯", "收到"], ["   "]])
def test_a_profile_from_too_little_is_refused_clearly(client, texts):
    res = examples(client, "tiny", texts)
    assert res.status_code == 422, res.text
    err = res.json()["error"]
    assert err["field"].startswith("texts") and err["message"]
    if err["code"] == "profile_too_small":
        assert "nothing was changed" in err["message"] and "at least" in err["message"]
    assert get(client, "/v1/groups/tiny/profile").status_code == 404  # nothing stored: still unknown


def test_examples_make_a_profile_a_reader_can_see(client):
    res = examples(client, "photo", PHOTO_EXAMPLES)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["source"] == "examples" and body["n_texts"] == len(PHOTO_EXAMPLES) and not body["low_confidence"]
    weights = [t["weight"] for t in body["top_terms"]]
    assert len(weights) == 20 and all(w > 0 for w in weights) and weights == sorted(weights, reverse=True)
    assert {"镜头", "快门", "构图"} <= {t["term"] for t in body["top_terms"]}
    assert get(client, "/v1/groups/photo/profile", role="bot").json() == body
    assert examples(client, "photo", PHOTO_EXAMPLES, role="bot").status_code == 403


def test_a_group_learns_from_its_first_legitimate_messages(make_client, monkeypatch):
    monkeypatch.setattr("qunguard.service.topic.ABSORB_EVERY_S", 0.0)  # absorb every pile, not once in 10 minutes
    n = 10
    c = make_client(topic_learn_messages=n)
    c.put("/v1/groups/learner", json={"block_words": ["代购"]}, headers=auth("moderator"))
    t0 = time.time() - 3600
    first = batch(c, PHOTO_TALK[:4] + ["专业代购化妆品，正品保证"], group="learner", t0=t0)
    assert all(v["topic_score"] is None for v in first)
    assert first[-1]["action"] == "delete"  # not legitimate: not learned from
    counted = sum(legit(v) for v in first)
    assert get(c, "/v1/groups/learner/profile").json()["learning"] == {"texts": counted, "needed": n}

    # a restart (a new app on the same file) keeps what was learned so far
    c2 = make_client(topic_learn_messages=n)
    assert get(c2, "/v1/groups/learner/profile").json()["learning"]["texts"] == counted
    rest = batch(c2, PHOTO_TALK[4:], group="learner", t0=t0 + 100)
    assert counted + sum(legit(v) for v in rest) >= n
    profile = get(c2, "/v1/groups/learner/profile").json()  # the flush that completes learning builds it
    assert profile["source"] == "learned" and profile["learning"] is None
    assert profile["n_texts"] == n and profile["low_confidence"]  # 10 texts: too few to act on
    assert {"镜头", "光圈", "快门", "人像"} & {t["term"] for t in profile["top_terms"]}
    assert "代购" not in {t["term"] for t in profile["top_terms"]}
    on, off = batch(c2, ["长焦镜头拍鸟对焦老是跑焦", "晚饭吃了红烧肉和米饭"], group="learner", t0=t0 + 200)
    assert on["topic_score"] > off["topic_score"]

    # and keeps it up to date slowly: the next n legitimate messages are absorbed, as one pile
    more = batch(c2, PHOTO_TALK[:n + 2], group="learner", t0=t0 + 300, users=[f"x{i}" for i in range(n + 2)])
    assert sum(legit(v) for v in more) >= n
    c2.app.state.moderator.topics.activity.flush()
    assert get(c2, "/v1/groups/learner/profile").json()["n_texts"] > n


def test_a_reset_forgets_the_profile_and_keeps_the_drift_history(make_client):
    c = make_client(drift_history_s=60)
    assert examples(c, "photo", PHOTO_EXAMPLES).status_code == 200
    t0 = time.time() - 7200
    batch(c, PHOTO_TALK, group="photo", t0=t0, step=90)  # every message 90 s apart: a history point each
    before = get(c, "/v1/groups/photo/drift").json()["history"]
    assert len(before) >= 10
    res = c.delete("/v1/groups/photo/profile", headers=auth("moderator"))
    assert res.status_code == 200, res.text
    assert res.json()["source"] is None and res.json()["learning"] == {"texts": 0, "needed": 80}
    after = get(c, "/v1/groups/photo/drift").json()
    assert after["history"] == before and after["drift"] is None
    v = classify(c, PHOTO_TALK[0], group="photo", ts=t0 + 9000)
    assert v["topic_score"] is None  # learning again
    assert c.delete("/v1/groups/photo/profile", headers=auth("bot")).status_code == 403


def test_a_description_group_resets_to_its_description(client):
    client.put("/v1/groups/pets", json={"topic_description": "养猫养狗的交流群，聊宠物喂养、疫苗和看病",
                                         "topic_keywords": ["猫粮", "狗粮", "疫苗", "驱虫"]}, headers=auth("moderator"))
    assert examples(client, "pets", PHOTO_EXAMPLES).json()["source"] == "examples"
    res = client.delete("/v1/groups/pets/profile", headers=auth("moderator"))
    assert res.json()["source"] == "description"


def test_a_description_too_short_for_a_profile_is_said_and_the_group_learns(client):
    res = client.put("/v1/groups/terse", json={"topic_keywords": ["猫粮"]}, headers=auth("moderator"))
    assert res.status_code == 200
    profile = get(client, "/v1/groups/terse/profile").json()
    assert profile["source"] is None and profile["learning"]["needed"] == 80
    assert "too little for a profile" in profile["note"]


# -- drift ----------------------------------------------------------------------------------
def test_drift_shape_and_an_alert_once_the_group_talks_about_something_else(make_client):
    # alerts are armed once the group's usual level is learned: here from ~10 messages (by default ~150)
    c = make_client(drift_history_s=300, drift_warmup=10)
    assert examples(c, "photo", PHOTO_EXAMPLES).status_code == 200
    t0 = time.time() - 6 * 3600
    # 48 on-topic messages over 48 minutes; the 16 distinct ones are the evidence (a repeat is none)
    on = batch(c, PHOTO_TALK * 3, group="photo", t0=t0, step=60)
    calm = get(c, "/v1/groups/photo/drift", role="bot").json()
    assert set(calm) == {"group_id", "drift", "alert", "history", "drivers"}
    assert calm["group_id"] == "photo" and calm["alert"] is False and 0 <= calm["drift"] < 0.3
    assert sum(legit(v) for v in on) >= 40

    off = batch(c, OFF_TALK * 2, group="photo", t0=t0 + 3 * 3600, step=60)
    assert sum(legit(v) for v in off) >= 50
    drifted = get(c, "/v1/groups/photo/drift").json()
    assert drifted["alert"] is True and drifted["drift"] > calm["drift"] + 0.3
    # what it talks about instead: words of the new talk (each as frequent as the next here), none of the old
    profile = TopicProfile.from_texts([normalize(t).text for t in PHOTO_EXAMPLES])
    off_terms = {w for text in OFF_TALK for w in profile.terms(normalize(text).text)}
    assert len(drifted["drivers"]) == 10 and set(drifted["drivers"]) <= off_terms, drifted["drivers"]
    history = drifted["history"]
    assert history == sorted(history) and all(len(p) == 2 and 0 <= p[1] <= 1 for p in history)
    assert history[-1][1] > history[0][1]
    with sqlite3.connect(c.app.state.settings.db_path) as db:  # the alert turning on is a point, with its drivers
        alerts = db.execute("SELECT drivers FROM drift_history WHERE group_id = 'photo' AND alert = 1").fetchall()
    assert alerts and alerts[0][0] != "[]"


def test_a_message_repeated_again_and_again_is_no_drift(make_client):
    """A meme or a joke said 30 times is one message's evidence; 30 different ones alert."""
    c = make_client(drift_warmup=10)
    t0 = time.time() - 12 * 3600
    for group, off in (("meme", [OFF_TALK[0]] * len(OFF_TALK)), ("drifting", OFF_TALK)):
        assert examples(c, group, PHOTO_EXAMPLES).status_code == 200
        batch(c, PHOTO_TALK, group=group, t0=t0, step=60)
        # ten minutes apart, each from its own member: the flood windows let them through as legitimate talk
        said = batch(c, off, group=group, t0=t0 + 3600, step=600, users=[f"w{i}" for i in range(len(off))])
        assert sum(legit(v) for v in said) >= 25
    assert get(c, "/v1/groups/meme/drift").json()["alert"] is False
    assert get(c, "/v1/groups/drifting/drift").json()["alert"] is True


def test_a_group_without_a_profile_has_no_drift(client):
    classify(client, "大家好", group="fresh")
    body = get(client, "/v1/groups/fresh/drift").json()
    assert body == {"group_id": "fresh", "drift": None, "alert": False, "history": [], "drivers": []}


@pytest.mark.parametrize("path", ["drift", "report", "profile"])
def test_an_unknown_group_is_404(client, path):
    res = get(client, f"/v1/groups/nobody-here/{path}", role="admin")
    assert res.status_code == 404 and res.json()["error"]["code"] == "unknown_group"
    assert client.delete("/v1/groups/nobody-here/profile", headers=auth("moderator")).status_code == 404


@pytest.mark.parametrize("days", [0, 91, -1, "x"])
def test_days_outside_1_to_90_is_422(client, days):
    classify(client, "大家好", group="g")
    for path in ("report", "drift"):
        res = get(client, f"/v1/groups/g/{path}?days={days}")
        assert res.status_code == 422 and res.json()["error"]["field"] == "days", res.text


# -- the report -----------------------------------------------------------------------------
def test_the_report_counts_hours_labels_members_and_silence(client):
    client.put("/v1/groups/club", json={"quiet_hours": None, "block_words": ["代购"]}, headers=auth("moderator"))
    now = time.time()
    old = now - 20 * 86400
    classify(client, "好久不见大家", group="club", user="ghost", ts=old)  # spoke 20 days ago, then nothing
    talk = batch(client, PHOTO_TALK[:6], group="club", t0=now - 3600, users=[f"u{i}" for i in range(6)])
    flood = [classify(client, f"刷屏第{i}条消息来了兄弟们", group="club", user="flooder", ts=now - 600 + i) for i in range(8)]
    ads = [classify(client, f"专业代购化妆品{i}号，正品保证", group="club", user="seller", ts=now - 300 + i) for i in range(3)]
    assert sum(v["label"] == "flooding" and v["action"] != "allow" for v in flood) >= 3
    assert all(v["action"] == "delete" for v in ads)
    res = get(client, "/v1/groups/club/report?days=7")
    assert res.status_code == 200, res.text
    r = res.json()
    assert r["group_id"] == "club" and r["days"] == 7 and r["timezone"] == "Asia/Shanghai"
    assert len(r["messages_per_hour"]) == 24 and sum(r["messages_per_hour"]) == len(talk) + len(flood) + len(ads)
    assert len(r["labels_per_day"]) == 7 and r["labels_per_day"] == sorted(r["labels_per_day"], key=lambda d: d["day"])
    totals = {label: sum(d["counts"][label] for d in r["labels_per_day"]) for label in r["labels_per_day"][0]["counts"]}
    every = talk + flood + ads
    assert totals == {label: sum(v["label"] == label for v in every) for label in totals}
    flooders = {m["user_id"]: m["count"] for m in r["top_members"]["flooding"]}
    assert flooders["flooder"] == sum(v["label"] == "flooding" and v["action"] != "allow" for v in flood)
    n_ads = sum(v["label"] == "advertising" for v in ads)  # a block word deletes with the model's label
    assert {m["user_id"]: m["count"] for m in r["top_members"]["advertising"]} == ({"seller": n_ads} if n_ads else {})
    assert [m["user_id"] for m in r["silent_members"]] == ["ghost"]
    assert r["silent_members"][0]["messages"] == 1 and abs(r["silent_members"][0]["last_seen"] - old) < 1e-3
    assert r["drift"] == []  # no profile yet: no drift measured
    # over 30 days the ghost spoke: not silent
    assert get(client, "/v1/groups/club/report?days=30").json()["silent_members"] == []
    assert get(client, "/v1/groups/club/report?days=90").status_code == 200
    assert get(client, "/v1/groups/club/report", role="bot").status_code == 403


def test_the_report_uses_the_group_time_zone(client):
    client.put("/v1/groups/tz", json={"quiet_hours": {"start": "01:00", "end": "06:00", "timezone": "UTC"}},
               headers=auth("moderator"))
    ts = (time.time() // 86400) * 86400 + 3 * 3600 + 60  # 03:01 UTC today
    if ts > time.time():
        ts -= 86400
    classify(client, "大家早", group="tz", ts=ts)
    r = get(client, "/v1/groups/tz/report?days=2").json()
    assert r["timezone"] == "UTC" and r["messages_per_hour"][3] == 1


# -- off-topic chatter as flooding ----------------------------------------------------------
def test_offtopic_as_flooding_is_off_by_default_and_acts_when_set(client):
    assert examples(client, "photo", PHOTO_EXAMPLES).status_code == 200
    v = classify(client, "房贷利率又降了，考虑提前还款", group="photo", user="a")
    assert legit(v) and v["topic_score"] <= 0.1 and v["topic_confidence"] >= 0.8  # off-topic, and allowed

    res = client.put("/v1/groups/photo", json={"offtopic_as_flooding": True}, headers=auth("moderator"))
    assert res.status_code == 200 and res.json()["settings"]["offtopic_threshold"] == 0.1
    v = classify(client, "房贷利率又降了，考虑提前还款", group="photo", user="b")
    assert v["label"] == "flooding" and v["action"] == "review"
    assert [r for r in v["reasons"] if r["name"] == "off_topic"]
    review = client.get("/v1/review?group_id=photo", headers=auth("moderator")).json()
    assert any(item["label"] == "flooding" for item in review["data"])
    assert legit(classify(client, "好的", group="photo", user="c"))  # chit-chat: too little signal to act on
    assert legit(classify(client, "逆光拍人像脸总是太暗，要补光吗", group="photo", user="d"))


def test_a_low_confidence_profile_never_acts_as_off_topic(client):
    client.put("/v1/groups/pets", json={"topic_description": "养猫养狗的交流群，聊宠物喂养、疫苗和看病",
                                         "topic_keywords": ["猫粮", "狗粮", "疫苗", "驱虫"], "offtopic_as_flooding": True},
               headers=auth("moderator"))
    assert get(client, "/v1/groups/pets/profile").json()["low_confidence"]
    v = classify(client, "房贷利率又降了，考虑提前还款", group="pets")
    assert v["topic_score"] <= 0.1 and legit(v)
