"""Links a platform hides behind a message's words: judged after the words, as if written there.

Telegram shows `点这里加入` and keeps the address in a `text_link` entity, or under an inline keyboard's URL
button; a QQ or Discord card can do the same. A bot that passes `text` alone hands the verdict the words without
the address, and the address is what tells a t.me invitation, a shortener or a shopping click from a university
notice (model/links.py), and what makes a contact handle, a delete's second signal. tg-spam counts keyboard
buttons and links among its meta checks for the same reason.

The links go after the words, space-separated (a line break is a token the model weighs), each once, and only
those the words do not already show. A Telegram `tg://user?id=…` link is a mention of a member, not a link.
"""
from __future__ import annotations

from collections.abc import Sequence

MAX_LINKS = 20  # a message with more buttons than this is a menu; the first 20 say where it leads
MAX_LINK_CHARS = 2048
_MENTION_SCHEMES = ("tg://user", "tg://openmessage")  # Telegram's mention of a member without a username


def hidden(text: str, links: Sequence[str]) -> list[str]:
    """The links that `text` does not show, in order, each once; mentions of members dropped."""
    if not links:
        return []  # most messages: no lowercased copy of the text
    lowered = text.lower()
    return [u for u in dict.fromkeys(link.strip() for link in links)
            if u and not u.lower().startswith(_MENTION_SCHEMES) and u.lower() not in lowered]


def with_links(text: str, links: Sequence[str]) -> str:
    """The text a verdict judges: the member's words, then the links they hide."""
    return " ".join([text, *links]) if links else text


def reasons(links: Sequence[str]) -> list[dict]:
    """One `hidden_link` reason per link judged after the words, so a moderator sees where the words lead."""
    return [{"name": "hidden_link", "detail": f"{u} (behind the words or a button; judged after them)"} for u in links]
