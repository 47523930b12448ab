"""Give chat rows what members really attach, so that attachments carry no label.

The mapped corpora put emoji, placeholders, links and line breaks almost only in spam
and ad rows (SMS and Telegram spam have them; Weibo replies, game chat and danmaku
were collected without them). A model trained on that learns "a link is spam" and
"[表情] is spam". Real group chat is the other way round: in the real QQ group export
(qq_scu_group_2017) 19 % of messages hold a placeholder, 6.3 % an @mention, and links
are shared by members far more often than by advertisers.

Each training row of a chat source may get one extra copy with one attachment:
- `reaction`: a placeholder ([表情], [图片], [动画表情]) or one or two emoji, before or after
  the text; done at the same rate for every label, so a reaction says nothing about it;
- `mention`: an @mention in front, also at the same rate for every label (the real export's
  @群友NNNN aliases are in on_topic rows only, so without this an @ would read as chat);
- `link`: a link that members of these corpora shared in on_topic messages, with the text
  or alone (on_topic rows);
- `lines`: two chat rows joined by a line break (on_topic rows).
Copies stay in their row's near-duplicate cluster, so none straddles the train/test split.
Nothing here comes from the behaviour suite: attachments are drawn from the raw corpora
(links, placeholder names) and the emoji package's own list.
"""
from __future__ import annotations

import random
from collections.abc import Sequence

# sources whose rows are chat messages (not SMS, titles or reviews)
CHAT_SOURCES = frozenset({
    "tg_spam_zh", "game_ad_chat", "game_chat_spam", "lccc_toy", "bili_danmaku_random",
    "bili_flood_danmaku", "chineseharm_bench", "qq_scu_group_2017",
})
PLACEHOLDERS = ("[表情]", "[图片]", "[动画表情]", "[表情]", "[图片]")  # as the QQ export writes them
# common emoji; the normaliser maps every emoji to one token, so which one does not matter
EMOJI = tuple("😂👍🙏😊😭🤣❤️😅🥺😄🤔👌😁🙄😳💪🎉😘😓👏🌹🐶😡🤗😏")
RATES = {"reaction": 0.08, "mention": 0.06, "link": 0.03, "lines": 0.03}


def _reaction(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        att = rng.choice(PLACEHOLDERS)
    else:
        att = "".join(rng.choice(EMOJI) for _ in range(rng.choice((1, 1, 2))))
    return att + text if rng.random() < 0.3 else text + att


def _mention(rng: random.Random, text: str) -> str:
    if rng.random() < 0.7:
        name = f"群友{rng.randrange(10000):04d}"  # how the export writes aliased nicknames
    else:
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
    return f"@{name} {text}"


def _link(rng: random.Random, text: str, links: Sequence[str]) -> str:
    url = rng.choice(links)
    roll = rng.random()
    if roll < 0.25:
        return url
    return f"{url} {text}" if roll < 0.4 else f"{text} {url}"


def augment(rows: list[dict], links: Sequence[str], seed: int) -> list[dict]:
    """Extra rows (copies with one attachment each) for the given training rows."""
    chat_on_topic = [r for r in rows if r["source"] in CHAT_SOURCES and r["label"] == "on_topic"]
    out = []
    for r in rows:
        if r["source"] not in CHAT_SOURCES:
            continue
        # reactions and @mentions come with every kind of message (an ad @-ing the whole group too),
        # so both go on rows of every label; ordinary links and second lines are what chat adds
        kinds = ["reaction", "mention"]
        if r["label"] == "on_topic":
            kinds += ["lines"] + (["link"] if links else [])
        # each row draws from its own generator, so a change to other rows leaves its copies as they were
        rng = random.Random(f"{seed}/{r['source']}/{r.get('ref', '')}/{r['text']}")
        for kind in kinds:
            if rng.random() >= RATES[kind]:
                continue
            if kind == "reaction":
                text = _reaction(rng, r["text"])
            elif kind == "mention":
                text = _mention(rng, r["text"])
            elif kind == "link":
                text = _link(rng, r["text"], links)
            else:
                # one draw whatever the list's length (choice() draws more for some lengths than others)
                text = r["text"] + "\n" + chat_on_topic[int(rng.random() * len(chat_on_topic))]["text"]
            out.append({**r, "text": text, "rule": f"augment_{kind}", "augmented": True})
    return out
