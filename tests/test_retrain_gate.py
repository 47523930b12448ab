"""Gated retraining from moderators' exports: bad rows named and skipped, one-label exports refused,
a good export promoted, a poisoned one refused with the comparison printed (train.py, model/gate.py)."""
import json
import random
import shutil
from pathlib import Path

import pytest

import train
from qunguard.model import artifact
from qunguard.model.dataset import read_export, read_jsonl_gz
from qunguard.model.gate import compare, format_comparison, held_out, split_exports
from qunguard.model.registry import Registry
from qunguard.service import cli
from qunguard.service.store import Store

ROOT = Path(__file__).resolve().parents[1]
# the champion is conftest's small model: candidates are trained the same way, so the gate compares like with like
SMALL = ["--limit", "4000", "--max-features", "30000"]
# a 4,000-row model is a weak one (F1 ~0.3 for advertising from the held-out source): clean rows of the
# training pool move it by up to ~0.04 there, as they pull it toward the pool's style. Both gate tests
# use 0.05; the poisoned export loses 0.1 to 0.2 of advertising F1 and 10 % of the behaviour suite. Two
# trainings of such a model on nearly the same rows also differ by 2-3 behaviour cases (a good export
# lost 2 net to the data build of 2026-11-27 s14), so both tests allow 3; the default allows none.
TOLERANCE = ["--tolerance", "0.05", "--behaviour-cases", "3"]


def record(i: int, text: str, label: str, predicted: str, decision: str) -> dict:
    """One row as `qunguard export` writes it."""
    return {"id": i, "text": text, "label": label, "predicted_label": predicted, "scores": {predicted: 0.9},
            "group_id": "g1", "user_id": f"u{i}", "message_ts": 1_764_000_000 + i, "decision": decision,
            "moderator": "alice", "decided_at": "2026-11-27T10:00:00Z", "model_version": "test", "note": None}


