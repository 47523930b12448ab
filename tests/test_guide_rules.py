"""The guide rules (model/guide_rules.py): what fires, what does not, and how a hit moves the model's
verdict."""
from __future__ import annotations

import re

import numpy as np
import pytest

from qunguard.model import guide_rules
from qunguard.model.guide_rules import RIVAL_KEEP, RULE_MARGIN, find_rules, guide_rule, honest_offer, lift
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize


def rule(text: str) -> str | None:
    hit = guide_rule(normalize(text))
    return hit[0] if hit else None


# (text, the rule that must fire, or None): our own texts, not the behaviour suite's
CASES = [
    ("出一台二手打印机 120", "secondhand_sale"),
    ("闲置出个电饭煲，85，可小刀", "secondhand_sale"),
    ("低价出雅思真题书 私聊", "secondhand_sale"),
    ("转让健身卡半年 原价3000", "secondhand_sale"),
    ("毕业出台灯和书架，价格私聊", "secondhand_sale"),
    ("出个蓝牙耳机,60,有意滴滴我", "secondhand_sale"),
    ("奶粉券后39.9元 拍下立减", "rebate_post"),
    ("洗发水拍3件更划算", "rebate_post"),
    ("口令：¥A1b2C3d4E5¥ 复制打开淘宝", "rebate_post"),
    ("复制这条信息去打开手机淘宝", "rebate_post"),
    ("https://u.jd.com/xYz123 看看这个", "rebate_post"),
    ("代写课程论文，价格便宜，私聊", "service_offer"),
    ("接毕设 java python都可以 加我", "service_offer"),
    ("私信帮写", "service_offer"),
    ("接单刷单，佣金日结，加我", None),  # brushing work: a lure, not an offer (the model decides)
    ("代做打字兼职日结，有意私聊", None),  # paid-per-piece "jobs" are spam by the guide
    ("一对一视频，需要的哥哥私聊我", None),  # a porn lure dressed as a one-to-one service
    ("需要副业的找我，一对一带你", None),  # easy money
    ("刷元宝代练接单，价格优惠联系我", None),  # farming game currency: a cheat
    ("视频剪辑接单，私聊", "service_offer"),  # a video is no lure
    ("重要通知：本群即将停用，所有同学务必加入新群 123456789，错过后果自负", "fake_notice"),
    ("新生须知：还没加学院资料墙的抓紧加一下，最后一次提醒 QQ 987654321", "fake_notice"),
    ("转发到10个群，保你平安", "lure"),
    ("帮我砍一刀，谢谢啦 https://example.cn/k", "lure"),
    ("您的账户异常已冻结，请点击 http://abc-verify.cn 登录解冻", "scam_bait"),
    ("卖闲置显示器 8成新 300 自提", "secondhand_sale"),
    ("甩一个电动车，九成新，价格私聊", "secondhand_sale"),
    ("出九成新相机，2000，加vx abc_1234", "secondhand_sale"),  # 九成新 right after 出 is no item: the price is
    ("诚招代理，厂家直供，有意加微信 abc1234", "agent_pitch"),
    ("零食批发价拿货，一件代发，详情咨询", "agent_pitch"),
    ("稳定梯子 月付10元 需要的私我", "tool_service"),
    ("企业签 ios签名 包月优惠 tg @signhelp", "tool_service"),
    ("seo快排 包月500 联系 @seohelp", "tool_service"),
    ("app开发 小程序开发 价格优惠 加微信 dev_2024", "tool_service"),
    ("有没有同学出二手显示器，有的私我", "buy_request"),
    ("有没有人卖考研资料，私聊", "buy_request"),
    ("有人卖号吗，想买个小号", "buy_request"),
    ("卖萌可耻 500", None),  # 卖萌 is no sale
    ("卖完了 明天再来 20", None),
    ("招代理 体育平台 日结佣金 加v abc", None),  # gambling recruiting: spam by the guide, the model decides
    ("微商项目 一天赚500 加我", None),  # an earning lure
    ("求推荐一个稳定的梯子，月付多少合适", None),  # a member asking
    ("机场附近的酒店价格还行", None),  # an airport, not a proxy service
    ("我玩辅助很稳定，需要的话叫我", None),  # a support player, not a cheat tool: 辅助 needs a price in numbers
    ("辅助内部版 只需20r 永久不封 要的私", "tool_service"),
    ("甩锅给我 200", None),
    ("有没有卖片的加我", None),  # a porn lure asked as a question
    ("欢迎关注我们的公众号「周末去哪玩」，每周推荐", "group_promo"),
    ("篮球交流群 群号 56781234，欢迎加入", "group_promo"),
    ("新开了个摄影二群，扫码进群", "group_promo"),
    ("新人进群请先看群公告", None),  # housekeeping, no other group promoted
    ("有没有考研群啊，求个群号", None),  # asking
    ("进群领红包，群号 99887766", None),  # a red-packet lure: the model decides
    ("澳门娱乐城 订阅频道 @casino_news", None),  # gambling
    ("闲置机械键盘，用了三个月，200出", "secondhand_sale"),
    ("毕业清仓：台灯、衣架、收纳箱，一共50，楼下自提", "secondhand_sale"),
    ("闲置了好久的吉他终于拿出来弹了", None),  # no price, no selling verb
    ("帮忙投一下票吧，谢谢大家", "lure"),
    ("酒水厂家招经销商，区域保护，详询电话 0571-88001122", "agent_pitch"),
    ("上门修空调，清洗一次80，加薇：k o n g t i a o 8 8", "priced_offer"),  # an offer, its contact dodged
    ("家教数学一小时150，有意私聊", "priced_offer"),
    ("班费还剩412元，明细做成表格了，有问题找我", "money_talk"),  # money talk: "找我" is no way to buy
    ("北京移动充值提醒：13800001111为您充值100.00元", None),  # a notice: a phone number is no way to buy
    ("高价回收微信号，一个600起，要的加我", None),  # buying readers' accounts: spam by the guide, the model decides
    ("发种草帖2元1条，做任务的加我 v：abc12345", None),  # a paid task
    ("这个键盘多少钱？200元能买到吗，私聊我", None),  # asking
    ("刷单兼职，拍2件返佣金，日结", None),  # a brushing scam borrowing rebate words: the model decides
    ("出售本人自拍视频3元一部", None),  # a porn lure dressed as a sale: the model decides
    ("出个号 先反后米 返现50", None),  # a refund scam dressed as a sale
    # everyday chat
    ("出去吃饭吗 8点", None),
    ("出来了 成绩 85", None),
    ("转发一下通知 123", None),
    ("转账给你了 50", None),
    ("出门忘带钥匙了", None),
    ("转专业的名单出了", None),
    ("转职基本无望啊，3000元宝", None),
    ("我出50，谁还加", None),  # a bid, not a sale lead: "我" comes first
    ("这个在淘宝买的 https://item.taobao.com/item.htm?id=1", None),  # a product page a member shares: no rebate click
    ("出了个bug，第120行", None),
    ("[表情]", None),
    ("", None),
    ("出" * 500, None),
    ("有没有人能辅导一下高数，有偿", None),  # a member asking for a service
    ("求代写一份实验报告", None),
    ("老师说答疑课改到周四了", None),  # no way to buy
    ("通知：明天上午九点期中考试，务必带学生证", None),  # urgent, but no group to join and no number
    ("通知一下，新群群号在群公告里", None),  # no urgency
    ("课程群的通知大家看一下，作业周五交", None),
    ("我给你投票了，加油", None),  # voting in chat is no plea
    # a contact spelled out with no keyword, and a phone number offered to call
    ("宠物上门喂养，一次60，预约：m a o m a o _ w e i", "priced_offer"),
    ("搬家拉货同城一趟200起，电话 1 3 9 / 2 2 1 0 / 5 5 8 7", "priced_offer"),
    ("钢琴调音一次300，联系手机：15921880467", "priced_offer"),
    ("今天早盘带学员以12元买入，明天有望大涨，咨询电话13912345678", None),  # a stock tip: spam by the guide
    ("快递到了，取件码 2-4-1008，有问题打电话 13912345678", None),  # a phone, but no price
    # the group itself threatened unless members act; a rumour pressed on to everyone one knows
    ("群公告：本群即将解散，请所有人扫码加入新群", "fake_notice"),
    ("紧急：所有人转移到新群 123456789", "fake_notice"),
    ("本群将于下周清理不发言的成员", None),  # housekeeping: nothing to scan, join or add
    ("据说明天停水三天，大家赶紧存水，请马上转发给家人朋友！", "lure"),
    ("我转发给家人看了，都说好", None),
    ("出借充电宝给室友了，30块押金", None),  # 出借 is lending, not a sale lead
    ("懂的来，5元看全套，私我", None),  # a porn lure dressed as an offer: the model decides
    # a call to follow a named account on any platform, a streamer's room number, a channel just opened
    ("快手搜「老李钓鱼日记」，点个关注，每天更新野钓视频", "group_promo"),
    ("开播了！主播每晚八点直播吉他教学，房间号 5520314", "group_promo"),
    ("搞了个考研资料分享频道，想进的@我", "group_promo"),
    ("喜欢主播的点点关注哦", None),  # a streamer's own room asking for follows
    ("狼人杀开好了 房间号 661023 密码 12", None),  # a game room, not a promotion
    # a sale with no selling verb: the item's state or handover and a price
    ("婴儿推车，九成新，120，自提", "secondhand_sale"),
    ("公司发的电动牙刷全新没拆 90", "secondhand_sale"),
    ("这件外套全新的，500买的", None),  # a price paid
    ("全新的键盘多少钱合适？", None),  # asking
    # a member buying, or asking who sells
    ("有出二手自行车的吗，通勤用", "buy_request"),
    ("想给老人收个二手按摩椅，有的联系我", "buy_request"),
    ("求收留，新人一枚", None),
    # a paid "job" that asks for a fee first
    ("招手工活外发，在家就能做，先交300押金领材料", "scam_bait"),
    # s39, from the read everyday suites' lures
    ("客服提醒：您名下的备用金需关闭，否则影响个人征信，回复1办理", "scam_bait"),  # the "close it or your credit suffers" script
    ("我的征信有点问题，信用卡注销了会不会好点？", None),  # a member asking
    ("您的包裹因地址不详滞留仓库，请点击 http://kuaidi-redelivery.com/a 更新地址", "scam_bait"),
    ("我的快递滞留在驿站三天了，点击 https://www.sf-express.com 查不到", None),  # a member's own parcel
    ("你涉嫌一起洗钱案件，请立即加入腾讯会议 123 456 789 配合调查", "scam_bait"),  # the police over a meeting app
    ("请立即访问 https://steamcommunlty.com/verify/8472 核实账号", "scam_bait"),  # a brand's name one letter off
    ("收QQ号、微信号 租号，每天每个号30元，只挂机", "scam_bait"),  # renting the reader's accounts
    ("招聘仓库管理员，不收任何培训费", None),
    ("你去选秀吧我给你投票", None),
    # s19: the guide's spam list in more forms (our own texts)
    ("【社保中心】您的社保待遇资格即将过期，请点击 http://shebao-renzheng.top 完成认证", "scam_bait"),  # a made-up official domain
    ("【京东】您的京豆即将过期，点击 jd.com/abc123 查看", None),  # a brand's own domain: a notice, not phishing
    ("老年补贴每人可领1500，把身份证号和银行卡号发给我登记一下", "scam_bait"),  # a claim for the reader's bank details
    ("报销的同学把银行卡号发群主，周五统一打款", None),  # no claim held out: housekeeping
    ("跟着王老师做黄金理财，年化30%，稳赚不赔", "scam_bait"),  # investment with sure returns
    ("这个基金去年收益8%，还行", None),
    ("无聊的可以找我聊天，v在我头像上", "lure"),  # a bare lure: the contact is in the avatar
    ("哈哈哈 看我头像", None),  # a joke in chat
    ("麻烦大家帮我家孩子的绘画作品点个赞🙏 https://toupiao.example.cn/p/88", "lure"),
    ("招工地临时工，日结300，无需经验，先交200押金", "scam_bait"),  # "无需经验" is no promise about fees
    ("茶叶招分销，拿货价五折，有兴趣私聊", "agent_pitch"),
    ("小区生鲜团购招团长，每单提成8%，有群的宝妈优先，私我", "agent_pitch"),
    ("公会招聘副团长，每晚在线的来", None),  # a game guild's officer
    ("关注一下我的视频号「老周修表」，每天更新修表过程", "group_promo"),
    ("我在豆瓣小组「城南读书会」发了活动，欢迎加入", "group_promo"),
    ("b站那个《三体》解说挺好看的", None),  # a video title, no call
    ("搬家清东西：落地灯30，鞋柜80，周六来拿", "secondhand_sale"),
    ("刚刚打出了127层,奖励40", None),
    ("物业费一年交了两千多，电梯还老坏", "money_talk"),  # money spent, nothing sold
    ("装修全包3万8，有需要的联系我", None),  # a sum with a way to buy is no money talk
    ("大家把团建的钱交一下，群收款已发，每人120", "money_talk"),  # a bill split: 群收款 is a collection, not a purchase
    ("班费收支明细已上传群文件，本学期支出合计1236.5元，结余2763.5元", "money_talk"),  # 收支 buys nothing
    ("周六包场，场地费240大家AA", "money_talk"),
    ("定价2元，回复AA下载彩铃", None),  # an SMS's order code
    ("4元2千万欢乐豆，要的加aa名的微信", None),  # a contact named aa
    ("高价收旧手机，当场结清200起", None),  # 收 still buys
    ("有人要电饭煲吗，搬家带不走，50拿走", "secondhand_sale"),  # a seller asking who wants it
    ("有人要出二手吉他吗，300左右", "buy_request"),  # a buyer asking who sells
    ("有没有靠谱的打印店推荐？", "buy_request"),
    ("双11领完券199 https://e.tb.cn/h.abcd", "rebate_post"),  # a shop's share link with a coupon
    ("【考试中心】您的成绩异常，请加工作人员微信 kszx_2024 缴纳复核费", "scam_bait"),  # an authority and a private contact
    ("我是李总，马上给这个账户转一笔定金，财务找我", "scam_bait"),  # the boss impersonated
    ("本班家长群号 556677889，通知都在群里，还没加的家长抓紧加一下", "own_group"),  # a class's own group: chat
    ("吉他零基础入门课，8节线下800，报名找我", "course_offer"),  # a paid course (the guide names 课程, 训练营)
    ("下周选课别忘了，课程表在群文件", None),  # a school's own timetable
    ("这节公开课我也听了，一般", None),
    ("物流园招叉车司机，月薪七千，包吃住，电话 139 1111 2222", "job_pitch"),  # a job with its pay and a way to apply
    ("招聘女模特，月薪1万-5万，急用钱的私聊", None),  # pay no honest job names: a lure, the model decides
    ("失眠的小哥哥来我空间呀，今晚等你", "lure"),
    ("下班了一个人无聊吧，点我头像，今晚陪你聊到天亮", "lure"),  # s32: 点我头像 as well
    ("点我头像看看我家新来的猫，可爱吧", None),  # a member's own picture, no company offered
    ("转发这条到三个群，保佑全家平安", "lure"),
    ("收驾照分，一分两百，私我", "scam_bait"),  # buying the reader's licence points
    ("宝宝推车和餐椅一起出，两样一起三百，自提", "secondhand_sale"),
    ("卷发棒闲置出，买来只用了三次，150包邮", "secondhand_sale"),
    ("这件外套是朋友500买的，全新", None),
    ("钢琴老师的电话 13712345678，请假直接打给她", "shared_number"),  # someone's number passed on to call
    ("李老师电话 13712345678，报名从速", None),  # a number to sign up through
    ("练字用的毛毡垫转让，四十块，图书馆门口自取", "secondhand_sale"),  # a price in Chinese numerals with 块
    ("搬家了，书桌和椅子打包两百，周日前自己来搬", "secondhand_sale"),  # the buyer comes to carry it
    ("山地车转了，骑了一年，六百，可以试骑", "secondhand_sale"),
    ("家里囤的普洱出几饼，2015年的，一饼200，私聊", "secondhand_sale"),  # an item, then 出 and how many
    ("出一副羽毛球拍，买的时候六百，用得少，三百出", "secondhand_sale"),  # the price before 出
    ("我们选出几个代表，每人发200补贴", None),  # 选出 is no sale
    ("大表哥，我换了张新卡，这次的货款打到这个账户：6217 0011 2233 4455 666", "scam_bait"),  # a "new account"
    ("我那张旧卡注销了，以后工资发新卡", None),  # no payment asked for
    ("养老社区项目，投十万每月分红五千，两年回本", "scam_bait"),  # sure returns
    ("就差最后一刀了 帮我砍一下 谢谢", "lure"),
    ("摄影交流 3 群已开，想进的扫码[图片]", "group_promo"),  # another group opened
    ("本地宝妈闲置群，每天有好物转让，想进的扫我名片进群", "group_promo"),  # a named kind of group whose name opens with 闲
    ("城西骑行交流群，周末约骑，新人免费进，扫码入群[图片]", "group_promo"),  # the way in (扫码, 入群) is the call
    ("手作陶杯，一只一百二，嶶：t a o ~ b e i ~ 9", "priced_offer"),  # 嶶 for 微: a dodged WeChat
    ("窗帘布批发，一米十五块，加 威 lian-bu-66", "priced_offer"),  # a metre's price, 加 威 spaced
    ("宠物零食厂家招代理，一件代发，利润三成，电话 13905716628", "agent_pitch"),  # a margin is a reseller's term
    ("想做代理的来，躺着赚钱，利润翻倍，加我", None),  # easy money is no margin: the model decides
    ("微博关注@城东猫咖，每周抽奖送饮品券", "group_promo"),  # follow an account, said as a pitch
    ("论文润色，美籍博士逐句改，每千字八十，v：run-se-88", "priced_offer"),  # 博士 is no gambling
    ("成人款羊毛袜，一双三十，加微 wa-zi-8", "priced_offer"),  # an adult size is no porn
    ("给商家写好评，一单7元，复制粘贴就行，多劳多得，加我", None),  # a paid task: spam's, not an offer
    ("烘焙入门班：戚风和曲奇，6次线下，学费880", "course_offer"),  # a course named as one, with its fee
    ("亲子瑜伽课，周末小班3节260，带娃一起练", "course_offer"),  # a named course closing its clause
    ("自媒体剪辑训练营，14天999，包教包会", "course_offer"),  # days and then the price
    ("这学期的数学课，老师讲得挺快", None),
    ("新人开课，高颜值", None),  # a lure's slang, not a course
    ("连锁茶饮品牌加盟，加盟费12万，区域保护", "agent_pitch"),  # the terms say it: no contact needed
    ("零食招代理，拿货价六折，一件代发", "agent_pitch"),
    ("听说开奶茶店要交加盟费？", None),  # asking
    ("自家果园的橙子，一箱八十，薇 ❀ g u o y u a n 8", "priced_offer"),  # a unit's price in Chinese numerals
    ("新区开服送两千万元宝，加我", None),  # a game's currency, no price
    # s27: a reseller's commission or rebate is its terms, not a gambling agent's (gambling, 人头费 and paid tasks
    # still keep the rule off); an employer hiring in its own name with pay and a way to apply
    ("陶瓷杯厂家招分销，佣金三成，一件代发，私我", "agent_pitch"),
    ("宠物粮招区域代理，季度返点5%，详情私聊", "agent_pitch"),
    ("体育平台招代理，佣金55%，联系我", None),
    ("外汇平台诚招代理，高佣金，入金即返，联系我", None),  # a trading scheme recruits for the reader's money
    ("招代理，挣点零花，一单一结，私我", None),
    ("杭州一家设计公司招UI设计师，底薪9k+项目奖，简历发 hr@example.cn", "job_pitch"),
    ("奶茶店招兼职，日结100，在家也能做，私我", None),  # a task's pay, not a job
    # s27: lures the model read as offers or chat (the guide's spam list), each with its honest neighbour
    ("闲置的微信号租给我们用，一个月给你三百，不用你操作，私聊", "scam_bait"),  # renting out the reader's account
    ("我家的房子租给你，一个月给我三千，押一付三", None),  # a landlord renting out a flat asks the reader to pay
    ("【公安提醒】你的银行卡涉嫌一起诈骗案，请立即联系李警官 021-6655 4433 配合调查", "scam_bait"),
    ("新闻说那个老板涉嫌诈骗被抓了", None),  # news, no number to call
    ("您的助学贷款需要注销否则影响征信，请下载会议软件联系我们", "scam_bait"),
    ("恭喜你抽中一台空气炸锅，只需付15元运费即可领取，加我", "scam_bait"),  # a prize held back for a fee
    ("抽奖抽中一台空气炸锅，今天到货了", None),
    ("群主发福利了🧧 点这里领取红包 http://hongbao-qz.xyz/get?id=7", "scam_bait"),  # a red packet on a made-up site
    ("百亿补贴AirPods到手价649，点击链接下单 https://p.pinduoduo.com/abc", "rebate_post"),  # a shop's own page
    ("【通知】本群被举报，今晚十点解散，所有人加新群 556 677 889", "fake_notice"),
    ("我是会长，换新号了。年会费今天要结账，大家先把钱转到这个支付宝 hui_zhang88", "scam_bait"),  # impersonation
    # s27: a class's or a club's own group posted with its number is housekeeping
    ("我们班的群号 624180357，课表和作业都发在里面，还没进的同学进一下", "own_group"),
    ("一群满了，新开了二群 553201876，新来的成员加这个", "own_group"),
    ("本社从事茶叶销售，电话 13900001111", None),  # a phone number is no group
    ("我们班群号 624180357，进群领红包", None),  # a group with a lure stays with the model
    # s32: the same forms a little wider (a sender of up to 12 characters, 前往/解除/补缴 on the link, 被…举报)
    ("【全国大学生竞赛组委会】资格审核未通过，请于24小时内点击 http://jingsai-sh.top 补缴报名费，逾期作废", "scam_bait"),
    ("检测到风险授权，请立即前往 http://wallet-safe.app 解除授权，否则资产将被冻结", None),  # no sender named
    ("【钱包安全提醒】检测到风险授权，请立即前往 http://wallet-safe.app 解除授权，否则资产将被冻结", "scam_bait"),
    ("【校学生会】周末志愿活动，请前往 http://www.scu.edu.cn 报名，名额今日截止", None),  # the school's own site
    ("本群被城管举报，今晚就解散，大家加新群 778 812 390", "fake_notice"),
    ("隔壁群被人举报了，群主说以后少发广告", None),  # news of a group, nothing to act on
]


