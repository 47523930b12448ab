"""Forms the labelling guide names outright and our corpora almost never show, as rules.

From ../shared/labeling-guide.md:
- a shopping or rebate post: 淘口令/口令 codes, 券后, 拍N件, `s.click`/`u.jd.com` links -> advertising;
- a second-hand sale in a campus or hobby group: 出/转/卖/低价出 + item + price, 九成新 or 私聊 -> advertising;
- a paid service offered with a way to buy it (接单, 代写, 辅导 + 私聊/加我/有偿, not a question) -> advertising;
- 微商, 招代理, 加盟: a pitch for agents or resellers with a way to sign up -> advertising, unless it recruits
  for gambling, 跑分 or a get-rich scheme (spam, the model decides);
- a paid tool or grey web service sold openly ("even if what it sells is shady": VPN, 超级签, SEO, a game
  辅助 with a price) -> advertising;
- "a member asking where to buy something ... is on_topic": 有没有(同学)出/卖/转 X -> on_topic;
- a fake urgent notice (spam, "chain messages"): a 通知/须知 that presses members to join another group or
  add an account at once (务必进新群, 最后一次, 错过重要通知后果自负) and gives its number;
- chain messages (转发到xx个群, 不转不是), begging for clicks (帮我投票, 砍一刀, 助力) and phishing (an account
  "abnormal" or "frozen", click or log in at a link) -> spam;
- "when a message both sells and deceives, choose spam": fee-first jobs, phishing on made-up official
  domains, an authority asking for a private contact, claims against the reader's bank details, sure
  returns, the boss impersonated, licence points bought (scam_bait, over any sale) -> spam;
- paid courses (课程, 训练营) and jobs that name their pay (招聘) pitched as such -> advertising;
- talk about money that sells nothing, and someone's phone number passed on to call -> on_topic;
- where the line runs between spam and advertising: a message the model calls spam that states its price (or
  offers goods or a service with a way to buy) and names none of the guide's spam forms sells openly ->
  advertising (honest_offer: spam to advertising only).
The raw corpora hold 18 rebate-like lines, few campus sales and no fake notices outside a held-out source
(data/README.md), so a model learns none of them from data; a rule written from the guide's words covers
any shop, item, price and group. A rule raises its label's logit over the others (lift); for a lure or a
service offer, a rival flagged label the model is sure of keeps the lead, and a "sale" of porn or a scam is
no sale (the guide: a "product" that is a scam is spam). The service still needs a second signal to delete.
Where each rule fires on real chat: bench/bench_guide_rules.py.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from qunguard.model.links import brand_typosquat, dodged, link_tags, lookalike, ordinary
from qunguard.model.normalize import TOKENS, Handle, Normalized

# A hit lifts its label's logit RULE_MARGIN above the labels that are not its rivals (p ~0.85 against
# on_topic), and above its rivals (RIVALS: spam for advertising, advertising for spam, both for on_topic)
# unless a rival led every other label by more than the rule's keep (RULES below). RIVAL_KEEP = 3.0 is p(rival) ~0.97 and up. A rebate post
# and a fake notice always win over the rival: the guide names both outright, and the model, which saw
# neither, reads rebate posts (codes, emoji prices) as SMS junk.
# A sale wins over spam too, but a "sale" of porn, gambling or a refund scam is no sale (_LURE_GOODS): the
# model's margin on such lures (logit lead 1-2 on the held-out split) is no larger than on honest sales it
# reads as spam (an obfuscated contact makes a sale look like a lure), so words decide, as in the guide.
RULE_MARGIN = 1.5
RIVAL_KEEP = 3.0
# the labels a rule's label competes with most (the others only need RULE_MARGIN)
RIVALS = {"advertising": ("spam",), "spam": ("advertising",), "on_topic": ("spam", "advertising")}


# re's search skips in C to where a match can start only when every branch of a pattern opens with a plain
# character (so patterns here are written that way where they can be); a pattern that opens with a (?=[...])
# class instead is tried at each position, several times slower, so its class is searched for alone first
def _search_from_start(starts: re.Pattern, pattern: re.Pattern, text: str) -> re.Match | None:
    """pattern.search(text), begun where `starts`, the characters a match can start with, first occur."""
    s = starts.search(text)
    return pattern.search(text, s.start()) if s else None

# rebate-click and coupon hosts of the shopping platforms (affiliate links, not product pages a member shares)
REBATE_HOSTS = frozenset(
    ["s.click.taobao.com", "uland.taobao.com", "u.jd.com", "union-click.jd.com", "p.pinduoduo.com", "amzn.to"]
)
# a shop's share link ("https://e.tb.cn/h.…", "v.douyin.com/…") with a coupon, a cash-back or a deal on it
_SHOP_SHARE_HOSTS = frozenset(["e.tb.cn", "m.tb.cn", "tb.cn", "v.douyin.com", "mobile.yangkeduo.com", "item.jd.com", "3.cn"])
_COUPON = re.compile(r"券|返\s*[0-9]|返现|到手|折后|比平时便宜|deal|秒杀价|优惠价")
_NUM = r"[0-9]+(?:\.[0-9]+)?"
_REBATE_STARTS = re.compile("[券拍¥$€₤淘口复]")  # where a match can start
_REBATE = re.compile(
    f"(?={_REBATE_STARTS.pattern})"
    rf"(?:券后\s*(?:价\s*)?[:：]?\s*(?:¥|rm|₱|\$|s\$|฿|₫|rp)?\s*{_NUM}"  # 券后54.0 / 券后价:¥19.9 / 券后rm19.90
    r"|拍\s*[0-9一二两三四五六七八九十]\s*件"             # 拍2件
    r"|[¥$€₤][a-z0-9]{8,}[¥$€₤]"                        # ¥Dg9ZnmNich6¥: a 口令 code (normalised to lower case)
    r"|(?:淘?口令|复制)[^。!?\n]{0,12}(?:打开|去)\s*(?:手机)?(?:淘宝|京东|拼多多|手淘|天猫))"
)
# 出/转 as "to sell", at the start of a message or after a 闲置/自用/低价-style lead; the next
# character must not make another verb (出去, 出来, 转发, 转账 ...)
_SALE_LEAD = re.compile(
    r"^(?:[【\[(（]?\s*(?:闲置|自用|毕业了?|搬家了?|低价|便宜|急|个人)\s*[】\])）]?[\s,]*){0,2}"  # "毕业了,出床帘"
    r"(?:低价出|便宜出|出售|转让|清仓|出|转|卖|售|甩)"
    r"(?!去|来|门|发|现|了|过|差|生|版|租|借|国|院|头|手|账|帐|告|专业|学|向|身|变|换|移|载|给|达|播|一下|入|正|道|题|错|车了|钱|力|口|场|职"
    r"|萌|完|家|的|吗|不|没|光|点|相|弄|片|惨|命|后|货员|价|票|锅|掉)"  # 卖萌, 卖完了, 卖家, 卖的, 卖吗, 售后, 售价, 甩锅 ...
)
# what makes it a sale: a price, 原价/几折/包邮/可刀, or "ask me privately"
# 出 + a measure word after a first clause: "孩子钢琴不学了，出一台立式的"; a seller asking who wants it: "有人要跑步机吗"
_MID_SALE_LEAD = re.compile(r"[,;]\s*(?:低价出|便宜出|出|转)(?:一|个|台|套|辆|件|张|部|只|双|两)|^(?:有人|谁)要(?!出|卖|转|买|收)[^?,;]{1,12}(?:吗|不)"
                            # "老白茶饼出几片": an item, then 出 and how many (not 做出/选出/拿出… two of them)
                            r"|出(?<=[\u4e00-\u9fff]出)(?<![做选拿找排想提列写画挑算指说看跑演派输付支抽推评取交发送借退查认分]出)"
                            r"(?:几|[两三四五六七八九十])(?:片|个|件|套|张|盒|瓶|双|本|只|台|饼|箱|斤|串|条|支|把|罐|袋)")
_SALE_TERMS = re.compile(
    rf"{_NUM}\s*(?:r\b|rmb|元|块|米|圆|¥)|¥\s*{_NUM}|原价|[0-9一二三四五六七八九]折|包邮|可刀|小刀|"
    r"私聊|私戳|私我|私信|滴滴我|价格私|价格可议|价钱可议|有意|感兴趣|[0-9一二三四五六七八九]成新|自提|面交"
    r"|[\s,;/][0-9]{1,6}(?:\.[0-9]+)?(?:[\s,;/]|$|\s*出|顺丰|到付|包邮|拿走|全拿走|打包)"              # "转电动车 800", "出显示器,180,", "... 600出": a bare number as the price
    r"|(?<=[\u4e00-\u9fff])[0-9]{2,5}(?=[、,;\s]|$)"                # "床帘25，床垫60": an item and its price
    r"|(?:[\s,;/]|一起|打包)[一二两三四五六七八九十]+[十百千万][一二两三四五六七八九十]?(?:块|元)?(?=[\s,;/。!]|$|自提|拉走|包邮|拿走|出)"  # "两样一起三百", "五百出"
)


# guide § spam: 刷单返利 and paid "tasks" are scams, whatever shopping words they borrow
_BRUSHING = re.compile(r"刷单|刷信誉|刷销量|做任务|垫付|佣金|兼职|日结|返佣")


def rebate_post(norm: Normalized) -> str | None:
    """The span that makes this a rebate post, or None (also for a brushing scam that borrows its words)."""
    span = None
    if norm.handles:  # a rebate link, or a coupon beside a shop's link: most messages have no link at all
        span = next((h.text for h in norm.handles if h.kind == "url" and h.value.lower() in REBATE_HOSTS), None)
        if span is None and (m := _COUPON.search(norm.text)):
            share = any(h.kind == "url" and (h.value.lower() in _SHOP_SHARE_HOSTS or "shop" in link_tags(h)) for h in norm.handles)
            span = m.group(0) if share else None
    if span is None:
        m = _search_from_start(_REBATE_STARTS, _REBATE, norm.text)
        span = m.group(0) if m else None
    if span is None or _BRUSHING.search(norm.text):
        return None
    return span


# guide § spam: porn and gambling lures and refund scams dressed as a sale (出售本人自拍视频3元, 先反后米, 返现)
# are spam: no sale rule for them, the model decides
_LURE_GOODS = re.compile(r"自拍|私密视频|小视频|小电影|视频.{0,3}[0-9一二三两五十]+\s*(?:元|块)|黄片|黄网|黄软|huang|色情|"
                         # 成人 but an adult size, ticket or team, or adult education (成人高考: a course)
                         r"成人(?!款|装|码|尺码|版|组|礼|票|教育|高考|自考|本科|大专|学历|英语)|"
                         r"裸|约炮|约p|福利视频|看片|上门服务|可上门|上门按摩|包夜|空降|楼凤|外围|博彩|彩金|棋牌|赌|菠菜|狗肉|猫肉|狸猫|返现|返利|先反|先推|"
                         r"懂的来|懂的私|看全套")


# "闲置罗技鼠标，用了半年，260出": an idle item first, the selling verb after its price
_IDLE_LEAD = re.compile(r"^[【\[(（]?\s*(?:个人|自用)?闲置[】\])）]?")
_IDLE_PRICE = re.compile(rf"{_NUM}\s*(?:元|块|r\b)?\s*(?:出|转|卖)(?!去|来|门|发|现|了|过)|(?:出|转让|出售)\s*{_NUM}")


# "年会抽中的按摩仪，全新没拆，150", "打包40，8栋来拿": no selling verb, but the item's state or its handover
# and a price make a sale; buying, asking and a price paid ("500买的") are not one
# (the handover also says it: 自取, 交接, 来拉, 上门看, 到付; and so does clearing out: 清宿舍, 带不走, 出掉)
_ITEM_STATE = re.compile(r"(?=[全成未没只用自面来给拿包交上到顺转清带搬出看可店试])(?:全新|(?<=[0-9一二三四五六七八九])成新|未拆|没拆|没用过|只用过|用过几次|自提|自取|面交|来拿|来拉|来搬|来取|"
                         r"给有缘人|拿走|包邮|交接|上门看|到付|顺丰|转让|清(?:宿舍|东西|工位|仓|库存)|带不走|搬不走|搬不动|出掉|看车|看货|验货|"
                         r"可约在|可以?试(?:骑|穿|戴|用|听|驾)|试(?:骑|穿|驾)|店不开了|店不干了)")
_PRIVATE_PRICE = re.compile(r"私聊|私我|私信|价格私|价格可议|价钱可议")
_BARE_PRICE = re.compile(r"(?:^|[\s,:;/])(?:打包|一共|共|都)?\s*[£$¥]?[0-9]{2,5}(?:\s*(?:元|块|r\b|rmb))?\s*(?:出|给|拿走|全拿走|包邮|打包)?(?=[\s,;/。!]|$|出|给|拿|打|全)"
                         # a price in Chinese numerals between commas: "三千五", "两百"
                         r"|(?:^|[\s,;/]|一起|打包)[一二两三四五六七八九十]+[十百千万][一二两三四五六七八九十]?(?:块|元)?(?=[\s,;/。!]|$|自提|拉走|包邮|出|拿走)"
                         # an item and its price with nothing between: "小冰箱180，台灯20", "电竞椅200、支架50"
                         r"|(?<=[\u4e00-\u9fff])[0-9]{2,5}(?:\s*(?:元|块))?(?=[、,;\s]|$)")
_CN_PRICE_HINT = re.compile("[十百千万]")
# two digits, a Chinese price or 私, in one scan (opened by a class, so re skips ahead): 十百千万私, or a digit and another
_PRICE_OR_PRIVATE = re.compile("[0-9十百千万私](?:(?<=[十百千万私])|[0-9])")
# every selling verb of _SALE_LEAD and _MID_SALE_LEAD holds one of them ("有人要…": 要)
_SALE_VERB_CHARS = re.compile("[出转卖售甩清要]")
# buying, asking and a price paid ("500买的"); "买来只用了三次" is the item's story, not a purchase
_NOT_A_SALE = re.compile(r"[0-9一二三四五六七八九十百千万]\s*(?:块|元)?买的|想买|要买|求购|在哪买|哪里买|买吗|能买|收(?!到|拾|藏|获|纳)|求|[?？吗]|多少钱|花了|交了|付了|贵|便宜吗")


def secondhand_sale(norm: Normalized) -> str | None:
    """The span that makes this a second-hand sale (出/转 + item + price or 私聊), or None."""
    text = norm.text.strip()
    if len(text) > 120:  # a long post is a pitch the model reads well, or not a sale
        return None
    span = _sale_span(text)
    # a porn or gambling "sale" is a lure: asked last, as most chat is no sale at all
    return None if span is None or _LURE_GOODS.search(text) else span


def _sale_span(text: str) -> str | None:
    """secondhand_sale's span before the lure check."""
    lead = (_SALE_LEAD.match(text) or _MID_SALE_LEAD.search(text)) if _SALE_VERB_CHARS.search(text) else None
    if lead is None:
        idle = _IDLE_LEAD.match(text) if "闲置" in text else None
        price = _IDLE_PRICE.search(text, idle.end()) if idle else None
        if price:
            return text[: price.end()].strip()
        if len(text) > 80:
            return None
        # no price, no sale, unless its condition and "ask me" say it ("八成新，有需要的私聊我"): most chat stops here
        state = _ITEM_STATE.search(text) if _PRICE_OR_PRIVATE.search(text) else None
        if state is None or _NOT_A_SALE.search(text):
            return None
        if "成新" in state.group(0) and (private := _PRIVATE_PRICE.search(text)):
            return text[: max(state.end(), private.end())].strip()
        price = _BARE_PRICE.search(text)
        return text[: max(state.end(), price.end())].strip() if price else None
    # the first sale term with an item between 出 and it ("出九成新iPad，800": 800, not 九成新)
    terms = next((m for m in _SALE_TERMS.finditer(text, lead.end()) if m.start() > lead.end()), None)
    if terms is None:
        return None
    return text[: terms.end()].strip()


