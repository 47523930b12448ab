"""The groups' memory of decided texts: what a moderator's decision teaches the group at once.

A review item a moderator confirmed or relabelled as spam or advertising becomes one of its
group's *known campaigns*: a near-copy of it, posted in that group by anyone, is caught with
the reason `known_campaign` and the item's id. An item dismissed (or relabelled on_topic) is
a false positive: its near-copies are no longer flagged by the model alone in that group
(`allowed_by_moderator`). Flooding decisions teach nothing here: a flood is how often a text
comes, not what it says (the flood windows see the repeats), and a remembered laugh would make
the next member who laughs the same way a flooder.

Near-copy: the same key (the repeat key of service/flood.py: masked text, handles as their
kind, digit runs as one 0, no punctuation, spaces or emoji), or, for texts of at least
MIN_CHARS characters besides handles and digits, a Jaccard similarity >= 0.8 of their character
3-gram sets: computed exactly, where MinHash would estimate it. The candidates come from an
index of every 3-gram (a prefix filter): a near-copy B of A holds at least ceil(0.8 |A|) of A's
3-grams, so any |A| - ceil(0.8 |A|) + 1 of them include one of B's; the rarest in the index are
taken, which leaves few candidates. No near-copy is missed (MinHash LSH misses some), and no
numpy or datasketch runs on the hot path (importing datasketch loads scipy: over a second of
cold start). A short text (under MIN_CHARS such characters, or fewer distinct 3-grams) matches
only by an exact key that holds a handle or link: what whole groups type every day (收到,
[表情], 哈哈哈哈哈哈哈哈, a number) never becomes a campaign, nor an allowed text.

When near-copies of a message were decided both ways (one confirmed, one dismissed), the memory
stays out and the model decides alone: the moderators disagree, and undoing or deciding again
the item that was wrong settles it. Otherwise the same key beats similarity, then the closest,
then the latest decision.

Bounded per group: the `per_group` most recently decided items; hits do not promote an entry,
so every worker, and a process started again, hold the same ones (the latest decisions in the
store: service/store/memory.py). Cost: nothing for a group with an empty memory; else a dict
lookup and, for a text long enough, its 3-gram set, a few posting lookups and the Jaccard of
the candidates they give.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from qunguard.model.normalize import Normalized, normalize
from qunguard.service.flood import repeat_key
from qunguard.service.store.memory import Decided, MemoryStore

CAMPAIGN_LABELS = ("spam", "advertising")
ALLOWED_LABEL = "on_topic"
REMEMBERED_LABELS = (*CAMPAIGN_LABELS, ALLOWED_LABEL)
MIN_CHARS = 8  # characters besides handles and digits a text needs to match by similarity (and, without a handle, at all)
_MIN_SHINGLES = MIN_CHARS - 2  # distinct 3-grams: 哈哈哈哈哈哈哈哈 has one, and is no campaign
# near-copies: Jaccard >= 4/5, in integers (0.8 * 35 is 28.000000000000004 in floating point)
_NUM, _DEN = 4, 5
_DIGIT_RUNS = re.compile("0+")
_HANDLE_TOKENS = re.compile("[\ue010-\ue0ff]")
_NOT_CONTENT = re.compile("[\ue010-\ue0ff0]+")  # handles and digits: 12345678 and %10%10%10 say nothing


def _overlap_needed(n: int) -> int:
    """ceil(0.8 n): the fewest 3-grams a set of n shares with any near-copy of it."""
    return -(-_NUM * n // _DEN)


def _near(a: frozenset[str], b: frozenset[str]) -> float:
    """Their Jaccard similarity if at least 0.8, else 0."""
    la, lb = len(a), len(b)
    if _DEN * min(la, lb) < _NUM * max(la, lb):  # sizes too far apart for 0.8
        return 0.0
    inter = len(a & b)
    union = la + lb - inter
    return inter / union if _DEN * inter >= _NUM * union else 0.0


class Probe(NamedTuple):  # a tuple: made for every message of a group with a memory, at a third of a dataclass's cost
    """What a message is matched by: computed once, looked up in a group's and the shared index."""

    key: str
    short: bool  # under MIN_CHARS content characters, or fewer distinct 3-grams: only an exact key with a handle catches
    has_handle: bool
    grams: frozenset[str] | None = None  # its 3-grams, for similarity, when long and varied enough