@pytest.mark.parametrize("text, expected", CASES)
def test_which_rule_fires(text, expected):
    assert rule(text) == expected


def test_a_fake_notice_read_as_an_ad_becomes_spam():
    out = _lifted("fake_notice", on_topic=0.0, advertising=2.0, spam=0.5)
    assert max(out, key=out.get) == "spam"


def _logits(**by_label: float) -> np.ndarray:
    return np.array([[by_label.get(label, 0.0) for label in LABELS]], dtype=np.float64)


def _lifted(kind: str, **by_label: float) -> dict[str, float]:
    logits = _logits(**by_label)
    lift(logits, [(kind, "span")], list(LABELS))
    return dict(zip(LABELS, logits[0].tolist(), strict=True))


def test_a_sale_read_as_chat_becomes_advertising():
    out = _lifted("secondhand_sale", on_topic=4.0, advertising=-2.0, spam=-1.0)
    assert out["advertising"] == pytest.approx(4.0 + RULE_MARGIN)
    assert max(out, key=out.get) == "advertising"


def test_a_sale_read_as_spam_becomes_advertising():
    # an obfuscated contact makes an honest sale look like a lure to the model
    out = _lifted("secondhand_sale", on_topic=1.0, advertising=0.5, spam=4.0)
    assert max(out, key=out.get) == "advertising"


