"""The result of normalize(): `Normalized`, `Handle`, and the private-use tokens it writes."""
from __future__ import annotations

from dataclasses import dataclass

TOKENS: dict[str, str] = {
    "img": "\ue000",
    "sticker": "\ue001",
    "emoji": "\ue002",
    "ident": "\ue003",  # a number an identifier word names (会议号 876-543-210, 单号, uid): folding.IDENT_RE
    "qq": "\ue010",
    "phone": "\ue011",
    "wechat": "\ue012",
    "url": "\ue013",
    "group": "\ue014",
    "telegram": "\ue015",
    "email": "\ue016",
}

# tokens that Normalized.text carries (handle tokens only appear in `masked`)
TEXT_TOKENS = frozenset((TOKENS["img"], TOKENS["sticker"], TOKENS["emoji"], TOKENS["ident"]))


@dataclass(frozen=True, slots=True)
class Handle:
    kind: str   # one of "qq", "phone", "wechat", "url", "group", "telegram", "email"
    text: str   # the span in Normalized.text (lowercased, so it can be found there), e.g. "加v was4872"
    value: str  # canonical value: digits joined, domain lowercased with dots, wechat id lowercased


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    masked: str
    handles: tuple[Handle, ...]
    n_emoji: int
    n_placeholders: int


# Instances are built through the slot descriptors: the generated __init__ of a frozen dataclass
# goes through object.__setattr__ once per field (~1.6 us), the descriptors take ~0.5 us. The
# result is an ordinary, equal, immutable instance.
_set_text, _set_masked, _set_handles, _set_n_emoji, _set_n_ph = (
    getattr(Normalized, f).__set__ for f in ("text", "masked", "handles", "n_emoji", "n_placeholders")
)
_set_kind, _set_htext, _set_value = (getattr(Handle, f).__set__ for f in ("kind", "text", "value"))
_object_new = object.__new__


def new_normalized(text, masked, handles, n_emoji, n_ph) -> Normalized:
    obj = _object_new(Normalized)
    _set_text(obj, text)
    _set_masked(obj, masked)
    _set_handles(obj, handles)
    _set_n_emoji(obj, n_emoji)
    _set_n_ph(obj, n_ph)
    return obj


def new_handle(kind, text, value) -> Handle:
    obj = _object_new(Handle)
    _set_kind(obj, kind)
    _set_htext(obj, text)
    _set_value(obj, value)
    return obj
