"""Where a message goes: normalise -> classify -> flood windows -> group policy -> store.

`Moderator` is the service's core, free of HTTP: routes hand it messages and
get verdicts back. Everything a verdict needs from outside (model, group
settings, flood state, review store) is held here, built once by app.py.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier, Scores
from qunguard.model.errors import ModelArtifactError
from qunguard.model.normalize import Normalized, normalize
from qunguard.model.normalize.platform_codes import read_wechat_xml
from qunguard.service import forwards, hidden_links
from qunguard.service.campaigns import CampaignMemory
from qunguard.service.flood import FloodSignal, FloodTracker, Observation, repeat_key
from qunguard.service.forwards import Origin
from qunguard.service.groups import CompiledGroup, GroupSettings
from qunguard.service.mutes import Mute, mute_for
from qunguard.service.policy import decide
from qunguard.service.quotes import Quote, fingerprint, read_quote, reading
from qunguard.service.store import ReviewItem, Store, StoreUnavailable
from qunguard.service.topic import GroupTopics

log = logging.getLogger("qunguard")


@dataclass(frozen=True, slots=True)
class Message:
    group_id: str
    user_id: str
    text: str
    message_id: str | None = None
    ts: float | None = None
    debug: bool = False  # also give the model's machine token names (evidence_token reasons)
    reply_to: Quote | None = None  # the message it replies to, as the platform passed it (service/quotes.py)
    edited: bool = False  # a new text for a message sent before (Telegram's edited_message): judged, not counted again
    hidden_links: tuple[str, ...] = ()  # links the platform hid behind the words, already after them in `text`
    forwarded: Origin | None = None  # a forward's origin (Telegram's forward_origin type): service/forwards.py


@dataclass(frozen=True, slots=True)
class LoadedModel:
    classifier: MessageClassifier
    meta: dict

    @property
    def version(self) -> str:
        return self.meta["model_version"]


def _freeze_after_full_collection(phase: str, info: dict) -> None:
    # What survives a full collection is long-lived (flood windows, caches): freeze it so the
    # next full collection does not walk it again. Frozen objects are still freed by reference
    # counting; only a reference cycle among them would stay. bench/bench_http.py, 500 req/s
    # after a busy minute: p99 53 ms with full collections every ~1 s, 11 ms with this.
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def _settle_heap() -> None:
    """Move the loaded model's objects out of the garbage collector's sight.

    The model holds a vocabulary dict of ~10^5 entries; a full collection walks
    it and stalls every request in flight for tens of milliseconds.
    """
    gc.collect()
    gc.freeze()
    if _freeze_after_full_collection not in gc.callbacks:
        gc.callbacks.append(_freeze_after_full_collection)


class Moderator:
    def __init__(self, model: LoadedModel, store: Store, flood: FloodTracker) -> None:
        self.model = model
        _settle_heap()
        self.store = store
        self.flood = flood
        self._groups: dict[str, CompiledGroup] = {}
        # topic profiles, learning, drift and the activity counts of reports (service/topic.py)
        self.topics = GroupTopics(store, flood)
        self._reload_lock = threading.Lock()
        self.model_dir: Path | None = None  # the folder in effect, once a reload named one
        self.shared = False
        self._groups_rev = self._model_rev = self._review_rev = 0
        self._follow_every = self._next_follow = 0.0  # follow_store(): alone, how often to look for a new model
        # what the groups' moderators decided, from the store (service/campaigns.py)
        self.campaigns = CampaignMemory()
        self.campaigns.load(store)
        self.on_model_change: Callable[[str], None] | None = None  # called with the new version after every swap (metrics)

    def share_with_workers(self) -> None:
        """Several processes serve one store: follow the changes the others make.

        Each batch reads the store's revision counters (one small SELECT): a group
        changed by another worker is read again, and a model reloaded by another
        worker is loaded here too, in the background, while the old one keeps serving."""
        revs = self.store.revisions()
        self._groups_rev, self._model_rev = revs["groups"][0], revs["model"][0]
        self._review_rev = revs["review"][0]
        self.topics.follow(revs)
        self.shared = True

    def follow_other_workers(self) -> None:
        revs = self.store.revisions()
        (groups_rev, _), (model_rev, folder) = revs["groups"], revs["model"]
        if groups_rev != self._groups_rev:
            self._groups_rev = groups_rev
            self._groups.clear()
        self.topics.follow(revs)
        review_rev = revs["review"][0]
        if review_rev != self._review_rev:  # a moderator decided through another worker
            self._review_rev = review_rev
            self.campaigns.follow(self.store)
        self._follow_model(model_rev, folder)

    def follow_store(self, every_s: float = 1.0) -> None:
        """One process alone: follow the model announced in the store by another process
        (`qunguard model promote|rollback`), looking at most once every `every_s` seconds (a batch
        pays a clock read; one in `every_s` also pays one small SELECT). Workers follow every batch instead."""
        self._model_rev = self.store.revisions()["model"][0]
        self._follow_every = every_s

    def follow_announced_model(self) -> None:
        now = time.monotonic()
        if not self._follow_every or now < self._next_follow:
            return
        self._next_follow = now + self._follow_every
        try:
            model_rev, folder = self.store.revisions()["model"]
        except StoreUnavailable:
            return  # the model keeps serving; the store's trouble shows where the store is needed
        self._follow_model(model_rev, folder)

    def _follow_model(self, model_rev: int, folder: str | None) -> None:
        if model_rev != self._model_rev:
            self._model_rev = model_rev
            if folder:
                threading.Thread(target=self._load_announced, args=(Path(folder),), daemon=True,
                                 name="qunguard-follow-reload").start()

    def _load_announced(self, folder: Path) -> None:
        try:
            self.reload(folder, announce=False)
            log.warning("loaded model %s from %s, as announced in the store (another worker, or qunguard model "
                        "promote|rollback)", self.model.version, folder)
        except ModelArtifactError as exc:
            log.error("the store announced model %s, but here: %s; the previous model keeps serving", folder, exc)

    # -- model ----------------------------------------------------------------
    def reload(self, folder: str | Path, *, announce: bool = True) -> LoadedModel:
        """Load a new artifact and swap it in; on any error the old model keeps serving.

        With several workers, a reload asked of this one is announced to the others."""
        with self._reload_lock:
            classifier, meta = artifact.load(folder)  # raises ModelArtifactError, nothing swapped
            self.model = LoadedModel(classifier, meta)  # one reference assignment: requests see old or new
            self.model_dir = Path(folder)
            _settle_heap()
            if self.on_model_change is not None:
                self.on_model_change(self.model.version)
            if self.shared and announce:
                self._model_rev = self.store.bump_revision("model", str(folder))
            return self.model

    # -- the review loop --------------------------------------------------------
    def review_decided(self) -> None:
        """A moderator's decision was just committed through this process: whatever learns from
        decisions (the groups' known campaigns, service/campaigns.py) catches up now, not at the next poll."""
        self.campaigns.follow(self.store)

    def configure_campaigns(self, per_group: int, share: bool) -> None:
        """Apply QUNGUARD_CAMPAIGN_MEMORY_PER_GROUP and QUNGUARD_SHARE_CAMPAIGNS (read again from the store)."""
        if (per_group, share) != (self.campaigns.per_group, self.campaigns.share):
            memory = CampaignMemory(per_group, share)
            memory.load(self.store)
            self.campaigns = memory

    # -- groups ---------------------------------------------------------------
    def group(self, group_id: str) -> CompiledGroup:
        g = self._groups.get(group_id)
        if g is None:
            stored = self.store.get_group(group_id)
            g = CompiledGroup(GroupSettings.model_validate(stored) if stored else GroupSettings(), known=stored is not None)
            if len(self._groups) > 100_000:  # bounded: unknown groups must not grow this forever
                self._groups.clear()
            self._groups[group_id] = g
        return g

    def put_group(self, group_id: str, settings: GroupSettings) -> CompiledGroup:
        rev = self.store.put_group(group_id, settings.model_dump(mode="json"))
        if self.shared and rev == self._groups_rev + 1:
            self._groups_rev = rev  # our own change, already in the cache below
        g = CompiledGroup(settings, known=True)
        self._groups[group_id] = g
        return g

    # -- verdicts -------------------------------------------------------------
    def _catch_up(self) -> None:
        """Before a verdict: what other workers changed (settings, the model), or a model announced meanwhile."""
        if self.shared:
            self.follow_other_workers()
        elif self._follow_every:
            self.follow_announced_model()

    def classify(self, messages: list[Message]) -> list[dict]:
        self._catch_up()
        model = self.model  # one model for the whole batch, even if a reload lands meanwhile
        clf = model.classifier
        now = time.time()
        times = [m.ts if m.ts is not None else now for m in messages]
        # a reply is judged without the group's message it quotes (service/quotes.py)
        judged, quote_reasons, norms, said = self._read_quotes(messages, times)
        scored = clf.score(norms)
        verdicts, flagged = [], []
        labeled = list(zip(scored.labels, scored.scores, strict=True))
        groups = [self.group(m.group_id) for m in messages]
        topic = self.topics.score(messages, norms, groups, scored.words)  # groups without a topic profile pay a dict lookup
        # the whole batch in one call: one round trip when the windows live in Redis
        keys = [repeat_key(norm) for norm in norms]
        # an edit is the same message again, not a new one: no window counts it (WeChat's quotes never meet one)
        posted = [i for i, m in enumerate(messages) if not m.edited]
        observed = self.flood.observe_batch([Observation(messages[i].group_id, messages[i].user_id, keys[i], times[i],
                                                         groups[i].flood_limits, said[i], messages[i].message_id)
                                             for i in posted])
        no_context = observed is None  # flood windows unreachable: the text alone decides, and the verdict says so
        signals: list[list[FloodSignal]] = [[] for _ in messages]
        for i, sig in zip(posted, observed or [], strict=False):
            signals[i] = sig
        # a delete needs a second signal besides the model: a contact handle or a telling link can be one
        # near-copies of what the group's moderators decided; a group that decided nothing pays nothing
        memory = self.campaigns
        remembered = ([None] * len(messages) if memory.empty else
                      [memory.match(m.group_id, norm, key) for m, norm, key in zip(messages, norms, keys, strict=True)])
        decisions = [(decide(label, scores, g, m.user_id, norm.text, sig, ts, norm.handles, mem, m.forwarded), ts)
                     for m, norm, (label, scores), g, ts, sig, mem
                     in zip(messages, norms, labeled, groups, times, signals, remembered, strict=True)]
        decisions = self.topics.offtopic_policy(messages, decisions, groups, topic)
        mutes = self._mutes(messages, decisions, groups)  # a delete's sender, muted by the group's ladder
        # the model's evidence is what a bot shows when it acts; an allowed message
        # (most of a real group's traffic) does not pay for it
        # a label policy set instead of the model's (a flood seen by behaviour) is not the model's
        # verdict: p(label) and evidence would argue against it, so they are left out
        explained = [i for i, (d, _) in enumerate(decisions) if d.action != "allow" and d.label == labeled[i][0]]
        explained_labels = [decisions[i][0].label for i in explained]
        evidence = dict(zip(explained, clf.explain_text(scored, explained, [judged[i] for i in explained],
                                                        explained_labels), strict=True))
        debugged = [i for i in explained if messages[i].debug and labeled[i][0] != "on_topic"]
        tokens = dict(zip(debugged, clf.explain(scored, debugged), strict=True))  # these rows keep the label they were scored
        for i, (m, norm, (_, scores), (decision, ts)) in enumerate(zip(messages, norms, labeled, decisions, strict=True)):
            reasons = [r.as_dict() for r in clf.handle_reasons(norm)]
            reasons += decision.reasons
            if (quoted := quote_reasons[i]) is not None:
                reasons.append(quoted)
            if m.hidden_links:
                reasons += hidden_links.reasons(m.hidden_links)
            if m.forwarded is not None:
                reasons.append(forwards.reason(m.forwarded))
            if m.edited:
                reasons.append({"name": "edited", "detail": "a new text for a message sent before: judged again, "
                                                            "not counted again"})
            if no_context:
                reasons.append({"name": "context_unavailable", "detail": "flood windows unreachable; verdict from the text alone"})
            if (mute := mutes.get(i)) is not None:
                reasons.append(mute.reason(groups[i].settings.mute.window_days))
            if i in evidence:
                reasons += _model_reasons(clf, scored, i, decision.label, evidence[i])
            if i in tokens:
                reasons += [{"name": "evidence_token", "detail": tok} for tok in tokens[i]]
            action, mute_s = decision.action, None if mute is None else mute.seconds
            if action != "allow" and groups[i].settings.dry_run:  # a trial: said and queued, not done
                reasons.append(_dry_run_reason(action, mute_s))
                action, mute_s = "allow", None
            verdict = {
                "message_id": m.message_id,
                "label": decision.label,
                "scores": scores,
                "action": action,
                "reasons": reasons,
                "topic_score": topic.score[i],
                "topic_confidence": topic.confidence[i],
                "mute_s": mute_s,
                "model_version": model.version,
            }
            verdicts.append(verdict)
            if decision.action != "allow":
                flagged.append(ReviewItem(m.message_id, m.group_id, m.user_id, _as_shown(m.text), decision.label,
                                          decision.action, scores, reasons, model.version, ts))
        # committed before the caller can answer: a crash after the response loses nothing
        self.store.add_review_items(flagged)
        self.topics.observe(messages, norms, decisions, topic, keys)  # counted in memory, written every few seconds
        return verdicts

    def _mutes(self, messages: Sequence[Message], decisions: list, groups: list[CompiledGroup]) -> dict[int, Mute]:
        """Per deleted message (by index): how long to mute its sender (service/mutes.py), from the member's
        offences in the review queue and earlier in this batch. A batch without a delete reads nothing."""
        deleted = [i for i, (d, _) in enumerate(decisions) if d.action == "delete" and groups[i].settings.mute.ladder_s
                   and not any(r["name"] == "quiet_hours" for r in d.reasons)]  # a schedule, not an offence
        if not deleted:
            return {}
        asks: dict[tuple[str, str], tuple[float, float, bool]] = {}  # per member: since, until, in a dry run
        for i in deleted:
            key, ts, settings = (messages[i].group_id, messages[i].user_id), decisions[i][1], groups[i].settings
            since = ts - settings.mute.window_days * 86400.0
            lo, hi, _ = asks.get(key, (since, ts, False))
            asks[key] = (min(lo, since), max(hi, ts), settings.dry_run)
        stored = self.store.member_offences([(*key, *ask) for key, ask in asks.items()])
        in_batch: dict[tuple[str, str], list[float]] = {}
        out: dict[int, Mute] = {}
        for i in deleted:  # in batch order: an earlier delete of the member in this batch is an offence too
            key, ts, rules = (messages[i].group_id, messages[i].user_id), decisions[i][1], groups[i].settings.mute
            since = ts - rules.window_days * 86400.0
            earlier = sorted(t for t in (*stored[key], *in_batch.get(key, ())) if since <= t <= ts)
            out[i] = mute_for(earlier, ts, rules.ladder_s)
            in_batch.setdefault(key, []).append(ts)
        return out

    def _read_quotes(self, messages: Sequence[Message], times: list[float]
                     ) -> tuple[list[str], list[dict | None], list[Normalized], list[str | None]]:
        """Per message: the text its verdict judges (service/quotes.py), its `quote` reason (None if it quotes
        nothing), the judged text normalised, and the fingerprint of the member's own words, which the group state
        remembers. A quote typed inside the text is left out only if another member posted those words before:
        earlier in this batch, or in the group state (one look-up, for batches that hold such a quote; state that
        cannot be read leaves the quote judged as written). A batch that quotes nothing pays a prefix check."""
        parts = [read_quote(m.text, m.reply_to) for m in messages]
        own = [normalize(text) for text, _ in parts]
        said = [fingerprint(norm) for norm in own]
        judged = [m.text for m in messages]
        reasons: list[dict | None] = [None] * len(messages)
        quoting = [i for i, (_, quote) in enumerate(parts) if quote is not None]
        if not quoting:
            return judged, reasons, own, said
        posted = dict.fromkeys(quoting, False)
        wordless: set[int] = set()
        asked: list[tuple[int, str]] = []
        earlier: dict[tuple[str, str], str] = {}  # (group, words) -> who posted them last in this batch
        for i, (m, (_, quote)) in enumerate(zip(messages, parts, strict=True)):
            if quote is not None and quote.inline:
                fp = fingerprint(normalize(quote.text))
                if fp is None:
                    wordless.add(i)  # a quoted [图片] hides no pitch
                elif earlier.get((m.group_id, fp), m.user_id) != m.user_id:
                    posted[i] = True
                else:
                    asked.append((i, fp))
            if (mine := said[i]) is not None:
                earlier[(m.group_id, mine)] = m.user_id
        if asked:
            answers = self.flood.posted_before([(messages[i].group_id, fp, times[i], messages[i].user_id)
                                                for i, fp in asked])
            for (i, _), seen in zip(asked, answers or [False] * len(asked), strict=True):
                posted[i] = seen
        for i in quoting:
            own_text, quote = parts[i]
            read = reading(messages[i].text, own_text, quote, posted[i], i in wordless)
            judged[i], reasons[i] = read.judged, read.reason()
            if read.judged != own_text:
                own[i] = normalize(read.judged)  # judged as written, or with an external quote
        return judged, reasons, own, said

    def report(self, message: Message, reported_by: str, label: str | None = None, note: str | None = None
               ) -> tuple[dict, bool]:
        """Queue a message someone reported for review: (the item, whether it was queued now).

        What the model lets through never reaches the queue by itself, so a moderator can neither catch it
        nor teach the group's campaigns (service/campaigns.py) or a retrain (exports) to; a report puts it
        there. The item carries the model's verdict on the text now, with a `reported` reason naming the
        reporter and the label they suggest. A message queued already (its message id, or the same sender and
        text still pending) is not queued twice. A report is not a message: no flood window, topic or drift
        counts it."""
        self._catch_up()  # scored by the model every worker serves
        model = self.model
        clf = model.classifier
        ts = message.ts if message.ts is not None else time.time()
        [judged], [quoted], [norm], _ = self._read_quotes([message], [ts])  # judged as a verdict would judge it
        scored = clf.score([norm])
        verdict_label, scores = scored.labels[0], scored.scores[0]
        evidence = clf.explain_text(scored, [0], [judged], [verdict_label])[0] if verdict_label != "on_topic" else []
        reasons = [r.as_dict() for r in clf.handle_reasons(norm)] + _model_reasons(clf, scored, 0, verdict_label, evidence)
        if quoted is not None:
            reasons.append(quoted)
        reasons += hidden_links.reasons(message.hidden_links)
        said = f"by {reported_by}" + (f", as {label}" if label else "") + (f": {note}" if note else "")
        reasons.append({"name": "reported", "detail": said})  # the first report's; every report: store.item_reports()
        return self.store.add_reported_item(ReviewItem(
            message.message_id, message.group_id, message.user_id, _as_shown(message.text), verdict_label, "review", scores,
            reasons, model.version, ts), reported_by, label, note)


def _dry_run_reason(action: str, mute_s: int | None) -> dict:
    """What a group in its dry run would have had done to a message (the queue keeps that action for it)."""
    would = "deleted it" if action == "delete" else "sent it to review"
    if mute_s:
        would += f" and muted the sender for {mute_s} s"
    return {"name": "dry_run", "detail": f"allowed: the group is in its dry run; its settings would have {would}"}


def _as_shown(text: str) -> str:
    """What a moderator reads in the queue: a WeChat card's XML as the card shows (its kind, title and link, or its
    quote and reply), any other text as written."""
    return (read_wechat_xml(text) or text) if text.startswith("<") else text


def _model_reasons(clf: MessageClassifier, scored: Scores, i: int, label: str, evidence: Sequence[str]) -> list[dict]:
    """The model's reasons for row i of a scored batch: its p(label), the guide rule or the commerce kind that
    decided, and (for a flagged label) the evidence spans."""
    return [r.as_dict() for r in clf.model_reasons(label, scored.scores[i][label], evidence, scored.text_flood[i],
                                                   scored.rules[i], scored.kind_turned[i])]
