"""Replies that quote another message: what a verdict judges, the member's words or the quote too.

A member who quotes an ad to say 群里别发广告了 is not advertising, and a quoted 明天几点集合？ is not the reply's
topic. Platforms pass a quote two ways:
- **inside the text**: WeChat bots (wechaty's puppets, chatgpt-on-wechat, itchat bridges) turn a quoted reply
  into `「张三：原消息」\\n- - - - - - - - - - - - - - -\\n回复`, so the quote arrives as part of the message;
- **beside it**: Telegram gives `reply_to_message` (a message of this chat) or `external_reply` (a message of
  another chat), QQ's OneBot a reply segment; a bot passes it as the request's `reply_to`.

What the verdict judges (tg-spam judged quoted external text too late, PR #366; a QQ plugin banned members for
the ad they quoted, astrbot_plugin_group_guardian #33):
- a quote the platform vouches for (`reply_to`, not external) is left out: it is a message of this group, judged
  when it was posted;
- an external quote (`reply_to.external`) is content the member brings in: judged with the reply;
- a quote inside the text is only text, and anyone can type one: it is left out only when another member of the
  group posted the quoted words before (service/flood.py remembers the group's recent texts and who posted each
  last) or when it has no words to hide a pitch in (`[图片]`); otherwise it is judged with the reply, as before
  quotes were read: a spammer's ad dressed up as a quote, or a member's own earlier pitch quoted to post it again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from qunguard.model.normalize import Normalized
from qunguard.model.normalize.platform_codes import read_wechat_xml
from qunguard.service.flood import QUOTE_MEMORY_S

# 「name：quoted」, a line of dashes (clients draw it with -, —, – or ─, spaced or not), then the reply.
# The name may be empty (a quote of one's own message in some clients) and is at most a nickname's length.
_INLINE_QUOTE = re.compile(r"\A「(?P<name>[^「」\n]{0,64}?)[：:](?P<quoted>.*)」[ \t]*\n[ \t]*[-—–─][-—–─ \t]{3,}[-—–─][ \t]*\n(?P<reply>.*)\Z",
                           re.DOTALL)
_FINGERPRINT_DROP = re.compile(r"[\W_]+")
_SHOWN = 40  # characters of a quote shown in the verdict's reason
LEFT_OUT = "left out"  # how a `quote` reason starts when the verdict judged the reply alone


@dataclass(frozen=True, slots=True)
class Quote:
    text: str  # the quoted message
    external: bool = False  # from outside the group (Telegram's external_reply): judged with the reply
    inline: bool = False  # found inside the message's text, not passed beside it


@dataclass(frozen=True, slots=True)
class InlineQuote:
    name: str
    quoted: str
    reply: str


def split_inline_quote(text: str) -> InlineQuote | None:
    """The quote and the reply of a WeChat-style quoted reply, or None if the text is not one."""
    m = _INLINE_QUOTE.match(text)
    if m is None:
        return None
    return InlineQuote(m["name"].strip(), m["quoted"].strip(), m["reply"].strip())


def fingerprint(norm: Normalized) -> str | None:
    """What "the same words" means when a quote is checked against what the group posted: the normalised text
    without punctuation, spaces or emoji (a client may drop a trailing space or turn ！ into !), or None for a
    text with no words (a quoted [图片] says nothing about who wrote what)."""
    key = _FINGERPRINT_DROP.sub("", norm.text)
    return key or None


@dataclass(frozen=True, slots=True)
class Reading:
    """How one message is judged: the text its verdict reads, and what became of its quote and why."""

    judged: str  # what the model, the policy, the flood windows and the topic read
    quote: Quote | None = None
    left_out: bool = False  # the quote is not judged with the reply
    why: str = ""

    def reason(self) -> dict | None:
        """The verdict's `quote` reason, or None for a message that quotes nothing."""
        q = self.quote
        if q is None:
            return None
        # the quote's start, so a moderator sees what the member answered
        shown = q.text if len(q.text) <= _SHOWN else q.text[: _SHOWN - 1] + "…"
        said = LEFT_OUT if self.left_out else "judged with the reply"
        return {"name": "quote", "detail": f"{said}: 「{shown}」 ({self.why})"}


def read_quote(text: str, reply_to: Quote | None) -> tuple[str, Quote | None]:
    """(the member's own words, the quote): the quote passed beside the text, else one written inside it."""
    if reply_to is not None:
        return text, reply_to
    if text.startswith("<"):  # a WeChat card's XML: a quoted reply is written as WeChat's own quote
        text = read_wechat_xml(text) or text
    if not text.startswith("「"):  # most messages: no function call more
        return text, None
    inline = split_inline_quote(text)
    if inline is None or not inline.reply:
        return text, None  # a quote with no reply is the member's whole message
    return inline.reply, Quote(inline.quoted, inline=True)


def reading(text: str, own: str, quote: Quote | None, posted: bool, wordless: bool = False) -> Reading:
    """`posted`: another member posted an inline quote's words before (FloodTracker.posted_before); `wordless`:
    the quote has no words at all (fingerprint() is None)."""
    if quote is None:
        return Reading(text)
    if quote.external:
        return Reading(f"{own}\n{quote.text}", quote, False, "from outside the group")
    if not quote.inline:
        return Reading(own, quote, True, "a message of this group, judged when it was posted")
    if wordless:
        return Reading(own, quote, True, "no words to judge")
    if posted:
        return Reading(own, quote, True, "another member posted it before, judged then")
    # anyone can type a quote, and one's own words quoted are posted again: judged as written
    return Reading(text, quote, False, f"no other member posted it in the last {QUOTE_MEMORY_S / 3600:g} h")


def judged_words(text: str, reasons: list[dict]) -> str:
    """What a stored verdict judged, from its message text and reasons: the reply alone where its `quote` reason
    says the quote written into the text was left out, else the text. An export trains on these words: a quoted
    ad under a moderator's on_topic would teach the ad's words as chat."""
    if any(r["name"] == "quote" and r["detail"].startswith(LEFT_OUT) for r in reasons):
        own, quote = read_quote(text, None)
        if quote is not None:
            return own
    return text
