"""Shape features and the guide's text-only flood test (model/shape.py)."""
import numpy as np
import pytest

from qunguard.model.normalize import normalize
from qunguard.model.shape import SHAPE_NAMES, is_text_flood, shape_rows

FLOOD = SHAPE_NAMES.index("text_flood")


@pytest.mark.parametrize("text", [
    "哈哈哈哈哈哈哈哈",          # a run of one character
    "加油加油加油加油",          # a phrase said again and again
    "[图片][图片][图片]",        # placeholders with no words
    "😀😀😀😀😀",                # emoji with no words
    "asdfghjkl",                 # key-mashing
    "顶顶顶顶顶顶 1",
    "kdjsla;fjkdsl",             # key-mashing that hops rows in runs
    "ok ok ok",                  # a word said three times, with spaces between
    "233333333",                 # a laugh, not a number
    "[Sticker][Sticker][Sticker]",  # the English client's placeholders
    "[语音][语音][语音]",
    "wsxedcrfvtgb",              # down the keyboard's columns
    "ㄅㄆㄇㄈㄉㄊㄋㄌ",            # Zhuyin letters typed for nothing
    "救命哈哈哈哈哈哈哈哈",        # laughter with an interjection only: nothing said
    "噗哈哈哈哈哈哈哈",
    "好多啊啊啊啊啊啊啊",          # a scream, not laughter, whatever it is attached to
    "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈 笑死",  # a wall of laughter is excess whatever comes with it
    "哈哈哈哈哈哈哈哈哈嗝",
])
def test_guide_floods_are_floods(text):
    assert is_text_flood(normalize(text).text)


@pytest.mark.parametrize("text", [
    "收到",
    "今天下午三点开会，大家记得带电脑",
    "哈哈哈哈哈，这个视频太好笑了，你们看了吗？我笑到现在",  # a laugh inside a real message
    "[图片] 这是我家猫",
    "谢谢谢谢",
    "kubernetes",                # words change rows every few letters
    "flaskapp",
    "电话13800000000",           # a run inside a number
    "[语音] 我到楼下了",
    "哈哈哈哈哈离谱",             # a reply with its laughter: the reply as a whole decides
    "太贴了哈哈哈哈哈哈",
    "哈哈哈哈哈哈哈哈笑死我了",
    "实在忍不住了哈哈哈哈哈哈哈哈哈",
    "hhahah",                    # laughter in letters, not key-mashing
    "",
    "   ",
])
def test_talk_is_not_flood(text):
    assert not is_text_flood(normalize(text).text)


def _single(norm):
    return shape_rows([norm.text], [norm.n_emoji], [norm.n_placeholders], [len(norm.handles)])[0]


def test_a_batch_gives_each_row_what_it_gives_alone():
    # runs, distinct characters and cue words must stop at a message's edge: neighbours with
    # the same characters at their boundary, empty rows and cue words split across two rows
    texts = ["哈哈哈", "哈哈哈", "", "刷", "单返利", "加我微信领取红包", "   ", "aaaaa", "aaaaab", "[图片][图片][图片]",
             "今天天气不错", "优惠\n优惠", "😀😀😀", "🀄🀄🀄🀄🀄"]
    norms = [normalize(t) for t in texts]
    batch = shape_rows([n.text for n in norms], [n.n_emoji for n in norms], [n.n_placeholders for n in norms],
                       [len(n.handles) for n in norms])
    assert batch.shape == (len(texts), len(SHAPE_NAMES))
    for row, norm in zip(batch, norms, strict=True):
        assert np.array_equal(row, _single(norm)), norm.text


def test_values_are_what_their_names_say():
    norm = normalize("哈哈哈哈哈 12 刷单返利 优惠")
    assert norm.text == "哈哈哈哈哈 12 刷单返利优惠"  # 15 characters: spaces between Chinese words go
    row = dict(zip(SHAPE_NAMES, _single(norm), strict=True))
    assert row["has_run5"] == 1.0
    assert row["longest_run_share"] == pytest.approx(5 / 15)
    assert row["digit_share"] == pytest.approx(2 / 15)
    assert row["cjk_share"] == pytest.approx(11 / 15)
    assert row["guide_spam_cues"] == pytest.approx(2 / 3)  # 刷单, 返利
    assert row["guide_ad_cues"] == pytest.approx(1 / 3)    # 优惠
    assert row["distinct_char_share"] == pytest.approx(10 / 15)
    assert row["text_flood"] == 0.0  # the run is not most of what is said


def test_a_link_counts_as_one_token_not_as_its_letters_and_digits():
    from qunguard.model.features import shape_text

    def shape(text):
        norm = normalize(text)
        return dict(zip(SHAPE_NAMES, shape_rows([shape_text(norm)], [0], [0], [len(norm.handles)])[0], strict=True))

    short = shape("文档看这个 https://a.cn")
    long = shape("文档看这个 https://docs.python.org/3/library/asyncio.html?id=1234567")
    assert long == short  # where the link points is evidence for the tokens, not the message's shape
    assert long["digit_share"] == 0.0 and long["latin_share"] == 0.0
    assert not is_text_flood(shape_text(normalize("看 http://aaaaaaaa.com/bbbbbbbb")))