def test_a_service_offer_read_as_spam_becomes_advertising_unless_spam_is_sure():
    # the guide: a service offered with a way to buy it "says what it sells"; the model reads the short ones
    # (私信帮写, C/C++辅导，需要可以+我) as bare lures
    out = _lifted("service_offer", on_topic=1.0, advertising=0.5, spam=2.0)
    assert max(out, key=out.get) == "advertising"
    out = _lifted("service_offer", on_topic=0.0, advertising=0.0, spam=RIVAL_KEEP + 0.5)
    assert max(out, key=out.get) == "spam"


def test_a_rebate_post_read_as_spam_becomes_advertising_however_sure():
    out = _lifted("rebate_post", on_topic=0.0, advertising=1.0, spam=1.0 + RIVAL_KEEP + 5.0)
    assert max(out, key=out.get) == "advertising"


def test_a_lure_read_as_an_ad_becomes_spam_unless_the_ad_is_sure():
    out = _lifted("lure", on_topic=0.0, spam=1.0, advertising=1.0 + RIVAL_KEEP - 0.5)
    assert max(out, key=out.get) == "spam"
    out = _lifted("lure", on_topic=0.0, spam=1.0, advertising=1.0 + RIVAL_KEEP + 0.5)
    assert max(out, key=out.get) == "advertising"