# guide § advertising: a paid service offered with a way to buy it (接单, 代写, 辅导 + 私聊/加我/有偿), and none of
# the guide's spam forms (brushing, paid-per-piece work: _deceit), "says what it sells" even when it is as short
# as 私信帮写, which the model reads as a bare lure; a member asking for one (求, 有没有, 吗, ?) is on_topic, and so
# is a question in general
_OFFER = re.compile(r"接单|在线接|代写|代做|代打|代练|代考|帮写|帮做|辅导|一对一|助攻|答疑|接(?:毕设|课设|作业|项目|私活)|包过")
_BUY_WAY = re.compile(r"私信|私聊|私我|私戳|找我|联系我|加我|\+我|滴滴我|戳我|有意|有偿|价格|价钱|收费|便宜|优惠")
_ASKING = re.compile(r"\?|？|吗|求|有没有|谁能|谁会|哪里|怎么|请问")


# a "service" that is a lure in the training rows the offer rules must not move: video-chat porn (一对一视贫), a side
# hustle to riches (副业, 撬动百万财富), a refund scam written 退宽, farming game currency (刷元宝). Kept out of _DECEIT,
# which the course, priced and sale rules share: there 副业 would also stop a course on side hustles (宝妈副业课).
_SERVICE_LURE = re.compile(r"一对一视[频屏]|视贫|裸聊|副业|财富|退宽|刷(?:元宝|钻石|金币|点券)")


def _offer_deceit(text: str) -> bool:
    """A spam form of the guide, or a lure dressed as a service: no offer rule may call it advertising."""
    return _deceit(text) or _SERVICE_LURE.search(text) is not None


def service_offer(norm: Normalized) -> str | None:
    """The offer word of a paid service pitched with a way to buy it, or None."""
    text = norm.text
    offer = _OFFER.search(text)
    if offer is None or _ASKING.search(text):
        return None
    if not norm.handles and not _BUY_WAY.search(text):
        return None
    return None if _offer_deceit(text) else offer.group(0)


# guide § spam: a get-rich scheme (a "project" that earns you 500 a day) is a lure, whatever it recruits for
# 利润 but a margin stated as a share ("利润四成", "利润30%"): a reseller's terms, not a promise of easy money
_EARNING = r"赚|挣|盈利|利润(?!\s*(?:[0-9]+\s*%|[一二三四五六七八九十]+成|[0-9]+成))|收益|变现|收入|高薪|回本|稳赚|躺赚|日产|日入|月入|项目|引流|精准粉|证件|文凭|病假|刻章|发票|卖片"

# guide § advertising: 微商, 招代理, 加盟 are named outright; a recruiting pitch for agents or resellers with a
# way to sign up is advertising. In the corpora most 招代理 posts recruit for gambling sites, 跑分 or paid
# "tasks", which the guide calls spam: those words keep the rule off and the model decides.
# 招代理 in its other words: resellers (分销), group-buy leaders (团长), channel and campus agents
_AGENT = re.compile(r"招[^,，。!?\n]{0,4}?(?:代理|经销商|加盟商|分销)|招(?:募)?(?:社区|社群|小区)?团长|代理加盟|诚招|加盟|一件代发|零库存|微商|分销(?:商|伙伴|代理)|"
                    r"做团长|当团长|货源|厂家直(?:供|销)|工厂直(?:供|销)|拿货|批发价|代理价|分销价")
# 博 for gambling, not in 微博, 博客, 博士, 博主, 博物馆, 博览会
_AGENT_SCAM = re.compile(r"体育|(?<!彩)彩(?!妆)|棋牌|赌|(?<!微)博(?!客|士|主|物|览|文)|菠菜|娱乐|真人|百家乐|跑分|usdt|洗钱|洗码|洗卡|人头费|刷单|兼职|"
                         r"外汇|入金|秒合约|资金盘|"  # trading schemes: since s27 a commission (佣金) no longer keeps them off
                         r"日结|垫付|码商|卡商|代收|代付|灰产|偏门|黑产|黑卡|黑户|黑号|(?<!一件)代发|" + _EARNING)


