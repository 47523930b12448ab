"""How long to mute a member whose message is deleted: the group's ladder, climbed by the member's incidents.

Every group bot the anchors studied escalates: nonebot-plugin-noadpls mutes 60 s, 5 min, 30 min, 1 h, 1 d per
offence; GroupGuardian warns, bans and kicks within 7 days; zhenxun mutes a repeater for 10 min. A delete verdict
says how long to mute its sender (`mute_s`): the nth incident of the member in the group's window gets the nth
rung of the group's ladder, and every incident after the last rung gets the last.

An incident is what a group's moderators would count once:
- a deleted message, unless a moderator dismissed it or relabelled it as on_topic (a delete in quiet hours is
  the group's schedule, not an offence, and is never muted);
- any queued message a moderator confirmed, or relabelled as spam, advertising or flooding;
- the member's messages within INCIDENT_GAP_S of the one before are the same incident: a burst of five deleted
  messages is one offence, not five, and every delete of it carries the same mute.

They are counted from the review queue, where every delete and every decision is committed before the response:
the count survives a restart, is the same for every worker, and a moderator's dismissal takes an offence back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

INCIDENT_GAP_S = 60.0  # a member's offences closer than this are one incident
# what both platforms accept: QQ's set_group_ban takes 60 s to 30 days; Telegram reads under 30 s as forever
MIN_MUTE_S, MAX_MUTE_S = 60, 30 * 86400


@dataclass(frozen=True, slots=True)
class Mute:
    seconds: int  # 0: this rung deletes without a mute
    incident: int  # the member's nth incident in the window, this one included
    rung: int  # the ladder's rung it takes, from 1
    rungs: int

    def reason(self, window_days: int) -> dict:
        said = f"mute {duration(self.seconds)}" if self.seconds else "no mute"
        return {"name": "mute", "detail": f"incident {self.incident} of this member in {window_days} d, rung "
                                          f"{self.rung} of {self.rungs}: {said}"}


def incident_starts(offences: Sequence[float]) -> list[float]:
    """When each incident began, from a member's offence times in order."""
    starts: list[float] = []
    last = None
    for ts in offences:
        if last is None or ts - last > INCIDENT_GAP_S:
            starts.append(ts)
        last = ts
    return starts


def mute_for(offences: Sequence[float], ts: float, ladder: Sequence[int]) -> Mute:
    """The mute for a delete at `ts`, after the member's earlier offences in the window (times in order)."""
    starts = incident_starts(offences)
    n = len(starts) if offences and ts - offences[-1] <= INCIDENT_GAP_S else len(starts) + 1
    rung = min(n, len(ladder))
    return Mute(ladder[rung - 1] if ladder else 0, n, rung, len(ladder))


def duration(seconds: int) -> str:
    """A mute's length as people say it: 10 min, 1 h, 1 d (90 s stays 90 s)."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
