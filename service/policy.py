"""From a model verdict and a group's settings to an action: allow, review or delete.

Order matters and is the group's contract with its members:
1. allow-listed users (admins, the bot itself) are never acted on;
2. an allow word lets a message through whatever the model says;
3. a block word deletes;
4. a flood seen by behaviour (burst, repeat, raid) makes the message `flooding`,
   except a repeated ad or lure, which keeps its label and is deleted;
5. otherwise the label's score against the group's review/delete thresholds;
   an on_topic verdict whose runner-up passes its review threshold is reviewed;
6. a message that would be allowed during quiet hours gets the quiet-hours action.
"""
from __future__ import annotations

from dataclasses import dataclass

from service.flood import FloodSignal
from service.groups import CompiledGroup

RANK = {"allow": 0, "review": 1, "delete": 2}


@dataclass(frozen=True, slots=True)
class Decision:
    label: str
    action: str
    reasons: list[dict[str, str]]


def decide(label: str, scores: dict[str, float], group: CompiledGroup, user_id: str, text: str,
           signals: list[FloodSignal], ts: float) -> Decision:
    """`text` is the normalised text; words are matched on it with spaces removed."""
    reasons: list[dict[str, str]] = []
    if user_id in group.allow_users:
        return Decision(label, "allow", [{"name": "allow_user", "detail": user_id}])
    compact_text = "".join(text.split()) if (group.allow_words or group.block_words) else ""
    for word, canon in group.allow_words:
        if canon in compact_text:
            return Decision(label, "allow", [{"name": "allow_word", "detail": word}])
    for word, canon in group.block_words:
        if canon in compact_text:
            return Decision(label, "delete", [{"name": "block_word", "detail": word}])

    reasons.extend({"name": s.name, "detail": s.detail} for s in signals)
    if signals:
        if label in ("spam", "advertising"):
            return Decision(label, "delete", reasons)
        return Decision("flooding", group.settings.flood.action, reasons)

    action = "allow"
    if label != "on_topic":
        t = group.settings.thresholds[label]
        p = scores[label]
        action = "delete" if p >= t.delete else "review" if p >= t.review else "allow"
    else:
        for other, t in group.settings.thresholds.items():
            if scores[other] >= t.review:
                action = "review"
                reasons.append({"name": "uncertain", "detail": f"p({other})={scores[other]:.2f} ≥ review {t.review:.2f}"})
                break
    if action == "allow" and group.in_quiet_hours(ts):
        q = group.settings.quiet_hours
        action = q.action
        reasons.append({"name": "quiet_hours", "detail": f"{q.start}-{q.end} {q.timezone}"})
    return Decision(label, action, reasons)