def agent_pitch(norm: Normalized) -> str | None:
    """The recruiting word of a pitch for agents, resellers or franchisees with a way to sign up, or None."""
    text = norm.text
    agent = _AGENT.search(text)
    if agent is None or _AGENT_SCAM.search(text) or _ASKING.search(text):
        return None
    if not norm.handles and not _BUY_WAY.search(text) and not _SIGN_UP.search(text) and not _AGENT_TERMS.search(text):
        return None
    return agent.group(0)


_EARNING_RE = re.compile(_EARNING)
# an agent's or a franchisee's terms say the pitch as plainly as a contact does: its fee, its wholesale price, no stock
_AGENT_TERMS = re.compile(r"加盟费|拿货价|代理价|批发价|出厂价|一件代发|零库存|不压货|不囤货|不用囤货|素材我")
_SIGN_UP = re.compile(r"详情|咨询|联系|了解|扫码|加v|加微|加q|vx|微信|电话|热线")

# guide § advertising ("even if what it sells is shady"; issue: VPN, 超级签 and SEO offers are advertising):
# a paid tool or a grey web service with a price or a way to buy it
# words that name a grey tool or service outright, and words that also name a game role or a school task
# (辅助 is a support player, 脚本 a script, 搭建 building anything): those need a price in numbers
_TOOL = re.compile(r"科学上网|翻墙|稳定机场|高速机场|便宜机场|优质机场|机场(?:订阅|节点)|梯子|vpn|加速器|超级签|企业签|ios签名|seo|快排|"
                   r"网站搭建|建站|小程序开发|app开发|定制开发|外挂|内部版|破解版")
_TOOL_AMBIGUOUS = re.compile(r"辅助|脚本|挂机|源码|搭建")
_TOOL_PRICE = re.compile(rf"{_NUM}\s*(?:r\b|rmb|元|块|米|u\b|刀)|¥\s*{_NUM}|月付|年付|包月|月卡")
_WANTS_IT = re.compile(r"私$|要的|需要")  # "要的私", "需要的加": an offer's call to the buyer
_TOOL_TERMS = re.compile(r"永久|试用|稳定|不封|售后|优惠|低价|便宜|价格")


def tool_service(norm: Normalized) -> str | None:
    """The tool or service word of a paid tool or grey web service pitched with a price or a way to buy
    it, or None (a member asking about one is on_topic)."""
    text = norm.text
    tool = _TOOL.search(text)
    priced = False  # looked for only once a tool word is found: most messages have none
    if tool is None:
        tool = _TOOL_AMBIGUOUS.search(text)
        if tool is None or not _TOOL_PRICE.search(text):
            return None
        priced = True
    if _ASKING.search(text) or _LURE_GOODS.search(text) or _BRUSHING.search(text) or _EARNING_RE.search(text):
        return None
    if not (priced or _TOOL_PRICE.search(text) or _TOOL_TERMS.search(text)):
        return None
    if not norm.handles and not _BUY_WAY.search(text) and not _SIGN_UP.search(text) and not _WANTS_IT.search(text):
        return None
    return tool.group(0)


# guide § on_topic: "a member asking where to buy something ... is on_topic". 有没有(同学)出/卖/转 X asks for a
# seller, however it ends (有的私聊); the corpora label it chat 13 times to 3. A porn or earning lure is kept off.
_BUY_ASK = re.compile(r"^(?:有没有|有无|有谁|哪位|谁有|有人)(?:人|同学|朋友|学长|学姐|大佬|老板|兄弟|小伙伴)?(?:要)?(?:出|卖|转)"
                      r"(?!去|来|门|发|现|了|过|差|售)")
# "有出二手xx的吗", "想给孩子收套二手乐高": asking for a seller, or a member buying ("收" as "to buy")
_BUY_ASK_MORE = re.compile(r"^有(?:出|卖|转)(?!去|来|门|发|现|了|过|差|售)[^。!?\n]{1,20}(?:吗|么|嘛|\?)|^(?:想|求)(?:给[^,。!?\n]{1,6})?收(?!到|藏|获|拾|费|入|益|款|留)")


# "…有老师推荐靠谱的品牌和经销商吗？", "哪里批发便宜吗", "有什么正规渠道吗": a member asking where to buy
_WHERE_TO_BUY = re.compile(r"(?:哪里|哪儿|哪家|在哪)(?:能|可以|有)?(?:买|批发|订|定做|采购|换|办)|推荐[^。!?\n]{0,12}(?:店|品牌|牌子|渠道|商家|经销商|厂家)"
                           r"|(?:有没有|有什么|哪有)(?:靠谱|正规|便宜)的?[^。!?\n]{0,10}(?:店|渠道|商家|卖家|厂家)")
_BUY_ASK_OPENERS = frozenset("有哪谁想求")  # the first characters of _BUY_ASK and _BUY_ASK_MORE
_QUESTION = re.compile(r"\?|？|吗|呢|不$|求推荐")


def buy_request(norm: Normalized) -> str | None:
    """The words of a member asking who sells something, or where to buy it, or None."""
    text = norm.text.strip()
    m = (_BUY_ASK.match(text) or _BUY_ASK_MORE.match(text)) if text[:1] in _BUY_ASK_OPENERS else None
    if m is None and not norm.handles and _QUESTION.search(text):
        m = _WHERE_TO_BUY.search(text)
    if m is None or len(text) > 60 or _LURE_GOODS.search(text) or _EARNING_RE.search(text) or _BRUSHING.search(text):
        return None
    return m.group(0)


# guide § advertising: "promoting another group, channel or account: 进群xxxx, 关注公众号, 直播间". A join line
# counts with a way in (a group number or a contact handle, 扫码, 拉你); 新人进群请看公告 is housekeeping.
_PROMO_STARTS = re.compile("[关搜订公视抖小快b直频新已开建群知]")  # where a match can start
_PROMO = re.compile(
    f"(?={_PROMO_STARTS.pattern})(?:"
    r"关注(?:我们|我|本)?的?(?:公众号|视频号|抖音|小红书|快手|b站|微博|频道|账号|直播间)"
    r"|(?:搜索?|订阅)(?:我的|我们的)?[^。!?\n]{0,10}?(?:公众号|抖音号?|小红书|快手号?|视频号|频道|b站|uid)"
    r"|(?:公众号|视频号|抖音号?|小红书|快手|b站|直播间|频道)[^。!?\n]{0,12}(?:关注|捧场|上新|开播|订阅)"
    r"|(?:新建|新开|已开|开放|开通|建了)[^。!?\n]{0,10}群|群[^。!?\n]{0,4}(?:已开|开放|开通)"
    r"|(?:公众号|视频号|抖音|小红书|快手|b站|频道)(?:账号|号)?[^。!?\n]{0,6}(?:开通|上线)|频道[^。!?\n]{0,30}订阅"
    r"|知识星球)"
)
_JOIN_WAY = re.compile(r"扫码|拉你|进群|加群|群号|想进的|@我|戳")
# a class's or club's own groups (not 社团: the campus fake notices promise 社团纳新 too)
_OWN_GROUP = re.compile(r"咱们班|我们班|本班|咱班|班级群|家长群|社里|我们社|本社|[一二三四五]群满了|新开了?[二三四五六]群")
# "点个关注" of a named account or channel anywhere (西瓜视频搜「…」, 微博超话, 房间号, a Steam group): the platforms
# change, the call to follow and the account's name do not
_FOLLOW = re.compile(r"(?=[点求记去帮大f])(?:(?:点个?|求|记得点?|去|帮忙点?|大家)\s*关注|follow)")
_ACCOUNT = re.compile(r"[「『#@]|号|搜|频道|超话|主页|up主|id")  # not 直播/主播: a streamer's own room asks for follows
_LIVE_ROOM = re.compile(r"(?=[直开主])(?:直播|开播|主播|开台)[^。!?\n]{0,16}(?:房间号|直播间号?)\s*[:：]?\s*[0-9]{4,}")  # a game room's number is no promotion
_NEW_CHANNEL = re.compile(r"(?=[搞开建群新])(?:搞了|开了|建了)个?[^。!?\n]{0,12}(?:群|频道|小组)|群(?:新|已|也)?开(?:了|啦|放)?(?=[,;:\s]|$)|新开了?[^。!?\n]{0,8}群")
_PROMO_LURE = re.compile(r"红包|返利|免费领|免.?费看|做爱|同城")
# the same call in more words: 关注下我的视频号, a channel named in 「」/《》/## with a call to follow, join or search
# it, a channel of one's own just opened, a fan group with a gift for joining
_PLATFORM = r"(?:公众号|视频号|抖音号?|小红书号?|快手号?|b站|微博|豆瓣小组|播客|喜马拉雅|小宇宙|爱发电|知乎|超话|频道|粉丝群|社群|steam\s?组)"
_PROMO_CALL = re.compile(r"关注|订阅|加入|进来|来玩|搜|欢迎|来看|来听|去听|去看|进群|入群|扫码")
_PROMO_MORE_STARTS = re.compile("[关公视抖小快b微豆播喜爱知超频粉社s主开建搞进交互搭团资打福分学兴闲二群]")  # where a match can start
_PROMO_MORE = re.compile(
    f"(?={_PROMO_MORE_STARTS.pattern})"
    rf"(?:关注(?:一?下)?(?:我的|我们的?|本)?[^。!?\n]{{0,8}}?(?:{_PLATFORM}|这个号)"
    rf"|(?:{_PLATFORM}|主页)\s*(?:搜索?)?\s*[「『《#][^」』》#\n]{{2,16}}[」』》#]"
    rf"|{_PLATFORM}\s*关注\s*(?:[「『《#][^」』》#\n]{{2,16}}[」』》#]|@[^\s,;:。!?\n]{{2,16}})"  # "微博关注@某号": follow it, said as a pitch
    rf"|{_PLATFORM}[^。!?\n]{{0,8}}(?:搜|id)\s*[「『《#@]?[a-z0-9_\u4e00-\u9fff]{{3,}}"
    rf"|(?:开了|建了|搞了|开通了)个?[^。!?\n]{{0,6}}?(?:{_PLATFORM}|号|页面)"
    r"|进(?:粉丝)?群(?:送|领|备注)|频道号\s*[:：]?\s*[a-z0-9]{5,}"
    # a group of a named kind, with a way in ("跨境卖家交流群…扫我名片进群"); a class's or family's own group is not one
    r"|(?<!班)(?<!级)(?:交流群|社群|互助群|搭子群|团购群|资源群|打卡群|福利群|分享群|学习群|兴趣群|闲置群|二手群|群】)[^。!?\n]{0,40}?"
    r"(?:扫码|扫我|进群|加群|入群|拉你|我拉|群号|想进的))"
)


