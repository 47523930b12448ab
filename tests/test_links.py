"""Links as evidence, not as a label (model/links.py, model/features.py without_ordinary_links): a link to an
ordinary site carries nothing by itself; a link that hides or sends somewhere keeps its parts."""
from __future__ import annotations

import numpy as np
import pytest

from qunguard.model.features import MessageFeaturizer, without_ordinary_links
from qunguard.model.links import link_tags, ordinary, typosquat
from qunguard.model.normalize import normalize


def url(text: str):
    return next(h for h in normalize(text).handles if h.kind == "url")


@pytest.mark.parametrize("text, expected", [
    ("https://github.com/psf/requests", True),
    ("https://www.cs.scu.edu.cn/info/1234.htm", True),
    ("https://docs.python.org/3/library/re.html", True),
    ("https://t.cn/A6abcdE", False),                 # a shortener hides where it goes
    ("https://s.click.taobao.com/t?e=abc", False),   # a shopping click
    ("https://shope.ee/8Kd2vXpQzT", False),          # the same platforms abroad
    ("https://s.lazada.com.ph/s.Zq7Rt", False),
    ("https://qm.qq.com/q/AbCdEf", False),           # an invitation
    ("http://yibao-chaxun.xyz/claim", False),       # a cheap TLD, where made-up "official" sites live
    ("https://www.rust-lang.org/zh-CN/learn", True),  # a hyphen is ordinary
    ("https://www.8888bet.com", False),              # numbered like a gambling site
    ("http://12.34.56.78/login", False),             # a bare IP
    ("http://127.0.0.1:8000/docs", True),            # a member's own machine or network: no stranger can open it
    ("http://192.168.0.105:8080/login", True),
    ("http://10.0.0.2/wiki/", True),
    ("https://wx.scu.edu.cn/notice/123", True),      # wx in a host is its address, not 微信 (a non-ASCII host)
    ("kw。v2mcfsip。top", False),                      # dots dodged
])
def test_which_links_are_ordinary(text, expected):
    assert ordinary(url(text)) is expected


def test_a_private_address_is_tagged_lan_and_a_public_one_ip():
    assert link_tags(url("http://192.168.1.1/admin"))[0] == "lan"
    assert link_tags(url("http://12.34.56.78/login"))[0] == "ip"
    assert link_tags(url("http://999.1.1.1/x"))[0] == "ip"  # no address at all: as written


def test_the_parts_of_a_foreign_shop_link():
    assert "shop" in link_tags(url("https://www.amazon.co.jp/dp/B00TEST"))
    assert "dom=lazada.com.ph" in link_tags(url("https://s.lazada.com.ph/s.Zq7Rt"))


def test_an_ordinary_link_is_taken_out_and_the_rest_kept():
    norm = without_ordinary_links(normalize("看这个 https://github.com/a/b 和 https://t.cn/abc 加v abc12345"))
    assert [h.kind for h in norm.handles] == ["url", "wechat"]
    assert norm.handles[0].text == "https://t.cn/abc"
    assert "github" not in norm.text
    assert norm.masked.count("\ue013") == 1  # the shortener's mark stays, in its place before the wechat one
    assert norm.masked.index("\ue013") < norm.masked.index("\ue012")


def test_a_message_without_an_ordinary_link_is_left_as_it_is():
    norm = normalize("加v abc12345 https://t.cn/abc")
    assert without_ordinary_links(norm) is norm


def test_the_featurizer_sees_a_message_with_an_ordinary_link_as_the_message_alone():
    docs = ["今天天气不错", "加我微信 Was4872 领取优惠券", "https://github.com/a/b", "资料在这 https://docs.qq.com/doc/x",
            "https://t.cn/abc 点击领取", "哈哈哈哈哈哈"]
    f = MessageFeaturizer(min_df=1, ignore_ordinary_links=True).fit(docs)
    with_link = f.transform(["资料在这 https://www.wikipedia.org/wiki/X"]).toarray()
    alone = f.transform(["资料在这"]).toarray()
    assert np.allclose(with_link, alone)
    short = f.transform(["资料在这 https://t.cn/abc"]).toarray()
    assert not np.allclose(short, alone)  # a shortener is evidence
    weighs = MessageFeaturizer(min_df=1).fit(docs)  # models before s22 weigh every link
    assert not np.allclose(weighs.transform(["资料在这 https://www.wikipedia.org/wiki/X"]).toarray(),
                           weighs.transform(["资料在这"]).toarray())


# our own ordinary links, none in the training data or the suites: alone, a link says nothing, so it is chat
BARE_LINKS = ["https://www.ncbi.nlm.nih.gov/pmc/", "https://kubernetes.io/zh-cn/docs/home/", "http://www.moe.gov.cn/",
              "https://www.weather.com.cn/weather/101270101.shtml", "https://archive.org/details/texts",
              "https://www.rust-lang.org/zh-CN/learn", "https://ocw.mit.edu/courses/", "https://www.nature.com/articles/"]


@pytest.mark.parametrize("text", BARE_LINKS)
def test_a_bare_ordinary_link_is_chat(shipped, text):
    clf, _ = shipped
    assert clf.classify(text, explain=False).label == "on_topic"


def test_the_shipped_model_leaves_ordinary_links_out(shipped):
    clf, _ = shipped
    assert clf.featurizer.ignore_ordinary_links is True


@pytest.mark.parametrize("name, squat", [
    ("steamcommunlty", True), ("a1ipay", True), ("taobaoo", True), ("githud", True),  # one letter changed or added
    ("steamcommunity", False), ("alipay", False), ("baidu", False), ("zhihu", False), ("pixiv", False),
    ("jb", False),  # too short to tell from a brand
])
def test_a_brand_name_one_letter_off_is_a_typosquat(name, squat):
    assert typosquat(name) is squat

