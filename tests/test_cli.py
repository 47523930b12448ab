"""`qunguard classify` as a user runs it: a real subprocess on real files."""
import io
import json
import subprocess
import sys

import pytest

from qunguard.service import cli


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "qunguard.service.cli", *args], input=stdin, capture_output=True, timeout=120,
                          check=False)  # the tests read the exit code


def classify_to_file(src, model_dir):
    """`qunguard classify SRC -o OUT` with OUT beside SRC: the finished process, and OUT."""
    out = src.with_name("out.jsonl")
    return run("classify", str(src), "-o", str(out), "--model", str(model_dir)), out


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_jsonl_good_and_bad_lines(tmp_path, small_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"text": "加我微信 Was4872 领取优惠券，限时包邮", "id": 1}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": 3}),
                json.dumps({"text": "   ", "id": 4}),
                json.dumps(["a", "list"]),
                json.dumps({"text": 42, "id": 6}),
                json.dumps({"text": "今天大家吃了什么", "id": 7, "user": "u1"}, ensure_ascii=False),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 1, res.stderr
    rows = lines(out)
    assert len(rows) == 7
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["line"] for r in rows if "error" in r] == [2, 3, 4, 5, 6]
    good = [r for r in rows if "error" not in r]
    assert [r["id"] for r in good] == [1, 7]
    assert good[1]["user"] == "u1"  # other fields pass through
    for r in good:
        assert set(r["scores"]) == {"on_topic", "spam", "advertising", "flooding"}
        assert abs(sum(r["scores"].values()) - 1) < 1e-3
        assert r["label"] == max(r["scores"], key=r["scores"].get)
        assert any(reason["name"] == "model" for reason in r["reasons"])
    assert any(reason["name"] == "contact_handle" and "was4872" in reason["detail"] for reason in good[0]["reasons"])
    stderr = res.stderr.decode()
    assert "line 2:" in stderr and "line 4:" in stderr and "2 classified, 5 failed" in stderr


@pytest.mark.slow
def test_csv_input_all_good(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_text("msg_id,text\na,哈哈哈哈哈哈哈哈哈哈\nb,\"明天几点集合, 在哪\"\n", encoding="utf-8")
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 0, res.stderr
    rows = lines(out)
    assert [r["msg_id"] for r in rows] == ["a", "b"]


@pytest.mark.slow
def test_stdin_to_stdout(small_model_dir):
    res = run("classify", "-", "--model", str(small_model_dir), stdin='{"text": "在吗"}\n'.encode())
    assert res.returncode == 0
    assert json.loads(res.stdout)["label"] in {"on_topic", "spam", "advertising", "flooding"}


@pytest.mark.slow
def test_csv_without_text_column(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_text("message\nhello\n", encoding="utf-8")
    res = run("classify", str(src), "--model", str(small_model_dir))
    assert res.returncode == 2
    assert b"text" in res.stderr


@pytest.mark.slow
def test_invalid_utf8_line_costs_only_that_line(tmp_path, small_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "\xff\xfe bad"}\n' + '{"text": "你好"}\n'.encode())
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 1
    rows = lines(out)
    assert rows[0]["line"] == 1 and "UTF-8" in rows[0]["error"]["message"]
    assert rows[1]["text"] == "你好"
    assert b"Traceback" not in res.stderr


@pytest.mark.slow
def test_invalid_utf8_csv_is_refused_clearly(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_bytes(b"text\n\xff\xfe\n")
    res = run("classify", str(src), "--model", str(small_model_dir))
    assert res.returncode == 2
    assert b"not valid UTF-8" in res.stderr and b"Traceback" not in res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("model_arg", ["/nonexistent/model"], ids=["missing-model"])
def test_bad_model_folder(tmp_path, model_arg):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "hi"}\n')
    res = run("classify", str(src), "--model", model_arg)
    assert res.returncode == 2
    assert b"not a QunGuard model folder" in res.stderr


@pytest.mark.slow
def test_owners_bar_one_output_line_per_input_line(tmp_path, small_model_dir):
    """A blank line, a lone surrogate and bad JSON each cost one numbered error line; the rest is classified."""
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"text": "今晚几点开会？", "id": 1}\n'
        "\n"
        '{"text": "\\ud800 加我微信", "id": 3}\n'  # the JSON escape of half an emoji
        '{"text": "明天见", "id": 4 "x": 1}\n'
        '{"text": "需要的加V Was4872，限时包邮", "id": 5}\n',
        encoding="utf-8",
    )
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 1, res.stderr
    rows = lines(out)
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r.get("id") for r in rows if "label" in r] == [1, 5]
    errors = {r["line"]: r["error"]["message"] for r in rows if "error" in r}
    assert errors[2] == "blank line"
    assert errors[3].startswith("text contains a lone surrogate (U+D800 at character 1)")
    assert errors[4] == "not valid JSON (Expecting ',' delimiter at character 25)"
    stderr = res.stderr.decode()
    assert "line 4: not valid JSON (Expecting ',' delimiter at character 25)" in stderr
    assert "2 classified, 3 failed" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_output_into_a_missing_folder_is_one_line_and_exit_2(tmp_path, small_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "hi"}\n')
    res = run("classify", str(src), "-o", str(tmp_path / "no" / "such" / "out.jsonl"), "--model", str(small_model_dir))
    assert res.returncode == 2
    stderr = res.stderr.decode().strip()
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1
    assert stderr.startswith("error: cannot write") and "No such file or directory" in stderr


@pytest.mark.slow
def test_help_documents_the_exit_status():
    res = run("classify", "--help")
    assert res.returncode == 0
    text = res.stdout.decode()
    assert "Exit status: 0 every line got a verdict; 1" in text and "`line`" in text