def _group_handle(norm: Normalized) -> str | None:
    """The first group number posted, or None (no generator is built for the many messages with no handle)."""
    return next((h.text for h in norm.handles if h.kind == "group"), None) if norm.handles else None


def group_promo(norm: Normalized) -> str | None:
    """The words that promote another group, channel or account, or None. A group number posted
    (群号/QQ群 + digits, a handle of kind "group") is an invitation by itself."""
    text = norm.text
    m = _search_from_start(_PROMO_STARTS, _PROMO, text)
    if m is None and ("房间号" in text or "直播间" in text):
        m = _LIVE_ROOM.search(text)
    if m is None and ("群" in text or "频道" in text or "小组" in text):
        m = _NEW_CHANNEL.search(text)
    if m is None and ("关注" in text or "follow" in text) and (f := _FOLLOW.search(text)) and _ACCOUNT.search(text):
        m = f
    # a call after the channel named needs a call somewhere: the cheaper test first
    if (m is None and _PROMO_CALL.search(text) and (more := _search_from_start(_PROMO_MORE_STARTS, _PROMO_MORE, text))
            and _PROMO_CALL.search(text, more.start())):
        m = more
    span = m.group(0) if m else _group_handle(norm)
    if span is None or _ASKING.search(text) or _LURE_GOODS.search(text) or _AGENT_SCAM.search(text) or _PROMO_LURE.search(text):
        return None  # a group or channel for gambling, porn, 跑分 or easy money is a lure: the model decides
    if m is not None and "群" in span and not (norm.handles or _JOIN_WAY.search(text)):
        return None  # "新开了一家店群里说过" is no invitation: a group line needs a way in
    if _OWN_GROUP.search(text):
        return None  # the guide: promoting *another* group; a class's own group number is housekeeping
    return span


# guide § advertising: "prices ... a contact to buy through", and "obfuscated forms count the same". An offer
# with a price and a contact is advertising however its contact is dodged (薇：m i a n, 扣扣：叁柒贰…), which
# the corpora's SMS and Telegram spam taught the model to read as a lure; what it sells decides instead:
# gambling, porn, loans, invoices, papers, paid tasks and easy money stay with the model.
_OFFER_PRICE = re.compile(
    r"(?=[0-9¥包月学课单每一半])(?:"  # where a match can start
    rf"{_NUM}\s*(?:元|块|r\b|rmb|¥|起)|¥\s*{_NUM}|包邮"
    rf"|(?:月租|学费|课时费|单节|每节|每次|一次|一节|一小时|每小时|一天|每天|一晚|每晚|一周|每周|一个月|每月|半斤|一斤|每斤|一份|一盒|一瓶)\s*{_NUM}"
    rf"|{_NUM}\s*(?:一次|一节|一套|一斤|一瓶|一份|一盒|一个|一件|/小时|/次|/节))"
)
_PRICE_GATE = re.compile("[0-9包]")  # every price form holds a digit, or is 包邮
# a way to buy, said in words (a detected handle counts too); a bare 电话/联系 is also in every SMS notice
# WeChat by its nicknames and dodged glyphs too: 绿泡泡 ("the green bubble"), 嶶/溦 for 微, 加 威, a V and an emoji
_CONTACT_WORD = re.compile(r"加微|薇|嶶|溦|绿泡泡|绿色泡泡|威[:：❤\ue002]|加\s?威|徽|vx|加\s?v|\+\s?v|v\s?[:：信\ue002]|扣扣|企鹅|加q|qq\s?[:：号]|"
                           r"私信|私聊|私我|联系我|加我")
_BUY_HANDLES = frozenset(("wechat", "qq", "telegram"))
_OFFER_SCAM = re.compile(r"多劳多得|复制粘贴|贷|借|套现|信用卡|征信|发票|办证|假证|文凭|学历|病假|刻章|红包|中奖|领奖|返现|免费送|押金|解冻|"
                         r"视屏|一部|卖片|黄片|小片|污|爽|看的|av|回收|收.{0,3}号|租号|退|任务|话术|下分|上分|兑换现金|"
                         r"股票|牛股|金股|买入|大涨|涨停|带单|喊单")  # stock tips: 投资理财 with sure returns


# a phone number offered to call ("电话：139…", "预约 136 / 0248", "T·E·L："), not one that is only there
_CALL_WORD = re.compile(r"(?:电话|手机|热线|预约|致电|联系|详询|咨询|t\W?e\W?l)\W{0,3}$")


def _phone_to_call(norm: Normalized, h: Handle) -> bool:
    i = norm.text.find(h.text)
    return i > 0 and _CALL_WORD.search(norm.text, max(0, i - 8), i) is not None


def priced_offer(norm: Normalized) -> str | None:
    """The price of an offer made with a price and a contact to buy through, or None."""
    text = norm.text
    # a phone number alone is no way to buy here: every SMS notice carries the reader's own; one offered
    # to call is
    if not ((norm.handles and any(h.kind in _BUY_HANDLES or (h.kind == "url" and dodged(h))
                                  or (h.kind == "phone" and _phone_to_call(norm, h)) for h in norm.handles))
            or _CONTACT_WORD.search(text)):
        return None
    price = _OFFER_PRICE.search(text) if _PRICE_GATE.search(text) else None
    if price is None and _CN_PRICE_HINT.search(text):  # a unit and its price in Chinese numerals: "一台三百", "一亩十块"
        cn = _CN_UNIT_PRICE.search(text)
        price = cn if cn and not _deceit(text) else None
    if price is None:
        return None
    if _ASKING.search(text) or _LURE_GOODS.search(text) or _AGENT_SCAM.search(text) or _OFFER_SCAM.search(text):
        return None
    return price.group(0)


_NOTICE = re.compile(r"通知|须知|公告")
_URGENT = re.compile(r"务必|最后一次|抓紧|赶紧|尽快|速度|以免|错过|后果自负|没加的|未加的|还没加|还没有加|还没进|未进")
_JOIN = re.compile(r"新群|进群|加群|入群|群号|q群|qq群|通知群|交流群|墙|加一下|添加|vx|微信|qq|扣扣")
_NUMBER = re.compile(r"[0-9]{5,}")


# guide § spam: "群即将解散, 务必进新群": the group itself threatened (to be dissolved, upgraded, cleared, moved)
# unless members act at once (scan, activate, join the new one)
_GROUP_THREAT = re.compile(r"(?=[本此该群否所全大])(?:(?:本群|此群|该群|群)(?:即将|将于?|马上|今晚)[^。!?\n]{0,12}(?:解散|升级|清理|关闭|封|转移|迁移)"
                           # s27: the group said reported or limited, and closed tonight ("本群被举报即将解散", "群因成员过多被系统限制，今晚12点将自动解散";
                           # s32: by whom, "本群被渔政举报")
                           r"|群[^。!?\n]{0,8}(?:被[^。!?\n]{0,4}举报|被限制|被系统限制|被封|违规)[^。!?\n]{0,4}[,;]?[^。!?\n]{0,16}(?:解散|封|关闭|清理|限制)"
                           r"|否则[^。!?\n]{0,6}(?:移出|踢出|清理出)|(?:所有人|全员|全体成员|大家)[^。!?\n]{0,4}(?:转移|迁移|移步)[^。!?\n]{0,8}新群)")
_ACT_NOW = re.compile(r"扫码|激活|新群|进群|加群|群号|添加|加一下|验证")


def fake_notice(norm: Normalized) -> str | None:
    """The words that make this a fake urgent notice (a notice + urgency + join/add + a number or handle;
    or the group threatened unless members act), or None."""
    text = norm.text
    threat = _GROUP_THREAT.search(text) if "群" in text else None  # every threat names the group
    if threat is not None and (_ACT_NOW.search(text) or norm.handles or _NUMBER.search(text)):
        return threat.group(0)
    notice = _NOTICE.search(text)
    if notice is None or not _URGENT.search(text) or not _JOIN.search(text):
        return None
    if not norm.handles and not _NUMBER.search(text):
        return None
    if _OWN_GROUP.search(text) and "新群" not in text:
        return None  # "咱们班的QQ群号是…还没进的家长进一下": a class's own group, no new one to move to
    return text[notice.start() : notice.start() + 40]


# guide § spam: chain messages, begging for clicks, phishing
_CHAIN = re.compile(r"(?=[转不请务马赶一])(?:转(?:发(?:到|给)?|到|给)\s*[0-9一二三四五六七八九十]+\s*个?[^。!?\n]{0,4}群"
                    r"|转发?[^。!?\n]{1,4}?(?:到|给)\s*[0-9一二三四五六七八九十]+\s*个?[^。!?\n]{0,4}群|不转[^。!?\n]{0,10}(?:灾|倒霉|厄运|霉运|不得好|死)|不转(?:发)?不是(?:中国人|华人|人)|转发.{0,6}(?:好运|平安|否则)"
                    # "请马上转发给家人朋友！！": a rumour pressed on to everyone one knows, with the alarm of its "!"
                    r"|(?:请|务必|马上|赶紧|赶快|一定要?)\s*(?:马上)?转发?给?(?:所有|身边的?|你的|更多的?|家里的?)?(?:家人|亲人|朋友|亲友|老人)[^。\n]{0,6}!)")