def test_a_buy_request_read_as_an_ad_or_spam_becomes_chat_unless_the_model_is_sure():
    out = _lifted("buy_request", on_topic=0.5, advertising=1.0, spam=1.2)
    assert max(out, key=out.get) == "on_topic"
    assert out["on_topic"] == pytest.approx(1.2 + RULE_MARGIN)  # above the stronger of the two flagged labels
    out = _lifted("buy_request", on_topic=0.0, advertising=0.0, spam=RIVAL_KEEP + 0.5)
    assert max(out, key=out.get) == "spam"


def test_an_agent_pitch_read_as_spam_becomes_advertising():
    out = _lifted("agent_pitch", on_topic=0.0, advertising=0.5, spam=4.0)
    assert max(out, key=out.get) == "advertising"


def test_rows_without_a_hit_are_untouched():
    logits = np.vstack([_logits(on_topic=3.0), _logits(spam=2.0)])
    before = logits.copy()
    lift(logits, [None, None], list(LABELS))
    assert np.array_equal(logits, before)


def test_the_verdict_names_the_rule(shipped):
    verdict = shipped[0].classify("闲置出个电饭煲，85，可小刀")
    assert verdict.label == "advertising"
    assert ("guide_rule", "secondhand_sale: 闲置出个电饭煲,85,") in [(r.name, r.detail) for r in verdict.reasons]


