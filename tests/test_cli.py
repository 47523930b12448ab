"""`qunguard classify` as a user runs it: a real subprocess on real files."""
import json
import subprocess
import sys

import pytest


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin, capture_output=True, timeout=120)


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


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
    out = tmp_path / "out.jsonl"
    res = run("classify", str(src), "-o", str(out), "--model", str(small_model_dir))
    assert res.returncode == 1, res.stderr
    rows = lines(out)
    assert len(rows) == 7
    assert [r.get("line") for r in rows if "error" in r] == [2, 3, 4, 5, 6]
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


def test_csv_input_all_good(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_text("msg_id,text\na,哈哈哈哈哈哈哈哈哈哈\nb,\"明天几点集合, 在哪\"\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = run("classify", str(src), "-o", str(out), "--model", str(small_model_dir))
    assert res.returncode == 0, res.stderr
    rows = lines(out)
    assert [r["msg_id"] for r in rows] == ["a", "b"]


def test_stdin_to_stdout(small_model_dir):
    res = run("classify", "-", "--model", str(small_model_dir), stdin='{"text": "在吗"}\n'.encode())
    assert res.returncode == 0
    assert json.loads(res.stdout)["label"] in {"on_topic", "spam", "advertising", "flooding"}


def test_csv_without_text_column(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_text("message\nhello\n", encoding="utf-8")
    res = run("classify", str(src), "--model", str(small_model_dir))
    assert res.returncode == 2
    assert b"text" in res.stderr


def test_invalid_utf8_line_costs_only_that_line(tmp_path, small_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "\xff\xfe bad"}\n' + '{"text": "你好"}\n'.encode())
    out = tmp_path / "out.jsonl"
    res = run("classify", str(src), "-o", str(out), "--model", str(small_model_dir))
    assert res.returncode == 1
    rows = lines(out)
    assert rows[0]["line"] == 1 and "UTF-8" in rows[0]["error"]["message"]
    assert rows[1]["text"] == "你好"
    assert b"Traceback" not in res.stderr


def test_invalid_utf8_csv_is_refused_clearly(tmp_path, small_model_dir):
    src = tmp_path / "in.csv"
    src.write_bytes(b"text\n\xff\xfe\n")
    res = run("classify", str(src), "--model", str(small_model_dir))
    assert res.returncode == 2
    assert b"not valid UTF-8" in res.stderr and b"Traceback" not in res.stderr


@pytest.mark.parametrize("model_arg", ["/nonexistent/model"], ids=["missing-model"])
def test_bad_model_folder(tmp_path, model_arg):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "hi"}\n')
    res = run("classify", str(src), "--model", model_arg)
    assert res.returncode == 2
    assert b"not a QunGuard model folder" in res.stderr