# a plea to the reader, with a link to click or a thank-you ("我给你投票" in chat is not one)
_BEGGING = re.compile(r"帮(?:我|忙)[^。!?\n]{0,10}?(?:投(?:个|一下?|下)?票|砍(?:一刀|一下)|打榜|(?:点个?)?助力|点(?:一下|个赞|赞|点)|点击)|砍一刀"
                      r"|(?:求|麻烦)(?:各位|大家|家人们)[^。!?\n]{0,12}(?:投票|打榜|助力|点赞|点个赞|点点)")
_BEGGING_CHARS = re.compile("[帮砍求麻]")  # each plea opens with one of them (帮, 砍一刀, 求/麻烦各位)
_PLEA = re.compile(r"谢谢|多谢|感谢|拜托|求求|麻烦|救命|就差|🙏")  # "就差最后一刀了"
_PHISH = re.compile(r"(?:账户|账号|帐号|银行卡|信用卡|社保|医保|etc)[^。!?]{0,8}(?:异常|冻结|过期|失效|停用|风险|升级)")
_PHISH_ACT = re.compile(r"点击|登录|登陆|验证|认证|激活|解冻|领取")


# guide § spam: paid "jobs" that pull readers into fraud: a job that asks a fee first (培训费, 会员费, 先交…)
_FEE_FIRST = re.compile(r"先(?:交|付|缴)[^。!?\n]{0,8}(?:费|金)|培训费|会员费|入会费")
_NO_FEE = re.compile(r"(?:不收|无需|免|不用交?|不需要?)[^，,。!?\n]{0,4}(?:费|押金|钱)")
_JOB = re.compile(r"招|兼职|日结|在家|挂机|打金|接单|岗位|任务|一天[0-9三五百几]|日赚|日入|包过|名额|内推|录取|编制|入职")


# guide § spam, "bare lures: a contact handle or 看我名字/看我头像 with nothing honest offered": the way to reach the
# sender is in their avatar, name or signature ("号在我签名里", "绿泡泡就在头像上", "v看我昵称")
# (a bare 看我头像 is also a joke in chat: "哈哈哈哈 看我头像" in the QQ group; the way to reach them must be named)
_BARE_LURE = re.compile(r"(?:号|v|微信|绿泡泡|vx|企鹅|扣扣|联系方式|怎么联系)[^。!?\n]{0,6}(?:在|看|见)(?:我的?)?(?:头像|签名|昵称|网名|名字|个签)"
                        # "失眠的小哥哥看我空间呀，今晚陪你聊": company offered, the way in is the sender's page
                        # (s32: 点我头像, 戳我主页 as well)
                        r"|(?:看|来|进|点|戳)我(?:的)?(?:空间|头像|主页)[^。!?\n]{0,12}(?:陪你|陪聊|聊聊|约|想你|等你)"
                        r"|(?:小哥哥|哥哥们|寂寞|失眠)[^。!?\n]{0,10}(?:看|来|进|点|戳)我(?:的)?(?:空间|头像|主页)")
_PROFILE_PART = re.compile("头像|签名|昵称|网名|名字|个签|空间|主页")  # every bare lure names one


def lure(norm: Normalized) -> str | None:
    """The span of a chain message, a plea for clicks or votes, or a phishing notice that sends the
    reader to a link; or None."""
    text = norm.text
    m = _CHAIN.search(text) if "转" in text else None  # every chain form says 转
    if m:
        return m.group(0)
    m = _BEGGING.search(text) if _BEGGING_CHARS.search(text) else None
    if m and (_PLEA.search(text) or any(h.kind == "url" for h in norm.handles)):
        return m.group(0)
    m = _PHISH.search(text) if norm.handles and any(h.kind == "url" for h in norm.handles) else None
    if m and _PHISH_ACT.search(text):
        return m.group(0)
    m = _BARE_LURE.search(text) if ("我" in text or "在" in text) and _PROFILE_PART.search(text) else None
    if m and not _ASKING.search(text):
        return m.group(0)
    return None


# guide § spam, "When a message both sells and deceives, choose spam": bait that wins over a sale however sure
# the model is of the sale. From the guide's list: a job that asks a fee first (fraud: 打字员, 配音 … "先交88会员费
# 开通接单"); phishing (冒充客服/公检法: an official-sounding notice with a link to act on before a penalty, or a
# claim paid out once the reader hands over a bank card or ID number); 投资理财 with guaranteed returns.
_HARD_PENALTY = r"逾期|否则|停发|清零|冻结|封禁|封号|注销|罚款|滞纳金|失效|作废|过期"
# s32: a sender of up to 12 characters (【国家自然科学基金委】)
_OFFICIAL = re.compile(r"^\s*[【\[](?:[^】\]]{0,12})[】\]]|您的|您有|尊敬的")
# an official actor who asks the reader to add a private contact ("医保局通知：…请加专员微信 ybfh_2207 办理")
_AUTHORITY = re.compile(r"(?:医保|社保|人社|税务|公安|派出所|法院|检察院|住建|考务|官方|银行|快递|物流|[^\s,，。]{1,4}(?:局|中心))"
                        r"(?:通知|提醒|公告|专员|工作人员|老师)?")
_THREAT = re.compile(_HARD_PENALTY + r"|暂扣|异常")
_FEE_TO_PAY = re.compile(r"(?:缴纳|交|付|转)[^。!?\n]{0,8}(?:费|保证金|定金|押金|手续费)")
# the boss or a teacher impersonated, asking for money to move (冒充): "我是王总…转一笔定金，财务负责对接"
_LICENCE_POINTS = re.compile(r"收[^。!?\n]{0,4}(?:驾驶证|驾照)分|(?:驾驶证|驾照)分[^。!?\n]{0,12}(?:私|加|联系|收)")
_IMPERSONATE = re.compile(r"我是(?:新来的)?[\u4e00-\u9fff]{0,3}(?:总|老板|董事长|校长|主任|领导|班主任|老师|助理|秘书长|会长|书记|经理|处长|院长|主席)"
                          r"[^!?\n]{0,60}?(?:转账|汇款|定金|打款|付款|财务|缴费|转到|转给|转一笔)")
_ACT_ON_LINK = re.compile(r"点击|登录|登陆|登记|申诉|填写|提交|处理|核实|认证|验证|领取|查询|办理|前往|解除|补缴")  # s32: the last three
_PENALTY = re.compile(_HARD_PENALTY + r"|征信|影响|截止|小时内|今日|当天|即将")  # softer: beside a made-up link only
_CLAIM = re.compile(r"补贴|补助|返还|退款|退费|理赔|赔付|奖金|可领|领取|发放|中奖")
_HAND_OVER = re.compile(r"(?:登记|填写|提供|发我|发给我|告诉我|输入|绑定)[^。!?\n]{0,8}(?:银行卡|身份证|验证码|支付密码|卡号)"
                        r"|(?:银行卡号?|身份证号|验证码)[^。!?\n]{0,4}(?:发我|发给我|登记|填写|就能领|即可领)")
_SURE_RETURNS = re.compile(r"年化\s*(?:1[0-9]|[2-9][0-9]|[1-9][0-9]{2,})(?:\.[0-9]+)?\s*%|保本保息|稳赚不赔|只赚不赔|包赚|零风险|"
                           r"带你(?:一起)?(?:赚|挣|发财)|稳定收益|日息|高息|(?:每|按)月分红|月月分红|保底分红|年回本(?<=[0-9一二两三四五六七八九十]年回本)")
_SURE_GATE = re.compile(r"[年保稳只包零带日高]")
_INVEST = re.compile(r"理财|投资|投[0-9一二两三四五六七八九十]|入股|外汇|炒|币|股|基金|收益|赚|利息")
# a landlord, a relative or a supplier "with a new account" asking for the next payment there (the card number given)
_NEW_ACCOUNT = re.compile(r"(?:以前|原来|之前|那张|旧)的?(?:那张)?(?:卡|账户|帐户|账号)[^。!?\n]{0,6}(?:不用了|停用|注销|冻结|换了)"
                          r"|换了?(?:张|个)?新(?:的)?(?:卡|账户|帐户|账号)")
_PAY_THERE = re.compile(r"(?:转|打|汇|存)(?:到|进|入)[^。!?\n]{0,8}(?:账户|帐户|卡|账号)|[0-9]{12,}|(?:[0-9]{4}\s){3}[0-9]{3,}")


# s27, from the read suites' lures read as offers or chat (the guide's spam list):
# the reader paid to hand over their account, card, shop or licence ("租给我们每月给你1500，不用你操作"; 租号, 收号)
_PAID_TO_LEND = re.compile(r"(?:一个月|每个?月|一天|每天|一张|一套|一个|一次)(?:租金)?\s*给(?:你)?\s*(?:rm|¥)?\s*[0-9一二两三四五六七八九十百千万]+")
_NO_WORK = re.compile(r"不用你|你啥也不用|你什么都不用|你什么也不用|不需要你|你不用|闲着也是闲着")
# the police, a court or an embassy on a case the reader is part of, with a number to call ("涉嫌洗钱案…联系王警官")
_CASE = re.compile(r"涉嫌|涉案|洗钱案|通缉|立案|配合调查|配合核查|不得告诉")
_LANDLINE = re.compile(r"[0-9]{3,4}[- ]?[0-9]{3,4}[- ]?[0-9]{4}")  # "020-8736 4452": no handle, still a number to call
# a loan or a credit record to be "cancelled" over a meeting app or a shared screen
_SCREEN_SHARE = re.compile(r"下载[^。!?\n]{0,4}(?:会议|共享)[^。!?\n]{0,2}(?:软件|app)|屏幕共享|共享屏幕")
# a free gift or prize held back for a fee or a deposit first ("抽中吹风机…只需付19.9运费", "交199元定金就能锁定…名额",
# "需先缴纳500保证金才能收款")
_GIFT = re.compile(r"免费|抽中|中签|获赠|赠送|福利|大礼包|幸运|中奖|领取|收款|锁定")
_FEE_FOR_IT = re.compile(r"(?:只需|仅需|需先?|先)(?:付|交|缴纳?)\s*[0-9.]+\s*(?:元)?\s*(?:的)?(?:邮费|运费|定金|保证金|手续费|押金|解冻费|激活费)"
                         r"|交\s*[0-9]+\s*元?定金就能")