@pytest.mark.slow
def test_csv_blank_row_and_ragged_row_keep_their_line_numbers(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_text('id,text\na,早上好\n\nb,"两行的\n消息"\nc,你好,多余\nd,晚安\n', encoding="utf-8")
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 1, res.stderr
    rows = lines(out)
    assert [(r["line"], r.get("id"), "error" in r) for r in rows] == [
        (2, "a", False), (3, None, True), (4, "b", False), (6, None, True), (7, "d", False)]


@pytest.mark.slow
def test_a_passed_through_field_with_a_lone_surrogate_is_written_escaped(tmp_path, small_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "你好", "user": "\\udc00x"}\n', encoding="utf-8")
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 0, res.stderr
    assert "\\udc00x" in out.read_text(encoding="utf-8")
    assert lines(out)[0]["user"] == "\udc00x" and lines(out)[0]["line"] == 1


def test_passed_through_fields_the_fast_json_writer_refuses_or_lacks(tmp_path, small_model_dir):
    # orjson writes each line; an integer past 64 bits, which it refuses, is left to json, and NaN (which the
    # json module reads but standard JSON lacks) comes out as null, a line any JSON parser reads
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "你好", "id": 123456789012345678901234567890}\n{"text": "在吗", "w": NaN}\n', encoding="utf-8")
    res, out = classify_to_file(src, small_model_dir)
    assert res.returncode == 0, res.stderr
    first, second = lines(out)
    assert first["id"] == 123456789012345678901234567890 and first["label"] in ("on_topic", "flooding")
    assert second["line"] == 2 and second["w"] is None


class _FailsOn:
    """The real classifier, except that a batch holding `marker` fails (a model bug on one line)."""

    def __init__(self, clf, marker: str) -> None:
        self.clf, self.marker, self.batches = clf, marker, []

    def classify_normalized(self, norms, **kwargs):
        self.batches.append(len(norms))
        if any(self.marker in n.text for n in norms):
            raise RuntimeError("model bug")
        return self.clf.classify_normalized(norms, **kwargs)


def test_a_batch_that_fails_is_retried_line_by_line(small_model, monkeypatch):
    monkeypatch.setattr(cli, "BATCH", 4)
    texts = ["早上好", "今晚几点开会？", "这行会出错", "明天见", "加我微信 Was4872", "晚安"]
    clf = _FailsOn(small_model, "出错")
    out, err = io.StringIO(), io.StringIO()
    stream = io.BytesIO("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts).encode())
    assert cli.classify_stream(clf, stream, out, is_csv=False, err=err) == (5, 1)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert "could not be classified" in rows[2]["error"]["message"]
    assert clf.batches == [4, 1, 1, 1, 1, 2]  # batches of 4; only the failing one line by line


@pytest.mark.slow
def test_links_hidden_behind_words_are_judged_after_them(tmp_path):
    """`links` as the API takes them: judged after the words, each named; a bad one is that line's error."""
    src = tmp_path / "in.jsonl"
    rows = [
        {"text": "兼职日结，点这里", "links": ["https://t.me/+AbCdEfGh"]},
        {"text": "兼职日结，点这里"},
        {"text": "看 https://t.me/+AbCdEfGh", "links": ["https://t.me/+AbCdEfGh", "tg://user?id=42"]},
        {"text": "点这里", "links": "https://t.me/+x"},
        {"text": "点这里", "links": ["x"] * 21},
        {"text": "点这里", "links": [""]},
    ]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    res, out = classify_to_file(src, artifact_dir())
    assert res.returncode == 1, res.stderr
    got = lines(out)
    hidden = [[r["detail"] for r in row.get("reasons", []) if r["name"] == "hidden_link"] for row in got]
    assert hidden[0] == ["https://t.me/+AbCdEfGh (behind the words or a button; judged after them)"]
    assert hidden[1] == [] and hidden[2] == []  # none given; or the text shows it, and a mention is no link
    assert got[0]["scores"] != got[1]["scores"]  # the address is evidence the words alone lack
    assert got[0]["links"] == ["https://t.me/+AbCdEfGh"]  # the input's fields pass through
    assert "'links' must be a list of strings" in got[3]["error"]["message"]  # JSONL: a list, as the API's
    assert "at most 20" in got[4]["error"]["message"] and "links.0 must be 1 to 2048" in got[5]["error"]["message"]
    csv_src = tmp_path / "in.csv"  # CSV: one column, the addresses separated by spaces
    csv_src.write_text("text,links\n兼职日结，点这里,https://t.me/+AbCdEfGh https://bit.ly/3xYz\n你好,\n", encoding="utf-8")
    res, out = classify_to_file(csv_src, artifact_dir())
    assert res.returncode == 0, res.stderr
    first, second = lines(out)
    assert [r["detail"].split()[0] for r in first["reasons"] if r["name"] == "hidden_link"] == [
        "https://t.me/+AbCdEfGh", "https://bit.ly/3xYz"]
    assert first["links"] == ["https://t.me/+AbCdEfGh", "https://bit.ly/3xYz"] and second["links"] == []


def artifact_dir():
    from qunguard.model import artifact

    return artifact.SHIPPED


@pytest.mark.slow
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    """`qunguard classify big.jsonl | head -1`: the closed pipe ends the run without a traceback."""
    src = tmp_path / "big.jsonl"
    src.write_text("".join(json.dumps({"text": f"第{i}条消息，大家好"}, ensure_ascii=False) + "\n" for i in range(5000)),
                   encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "qunguard.service.cli", "classify", str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert json.loads(proc.stdout.readline())["line"] == 1
    proc.stdout.close()  # as head does after its line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