def probe(norm: Normalized, key: str | None) -> Probe | None:
    """`key`: the message's repeat_key() (service/flood.py); None (roll-call words, lone placeholders)
    is never remembered nor matched."""
    if key is None:
        return None
    if norm.handles and not _HANDLE_TOKENS.search(key):
        return Probe(key, True, True)  # a bare handle keys on itself: only the same contact again
    if "0" in key:  # normalize() wrote every digit as 0
        key = _DIGIT_RUNS.sub("0", key)  # 1比20000 and 1比3000 are one pitch
        content = len(_NOT_CONTENT.sub("", key))
    else:
        content = len(_NOT_CONTENT.sub("", key)) if norm.handles else len(key)
    if content < MIN_CHARS:
        return Probe(key, True, bool(norm.handles))
    grams = frozenset([key[i:i + 3] for i in range(len(key) - 2)])
    if len(grams) < _MIN_SHINGLES:  # long but not varied (哈哈哈哈哈哈哈哈哈哈): as short
        return Probe(key, True, bool(norm.handles))
    return Probe(key, False, bool(norm.handles), grams)


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int  # the decision's review_history id: later decisions win
    item_id: int
    group_id: str
    label: str  # the final label: spam/advertising (a campaign) or on_topic (allowed)
    probe: Probe

    @property
    def campaign(self) -> bool:
        return self.label != ALLOWED_LABEL


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    similarity: float  # 1.0 for the same key
    elsewhere: bool = False  # a campaign another group's moderators decided (shared)

    @property
    def campaign(self) -> bool:
        return self.entry.campaign

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def item_id(self) -> int:
        return self.entry.item_id

    def reason(self) -> dict:
        e = self.entry
        how = "same text" if self.similarity >= 1.0 else f"{self.similarity:.0%} similar"
        where = f" in group {e.group_id}" if self.elsewhere else ""
        if e.campaign:
            detail = f"{how} as review item {e.item_id}, which a moderator decided is {e.label}{where}"
            return {"name": "known_campaign", "detail": detail, "item_id": e.item_id}
        return {"name": "allowed_by_moderator", "detail": f"{how} as review item {e.item_id}, which a moderator "
                f"decided is fine; the model alone flagged it", "item_id": e.item_id}