# s39, from the read everyday suites' lures: the "cancel it or your credit record suffers" script (名下的校园贷 / 备用金 /
# 百万保障 must be closed, 否则影响征信), which needs no link or contact: a reply code or "联系专员" does
_CANCEL_IT = re.compile(r"(?:注销|关闭|取消|解除)(?![了过])")
_SOMETHING_IN_YOUR_NAME = re.compile(r"名下|校园贷|备用金|百万保障|白条|金条|借呗|花呗|微粒贷|贷款账户|信用账户")
# a parcel held for a made-up reason, to be released on a made-up site ("因地址不详滞留仓库，请点击 http://cj-kr-…")
_PARCEL_HELD = re.compile(r"(?:包裹|快递|运单|邮件)[^。!?\n]{0,30}(?:滞留|地址不详|地址不全|地址有误|无法(?:派送|投递|配送)|"
                          r"派送失败|投递失败|清关失败|被扣)")
# the police on a case over a meeting app: the meeting's number is the contact ("涉嫌洗钱案…加入Zoom会议 ID …配合调查")
_MEETING_ID = re.compile(r"(?:会议|zoom|meeting)[^。!?\n]{0,6}" + TOKENS["ident"])
# renting the reader's own accounts, so much a day ("收王者QQ号、微信号 租号，每天每个号30元")
_RENT_ACCOUNTS = re.compile(r"(?:收|租)[^。!?\n]{0,10}(?:qq号|微信号|vx号|手机号|电话卡|银行卡|支付宝)[^。!?\n]{0,24}"
                            r"(?:每天|一天|每月|一个月|每个号|一个号)[^。!?\n]{0,6}[0-9一二三四五六七八九十]")
_VISIT = re.compile(_ACT_ON_LINK.pattern + r"|访问|打开|进入")  # what a phishing link asks, and going to it
# a red packet or a prize behind a link on a made-up site
_RED_PACKET = re.compile(r"红包|福利|补贴|大礼包|原石|中签|中奖|抽中")
_CLAIM_IT = re.compile(r"领取|点这里|点击|速领|即到账|绑定|填")


def _made_up(h: Handle) -> bool:
    """A link to a site of no standing: not an ordinary one, nor a shortener's, a shop's or an invitation (a cheap TLD,
    a numbered name, an IP, dodged dots: hb-lingqu.xyz); a shop's own 补贴 page or a brand's t.cn notice is none."""
    return h.kind == "url" and not ordinary(h) and not {"short", "shop", "invite"}.intersection(link_tags(h))


def scam_bait(norm: Normalized) -> str | None:
    """The span of a fee-first job, a phishing notice or claim, or a sure-returns investment, or None."""
    text = norm.text
    m = _FEE_FIRST.search(text) if "费" in text or "金" in text else None
    if m and _JOB.search(text) and not _NO_FEE.search(text):
        return m.group(0)
    if norm.handles:  # the two forms below need a link or a contact
        o = _OFFICIAL.search(text) if any(lookalike(h) for h in norm.handles) else None
        if o and _ACT_ON_LINK.search(text) and (_PENALTY.search(text) or _CLAIM.search(text)):
            return o.group(0)
        # an authority may be any "…局" or "…中心", a slow scan: asked last
        if any(h.kind in ("wechat", "qq", "phone") or lookalike(h) for h in norm.handles) and (
                _THREAT.search(text) or _CLAIM.search(text) or _FEE_TO_PAY.search(text)) and (a := _AUTHORITY.search(text)):
            return a.group(0)
    # each form below names a word most chat lacks: a cheap test first
    m = _HAND_OVER.search(text) if ("卡" in text or "证" in text or "码" in text) else None
    if m and (c := _CLAIM.search(text)) and not _ASKING.search(text):
        return c.group(0)
    m = _NEW_ACCOUNT.search(text) if ("卡" in text or "账" in text or "帐" in text) else None
    if m and _PAY_THERE.search(text):
        return m.group(0)
    if "给" in text and (m := _PAID_TO_LEND.search(text)) and _NO_WORK.search(text):
        return m.group(0)
    if (m := _CASE.search(text)) and (any(h.kind in ("phone", "qq", "wechat") for h in norm.handles) or _LANDLINE.search(text)
                                      or _MEETING_ID.search(text)):
        return m.group(0)
    if "征信" in text and (m := _CANCEL_IT.search(text)) and _SOMETHING_IN_YOUR_NAME.search(text) and not _ASKING.search(text):
        return m.group(0)
    if (norm.handles and "请" in text and ("包裹" in text or "快递" in text or "运单" in text or "邮件" in text)
            and (m := _PARCEL_HELD.search(text)) and _ACT_ON_LINK.search(text)
            and any(lookalike(h) or _made_up(h) for h in norm.handles)):
        return m.group(0)
    if norm.handles and (m := _VISIT.search(text)) and any(brand_typosquat(h) for h in norm.handles):
        return m.group(0)
    if ("收" in text or "租" in text) and (m := _RENT_ACCOUNTS.search(text)):
        return m.group(0)
    if ("软件" in text or "屏幕" in text or "app" in text) and (m := _SCREEN_SHARE.search(text)):
        return m.group(0)
    if ("费" in text or "金" in text) and (m := _FEE_FOR_IT.search(text)) and _GIFT.search(text):  # every fee names one
        return m.group(0)
    # the words first: a link's parts are worked out only for a message that offers a prize to claim
    if norm.handles and (m := _RED_PACKET.search(text)) and _CLAIM_IT.search(text) and any(_made_up(h) for h in norm.handles):
        return m.group(0)
    m = _IMPERSONATE.search(text) if "我是" in text else None
    m = m or (_LICENCE_POINTS.search(text) if "分" in text else None)
    if m:
        return m.group(0)
    m = _SURE_RETURNS.search(text) if ("分红" in text or _SURE_GATE.search(text)) else None
    if m and _INVEST.search(text):
        return m.group(0)
    return None


# guide § advertising, "paid courses, 课程, 训练营, 知识付费 pitches": a course named as one, with its price or a
# call to sign up; a school's own timetable (选课, 课表, 作业) is none
_COURSE_NAME = re.compile(r"训练营|集训营|培训班|速成班|系统班|实操班|实操课|认证课|证书班|网课|直播课|私教课|体验课|公开课|课程|研修班|进修班|"
                          r"特训班|冲刺班|精品班|小班课|插花课|(?:入门|进阶|零基础)[^。!?\n]{0,6}[课班]|带背班|提高班|实战[课班营]|实训|"
                          # a camp or a workshop, and a named course closing its clause ("婴儿抚触按摩课，线下小班4节399")
                          r"线下营|夏令营|冬令营|研学营|工作坊|课(?<=[\u4e00-\u9fff]{2}课)(?<![开上下逃选调停补听讲旷]课)(?=[,:;])")  # not 开课: "新人开课" is a lure's slang
_COURSE_SELL = re.compile(r"报名|学费|名额|早鸟|招生|开班|(?<!公)开课|包教包会|结业|试听|咨询|包材料|包过")
_SCHOOL_TALK = re.compile(r"选课|课表|作业|调课|停课|教室|上课|下课|补课|老师说|学分|期末")


_COURSE_CHARS = re.compile("[课班营训坊程]")  # a regex scan, several times faster than a set test over the text's characters


def course_offer(norm: Normalized) -> str | None:
    """The course's name in a paid-course pitch (its price or a call to sign up), or None."""
    text = norm.text
    name = _COURSE_NAME.search(text) if _COURSE_CHARS.search(text) else None  # every name holds one of them
    if name is None or _ASKING.search(text) or _SCHOOL_TALK.search(text) or _deceit(text):
        return None
    return name.group(0) if _offer_price(text) or _COURSE_SELL.search(text) else None


# guide § advertising, "recruiting for paid work that names pay (兼职日结, 招聘) when it is a pitch": a job with
# its pay and a way to apply; "jobs" paid per piece or per day from home, with a contact, are spam (the model decides)
_HIRING = re.compile(r"招聘|急招|长期招|诚聘|招工|高薪招|招(?:普工|司机|厨师|服务员|保安|店员|销售|文员|学徒|工人|客服|技工|操作工|叉车)"
                     # an employer hiring in its own name ("跨境公司招亚马逊运营"), not recruiting agents or resellers
                     r"|(?:公司|工厂|门店|工作室|律所|机构)(?:直|急|长期)?招(?!代理|分销|团长|商|募|合伙|学员|生)")
_PAY = re.compile(r"包吃住|五险|底薪|月薪|时薪|工资|薪资|面议|月结|年终奖|双休")
# (and pay no honest job names: "女模特…月薪1万-5万", "直播伴侣一个月工资5万")
_TASK_JOB = re.compile(r"打字|抄小说|录入|配音|点赞|一单|日结|在家|手机就能|轻松|宝妈|兼职|挂机|日赚|日入|佣金|垫付|刷单|任务|"
                       r"模特|伴侣|陪|主播|急用钱|挣钱|[1-9]万\s*[-~到至]\s*[0-9]+万|工资\s*[3-9]万|月薪\s*[3-9]万")


def job_pitch(norm: Normalized) -> str | None:
    """The hiring words of a job offered with its pay and a way to apply, or None."""
    text = norm.text
    hire = _HIRING.search(text) if "招" in text or "聘" in text else None  # every form says one: a cheap test first
    if hire is None or not _PAY.search(text) or _TASK_JOB.search(text) or _ASKING.search(text):
        return None
    return hire.group(0) if _way_to_buy(norm) else None


# words that sell: money_talk and shared_number each add their own to them
_SELL_WORDS = (r"出售|转让|低价|优惠|包邮|代理|加盟|报名|下单|订购|预订|名额|限时|特价|促销|券|扫码|会员|专享|立减|招|面议|全包|"
               r"咨询|详询|热线")


