"""The everyday forms s38 fixed, one message each, scored by two versions of the code: the figures the README's
"s38" paragraphs and that session's note cite (a course notice on a wx. host read as spam at 0.52, a teacher's
contact card at 0.50, a meeting number as advertising at 0.86...).

    python bench/bench_everyday_forms.py [--code CHECKOUT]

Prints each message's label and the score of every label above 0.01 with this checkout's code, and with
--code also with an older checkout's code (mounted as `qunguard`, bench/checkouts.py), both with this checkout's
shipped model. The suites that measure the same forms at scale: `bench_probes.py --sets everyday_s38,everyday_s38_2`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from checkouts import mount_checkout

WECHAT_CARD = ('<?xml version="1.0"?>\n<msg bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/0" '
               'smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/132" username="wxid_k2j3h4g5f6" nickname="{name}" '
               'fullpy="" alias="lls2024" imagestatus="3" scene="17" sign="" sex="2" certflag="0" />\n')
# the same card as a client writes it with every attribute (its region, empty brand fields): the README's 0.50
FULL_WECHAT_CARD = ('<?xml version="1.0"?>\n<msg bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/0" '
                    'smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/132" username="wxid_k2j3h4g5f6" nickname="李老师" '
                    'fullpy="lilaoshi" shortpy="" alias="lls2024" imagestatus="3" scene="17" province="四川" city="成都" '
                    'sign="" sex="2" certflag="0" certinfo="" brandIconUrl="" brandHomeUrl="" brandSubscriptConfigUrl="" '
                    'brandFlags="0" regionCode="CN_Sichuan_Chengdu" />\n')

FORMS = {
    "link with wx in its host": ["选课通知 https://wx.scu.edu.cn/notice/2024/123", "选课通知 https://www.scu.edu.cn/notice/2024/123",
                                 "网页版微信 https://wx.qq.com", "https://github.com/wx-chat/wx",
                                 "https://github.com/foo-chat/foo"],
    "address on the member's own network": ["服务起来了 http://127.0.0.1:8000/docs 看下",
                                            "http://192.168.0.105:8080/login 内网地址", "http://10.0.0.2/wiki/部署"],
    "contact card": [WECHAT_CARD.format(name="李老师"), FULL_WECHAT_CARD, WECHAT_CARD.format(name="兼职日结客服小美"),
                     "[CQ:contact,type=qq,id=2847561234]", "加这个 [CQ:contact,type=group,id=738291045]"],
    "identifier number": ["#腾讯会议：876-543-210", "会议号 876 543 210 密码 1234", "顺丰单号SF1234567890123 帮我查下到哪了",
                          "学号2017141234567 姓名张三", "我的steam好友码 123456789 加我一起玩", "原神uid 123456789 来我世界",
                          "快递到了，菜鸟驿站取件码 3-2-4102"],
    "app share text": [("张三 邀请您参加腾讯会议 会议主题：组会 会议时间：2024/03/05 19:00-20:00 (GMT+08:00) 中国标准时间 - 北京 "
                       "点击链接入会，或添加至会议列表： https://meeting.tencent.com/dm/AbCdEf12 #腾讯会议：876-543-210"),
                       "http://xhslink.com/a/AbCd1234 复制本条信息，打开【小红书】App查看精彩内容！",
                       "链接: https://pan.baidu.com/s/1AbCdEfGh?pwd=8k2m 提取码: 8k2m 复制这段内容后打开百度网盘手机App，操作更方便哦"],
}

_SCORE = r"""
import json, sys
from qunguard.model import artifact
clf, _ = artifact.load(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps([[v.label, v.scores] for v in clf.classify_batch(texts, explain=False)]))
"""


def score(texts: list[str], code: Path | None) -> list[tuple[str, dict[str, float]]]:
    """(label, scores) of each text, in a child process with this checkout's code or `code`'s mounted."""
    with tempfile.TemporaryDirectory() as tmp:
        path = [mount_checkout(code, Path(tmp) / "mounted")] if code is not None else []
        prog = "import sys; sys.path[:0] = " + repr(path) + "\n" + _SCORE
        done = subprocess.run([sys.executable, "-c", prog, str(ROOT / "model" / "shipped")], input=json.dumps(texts),
                              capture_output=True, text=True, cwd=tmp, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        return [(label, scores) for label, scores in json.loads(done.stdout)]


def shown(verdict: tuple[str, dict[str, float]]) -> str:
    label, scores = verdict
    return label + " " + " ".join(f"{k}={v:.2f}" for k, v in scores.items() if v > 0.01)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, help="an older checkout whose code to score the same messages with")
    args = ap.parse_args(argv)
    texts = [t for group in FORMS.values() for t in group]
    now = score(texts, None)
    before = score(texts, args.code.resolve()) if args.code else None
    i = 0
    for form, group in FORMS.items():
        print(f"## {form}")
        for text in group:
            line = " ".join(text.split())[:70]
            print(f"  {line}\n    now:    {shown(now[i])}")
            if before is not None:
                print(f"    before: {shown(before[i])}")
            i += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
