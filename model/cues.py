"""The labelling guide's own cue words, as two features: "spam-like" and "advertising-like".

Terms are copied from ../shared/labeling-guide.md (the spec every label follows), not
learnt from any dataset. Matched on normalised text, so 砍 一 刀, 君羊 and traditional
forms hit too. The model learns from training data how much each feature weighs;
grouping terms lets a term that our corpora never contain (砍一刀) borrow the weight
of its group (刷单, 助力, 投票 …), which they do contain.
"""
from __future__ import annotations

import re

# guide § spam: scams, phishing, gambling/porn lures, chain messages, begging for clicks,
# fake red packets, pyramid recruiting, black-market work and easy money, bare lures
SPAM_CUES = re.compile(
    "刷单|返利|中奖|领奖|冒充|公检法|退款|理赔|征信|贷款|稳赚|保本|杀猪盘|"
    "登录|验证|领取|"
    "博彩|赌场|澳门|彩金|棋牌|约炮|裸聊|"
    "转发到|不转不是|紧急通知|即将解散|务必进|进新群|"
    "投票|投个票|砍一刀|帮砍|助力|帮忙点|点一下链接|"
    "红包|拉人头|跑分|收卡|银行卡|代收代付|车队|租号|收号|上号|日赚|日入|过千|合伙人|拉新|"
    "打字员|抄小说|录入员|点赞员|"
    "看我名字|看我头像|看简介|看主页"
)
# guide § advertising: selling and promoting, with a way to buy
AD_CUES = re.compile(
    "优惠|限时|包邮|代购|微商|代理|加盟|折扣|打折|特价|低价|价格|出售|批发|"
    "私聊|扫码|联系客服|客服|淘宝|咸鱼|卡网|下载|"
    "兼职|日结|招聘|进群|加群|关注公众号|公众号|直播间|课程|训练营|知识付费|"
    # guide § spam/advertising border: rebate posts and second-hand sales
    "淘口令|口令|券后|拍[0-9一二三四五]件|低价出|转让|价格私聊"
)

