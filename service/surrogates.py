"""Lone surrogates: code points U+D800-U+DFFF standing alone in a str.

JSON can carry one (the escape "\\ud800", half of an emoji's UTF-16 pair) and
Python's JSON parser accepts it, but such a str cannot be encoded as UTF-8: it
cannot be stored, logged, segmented or sent back. So it is refused where it comes
in (every str field of a request, every line of `qunguard classify`), with where
it sits, rather than found later by whatever first tries to encode it.

Plain functions, no pydantic: `qunguard classify` checks every line with them and starts faster without it
(the request fields' type, built on them, is in service/text_fields.py).
"""
from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def lone_surrogate_problem(text: str) -> str | None:
    """What is wrong with `text` in plain words, or None if it has no lone surrogate."""
    found = _LONE_SURROGATE.search(text)  # one regex scan: cheap enough for every field of every request
    if found is None:
        return None
    return (f"contains a lone surrogate (U+{ord(found.group()):04X} at character {found.start() + 1}), "
            "half of a UTF-16 pair that is not text")


def escape_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate spelled as an escape (\\ud800), so it can be encoded."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