def write_jsonl(path: Path, rows: list, extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "".join(extra_lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus_rows() -> dict[str, list]:
    """Real labelled rows of the training pool (not the held-out sets), by label, in a seeded order."""
    rows = [ex for ex in read_jsonl_gz(ROOT / "data" / "train.jsonl.gz") if not ex.augmented]
    random.Random(7).shuffle(rows)
    by: dict[str, list] = {}
    for ex in rows:
        by.setdefault(ex.label, []).append(ex)
    return by


@pytest.fixture
def registry(tmp_path, small_model_dir) -> Registry:
    """A registry whose champion is the small model conftest trained."""
    reg = Registry(tmp_path / "models")
    shutil.copytree(small_model_dir, reg.folder("test"))
    reg.promote("test")
    return reg


def run(registry: Registry, tmp_path: Path, version: str, *exports: Path, extra: tuple[str, ...] = ()) -> int:
    return train.main([*SMALL, *TOLERANCE, "--registry", str(registry.root), "--db", str(tmp_path / "q.db"),
                       "--version", version, "--exports", *map(str, exports), *extra])


# --- reading an export ----------------------------------------------------------------------------
def test_bad_rows_are_named_by_line_and_skipped(tmp_path):
    good = [record(1, "明天几点开会", "on_topic", "on_topic", "confirmed"),
            record(2, "加V领券，全场五折", "advertising", "advertising", "confirmed")]
    path = tmp_path / "e.jsonl"
    lines = [json.dumps(good[0], ensure_ascii=False), "",  # a blank line is not a row
             json.dumps({"text": "这是什么", "label": "ads"}, ensure_ascii=False),
             json.dumps({"text": "   ", "label": "spam"}),
             '{"text": "半行',
             "[1, 2]",
             json.dumps({"text": "没有标签"}, ensure_ascii=False),
             json.dumps({"text": "\ud800坏", "label": "spam"}),  # a lone surrogate escape: valid JSON, not text
             json.dumps(good[1], ensure_ascii=False)]
    path.write_bytes("\n".join(lines).encode() + b"\n" + b'{"text": "\xff\xfe", "label": "spam"}\n')
    got = read_export(path)
    assert [ex.text for ex in got.examples] == ["明天几点开会", "加V领券，全场五折"]
    assert got.problems == [
        f"{path}:3: unknown label 'ads' (expected one of on_topic, spam, advertising, flooding)",
        f"{path}:4: empty text",
        f"{path}:5: broken JSON (Unterminated string starting at character 10)",
        f"{path}:6: expected a JSON object, got list",
        f"{path}:7: missing field 'label'",
        f"{path}:8: text is not valid UTF-8 (a lone surrogate or an undecodable byte)",
        f"{path}:10: not valid UTF-8 (invalid start byte at byte 11)",
    ]


def test_csv_export_rows_are_named_by_their_first_line(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes("id,text,label,scores\n"
                     '1,"两行\n的消息",on_topic,"{""on_topic"": 0.9}"\n'
                     "2,买买买,ads,{}\n"
                     "3,,spam,{}\n".encode()
                     + b"4,\xff\xfe,spam,{}\n"
                     + "5,正常,advertising,{},extra\n6,加V领券,advertising,{}\n".encode())
    got = read_export(path)
    assert [(ex.text, ex.label) for ex in got.examples] == [("两行\n的消息", "on_topic"), ("加V领券", "advertising")]
    assert [p.split(": ", 1)[0] for p in got.problems] == [f"{path}:{n}" for n in (4, 5, 6, 7)]
    assert "unknown label 'ads'" in got.problems[0] and "empty text" in got.problems[1]
    assert "not valid UTF-8" in got.problems[2] and "has 5 fields" in got.problems[3]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_what_qunguard_export_writes_is_read_back(tmp_path, fmt):
    from qunguard.service.exports import export_chunks

    items = [{"id": i, "text": text, "final_label": final, "label": "advertising", "scores": {"advertising": 0.7},
              "reasons": [], "group_id": "g1", "user_id": "u1", "message_ts": 1.5, "status": status, "reviewed_by": "alice",
              "reviewed_at": 2.0, "model_version": "test", "note": None}
             for i, (text, final, status) in enumerate([("全场五折，加V领券", "advertising", "confirmed"),
                                                        ('他说"明天见",\n好的', "on_topic", "dismissed"),
                                                        ("帮我砍一刀", "spam", "relabelled")])]
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(b"".join(export_chunks(items, fmt)))
    got = read_export(path)
    assert got.problems == []
    assert [(ex.text, ex.label) for ex in got.examples] == [(i["text"], i["final_label"]) for i in items]


def test_an_export_of_one_label_is_refused_before_training(tmp_path, capsys, monkeypatch):
    rows = [record(i, f"全场五折，加V领券 {i}", "advertising", "advertising", "confirmed") for i in range(30)]
    path = write_jsonl(tmp_path / "ads.jsonl", rows, ('{"text": "好", "label": "on_topi"}\n',))
    monkeypatch.setattr(train, "read_jsonl_gz", lambda *_: pytest.fail("refused before reading the training data"))
    assert train.main([*SMALL, "--registry", str(tmp_path / "models"), "--exports", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:31: unknown label 'on_topi'" in err
    assert "all 30 usable rows are labelled 'advertising'" in err and "refused" in err
    assert not (tmp_path / "models" / "versions").exists()


def test_the_held_out_share_is_stable_and_keeps_duplicates_together():
    texts = [f"消息 {i}" for i in range(5000)]
    share = sum(held_out(t, 0.2) for t in texts) / len(texts)
    assert 0.18 < share < 0.22
    from qunguard.model.dataset import Example

    rows = [Example(t, "spam", "export:e") for t in texts[:200]] * 2  # every text twice, as a campaign repeats
    train_rows, test_rows = split_exports(rows, 0.2)
    assert not {ex.text for ex in train_rows} & {ex.text for ex in test_rows}
    assert split_exports(rows, 0.2) == (train_rows, test_rows)


# --- the gate -----------------------------------------------------------------------------------
def _behaviour(passed: int, n: int = 233) -> dict:
    return {"n": n, "pass_rate": passed / n, "failures": [{"id": f"c{i}", "capability": "x", "text": str(i), "label": "spam", "predicted": "on_topic"}
                                                          for i in range(n - passed)]}


@pytest.mark.parametrize("cur, cand, allowed, ok", [
    (200, 200, 0, True), (200, 199, 0, False),   # the default: the pass rate may not drop
    (200, 197, 3, True), (200, 196, 3, False),   # --behaviour-cases 3: at most 3 cases lost net
    (200, 210, 0, True),
])
def test_the_behaviour_rule_counts_cases_lost_net(cur, cand, allowed, ok):
    c = compare({"behaviour_suite": _behaviour(cur)}, {"behaviour_suite": _behaviour(cand)}, current_version="v",
                behaviour_cases=allowed)
    assert c.passed is ok and c.behaviour["ok"] is ok
    assert ("may not drop" in format_comparison(c, "w")) is (allowed == 0)



@pytest.mark.slow
def test_a_good_export_is_promoted_and_its_bad_rows_skipped(tmp_path, registry, corpus_rows, capsys):
    Store(tmp_path / "q.db").close()  # a service's store: the promotion is announced there
    rows = [record(i, ex.text, ex.label, ex.label, "confirmed")
            for i, ex in enumerate(corpus_rows["advertising"][:150] + corpus_rows["spam"][:100] + corpus_rows["on_topic"][:400])]
    # 400 on_topic rows: their held-out ~20 % (~80, drawn by text) must reach the gate's 50 rows to be gated
    export = write_jsonl(tmp_path / "good.jsonl", rows, ('{"text": "broken\n', '{"text": "好的", "label": "ad"}\n'))
    rc = run(registry, tmp_path, "good", export)
    out, err = capsys.readouterr()
    assert rc == 0, out[-3000:]
    assert f"{export}:651: broken JSON" in err and f"{export}:652: unknown label 'ad'" in err
    assert "PASSED: promoted" in out and "promoted good: passed the gate against test" in out
    assert registry.champion() == "good" and registry.state()["previous"] == ["test"]
    meta = artifact.read_meta(registry.folder("good"))
    assert meta["gate"]["passed"] and meta["gate"]["current_version"] == "test"
    assert meta["export_rows"]["skipped"] == 2
    held = meta["export_rows"]["held_out"]
    assert 80 < held < 180 and meta["export_rows"]["trained"] == 650 - held  # ~20 %, never trained on
    assert meta["metrics"]["exports_held_out"]["n"] == held
    compared = {(c["set"], c["label"]) for c in meta["gate"]["labels"] if c["gated"]}
    assert {("gold", "advertising"), ("held_out_source", "spam"), ("exports_held_out", "on_topic")} <= compared
    assert Store(tmp_path / "q.db").revisions()["model"] == (1, str(registry.folder("good").resolve()))


@pytest.mark.slow
def test_a_poisoned_export_is_refused_with_the_comparison(tmp_path, registry, corpus_rows, capsys):
    # ads relabelled on_topic (a moderator's bulk mistake, or someone teaching the model to let theirs through);
    # 600 of them: since s26 the training pool holds 31k ads, and 300 no longer moved gold's advertising F1
    rows = [record(i, ex.text, "on_topic", "advertising", "relabelled") for i, ex in enumerate(corpus_rows["advertising"][200:800])]
    rows += [record(1000 + i, ex.text, ex.label, ex.label, "confirmed")
             for i, ex in enumerate(corpus_rows["on_topic"][300:400] + corpus_rows["spam"][200:250])]
    export = write_jsonl(tmp_path / "poisoned.jsonl", rows)
    assert run(registry, tmp_path, "poisoned", export) == 1
    out = capsys.readouterr().out
    assert "against current test: REFUSED" in out and "| set | label | n | F1 current | F1 candidate |" in out
    assert "gold | advertising" in out and "**DROP**" in out
    assert "REFUSED by the gate against test" in out and "qunguard model promote poisoned --force" in out
    assert registry.champion() == "test"  # unchanged
    gate = artifact.read_meta(registry.folder("poisoned"))["gate"]
    assert not gate["passed"] and any(f.startswith("gold/advertising") for f in gate["failures"]), gate["failures"]

    # kept in the registry: promoted only on purpose
    argv = ["model", "promote", "poisoned", "--registry", str(registry.root), "--db", str(tmp_path / "q.db")]
    assert cli.main(argv) == 1
    assert "refused by the gate" in capsys.readouterr().err and registry.champion() == "test"
    assert cli.main([*argv, "--force"]) == 0 and registry.champion() == "poisoned"
