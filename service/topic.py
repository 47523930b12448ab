"""How close a message is to its group's stated topic.

A group's profile is the classifier's token vector of its topic description and
keywords (MessageClassifier.topic_vector: words, character n-grams, pinyin); a
message's topic score is the cosine between its tokens and the profile, in
[0, 1]. Groups without a description or keywords get no score (null).
"""
from __future__ import annotations

from collections.abc import Sequence

from qunguard.model.classifier import MessageClassifier, Scores
from qunguard.service.groups import GroupSettings


class TopicProfile:
    def __init__(self, classifier: MessageClassifier, description: str, keywords: list[str]) -> None:
        text = "\n".join([description, *keywords]).strip()
        self.empty = not text
        self.source: GroupSettings | None = None  # the GroupSettings this profile was built from (engine checks identity)
        self.vector = None if self.empty else classifier.topic_vector(text)

    def scores(self, scores: Scores, rows: Sequence[int]) -> list[float | None]:
        """The topic score of each given row of a scored batch."""
        if self.vector is None:
            return [None] * len(rows)
        return [round(min(max(s, 0.0), 1.0), 4) for s in self.vector.similarity(scores, rows).tolist()]
