"""From a model verdict and a group's settings to an action: allow, review or delete.

Order matters and is the group's contract with its members:
1. allow-listed users (admins, the bot itself) are never acted on;
2. an allow word lets a message through whatever the model says;
3. a block word deletes, and so does a forward in a group whose `forwards` is "delete";
4. a flood seen by behaviour (burst, repeat, raid) makes the message `flooding`,
   except a repeated ad or lure, which keeps its label and is deleted; a raid (many
   members, one text) counts only against an ad or a lure: on chat it is an echo;
5. otherwise the label's score against the group's review/delete thresholds;
   an on_topic verdict whose runner-up passes its review threshold is reviewed;
   a delete needs a second signal independent of the model (a contact handle, a
   shopping, shortener or invitation link, a channel's post forwarded); the model alone sends the message to
   review. A flood seen in the text alone ([表情][表情][表情]) has none: the text
   test reads the same text the model does, so it goes to review, and only a burst
   or repeat (step 4) backs acting on it. A group that sets
   `delete_needs_two_signals: false` lets the model delete alone;
6. a message that would be allowed during quiet hours gets the quiet-hours action, and a forward in a group
   whose `forwards` is "review" goes to review;
7. in a group with `offtopic_as_flooding`, an allowed on_topic message far from the group's topic
   profile, with enough topic signal to tell (`offtopic_as_flooding()`, applied by service/topic.py
   once the batch's topic scores are known), is flooding and goes to review.

What the group's moderators decided (service/campaigns.py) comes in between: a near-copy of a
known campaign takes the campaign's label after step 3 and is at least reviewed; the moderators'
memory is a signal besides the model, so with the model's score past the review threshold, or a
flood by behaviour, it is deleted. A near-copy of a text they allowed is allowed when only the
model flagged it (step 5), never against a block word or a flood by behaviour.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qunguard.model.links import link_tags
from qunguard.model.normalize import Handle
from qunguard.service import forwards
from qunguard.service.flood import FloodSignal
from qunguard.service.forwards import Origin
from qunguard.service.groups import CompiledGroup

if TYPE_CHECKING:
    from qunguard.service.campaigns import Match

# link parts that say "buy here" or "join elsewhere" rather than "read this"
_CORROBORATING_LINK_TAGS = frozenset(("shop", "short", "invite", "obf", "ip", "puny"))


def corroboration(label: str, handles: tuple[Handle, ...], forwarded: Origin | None = None) -> str | None:
    """A signal besides the model that backs deleting a `label` message, or None.

    Members share links and @mention each other every day, so a plain link is not one;
    a contact to buy through, a shopping or shortened link, an invitation, or a channel's
    post forwarded is. A text flood has none in its text: only behaviour (a burst, a
    repeat) backs acting on it."""
    if label == "flooding":
        return None
    if forwards.backs_delete(forwarded):
        return f"forwarded {forwarded}"
    for h in handles:
        if h.kind != "url":
            return f"contact_handle {h.kind}"
        tags = _CORROBORATING_LINK_TAGS.intersection(link_tags(h))
        if tags:
            return "link " + ",".join(sorted(tags))
    return None


def _forward_policy(action: str) -> dict:
    return {"name": "forward_policy", "detail": f"the group's setting forwards: {action}"}


def signal_reason(s: FloodSignal) -> dict:
    """A flood signal as a verdict's reason, naming the other messages it counted."""
    return {"name": s.name, "detail": s.detail, "message_ids": list(s.earlier)} if s.earlier else \
        {"name": s.name, "detail": s.detail}


@dataclass(frozen=True, slots=True)
class Decision:
    label: str
    action: str
    reasons: list[dict]  # {"name", "detail"}, "item_id" for what the moderators decided, "message_ids" for a flood