# honest_offer: asked only of a message the model calls spam (find_rules); our own texts, not the suites'
OFFERS = [
    ("手工皮具定做，钱包一个180起，看样式加 q q：4 4 1 2 0 8 7 7", True),  # a price, a dodged contact
    ("小区上门理发，30元一位，老人小孩都行", True),  # a price and its unit
    ("日语N2冲刺班，学费2600，报名扫码", True),
    ("海运到温哥华一箱£60，私我", True),
    ("做抖音评论，一条5元，日结，加我", False),  # a paid task: the reader is paid, not asked to pay
    ("一小时300，在家就能做，需要的来", False),
    ("百家乐包赢，下注一次赚500", False),  # gambling
    ("抖音发视频一个20，需要的来", False),  # a task's pay per piece, not a price
    ("一天800，做的私", False),
    ("跟我做外汇，本金一万起，每月返8个点", False),  # investment with sure returns
    ("高价收抖音号，一个200", False),  # buying the reader's accounts
    ("要片的加我，5元20部", False),  # porn
    ("这个多少钱？300卖吗", False),  # asking
    ("今晚吃火锅，人均80元，AA", True),  # money chat has a price too: the model must call it spam first
    ("收到，谢谢老师", False),  # no price
    ("工商注册加记账一条龙，一年 1980 全包，v 信：k u a i j i", True),  # 一条龙 is a whole service, not a piece rate
    ("空调清洗上门，一台七十，☎ 壹叁捌 零零零零 壹壹壹壹", True),  # 清洗 is no laundering
    ("承接洗钱通道，一单 2 个点", False),
    ("港版手机代拍代购，手续费按一成算，薇 ↪ g a n g b a n _ 0 1", True),  # an offer word and a contact
    ("市区一室一厅长租，家电齐全，看房 + v：z u f a n g _ 0 2", True),
    ("打到出租车了，到了联系我", False),  # 出租车 is no rental offer
    ("一小时30，手机就能做，私我", False),  # pay per hour: a task
    ("在线陪聊100一小时，需要的加v", False),
    ("代练上分，钻石到星耀120元，不上退款，加我", True),  # a guarantee, not a refund scam
    ("退款理赔专员：点击链接填写银行卡即可领取退款", False),
    ("手绘头像定制，一张60，下单网址 touxiang 点 com", True),  # a shop's own order page
    ("刚充值的老板找我退宽，接单价格优惠，加我", False),  # a refund scam written 退宽
    ("刷金币代练接单，一次50，联系我", False),  # farming game currency: a cheat
    # s27's price forms: a subscription, a time on sale, a unit of volume or a half day, a foreign currency, a
    # discount on a named price, a whole job's price
    ("独立站模板，年付 260，送三个月更新，加 v：m o b a n 6", True),
    ("手工酸奶今晚限时19.9，嶶 s u a n n a i ~ 2", True),
    ("限时3天，加我领资料", False),  # 限时 and a duration is no price
    ("自家酿的米酒，三升八十，绿泡泡 m i j i u 9", True),
    ("宠物上门喂养，半天八十，v：w e i m a o ~ 1", True),
    ("吉隆坡机场接送，到市区九十令吉，薇 + k l ~ j i e", True),
    ("打印机硒鼓，比官网便宜两成，原装，看货 v 信 x i g u", True),
    ("旧房翻新，两室一厅 2800全包，威❤ f a n x i n 8", True),
    ("车里闲置的ETC卡租给我们，一张一个月给八百，私聊", False),  # the reader is paid to hand over a card
    ("一张一千到账，胆大的来", False),
    ("一趟八万，不怕死的来", False),
]