class _Index:
    """Entries by exact key and by each of their 3-grams, for one group (or the groups' shared campaigns)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[int, Entry] = OrderedDict()  # item id -> entry, oldest decision first
        self.by_key: dict[str, dict[int, Entry]] = {}
        self.postings: dict[str, set[int]] = {}  # a 3-gram -> the items that hold it

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, e: Entry) -> None:
        p = e.probe
        if p.short and not p.has_handle:
            return  # a short text without a handle never matches: whole groups type it
        self.entries[e.item_id] = e
        self.by_key.setdefault(p.key, {})[e.item_id] = e
        for gram in p.grams or ():
            self.postings.setdefault(gram, set()).add(e.item_id)

    def remove(self, item_id: int) -> Entry | None:
        e = self.entries.pop(item_id, None)
        if e is None:
            return None
        same = self.by_key.get(e.probe.key)
        if same is not None:
            same.pop(item_id, None)
            if not same:
                del self.by_key[e.probe.key]
        for gram in e.probe.grams or ():
            ids = self.postings.get(gram)
            if ids is not None:
                ids.discard(item_id)
                if not ids:
                    del self.postings[gram]
        return e

    def matches(self, p: Probe, campaigns_only: bool = False) -> list[Match]:
        """The entries with the same key; if none, those with a Jaccard of at least 0.8."""
        same = self.by_key.get(p.key)
        if same:
            found = [Match(e, 1.0) for e in same.values() if e.campaign or not campaigns_only]
            if found:
                return found
        if p.grams is None:
            return []
        # a near-copy B shares at least ceil(0.8 |A|) of A's 3-grams, so any |A| - ceil(0.8 |A|) + 1 of
        # them hold one of B's: take the rarest here, and every near-copy is among few candidates
        need = len(p.grams) - _overlap_needed(len(p.grams)) + 1
        held = [ids for ids in map(self.postings.get, p.grams) if ids]
        missing = len(p.grams) - len(held)
        if missing >= need:  # the usual case: that many of A's 3-grams are in no remembered text
            return []
        rarest = sorted(held, key=len)[: need - missing]
        found = []
        for item_id in set().union(*rarest):
            e = self.entries[item_id]
            if campaigns_only and not e.campaign:
                continue
            g = e.probe.grams
            assert g is not None  # only entries with 3-grams are in the postings
            j = _near(p.grams, g)
            if j:
                found.append(Match(e, j))
        return found


class CampaignMemory:
    """Every group's known campaigns and allowed texts, bounded per group; thread-safe.

    `share`: a group's known campaigns also catch in every other group (QUNGUARD_SHARE_CAMPAIGNS);
    what a moderator allowed stays with the group (one group's chat is another's off-topic)."""

    def __init__(self, per_group: int = 1000, share: bool = False) -> None:
        self.per_group = per_group
        self.share = share
        self._groups: dict[str, _Index] = {}  # only groups with something to match: the others pay nothing
        self._shared = _Index()
        # every decision remembered, matchable or not (a lone 收到 is not), newest last: what the bound
        # counts, so a running process holds the same items as one that reads the latest N at start
        self._decided: dict[str, OrderedDict[int, None]] = {}
        self._where: dict[int, str] = {}  # item id -> group, for items decided again
        self._cursor = 0
        self._lock = threading.Lock()

    @property
    def empty(self) -> bool:
        return not self._groups

    def __len__(self) -> int:
        return len(self._where)

    def group_size(self, group_id: str) -> int:
        """Decisions the group remembers (at most `per_group`)."""
        return len(self._decided.get(group_id, ()))

    # -- from the store ---------------------------------------------------------------
    def load(self, store: MemoryStore) -> None:
        """Start from the latest decisions of every group (a process starting, or settings changed)."""
        decided, cursor = store.latest_decisions(self.per_group, REMEMBERED_LABELS)
        with self._lock:
            self._groups.clear()
            self._shared = _Index()
            self._decided.clear()
            self._where.clear()
            for d in decided:
                self._apply(d)
            self._cursor = cursor

    def follow(self, store: MemoryStore) -> int:
        """Apply the decisions committed since the last call (by any worker); returns how many."""
        n = 0
        while True:
            with self._lock:
                cursor = self._cursor
            rows = store.decisions_since(cursor)
            if not rows:
                return n
            with self._lock:
                if self._cursor != cursor:
                    continue  # another thread applied these meanwhile
                for d in rows:
                    self._apply(d)
                self._cursor = rows[-1].seq
            n += len(rows)

    def _apply(self, d: Decided) -> None:
        """One item as it stands now: its earlier entry goes; a decided one comes in at the newest end."""
        old_group = self._where.get(d.item_id)
        if old_group is not None:
            self._forget(old_group, d.item_id)
        if not d.decided or d.final_label not in REMEMBERED_LABELS:
            return
        order = self._decided.setdefault(d.group_id, OrderedDict())
        order[d.item_id] = None
        self._where[d.item_id] = d.group_id
        p = probe_text(d.text)
        if p is not None:
            e = Entry(d.seq, d.item_id, d.group_id, d.final_label, p)
            g = self._groups.setdefault(d.group_id, _Index())
            g.add(e)
            if not g:
                del self._groups[d.group_id]
            elif e.campaign and self.share and d.item_id in g.entries:
                self._shared.add(e)
        while len(order) > self.per_group:  # the least recently decided goes
            self._forget(d.group_id, next(iter(order)))

    def _forget(self, group_id: str, item_id: int) -> None:
        del self._where[item_id]
        order = self._decided[group_id]
        del order[item_id]
        if not order:
            del self._decided[group_id]
        g = self._groups.get(group_id)
        if g is not None:
            g.remove(item_id)
            if not g:
                del self._groups[group_id]
        self._shared.remove(item_id)

    # -- the hot path -----------------------------------------------------------------
    def match(self, group_id: str, norm: Normalized, key: str | None) -> Match | None:
        """The decided item a message is a near-copy of, or None. `key`: its repeat_key()."""
        g = self._groups.get(group_id)
        if g is None and not (self.share and self._shared.entries):
            return None
        p = probe(norm, key)
        if p is None:
            return None
        with self._lock:
            found = g.matches(p) if g is not None else []
            if not found and self.share:
                found = [Match(m.entry, m.similarity, m.entry.group_id != group_id)
                         for m in self._shared.matches(p, campaigns_only=True)]
        if not found or len({m.campaign for m in found}) > 1:
            return None  # moderators decided near-copies both ways: the memory stays out, the model decides
        return max(found, key=lambda m: (m.similarity, m.entry.seq))


def probe_text(text: str) -> Probe | None:
    norm = normalize(text)
    return probe(norm, repeat_key(norm))
