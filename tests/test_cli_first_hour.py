"""A new user's first hour with the `qunguard` command: --version, serve's help and its first line,
and progress on a terminal (nothing extra in a pipe)."""
import json
import os
import select
import socket
import subprocess
import sys

import pytest

from tests.terminal import run_on_a_terminal

pytestmark = pytest.mark.slow  # every test runs the `qunguard` command in a subprocess

QUNGUARD = [sys.executable, "-m", "qunguard.service.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_version():
    res = subprocess.run([*QUNGUARD, "--version"], check=False, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.startswith("qunguard ")


def test_serve_help_explains_tokens_and_auth():
    res = subprocess.run([*QUNGUARD, "serve", "--help"], check=False, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for needed in ("QUNGUARD_TOKENS", "role:token", "8+ characters", "openssl rand -hex 16", "QUNGUARD_AUTH=off"):
        assert needed in res.stdout, needed


def test_serve_says_where_it_listens(tmp_path, small_model_dir):
    port = free_port()
    env = {**os.environ, "QUNGUARD_AUTH": "off", "QUNGUARD_MODEL_DIR": str(small_model_dir),
           "QUNGUARD_DB_PATH": str(tmp_path / "q.db"), "QUNGUARD_PORT": str(port), "QUNGUARD_WORKERS": "1"}
    proc = subprocess.Popen([*QUNGUARD, "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no line within 60 s"
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert f"listening on http://127.0.0.1:{port}" in line
    assert "1 worker" in line and "model test" in line and str(tmp_path / "q.db") in line


def test_serve_refuses_a_busy_port_before_saying_it_listens(tmp_path, small_model_dir):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {**os.environ, "QUNGUARD_AUTH": "off", "QUNGUARD_MODEL_DIR": str(small_model_dir),
               "QUNGUARD_DB_PATH": str(tmp_path / "q.db"), "QUNGUARD_PORT": str(port), "QUNGUARD_WORKERS": "1"}
        res = subprocess.run([*QUNGUARD, "serve"], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2 and "listening" not in res.stdout and "cannot listen" in res.stderr


@pytest.fixture
def big_input(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"text": f"第{i}条：今天大家吃了什么" if i % 3 else f"加我微信 Was48{i:02d} 领取优惠券"} for i in range(1200)]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return src


def test_classify_shows_progress_on_a_terminal(big_input, tmp_path, small_model_dir):
    code, err = run_on_a_terminal([*QUNGUARD, "classify", str(big_input), "-o", str(tmp_path / "out.jsonl"),
                                   "--model", str(small_model_dir)], timeout=60)
    assert code == 0, err
    assert "1200/1200" in err and "line" in err  # tqdm's count against the file's lines
    assert "1200 classified, 0 failed" in err


def test_classify_into_a_pipe_shows_no_progress(big_input, tmp_path, small_model_dir):
    res = subprocess.run([*QUNGUARD, "classify", str(big_input), "-o", str(tmp_path / "out.jsonl"),
                          "--model", str(small_model_dir)], check=False, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0
    assert res.stderr.splitlines() == ["1200 classified, 0 failed (model test)"]


def test_classify_evidence_is_text_of_the_line(tmp_path, small_model_dir):
    text = "加我微信 Was4872 领取优惠券，限時包郵"
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    res = subprocess.run([*QUNGUARD, "classify", str(src), "--model", str(small_model_dir)], check=False, capture_output=True,
                         text=True, timeout=120)
    verdict = json.loads(res.stdout)
    assert all(r["detail"] in text for r in verdict["reasons"] if r["name"] == "evidence")