# guide § advertising names "phone numbers" as a contact to buy through; a number a member passes on for someone to
# call (the teacher's, the property office's, the driver's: "班主任孙老师电话 138…，孩子请假直接打给她") sells nothing
_WHOSE_NUMBER = re.compile(r"(?:老师|班主任|师傅|物业|管家|医生|护士|站里|前台|办公室|司机|房东|社区|居委会|村委|派出所|保安|队长|助教|辅导员|领队|他|她)"
                           r"(?:的)?[^。!?\n]{0,6}(?:电话|手机|号码|维修电话)")
_SELLING = re.compile(_SELL_WORDS + r"|打折|价格|收费")
_CALL_IT = re.compile(r"打(?:给|过去|他|她|这个|电话)|直接打|找(?:他|她)|联系(?:他|她)|问(?:他|她|问)|有人接|可以打|打我电话")


def shared_number(norm: Normalized) -> str | None:
    """The words that pass on someone's phone number for members to call, or None (nothing offered or priced)."""
    text = norm.text
    if not ("电话" in text or "手机" in text or "号码" in text):  # every form names it: a cheap test first
        return None
    if not any(h.kind == "phone" for h in norm.handles) and not _NUMBER.search(text):
        return None
    m = _WHOSE_NUMBER.search(text)
    if m is None or not _CALL_IT.search(text) or _SELLING.search(text) or _OFFER_WORDS.search(text) or _deceit(text):
        return None
    if _ANY_PRICE.search(text) or _COURSE_NAME.search(text) or _HIRING.search(text):
        return None
    return m.group(0)


# guide § on_topic and the checklist's money_chat: "talk about money that sells nothing". A sum spent, shared,
# owed or earned ("每户摊下来大概八百多", "房租水电加起来一万一") with no way to buy and nothing offered is chat; the
# model, whose ads are full of sums, reads many as advertising.
_MONEY = re.compile(rf"{_NUM}|[一二两三四五六七八九十]+[十百千万]")
_SPENT = re.compile(r"花了|花掉|摊|交了|付了|报销|营业额|毛利|房租|水电|电费|工资|开销|支出|账单|算下来|加起来|一共花|续费|经费|预算|"
                    r"维修基金|社费|班费|份子钱|随礼|买不起|太贵|打平|亏了|心疼|肉疼|一学期|一年光|"
                    # a bill split among the members: WeChat's 群收款, AA, 均摊 (not 人均: "人均消费", "人均提高" sell)
                    r"群收款|aa(?<![a-z0-9加]aa)(?![a-z0-9.])|均摊|分摊")
# a sum with any way to pay, buy or reach someone is no money talk
# (收 buys: 收号, 高价收; not a collection's or an account's 收款, 收齐, 收支)
_SELLS = re.compile(_SELL_WORDS + r"|预约|折|送|私聊|私我|私信|联系|加我|滴滴|出的|收(?!款|齐|支|到)|卡上|打到|打这|打入|卡号|账号|帐号|户名|办理|申请|"
                    r"急需|有意|电话|详情|欢迎|回复\s?[a-z0-9]")  # (回复AA: an SMS's order code)


def money_talk(norm: Normalized) -> str | None:
    """The words of money spent or shared that sell nothing, or None."""
    text = norm.text
    m = _SPENT.search(text)
    if m is None or norm.handles or not _MONEY.search(text) or _SELLS.search(text) or _CONTACT_WORD.search(text):
        return None
    return None if _deceit(text) else m.group(0)


# guide § spam / § advertising, where the line runs: spam "deceives, lures, or is mass junk"; selling openly
# "says what it sells and for how much". The model reads many honest offers as spam (their contacts are
# dodged like an SMS lure's; data/eval/probes: 64 of 144 failures), so a message it calls spam that states
# a price and names none of the guide's spam forms is advertising. Only the label between the two changes:
# a message the model calls chat stays chat. Who pays whom decides most of it: "40一单", "一小时500", 日结
# pay the reader for a "job" (spam); "一页25元", "学费4800" ask the reader to pay.
_CN_NUM = r"[一二两三四五六七八九十百千万]"
# a unit of sale: "每人", "一箱", "一斤", "一年", "一亩"
_SALE_UNIT = (r"(?:(?:每|一)(?:人|位|箱|斤|件|套|盒|瓶|份|个月|年|节|课|千字|千词|平米?|米|亩|间|台|双|本|只|袋|罐|桌|期|学期|季|张|升|公斤|趟)"
              r"|[两三四五六七八九十]升|半天)")  # "一张十五" (a photo), "五升一百二" (oil), "半天一百二" (a visit)
_ANY_PRICE = re.compile(
    # (a number inside a domain or a path is no price: "965r.top", "/lMPYrA4U")
    rf"(?<![a-z0-9./_-]){_NUM}\s*(?:元|块|r(?![a-z.])|rmb|¥|起|镑|刀|u(?![a-z.])|美元|美金|澳币|澳|加币|欧元|日元|港币|泰铢|新币|马币|令吉|韩元|卢布)"
    r"|(?<![a-z0-9./_-])[0-9]{3,}\s*全包"
    rf"|[¥£$€]\s*{_NUM}|包邮|{_CN_NUM}+[十百千万]{_CN_NUM}*(?:起|镑|美元|美金|澳币|加币|欧元|日元|港币|泰铢|新币|马币|令吉|韩元|卢布)"
    rf"|(?:只要|仅需?|现价?|报价|售价|特价|原价|价格?|学费|费用|团购价|代理价|拿货价|分销价|零售价?|月租|年费|月费|活动价|到手价|月付|年付|月卡|年卡|季卡)\s*[:：]?\s*(?:{_NUM}|{_CN_NUM}+)"
    rf"|限时\s*{_NUM}(?![0-9.]|\s*(?:天|日|小时|分|秒|周|个))"  # "限时49.9", not "限时3天"
    # a discount on a named price ("比官网便宜三成", "比中介低两成", "比官方便宜一半"): the guide's "discounts"
    r"|比(?:官网|官方|市场价?|中介|外面|店里|原价|平时|专柜|实体店)[^,;。!?\n]{0,3}(?:便宜|低|省)了?\s*(?:[一二两三四五六七八九]成|一半|[0-9]+\s*%)"
    # a unit of sale and its price ("每人80", "一箱280", "一斤八十", "一年880"), but not a task's unit: "一天800",
    # "一小时500", "一个视频20", "一条5" are as often the pay of a task (spam) as a price
    rf"|{_SALE_UNIT}\s*(?:{_NUM}|{_CN_NUM}*[十百千万]{_CN_NUM}*)(?![0-9])"
    rf"|{_NUM}\s*(?:/|一)(?:个|次|节|套|件|张|份|盒|瓶|斤|趟|晚|天|月|年|页|篇|箱|位|人|小时|课)"
)
_PRICE_CHARS = re.compile(f"[0-9包{_CN_NUM[1:-1]}]")
# for an offer with a contact (priced_offer), also a visit's or a trip's price: "一次二百八", "一趟两百"
_CN_UNIT_PRICE = re.compile(
    rf"(?:{_SALE_UNIT}|一次|一趟)\s*{_CN_NUM}*[十百千万]{_CN_NUM}*(?:块|元)?"
    rf"|{_CN_NUM}+[十百千万]{_CN_NUM}*\s*(?:块|元)(?![0-9宝])"  # not 两千万元宝, a game's currency
)
# the guide's spam forms, in words: scams and their bait, gambling, porn, black-market work, paid "jobs"
# (pay per piece or per hour, settled daily), buying the reader's accounts, easy money
_DECEIT = re.compile(
    _LURE_GOODS.pattern + "|" + _BRUSHING.pattern +
    # scams and their bait, phishing, gambling and its deposit bonuses
    r"|刷单|刷量|刷赞|刷粉|刷流水|中奖|领奖|恭喜|客服|理赔|补偿|褪款|贷|套现|信用卡|征信|登录|登陆|验证|冻结|解冻|解封|赌|彩金|彩票|百家乐|下注|"
    r"体育|棋牌|博彩|菠菜|真人|娱乐|上下分|下分|首充|首存|存送|[0-9百千万]\s*送\s*[0-9一二三四五六七八九十百]|注册(?:送|即|就|领)|充值|提现|"
    r"兑换现金|红包|红苞|注送|返现|返利|免费领|免费送|领取|福利|"
    # begging, chains, pyramid recruiting and black-market work; the reader's own accounts and cards
    r"转发|投票|砍|助力|点赞|拉人头|人头费|跑分|收卡|代收|代付|租号|收号|高价收|收.{0,6}号|微信号|qq号|合伙人|拉新|拉手|走量|"
    r"出租(?:微信|qq|账|号|卡)|(?:微信|qq|账|号|卡)出租|(?:一线|跑分|收|招|接)车队|车队(?:收|招|接)|驾驶证分|驾照分|收分|卖分|"
    r"卡接|收款码|一码|码商|跑码|找料|料子|洗(?:钱|码|卡|白|黑|米|咪)|精洗|银行卡|身份证|实名|开户|额度|担保|鹅度|咔|弓户|司法|流水|盾|黑户|黑卡|黑产|灰产|usdt|u商|换汇|"
    r"以下(?:账|帐)号|我的(?:账|帐)号|汇款|帮忙汇|"
    # paid "jobs": the reader is paid per piece, per hour or per day, settled at once
    r"打字|抄小说|录入|配音|做的来|评论|好评|发文|陪陪|(?<!一件)代发|一单|一条(?!龙)|一篇|多号|纯绿|绿色|发视频|发作品|发图文|伐发|发蚊|"
    r"发[^,，。!?\n]{0,3}(?:作品|视频)|视频\s*[0-9]|作品\s*[0-9]|日结|现结|秒结|立结|一单一结|当天结|时薪|小时|押金|会费|任务|话术|"
    r"不限地区|不在话下|比上班|丝我|零撸|白嫖|不封|嘴炮|"
    # easy money and sure returns (投资理财 with guaranteed returns), stock tips
    r"赚|挣|盈利|利润|收益|变现|收入|高薪|回本|稳赚|躺赚|日产|日入|月入|静态|奖励|诚意金|分成|保本|回报|翻倍|内幕|本金|套利|"
    r"返\s*[0-9一二两三四五六七八九十]+\s*个?(?:点|%)|投资|理财|杀猪|私募|建仓|拉升|暴涨|买进|买入|大涨|涨停|股票|牛股|金股|带单|喊单|"
    r"(?:赚钱|副业|挣钱|暴利|靠谱)项目|带你(?:赚|挣|飞|上岸|发财|一起赚)|上岸|跟我做|缺钱|胆子大|胆大|胆量|不怕死|到账|送货|风险|引流|精准粉|"
    # porn and its units, fake papers, made-up sites
    r"[0-9一二两三四五六七八九十]+\s*(?:部|片)|要片|片子|万部|簧|煌|骗|av\b|美女|妹子|寂寞|同城约|外出|上门服务|视屏|小片|污|爽|看的|"
    r"代开(?!会员|vip)|开发票|发票|办证|假证|(?<!照)证件(?!照)|文凭|学历|病假|刻章|卖片|软件|(?<!下单)(?<!购买)(?<!预约)网址|主页|长期|安全|不多|新台|平台|台子|"
    # refund scams, gambling cheats, loans and threats, paid posting: forms the training spam shows
    r"退k|退歀|先退|退单|机麻|控制器|控牌|麻将|情视频|涩|色图|色片|出u|借款|信用借|违反|法律|推文|零花|小说|体彩|时时彩|六合彩"
)
_NEGATED = frozenset("不无非没别勿免")  # "不带单不喊单", "无押金": a spam form said not to be there


