"""What the review loop costs: the store's queue operations, the export, and the moderator page.

    python bench/bench_review.py [--items 100000]

A real SQLite file holding N flagged items (one group). Wall time, median of repeats:
  store   a page of 100 (no filter; label + score filter), one decision, a bulk decision of 1,000 ids,
          the JSONL and CSV export of all N items, decided (CPU time for the export)
  page    (the app in-process through a real HTTP client, the shipped model) a login's password check,
          the queue page of 50, one decision with the queue fragment it returns, a group's page
Writes bench/results/review.json. The machine is shared: read the figures as orders of magnitude.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient

from qunguard.service.app import create_app
from qunguard.service.config import Settings
from qunguard.service.exports import export_chunks
from qunguard.service.store import ReviewItem, Store
from qunguard.service.ui.accounts import authenticate, hash_password

REASONS = [{"name": "contact_handle", "detail": "wechat: 加v was4872"}, {"name": "evidence", "detail": "包邮"},
           {"name": "model", "detail": "p(advertising)=0.90"}]
SCORES = {"on_topic": 0.05, "spam": 0.03, "advertising": 0.9, "flooding": 0.02}


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def fill(store: Store, n: int) -> None:
    now = time.time()
    for start in range(0, n, 10_000):
        store.add_review_items([ReviewItem(f"m{i}", "g1", f"u{i % 97}", f"需要的加V Was{i}，限时包邮", "advertising",
                                           "review", SCORES, REASONS, "bench", now - i)
                                for i in range(start, min(n, start + 10_000))])


def store_figures(store: Store, n: int) -> dict:
    ids = iter(range(n, 0, -1))
    out = {
        "page_of_100_ms": median_ms(lambda: store.review_items(limit=100), 50),
        "page_of_100_label_and_score_filter_ms": median_ms(
            lambda: store.review_items(label="advertising", min_score=0.5, limit=100), 50),
        "one_decision_ms": median_ms(lambda: store.decide_review_item(next(ids), decision="confirm", moderator="m"), 200),
    }
    bulk = iter(range(n - 1000, 0, -1000))
    out["bulk_1000_ms"] = median_ms(lambda: store.decide_review_items(list(range(next(bulk), 0, -1))[:1000],
                                                                      decision="dismiss", moderator="m"), 5)
    for start in range(1, n + 1, 1000):  # the export measured over every item, decided
        pending = [i["id"] for i in store.review_items(status="pending", before_id=start + 1000, limit=1000)]
        if pending:
            store.decide_review_items(pending, decision="confirm", moderator="m")
    decided = sum(1 for _ in store.decided_review_items())
    for fmt in ("jsonl", "csv"):
        t = time.process_time()
        size = sum(len(chunk) for chunk in export_chunks(store.decided_review_items(), fmt))
        out[f"export_{fmt}"] = {"items": decided, "cpu_s": round(time.process_time() - t, 2), "mb": round(size / 1e6, 1)}
    return out


def page_figures(db: Path) -> dict:
    app = create_app(Settings(auth="off", db_path=db))
    store = app.state.moderator.store
    store.add_user("alice", hash_password("password123"), "moderator")
    out = {"login_check_ms": median_ms(lambda: authenticate(store, "alice", "password123"), 10)}
    with TestClient(app) as c:
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/ui/login").text).group(1)  # type: ignore[union-attr]
        c.post("/ui/login", data={"username": "alice", "password": "password123", "csrf": token})
        out["queue_page_ms"] = median_ms(lambda: c.get("/ui").raise_for_status(), 20)
        out["group_page_ms"] = median_ms(lambda: c.get("/ui/groups/g1?days=14").raise_for_status(), 10)
        csrf = re.search(r'data-csrf="([^"]+)"', c.get("/ui").text).group(1)  # type: ignore[union-attr]
        pending = iter(item["id"] for item in store.review_items(status="pending", limit=50))
        out["decision_with_queue_ms"] = median_ms(lambda: c.post(
            "/ui/decide", data={"item_id": next(pending), "decision": "confirm"},
            headers={"X-CSRF-Token": csrf}).raise_for_status(), 20)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "q.db"
        store = Store(db)
        fill(store, args.items)
        result = {"items": args.items, "store": store_figures(store, args.items)}
        store.close()
        page_db = Path(tmp) / "page.db"
        page_store = Store(page_db)
        fill(page_store, 2000)  # the page's figures: a queue of 2,000 flagged messages
        page_store.close()
        result["page"] = page_figures(page_db)
    out = ROOT / "bench" / "results" / "review.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
