import pickle

import pytest

from qunguard.model.segment import BACKENDS, Segmenter, read_user_dict


@pytest.fixture(scope="module", params=BACKENDS)
def seg(request):
    return Segmenter(request.param)


@pytest.mark.parametrize(
    "text, word",
    [
        ("帮我砍一刀谢谢", "砍一刀"),
        ("加我微信领取优惠券限时包邮", "包邮"),
        ("沟买找我瘦后无忧", "瘦后"),
        ("兼职日结，日入过千", "日入过千"),
        ("快进群领红包", "进群"),
    ],
    ids=["kan-yi-dao", "bao-you", "homophone-shou-hou", "ri-ru-guo-qian", "jin-qun"],
)
def test_user_dictionary_terms_stay_whole(seg, text, word):
    assert word in seg(text)


def test_segments_cover_the_text(seg):
    text = "今天晚上一起打游戏吗 我八点上线"
    assert "".join(seg(text)) == text.replace(" ", "")


def test_every_user_dict_line_parses():
    entries = read_user_dict()
    assert len(entries) >= 50
    assert all(freq > 0 and word for word, freq, _ in entries)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        Segmenter("thulac")


def test_pickle_round_trip_rebuilds_the_tokenizer():
    seg = Segmenter("rjieba")
    again = pickle.loads(pickle.dumps(seg))
    assert again("帮我砍一刀谢谢") == seg("帮我砍一刀谢谢")


def test_a_second_segmenter_built_while_another_thread_cuts_raises_nothing():
    """Topic profiles build their own Segmenter in the activity thread while requests segment in another; both
    share rjieba's one tokenizer, and adding the user dictionary to it again while it cuts raised
    RuntimeError('Already borrowed'), so a group's topic learning failed under load."""
    import threading

    serving = Segmenter()
    errors: list[BaseException] = []
    stop = threading.Event()

    def cut_forever():
        try:
            while not stop.is_set():
                serving("需要的加V Was4872，限时包邮，周六下午两点在图书馆三楼讨论课程设计" * 20)
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever the cutting thread met
            errors.append(exc)

    t = threading.Thread(target=cut_forever)
    t.start()
    try:
        for _ in range(20):
            Segmenter()
    finally:
        stop.set()
        t.join()
    assert not errors