def _deceit(text: str) -> bool:
    return any(m.start() == 0 or text[m.start() - 1] not in _NEGATED for m in _DECEIT.finditer(text))


# an offer with no price still sells: its goods or service and a way to buy them (the guide: "a contact to buy
# through"); and a course's price may stand bare after its name ("集训营…线上四周…1680，报名…")
_OFFER_WORDS = re.compile(
    r"代购|定制|定做|接单|接稿|承接|约拍|上门|陪护|保洁|安装|维修|润色|翻译|代部署|开通|寄养|寄卖|合租|装机|跑腿|代驾|陪驾|"
    r"私教|家教|辅导|外包|出售|批发|代办|代拍|出租(?!车)|长租|短租|零售|供应|现货|团购|预订|包邮|正品|购买|沟买|够买|租赁|过户|买卖|跟拍|跟妆|写真|"
    r"培训|认证课|体验课|公开课|私教课|直播课|课时|"
    r"课程|网课|训练营|集训营|速成班|系统班|小班|实操课|入门课|精讲|学费"
)
_COURSE = re.compile(r"课|训练营|集训营|班|精讲|讲|报名|学费|营")
_BARE_COURSE_PRICE = re.compile(r"(?:^|[\s,;:]|[0-9]天)[0-9]{3,5}(?=[\s,;]|$)")  # "…1680，报名", "21天1299"
_PACKAGE_PRICE = re.compile(
    rf"[0-9一二两三四五六七八九十]+\s*(?:节|次|课|讲|期|周)课?\s*(?:直播|线下|线上|课)?\s*(?:{_NUM}|{_CN_NUM}*[十百千万]{_CN_NUM}*)(?![0-9])"
)
_WAY_TO_BUY = re.compile(_BUY_WAY.pattern + "|" + _SIGN_UP.pattern + r"|扫码|报名|预约|下单")


def _offer_price(text: str) -> re.Match | None:
    """The price an offer states: a number with its currency or price word, a unit of sale, a course package,
    or for a course a bare number; None."""
    if not _PRICE_CHARS.search(text):
        return None
    return (_ANY_PRICE.search(text) or _PACKAGE_PRICE.search(text)
            or (_BARE_COURSE_PRICE.search(text) if _COURSE.search(text) else None))


def _way_to_buy(norm: Normalized) -> bool:
    """A contact handle, or a way to buy said in words (私聊, 加微, 扫码, 报名…)."""
    return bool(norm.handles or _WAY_TO_BUY.search(norm.text) or _CONTACT_WORD.search(norm.text))


def honest_offer(norm: Normalized) -> str | None:
    """The price (or the offer word) of an offer that names none of the guide's spam forms, or None. Asked
    only of a message the model calls spam that no other rule read (find_rules)."""
    text = norm.text
    if _ASKING.search(text):
        return None
    price = _offer_price(text)
    if price is not None:
        span = price.group(0).strip(" ,;:")
    else:
        offer = _OFFER_WORDS.search(text)
        if offer is None or not _way_to_buy(norm):
            return None
        span = offer.group(0)
    return None if _offer_deceit(text) else span  # the costliest test last: most messages offer nothing


# guide § advertising: promoting *another* group "for gain". A class's, a club's or a temple's own group posted to its
# members (its number, its overflow group: "一群满了，社里新开了二群 926304718，还没进的加一下") is housekeeping, which
# the model, whose ads are full of group numbers, reads as a promotion. A fake notice (fake_notice, earlier) stays spam.
_GROUP_NUMBER = re.compile(r"群[^。!?\n]{0,6}?[0-9]{5,}")


def own_group(norm: Normalized) -> str | None:
    """The words that name the group's own group (or its overflow group) posted with its number, or None."""
    text = norm.text
    if "群" not in text and "班" not in text and "社" not in text:
        return None
    m = _OWN_GROUP.search(text)
    if m is None or not (_group_handle(norm) or _GROUP_NUMBER.search(text)):
        return None  # a phone number is no group: "本社从事茶叶销售…电话：139…" is an ad
    if (_ANY_PRICE.search(text) or _PROMO_LURE.search(text) or _AGENT_SCAM.search(text) or _LURE_GOODS.search(text)
            or _deceit(text)):
        return None
    return m.group(0)


# name, label, finder, the rival's lead that is kept (0: any lead; inf: none, the rule always wins over the rival)
RULES: tuple[tuple[str, str, Callable[[Normalized], str | None], float], ...] = (
    ("scam_bait", "spam", scam_bait, math.inf),  # first: the guide, "sells and deceives: choose spam"
    ("lure", "spam", lure, RIVAL_KEEP),  # before the sales: 砍一刀 with a shopping link is begging, not a rebate post
    ("rebate_post", "advertising", rebate_post, math.inf),  # the guide: a rebate post is advertising, however junk-like
    ("secondhand_sale", "advertising", secondhand_sale, math.inf),
    ("fake_notice", "spam", fake_notice, math.inf),  # it promotes a group too: the urgency makes it a lure
    ("agent_pitch", "advertising", agent_pitch, math.inf),  # named by the guide; its scams are kept off by words
    ("group_promo", "advertising", group_promo, RIVAL_KEEP),
    ("tool_service", "advertising", tool_service, RIVAL_KEEP),
    # an offer with a price and a contact: before service_offer, whose model-led verdict is for offers without both
    ("priced_offer", "advertising", priced_offer, math.inf),
    ("course_offer", "advertising", course_offer, RIVAL_KEEP),
    ("job_pitch", "advertising", job_pitch, RIVAL_KEEP),
    ("service_offer", "advertising", service_offer, RIVAL_KEEP),
    ("buy_request", "on_topic", buy_request, RIVAL_KEEP),  # chat: a flagged label the model is sure of keeps the lead
    ("money_talk", "on_topic", money_talk, RIVAL_KEEP),
    ("shared_number", "on_topic", shared_number, RIVAL_KEEP),
    ("own_group", "on_topic", own_group, RIVAL_KEEP),
)
# asked only where no rule above fired and the model's label is spam: it moves spam to advertising, nothing else
SPAM_TO_OFFER = ("honest_offer", "advertising", honest_offer)
_RULE = {name: (label, keep) for name, label, _, keep in RULES}
_RULE[SPAM_TO_OFFER[0]] = (SPAM_TO_OFFER[1], -math.inf)  # keeps no lead: it acts only where spam leads


def guide_rule(norm: Normalized) -> tuple[str, str] | None:
    """(rule name, matched span) of the first guide rule that fires, or None."""
    for name, _, find, _ in RULES:
        span = find(norm)
        if span:
            return name, span
    return None


def find_rules(norms: Sequence[Normalized], logits: np.ndarray, classes: Sequence[str]) -> list[tuple[str, str] | None]:
    """Each row's guide rule (name, span), or None: the first of RULES that fires, else, for a row the
    model labels spam, honest_offer (so its cost is paid only on those rows)."""
    hits = [guide_rule(norm) for norm in norms]
    spam = classes.index("spam")
    name, _, find = SPAM_TO_OFFER
    for i in np.flatnonzero(logits.argmax(axis=1) == spam).tolist():
        if hits[i] is None and (span := find(norms[i])):
            hits[i] = (name, span)
    return hits


def rule_label(name: str) -> str:
    return _RULE[name][0]


def lift(logits: np.ndarray, hits: list[tuple[str, str] | None], classes: Sequence[str]) -> None:
    """In place: for each row with a rule hit, raise the rule's label's logit over chat and flooding, and
    over its rival unless the rival led by more than the rule keeps (constants above). Rows without a
    hit are untouched."""
    for i, hit in enumerate(hits):
        if hit is None:
            continue
        label, keep = _RULE[hit[0]]
        target = classes.index(label)
        rivals = [classes.index(r) for r in RIVALS[label]]
        row = logits[i]
        if keep == -math.inf:  # honest_offer: the rival leads (find_rules); the offer takes its place
            row[target] = max(row[target], max(row[k] for k in rivals) + RULE_MARGIN)
            continue
        best_other = max(row[k] for k in range(len(classes)) if k != target and k not in rivals)
        rival = max(row[k] for k in rivals)
        rival_lead = rival - max(row[target], best_other)
        raised = best_other + RULE_MARGIN
        if rival_lead > keep:
            raised = min(raised, rival)  # the rival keeps the lead
        else:
            raised = max(raised, rival + RULE_MARGIN)
        row[target] = max(row[target], raised)