@pytest.mark.parametrize("text, offer", OFFERS)
def test_an_honest_offer_states_a_price_and_no_spam_form(text, offer):
    assert (honest_offer(normalize(text)) is not None) is offer


def test_honest_offer_moves_spam_to_advertising_and_leaves_chat_alone():
    texts = ["小区上门理发，30元一位，老人小孩都行", "今晚吃火锅，人均80元，AA", "做抖音评论，一条5元，日结，加我"]
    norms = [normalize(t) for t in texts]
    spam, chat = LABELS.index("spam"), LABELS.index("on_topic")
    logits = np.zeros((3, len(LABELS)))
    logits[0, spam] = logits[2, spam] = 3.0  # the model calls the offer and the paid task spam
    logits[1, chat] = 3.0  # and the dinner bill chat
    hits = find_rules(norms, logits, list(LABELS))
    # the dinner bill stays chat: no offer, and since s39 AA reads as money talk
    assert hits[0] == ("honest_offer", "30元") and hits[1] == ("money_talk", "aa") and hits[2] is None
    lift(logits, hits, list(LABELS))
    assert [LABELS[k] for k in logits.argmax(axis=1)] == ["advertising", "on_topic", "spam"]
    assert logits[0, LABELS.index("advertising")] == pytest.approx(3.0 + RULE_MARGIN)


