"""Which kind of commerce a message is, decided by a source-neutral model (optional: `train.py --commerce-kind`).

Each training source leans to one kind of commerce by its own make-up: Telegram and the harm benchmark lean to spam,
SMS to advertising. The main model learns those leans through each source's words and style, and real group chat
inherits them. A message's spam or advertising verdict is then partly the source's, not the message's.

A second model is fitted on the same rows with one more column per source, so each source's lean goes to its own
column. Those columns are dropped when the model is saved. Only its spam-minus-advertising logit is kept: one
weight column (`KindColumn`). At scoring time the main model still says how likely a message is commerce at all,
p(spam) + p(advertising), and the column divides that share between the two kinds. Where a guide rule for spam or
advertising fired, the main model's own division stands (model/guide_rules.py).

Measured at s30 (docs/experiments.md, "a source-neutral kind of commerce"). On real chat never trained on, it moves advertising
F1 from 0.670 to 0.720 and 0.732. On the lure suites it loses 3 to 4 of 72. It is not the shipped default.

Gated (s31, `train.py --commerce-kind source-neutral-gated`): the column's division stands aside in two more places.
Where the text names one of the labelling guide's spam forms (SPAM_FORMS), the main model divides, as where a rule
fired: the source-neutral model lost the lures whose spam lean it had learned only from their sources. And the column
only moves commerce toward advertising (`one_way`): it was fitted to take out the sources' leans, and the ones that
lean to spam (Telegram, the harm benchmark) are what real group chat's honest selling is read as. On the unread
suites the gates turn the whole column's 2-4 lost lures (of 72) into 1, and its loss of 3 messages of the 1,152 into a gain
of 8; shipped since s32, when a fresh pair of suites decided it (docs/experiments.md, s31 and s32).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qunguard.model.features import Features
from qunguard.model.guide_rules import rule_label
from qunguard.model.labels import LABELS
from qunguard.model.normalize import Normalized

SPAM, ADS = LABELS.index("spam"), LABELS.index("advertising")

# the labelling guide's spam list, from "scams and fraud" to "bare lures": its words and their plain variants. Not
# guide_rules._DECEIT: that one keeps offer rules off anything that may deceive, so it also holds words honest pitches
# use (分成, 收益, 赚, 软件, 平台); asked here, it keeps agent pitches at the main model's spam (read suites 4,465-4,479
# against 4,479-4,489, real chat alike: bench/tried/kind_gate_forms.py)
SPAM_FORMS = re.compile(
    r"刷单|返利|中奖|领奖|公检法|退款|理赔|贷款|征信|理财|保本|稳赚|包赚|本金|杀猪盘|博彩|赌|彩金|约炮|裸聊|不转不是|紧急通知|"
    r"解散|投票|砍一刀|助力|点赞|打榜|冲榜|红包|拉人头|跑分|收卡|银行卡|代收代付|车队|租号|上号|收号|日赚|日入|合伙人|拉新|"
    r"打字员|抄小说|录入员|配音|垫付|佣金|实名|收款码|胜率|(?:看|在)我的?(?:名字|头像|签名|昵称)|"
    # s32: the rest of the guide's own words (棋牌 and 澳门 lures, 冒充, 务必进新群, 转发到xx个群, 帮忙点一下链接)
    r"棋牌|澳门|冒充|务必|转发|帮(?:我|忙)点")


@dataclass(frozen=True)
class KindColumn:
    weights: np.ndarray  # (n_features,) float32: the source-neutral model's spam weights minus its advertising weights
    intercept: float  # its spam intercept minus its advertising intercept
    temperature: float  # its calibration temperature
    one_way: bool = False  # gated: the column may only move commerce toward advertising
    spam_forms_keep: bool = False  # gated: a text naming a guide spam form keeps the main model's division

    def lean(self, feats: Features) -> np.ndarray:
        """Each row's spam-minus-advertising logit, calibrated (before any guide rule)."""
        t = feats.tokens
        n_tokens = len(self.weights) - feats.shapes.shape[1]
        # the weighted sum of each row's tokens (float64); np.bincount adds a row's entries in order
        sums = np.bincount(t.rows, weights=self.weights[t.cols] * t.weights, minlength=t.n_rows)
        sums += feats.shapes @ self.weights[n_tokens:].astype(np.float64)
        return (sums + self.intercept) / self.temperature

    def divide(self, proba: np.ndarray, feats: Features, rules: Sequence[tuple[str, str] | None],
               norms: Sequence[Normalized]) -> np.ndarray:
        """In place, on probabilities in LABELS order: each row's p(spam) + p(advertising) is divided by its lean.
        A row where a guide rule for spam or advertising fired keeps its division; gated, so does a row whose text
        names a guide spam form, and no row's spam share grows. Returns which rows it turned between spam and
        advertising (the larger of the two changed), for the verdict's reasons."""
        spam_share = 1.0 / (1.0 + np.exp(-self.lean(feats)))
        keep = np.fromiter((hit is not None and rule_label(hit[0]) in ("spam", "advertising") for hit in rules),
                           dtype=bool, count=len(rules))
        if self.spam_forms_keep:
            keep |= np.fromiter((SPAM_FORMS.search(n.text) is not None for n in norms), dtype=bool, count=len(norms))
        commerce = proba[:, SPAM] + proba[:, ADS]
        kept = proba[:, SPAM] / np.maximum(commerce, 1e-300)
        if self.one_way:
            spam_share = np.minimum(spam_share, kept)
        share = np.where(keep, kept, spam_share)
        proba[:, SPAM], proba[:, ADS] = commerce * share, commerce * (1.0 - share)
        return (kept >= 0.5) != (share >= 0.5)

    @classmethod
    def from_model(cls, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str], temperature: float,
                   gated: bool = False) -> KindColumn:
        """From the source-neutral model's coefficients (n_classes, n_features), in the order of `classes`, with its
        source columns already dropped; `gated`: both gates on."""
        s, a = list(classes).index("spam"), list(classes).index("advertising")
        return cls(np.asarray(coef[s] - coef[a], dtype=np.float32), float(intercept[s] - intercept[a]), float(temperature),
                   one_way=gated, spam_forms_keep=gated)
