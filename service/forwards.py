"""A forwarded message: where it comes from, and what that says about it.

Telegram tells a bot where a forwarded message was first posted (`forward_origin`, Bot API 7.0: a user, a
user who hides their account, a chat, or a channel); a Telegram export says the same (`forwarded_from_id`).
Grey-market ads reach Chinese Telegram groups as channel posts forwarded by a fresh account, so tg-spam has
a check that calls every forward spam (`ForwardedCheck`, off by default). Members also forward news and
their friends' messages every day, so a forward alone is no verdict here:
- every forward is named in the verdict's reasons (`forwarded`);
- a forward from a channel is a signal besides the model, like a shopping link: with the model's score for
  an ad or a lure past the delete threshold, it backs the delete (service/policy.py). A post of the group's
  own linked channel (`is_automatic_forward`) is none of this: it is the group's own;
- a group that wants no forwards at all says so (`GroupSettings.forwards`: "review" or "delete").
"""
from __future__ import annotations

from typing import Literal, get_args

Origin = Literal["user", "hidden_user", "chat", "channel"]
ORIGINS: tuple[Origin, ...] = get_args(Origin)
_SAID = {"user": "a member's message", "hidden_user": "a hidden account's message", "chat": "a chat's message",
         "channel": "a channel's post"}
_EXPORT_PREFIXES: tuple[tuple[str, Origin], ...] = (("channel", "channel"), ("chat", "chat"), ("user", "user"))


def reason(origin: Origin) -> dict:
    """The verdict's note of a forward."""
    return {"name": "forwarded", "detail": f"forwarded from {_SAID[origin]}"}


def backs_delete(origin: Origin | None) -> bool:
    """A forward that is a signal besides the model for deleting an ad or a lure: a channel's post."""
    return origin == "channel"


def from_export_id(forwarded_from_id: object) -> Origin:
    """The origin a Telegram Desktop export names by its `forwarded_from_id` ("channel1234", "user99", "chat5");
    none: an account that hides itself (the export has only its name)."""
    if isinstance(forwarded_from_id, str):
        for prefix, origin in _EXPORT_PREFIXES:
            if forwarded_from_id.startswith(prefix):
                return origin
    return "hidden_user"