def test_honest_offer_yields_to_the_rules_before_it():
    norm = normalize("上门修空调，清洗一次80，加薇：k o n g t i a o 8 8")
    logits = np.zeros((1, len(LABELS)))
    logits[0, LABELS.index("spam")] = 3.0
    assert find_rules([norm], logits, list(LABELS)) == [guide_rule(norm)] == [("priced_offer", guide_rule(norm)[1])]


def test_a_lookalike_link_is_made_up_to_look_official():
    from qunguard.model.links import lookalike
    urls = {h.value: lookalike(h) for t in ("http://yibao-chaxun.xyz/a", "https://m.alipay.com/J/1", "http://abc.gov.cn",
                                            "https://zulin-beian.top", "https://github.com/x/y")
            for h in normalize(t).handles}
    assert urls == {"yibao-chaxun.xyz": True, "m.alipay.com": False, "abc.gov.cn": False, "zulin-beian.top": True,
                    "github.com": False}


def _first_chars(items) -> set[str] | None:
    """The characters a match of parsed regex items can start with; None if any character could."""
    from re import _constants as C  # the stdlib's own parse tree of a pattern

    out: set[str] = set()
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero-width: the next item starts the match
        if op is C.LITERAL:
            return out | {chr(av)}
        if op is C.IN:
            for kind, val in av:
                if kind is C.LITERAL:
                    out.add(chr(val))
                elif kind is C.RANGE:
                    out |= {chr(c) for c in range(val[0], val[1] + 1)}
                else:
                    return None
            return out
        if op is C.BRANCH:
            branches = [_first_chars(b) for b in av[1]]
            return None if None in branches else out.union(*branches)
        if op is C.SUBPATTERN or op in (C.MAX_REPEAT, C.MIN_REPEAT):
            sub = _first_chars(av[3] if op is C.SUBPATTERN else av[2])
            if sub is None:
                return None
            out |= sub
            if op is C.SUBPATTERN or av[0] > 0:
                return out
            continue  # an optional repeat: what follows may start the match too
        return None
    return out


def _starts(pattern: re.Pattern, skip_guard: bool = False) -> set[str] | None:
    from re import _parser

    items = list(_parser.parse(pattern.pattern, pattern.flags))
    return _first_chars(items[1:] if skip_guard else items)  # the leading (?=[...]) guard itself left out


@pytest.mark.parametrize(("pattern", "guard"), [
    (guide_rules._REBATE, guide_rules._REBATE_STARTS),
    (guide_rules._PROMO, guide_rules._PROMO_STARTS),
    (guide_rules._PROMO_MORE, guide_rules._PROMO_MORE_STARTS),
])
def test_a_first_character_guard_lets_every_branch_through(pattern, guard):
    # a branch opening with a character its guard lacks can never match (分享群, 学习群 … until s23)
    assert _starts(pattern, skip_guard=True) - _starts(guard) == set()


def test_the_prechecks_of_buy_requests_and_pleas_cover_their_patterns():
    assert (_starts(guide_rules._BUY_ASK) | _starts(guide_rules._BUY_ASK_MORE)) <= guide_rules._BUY_ASK_OPENERS
    assert _starts(guide_rules._BEGGING) <= _starts(guide_rules._BEGGING_CHARS)