def decide(label: str, scores: dict[str, float], group: CompiledGroup, user_id: str, text: str,
           signals: list[FloodSignal], ts: float, handles: tuple[Handle, ...] = (),
           remembered: Match | None = None, forwarded: Origin | None = None) -> Decision:
    """`text` is the normalised text; words are matched on it with spaces removed. `handles` (the
    normaliser's contact handles and links) are what can back a delete besides behaviour.
    `remembered`: the decided review item the message is a near-copy of (service/campaigns.py).
    `forwarded`: where a forwarded message was first posted (service/forwards.py)."""
    reasons: list[dict] = []
    if user_id in group.allow_users:
        return Decision(label, "allow", [{"name": "allow_user", "detail": user_id}])
    compact_text = "".join(text.split()) if (group.allow_words or group.block_words) else ""
    for word, canon in group.allow_words:
        if canon in compact_text:
            return Decision(label, "allow", [{"name": "allow_word", "detail": word}])
    for word, canon in group.block_words:
        if canon in compact_text:
            return Decision(label, "delete", [{"name": "block_word", "detail": word}])
    if forwarded is not None and group.settings.forwards == "delete":
        return Decision(label, "delete", [_forward_policy("delete")])

    if remembered is not None and remembered.campaign:
        return _known_campaign(remembered, scores, group, signals)

    if label == "on_topic":
        # many members typing the same line is how chat echoes (接龙, +1, a 口令红包's password),
        # not a flood: a raid only backs acting on an ad or a lure
        signals = [s for s in signals if s.name != "raid"]
    reasons.extend(signal_reason(s) for s in signals)
    if signals:
        if label in ("spam", "advertising"):
            return Decision(label, "delete", reasons)
        return Decision("flooding", group.settings.flood.action, reasons)

    action = "allow"
    if label != "on_topic":
        t = group.settings.thresholds[label]
        p = scores[label]
        action = "delete" if p >= t.delete else "review" if p >= t.review else "allow"
        if (action == "delete" and group.settings.delete_needs_two_signals
                and corroboration(label, handles, forwarded) is None):
            action = "review"
            reasons.append({"name": "model_only", "detail": f"p({label})={p:.2f} with no second signal: sent to review"})
    else:
        for other, t in group.settings.thresholds.items():
            if scores[other] >= t.review:
                action = "review"
                reasons.append({"name": "uncertain", "detail": f"p({other})={scores[other]:.2f} ≥ review {t.review:.2f}"})
                break
    if action != "allow" and remembered is not None:  # the model alone flagged what the moderators allowed
        label, action, reasons = "on_topic", "allow", [remembered.reason()]
    q = group.settings.quiet_hours
    if action == "allow" and q is not None and group.in_quiet_hours(ts):
        action = q.action
        reasons.append({"name": "quiet_hours", "detail": f"{q.start}-{q.end} {q.timezone}"})
    if action == "allow" and forwarded is not None and group.settings.forwards == "review":
        action = "review"
        reasons.append(_forward_policy("review"))
    return Decision(label, action, reasons)


def _known_campaign(remembered: Match, scores: dict[str, float], group: CompiledGroup,
                    signals: list[FloodSignal]) -> Decision:
    """A near-copy of a campaign the group's moderators decided: their label, at least review.
    The decision is a signal the model did not give: with the model agreeing past the review
    threshold, or a flood by behaviour, it is the second one a delete needs."""
    label = remembered.label
    reasons = [remembered.reason(), *(signal_reason(s) for s in signals)]
    agrees = scores[label] >= group.settings.thresholds[label].review
    action = "delete" if agrees or signals or not group.settings.delete_needs_two_signals else "review"
    return Decision(label, action, reasons)


def offtopic_as_flooding(decision: Decision, group: CompiledGroup, topic_score: float, confidence: float) -> Decision:
    """A group with `offtopic_as_flooding` on: an allowed on_topic message far from the group's topic,
    with enough topic signal to say so (not 好的 or [表情]), is flooding and goes to review.
    Anything else is returned as it was."""
    s = group.settings
    if (not s.offtopic_as_flooding or decision.action != "allow" or decision.label != "on_topic"
            or topic_score > s.offtopic_threshold or confidence < s.offtopic_min_confidence):
        return decision
    detail = f"topic_score {topic_score:.2f} ≤ {s.offtopic_threshold:.2f} (confidence {confidence:.2f})"
    return Decision("flooding", "review", [*decision.reasons, {"name": "off_topic", "detail": detail}])
