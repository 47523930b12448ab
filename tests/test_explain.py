"""A verdict's evidence: the tokens of a message that push hardest toward its label."""
import numpy as np

from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize
from tests.conftest import read_gold


def _evidence_one_row(clf, scores, row, label, top=3):
    """The reference, one message at a time: positive pulls, strongest first (ties by column), names once."""
    tokens = scores.tokens
    cols = tokens.cols[tokens.rows == row]
    pull = clf._pull_table[LABELS.index(label), cols]
    names = []
    for i in np.argsort(-pull, kind="stable"):
        if pull[i] > 0 and len(names) < top and clf.featurizer.column_name(int(cols[i])) not in names:
            names.append(clf.featurizer.column_name(int(cols[i])))
    return names


def test_batch_evidence_matches_one_message_at_a_time(shipped):
    clf = shipped[0]
    norms = [normalize(row["text"]) for row in read_gold()[:600]]
    scores = clf.score(norms)
    rows = list(range(len(norms)))
    labels = [LABELS[(i * 7) % 4] for i in rows]  # every label, not only the predicted one
    got = clf.explain(scores, rows, labels)
    assert got == [_evidence_one_row(clf, scores, r, lab) for r, lab in zip(rows, labels, strict=True)]
    assert sum(map(len, got)) > len(rows)  # most rows have evidence


def test_evidence_defaults_to_the_scored_label_and_any_rows(shipped):
    clf = shipped[0]
    norms = [normalize(row["text"]) for row in read_gold()[:200]]
    scores = clf.score(norms)
    rows = [150, 3, 77, 3]  # any order, repeats allowed
    assert clf.explain(scores, rows) == [_evidence_one_row(clf, scores, r, scores.labels[r]) for r in rows]


def test_evidence_reads_as_text(shipped):
    clf = shipped[0]
    v = clf.classify("加我微信 Was4872 领取优惠券，[图片]")
    evidence = [r.detail for r in v.reasons if r.name == "evidence"]
    assert v.label != "on_topic" and evidence
    assert len(evidence) == len(set(evidence)) <= 3
    # private-use stand-ins for handles, pictures and message edges never reach a user
    assert not any(0xE000 <= ord(ch) <= 0xF8FF or ch in "\x02\x03" for tok in evidence for ch in tok)


def test_no_rows_no_evidence(shipped):
    clf = shipped[0]
    assert clf.explain(clf.score([normalize("你好")]), []) == []
